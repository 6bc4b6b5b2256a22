//! The pause between two reads of a service deployment, cut short by an interrupt.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Between two reads of the service deployment: one second, so a PAUSE hook or an alarm is acted on within
/// about a second, and a rollout reads ECS at most once a second, the budget CodeDeploy's paced reads keep
/// (`make bench`, debug build: 0.78 reads per rollout-second at 1 s, against 1.22 at 500 ms, whose median
/// reactions were about 0.5 s faster: PAUSE → gate 0.94 s against 0.44 s, alarm → StopServiceDeployment
/// 0.64 s against 0.06 s). With dozens of services deploying at once, ECS's describe throttling is what
/// twice the rate would meet.
const POLL: Duration = Duration::from_secs(1);

/// Waits one poll, or less when interrupted.
pub(super) async fn sleep(stop: &CancellationToken) {
    tokio::select! {
        () = tokio::time::sleep(POLL) => {}
        () = stop.cancelled() => {}
    }
}
