//! AWS STS, one read: hashicorp/aws asks GetCallerIdentity for the account id unless told
//! `skip_requesting_account_id`. awsQuery, `Version=2011-06-15`; shape from botocore
//! `sts/2011-06-15/service-2.json`.

use serde_json::{json, Value};

use crate::emu::Emu;
use crate::protocol::{ApiError, Service};
use crate::world::ACCOUNT;

/// Dispatches one STS operation.
pub fn handle(_emu: &Emu, op: &str, _input: &Value) -> Result<Value, ApiError> {
    match op {
        "GetCallerIdentity" => Ok(json!({
            "UserId": "AIDAEMULATOREMULATOR",
            "Account": ACCOUNT,
            "Arn": format!("arn:aws:iam::{ACCOUNT}:user/emulator"),
        })),
        _ => Err(ApiError::unknown_operation(Service::Sts, op)),
    }
}
