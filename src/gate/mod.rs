//! The test gate the provider itself runs against the test listener while CodeDeploy holds production
//! traffic: HTTP checks and commands, each with an account of what it expected and what it got.

mod command;
mod http;
mod output;
// One module per platform with the same interface; `command` picks them.
#[cfg(unix)]
mod pipe_unix;
#[cfg(windows)]
mod pipe_windows;
#[cfg(unix)]
mod process_group;
#[cfg(windows)]
mod process_group_windows;

use tokio_util::sync::CancellationToken;

use crate::rollout::gate::{CheckResult, Gate, GateContext, GateVerdict};

pub use command::CommandCheck;
pub use http::HttpCheck;

/// The configured checks; HTTP checks run first, then commands, stopping at the first failure.
#[derive(Clone, Debug, Default)]
pub struct TestGate {
    /// HTTP checks against the test listener.
    pub http: Vec<HttpCheck>,
    /// Commands that receive the test URL, deployment id and task definition ARN.
    pub commands: Vec<CommandCheck>,
}

#[async_trait::async_trait]
impl Gate for TestGate {
    fn is_empty(&self) -> bool {
        self.http.is_empty() && self.commands.is_empty()
    }

    async fn run(&self, ctx: &GateContext, stop: &CancellationToken) -> GateVerdict {
        let mut verdict = GateVerdict::default();
        let client = http::client();
        for (i, check) in self.http.iter().enumerate() {
            let name = format!("http[{i}] {} {}", check.method, check.path);
            let result = tokio::select! {
                r = check.run(&client, ctx) => r,
                _ = stop.cancelled() => { verdict.interrupted = true; return verdict; }
            };
            let passed = result.is_ok();
            verdict.checks.push(CheckResult {
                name,
                passed,
                detail: result.unwrap_or_else(|e| e),
            });
            if !passed {
                return verdict;
            }
        }
        for (i, check) in self.commands.iter().enumerate() {
            let name = format!(
                "command[{i}] {}",
                check.argv.first().map(String::as_str).unwrap_or("?")
            );
            match check.run(ctx, stop).await {
                command::Ran::Interrupted => {
                    verdict.interrupted = true;
                    return verdict;
                }
                command::Ran::Done(result) => {
                    let passed = result.is_ok();
                    verdict.checks.push(CheckResult {
                        name,
                        passed,
                        detail: result.unwrap_or_else(|e| e),
                    });
                    if !passed {
                        return verdict;
                    }
                }
            }
        }
        verdict
    }
}

#[cfg(test)]
mod tests;
