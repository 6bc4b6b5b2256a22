//! The Ready wait: CodeDeploy holds production traffic on blue while green answers on the test listener.
//! The gate runs here; a pass releases traffic (ContinueDeployment), a failure stops with rollback.

use std::time::Duration;

use super::engine::Rollout;
use super::gate::{Gate, GateContext};
use super::report::{EntryKind, Outcome};
use crate::aws::ErrorKind;
use crate::duration::format_duration;

impl Rollout<'_> {
    /// Runs the gate during the Ready wait. None means "continued; keep following".
    pub(super) async fn run_gate(&mut self, id: &str, gate: &dyn Gate) -> Option<Outcome> {
        if !gate.is_empty() {
            self.note_as(
                EntryKind::Gate,
                "test gate started against the test listener",
            );
            let ctx = GateContext {
                deployment_id: id.to_string(),
                task_definition_arn: self.spec.appspec.task_definition_arn.clone(),
                test_url: self.spec.test_url.clone(),
            };
            // The gate stops at Terraform's stop or at the rollout's deadline, whichever comes first.
            let gate_stop = self.stop.child_token();
            let deadline = self.started + self.spec.timeout;
            let timer = {
                let gate_stop = gate_stop.clone();
                tokio::spawn(async move {
                    tokio::time::sleep_until(deadline.into()).await;
                    gate_stop.cancel();
                })
            };
            let verdict = gate.run(&ctx, &gate_stop).await;
            timer.abort();
            for check in &verdict.checks {
                self.note_as(
                    EntryKind::Gate,
                    format!(
                        "gate check {}: {}{}",
                        check.name,
                        if check.passed { "passed" } else { "FAILED" },
                        if check.passed {
                            String::new()
                        } else {
                            format!(" — {}", check.detail)
                        }
                    ),
                );
            }
            if verdict.interrupted {
                let why = if self.stop.is_cancelled() {
                    "Terraform was interrupted during the test gate".to_string()
                } else {
                    format!(
                        "the timeout of {} passed during the test gate",
                        format_duration(self.spec.timeout)
                    )
                };
                return Some(self.interrupt(id, &why).await);
            }
            if let Some(failed) = verdict.first_failure() {
                let reason = format!(
                    "test gate check {} failed during the Ready wait: {}",
                    failed.name, failed.detail
                );
                return Some(self.stop_with_rollback(id, &reason).await);
            }
        }
        // "Gate passed" only when a gate ran: without one, nothing was checked.
        let (kind, released) = if gate.is_empty() {
            (
                EntryKind::Traffic,
                "no test gate: production traffic released (ContinueDeployment)",
            )
        } else {
            (
                EntryKind::Gate,
                "test gate passed: production traffic released (ContinueDeployment)",
            )
        };
        let mut last_error = String::new();
        for attempt in 0..5u32 {
            match self.aws.continue_ready_wait(id).await {
                Ok(()) => {
                    self.note_as(kind, released);
                    return None;
                }
                // Already over (the Ready wait timed out, someone stopped it): the follow loop reads how it
                // ended and reports that.
                Err(err)
                    if matches!(err.kind, ErrorKind::AlreadyCompleted | ErrorKind::NotReady) =>
                {
                    self.note(format!("ContinueDeployment refused: {}", err.reason()));
                    return None;
                }
                Err(err) => {
                    last_error = err.to_string();
                    tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
                }
            }
        }
        Some(Outcome::Failed {
            reason: format!("ContinueDeployment on {id} kept failing: {last_error}"),
        })
    }
}
