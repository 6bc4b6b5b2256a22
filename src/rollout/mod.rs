//! The rollout engine: drives one CodeDeploy ECS blue/green deployment from creation to a truthful outcome.
//!
//! It knows nothing of Terraform. It is handed the AWS clients, what to deploy, a gate to run during the Ready
//! wait, and a stop token; it returns what happened — and above all which task definition serves production
//! afterwards, so the caller's state never lies.

pub mod appspec;
mod engine;
pub mod gate;
pub mod observe;
pub mod watch;

use std::time::Duration;

pub use engine::run;

use appspec::AppSpec;

/// What to do when Terraform is interrupted (or the timeout passes) mid-rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnInterrupt {
    /// Stop the deployment with rollback and wait for the rollback: production back on blue.
    Rollback,
    /// Leave the deployment running; the next apply adopts it.
    Detach,
}

/// When the apply may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    /// After the bake time and CodeDeploy's Succeeded (blue gone).
    Succeeded,
    /// Once production is fully on green (and the bake time passed); CodeDeploy finishes the termination wait.
    TrafficShifted,
}

/// Everything one rollout needs to know.
#[derive(Clone, Debug)]
pub struct RolloutSpec {
    /// CodeDeploy application.
    pub application_name: String,
    /// CodeDeploy deployment group.
    pub deployment_group_name: String,
    /// What to deploy.
    pub appspec: AppSpec,
    /// Overrides the group's deployment config (all at once, canary, linear).
    pub deployment_config_name: Option<String>,
    /// Alarms passed to CodeDeploy for this deployment and watched by the engine.
    pub alarms: Vec<String>,
    /// How long to keep watching the alarms after production traffic has moved.
    pub bake_time: Duration,
    /// The task definition serving production before this rollout (for a rollback after blue is gone).
    pub previous_task_definition_arn: Option<String>,
    /// Interrupt behaviour.
    pub on_interrupt: OnInterrupt,
    /// When to return.
    pub wait_for: WaitFor,
    /// Give up (as on interrupt) after this long.
    pub timeout: Duration,
    /// The test listener's base URL, for the gate.
    pub test_url: Option<String>,
    /// Description recorded on the deployment.
    pub description: String,
    /// The ECS deployment target id (`cluster:service`), when known, so the engine need not list targets.
    pub ecs_target_id: Option<String>,
}

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
    /// What happened.
    pub what: String,
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
