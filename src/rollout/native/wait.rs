//! The pause between two reads of a service deployment, cut short by an interrupt.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Between two reads of the service deployment: one second, so a PAUSE hook or an alarm is acted on within
/// about a second, and a rollout reads ECS at most once a second, the budget CodeDeploy's paced reads keep
/// (`make bench`: 1.22 reads per rollout-second at 500 ms, for a median reaction about 0.3 s faster). With
/// dozens of services deploying at once, ECS's describe throttling is what twice that rate would meet.
const POLL: Duration = Duration::from_secs(1);

/// Waits one poll, or less when interrupted.
pub(super) async fn sleep(stop: &CancellationToken) {
    tokio::select! {
        () = tokio::time::sleep(POLL) => {}
        () = stop.cancelled() => {}
    }
}
