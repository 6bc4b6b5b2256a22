//! The tfplugin6 `Provider` service: decodes each request against the schema, calls the provider's code with
//! the current stop token, and encodes the answer. Unsupported features answer with a diagnostic, never a
//! panic or a bare gRPC error, so Terraform shows the user something readable.
//!
//! Split by job: `service` holds the state every RPC needs, `dispatch` is the gRPC trait implementation
//! that routes each call, `provider_rpcs`, `resource_rpcs` and `change_rpcs` handle the provider-level,
//! resource-state and plan/apply calls, and `convert` translates between protobuf and our types.

mod change_rpcs;
mod convert;
mod dispatch;
mod provider_rpcs;
mod resource_rpcs;
mod service;

pub use service::ProviderService;
