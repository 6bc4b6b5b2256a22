//! How the provider process leaves: shared by the server and by the platform's signal and parent watches.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::stop::StopSignal;

/// An apply still running at shutdown is an interrupted rollout winding down (StopDeployment and following
/// the rollback, or detaching); it gets this long before the process exits regardless.
const APPLY_WIND_DOWN: Duration = Duration::from_secs(10 * 60);

/// How the process leaves when it is told to (SIGTERM) or orphaned: interrupt what runs, keep serving while
/// interrupted applies wind down (so a Terraform that is still there receives their truthful state), then
/// shut the server down.
#[derive(Clone)]
pub struct WindDown {
    stop: StopSignal,
    shutdown: CancellationToken,
    applies: TaskTracker,
}

impl WindDown {
    /// Ties together the stop signal applies watch, the server's shutdown, and the applies in flight.
    pub fn new(stop: StopSignal, shutdown: CancellationToken, applies: TaskTracker) -> WindDown {
        WindDown {
            stop,
            shutdown,
            applies,
        }
    }

    /// Interrupts what runs, waits for interrupted applies, then shuts the server down.
    pub async fn interrupt_then_exit(&self) {
        self.stop.stop();
        self.applies_finished().await;
        self.shutdown.cancel();
    }

    /// Waits (up to [`APPLY_WIND_DOWN`]) for the applies still running to finish.
    pub async fn applies_finished(&self) {
        self.applies.close();
        if self.applies.is_empty() {
            return;
        }
        tracing::info!(
            running = self.applies.len(),
            "waiting for interrupted applies to wind down"
        );
        if tokio::time::timeout(APPLY_WIND_DOWN, self.applies.wait())
            .await
            .is_err()
        {
            tracing::warn!("interrupted applies did not wind down in time; exiting anyway");
        }
    }
}
