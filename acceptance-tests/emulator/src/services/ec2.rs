//! Amazon EC2, one read: hashicorp/aws, deleting an application load balancer, waits for the load
//! balancer's network interfaces to go (DescribeNetworkInterfaces). The emulator makes none, so the answer
//! is always empty. ec2Query protocol, `Version=2016-11-15`.

use serde_json::{json, Value};

use crate::emu::Emu;
use crate::protocol::{ApiError, Service};

/// Dispatches one EC2 operation.
pub fn handle(_emu: &Emu, op: &str, _input: &Value) -> Result<Value, ApiError> {
    match op {
        "DescribeNetworkInterfaces" => Ok(json!({"networkInterfaceSet": []})),
        _ => Err(ApiError::unknown_operation(Service::Ec2, op)),
    }
}
