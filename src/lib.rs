//! terraform-provider-ecsbg: a Terraform provider whose `ecsbg_deployment` resource runs AWS CodeDeploy
//! blue/green rollouts of ECS services on `terraform apply`.
//!
//! The crate is split by job:
//! - [`plugin`]: the Terraform plugin protocol (tfplugin6 over go-plugin's gRPC transport). It knows nothing of AWS.
//! - [`aws`]: the only layer that calls AWS (typed methods, pacing, batching, one error type).
//! - [`rollout`]: the rollout engine over CodeDeploy; knows nothing of Terraform.
//! - [`resource`]: `ecsbg_deployment` — model, decision, plan, apply, read.
//! - [`provider`]: the `provider "ecsbg" {}` configuration; sets up the AWS layer.
//! - [`progress`] and [`cli`]: live progress outside Terraform (a progress file, the `watch` command).
//! - `testing` (feature `testing` only): resource types that exist to prove the plugin layer in tests.

pub mod aws;
pub mod cli;
pub mod docs;
pub mod duration;
pub mod gate;
mod identity;
pub mod plugin;
pub mod progress;
pub mod provider;
pub mod resource;
pub mod rollout;
pub mod taskdef;
#[cfg(feature = "testing")]
pub mod testing;

pub use identity::PROVIDER_ADDRESS;

/// Runs the provider process: serves Terraform when started by Terraform, runs a person's command (`watch`,
/// `--help`) otherwise.
///
/// Both the shipped binary and the test-only binary call this, so they cannot drift apart.
pub fn run_main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = if plugin_start(
        &args,
        std::env::var_os(plugin::handshake::MAGIC_COOKIE_KEY).is_some(),
    ) {
        plugin::run(provider::EcsbgProvider::new())
    } else {
        cli::run(cli::parse(&args, |k| std::env::var(k).ok()))
    };
    std::process::exit(code);
}

/// True when the plugin path runs: Terraform started us (its cookie is set), or the arguments are the
/// plugin's own (none, which explains the plugin to a person; `--version`; `--debug`).
fn plugin_start(args: &[String], cookie: bool) -> bool {
    cookie
        || args.is_empty()
        || args
            .iter()
            .all(|a| matches!(a.as_str(), "--version" | "-version" | "--debug" | "-debug"))
}

#[cfg(test)]
mod tests {
    use super::plugin_start;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn terraform_always_gets_the_plugin_and_people_get_commands() {
        assert!(plugin_start(&args(&[]), true));
        assert!(
            plugin_start(&args(&["watch", "web:prod"]), true),
            "the cookie decides"
        );
        assert!(
            plugin_start(&args(&[]), false),
            "no arguments: the plugin explains itself"
        );
        assert!(plugin_start(&args(&["--debug"]), false));
        assert!(plugin_start(&args(&["--version"]), false));
        assert!(!plugin_start(&args(&["watch", "web:prod"]), false));
        assert!(!plugin_start(&args(&["--help"]), false));
        assert!(!plugin_start(&args(&["--frobnicate"]), false));
    }
}
