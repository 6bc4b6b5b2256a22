//! Amazon CloudWatch, the calls hashicorp/aws makes beyond what a rollout needs: tags on alarms (by ARN,
//! `{Key, Value}`). Shapes from botocore `cloudwatch/2010-08-01/service-2.json`.

use serde_json::{json, Value};

use super::params::{list, opt_str, req_str, strings};
use crate::emu::Emu;
use crate::protocol::{ApiError, Service};
use crate::world::{ACCOUNT, REGION};

/// Dispatches the CloudWatch operations a stage built by hashicorp/aws needs.
pub fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "ListTagsForResource" => list_tags(emu, input),
        "TagResource" => tag_resource(emu, input),
        "UntagResource" => untag_resource(emu, input),
        _ => Err(ApiError::unknown_operation(Service::CloudWatch, op)),
    }
}

/// An alarm's ARN.
pub fn alarm_arn(name: &str) -> String {
    format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}")
}

/// Stores the tags PutMetricAlarm was given (PutMetricAlarm only adds tags, as on AWS).
pub fn remember_tags(emu: &Emu, name: &str, input: &Value) {
    let new = tags_of(input);
    if new.is_empty() {
        return;
    }
    let mut world = emu.world();
    let tags = world.tags.entry(alarm_arn(name)).or_default();
    for tag in new {
        tags.retain(|t| t["Key"] != tag["Key"]);
        tags.push(tag);
    }
}

fn tags_of(input: &Value) -> Vec<Value> {
    list(input, "Tags")
        .into_iter()
        .filter(|t| opt_str(t, "Key").is_some())
        .map(|t| json!({"Key": t["Key"], "Value": t.get("Value").cloned().unwrap_or(json!(""))}))
        .collect()
}

/// The alarm an ARN names must exist.
fn alarm_for(emu: &Emu, input: &Value) -> Result<String, ApiError> {
    let arn = req_str(input, "ResourceARN", "InvalidParameterValue")?;
    let name = arn.split(":alarm:").nth(1).unwrap_or_default();
    if !emu.world().alarms.contains_key(name) {
        return Err(ApiError {
            status: 404,
            code: "ResourceNotFoundException".into(),
            message: format!("{arn} not found"),
        });
    }
    Ok(arn)
}

fn list_tags(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = alarm_for(emu, input)?;
    let tags = emu.world().tags.get(&arn).cloned().unwrap_or_default();
    Ok(json!({"Tags": tags}))
}

fn tag_resource(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = alarm_for(emu, input)?;
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
    let arn = alarm_for(emu, input)?;
    let keys = strings(input, "TagKeys");
    let mut world = emu.world();
    if let Some(tags) = world.tags.get_mut(&arn) {
        tags.retain(|t| !keys.iter().any(|k| t["Key"] == *k));
    }
    Ok(json!({}))
}
