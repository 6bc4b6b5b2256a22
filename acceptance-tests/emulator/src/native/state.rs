//! What ECS-native blue/green adds to the account: listener rules, service revisions, service deployments
//! and each native service's deployment settings. Kept in one struct hung off `World` so the native
//! modules share the world's lock without touching the CodeDeploy path's types.

use std::collections::BTreeMap;

use serde_json::Value;

/// A listener rule (non-default).
#[derive(Clone, Debug)]
pub struct Rule {
    /// Its ARN.
    pub arn: String,
    /// Its listener.
    pub listener_arn: String,
    /// 1..=50000.
    pub priority: u32,
    /// `Conditions` as given (ELBv2 shape).
    pub conditions: Vec<Value>,
    /// Weighted forward: (target group ARN, weight).
    pub forward: Vec<(String, u32)>,
}

/// The traffic resources of a native service (`loadBalancers[0]` and its `advancedConfiguration`).
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    /// `targetGroupArn` (primary).
    pub primary: String,
    /// `alternateTargetGroupArn`.
    pub alternate: String,
    /// `productionListenerRule`.
    pub production_rule: String,
    /// `testListenerRule` (empty: none).
    pub test_rule: String,
}

/// A native service's deployment settings.
#[derive(Clone, Debug)]
pub struct NativeService {
    /// `deploymentConfiguration`, as echoed by DescribeServices.
    pub config: Value,
    /// Its traffic resources (None: headless).
    pub traffic: Option<Traffic>,
    /// The service's revisions' ARNs, oldest first.
    pub revisions: Vec<String>,
    /// Its service deployments' ARNs, oldest first.
    pub deployments: Vec<String>,
}

/// A service revision.
#[derive(Clone, Debug)]
pub struct Revision {
    /// Its ARN.
    pub arn: String,
    /// The task set carrying its tasks (`ecs-svc/<n>`, as `deployments[].id`).
    pub task_set_id: String,
    /// (cluster, service).
    pub service: (String, String),
    /// The target group its tasks are registered in.
    pub target_group: String,
    /// DescribeServiceRevisions' shape, without `resolvedConfiguration`.
    pub body: Value,
}

/// A hook run, as `lifecycleHookDetails[]` shows it.
#[derive(Clone, Debug)]
pub struct HookRun {
    /// `ecs-pause-…` or `ecs-lambda-…`.
    pub hook_id: String,
    /// `AWS_LAMBDA` or `PAUSE`.
    pub target_type: String,
    /// The Lambda ARN (none for PAUSE).
    pub target_arn: Option<String>,
    /// AWAITING_ACTION, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT.
    pub status: String,
    /// Epoch seconds.
    pub expires_at: f64,
    /// CONTINUE or ROLLBACK.
    pub timeout_action: String,
    /// The stage it runs at.
    pub stage: String,
    /// ContinueServiceDeployment's answer, when one came.
    pub action: Option<String>,
}

/// What a client asked a running deployment to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    /// StopServiceDeployment ROLLBACK.
    Rollback,
    /// StopServiceDeployment ABORT.
    Abort,
    /// A newer deployment of the same service.
    Superseded,
}

/// A service deployment.
#[derive(Clone, Debug)]
pub struct ServiceDeployment {
    /// Its ARN.
    pub arn: String,
    /// (cluster, service).
    pub service: (String, String),
    /// Source revisions' ARNs.
    pub sources: Vec<String>,
    /// Target revision's ARN.
    pub target: String,
    /// PENDING … ROLLBACK_FAILED.
    pub status: String,
    /// Why it ended as it did.
    pub status_reason: Option<String>,
    /// The lifecycle stage.
    pub stage: Option<String>,
    /// Epoch seconds.
    pub created_at: f64,
    /// Epoch seconds.
    pub started_at: Option<f64>,
    /// Epoch seconds.
    pub finished_at: Option<f64>,
    /// Epoch seconds.
    pub stopped_at: Option<f64>,
    /// Epoch seconds.
    pub updated_at: f64,
    /// `deploymentConfiguration` in effect.
    pub config: Value,
    /// `rollback{reason, startedAt, serviceRevisionArn}`.
    pub rollback: Option<Value>,
    /// Alarm monitor status, and the alarms that fired.
    pub alarms: (String, Vec<String>),
    /// Circuit breaker status and failure count.
    pub circuit_breaker: (String, i64),
    /// Hooks run so far.
    pub hooks: Vec<HookRun>,
    /// Percent of test traffic on the target revision.
    pub test_weight: f64,
    /// Percent of production traffic on the target revision.
    pub production_weight: f64,
    /// A stop request.
    pub stop: Option<Stop>,
}

impl ServiceDeployment {
    /// True once it can no longer change.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.status.as_str(),
            "SUCCESSFUL" | "STOPPED" | "ROLLBACK_SUCCESSFUL" | "ROLLBACK_FAILED"
        )
    }
}

/// Everything native.
#[derive(Default)]
pub struct NativeWorld {
    /// Rule ARN → rule.
    pub rules: BTreeMap<String, Rule>,
    /// (cluster, service) → settings, for services on a native strategy.
    pub services: BTreeMap<(String, String), NativeService>,
    /// Revision ARN → revision.
    pub revisions: BTreeMap<String, Revision>,
    /// Deployment ARN → deployment.
    pub deployments: BTreeMap<String, ServiceDeployment>,
}
