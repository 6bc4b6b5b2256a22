//! Command checks: a program run without a shell, with a cleared environment plus what it is given, whose
//! exit status decides and whose output tail explains. Each runs in a process group of its own (a Job Object
//! on Windows) that is ended as a whole afterwards (see `process_group`), its output is read through `pipe`
//! and kept within 128 KiB (see `output`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::output::BoundedOutput;
#[cfg(unix)]
use super::pipe_unix as pipe;
#[cfg(windows)]
use super::pipe_windows as pipe;
#[cfg(unix)]
use super::process_group;
#[cfg(windows)]
use super::process_group_windows as process_group;
use crate::duration::format_duration;
use crate::rollout::gate::GateContext;
use pipe::drain;
use process_group::{describe, leftovers_account, timeout_account, ProcessGroup};

/// How long output is still read after the command has exited (200 ms): what it printed itself is already in
/// the pipe, so this only waits on a background child that inherited the pipe — which must not turn a command
/// that exited into a timeout. The group is ended right after.
pub const LINGER: Duration = Duration::from_millis(200);

/// What a command inherits from the provider's environment.
#[cfg(not(windows))]
const INHERITED: &[&str] = &["PATH"];
/// On Windows sockets and most programs fail without `SystemRoot`, and temp files need `TEMP`/`TMP`.
#[cfg(windows)]
const INHERITED: &[&str] = &[
    "PATH",
    "PATHEXT",
    "SystemRoot",
    "windir",
    "ComSpec",
    "TEMP",
    "TMP",
];

/// One command check.
#[derive(Clone, Debug)]
pub struct CommandCheck {
    /// Program and arguments (no shell: use `["sh", "-c", "..."]` to ask for one).
    pub argv: Vec<String>,
    /// Extra environment.
    pub env: BTreeMap<String, String>,
    /// Working directory (default: Terraform's working directory).
    pub working_dir: Option<PathBuf>,
    /// Failed after this long, its whole process group ended (SIGTERM, then SIGKILL after a grace; on
    /// Windows its job is terminated).
    pub timeout: Duration,
}

/// How a command run ended.
pub enum Ran {
    /// Ok(summary) or Err(account of the failure).
    Done(Result<String, String>),
    /// Terraform stopped the provider; the command's process group was ended.
    Interrupted,
}

impl CommandCheck {
    /// The environment the command sees: only PATH (and on Windows what programs cannot start without)
    /// from the provider's own, then the test variables, then the configured ones. AWS credentials and
    /// everything else stay out.
    pub fn environment(&self, ctx: &GateContext) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for name in INHERITED {
            if let Ok(value) = std::env::var(name) {
                env.insert(name.to_string(), value);
            }
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

    /// Runs the command to completion, timeout or stop, and leaves none of its processes behind.
    ///
    /// The exit status of the command itself decides. Its output is drained all along into a bounded buffer
    /// (see [`BoundedOutput`]). Once it has exited, output still arriving (a background child holding the
    /// pipe) is read for [`LINGER`] at most; then the whole process group is ended, whatever the outcome.
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
            // The group is ended by `ProcessGroup` (terminate or drop), not just the direct child.
            .kill_on_drop(false);
        let wired = match pipe::wire(&mut command) {
            Ok(wired) => wired,
            Err(err) => {
                return Ran::Done(Err(format!(
                    "could not create a pipe for {program:?}'s output: {err}"
                )))
            }
        };
        if let Some(dir) = &self.working_dir {
            command.current_dir(dir);
        }
        let started = Instant::now();
        let mut group = match ProcessGroup::spawn(command) {
            Ok(group) => group,
            Err(err) => return Ran::Done(Err(format!("could not start {program:?}: {err}"))),
        };
        let reader = wired.connect(&mut group);
        let mut output = BoundedOutput::new();
        let (outcome, elapsed) = {
            let drain = drain(reader, &mut output);
            tokio::pin!(drain);
            let deadline = tokio::time::sleep(self.timeout);
            tokio::pin!(deadline);
            let mut drained = false;
            let outcome = loop {
                tokio::select! {
                    _ = stop.cancelled() => break Outcome::Interrupted,
                    _ = &mut deadline => break Outcome::TimedOut,
                    status = group.wait() => break Outcome::Exited(status),
                    _ = &mut drain, if !drained => drained = true,
                }
            };
            let elapsed = started.elapsed();
            if matches!(outcome, Outcome::Exited(_)) && !drained {
                // Whatever the command printed last is in the pipe already; a background child that keeps
                // the pipe open does not get to hold the result back.
                let _ = tokio::time::timeout(LINGER, &mut drain).await;
            }
            (outcome, elapsed)
        };
        let elapsed = format_duration(elapsed);
        let ended = group.terminate().await;
        let status = match outcome {
            Outcome::Interrupted => return Ran::Interrupted,
            Outcome::TimedOut => {
                let how = timeout_account(ended);
                return Ran::Done(Err(format!(
                    "{program} did not finish within {}; {how}{}",
                    format_duration(self.timeout),
                    last_output(&output)
                )));
            }
            Outcome::Exited(Err(err)) => {
                return Ran::Done(Err(format!("waiting for {program} failed: {err}")))
            }
            Outcome::Exited(Ok(status)) => status,
        };
        let leftovers = leftovers_account(ended);
        Ran::Done(if status.success() {
            Ok(format!("{program} exited 0 after {elapsed}{leftovers}"))
        } else {
            Err(format!(
                "{program} exited with {} after {elapsed}{leftovers}{}",
                describe(status),
                last_output(&output)
            ))
        })
    }
}

/// How the wait for the command itself ended.
enum Outcome {
    Interrupted,
    TimedOut,
    Exited(std::io::Result<ExitStatus>),
}

/// "; last output:" and the excerpt, or nothing when the command printed nothing.
fn last_output(output: &BoundedOutput) -> String {
    if output.is_empty() {
        String::new()
    } else {
        format!("; last output:\n{}", output.excerpt())
    }
}
