//! The generated `Provider` trait, implemented for [`ProviderService`]: routes each implemented RPC to its
//! handler module and answers every feature this provider lacks with a diagnostic.

use tonic::{Request, Response, Status};

use super::convert::diagnostics_to_proto;
use super::service::ProviderService;
use super::{change_rpcs, provider_rpcs, resource_rpcs};
use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::resource::ProviderType;

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
        request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        provider_rpcs::get_metadata(self, request).await
    }

    async fn get_provider_schema(
        &self,
        request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        provider_rpcs::get_provider_schema(self, request).await
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
        provider_rpcs::validate_provider_config(self, request).await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        resource_rpcs::validate_resource_config(self, request).await
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
        resource_rpcs::upgrade_resource_state(self, request).await
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        provider_rpcs::configure_provider(self, request).await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        resource_rpcs::read_resource(self, request).await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        change_rpcs::plan_resource_change(self, request).await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        change_rpcs::apply_resource_change(self, request).await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        resource_rpcs::import_resource_state(self, request).await
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
