//! The ecsbg provider: its configuration, the AWS layer it sets up, and the resource types it serves.

pub mod config;

use std::sync::Arc;

use crate::aws::{Aws, SharedAws};
use crate::plugin::diagnostics::AttributePath;
use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::resource::{ProviderType, RequestContext, ResourceType};
use crate::plugin::schema::Schema;
use crate::plugin::value::Value;
use crate::progress::file::FileSink;
use crate::progress::SharedProgress;

/// The provider served by the binary.
#[derive(Default)]
pub struct EcsbgProvider {
    aws: SharedAws,
    progress: SharedProgress,
}

impl EcsbgProvider {
    /// A provider that is not configured yet.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl ProviderType for EcsbgProvider {
    fn schema(&self) -> Schema {
        config::provider_schema()
    }

    async fn validate_config(&self, _ctx: &RequestContext, config: &Value) -> Diagnostics {
        config::parse_settings(config).1
    }

    async fn configure(&self, _ctx: &RequestContext, config: &Value) -> Diagnostics {
        let (settings, mut diags) = config::parse_settings(config);
        if diags.has_errors() {
            return diags;
        }
        match config::progress_file(config, |k| std::env::var(k).ok()) {
            Some(path) => match FileSink::open(&path) {
                Ok(sink) => self.progress.set(Some(Arc::new(sink))),
                Err(problem) => {
                    diags.attribute_error(
                        AttributePath::root(config::PROGRESS_FILE),
                        "Cannot write the progress file",
                        problem,
                    );
                    return diags;
                }
            },
            None => self.progress.set(None),
        }
        let aws = Aws::connect(&settings).await;
        tracing::debug!(region = ?aws.region(), "AWS clients ready");
        self.aws.set(aws).await;
        diags
    }

    fn resources(&self) -> Vec<Arc<dyn ResourceType>> {
        #[allow(unused_mut)]
        let mut resources = crate::resource::resources(self.aws.clone(), self.progress.clone());
        #[cfg(feature = "testing")]
        resources.extend(crate::testing::resources());
        resources
    }
}
