//! Every top-level attribute name of `ecsbg_deployment`, once. The schema, the configuration parser, the
//! state model and the diagnostics' attribute paths all use these constants, so a misspelt name is a
//! compile error rather than an attribute Terraform never sees.

/// CodeDeploy application (forces replacement).
pub const APPLICATION_NAME: &str = "application_name";
/// CodeDeploy deployment group (forces replacement).
pub const DEPLOYMENT_GROUP_NAME: &str = "deployment_group_name";
/// The task definition JSON.
pub const TASK_DEFINITION: &str = "task_definition";
/// The revision to deploy, or the one serving production.
pub const TASK_DEFINITION_ARN: &str = "task_definition_arn";
/// AppSpec container name.
pub const CONTAINER_NAME: &str = "container_name";
/// AppSpec container port.
pub const CONTAINER_PORT: &str = "container_port";
/// AppSpec platform version.
pub const PLATFORM_VERSION: &str = "platform_version";
/// Deployment config override.
pub const DEPLOYMENT_CONFIG_NAME: &str = "deployment_config_name";
/// Alarms watched.
pub const ALARMS: &str = "alarms";
/// Environment names never shown.
pub const SENSITIVE_ENVIRONMENT: &str = "sensitive_environment";
/// Bake time.
pub const BAKE_TIME: &str = "bake_time";
/// Interrupt behaviour.
pub const ON_INTERRUPT: &str = "on_interrupt";
/// When apply returns.
pub const WAIT_FOR: &str = "wait_for";
/// Arbitrary values whose change rolls out the same content again.
pub const REDEPLOY_TRIGGERS: &str = "redeploy_triggers";
/// `<application>:<group>`.
pub const ID: &str = "id";
/// ECS cluster (the native engine's input; computed from the group for CodeDeploy).
pub const CLUSTER_NAME: &str = "cluster_name";
/// ECS service (the native engine's input; computed from the group for CodeDeploy).
pub const SERVICE_NAME: &str = "service_name";
/// The revision that served before the last rollout (computed).
pub const PREVIOUS_TASK_DEFINITION_ARN: &str = "previous_task_definition_arn";
/// The last rollout's deployment (computed).
pub const DEPLOYMENT_ID: &str = "deployment_id";
/// How the last rollout ended (computed).
pub const STATUS: &str = "status";
/// The test listener's URL (computed).
pub const TEST_LISTENER_URL: &str = "test_listener_url";
/// The last rollout's timeline (computed).
pub const TIMELINE: &str = "timeline";
/// Block: AppSpec network configuration.
pub const NETWORK_CONFIGURATION: &str = "network_configuration";
/// Block: AppSpec capacity provider strategy.
pub const CAPACITY_PROVIDER_STRATEGY: &str = "capacity_provider_strategy";
/// Block: Lambda hooks.
pub const HOOKS: &str = "hooks";
/// Block: the test gate.
pub const TEST_GATE: &str = "test_gate";
/// Block: timeouts.
pub const TIMEOUTS: &str = "timeouts";

/// Attributes whose change means a new AppSpec, hence a deployment.
pub const APPSPEC: [&str; 6] = [
    CONTAINER_NAME,
    CONTAINER_PORT,
    PLATFORM_VERSION,
    NETWORK_CONFIGURATION,
    CAPACITY_PROVIDER_STRATEGY,
    HOOKS,
];

/// The hook attributes, each with the AppSpec lifecycle event it hooks.
pub const HOOK_EVENTS: [(&str, &str); 5] = [
    ("before_install", "BeforeInstall"),
    ("after_install", "AfterInstall"),
    ("after_allow_test_traffic", "AfterAllowTestTraffic"),
    ("before_allow_traffic", "BeforeAllowTraffic"),
    ("after_allow_traffic", "AfterAllowTraffic"),
];
