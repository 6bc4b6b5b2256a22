//! What one rollout is asked to do: the deployment to make, the alarms and bake time to watch it by, what
//! to do on interrupt and when to return.

use std::sync::Arc;
use std::time::Duration;

use super::appspec::AppSpec;
use super::progress::ProgressSink;

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
    /// Where every timeline line goes as it is said (a progress file), if anywhere.
    pub progress: Option<Arc<dyn ProgressSink>>,
}

/// The description every deployment this provider creates carries, so a later apply can tell its own
/// deployments from someone else's before it registers anything.
pub fn rollout_description(application: &str, group: &str) -> String {
    format!("ecsbg_deployment {application}:{group} via terraform")
}
