//! The contract between the protocol layer and the provider's own code: a provider type and its resource
//! types, with requests and responses in our value and diagnostic types rather than protobuf.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::diagnostics::{AttributePath, Diagnostics};
use super::schema::Schema;
use super::value::Value;

/// What every request carries besides its payload.
#[derive(Clone)]
pub struct RequestContext {
    /// Cancelled when Terraform calls `StopProvider` (Ctrl-C, SIGTERM) while this request runs. Long
    /// operations must watch it and return a truthful state with diagnostics when it fires.
    pub stop: CancellationToken,
}

/// The provider itself: its configuration schema and the resource types it serves.
#[async_trait::async_trait]
pub trait ProviderType: Send + Sync + 'static {
    /// The `provider "…" {}` block's schema.
    fn schema(&self) -> Schema;
    /// Checks the provider configuration without side effects (values may be unknown).
    async fn validate_config(&self, ctx: &RequestContext, config: &Value) -> Diagnostics;
    /// Accepts the provider configuration; resources use what it builds (for us: AWS clients).
    async fn configure(&self, ctx: &RequestContext, config: &Value) -> Diagnostics;
    /// The resource types, keyed by their full type names.
    fn resources(&self) -> Vec<Arc<dyn ResourceType>>;
}

/// `ReadResource`: refresh state from the real world.
pub struct ReadRequest {
    /// The state Terraform holds.
    pub current_state: Value,
    /// Private state stored with the resource.
    pub private: Vec<u8>,
}

/// The refreshed state; `Value::Null` means the object is gone.
#[derive(Default)]
pub struct ReadResponse {
    /// What the world says now.
    pub new_state: Value,
    /// Private state to store.
    pub private: Vec<u8>,
    /// Warnings and errors.
    pub diagnostics: Diagnostics,
}

/// `PlanResourceChange`.
pub struct PlanRequest {
    /// Null on create.
    pub prior_state: Value,
    /// Terraform's merge of config and prior state; null on destroy.
    pub proposed_new_state: Value,
    /// The configuration as written (unknowns where not yet known).
    pub config: Value,
    /// Private state from the prior state.
    pub prior_private: Vec<u8>,
}

/// The planned state and anything that forces replacement.
#[derive(Default)]
pub struct PlanResponse {
    /// What apply will produce (unknown where not yet known).
    pub planned_state: Value,
    /// Attributes whose change replaces the object.
    pub requires_replace: Vec<AttributePath>,
    /// Private data carried to apply.
    pub planned_private: Vec<u8>,
    /// Warnings (the human diff summary) and errors.
    pub diagnostics: Diagnostics,
}

/// `ApplyResourceChange`.
pub struct ApplyRequest {
    /// Null on create.
    pub prior_state: Value,
    /// Null on destroy.
    pub planned_state: Value,
    /// The configuration, now fully known.
    pub config: Value,
    /// Private data from plan.
    pub planned_private: Vec<u8>,
}

/// The new state. Returned even with errors: Terraform stores it, so state never lies after a failure.
#[derive(Default)]
pub struct ApplyResponse {
    /// The state to store (null when destroyed or never created).
    pub new_state: Value,
    /// Private state to store.
    pub private: Vec<u8>,
    /// Warnings and errors.
    pub diagnostics: Diagnostics,
}

/// `ImportResourceState`: the state Read will then complete.
#[derive(Default)]
pub struct ImportResponse {
    /// The imported object's state (enough for Read to find it).
    pub state: Value,
    /// Private state.
    pub private: Vec<u8>,
    /// Warnings and errors.
    pub diagnostics: Diagnostics,
}

/// One resource type.
#[async_trait::async_trait]
pub trait ResourceType: Send + Sync + 'static {
    /// The full type name, e.g. `ecsbg_deployment`.
    fn type_name(&self) -> &'static str;
    /// The schema, with its version.
    fn schema(&self) -> Schema;
    /// Checks configuration without side effects.
    async fn validate(&self, _ctx: &RequestContext, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Converts stored state JSON written by schema version `from_version` into the current shape.
    fn upgrade_state(
        &self,
        from_version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        let current = self.schema().version;
        if from_version > current {
            let mut d = Diagnostics::new();
            d.error(
                "State written by a newer provider",
                format!("This resource's state has schema version {from_version}, but this provider only knows versions up to {current}. Upgrade the provider."),
            );
            return Err(d);
        }
        Ok(state)
    }
    /// Refreshes state.
    async fn read(&self, ctx: &RequestContext, req: ReadRequest) -> ReadResponse;
    /// Plans a change.
    async fn plan(&self, ctx: &RequestContext, req: PlanRequest) -> PlanResponse;
    /// Applies a planned change.
    async fn apply(&self, ctx: &RequestContext, req: ApplyRequest) -> ApplyResponse;
    /// Imports an existing object by id.
    async fn import(&self, _ctx: &RequestContext, _id: &str) -> ImportResponse {
        let mut diagnostics = Diagnostics::new();
        diagnostics.error(
            "Import not supported",
            format!("{} cannot be imported.", self.type_name()),
        );
        ImportResponse {
            diagnostics,
            ..ImportResponse::default()
        }
    }
}
