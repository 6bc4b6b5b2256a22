//! terraform-provider-ecsbg: a Terraform provider whose `ecsbg_deployment` resource runs AWS CodeDeploy
//! blue/green rollouts of ECS services on `terraform apply`.
//!
//! The crate is split by job:
//! - [`plugin`]: the Terraform plugin protocol (tfplugin6 over go-plugin's gRPC transport). It knows nothing of AWS.
//! - [`aws`]: the only layer that calls AWS (typed methods, pacing, batching, one error type).
//! - [`rollout`]: the rollout engine over CodeDeploy; knows nothing of Terraform.
//! - [`resource`]: `ecsbg_deployment` — model, decision, plan, apply, read.
//! - [`provider`]: the `provider "ecsbg" {}` configuration; sets up the AWS layer.
//! - `testing` (feature `testing` only): resource types that exist to prove the plugin layer in tests.

pub mod aws;
pub mod docs;
pub mod duration;
pub mod gate;
mod identity;
pub mod plugin;
pub mod provider;
pub mod resource;
pub mod rollout;
pub mod taskdef;
#[cfg(feature = "testing")]
pub mod testing;

pub use identity::PROVIDER_ADDRESS;

/// Runs the provider process: serves Terraform when started by Terraform, explains itself otherwise.
///
/// Both the shipped binary and the test-only binary call this, so they cannot drift apart.
pub fn run_main() {
    let code = plugin::run(provider::EcsbgProvider::new());
    std::process::exit(code);
}
