//! The four wire protocols the AWS SDKs and CLI speak to these services, reduced to one shape: a service, an
//! operation and a JSON-like input; and back: a JSON-like output or an error, rendered as the caller expects.

mod cbor;
mod error;
mod query;
mod request_id;
mod service;

use bytes::Bytes;
use serde_json::Value;

pub use error::ApiError;
pub use query::iso8601;
pub use request_id::request_id;
pub use service::Service;

/// How a request arrived (and so how its answer must be written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// awsJson1_1 (ECS, CodeDeploy).
    Json11,
    /// awsJson1_0 (CloudWatch from the AWS CLI).
    Json10,
    /// awsQuery (ELBv2; CloudWatch from older clients).
    Query,
    /// Smithy RPC v2 CBOR (CloudWatch from aws-sdk-rust).
    Cbor,
    /// restJson1 (Lambda): the operation and its input are in the method and path.
    RestJson,
}

/// One decoded API call.
#[derive(Debug)]
pub struct Call {
    /// Which service.
    pub service: Service,
    /// Operation name, e.g. `CreateDeployment`.
    pub operation: String,
    /// How it arrived.
    pub wire: Wire,
    /// The input, as JSON (awsQuery forms and CBOR maps are converted).
    pub input: Value,
}

/// A rendered response.
pub struct Rendered {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(&'static str, String)>,
    /// Body.
    pub body: Bytes,
}

/// Works out which service and operation a request is for, and decodes its input.
pub fn decode(path: &str, target: Option<&str>, body: &[u8]) -> Result<Call, ApiError> {
    if let Some(function) = path.strip_prefix("/2015-03-31/functions/") {
        // GetFunction is `GET /2015-03-31/functions/{FunctionName}`; the name may be an ARN (percent-encoded).
        let name = percent_decode(function.trim_end_matches('/'));
        return Ok(Call {
            service: Service::Lambda,
            operation: "GetFunction".into(),
            wire: Wire::RestJson,
            input: serde_json::json!({ "FunctionName": name }),
        });
    }
    if let Some(op) = path.strip_prefix("/service/GraniteServiceVersion20100801/operation/") {
        return Ok(Call {
            service: Service::CloudWatch,
            operation: op.to_string(),
            wire: Wire::Cbor,
            input: cbor::decode(body)?,
        });
    }
    if let Some(target) = target {
        let (service, wire, op) =
            if let Some(op) = target.strip_prefix("AmazonEC2ContainerServiceV20141113.") {
                (Service::Ecs, Wire::Json11, op)
            } else if let Some(op) = target.strip_prefix("CodeDeploy_20141006.") {
                (Service::CodeDeploy, Wire::Json11, op)
            } else if let Some(op) = target.strip_prefix("GraniteServiceVersion20100801.") {
                (Service::CloudWatch, Wire::Json10, op)
            } else {
                return Err(ApiError::client(
                    "UnknownOperationException",
                    format!("the emulator does not serve target {target:?}"),
                ));
            };
        let input = if body.iter().all(|b| b.is_ascii_whitespace()) {
            Value::Object(Default::default())
        } else {
            serde_json::from_slice(body).map_err(|e| {
                ApiError::client("SerializationException", format!("body is not JSON: {e}"))
            })?
        };
        return Ok(Call {
            service,
            operation: op.to_string(),
            wire,
            input,
        });
    }
    let (action, version, input) = query::decode_form(body)?;
    // One port serves every awsQuery service: each request names its API version.
    let service = match version.as_deref() {
        Some("2010-08-01") => Service::CloudWatch,
        Some("2010-05-08") => Service::Iam,
        Some("2016-11-15") => Service::Ec2,
        Some("2011-06-15") => Service::Sts,
        _ => Service::Elbv2,
    };
    Ok(Call {
        service,
        operation: action,
        wire: Wire::Query,
        input,
    })
}

/// Renders a successful answer.
pub fn render_ok(call: &Call, output: Value) -> Rendered {
    match call.wire {
        Wire::Json11 | Wire::Json10 => Rendered {
            status: 200,
            headers: vec![("content-type", json_content_type(call.wire).to_string())],
            body: Bytes::from(output.to_string()),
        },
        Wire::RestJson => Rendered {
            status: 200,
            headers: vec![("content-type", "application/json".to_string())],
            body: Bytes::from(output.to_string()),
        },
        Wire::Cbor => Rendered {
            status: 200,
            headers: vec![
                ("content-type", "application/cbor".to_string()),
                ("smithy-protocol", "rpc-v2-cbor".to_string()),
            ],
            body: Bytes::from(cbor::encode(&output)),
        },
        Wire::Query => Rendered {
            status: 200,
            headers: vec![("content-type", "text/xml".to_string())],
            body: Bytes::from(query::render_ok(call.service, &call.operation, &output)),
        },
    }
}

/// Renders an error in the caller's protocol.
pub fn render_error(service: Service, wire: Wire, err: &ApiError) -> Rendered {
    match wire {
        Wire::Json11 | Wire::Json10 => Rendered {
            status: err.status,
            headers: vec![
                ("content-type", json_content_type(wire).to_string()),
                ("x-amzn-errortype", err.code.clone()),
            ],
            body: Bytes::from(
                serde_json::json!({"__type": err.code, "message": err.message}).to_string(),
            ),
        },
        Wire::Cbor => Rendered {
            status: err.status,
            headers: vec![
                ("content-type", "application/cbor".to_string()),
                ("smithy-protocol", "rpc-v2-cbor".to_string()),
            ],
            body: Bytes::from(cbor::encode(
                &serde_json::json!({"__type": err.code, "message": err.message}),
            )),
        },
        Wire::RestJson => Rendered {
            status: err.status,
            headers: vec![
                ("content-type", "application/json".to_string()),
                ("x-amzn-errortype", err.code.clone()),
            ],
            body: Bytes::from(
                serde_json::json!({"Type": "User", "Message": err.message, "message": err.message})
                    .to_string(),
            ),
        },
        Wire::Query => Rendered {
            status: err.status,
            headers: vec![("content-type", "text/xml".to_string())],
            body: Bytes::from(query::render_error(service, err)),
        },
    }
}

fn json_content_type(wire: Wire) -> &'static str {
    match wire {
        Wire::Json10 => "application/x-amz-json-1.0",
        _ => "application/x-amz-json-1.1",
    }
}

/// `%3A` and friends back to characters (Lambda function ARNs travel percent-encoded in the path).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_services_are_told_apart_by_version() {
        for (version, service) in [
            ("2015-12-01", Service::Elbv2),
            ("2010-08-01", Service::CloudWatch),
            ("2010-05-08", Service::Iam),
            ("2016-11-15", Service::Ec2),
            ("2011-06-15", Service::Sts),
        ] {
            let body = format!("Action=Anything&Version={version}");
            let call = decode("/", None, body.as_bytes()).expect("decodes");
            assert_eq!(call.service, service, "{version}");
        }
    }
}
