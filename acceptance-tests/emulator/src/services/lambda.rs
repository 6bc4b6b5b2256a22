//! Lambda, as far as a deployment needs it: `GetFunction` on the hook functions the seed declares, so a
//! client can check that a hook it is about to name exists.

use serde_json::{json, Value};

use crate::emu::Emu;
use crate::protocol::{ApiError, Service};
use crate::world::REGION;

const ACCOUNT: &str = "123456789012";

/// Handles one Lambda operation.
pub fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "GetFunction" => get_function(emu, input),
        _ => Err(ApiError::unknown_operation(Service::Lambda, op)),
    }
}

fn get_function(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let asked = input["FunctionName"].as_str().unwrap_or_default();
    // A qualified ARN (`…:function:name:alias`) names the same function.
    let name = asked
        .rsplit(":function:")
        .next()
        .unwrap_or(asked)
        .split(':')
        .next()
        .unwrap_or_default();
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
    match emu.inner.hooks.get(name) {
        Some(_) => Ok(json!({
            "Configuration": {"FunctionName": name, "FunctionArn": arn, "Runtime": "provided.al2023", "State": "Active"},
        })),
        None => Err(ApiError {
            status: 404,
            code: "ResourceNotFoundException".into(),
            message: format!("Function not found: {arn}"),
        }),
    }
}
