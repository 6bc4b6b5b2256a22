//! What the control plane asks the network to run: a task, a listener, a weighted forward. The services
//! build them and the task and listener servers read them.

use std::collections::BTreeMap;

/// What a task serves, from its container definition.
#[derive(Clone, Debug)]
pub struct TaskSpec {
    /// The task's ARN.
    pub task_arn: String,
    /// Its task definition.
    pub task_definition_arn: String,
    /// The container the load balancer targets.
    pub container_name: String,
    /// That container's environment (`MESSAGE`, `EMULATOR_*`).
    pub environment: BTreeMap<String, String>,
    /// The target group's health check path.
    pub health_check_path: String,
    /// A task that will fail (cannot pull, exits, fails its checks): its target never turns healthy.
    pub never_healthy: bool,
}

/// A listener to bind.
#[derive(Clone, Debug)]
pub struct ListenerSpec {
    /// The listener's ARN.
    pub listener_arn: String,
    /// Port on 127.0.0.1 (0 = any free port).
    pub port: u16,
    /// `app/<name>/<id>`, the LoadBalancer metric dimension.
    pub load_balancer_dimension: String,
}

/// One weighted target group of a forward action.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedTargetGroup {
    /// Its ARN.
    pub target_group_arn: String,
    /// `targetgroup/<name>/<id>`, the TargetGroup metric dimension.
    pub target_group_dimension: String,
    /// 0..=999.
    pub weight: u32,
}
