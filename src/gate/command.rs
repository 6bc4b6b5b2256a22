//! Command checks: a program run without a shell, with a cleared environment plus what it is given, whose
//! exit status decides and whose output tail explains.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use crate::duration::format_duration;
use crate::rollout::gate::GateContext;

/// How much output a failure shows.
const TAIL_LINES: usize = 20;
/// The most output kept from a command.
const OUTPUT_LIMIT: usize = 256 * 1024;

/// One command check.
#[derive(Clone, Debug)]
pub struct CommandCheck {
    /// Program and arguments (no shell: use `["sh", "-c", "..."]` to ask for one).
    pub argv: Vec<String>,
    /// Extra environment.
    pub env: BTreeMap<String, String>,
    /// Working directory (default: Terraform's working directory).
    pub working_dir: Option<PathBuf>,
    /// Killed and failed after this long.
    pub timeout: Duration,
}

/// How a command run ended.
pub enum Ran {
    /// Ok(summary) or Err(account of the failure).
    Done(Result<String, String>),
    /// Terraform stopped the provider; the command was killed.
    Interrupted,
}

impl CommandCheck {
    /// The environment the command sees: only PATH from the provider's own, then the test variables, then
    /// the configured ones. AWS credentials and everything else stay out.
    pub fn environment(&self, ctx: &GateContext) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        if let Ok(path) = std::env::var("PATH") {
            env.insert("PATH".to_string(), path);
        }
        env.insert("TEST_URL".into(), ctx.test_url.clone().unwrap_or_default());
        env.insert("DEPLOYMENT_ID".into(), ctx.deployment_id.clone());
        env.insert(
            "TASK_DEFINITION_ARN".into(),
            ctx.task_definition_arn.clone(),
        );
        env.extend(self.env.clone());
        env
    }

    /// Runs the command to completion, timeout or stop.
    pub async fn run(&self, ctx: &GateContext, stop: &CancellationToken) -> Ran {
        let Some((program, args)) = self.argv.split_first() else {
            return Ran::Done(Err("the command is empty".into()));
        };
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(self.environment(ctx))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = &self.working_dir {
            command.current_dir(dir);
        }
        let started = Instant::now();
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(err) => return Ran::Done(Err(format!("could not start {program:?}: {err}"))),
        };
        let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take())
        else {
            return Ran::Done(Err("could not capture the command's output".into()));
        };
        let read_all = async move {
            let mut out = Vec::new();
            let mut err = Vec::new();
            let mut out_reader = (&mut stdout).take(OUTPUT_LIMIT as u64);
            let mut err_reader = (&mut stderr).take(OUTPUT_LIMIT as u64);
            let _ = tokio::join!(
                out_reader.read_to_end(&mut out),
                err_reader.read_to_end(&mut err)
            );
            out.extend_from_slice(&err);
            out
        };
        let outcome = tokio::select! {
            _ = stop.cancelled() => {
                let _ = child.kill().await;
                return Ran::Interrupted;
            }
            result = tokio::time::timeout(self.timeout, async { let output = read_all.await; (child.wait().await, output) }) => result,
        };
        let elapsed = format_duration(started.elapsed());
        Ran::Done(match outcome {
            Err(_) => {
                let _ = child.kill().await;
                Err(format!(
                    "{program} did not finish within {}; it was killed",
                    format_duration(self.timeout)
                ))
            }
            Ok((Err(err), _)) => Err(format!("waiting for {program} failed: {err}")),
            Ok((Ok(status), _)) if status.success() => {
                Ok(format!("{program} exited 0 after {elapsed}"))
            }
            Ok((Ok(status), output)) => Err(format!(
                "{program} exited with {} after {elapsed}; last output:\n{}",
                status
                    .code()
                    .map(|c| format!("status {c}"))
                    .unwrap_or_else(|| "a signal".into()),
                tail(&output)
            )),
        })
    }
}

/// The last lines of a command's output.
fn tail(output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    lines[start..].join("\n")
}
