//! The resource types the provider serves.

pub mod deployment;

use std::sync::Arc;

use crate::aws::SharedAws;
use crate::plugin::resource::ResourceType;
use crate::progress::SharedProgress;

/// Every shipped resource type; rollouts send their lines to `progress` when it holds a sink.
pub fn resources(aws: SharedAws, progress: SharedProgress) -> Vec<Arc<dyn ResourceType>> {
    vec![Arc::new(deployment::DeploymentResource::new(aws, progress))]
}
