//! Everything the emulated account holds, behind one lock. Handlers take the lock briefly and never across
//! an await.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde_json::Value;

use crate::alarm_eval::{AlarmDefinition, AlarmState};

/// The account id in every ARN.
pub const ACCOUNT: &str = "123456789012";
/// The region in every ARN.
pub const REGION: &str = "us-east-1";

/// An ECS task set.
#[derive(Clone, Debug)]
pub struct TaskSet {
    /// `ecs-svc/…`.
    pub id: String,
    /// Its ARN.
    pub arn: String,
    /// PRIMARY, ACTIVE or DRAINING.
    pub status: String,
    /// The task definition it runs.
    pub task_definition: String,
    /// The CodeDeploy deployment that created it.
    pub external_id: Option<String>,
    /// `CODE_DEPLOY` for green task sets.
    pub started_by: Option<String>,
    /// Percent of the service's desired count.
    pub scale: f64,
    /// Target group its tasks are registered in.
    pub target_group_arn: String,
    /// Load balancer container.
    pub container_name: String,
    /// Load balancer port.
    pub container_port: i64,
    /// Running tasks: (task ARN, address).
    pub tasks: Vec<(String, SocketAddr)>,
    /// Epoch seconds.
    pub created_at: f64,
    /// Epoch seconds.
    pub updated_at: f64,
}

/// An ECS service.
#[derive(Clone, Debug)]
pub struct Service {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Cluster name.
    pub cluster: String,
    /// Desired tasks.
    pub desired_count: i64,
    /// ECS, CODE_DEPLOY or EXTERNAL.
    pub controller: String,
    /// `loadBalancers` as given.
    pub load_balancers: Vec<Value>,
    /// `networkConfiguration` as given.
    pub network_configuration: Value,
    /// FARGATE or EC2.
    pub launch_type: String,
    /// Platform version when Fargate.
    pub platform_version: Option<String>,
    /// Task sets (CODE_DEPLOY) — or the one implicit deployment (ECS controller).
    pub task_sets: Vec<TaskSet>,
    /// Epoch seconds.
    pub created_at: f64,
}

impl Service {
    /// The PRIMARY task set.
    pub fn primary(&self) -> Option<&TaskSet> {
        self.task_sets.iter().find(|t| t.status == "PRIMARY")
    }
}

/// The eight lifecycle events of an ECS deployment, in order.
pub const EVENTS: [&str; 8] = [
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
];

/// A lifecycle event of a deployment's ECS target.
#[derive(Clone, Debug)]
pub struct LifecycleEvent {
    /// Event name.
    pub name: String,
    /// Pending, InProgress, Succeeded, Failed, Skipped.
    pub status: String,
    /// Epoch seconds.
    pub start: Option<f64>,
    /// Epoch seconds.
    pub end: Option<f64>,
    /// Why it failed.
    pub diagnostics: Option<Value>,
}

impl LifecycleEvent {
    /// Every event of a fresh deployment, Pending: CreateDeployment and an automatic rollback both start here.
    pub fn all_pending() -> Vec<LifecycleEvent> {
        EVENTS
            .iter()
            .map(|e| LifecycleEvent {
                name: e.to_string(),
                status: "Pending".into(),
                start: None,
                end: None,
                diagnostics: None,
            })
            .collect()
    }
}

/// The requests that steer a running deployment.
#[derive(Clone, Debug, Default)]
pub struct Control {
    /// StopDeployment was called; the value is whether rollback was asked for (None: the group decides).
    pub stop: Option<Option<bool>>,
    /// ContinueDeployment(READY_WAIT).
    pub continue_ready: bool,
    /// ContinueDeployment(TERMINATION_WAIT).
    pub continue_termination: bool,
}

/// A CodeDeploy deployment.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// `d-XXXXXXXXX`.
    pub id: String,
    /// Application.
    pub application: String,
    /// Group.
    pub group: String,
    /// Deployment config in effect.
    pub config: String,
    /// Status word.
    pub status: String,
    /// `user`, `codeDeployRollback`.
    pub creator: String,
    /// Its SHA-256.
    pub sha256: String,
    /// The task definition the AppSpec names.
    pub task_definition: String,
    /// Container and port from the AppSpec.
    pub container: (String, i64),
    /// `Hooks` from the AppSpec: event → function.
    pub hooks: BTreeMap<String, String>,
    /// Description.
    pub description: Option<String>,
    /// `errorInformation`.
    pub error: Option<(String, String)>,
    /// `rollbackInfo` as JSON.
    pub rollback_info: Option<Value>,
    /// Effective alarm configuration.
    pub alarm_configuration: Value,
    /// Was the alarm configuration overridden.
    pub alarm_override: bool,
    /// Effective auto-rollback configuration.
    pub auto_rollback: Value,
    /// Epoch seconds.
    pub create_time: f64,
    /// Epoch seconds.
    pub start_time: Option<f64>,
    /// Epoch seconds.
    pub complete_time: Option<f64>,
    /// The 8 events.
    pub events: Vec<LifecycleEvent>,
    /// Target status.
    pub target_status: String,
    /// Blue task set id and green task set id.
    pub task_sets: (Option<String>, Option<String>),
    /// Percent of production traffic on green.
    pub green_weight: f64,
    /// Steering requests.
    pub control: Control,
    /// Hook executions: id → reported status.
    pub hook_executions: BTreeMap<String, Option<String>>,
    /// Status messages.
    pub status_messages: Vec<String>,
    /// `cluster:service`.
    pub target_id: String,
    /// Service ARN.
    pub target_arn: String,
    /// Epoch seconds.
    pub target_updated: f64,
}

impl Deployment {
    /// True once it can no longer change.
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "Succeeded" | "Failed" | "Stopped")
    }
}

/// A listener.
#[derive(Clone, Debug)]
pub struct Listener {
    /// Its ARN.
    pub arn: String,
    /// Its load balancer.
    pub load_balancer_arn: String,
    /// The real bound port.
    pub port: u16,
    /// HTTP.
    pub protocol: String,
    /// Weighted forward: (target group ARN, weight).
    pub forward: Vec<(String, u32)>,
}

/// A CloudWatch alarm.
#[derive(Clone, Debug)]
pub struct Alarm {
    /// What it evaluates.
    pub definition: AlarmDefinition,
    /// Current state.
    pub state: AlarmState,
    /// Why.
    pub reason: String,
    /// Epoch seconds.
    pub updated: f64,
    /// Epoch seconds.
    pub configured: f64,
    /// Description.
    pub description: Option<String>,
    /// ActionsEnabled.
    pub actions_enabled: bool,
}

/// The whole account.
#[derive(Default)]
pub struct World {
    counter: u64,
    /// Cluster name → ARN.
    pub clusters: BTreeMap<String, String>,
    /// Family → revisions (index = revision − 1), as DescribeTaskDefinition returns them.
    pub task_definitions: BTreeMap<String, Vec<Value>>,
    /// Resource ARN → tags.
    pub tags: BTreeMap<String, Vec<Value>>,
    /// (cluster, service) → service.
    pub services: BTreeMap<(String, String), Service>,
    /// Application name → ApplicationInfo.
    pub applications: BTreeMap<String, Value>,
    /// (application, group) → DeploymentGroupInfo.
    pub groups: BTreeMap<(String, String), Value>,
    /// Custom deployment configs: name → DeploymentConfigInfo.
    pub configs: BTreeMap<String, Value>,
    /// Deployments by id.
    pub deployments: BTreeMap<String, Deployment>,
    /// Deployment ids, oldest first.
    pub deployment_order: Vec<String>,
    /// (application, sha256) → (content, first used).
    pub revisions: BTreeMap<(String, String), (String, f64)>,
    /// Load balancer ARN → LoadBalancer JSON.
    pub load_balancers: BTreeMap<String, Value>,
    /// Target group ARN → TargetGroup JSON.
    pub target_groups: BTreeMap<String, Value>,
    /// Listener ARN → listener.
    pub listeners: BTreeMap<String, Listener>,
    /// Alarm name → alarm.
    pub alarms: BTreeMap<String, Alarm>,
    /// Resource ARN → settings the emulator stores and echoes but does not act on (ELBv2 attributes, ECS
    /// cluster settings and service options).
    pub attributes: BTreeMap<String, Value>,
    /// IAM role name → Role, as GetRole returns it.
    pub roles: BTreeMap<String, Value>,
    /// IAM role name → ARNs of the managed policies attached to it.
    pub attached_policies: BTreeMap<String, Vec<String>>,
    /// Stopped tasks, oldest first, as DescribeTasks returns them (ECS keeps them visible for an hour at
    /// least; the emulator keeps them all).
    pub stopped_tasks: Vec<Value>,
    /// ECS-native blue/green: listener rules, service revisions and deployments.
    pub native: crate::native::state::NativeWorld,
}

impl World {
    /// A fresh number for ids.
    pub fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A 16-hex-digit id, as ELB uses.
    pub fn hex_id(&mut self) -> String {
        let n = self.next();
        format!("{:016x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// A CodeDeploy deployment id: `d-` and 9 upper-case alphanumerics.
    pub fn deployment_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut n = self.next().wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5DEE_CE66;
        let mut id = String::from("d-");
        for _ in 0..9 {
            id.push(ALPHABET[(n % 36) as usize] as char);
            n /= 36;
            if n == 0 {
                n = self.counter.wrapping_mul(0x9E37_79B9) + 7;
            }
        }
        id
    }

    /// Finds a target group's `targetgroup/<name>/<id>` dimension.
    pub fn target_group_dimension(&self, arn: &str) -> String {
        arn.split_once(":targetgroup/")
            .map(|(_, rest)| format!("targetgroup/{rest}"))
            .unwrap_or_default()
    }

    /// A target group's ARN by name.
    pub fn target_group_by_name(&self, name: &str) -> Option<String> {
        self.target_groups
            .iter()
            .find(|(_, tg)| tg["TargetGroupName"] == name)
            .map(|(arn, _)| arn.clone())
    }

    /// The active deployment of a group.
    pub fn active_deployment(&self, application: &str, group: &str) -> Option<&Deployment> {
        self.deployments
            .values()
            .find(|d| d.application == application && d.group == group && !d.is_terminal())
    }

    /// A task definition by ARN, `family:revision` or family (latest ACTIVE).
    pub fn task_definition(&self, reference: &str) -> Option<&Value> {
        let short = reference
            .rsplit(":task-definition/")
            .next()
            .unwrap_or(reference);
        match short.split_once(':') {
            Some((family, rev)) => {
                let rev: usize = rev.parse().ok()?;
                self.task_definitions.get(family)?.get(rev.checked_sub(1)?)
            }
            None => self
                .task_definitions
                .get(short)?
                .iter()
                .rev()
                .find(|t| t["status"] == "ACTIVE"),
        }
    }
}
