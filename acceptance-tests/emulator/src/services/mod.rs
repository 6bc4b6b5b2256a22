//! The API operations of each service, over the shared world, and the dispatch from a decoded call to its
//! service. The services share their request readers through `params`, never through this module, so the
//! dependency runs one way: dispatch → service → params.

pub mod cloudwatch;
pub mod cloudwatch_stage;
pub mod codedeploy;
pub mod codedeploy_stage;
pub mod deployment_config;
pub mod ec2;
pub mod ecs;
pub mod ecs_controller;
pub mod ecs_stage;
pub mod elbv2;
pub mod elbv2_stage;
pub mod iam;
pub mod lambda;
pub mod params;
pub mod sts;
pub mod tasks;

use serde_json::Value;

use crate::emu::Emu;
use crate::protocol::{ApiError, Service};

/// Runs one API operation: the server's calls and the seed's set-up both come through here.
pub async fn dispatch(
    emu: &Emu,
    service: Service,
    op: &str,
    input: &Value,
) -> Result<Value, ApiError> {
    let native = match service {
        Service::Ecs => crate::native::ecs(emu, op, input).await,
        Service::Elbv2 => crate::native::elbv2(emu, op, input).await,
        _ => None,
    };
    if let Some(answer) = native {
        return answer;
    }
    match service {
        Service::Ecs => ecs::handle(emu, op, input).await,
        Service::CodeDeploy => codedeploy::handle(emu, op, input).await,
        Service::Elbv2 => elbv2::handle(emu, op, input).await,
        Service::CloudWatch => cloudwatch::handle(emu, op, input),
        Service::Lambda => lambda::handle(emu, op, input),
        Service::Iam => iam::handle(emu, op, input),
        Service::Ec2 => ec2::handle(emu, op, input),
        Service::Sts => sts::handle(emu, op, input),
    }
}
