//! What a rollout reports: how it ended, whether green serves production, and its timeline.

pub use super::timeline::EntryKind;

/// How a rollout ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Green serves production; CodeDeploy reports Succeeded.
    Succeeded,
    /// Green serves production; CodeDeploy is finishing the termination wait (`wait_for = traffic_shifted`).
    TrafficShifted,
    /// Rolled back: blue serves production. The reason says who decided and why.
    RolledBack {
        /// The account shown to the user.
        reason: String,
    },
    /// Failed without a completed rollback; what serves production is in the report.
    Failed {
        /// The account shown to the user.
        reason: String,
    },
    /// Interrupted with `on_interrupt = "detach"`: the deployment keeps running.
    Detached,
    /// Another deployment holds the group; nothing was done.
    Blocked {
        /// The account shown to the user.
        reason: String,
    },
}

/// One line of the rollout's timeline, kept in state and printed in failures.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    /// Seconds since the rollout started.
    pub at_seconds: f64,
    /// What kind of thing happened, so readers (and the progress stream) can pick lines without parsing text.
    pub kind: EntryKind,
    /// What happened.
    pub what: String,
}

impl Outcome {
    /// The word kept in state's `status`.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Succeeded => "Succeeded",
            Outcome::TrafficShifted => "TrafficShifted",
            Outcome::RolledBack { .. } => "RolledBack",
            Outcome::Failed { .. } => "Failed",
            Outcome::Detached => "Detached",
            Outcome::Blocked { .. } => "Blocked",
        }
    }
}

/// What the engine reports back.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutReport {
    /// The deployment it created or adopted (None when blocked before creating one).
    pub deployment_id: Option<String>,
    /// The rollback deployment, when there was one.
    pub rollback_deployment_id: Option<String>,
    /// The last status seen of the deployment.
    pub status: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// True when the new task definition serves production at the end.
    pub green_serves_production: bool,
    /// What happened, in order.
    pub timeline: Vec<TimelineEntry>,
}
