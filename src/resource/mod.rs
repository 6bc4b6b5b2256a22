//! The resource types the provider serves.

pub mod deployment;

use std::sync::Arc;

use crate::aws::SharedAws;
use crate::plugin::resource::ResourceType;

/// Every shipped resource type.
pub fn resources(aws: SharedAws) -> Vec<Arc<dyn ResourceType>> {
    vec![Arc::new(deployment::DeploymentResource::new(aws))]
}
