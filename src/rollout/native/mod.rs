//! The ECS-native engine: a service on the `ECS` controller with a `BLUE_GREEN`, `LINEAR` or `CANARY`
//! strategy deploys itself when pointed at a new revision; this engine starts that service deployment
//! (or adopts one in flight), follows its lifecycle stages, runs the gate while a PAUSE hook holds it at
//! `POST_TEST_TRAFFIC_SHIFT`, watches alarms and the bake time, and rolls back through ECS. It shares the
//! gate, the report and timeline types and the progress sink with the CodeDeploy engine.
//!
//! Files: `engine` (start and the follow loop), `gate` (the gate at the pause), `rollback` (stopping,
//! redeploying the previous revision), `record` (timeline and progress).

mod engine;
mod gate;
mod record;
mod rollback;

use std::sync::Arc;
use std::time::Duration;

pub use engine::run;

use super::progress::ProgressSink;
use super::spec::OnInterrupt;

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
    /// What an interrupt or timeout does.
    pub on_interrupt: OnInterrupt,
    /// The longest the rollout may take.
    pub timeout: Duration,
    /// The test listener's URL, for the gate.
    pub test_url: Option<String>,
    /// Where live progress goes.
    pub progress: Option<Arc<dyn ProgressSink>>,
}
