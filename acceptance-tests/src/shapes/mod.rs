//! Shape conformance: every answer the emulator gives, checked against AWS's published service models
//! (botocore's `service-2.json`, loaded from the botocore in the AWS CLI's virtual environment, so the judge
//! is a file AWS wrote, not us).

pub mod model;
pub mod proxy;
pub mod validate;
pub mod xml;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde_json::Value;

use model::{Model, COMMON_ERRORS};
use proxy::Exchange;

/// How an answer is written on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// awsJson1_0 / awsJson1_1 (`X-Amz-Target`).
    Json,
    /// Smithy RPC v2 CBOR.
    Cbor,
    /// awsQuery (form in, XML out).
    Query,
    /// restJson1.
    RestJson,
}

/// Which service and operation one exchange was, and on which wire.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Called {
    /// botocore service name.
    pub service: String,
    /// Operation.
    pub operation: String,
}

/// The models, by botocore name.
pub struct Models(pub BTreeMap<String, Model>);

impl Models {
    /// Works out what a recorded request was: by `X-Amz-Target` prefix, CBOR path, awsQuery `Version`, or
    /// REST path, as the models route them.
    pub fn classify(&self, ex: &Exchange) -> Option<(Called, Wire)> {
        let called = |service: &str, operation: &str| Called {
            service: service.to_string(),
            operation: operation.to_string(),
        };
        if let Some(target) = ex.request_header("x-amz-target") {
            let (prefix, op) = target.split_once('.')?;
            let model = self
                .0
                .values()
                .find(|m| m.metadata("targetPrefix") == Some(prefix))?;
            return Some((called(&model.service, op), Wire::Json));
        }
        if let Some(rest) = ex.path.strip_prefix("/service/") {
            let (prefix, op) = rest.split_once("/operation/")?;
            let model = self
                .0
                .values()
                .find(|m| m.metadata("targetPrefix") == Some(prefix))?;
            return Some((called(&model.service, op), Wire::Cbor));
        }
        if ex.method == "POST" && ex.path.split('?').next() == Some("/") {
            let form: BTreeMap<String, String> = form_pairs(&ex.request_body);
            let version = form.get("Version")?;
            let op = form.get("Action")?;
            let model = self.0.values().find(|m| {
                m.metadata("apiVersion") == Some(version) && m.metadata("protocol") == Some("query")
                    || m.metadata("apiVersion") == Some(version)
                        && m.metadata("targetPrefix").is_some()
                        && m.service == "cloudwatch"
            })?;
            return Some((called(&model.service, op), Wire::Query));
        }
        self.0.values().find_map(|m| {
            (m.metadata("protocol") == Some("rest-json"))
                .then(|| m.rest_operation(&ex.method, &ex.path))
                .flatten()
                .map(|op| (called(&m.service, &op), Wire::RestJson))
        })
    }

    /// Every difference between one recorded answer and the model of the operation it answers.
    pub fn check(&self, ex: &Exchange) -> (Option<Called>, Vec<String>) {
        let Some((called, wire)) = self.classify(ex) else {
            return (
                None,
                vec![format!(
                    "{} {}: no AWS operation routes here",
                    ex.method, ex.path
                )],
            );
        };
        let model = &self.0[&called.service];
        let Some(op) = model.operation(&called.operation) else {
            return (
                Some(called.clone()),
                vec![format!(
                    "{}.{}: AWS has no such operation",
                    called.service, called.operation
                )],
            );
        };
        let here = format!("{}.{}", called.service, called.operation);
        let mut out = Vec::new();
        if ex.status >= 300 {
            check_error(model, &called.operation, wire, ex, &here, &mut out);
        } else {
            let output = op["output"]["shape"].as_str();
            check_success(model, output, op, wire, ex, &here, &mut out);
        }
        (Some(called), out)
    }
}

fn form_pairs(body: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn check_success(
    model: &Model,
    output: Option<&str>,
    op: &Value,
    wire: Wire,
    ex: &Exchange,
    here: &str,
    out: &mut Vec<String>,
) {
    match wire {
        Wire::Json | Wire::RestJson => {
            let sent = ex
                .request_header("content-type")
                .unwrap_or("application/json");
            let got = ex.response_header("content-type").unwrap_or_default();
            if wire == Wire::Json && got != sent {
                out.push(format!("{here}: answered as {got:?} to a {sent:?} request"));
            }
            if ex.response_body.iter().all(u8::is_ascii_whitespace) {
                if output.is_some_and(|o| has_required(model, o)) {
                    out.push(format!(
                        "{here}: empty body, but the output has required members"
                    ));
                }
                return;
            }
            match serde_json::from_slice::<Value>(&ex.response_body) {
                Ok(body) => match output {
                    Some(shape) => validate::json(model, shape, &body, here, out),
                    None if body.as_object().is_some_and(|o| o.is_empty()) => {}
                    None => out.push(format!(
                        "{here}: the operation has no output, answered {body}"
                    )),
                },
                Err(e) => out.push(format!("{here}: the answer is not JSON: {e}")),
            }
        }
        Wire::Cbor => {
            if ex.response_header("smithy-protocol") != Some("rpc-v2-cbor") {
                out.push(format!(
                    "{here}: CBOR answer without smithy-protocol: rpc-v2-cbor"
                ));
            }
            if ex.response_body.is_empty() {
                return;
            }
            match ciborium::from_reader::<ciborium::Value, _>(ex.response_body.as_slice()) {
                Ok(body) => {
                    if let Some(shape) = output {
                        validate::cbor(model, shape, &body, here, out);
                    }
                }
                Err(e) => out.push(format!("{here}: the answer is not CBOR: {e}")),
            }
        }
        Wire::Query => {
            let text = String::from_utf8_lossy(&ex.response_body);
            let root = match xml::parse(&text) {
                Ok(root) => root,
                Err(e) => return out.push(format!("{here}: {e}")),
            };
            let op_name = op["name"].as_str().unwrap_or_default();
            if root.name != format!("{op_name}Response") {
                out.push(format!(
                    "{here}: root element <{}>, not <{op_name}Response>",
                    root.name
                ));
            }
            if root
                .child("ResponseMetadata")
                .and_then(|m| m.child("RequestId"))
                .is_none()
            {
                out.push(format!("{here}: no ResponseMetadata/RequestId"));
            }
            if let (Some(shape), Some(wrapper)) = (output, op["output"]["resultWrapper"].as_str()) {
                match root.child(wrapper) {
                    Some(result) => validate::xml(model, shape, result, here, out),
                    None => out.push(format!("{here}: no <{wrapper}>")),
                }
            }
        }
    }
}

fn has_required(model: &Model, shape: &str) -> bool {
    model.shape(shape)["required"]
        .as_array()
        .is_some_and(|r| !r.is_empty())
}

fn check_error(
    model: &Model,
    operation: &str,
    wire: Wire,
    ex: &Exchange,
    here: &str,
    out: &mut Vec<String>,
) {
    let code = match wire {
        Wire::Json | Wire::RestJson => {
            let body: Value = serde_json::from_slice(&ex.response_body).unwrap_or(Value::Null);
            let raw = ex
                .response_header("x-amzn-errortype")
                .map(str::to_string)
                .or_else(|| body["__type"].as_str().map(str::to_string))
                .or_else(|| body["code"].as_str().map(str::to_string));
            if body["message"].is_null() && body["Message"].is_null() {
                out.push(format!("{here}: error without a message: {body}"));
            }
            raw.map(|c| {
                let c = c.split(':').next().unwrap_or(&c);
                c.rsplit('#').next().unwrap_or(c).to_string()
            })
        }
        Wire::Cbor => ciborium::from_reader::<ciborium::Value, _>(ex.response_body.as_slice())
            .ok()
            .and_then(|v| {
                v.as_map().and_then(|m| {
                    m.iter()
                        .find(|(k, _)| k.as_text() == Some("__type"))
                        .and_then(|(_, v)| {
                            v.as_text()
                                .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
                        })
                })
            }),
        Wire::Query => xml::parse(&String::from_utf8_lossy(&ex.response_body))
            .ok()
            .and_then(|root| {
                (root.name == "ErrorResponse")
                    .then(|| {
                        root.child("Error")
                            .and_then(|e| e.child("Code"))
                            .map(|c| c.text.clone())
                    })
                    .flatten()
            }),
    };
    let Some(code) = code else {
        return out.push(format!(
            "{here}: an error ({}) with no code the protocol reads",
            ex.status
        ));
    };
    let declared = model.errors(operation);
    let known = declared.iter().find(|d| {
        let wire_code = if wire == Wire::Query {
            d.code.as_deref().unwrap_or(&d.shape)
        } else {
            &d.shape
        };
        wire_code == code || (wire != Wire::Query && d.code.as_deref() == Some(code.as_str()))
    });
    match known {
        Some(d) => {
            if let Some(status) = d.status.filter(|s| *s != ex.status) {
                out.push(format!(
                    "{here}: {code} answered with HTTP {}, the model says {status}",
                    ex.status
                ));
            }
        }
        None if COMMON_ERRORS.contains(&code.as_str()) => {}
        None => out.push(format!(
            "{here}: error {code} is not declared for the operation (declared: {})",
            declared
                .iter()
                .map(|d| d.code.clone().unwrap_or(d.shape.clone()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The operations the emulator serves, read from its dispatch tables (the `match op` arms of each service's
/// `handle`), by botocore service name. A service file with a dispatch table this map does not name is an
/// error, so a new service cannot go unchecked.
pub fn served_operations(emulator_src: &Path) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let botocore_name = |file: &str| match file {
        "ecs" => Some("ecs"),
        "codedeploy" => Some("codedeploy"),
        "elbv2" => Some("elbv2"),
        "cloudwatch" => Some("cloudwatch"),
        "lambda" => Some("lambda"),
        "iam" => Some("iam"),
        _ => None,
    };
    let dir = emulator_src.join("services");
    let mut served: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path)?;
        let ops = dispatch_arms(&text);
        if ops.is_empty() {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let service = botocore_name(stem).with_context(|| {
            format!("{} dispatches operations, but the shape test does not know its botocore model name", path.display())
        })?;
        served.entry(service.to_string()).or_default().extend(ops);
    }
    Ok(served)
}

/// The string patterns of the `match op { … }` inside `fn handle`.
fn dispatch_arms(source: &str) -> Vec<String> {
    let Some(start) = source.find("fn handle(") else {
        return Vec::new();
    };
    let body = &source[start..];
    let Some(m) = body.find("match op {") else {
        return Vec::new();
    };
    let mut ops = Vec::new();
    for line in body[m..].lines().skip(1) {
        let line = line.trim();
        if line.starts_with("_ =>") {
            break;
        }
        if !(line.starts_with('"') || line.starts_with('|')) {
            continue;
        }
        let pattern = line.split_once("=>").map_or(line, |(p, _)| p);
        for alt in pattern.split('|') {
            let alt = alt.trim();
            if let Some(name) = alt.strip_prefix('"').and_then(|a| a.split('"').next()) {
                if !name.is_empty() {
                    ops.push(name.to_string());
                }
            }
        }
    }
    ops
}
