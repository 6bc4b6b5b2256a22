//! The tfplugin6 `Provider` service: decodes each request against the schema, calls the provider's code with
//! the current stop token, and encodes the answer. Unsupported features answer with a diagnostic, never a
//! panic or a bare gRPC error, so Terraform shows the user something readable.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_util::task::TaskTracker;
use tonic::{Request, Response, Status};

use super::diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use super::proto::tfplugin6 as pb;
use super::resource::{
    ApplyRequest, PlanRequest, ProviderType, ReadRequest, RequestContext, ResourceType,
};
use super::schema::{Attribute, AttributeKind, Block, Nesting, Schema};
use super::stop::StopSignal;
use super::value::{decode_json, decode_msgpack, encode_msgpack, parse_state_json, Type, Value};

/// The service Terraform calls; generic over the provider so the protocol layer stays AWS-free.
pub struct ProviderService<P: ProviderType> {
    provider: P,
    resources: HashMap<&'static str, Arc<dyn ResourceType>>,
    stop: StopSignal,
    applies: TaskTracker,
}

impl<P: ProviderType> ProviderService<P> {
    /// Wraps a provider; `stop` is shared with the signal handler, and `applies` lets the server wait for
    /// applies still running (an interrupted rollout rolling back) before the process exits.
    pub fn new(provider: P, stop: StopSignal, applies: TaskTracker) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| (r.type_name(), r))
            .collect();
        Self {
            provider,
            resources,
            stop,
            applies,
        }
    }

    /// Each request watches its own child of the current stop token, so it can be cancelled alone (its
    /// caller went away) as well as with everyone else (`StopProvider`).
    fn context(&self) -> RequestContext {
        RequestContext {
            stop: self.stop.token().child_token(),
        }
    }

    fn resource(&self, type_name: &str) -> Result<&Arc<dyn ResourceType>, Vec<pb::Diagnostic>> {
        self.resources.get(type_name).ok_or_else(|| {
            let mut d = Diagnostics::new();
            d.error(
                "Unknown resource type",
                format!("This provider has no resource type {type_name:?}."),
            );
            diagnostics_to_proto(&d)
        })
    }
}

/// Decodes a DynamicValue (msgpack, or JSON from older clients) against a type.
fn decode(ty: &Type, value: Option<&pb::DynamicValue>, what: &str) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let result = if !value.msgpack.is_empty() {
        decode_msgpack(ty, &value.msgpack).map_err(|e| e.to_string())
    } else if !value.json.is_empty() {
        parse_state_json(&value.json)
            .map_err(|e| e.to_string())
            .and_then(|json| decode_json(ty, &json).map_err(|e| e.to_string()))
    } else {
        Ok(Value::Null)
    };
    result.map_err(|err| {
        let mut d = Diagnostics::new();
        d.error(
            format!("Cannot decode the {what}"),
            format!("Terraform sent a value this provider cannot read: {err}. This is a bug in the provider or a Terraform version it does not support."),
        );
        d
    })
}

fn encode(ty: &Type, value: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(ty, value),
        json: Vec::new(),
    })
}

/// Turns our diagnostics into protobuf ones.
pub fn diagnostics_to_proto(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags.0.iter().map(diagnostic_to_proto).collect()
}

fn diagnostic_to_proto(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.attribute.as_ref().map(path_to_proto),
    }
}

/// Turns an attribute path into its protobuf form.
pub fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .0
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// Turns a schema into its protobuf form.
pub fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block, schema.version)),
    }
}

fn block_to_proto(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        block_types: block
            .blocks
            .iter()
            .map(|nested| pb::schema::NestedBlock {
                type_name: nested.type_name.clone(),
                block: Some(block_to_proto(&nested.block, 0)),
                nesting: block_nesting(nested.nesting) as i32,
                min_items: nested.min_items,
                max_items: nested.max_items,
            })
            .collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
    }
}

fn attribute_to_proto(attr: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &attr.kind {
        // Terraform rejects attributes that set both `type` and `nested_type`.
        AttributeKind::Type(t) => (t.to_json().to_string().into_bytes(), None),
        AttributeKind::Nested(nested) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: nested.attributes.iter().map(attribute_to_proto).collect(),
                nesting: object_nesting(nested.nesting) as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: attr.name.clone(),
        r#type: ty,
        nested_type,
        description: attr.description.clone(),
        required: attr.required,
        optional: attr.optional,
        computed: attr.computed,
        sensitive: attr.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attr.deprecated,
        ..Default::default()
    }
}

fn block_nesting(n: Nesting) -> pb::schema::nested_block::NestingMode {
    use pb::schema::nested_block::NestingMode as M;
    match n {
        Nesting::Single => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
        Nesting::Group => M::Group,
    }
}

fn object_nesting(n: Nesting) -> pb::schema::object::NestingMode {
    use pb::schema::object::NestingMode as M;
    match n {
        Nesting::Single | Nesting::Group => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
    }
}

fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

fn unsupported(what: &str) -> Vec<pb::Diagnostic> {
    let mut d = Diagnostics::new();
    d.error(
        format!("{what} is not supported"),
        format!("The ecsbg provider has no {what}."),
    );
    diagnostics_to_proto(&d)
}

#[tonic::async_trait]
impl<P: ProviderType> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: self
                .resources
                .keys()
                .map(|name| pb::get_metadata::ResourceMetadata {
                    type_name: name.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&self.provider.schema())),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, r)| (name.to_string(), schema_to_proto(&r.schema())))
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(Default::default()))
    }

    async fn upgrade_resource_identity(
        &self,
        _request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            diagnostics: unsupported("resource identity"),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = request.into_inner();
        let ty = self.provider.schema().block.value_type();
        let diags = match decode(&ty, req.config.as_ref(), "provider configuration") {
            Ok(config) => {
                self.provider
                    .validate_config(&self.context(), &config)
                    .await
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        let resource = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(diagnostics) => {
                return Ok(Response::new(pb::validate_resource_config::Response {
                    diagnostics,
                }))
            }
        };
        let ty = resource.schema().block.value_type();
        let diags = match decode(&ty, req.config.as_ref(), "resource configuration") {
            Ok(config) => resource.validate(&self.context(), &config).await,
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        _request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: unsupported("data source"),
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        _request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: unsupported("ephemeral resource"),
            },
        ))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let resource = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(diagnostics) => {
                return Ok(Response::new(pb::upgrade_resource_state::Response {
                    diagnostics,
                    ..Default::default()
                }))
            }
        };
        let ty = resource.schema().block.value_type();
        let raw = req.raw_state.unwrap_or_default();
        let mut diags = Diagnostics::new();
        if raw.json.is_empty() {
            if !raw.flatmap.is_empty() {
                diags.error(
                    "Legacy flatmap state is not supported",
                    "This state was written by Terraform 0.11 or older; this provider never wrote such state.",
                );
            }
            return Ok(Response::new(pb::upgrade_resource_state::Response {
                upgraded_state: if diags.has_errors() {
                    None
                } else {
                    encode(&ty, &Value::Null)
                },
                diagnostics: diagnostics_to_proto(&diags),
            }));
        }
        let upgraded = parse_state_json(&raw.json)
            .map_err(|e| {
                let mut d = Diagnostics::new();
                d.error("Stored state is not JSON", e.to_string());
                d
            })
            .and_then(|json| resource.upgrade_state(req.version, json))
            .and_then(|json| {
                decode_json(&ty, &json).map_err(|e| {
                    let mut d = Diagnostics::new();
                    d.error(
                        "Stored state does not match the schema",
                        format!("{e}. The state may have been written by a different version of this provider."),
                    );
                    d
                })
            });
        Ok(Response::new(match upgraded {
            Ok(value) => pb::upgrade_resource_state::Response {
                upgraded_state: encode(&ty, &value),
                diagnostics: Vec::new(),
            },
            Err(d) => pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: diagnostics_to_proto(&d),
            },
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = request.into_inner();
        tracing::debug!(terraform_version = %req.terraform_version, "configuring the provider");
        let ty = self.provider.schema().block.value_type();
        let diags = match decode(&ty, req.config.as_ref(), "provider configuration") {
            Ok(config) => self.provider.configure(&self.context(), &config).await,
            Err(d) => d,
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics_to_proto(&diags),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = request.into_inner();
        let resource = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(diagnostics) => {
                return Ok(Response::new(pb::read_resource::Response {
                    diagnostics,
                    ..Default::default()
                }))
            }
        };
        let ty = resource.schema().block.value_type();
        let current_state = match decode(&ty, req.current_state.as_ref(), "current state") {
            Ok(v) => v,
            Err(d) => {
                return Ok(Response::new(pb::read_resource::Response {
                    new_state: req.current_state,
                    diagnostics: diagnostics_to_proto(&d),
                    ..Default::default()
                }))
            }
        };
        let out = resource
            .read(
                &self.context(),
                ReadRequest {
                    current_state,
                    private: req.private,
                },
            )
            .await;
        Ok(Response::new(pb::read_resource::Response {
            new_state: encode(&ty, &out.new_state),
            diagnostics: diagnostics_to_proto(&out.diagnostics),
            private: out.private,
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let resource = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(diagnostics) => {
                return Ok(Response::new(pb::plan_resource_change::Response {
                    diagnostics,
                    ..Default::default()
                }))
            }
        };
        let ty = resource.schema().block.value_type();
        let decoded = (|| {
            Ok::<_, Diagnostics>(PlanRequest {
                prior_state: decode(&ty, req.prior_state.as_ref(), "prior state")?,
                proposed_new_state: decode(&ty, req.proposed_new_state.as_ref(), "proposed state")?,
                config: decode(&ty, req.config.as_ref(), "configuration")?,
                prior_private: req.prior_private.clone(),
            })
        })();
        let plan = match decoded {
            Ok(plan) => plan,
            Err(d) => {
                return Ok(Response::new(pb::plan_resource_change::Response {
                    diagnostics: diagnostics_to_proto(&d),
                    ..Default::default()
                }))
            }
        };
        let out = resource.plan(&self.context(), plan).await;
        Ok(Response::new(pb::plan_resource_change::Response {
            planned_state: encode(&ty, &out.planned_state),
            requires_replace: out.requires_replace.iter().map(path_to_proto).collect(),
            planned_private: out.planned_private,
            diagnostics: diagnostics_to_proto(&out.diagnostics),
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let resource = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(diagnostics) => {
                return Ok(Response::new(pb::apply_resource_change::Response {
                    new_state: req.prior_state,
                    diagnostics,
                    ..Default::default()
                }))
            }
        };
        let ty = resource.schema().block.value_type();
        let decoded = (|| {
            Ok::<_, Diagnostics>(ApplyRequest {
                prior_state: decode(&ty, req.prior_state.as_ref(), "prior state")?,
                planned_state: decode(&ty, req.planned_state.as_ref(), "planned state")?,
                config: decode(&ty, req.config.as_ref(), "configuration")?,
                planned_private: req.planned_private.clone(),
            })
        })();
        let apply = match decoded {
            Ok(apply) => apply,
            Err(d) => {
                // Nothing was done: keep the prior state so nothing is lost.
                return Ok(Response::new(pb::apply_resource_change::Response {
                    new_state: req.prior_state,
                    diagnostics: diagnostics_to_proto(&d),
                    ..Default::default()
                }));
            }
        };
        // The apply runs as its own task so that it outlives this call: if Terraform dies (SIGKILL, a crashed
        // runner) the connection drops and tonic drops this future, but the rollout must still finish its
        // interrupt handling (stop with rollback, or detach) rather than vanish mid-flight. Dropping this
        // future cancels the apply's token, which is exactly an interrupt.
        let ctx = self.context();
        let cancel_if_abandoned = ctx.stop.clone().drop_guard();
        let task = {
            let resource = resource.clone();
            self.applies
                .spawn(async move { resource.apply(&ctx, apply).await })
        };
        let joined = task.await;
        cancel_if_abandoned.disarm();
        let out = match joined {
            Ok(out) => out,
            Err(err) => {
                let mut d = Diagnostics::new();
                d.error(
                    "The provider's apply crashed",
                    format!("{err}. The prior state is kept; run `terraform plan` to see what serves production. This is a bug in the provider."),
                );
                return Ok(Response::new(pb::apply_resource_change::Response {
                    new_state: req.prior_state,
                    diagnostics: diagnostics_to_proto(&d),
                    ..Default::default()
                }));
            }
        };
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state: encode(&ty, &out.new_state),
            private: out.private,
            diagnostics: diagnostics_to_proto(&out.diagnostics),
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let resource = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(diagnostics) => {
                return Ok(Response::new(pb::import_resource_state::Response {
                    diagnostics,
                    ..Default::default()
                }))
            }
        };
        let ty = resource.schema().block.value_type();
        let out = resource.import(&self.context(), &req.id).await;
        let imported = if out.diagnostics.has_errors() {
            Vec::new()
        } else {
            vec![pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                state: encode(&ty, &out.state),
                private: out.private,
                ..Default::default()
            }]
        };
        Ok(Response::new(pb::import_resource_state::Response {
            imported_resources: imported,
            diagnostics: diagnostics_to_proto(&out.diagnostics),
            ..Default::default()
        }))
    }

    async fn move_resource_state(
        &self,
        _request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: unsupported("moving state between resource types"),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        _request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        Ok(Response::new(pb::read_data_source::Response {
            diagnostics: unsupported("data source"),
            ..Default::default()
        }))
    }

    async fn open_ephemeral_resource(
        &self,
        _request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource"),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        _request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource"),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        _request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource"),
        }))
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(Default::default()))
    }

    async fn call_function(
        &self,
        _request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        Ok(Response::new(pb::call_function::Response {
            error: Some(pb::FunctionError {
                text: "the ecsbg provider has no functions".into(),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("Terraform asked the provider to stop: cancelling in-flight operations");
        self.stop.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
