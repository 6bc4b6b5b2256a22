//! What a native rollout is asked to do, as the resource hands it over.

use std::sync::Arc;
use std::time::Duration;

use crate::rollout::progress::ProgressSink;
use crate::rollout::spec::{OnInterrupt, WaitFor};

/// What a native rollout is asked to do.
#[derive(Clone, Debug)]
pub struct NativeSpec {
    /// The service's cluster.
    pub cluster: String,
    /// The service.
    pub service: String,
    /// The revision to deploy.
    pub task_definition_arn: String,
    /// The revision serving before, redeployed when an alarm fires after ECS finished.
    pub previous_task_definition_arn: Option<String>,
    /// Alarms the provider watches (the service's deployment alarms plus the resource's own).
    pub alarms: Vec<String>,
    /// How long to keep watching the alarms after production traffic moved.
    pub bake_time: Duration,
    /// When the apply returns: at ECS's SUCCESSFUL, or (`TrafficShifted`) once production is fully on green
    /// (ECS's `BAKE_TIME` or `CLEAN_UP`) and `bake_time` passed, leaving ECS to finish its bake and clean-up.
    pub wait_for: WaitFor,
    /// What an interrupt or timeout does.
    pub on_interrupt: OnInterrupt,
    /// The longest the rollout may take.
    pub timeout: Duration,
    /// The test listener's URL, for the gate.
    pub test_url: Option<String>,
    /// Where live progress goes.
    pub progress: Option<Arc<dyn ProgressSink>>,
}
