//! The ecsbg provider: its configuration, the AWS clients it builds, and the resource types it serves.

pub mod aws;
pub mod batch;
pub mod config;
pub mod pace;

use std::sync::Arc;

use tokio::sync::RwLock;

use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::resource::{ProviderType, RequestContext, ResourceType};
use crate::plugin::schema::Schema;
use crate::plugin::value::Value;

use aws::AwsClients;

/// What resources share once the provider is configured.
#[derive(Clone, Default)]
pub struct ProviderState {
    clients: Arc<RwLock<Option<AwsClients>>>,
}

impl ProviderState {
    /// The configured clients, or a diagnostic explaining that configuration has not happened.
    pub async fn clients(&self) -> Result<AwsClients, Diagnostics> {
        self.clients.read().await.clone().ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "Provider not configured",
                "The ecsbg provider was asked to reach AWS before Terraform configured it. This is a bug; please report it.",
            );
            d
        })
    }
}

/// The provider served by the binary.
#[derive(Default)]
pub struct EcsbgProvider {
    state: ProviderState,
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
        match AwsClients::build(&settings).await {
            Ok(clients) => {
                tracing::debug!(region = ?clients.region, "AWS clients ready");
                *self.state.clients.write().await = Some(clients);
            }
            Err(err) => diags.error("Cannot set up AWS clients", format!("{err:#}")),
        }
        diags
    }

    fn resources(&self) -> Vec<Arc<dyn ResourceType>> {
        #[allow(unused_mut)]
        let mut resources = crate::resource::resources(self.state.clone());
        #[cfg(feature = "testing")]
        resources.extend(crate::testing::resources());
        resources
    }
}
