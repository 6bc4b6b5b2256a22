//! The `ecsbg_deployment` schema, with the Markdown descriptions the registry docs are generated from.

use crate::plugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::plugin::value::Type;

/// The resource's schema.
pub fn schema() -> Schema {
    let strings = Type::list(Type::String);
    let http = vec![
        Attribute::required(
            "path",
            Type::String,
            "Path (and query) requested on the test listener, e.g. `/health`.",
        ),
        Attribute::optional("method", Type::String, "HTTP method. Default `GET`."),
        Attribute::optional("headers", Type::map(Type::String), "Request headers."),
        Attribute::optional(
            "expect_status",
            Type::Number,
            "The status that passes. Default `200`.",
        ),
        Attribute::optional(
            "body_regex",
            Type::String,
            "A regular expression the response body must match.",
        ),
        Attribute::optional(
            "attempts",
            Type::Number,
            "Attempts before the check fails (green may still be warming up). Default `3`.",
        ),
        Attribute::optional(
            "interval",
            Type::String,
            "Pause between attempts. Default `2s`.",
        ),
        Attribute::optional(
            "timeout",
            Type::String,
            "Per-request timeout. Default `10s`.",
        ),
    ];
    let command = vec![
        Attribute::required("argv", strings.clone(), "Program and arguments, run without a shell (use `[\"sh\", \"-c\", \"...\"]` to ask for one)."),
        Attribute::optional("env", Type::map(Type::String), "Environment added to `TEST_URL`, `DEPLOYMENT_ID`, `TASK_DEFINITION_ARN` and `PATH`; nothing else of the provider's environment (no AWS credentials) is passed."),
        Attribute::optional("working_dir", Type::String, "Working directory. Default: Terraform's."),
        Attribute::optional("timeout", Type::String, "The command is killed and fails after this long. Default `5m`."),
    ];
    Schema {
        version: 0,
        block: Block {
            description: "Runs an AWS CodeDeploy blue/green rollout of an ECS service on `terraform apply`: registers the task definition when its content really changed, deploys green, runs the `test_gate` against the test listener while CodeDeploy holds production traffic, shifts traffic as the deployment config says, watches `alarms` through a `bake_time`, and either succeeds or rolls back and fails the apply with an account of why. `terraform plan` shows the task definition diff in words. Destroying the resource only forgets it: the service keeps serving.".into(),
            attributes: vec![
                Attribute::required("application_name", Type::String, "CodeDeploy application. Changing it forces a new resource."),
                Attribute::required("deployment_group_name", Type::String, "CodeDeploy deployment group (ECS, blue/green). The provider reads the cluster, service, target groups, listeners, ready option, termination wait and alarms from it. Changing it forces a new resource."),
                Attribute::optional_computed("task_definition", Type::String, "The task definition as JSON, in the format of `aws ecs register-task-definition --cli-input-json` (`jsonencode({...})` or `file(\"taskdef.json\")`). A new revision is registered only when the content really differs from what serves production. Exactly one of `task_definition` and `task_definition_arn`."),
                Attribute::optional_computed("task_definition_arn", Type::String, "A task definition revision registered elsewhere (e.g. by `aws_ecs_task_definition`) to deploy. When `task_definition` is used instead, this is the revision serving production."),
                Attribute::optional_computed("container_name", Type::String, "AppSpec `LoadBalancerInfo.ContainerName`. Default: the service's load balancer container."),
                Attribute::optional_computed("container_port", Type::Number, "AppSpec `LoadBalancerInfo.ContainerPort`. Default: the service's load balancer port."),
                Attribute::optional("platform_version", Type::String, "AppSpec `PlatformVersion` (Fargate)."),
                Attribute::optional("deployment_config_name", Type::String, "Deployment config for this rollout (all at once, canary, linear). Default: the group's."),
                Attribute::optional("alarms", strings.clone(), "CloudWatch alarms passed to CodeDeploy for this deployment and watched by the provider. Default: the group's."),
                Attribute::optional("bake_time", Type::String, "How long to keep watching the alarms after production traffic has moved. An alarm inside the termination wait stops the deployment with rollback; past it, the previous task definition is deployed again. Default `0s`."),
                Attribute::optional("on_interrupt", Type::String, "What Ctrl-C or SIGTERM to Terraform (or a timeout) does mid-rollout: `rollback` (stop with rollback; default) or `detach` (leave it running; the next apply adopts it)."),
                Attribute::optional("wait_for", Type::String, "`succeeded` (default: return after CodeDeploy's Succeeded) or `traffic_shifted` (return once production is fully on green and the bake time passed; CodeDeploy finishes the termination wait)."),
                Attribute::computed("id", Type::String, "`<application>:<deployment group>`."),
                Attribute::computed("cluster_name", Type::String, "The ECS cluster, from the deployment group."),
                Attribute::computed("service_name", Type::String, "The ECS service, from the deployment group."),
                Attribute::computed("previous_task_definition_arn", Type::String, "The revision that served production before the last rollout."),
                Attribute::computed("deployment_id", Type::String, "The last rollout's CodeDeploy deployment."),
                Attribute::computed("status", Type::String, "How the last rollout ended: `Succeeded`, `TrafficShifted`, `RolledBack`, `Failed`, `Detached`, `Blocked`."),
                Attribute::computed("test_listener_url", Type::String, "The test listener's URL the gate uses."),
                Attribute::computed("timeline", Type::list(Type::String), "The last rollout's timeline: lifecycle transitions, traffic weights, gate results, alarms."),
            ],
            blocks: vec![
                single("network_configuration", "AppSpec `NetworkConfiguration.AwsvpcConfiguration` for the green task set. Default: the service's.", vec![
                    Attribute::required("subnets", strings.clone(), "Subnet ids."),
                    Attribute::optional("security_groups", strings.clone(), "Security group ids."),
                    Attribute::optional("assign_public_ip", Type::String, "`ENABLED` or `DISABLED`."),
                ], vec![]),
                list("capacity_provider_strategy", "AppSpec `CapacityProviderStrategy` for the green task set.", vec![
                    Attribute::required("capacity_provider", Type::String, "Capacity provider name."),
                    Attribute::optional("weight", Type::Number, "Relative weight. Default `1`."),
                    Attribute::optional("base", Type::Number, "Tasks placed here first. Default `0`."),
                ]),
                single("hooks", "Lambda hooks passed through the AppSpec, run by CodeDeploy.", ["before_install", "after_install", "after_allow_test_traffic", "before_allow_traffic", "after_allow_traffic"]
                    .into_iter()
                    .map(|h| Attribute::optional(h, Type::String, "Lambda function (name or ARN) CodeDeploy invokes at this lifecycle event."))
                    .collect(), vec![]),
                single("test_gate", "Tests the provider itself runs against the test listener while CodeDeploy holds production traffic (the Ready wait). All pass: production traffic moves. Any fails: the deployment is stopped and rolled back, and the apply fails naming the check, what it expected and what it got. Needs a deployment group whose `deployment_ready_option` is `STOP_DEPLOYMENT`.",
                    vec![Attribute::optional("url", Type::String, "Base URL of the test listener. Default: discovered from the deployment group's test listener.")],
                    vec![
                        list("http", "An HTTP check against the test listener.", http),
                        list("command", "A command that receives `TEST_URL`, `DEPLOYMENT_ID` and `TASK_DEFINITION_ARN` in its environment; exit status 0 passes.", command),
                    ]),
                single("timeouts", "How long a rollout may take before it is treated as interrupted (`on_interrupt`).", vec![
                    Attribute::optional("create", Type::String, "Longest a rollout on create may take. Default `60m`."),
                    Attribute::optional("update", Type::String, "Longest a rollout on update may take. Default `60m`."),
                ], vec![]),
            ],
            deprecated: false,
        },
    }
}

fn single(
    name: &str,
    description: &str,
    attributes: Vec<Attribute>,
    blocks: Vec<NestedBlock>,
) -> NestedBlock {
    NestedBlock {
        type_name: name.into(),
        nesting: Nesting::Single,
        min_items: 0,
        max_items: 0,
        block: Block {
            description: description.into(),
            attributes,
            blocks,
            deprecated: false,
        },
    }
}

fn list(name: &str, description: &str, attributes: Vec<Attribute>) -> NestedBlock {
    NestedBlock {
        type_name: name.into(),
        nesting: Nesting::List,
        min_items: 0,
        max_items: 0,
        block: Block {
            description: description.into(),
            attributes,
            blocks: vec![],
            deprecated: false,
        },
    }
}
