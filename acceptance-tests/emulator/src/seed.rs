//! The declarative seed: a world described in TOML (or built in Rust), applied through the emulator's own
//! APIs so a seeded world is exactly what a client could have created.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::emu::Emu;
use crate::hooks::FunctionSpec;
use crate::protocol::Service;

/// A listener of a seeded load balancer.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SeedListener {
    /// A label for the seed report, e.g. `production` or `test`.
    pub name: String,
    /// Port on 127.0.0.1 (0 = any free port).
    #[serde(default)]
    pub port: u16,
    /// The target group it forwards to.
    pub target_group: String,
    /// When set, a priority-1 rule for `/*` forwarding to these two target groups at weights 100 and 0: the
    /// listener rule an ECS-native blue/green service names and whose weights ECS moves.
    #[serde(default)]
    pub weighted_rule: Option<[String; 2]>,
}

/// A load balancer with its listeners.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SeedLoadBalancer {
    /// Name.
    pub name: String,
    /// Listeners.
    #[serde(default)]
    pub listeners: Vec<SeedListener>,
}

/// A target group.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SeedTargetGroup {
    /// Name.
    pub name: String,
    /// Health check path (default `/`).
    #[serde(default)]
    pub health_check_path: Option<String>,
}

/// An ECS service.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SeedService {
    /// Cluster.
    pub cluster: String,
    /// Name.
    pub name: String,
    /// Task definition family (latest revision) or ARN.
    pub task_definition: String,
    /// Desired tasks.
    #[serde(default = "two")]
    pub desired_count: i64,
    /// Target group of the initial task set.
    pub target_group: String,
    /// Load balancer container.
    pub container_name: String,
    /// Its port.
    pub container_port: i64,
    /// `CODE_DEPLOY` (default) or `ECS`.
    #[serde(default = "code_deploy")]
    pub controller: String,
    /// CreateService's `deploymentConfiguration`, camelCase, exactly as ECS takes it (strategy, bake time,
    /// lifecycle hooks), so a seed can hold a native blue/green service as a client would create it.
    #[serde(default)]
    pub deployment_configuration: Option<Value>,
    /// The traffic ECS moves for a native blue/green service (`loadBalancers[0].advancedConfiguration`).
    #[serde(default)]
    pub native_traffic: Option<SeedNativeTraffic>,
}

/// What an ECS-native blue/green service shifts: its idle target group and the weighted listener rules
/// (listeners with a `weighted_rule`, named `<load balancer>/<listener label>`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SeedNativeTraffic {
    /// The target group green registers in.
    pub alternate_target_group: String,
    /// The listener whose rule carries production traffic.
    pub production_listener: String,
    /// The listener whose rule carries test traffic.
    #[serde(default)]
    pub test_listener: Option<String>,
}

fn two() -> i64 {
    2
}

fn code_deploy() -> String {
    "CODE_DEPLOY".into()
}

/// A custom deployment config.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SeedDeploymentConfig {
    /// Name.
    pub name: String,
    /// `TimeBasedCanary`, `TimeBasedLinear` or `AllAtOnce`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Percentage per step.
    #[serde(default)]
    pub percentage: i64,
    /// Minutes between steps.
    #[serde(default)]
    pub interval_minutes: i64,
}

/// A deployment group.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SeedDeploymentGroup {
    /// Application.
    pub application: String,
    /// Name.
    pub name: String,
    /// Cluster of the service.
    pub cluster: String,
    /// Service.
    pub service: String,
    /// The two target groups.
    pub target_groups: [String; 2],
    /// `<load balancer>/<listener label>` of the production listener.
    pub production_listener: String,
    /// `<load balancer>/<listener label>` of the test listener.
    #[serde(default)]
    pub test_listener: Option<String>,
    /// `STOP_DEPLOYMENT` or `CONTINUE_DEPLOYMENT`.
    #[serde(default = "continue_deployment")]
    pub ready_action: String,
    /// Ready wait (with STOP_DEPLOYMENT).
    #[serde(default)]
    pub ready_wait_minutes: i64,
    /// Termination wait.
    #[serde(default)]
    pub termination_wait_minutes: i64,
    /// Deployment config.
    #[serde(default)]
    pub deployment_config: Option<String>,
    /// Alarms watched by CodeDeploy.
    #[serde(default)]
    pub alarms: Vec<String>,
    /// Auto-rollback events.
    #[serde(default)]
    pub auto_rollback_events: Vec<String>,
}

fn continue_deployment() -> String {
    "CONTINUE_DEPLOYMENT".into()
}

/// A metric alarm on the load balancer's metrics.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SeedAlarm {
    /// Name.
    pub name: String,
    /// Metric name, e.g. `HTTPCode_Target_4XX_Count`.
    pub metric: String,
    /// Namespace (default `AWS/ApplicationELB`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Load balancer name for the LoadBalancer dimension.
    #[serde(default)]
    pub load_balancer: Option<String>,
    /// Target group name for the TargetGroup dimension.
    #[serde(default)]
    pub target_group: Option<String>,
    /// Statistic (default Sum).
    #[serde(default)]
    pub statistic: Option<String>,
    /// Period in seconds (default 60).
    #[serde(default)]
    pub period: Option<i64>,
    /// Evaluation periods (default 1).
    #[serde(default)]
    pub evaluation_periods: Option<i64>,
    /// Threshold.
    pub threshold: f64,
    /// Comparison operator (default GreaterThanOrEqualToThreshold).
    #[serde(default)]
    pub comparison: Option<String>,
    /// Missing data treatment.
    #[serde(default)]
    pub treat_missing_data: Option<String>,
}

/// A whole seeded world.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Seed {
    /// Cluster names.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Target groups.
    #[serde(default)]
    pub target_groups: Vec<SeedTargetGroup>,
    /// Load balancers.
    #[serde(default)]
    pub load_balancers: Vec<SeedLoadBalancer>,
    /// RegisterTaskDefinition inputs, as ECS takes them.
    #[serde(default)]
    pub task_definitions: Vec<Value>,
    /// Services.
    #[serde(default)]
    pub services: Vec<SeedService>,
    /// Application names.
    #[serde(default)]
    pub applications: Vec<String>,
    /// Custom deployment configs.
    #[serde(default)]
    pub deployment_configs: Vec<SeedDeploymentConfig>,
    /// Deployment groups.
    #[serde(default)]
    pub deployment_groups: Vec<SeedDeploymentGroup>,
    /// Alarms.
    #[serde(default)]
    pub alarms: Vec<SeedAlarm>,
    /// Hook functions.
    #[serde(default)]
    pub functions: Vec<FunctionSpec>,
}

impl Seed {
    /// Reads a TOML seed.
    pub fn from_toml(text: &str) -> anyhow::Result<Seed> {
        Ok(toml::from_str(text)?)
    }
}

/// One listener as a client reaches it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct ListenerInfo {
    /// Its ARN.
    pub arn: String,
    /// The real port.
    pub port: u16,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

/// What seeding created, for tests and the ready file.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SeedReport {
    /// The emulator's endpoint URL.
    pub endpoint: String,
    /// `<load balancer>/<listener label>` → listener.
    pub listeners: BTreeMap<String, ListenerInfo>,
    /// Target group name → ARN.
    pub target_groups: BTreeMap<String, String>,
    /// Load balancer name → ARN.
    pub load_balancers: BTreeMap<String, String>,
    /// `<load balancer>/<listener label>` → ARN of its weighted rule (listeners seeded with one).
    #[serde(default)]
    pub listener_rules: BTreeMap<String, String>,
}

async fn call(emu: &Emu, service: Service, op: &str, input: Value) -> anyhow::Result<Value> {
    crate::services::dispatch(emu, service, op, &input)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "seeding {}.{op} failed: {}: {}",
                service.name(),
                e.code,
                e.message
            )
        })
}

/// Creates the `/*` rule of a listener forwarding to `pair` at weights 100 and 0; returns its ARN.
async fn weighted_rule(
    emu: &Emu,
    report: &SeedReport,
    listener_arn: &str,
    pair: &[String; 2],
) -> anyhow::Result<String> {
    let mut targets = Vec::new();
    for (name, weight) in pair.iter().zip([100, 0]) {
        let arn = report.target_groups.get(name).ok_or_else(|| {
            anyhow::anyhow!("weighted rule forwards to unknown target group {name}")
        })?;
        targets.push(json!({"TargetGroupArn": arn, "Weight": weight}));
    }
    let out = call(
        emu,
        Service::Elbv2,
        "CreateRule",
        json!({
            "ListenerArn": listener_arn, "Priority": 1,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
            "Actions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": targets}}],
        }),
    )
    .await?;
    Ok(out["Rules"][0]["RuleArn"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// `loadBalancers[0].advancedConfiguration` of a native service, from the names the seed gives.
fn advanced_configuration(
    report: &SeedReport,
    s: &SeedService,
    native: &SeedNativeTraffic,
) -> anyhow::Result<Value> {
    let rule = |label: &str| {
        report.listener_rules.get(label).cloned().ok_or_else(|| {
            anyhow::anyhow!(
                "service {} names listener {label}, which has no weighted_rule",
                s.name
            )
        })
    };
    let alternate = report
        .target_groups
        .get(&native.alternate_target_group)
        .cloned()
        .ok_or_else(|| {
            anyhow::anyhow!(
                "service {} names unknown alternate target group {}",
                s.name,
                native.alternate_target_group
            )
        })?;
    let mut advanced = json!({
        "alternateTargetGroupArn": alternate,
        "productionListenerRule": rule(&native.production_listener)?,
        "roleArn": format!("arn:aws:iam::{}:role/ecs-infrastructure", crate::world::ACCOUNT),
    });
    if let Some(test) = &native.test_listener {
        advanced["testListenerRule"] = json!(rule(test)?);
    }
    Ok(advanced)
}

/// Applies a seed through the APIs.
pub async fn apply(emu: &Emu, seed: &Seed) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport {
        endpoint: emu.endpoint(),
        ..SeedReport::default()
    };
    for cluster in &seed.clusters {
        call(
            emu,
            Service::Ecs,
            "CreateCluster",
            json!({"clusterName": cluster}),
        )
        .await?;
    }
    for tg in &seed.target_groups {
        let out = call(emu, Service::Elbv2, "CreateTargetGroup", json!({"Name": tg.name, "Protocol": "HTTP", "Port": 80, "TargetType": "ip", "HealthCheckPath": tg.health_check_path.clone().unwrap_or_else(|| "/".into())})).await?;
        report.target_groups.insert(
            tg.name.clone(),
            out["TargetGroups"][0]["TargetGroupArn"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    for lb in &seed.load_balancers {
        let out = call(
            emu,
            Service::Elbv2,
            "CreateLoadBalancer",
            json!({"Name": lb.name, "Type": "application"}),
        )
        .await?;
        let lb_arn = out["LoadBalancers"][0]["LoadBalancerArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        report
            .load_balancers
            .insert(lb.name.clone(), lb_arn.clone());
        for listener in &lb.listeners {
            let tg = report
                .target_groups
                .get(&listener.target_group)
                .cloned()
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "listener {} forwards to unknown target group {}",
                        listener.name,
                        listener.target_group
                    )
                })?;
            let out = call(emu, Service::Elbv2, "CreateListener", json!({"LoadBalancerArn": lb_arn, "Protocol": "HTTP", "Port": listener.port, "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]})).await?;
            let l = &out["Listeners"][0];
            let port = l["Port"].as_u64().unwrap_or(0) as u16;
            let label = format!("{}/{}", lb.name, listener.name);
            let listener_arn = l["ListenerArn"].as_str().unwrap_or_default().to_string();
            if let Some(pair) = &listener.weighted_rule {
                let rule = weighted_rule(emu, &report, &listener_arn, pair).await?;
                report.listener_rules.insert(label.clone(), rule);
            }
            report.listeners.insert(
                label,
                ListenerInfo {
                    arn: listener_arn,
                    port,
                    url: format!("http://127.0.0.1:{port}"),
                },
            );
        }
    }
    for td in &seed.task_definitions {
        call(emu, Service::Ecs, "RegisterTaskDefinition", td.clone()).await?;
    }
    for s in &seed.services {
        let tg = report
            .target_groups
            .get(&s.target_group)
            .cloned()
            .unwrap_or_else(|| s.target_group.clone());
        let mut load_balancer = json!({"targetGroupArn": tg, "containerName": s.container_name, "containerPort": s.container_port});
        if let Some(native) = &s.native_traffic {
            load_balancer["advancedConfiguration"] = advanced_configuration(&report, s, native)?;
        }
        let mut input = json!({
            "cluster": s.cluster, "serviceName": s.name, "taskDefinition": s.task_definition, "desiredCount": s.desired_count,
            "deploymentController": {"type": s.controller}, "launchType": "FARGATE",
            "loadBalancers": [load_balancer],
        });
        if let Some(config) = &s.deployment_configuration {
            input["deploymentConfiguration"] = config.clone();
        }
        call(emu, Service::Ecs, "CreateService", input).await?;
    }
    for app in &seed.applications {
        call(
            emu,
            Service::CodeDeploy,
            "CreateApplication",
            json!({"applicationName": app, "computePlatform": "ECS"}),
        )
        .await?;
    }
    for c in &seed.deployment_configs {
        let routing = match c.kind.as_str() {
            "TimeBasedCanary" => {
                json!({"type": c.kind, "timeBasedCanary": {"canaryPercentage": c.percentage, "canaryInterval": c.interval_minutes}})
            }
            "TimeBasedLinear" => {
                json!({"type": c.kind, "timeBasedLinear": {"linearPercentage": c.percentage, "linearInterval": c.interval_minutes}})
            }
            _ => json!({"type": "AllAtOnce"}),
        };
        call(emu, Service::CodeDeploy, "CreateDeploymentConfig", json!({"deploymentConfigName": c.name, "computePlatform": "ECS", "trafficRoutingConfig": routing})).await?;
    }
    for a in &seed.alarms {
        let mut dimensions = Vec::new();
        if let Some(lb) = &a.load_balancer {
            let arn = report.load_balancers.get(lb).cloned().unwrap_or_default();
            dimensions.push(json!({"Name": "LoadBalancer", "Value": arn.split_once(":loadbalancer/").map(|(_, r)| r).unwrap_or_default()}));
        }
        if let Some(tg) = &a.target_group {
            let arn = report.target_groups.get(tg).cloned().unwrap_or_default();
            dimensions.push(json!({"Name": "TargetGroup", "Value": arn.split_once(":targetgroup/").map(|(_, r)| format!("targetgroup/{r}")).unwrap_or_default()}));
        }
        let mut input = json!({
            "AlarmName": a.name, "MetricName": a.metric, "Namespace": a.namespace.clone().unwrap_or_else(|| "AWS/ApplicationELB".into()),
            "Statistic": a.statistic.clone().unwrap_or_else(|| "Sum".into()), "Period": a.period.unwrap_or(60),
            "EvaluationPeriods": a.evaluation_periods.unwrap_or(1), "Threshold": a.threshold,
            "ComparisonOperator": a.comparison.clone().unwrap_or_else(|| "GreaterThanOrEqualToThreshold".into()), "Dimensions": dimensions,
        });
        if let Some(t) = &a.treat_missing_data {
            input["TreatMissingData"] = json!(t);
        }
        call(emu, Service::CloudWatch, "PutMetricAlarm", input).await?;
    }
    for g in &seed.deployment_groups {
        let listener = |name: &str| {
            report
                .listeners
                .get(name)
                .map(|l| l.arn.clone())
                .ok_or_else(|| {
                    anyhow::anyhow!("deployment group {} names unknown listener {name}", g.name)
                })
        };
        let mut route = json!({
            "targetGroups": [{"name": g.target_groups[0]}, {"name": g.target_groups[1]}],
            "prodTrafficRoute": {"listenerArns": [listener(&g.production_listener)?]},
        });
        if let Some(test) = &g.test_listener {
            route["testTrafficRoute"] = json!({"listenerArns": [listener(test)?]});
        }
        let mut ready = json!({"actionOnTimeout": g.ready_action});
        if g.ready_action == "STOP_DEPLOYMENT" {
            ready["waitTimeInMinutes"] = json!(g.ready_wait_minutes);
        }
        let mut input = json!({
            "applicationName": g.application, "deploymentGroupName": g.name,
            "serviceRoleArn": format!("arn:aws:iam::{}:role/ecsCodeDeployRole", crate::world::ACCOUNT),
            "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            "ecsServices": [{"clusterName": g.cluster, "serviceName": g.service}],
            "loadBalancerInfo": {"targetGroupPairInfoList": [route]},
            "blueGreenDeploymentConfiguration": {
                "deploymentReadyOption": ready,
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": g.termination_wait_minutes},
            },
            "alarmConfiguration": {"enabled": !g.alarms.is_empty(), "ignorePollAlarmFailure": false, "alarms": g.alarms.iter().map(|a| json!({"name": a})).collect::<Vec<_>>()},
            "autoRollbackConfiguration": {"enabled": !g.auto_rollback_events.is_empty(), "events": g.auto_rollback_events},
        });
        if let Some(c) = &g.deployment_config {
            input["deploymentConfigName"] = json!(c);
        }
        call(emu, Service::CodeDeploy, "CreateDeploymentGroup", input).await?;
    }
    Ok(report)
}
