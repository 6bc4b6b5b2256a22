//! The handle rollouts and refreshes hold: subscribe to a deployment or to alarms, or ask which
//! deployments are in flight for a group.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::watch;

use super::feeds::{AlarmFeed, DeploymentFeed};
use super::listing::active_deployments;
use super::shared::{lock_listing, recent, InFlight, Inner, State};
use crate::aws::batch::Coalescer;
use crate::aws::error::AwsError;
use crate::aws::pace::Pacer;
use crate::aws::sdk::Sdk;

/// The shared poller; cheap to clone, one per set of AWS clients.
#[derive(Clone)]
pub struct Watcher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher").finish_non_exhaustive()
    }
}

impl Watcher {
    /// A poller over these clients; its loops start with the first subscriber and end with the last.
    /// `sdk` serves the rollouts; `reads` the refreshes, which give up after the read timeout.
    pub fn new(sdk: Sdk, reads: Sdk, pace: Pacer) -> Self {
        let (alarms, _) = watch::channel(Arc::new(HashMap::new()));
        Watcher {
            inner: Arc::new(Inner {
                sdk,
                reads,
                pace,
                state: Mutex::new(State::default()),
                alarms,
                deployment_calls: std::sync::atomic::AtomicU64::new(0),
                in_flight: Arc::new(Coalescer::new(usize::MAX)),
                last_listing: Mutex::new(None),
            }),
        }
    }

    /// Follows a deployment: the feed yields a fresh observation each time the poller asks CodeDeploy.
    pub fn deployment(&self, id: &str) -> DeploymentFeed {
        DeploymentFeed::subscribe(&self.inner, id)
    }

    /// Watches alarms: the feed resolves once one of them is in ALARM.
    pub fn alarms(&self, names: &[String]) -> AlarmFeed {
        AlarmFeed::subscribe(&self.inner, names)
    }

    /// The group's deployments in flight, newest first. Groups asking at the same time share one
    /// account-wide ListDeployments of the active statuses (fifty rollouts starting together cost one call,
    /// not fifty).
    /// `paced`: take turns with the rollouts' other CodeDeploy calls and list afresh (a rollout starting),
    /// or not (a refresh, whose reads are already batched, and which may reuse a listing made at most
    /// two seconds ago).
    pub async fn in_flight(
        &self,
        application: &str,
        group: &str,
        paced: bool,
    ) -> Result<Vec<InFlight>, AwsError> {
        let key = (application.to_string(), group.to_string());
        if !paced {
            if let Some(listing) = recent(&self.inner) {
                return Ok(listing.get(&key).cloned().unwrap_or_default());
            }
        }
        let inner = self.inner.clone();
        self.inner
            .in_flight
            .get(paced, key, move |paced, _groups| {
                let inner = inner.clone();
                async move {
                    // A refresh round queued behind another round's call takes that call's answer.
                    if !paced {
                        if let Some(listing) = recent(&inner) {
                            return Ok(listing.as_ref().clone());
                        }
                    }
                    let asked = Instant::now();
                    let pace = paced.then(|| inner.pace.clone());
                    let sdk = if paced { &inner.sdk } else { &inner.reads };
                    let listing = active_deployments(sdk, &pace).await?;
                    *lock_listing(&inner.last_listing) = Some((asked, Arc::new(listing.clone())));
                    Ok(listing)
                }
            })
            .await
            .map(Option::unwrap_or_default)
    }

    /// How many BatchGetDeployments calls the poller has made (for logs and benchmarks).
    pub fn deployment_calls(&self) -> u64 {
        self.inner
            .deployment_calls
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}
