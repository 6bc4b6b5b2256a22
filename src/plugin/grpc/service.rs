//! The state behind the tfplugin6 service: the provider, its resource types by name, the stop signal and the
//! tracker of running applies; plus the two lookups every RPC handler starts with.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_util::task::TaskTracker;

use super::convert::diagnostics_to_proto;
use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::resource::{ProviderType, RequestContext, ResourceType};
use crate::plugin::stop::StopSignal;

/// The service Terraform calls; generic over the provider so the protocol layer stays AWS-free.
pub struct ProviderService<P: ProviderType> {
    pub(super) provider: P,
    pub(super) resources: HashMap<&'static str, Arc<dyn ResourceType>>,
    pub(super) stop: StopSignal,
    pub(super) applies: TaskTracker,
}

impl<P: ProviderType> ProviderService<P> {
    /// Wraps a provider; `stop` is shared with the signal handler, and `applies` lets the server wait for
    /// applies still running (an interrupted rollout rolling back) before the process exits.
    pub fn new(provider: P, stop: StopSignal, applies: TaskTracker) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| (r.type_name(), r))
            .collect();
        Self {
            provider,
            resources,
            stop,
            applies,
        }
    }

    /// Each request watches its own child of the current stop token, so it can be cancelled alone (its
    /// caller went away) as well as with everyone else (`StopProvider`).
    pub(super) fn context(&self) -> RequestContext {
        RequestContext {
            stop: self.stop.token().child_token(),
        }
    }

    pub(super) fn resource(
        &self,
        type_name: &str,
    ) -> Result<&Arc<dyn ResourceType>, Vec<pb::Diagnostic>> {
        self.resources.get(type_name).ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "Unknown resource type",
                format!("This provider has no resource type {type_name:?}."),
            );
            diagnostics_to_proto(&d)
        })
    }
}
