//! Resource RPCs that check or carry state without changing infrastructure: validating a configuration,
//! upgrading stored state, refreshing it, and importing an existing deployment.

use tonic::{Request, Response, Status};

use super::convert::{decode, diagnostics_to_proto, encode};
use super::service::ProviderService;
use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::resource::{ProviderType, ReadRequest};
use crate::plugin::value::{decode_json, parse_state_json, Value};

pub(super) async fn validate_resource_config<P: ProviderType>(
    service: &ProviderService<P>,
    request: Request<pb::validate_resource_config::Request>,
) -> Result<Response<pb::validate_resource_config::Response>, Status> {
    let req = request.into_inner();
    let resource = match service.resource(&req.type_name) {
        Ok(r) => r,
        Err(diagnostics) => {
            return Ok(Response::new(pb::validate_resource_config::Response {
                diagnostics,
            }))
        }
    };
    let ty = resource.schema().block.value_type();
    let diags = match decode(&ty, req.config.as_ref(), "resource configuration") {
        Ok(config) => resource.validate(&service.context(), &config).await,
        Err(d) => d,
    };
    Ok(Response::new(pb::validate_resource_config::Response {
        diagnostics: diagnostics_to_proto(&diags),
    }))
}

pub(super) async fn upgrade_resource_state<P: ProviderType>(
    service: &ProviderService<P>,
    request: Request<pb::upgrade_resource_state::Request>,
) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
    let req = request.into_inner();
    let resource = match service.resource(&req.type_name) {
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

pub(super) async fn read_resource<P: ProviderType>(
    service: &ProviderService<P>,
    request: Request<pb::read_resource::Request>,
) -> Result<Response<pb::read_resource::Response>, Status> {
    let req = request.into_inner();
    let resource = match service.resource(&req.type_name) {
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
            &service.context(),
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

pub(super) async fn import_resource_state<P: ProviderType>(
    service: &ProviderService<P>,
    request: Request<pb::import_resource_state::Request>,
) -> Result<Response<pb::import_resource_state::Response>, Status> {
    let req = request.into_inner();
    let resource = match service.resource(&req.type_name) {
        Ok(r) => r,
        Err(diagnostics) => {
            return Ok(Response::new(pb::import_resource_state::Response {
                diagnostics,
                ..Default::default()
            }))
        }
    };
    let ty = resource.schema().block.value_type();
    let out = resource.import(&service.context(), &req.id).await;
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
