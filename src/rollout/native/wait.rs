//! The pause between two reads of a service deployment, cut short by an interrupt.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Between two reads of the service deployment: short, as a PAUSE hook or an alarm should be acted on
/// within a second (DescribeServiceDeployments is not paced like CodeDeploy's calls).
const POLL: Duration = Duration::from_millis(500);

/// Waits one poll, or less when interrupted.
pub(super) async fn sleep(stop: &CancellationToken) {
    tokio::select! {
        () = tokio::time::sleep(POLL) => {}
        () = stop.cancelled() => {}
    }
}
