//! The generated protocol types; public so tests can act as a plugin client.

/// Terraform's provider protocol, version 6.
#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}
/// go-plugin's controller, stdio and broker services.
#[allow(clippy::all, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
