//! The rollout's live event stream. Terraform shows nothing of a provider while an apply runs, so whoever
//! wants to see a rollout as it happens (a file a CI step tails, a terminal) subscribes here; the engine
//! sends every timeline line the moment it is said, with its wall-clock time.

use std::fmt::Debug;
use std::time::{SystemTime, UNIX_EPOCH};

use super::timeline::EntryKind;

/// One line of a rollout as it happens.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressEvent {
    /// When it happened, epoch seconds (CodeDeploy's time for what CodeDeploy reports, else this machine's).
    pub at_epoch: f64,
    /// CodeDeploy application.
    pub application: String,
    /// Deployment group.
    pub group: String,
    /// The deployment it is about, once there is one.
    pub deployment_id: Option<String>,
    /// What kind of line.
    pub kind: EntryKind,
    /// The line.
    pub what: String,
}

/// Receives a rollout's lines as they are said. Must not block for long: the engine calls it inline.
pub trait ProgressSink: Send + Sync + Debug {
    /// One line.
    fn send(&self, event: &ProgressEvent);
}

/// Now, as epoch seconds.
pub fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}
