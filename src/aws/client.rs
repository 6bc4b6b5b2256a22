//! [`Aws`]: the one handle through which the provider reaches AWS. It owns the SDK clients, the shared
//! CodeDeploy pace, the batching readers, the poller and the caches, so no caller can forget to pace, batch
//! or cache: the typed methods (in `group`, `task_definitions`, `deployments`, `checks`) do it for them.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::pace::Pacer;
use super::readers::Readers;
use super::sdk::Sdk;
use super::settings::AwsSettings;
use super::views::GroupInfo;
use super::watch::Watcher;

/// What one provider process remembers between Terraform's calls: the deployment group as a refresh just
/// saw it (so the plan that follows in the same run does not ask AWS again), task definition revisions by
/// ARN (immutable), deployment configs (cannot change, only be deleted) and hook functions found to exist.
#[derive(Default)]
pub(super) struct Cache {
    /// Groups by (application, group), with when they were read.
    pub groups: HashMap<(String, String), (Instant, GroupInfo)>,
    /// Task definition revisions by ARN, as ECS returned them.
    pub revisions: HashMap<String, serde_json::Value>,
    /// A family's newest ACTIVE revisions (ARNs, newest first), as first listed by this process.
    pub families: HashMap<String, Vec<String>>,
    /// Deployment configs by name → compute platform.
    pub configs: HashMap<String, String>,
    /// Hook functions found to exist.
    pub functions: HashSet<String>,
}

/// The AWS layer's handle; cheap to clone, one per provider configuration.
#[derive(Clone)]
pub struct Aws {
    /// Clients for rollouts: each attempt limited, no overall limit (the rollout has its own timeouts).
    pub(super) sdk: Sdk,
    /// Clients for refresh, plan and import reads, which give up after the read timeout.
    pub(super) reads: Sdk,
    pub(super) pace: Pacer,
    pub(super) readers: Arc<Readers>,
    pub(super) watcher: Watcher,
    cache: Arc<Mutex<Cache>>,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws")
            .field("region", &self.sdk.region)
            .finish_non_exhaustive()
    }
}

impl Aws {
    /// Builds the clients from the provider's settings. Nothing is called on AWS here: credentials resolve
    /// lazily on the first request.
    pub async fn connect(settings: &AwsSettings) -> Aws {
        let pace = Pacer::default();
        let sdk = Sdk::build(settings, &pace, false).await;
        let reads = Sdk::build(settings, &pace, true).await;
        Aws {
            watcher: Watcher::new(sdk.clone(), reads.clone(), pace.clone()),
            reads,
            readers: Arc::new(Readers::default()),
            cache: Arc::new(Mutex::new(Cache::default())),
            sdk,
            pace,
        }
    }

    /// The region the clients use, for messages.
    pub fn region(&self) -> Option<&str> {
        self.sdk.region.as_deref()
    }

    /// The poller every rollout of this process shares.
    pub fn watcher(&self) -> &Watcher {
        &self.watcher
    }

    pub(super) fn cache(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The configured [`Aws`], shared by the provider (which sets it at configure) and its resources.
#[derive(Clone, Default)]
pub struct SharedAws(Arc<tokio::sync::RwLock<Option<Aws>>>);

impl SharedAws {
    /// Installs the handle built at configure.
    pub async fn set(&self, aws: Aws) {
        *self.0.write().await = Some(aws);
    }

    /// The handle, or None before Terraform configured the provider.
    pub async fn get(&self) -> Option<Aws> {
        self.0.read().await.clone()
    }
}
