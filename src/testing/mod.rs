//! Resource types that exist only to prove the plugin layer through the real `terraform` binary.
//! Compiled under the `testing` feature, which the shipped binary never enables.

mod wait;

use std::sync::Arc;

use crate::plugin::resource::ResourceType;

/// The test-only resource types.
pub fn resources() -> Vec<Arc<dyn ResourceType>> {
    vec![Arc::new(wait::TestWait)]
}
