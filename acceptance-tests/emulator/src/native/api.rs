//! The service-deployment operations: ListServiceDeployments, DescribeServiceDeployments,
//! DescribeServiceRevisions, StopServiceDeployment (ROLLBACK, ABORT) and ContinueServiceDeployment (the
//! answer to a PAUSE hook), with the ECS model's inputs, outputs and error codes.

use serde_json::{json, Value};

use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::services::params::{opt_num, opt_str, page, req_str, strings};
use crate::world::World;

use super::shapes::{brief_json, deployment_json, revision_json};
use super::state::Stop;

fn not_found(arn: &str) -> ApiError {
    ApiError::client(
        "ServiceDeploymentNotFoundException",
        format!("The service deployment {arn} does not exist."),
    )
}

/// ListServiceDeployments: newest first, filtered by status and creation time.
pub fn list_service_deployments(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let service = req_str(input, "service", "InvalidParameterException")?;
    let name = service.rsplit('/').next().unwrap_or(&service).to_string();
    let cluster = opt_str(input, "cluster")
        .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
        .unwrap_or_else(|| "default".to_string());
    let statuses = strings(input, "status");
    let after = opt_num(&input["createdAt"], "after");
    let before = opt_num(&input["createdAt"], "before");
    let size = opt_num(input, "maxResults").unwrap_or(20.0);
    if !(1.0..=100.0).contains(&size) {
        return Err(ApiError::invalid("maxResults must be between 1 and 100."));
    }
    let world = emu.world();
    let key = (cluster, name);
    if !world.services.contains_key(&key) {
        return Err(ApiError::client(
            "ServiceNotFoundException",
            "Service not found.",
        ));
    }
    let briefs: Vec<Value> = world
        .native
        .services
        .get(&key)
        .map(|s| {
            s.deployments
                .iter()
                .rev()
                .filter_map(|a| world.native.deployments.get(a))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|d| statuses.is_empty() || statuses.contains(&d.status))
        .filter(|d| after.is_none_or(|a| d.created_at >= a))
        .filter(|d| before.is_none_or(|b| d.created_at <= b))
        .map(brief_json)
        .collect();
    let (items, next) = page(&briefs, opt_str(input, "nextToken"), size as usize);
    let mut out = json!({"serviceDeployments": items});
    if let Some(next) = next {
        out["nextToken"] = json!(next);
    }
    Ok(out)
}

/// DescribeServiceDeployments (≤ 20 ARNs; unknown ones are `failures[]` with reason MISSING).
pub fn describe_service_deployments(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    describe_by_arns(
        emu,
        input,
        "serviceDeploymentArns",
        "serviceDeployments",
        |world, arn| {
            world
                .native
                .deployments
                .get(arn)
                .map(|d| deployment_json(world, d))
        },
    )
}

/// DescribeServiceRevisions (≤ 20 ARNs).
pub fn describe_service_revisions(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    describe_by_arns(
        emu,
        input,
        "serviceRevisionArns",
        "serviceRevisions",
        |world, arn| {
            world
                .native
                .revisions
                .get(arn)
                .map(|r| revision_json(world, r))
        },
    )
}

/// ECS's describe-by-ARN shape: 1 to 20 ARNs in `arns_member`; found ones in `found_member`, the rest in
/// `failures[]` with reason MISSING.
fn describe_by_arns(
    emu: &Emu,
    input: &Value,
    arns_member: &str,
    found_member: &str,
    lookup: impl Fn(&World, &str) -> Option<Value>,
) -> Result<Value, ApiError> {
    let arns = strings(input, arns_member);
    if arns.is_empty() || arns.len() > 20 {
        return Err(ApiError::invalid(format!(
            "{arns_member} can have between 1 and 20 items."
        )));
    }
    let world = emu.world();
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for arn in arns {
        match lookup(&world, &arn) {
            Some(v) => found.push(v),
            None => failures.push(json!({"arn": arn, "reason": "MISSING"})),
        }
    }
    Ok(json!({found_member: found, "failures": failures}))
}

/// StopServiceDeployment: ROLLBACK (default) → ROLLBACK_REQUESTED; ABORT → STOP_REQUESTED.
pub fn stop_service_deployment(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "serviceDeploymentArn", "InvalidParameterException")?;
    let stop_type = opt_str(input, "stopType").unwrap_or("ROLLBACK");
    let stop = match stop_type {
        "ROLLBACK" => Stop::Rollback,
        "ABORT" => Stop::Abort,
        other => {
            return Err(ApiError::invalid(format!(
                "stopType {other:?} is not one of ROLLBACK, ABORT."
            )))
        }
    };
    let mut world = emu.world();
    let d = world
        .native
        .deployments
        .get_mut(&arn)
        .ok_or_else(|| not_found(&arn))?;
    // Already ending (ECS rolling it back after an alarm or hook, or stopping it): nothing left to stop.
    let ending = d.status.starts_with("ROLLBACK_") || d.status.starts_with("STOP_");
    if d.is_terminal() || d.stop.is_some() || ending {
        return Err(ApiError::client(
            "ConflictException",
            format!(
                "The service deployment is {} and cannot be stopped.",
                d.status
            ),
        ));
    }
    d.status = if stop == Stop::Rollback {
        "ROLLBACK_REQUESTED"
    } else {
        "STOP_REQUESTED"
    }
    .into();
    d.stop = Some(stop);
    d.updated_at = crate::clock::Clock::now_epoch();
    drop(world);
    emu.inner.steer.notify_waiters();
    Ok(json!({"serviceDeploymentArn": arn}))
}

/// ContinueServiceDeployment: answers a PAUSE hook in AWAITING_ACTION with CONTINUE (default) or ROLLBACK.
pub fn continue_service_deployment(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "serviceDeploymentArn", "InvalidParameterException")?;
    let hook_id = req_str(input, "hookId", "InvalidParameterException")?;
    let action = opt_str(input, "action").unwrap_or("CONTINUE").to_string();
    if action != "CONTINUE" && action != "ROLLBACK" {
        return Err(ApiError::invalid(format!(
            "action {action:?} is not one of CONTINUE, ROLLBACK."
        )));
    }
    let mut world = emu.world();
    let d = world
        .native
        .deployments
        .get_mut(&arn)
        .ok_or_else(|| not_found(&arn))?;
    if d.status != "IN_PROGRESS" {
        return Err(ApiError::invalid(format!(
            "The service deployment is {}; only an IN_PROGRESS deployment can be continued.",
            d.status
        )));
    }
    let hook = d
        .hooks
        .iter_mut()
        .find(|h| h.hook_id == hook_id)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "The service deployment has no lifecycle hook {hook_id}."
            ))
        })?;
    if hook.status != "AWAITING_ACTION" {
        return Err(ApiError::invalid(format!(
            "Lifecycle hook {hook_id} is {}, not AWAITING_ACTION.",
            hook.status
        )));
    }
    hook.status = if action == "CONTINUE" {
        "SUCCEEDED"
    } else {
        "FAILED"
    }
    .into();
    hook.action = Some(action);
    d.updated_at = crate::clock::Clock::now_epoch();
    drop(world);
    emu.inner.steer.notify_waiters();
    Ok(json!({"serviceDeploymentArn": arn}))
}
