//! The resource types the provider serves.

pub mod deployment;

use std::sync::Arc;

use crate::plugin::resource::ResourceType;
use crate::provider::ProviderState;

/// Every shipped resource type.
pub fn resources(state: ProviderState) -> Vec<Arc<dyn ResourceType>> {
    vec![Arc::new(deployment::DeploymentResource::new(state))]
}
