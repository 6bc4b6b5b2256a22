//! AWS CodeDeploy, the calls hashicorp/aws makes beyond what a rollout needs: tags on applications and
//! deployment groups (`{Key, Value}`, by ARN), application deletes and renames. Shapes from botocore
//! `codedeploy/2014-10-06/service-2.json`.

use serde_json::{json, Value};

use super::params::{list, opt_str, req_str, strings};
use crate::emu::Emu;
use crate::protocol::{ApiError, Service};
use crate::world::{ACCOUNT, REGION};

/// Dispatches the CodeDeploy operations a stage built by hashicorp/aws needs.
pub fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "ListTagsForResource" => list_tags(emu, input),
        "TagResource" => tag_resource(emu, input),
        "UntagResource" => untag_resource(emu, input),
        "DeleteApplication" => delete_application(emu, input),
        "UpdateApplication" => update_application(emu, input),
        _ => Err(ApiError::unknown_operation(Service::CodeDeploy, op)),
    }
}

/// `arn:aws:codedeploy:<region>:<account>:application:<name>`.
pub fn application_arn(name: &str) -> String {
    format!("arn:aws:codedeploy:{REGION}:{ACCOUNT}:application:{name}")
}

/// `arn:aws:codedeploy:<region>:<account>:deploymentgroup:<application>/<group>`.
pub fn group_arn(application: &str, group: &str) -> String {
    format!("arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentgroup:{application}/{group}")
}

/// Stores the tags a Create call was given, under the resource's ARN.
pub fn remember_tags(emu: &Emu, arn: &str, input: &Value) {
    let tags = tags_of(input);
    if !tags.is_empty() {
        emu.world().tags.insert(arn.to_string(), tags);
    }
}

fn tags_of(input: &Value) -> Vec<Value> {
    list(input, "tags")
        .into_iter()
        .chain(list(input, "Tags"))
        .filter(|t| opt_str(t, "Key").is_some())
        .map(|t| json!({"Key": t["Key"], "Value": t.get("Value").cloned().unwrap_or(json!(""))}))
        .collect()
}

/// The resource an ARN names must exist.
fn check_arn(emu: &Emu, arn: &str) -> Result<(), ApiError> {
    let world = emu.world();
    let found = if let Some(name) = arn.split(":application:").nth(1) {
        world.applications.contains_key(name)
    } else if let Some(rest) = arn.split(":deploymentgroup:").nth(1) {
        rest.split_once('/')
            .is_some_and(|(a, g)| world.groups.contains_key(&(a.to_string(), g.to_string())))
    } else {
        false
    };
    if found {
        Ok(())
    } else {
        Err(ApiError::client(
            "ResourceArnRequiredException",
            format!("The ARN {arn} is not the ARN of an application or deployment group."),
        ))
    }
}

fn list_tags(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "ResourceArn", "ResourceArnRequiredException")?;
    check_arn(emu, &arn)?;
    let tags = emu.world().tags.get(&arn).cloned().unwrap_or_default();
    Ok(json!({"Tags": tags}))
}

fn tag_resource(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "ResourceArn", "ResourceArnRequiredException")?;
    check_arn(emu, &arn)?;
    let new = tags_of(input);
    let mut world = emu.world();
    let tags = world.tags.entry(arn).or_default();
    for tag in new {
        tags.retain(|t| t["Key"] != tag["Key"]);
        tags.push(tag);
    }
    Ok(json!({}))
}

fn untag_resource(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "ResourceArn", "ResourceArnRequiredException")?;
    check_arn(emu, &arn)?;
    let keys = strings(input, "TagKeys");
    let mut world = emu.world();
    if let Some(tags) = world.tags.get_mut(&arn) {
        tags.retain(|t| !keys.iter().any(|k| t["Key"] == *k));
    }
    Ok(json!({}))
}

/// Deleting an application deletes its deployment groups; deleting one that does not exist succeeds.
fn delete_application(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let mut world = emu.world();
    world.applications.remove(&name);
    world.groups.retain(|(app, _), _| *app != name);
    world.tags.remove(&application_arn(&name));
    Ok(json!({}))
}

fn update_application(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let Some(new_name) = opt_str(input, "newApplicationName").map(str::to_string) else {
        return Ok(json!({}));
    };
    let mut world = emu.world();
    let Some(mut app) = world.applications.remove(&name) else {
        return Err(ApiError::client(
            "ApplicationDoesNotExistException",
            format!("No application found for name: {name}"),
        ));
    };
    app["applicationName"] = json!(new_name);
    world.applications.insert(new_name, app);
    Ok(json!({}))
}
