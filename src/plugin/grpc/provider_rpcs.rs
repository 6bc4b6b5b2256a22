//! Provider-level RPCs: what the provider offers (metadata and schemas) and its configuration (validate,
//! configure).

use tonic::{Request, Response, Status};

use super::convert::{decode, diagnostics_to_proto, schema_to_proto};
use super::service::ProviderService;
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::resource::ProviderType;

fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

pub(super) async fn get_metadata<P: ProviderType>(
    service: &ProviderService<P>,
    _request: Request<pb::get_metadata::Request>,
) -> Result<Response<pb::get_metadata::Response>, Status> {
    Ok(Response::new(pb::get_metadata::Response {
        server_capabilities: Some(server_capabilities()),
        resources: service
            .resources
            .keys()
            .map(|name| pb::get_metadata::ResourceMetadata {
                type_name: name.to_string(),
            })
            .collect(),
        ..Default::default()
    }))
}

pub(super) async fn get_provider_schema<P: ProviderType>(
    service: &ProviderService<P>,
    _request: Request<pb::get_provider_schema::Request>,
) -> Result<Response<pb::get_provider_schema::Response>, Status> {
    Ok(Response::new(pb::get_provider_schema::Response {
        provider: Some(schema_to_proto(&service.provider.schema())),
        resource_schemas: service
            .resources
            .iter()
            .map(|(name, r)| (name.to_string(), schema_to_proto(&r.schema())))
            .collect(),
        server_capabilities: Some(server_capabilities()),
        ..Default::default()
    }))
}

pub(super) async fn validate_provider_config<P: ProviderType>(
    service: &ProviderService<P>,
    request: Request<pb::validate_provider_config::Request>,
) -> Result<Response<pb::validate_provider_config::Response>, Status> {
    let req = request.into_inner();
    let ty = service.provider.schema().block.value_type();
    let diags = match decode(&ty, req.config.as_ref(), "provider configuration") {
        Ok(config) => {
            service
                .provider
                .validate_config(&service.context(), &config)
                .await
        }
        Err(d) => d,
    };
    Ok(Response::new(pb::validate_provider_config::Response {
        diagnostics: diagnostics_to_proto(&diags),
    }))
}

pub(super) async fn configure_provider<P: ProviderType>(
    service: &ProviderService<P>,
    request: Request<pb::configure_provider::Request>,
) -> Result<Response<pb::configure_provider::Response>, Status> {
    let req = request.into_inner();
    tracing::debug!(terraform_version = %req.terraform_version, "configuring the provider");
    let ty = service.provider.schema().block.value_type();
    let diags = match decode(&ty, req.config.as_ref(), "provider configuration") {
        Ok(config) => {
            service
                .provider
                .configure(&service.context(), &config)
                .await
        }
        Err(d) => d,
    };
    Ok(Response::new(pb::configure_provider::Response {
        diagnostics: diagnostics_to_proto(&diags),
    }))
}
