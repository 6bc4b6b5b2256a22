//! `ecsbg_deployment`: plan shows what will ship, apply runs the blue/green rollout, refresh tells what
//! actually serves production, import adopts a service.
//!
//! Split by job: `schema` and `model` (which attributes exist; config and state as typed values),
//! `decide` (where the revision is chosen; pure, shared by plan and apply), `facts` (the live facts it is
//! given), `plan`, `apply` (+ `preflight`, `report`), `read` (refresh and import), `references` (plan-time
//! existence checks), `diagnose` (AWS's answers in the resource's words).

mod apply;
mod apply_native;
mod decide;
mod diagnose;
mod facts;
mod fill;
mod model;
mod native_target;
mod plan;
mod plan_finish;
mod plan_native;
mod preflight;
mod read;
mod read_native;
mod redecide;
mod references;
mod report;
mod schema;

use crate::aws::SharedAws;
use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::resource::{
    ApplyRequest, ApplyResponse, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, RequestContext, ResourceType,
};
use crate::plugin::schema::Schema;
use crate::plugin::value::Value;
use crate::progress::SharedProgress;

/// The resource type.
pub struct DeploymentResource {
    aws: SharedAws,
    progress: SharedProgress,
}

impl DeploymentResource {
    /// The schema without a provider, for the docs generator.
    pub fn schema_only() -> Schema {
        schema::schema()
    }

    /// A resource using the provider's AWS layer and progress sink (set when Terraform configures the
    /// provider).
    pub fn new(aws: SharedAws, progress: SharedProgress) -> Self {
        DeploymentResource { aws, progress }
    }
}

#[async_trait::async_trait]
impl ResourceType for DeploymentResource {
    fn type_name(&self) -> &'static str {
        "ecsbg_deployment"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, _ctx: &RequestContext, config: &Value) -> Diagnostics {
        model::parse(config).1
    }

    async fn plan(&self, _ctx: &RequestContext, req: PlanRequest) -> PlanResponse {
        plan::plan(self.aws.get().await, req).await
    }

    async fn apply(&self, ctx: &RequestContext, req: ApplyRequest) -> ApplyResponse {
        apply::apply(self.aws.get().await, self.progress.get(), req, &ctx.stop).await
    }

    async fn read(&self, _ctx: &RequestContext, req: ReadRequest) -> ReadResponse {
        read::read(self.aws.get().await, req).await
    }

    async fn import(&self, _ctx: &RequestContext, id: &str) -> ImportResponse {
        read::import(self.aws.get().await, id).await
    }
}
