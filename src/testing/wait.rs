//! `ecsbg_test_wait`: a create that waits until its duration passes or Terraform stops it, with attributes
//! of every shape the protocol layer must carry (floats, big numbers, maps, nested attributes, a block,
//! private state, a state upgrade from schema version 0).

use std::time::{Duration, Instant};

use crate::duration::{format_duration, parse_duration};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::resource::{
    ApplyRequest, ApplyResponse, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, RequestContext, ResourceType,
};
use crate::plugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::plugin::value::{Type, Value};

/// What the private state must hold after a round trip through Terraform.
const PRIVATE_MARK: &[u8] = b"ecsbg-test-private-v1";

/// The waiting resource.
pub struct TestWait;

fn schema() -> Schema {
    Schema {
        version: 1,
        block: Block {
            description: "Test-only: waits `duration`, or until Terraform stops the provider."
                .into(),
            attributes: vec![
                Attribute::required(
                    "duration",
                    Type::String,
                    "How long create waits, e.g. `10m`.",
                ),
                Attribute::optional(
                    "marker_file",
                    Type::String,
                    "A file written when create starts waiting.",
                ),
                Attribute::optional("ratio", Type::Number, "A fractional number, echoed back."),
                Attribute::optional(
                    "big",
                    Type::Number,
                    "A number wider than 64 bits, echoed back.",
                ),
                Attribute::optional("labels", Type::map(Type::String), "A map, echoed back."),
                Attribute::nested(
                    "checks",
                    Nesting::List,
                    vec![
                        Attribute::required("path", Type::String, "A path."),
                        Attribute::optional("status", Type::Number, "A status."),
                    ],
                    "Nested attributes, echoed back.",
                )
                .with_optional(),
                Attribute::optional("secret", Type::String, "A sensitive value.").with_sensitive(),
                Attribute::computed("id", Type::String, "Identifier."),
                Attribute::computed("outcome", Type::String, "`completed` or `stopped`."),
                Attribute::computed("echo", Type::String, "What the provider decoded, as text."),
            ],
            blocks: vec![NestedBlock {
                type_name: "settings".into(),
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 0,
                block: Block {
                    attributes: vec![Attribute::optional("mode", Type::String, "A mode.")],
                    ..Block::default()
                },
            }],
            deprecated: false,
        },
    }
}

fn echo(config: &Value) -> String {
    let checks: Vec<String> = config
        .get("checks")
        .as_list()
        .unwrap_or_default()
        .iter()
        .map(|c| {
            format!(
                "{}={}",
                c.get("path").as_str().unwrap_or("?"),
                c.get("status")
                    .as_i64()
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            )
        })
        .collect();
    let labels: Vec<String> = config
        .get("labels")
        .as_map()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}:{}", v.as_str().unwrap_or("?")))
                .collect()
        })
        .unwrap_or_default();
    let number = |v: &Value| match v {
        Value::Number(n) => n.to_string(),
        _ => "null".into(),
    };
    format!(
        "ratio={} big={} labels={} checks={} mode={}",
        number(config.get("ratio")),
        number(config.get("big")),
        labels.join(","),
        checks.join(","),
        config
            .get("settings")
            .get("mode")
            .as_str()
            .unwrap_or("none")
    )
}

#[async_trait::async_trait]
impl ResourceType for TestWait {
    fn type_name(&self) -> &'static str {
        "ecsbg_test_wait"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, _ctx: &RequestContext, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(text) = config.get("duration").as_str() {
            if let Err(msg) = parse_duration(text) {
                diags.attribute_error(AttributePath::root("duration"), "Invalid duration", msg);
            }
        }
        diags
    }

    fn upgrade_state(
        &self,
        from_version: i64,
        mut state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        // Version 0 called `duration` `wait`.
        if from_version == 0 {
            if let Some(object) = state.as_object_mut() {
                if let Some(wait) = object.remove("wait") {
                    object.insert("duration".into(), wait);
                }
            }
        }
        Ok(state)
    }

    async fn read(&self, _ctx: &RequestContext, req: ReadRequest) -> ReadResponse {
        let mut diagnostics = Diagnostics::new();
        if !req.current_state.is_null() && req.private != PRIVATE_MARK {
            diagnostics.warning(
                "Private state lost",
                format!(
                    "expected {:?}, got {:?}",
                    String::from_utf8_lossy(PRIVATE_MARK),
                    String::from_utf8_lossy(&req.private)
                ),
            );
        }
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            diagnostics,
        }
    }

    async fn plan(&self, _ctx: &RequestContext, req: PlanRequest) -> PlanResponse {
        let mut planned = req.proposed_new_state.clone();
        if planned.is_null() {
            return PlanResponse::default();
        }
        let changed =
            req.prior_state.is_null() || req.prior_state.get("duration") != planned.get("duration");
        if req.prior_state.is_null() {
            planned.set("id", Value::Unknown);
        }
        if changed {
            planned.set("outcome", Value::Unknown);
        }
        planned.set(
            "echo",
            if req.config.is_wholly_known() {
                Value::string(echo(&req.config))
            } else {
                Value::Unknown
            },
        );
        PlanResponse {
            planned_state: planned,
            planned_private: req.prior_private,
            ..PlanResponse::default()
        }
    }

    async fn apply(&self, ctx: &RequestContext, req: ApplyRequest) -> ApplyResponse {
        if req.planned_state.is_null() {
            return ApplyResponse::default();
        }
        let mut state = req.planned_state.clone();
        if state.get("id").is_unknown() {
            state.set("id", Value::string(format!("wait-{}", std::process::id())));
        }
        state.set("echo", Value::string(echo(&req.config)));
        let mut diagnostics = Diagnostics::new();
        let wait = req
            .config
            .get("duration")
            .as_str()
            .and_then(|t| parse_duration(t).ok())
            .unwrap_or(Duration::ZERO);
        if let Some(path) = req.config.get("marker_file").as_str() {
            if let Err(err) = std::fs::write(path, format!("waiting pid={}\n", std::process::id()))
            {
                diagnostics.warning("Cannot write the marker file", err.to_string());
            }
        }
        let started = Instant::now();
        tracing::info!(wait = %format_duration(wait), "test wait started");
        tokio::select! {
            _ = tokio::time::sleep(wait) => {
                state.set("outcome", Value::string("completed"));
            }
            _ = ctx.stop.cancelled() => {
                let waited = format_duration(started.elapsed());
                tracing::info!(waited = %waited, "test wait stopped by Terraform");
                state.set("outcome", Value::string("stopped"));
                diagnostics.error(
                    "Interrupted",
                    format!("Terraform stopped the provider after {waited}; the wait did not complete."),
                );
            }
        }
        ApplyResponse {
            new_state: state,
            private: PRIVATE_MARK.to_vec(),
            diagnostics,
        }
    }

    async fn import(&self, _ctx: &RequestContext, id: &str) -> ImportResponse {
        let mut state = Value::null_object(&schema().block.value_type());
        state.set("id", Value::string(id));
        state.set("duration", Value::string("0s"));
        state.set("outcome", Value::string("completed"));
        ImportResponse {
            state,
            private: PRIVATE_MARK.to_vec(),
            diagnostics: Diagnostics::new(),
        }
    }
}
