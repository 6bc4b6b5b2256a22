//! `ecsbg_deployment`: plan shows what will ship, apply runs the blue/green rollout, refresh tells what
//! actually serves production, import adopts a service.

mod aws_read;
mod batched;
mod config;
mod preflight;
mod schema;

use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::resource::{
    ApplyRequest, ApplyResponse, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, RequestContext, ResourceType,
};
use crate::plugin::schema::Schema;
use crate::plugin::value::{Number, Value};
use crate::provider::aws::AwsClients;
use crate::provider::ProviderState;
use crate::rollout::appspec::AppSpec;
use crate::rollout::gate::{Gate, NoGate};
use crate::rollout::{Outcome, RolloutSpec};
use crate::taskdef;

use aws_read::{describe_task_definition, register_task_definition, resolve_group, GroupInfo};
use config::{Config, Source};

/// Attributes whose change means a new AppSpec, hence a deployment.
const APPSPEC_ATTRIBUTES: [&str; 6] = [
    "container_name",
    "container_port",
    "platform_version",
    "network_configuration",
    "capacity_provider_strategy",
    "hooks",
];

/// The resource type.
pub struct DeploymentResource {
    state: ProviderState,
    cache: std::sync::Mutex<Cache>,
    readers: batched::Readers,
}

/// What one provider process remembers between Terraform's calls: the deployment group as Read just saw it
/// (so the Plan that follows in the same run does not ask AWS again), and task definition revisions by ARN
/// (immutable, so safe to keep).
#[derive(Default)]
struct Cache {
    groups: std::collections::HashMap<(String, String), (std::time::Instant, GroupInfo)>,
    revisions: std::collections::HashMap<String, serde_json::Value>,
    /// Deployment configs by name → compute platform (configs cannot be changed, only deleted).
    configs: std::collections::HashMap<String, String>,
    /// Hook functions already found to exist (a plan of many resources naming one function asks once).
    functions: std::collections::HashSet<String>,
}

/// How long a deployment group read stays good for a following Plan.
const GROUP_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl DeploymentResource {
    /// The schema without a provider, for the docs generator.
    pub fn schema_only() -> Schema {
        schema::schema()
    }

    /// A resource using the provider's AWS clients.
    pub fn new(state: ProviderState) -> Self {
        DeploymentResource {
            state,
            cache: std::sync::Mutex::new(Cache::default()),
            readers: batched::Readers::default(),
        }
    }
}

fn string(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

fn opt_string(s: Option<String>) -> Value {
    s.map(Value::String).unwrap_or(Value::Null)
}

/// Fills what the deployment group tells: id, cluster, service, test URL, container defaults.
fn fill_group(state: &mut Value, cfg: &Config, group: &GroupInfo) {
    fill_group_for(
        state,
        &cfg.application_name,
        &cfg.deployment_group_name,
        cfg.gate_url.clone(),
        group,
    );
}

/// [`fill_group`] without a parsed configuration (import has none).
fn fill_group_for(
    state: &mut Value,
    application: &str,
    group_name: &str,
    gate_url: Option<String>,
    group: &GroupInfo,
) {
    state.set("id", string(format!("{application}:{group_name}")));
    state.set("cluster_name", string(&group.cluster));
    state.set("service_name", string(&group.service));
    state.set(
        "test_listener_url",
        opt_string(gate_url.or_else(|| group.test_url.clone())),
    );
    if state.get("container_name").is_null() || state.get("container_name").is_unknown() {
        state.set("container_name", opt_string(group.container_name.clone()));
    }
    if state.get("container_port").is_null() || state.get("container_port").is_unknown() {
        state.set(
            "container_port",
            group
                .container_port
                .map(|p| Value::Number(Number::Int(p)))
                .unwrap_or(Value::Null),
        );
    }
}

/// The user's JSON equals what ECS returned, once both are normalised.
fn same_task_definition(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    taskdef::normalize(a) == taskdef::normalize(b)
}

/// The exact HCL that makes a deployment group hold traffic for the gate.
const HOLD_TRAFFIC_HCL: &str = r#"resource "aws_codedeploy_deployment_group" "this" {
  # ...
  blue_green_deployment_config {
    deployment_ready_option {
      action_on_timeout    = "STOP_DEPLOYMENT"
      wait_time_in_minutes = 60
    }
    # ...
  }
}"#;

fn appspec_changed(prior: &Value, planned: &Value) -> bool {
    !prior.is_null()
        && APPSPEC_ATTRIBUTES
            .iter()
            .any(|a| prior.get(a) != planned.get(a))
}

fn outcome_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Succeeded => "Succeeded",
        Outcome::TrafficShifted => "TrafficShifted",
        Outcome::RolledBack { .. } => "RolledBack",
        Outcome::Failed { .. } => "Failed",
        Outcome::Detached => "Detached",
        Outcome::Blocked { .. } => "Blocked",
    }
}

/// Private state: the deployment an interrupted apply left running, for the next apply to adopt.
fn in_flight(private: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(private).ok()?["in_flight"]
        .as_str()
        .map(str::to_string)
}

impl DeploymentResource {
    async fn clients(&self) -> Result<AwsClients, Diagnostics> {
        self.state.clients().await
    }

    /// The AWS clients and what the deployment group points at: every operation starts here. `paced`: the
    /// group read takes its turn with the rollouts' CodeDeploy calls (apply, where an unpaced burst of fifty
    /// reads would be throttled and slow the rollouts' pace), or not (refresh, plan, import).
    async fn connect(
        &self,
        application: &str,
        group: &str,
        paced: bool,
    ) -> Result<(AwsClients, GroupInfo), Diagnostics> {
        let clients = self.clients().await?;
        let info = resolve_group(&clients, &self.readers, application, group, paced).await?;
        self.lock_cache().groups.insert(
            (application.to_string(), group.to_string()),
            (std::time::Instant::now(), info.clone()),
        );
        Ok((clients, info))
    }

    /// Like [`connect`](Self::connect), but reuses what a Read of the same run saw moments ago.
    async fn connect_for_plan(
        &self,
        application: &str,
        group: &str,
    ) -> Result<(AwsClients, GroupInfo), Diagnostics> {
        let cached = self
            .lock_cache()
            .groups
            .get(&(application.to_string(), group.to_string()))
            .filter(|(at, _)| at.elapsed() < GROUP_CACHE_TTL)
            .map(|(_, info)| info.clone());
        match cached {
            Some(info) => Ok((self.clients().await?, info)),
            None => self.connect(application, group, false).await,
        }
    }

    /// A task definition as ECS returns it; revisions named by full ARN are immutable and kept.
    async fn task_definition(
        &self,
        clients: &AwsClients,
        reference: &str,
    ) -> Result<serde_json::Value, String> {
        let by_revision = reference.contains(":task-definition/")
            && reference
                .rsplit(':')
                .next()
                .is_some_and(|r| r.parse::<u64>().is_ok());
        if by_revision {
            if let Some(json) = self.lock_cache().revisions.get(reference) {
                return Ok(json.clone());
            }
        }
        let json = describe_task_definition(clients, reference).await?;
        if by_revision {
            self.lock_cache()
                .revisions
                .insert(reference.to_string(), json.clone());
        }
        Ok(json)
    }

    /// The alarms and deployment config the configuration names must exist (checked at plan, so a typo
    /// never reaches an apply).
    async fn check_references(&self, clients: &AwsClients, cfg: &Config) -> Option<Diagnostics> {
        let mut d = Diagnostics::new();
        for (i, name) in cfg.alarms.iter().enumerate() {
            match self.readers.alarm(clients, name).await {
                Ok(Some(_)) => {}
                Ok(None) => d.attribute_error(
                    AttributePath::root("alarms").index(i),
                    "Unknown alarm",
                    format!("CloudWatch has no metric alarm {name:?} in this account and region, so CodeDeploy could not watch it."),
                ),
                Err(err) => tracing::warn!(alarm = %name, error = %err, "could not check the alarm"),
            }
        }
        for (event, attribute, function) in cfg.hooks.with_attributes() {
            if self.lock_cache().functions.contains(function) {
                continue;
            }
            match clients
                .lambda
                .get_function()
                .function_name(function)
                .send()
                .await
            {
                Ok(_) => {
                    self.lock_cache().functions.insert(function.to_string());
                }
                Err(err) => {
                    use aws_sdk_lambda::error::ProvideErrorMetadata;
                    if err.as_service_error().and_then(|e| e.code())
                        == Some("ResourceNotFoundException")
                    {
                        d.attribute_error(
                            AttributePath::root("hooks").attr(attribute),
                            "Unknown Lambda function",
                            format!("Lambda has no function {function:?} in this account and region, so CodeDeploy's {event} lifecycle event would fail and roll the deployment back. Deploy the function first, or fix the name."),
                        );
                    } else {
                        // Without lambda:GetFunction the check cannot be made; CodeDeploy still reports a
                        // missing function in the lifecycle event at apply.
                        tracing::warn!(function = %function, error = %aws_sdk_lambda::error::DisplayErrorContext(&err), "could not check the hook function");
                    }
                }
            }
        }
        if let Some(name) = &cfg.deployment_config_name {
            let known = self.lock_cache().configs.get(name).cloned();
            let platform = match known {
                Some(p) => Some(p),
                None => {
                    let answer = clients
                        .codedeploy
                        .get_deployment_config()
                        .deployment_config_name(name)
                        .send()
                        .await;
                    match answer {
                        Ok(out) => {
                            let p = out
                                .deployment_config_info()
                                .and_then(|i| i.compute_platform())
                                .map(|p| p.as_str().to_string())
                                .unwrap_or_default();
                            self.lock_cache().configs.insert(name.clone(), p.clone());
                            Some(p)
                        }
                        Err(err) => {
                            use aws_sdk_codedeploy::error::ProvideErrorMetadata;
                            if err.as_service_error().and_then(|e| e.code())
                                == Some("DeploymentConfigDoesNotExistException")
                            {
                                d.attribute_error(
                                AttributePath::root("deployment_config_name"),
                                "Unknown deployment config",
                                format!("CodeDeploy has no deployment config {name:?}. The predefined ECS ones are CodeDeployDefault.ECSAllAtOnce, ECSCanary10Percent5Minutes, ECSCanary10Percent15Minutes, ECSLinear10PercentEvery1Minutes and ECSLinear10PercentEvery3Minutes."),
                            );
                            }
                            None
                        }
                    }
                }
            };
            if let Some(p) = platform.filter(|p| !p.is_empty() && p != "ECS") {
                d.attribute_error(
                    AttributePath::root("deployment_config_name"),
                    "Not an ECS deployment config",
                    format!("{name:?} is for the {p} compute platform; an ECS deployment group needs an ECS config."),
                );
            }
        }
        d.has_errors().then_some(d)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl ResourceType for DeploymentResource {
    fn type_name(&self) -> &'static str {
        "ecsbg_deployment"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, _ctx: &RequestContext, config: &Value) -> Diagnostics {
        config::parse(config).1
    }

    async fn plan(&self, _ctx: &RequestContext, req: PlanRequest) -> PlanResponse {
        let mut resp = PlanResponse {
            planned_state: req.proposed_new_state.clone(),
            planned_private: req.prior_private.clone(),
            ..PlanResponse::default()
        };
        if req.proposed_new_state.is_null() {
            return resp;
        }
        let (cfg, diags) = config::parse(&req.config);
        resp.diagnostics.extend(diags);
        if resp.diagnostics.has_errors() {
            return resp;
        }
        let prior = &req.prior_state;
        let planned = &mut resp.planned_state;
        for attr in ["application_name", "deployment_group_name"] {
            if !prior.is_null() && prior.get(attr) != planned.get(attr) {
                resp.requires_replace.push(AttributePath::root(attr));
            }
        }
        if req.config.get("application_name").is_unknown()
            || req.config.get("deployment_group_name").is_unknown()
        {
            for a in [
                "id",
                "cluster_name",
                "service_name",
                "test_listener_url",
                "task_definition_arn",
                "deployment_id",
                "status",
                "timeline",
                "previous_task_definition_arn",
            ] {
                planned.set(a, Value::Unknown);
            }
            return resp;
        }
        let (clients, group) = match self
            .connect_for_plan(&cfg.application_name, &cfg.deployment_group_name)
            .await
        {
            Ok(pair) => pair,
            Err(d) => {
                resp.diagnostics.extend(d);
                return resp;
            }
        };
        if cfg.gate.is_some() && !group.holds_traffic {
            resp.diagnostics.attribute_error(
                AttributePath::root("test_gate"),
                "The deployment group does not hold traffic for tests",
                format!("Deployment group {:?} moves production traffic to green at once (deployment_ready_option CONTINUE_DEPLOYMENT), so there is no moment to run the test gate before production is affected. Make the group hold traffic:\n\n{HOLD_TRAFFIC_HCL}", cfg.deployment_group_name),
            );
            return resp;
        }
        if let Some(d) = self.check_references(&clients, &cfg).await {
            resp.diagnostics.extend(d);
            return resp;
        }
        fill_group(planned, &cfg, &group);
        if let (Source::Json(td), None) = (&cfg.source, &cfg.container_name) {
            if let Some(name) = &group.container_name {
                if !taskdef::container_names(td).contains(name) {
                    resp.diagnostics.attribute_error(AttributePath::root("task_definition"), "Load balancer container missing", format!("The service's load balancer sends traffic to container {name:?}, which this task definition does not have. Add it, or set `container_name`."));
                    return resp;
                }
            }
        }
        let live_arn = group.live_task_definition.clone();
        // State records the content of the revision it names (revisions are immutable), so when production
        // still runs that revision the prior state answers without DescribeTaskDefinition.
        let prior_live_json = prior
            .get("task_definition")
            .as_str()
            .filter(|_| {
                live_arn.is_some()
                    && prior.get("task_definition_arn").as_str() == live_arn.as_deref()
            })
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
        let live_json = match (&live_arn, prior_live_json) {
            (_, Some(json)) => Some(json),
            (Some(arn), None) => self.task_definition(&clients, arn).await.ok(),
            (None, None) => None,
        };
        let mut deploy;
        let mut summary = Vec::new();
        match &cfg.source {
            Source::Unknown => {
                deploy = true;
                planned.set("task_definition_arn", Value::Unknown);
            }
            Source::Json(user) => {
                if let Some(prior_td) = prior
                    .get("task_definition")
                    .as_str()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                {
                    if same_task_definition(&prior_td, user) {
                        planned.set("task_definition", prior.get("task_definition").clone());
                    }
                }
                if let Some(pinned) = &cfg.pinned_arn {
                    let pinned_json = self.task_definition(&clients, pinned).await.ok();
                    if !pinned_json
                        .as_ref()
                        .is_some_and(|p| same_task_definition(p, user))
                    {
                        resp.diagnostics.attribute_error(
                            AttributePath::root("task_definition_arn"),
                            "Conflicting task definitions",
                            format!("task_definition_arn {pinned} does not hold the content of task_definition, so it is unclear which to deploy. Set only one, not both: delete the `task_definition_arn` line to deploy the JSON (a block generated by `terraform plan -generate-config-out` carries both), or the `task_definition` line to deploy that revision."),
                        );
                        return resp;
                    }
                }
                deploy = match &cfg.pinned_arn {
                    Some(pinned) => Some(pinned) != live_arn.as_ref(),
                    None => !live_json
                        .as_ref()
                        .is_some_and(|live| same_task_definition(live, user)),
                };
                if let Some(pinned) = &cfg.pinned_arn {
                    planned.set("task_definition_arn", string(pinned));
                    if deploy {
                        summary = taskdef::summarize(
                            live_json.as_ref().unwrap_or(&serde_json::json!({})),
                            user,
                            &cfg.sensitive_environment,
                        );
                    }
                } else if deploy {
                    planned.set("task_definition_arn", Value::Unknown);
                    summary = taskdef::summarize(
                        live_json.as_ref().unwrap_or(&serde_json::json!({})),
                        user,
                        &cfg.sensitive_environment,
                    );
                } else {
                    planned.set("task_definition_arn", opt_string(live_arn.clone()));
                }
            }
            Source::Arn(arn) => {
                deploy = Some(arn) != live_arn.as_ref();
                if deploy {
                    planned.set("task_definition", Value::Unknown);
                    if let (Some(live), Ok(next)) =
                        (&live_json, self.task_definition(&clients, arn).await)
                    {
                        summary = taskdef::summarize(live, &next, &cfg.sensitive_environment);
                    }
                } else if prior.is_null() || prior.get("task_definition").is_null() {
                    planned.set(
                        "task_definition",
                        opt_string(live_json.as_ref().map(taskdef::canonical_json)),
                    );
                } else {
                    planned.set("task_definition", prior.get("task_definition").clone());
                }
            }
        }
        deploy = deploy || appspec_changed(prior, planned);
        if deploy {
            for a in ["deployment_id", "status", "timeline"] {
                planned.set(a, Value::Unknown);
            }
            planned.set("previous_task_definition_arn", opt_string(live_arn.clone()));
            let service = format!("{}/{}", group.cluster, group.service);
            if !summary.is_empty() {
                resp.diagnostics.warning(
                    format!("ecsbg_deployment will roll out to {service}"),
                    summary.join("\n"),
                );
            }
            let alarms = if cfg.alarms.is_empty() {
                group.alarms.clone()
            } else {
                cfg.alarms.clone()
            };
            let mut firing = Vec::new();
            for name in &alarms {
                if let Ok(Some((state, reason))) = self.readers.alarm(&clients, name).await {
                    if state == "ALARM" {
                        firing.push(format!("alarm '{name}' is in ALARM ({reason})"));
                    }
                }
            }
            if !firing.is_empty() {
                resp.diagnostics.attribute_warning(AttributePath::root("alarms"), "An alarm is already in ALARM", format!("{}. CodeDeploy would stop the rollout at once, so the apply will refuse to start it. Fix what the alarm reports, or watch different alarms with `alarms`.", firing.join("; ")));
            }
        } else {
            for a in [
                "deployment_id",
                "status",
                "timeline",
                "previous_task_definition_arn",
            ] {
                planned.set(
                    a,
                    if prior.is_null() {
                        Value::Null
                    } else {
                        prior.get(a).clone()
                    },
                );
            }
        }
        resp
    }

    async fn apply(&self, ctx: &RequestContext, req: ApplyRequest) -> ApplyResponse {
        let mut resp = ApplyResponse {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            ..ApplyResponse::default()
        };
        if req.planned_state.is_null() {
            // Destroy forgets the resource; the service keeps serving what it serves.
            resp.new_state = Value::Null;
            resp.private = Vec::new();
            return resp;
        }
        let (cfg, diags) = config::parse(&req.config);
        resp.diagnostics.extend(diags);
        if resp.diagnostics.has_errors() {
            return resp;
        }
        let (clients, group) = match self
            .connect(&cfg.application_name, &cfg.deployment_group_name, true)
            .await
        {
            Ok(pair) => pair,
            Err(d) => {
                resp.diagnostics.extend(d);
                return resp;
            }
        };
        let mut state = req.planned_state.clone();
        fill_group(&mut state, &cfg, &group);
        let live_before = group.live_task_definition.clone();
        // What to deploy: an existing revision (live, the family's latest identical one, or the given ARN),
        // or None when the user's JSON must be registered first — which waits until the pre-flight passed,
        // so a refused rollout changes nothing in AWS.
        let existing: Option<String> = match &cfg.source {
            Source::Json(_) if cfg.pinned_arn.is_some() => cfg.pinned_arn.clone(),
            Source::Json(user) => {
                let live_json = match &live_before {
                    Some(arn) => self.task_definition(&clients, arn).await.ok(),
                    None => None,
                };
                // The family's latest revision may already hold this content (an earlier apply that was
                // interrupted, killed, or rolled back): reuse it rather than registering a duplicate, so an
                // in-flight deployment of it is recognised and adopted.
                let family = user["family"].as_str().unwrap_or_default().to_string();
                let latest = describe_task_definition(&clients, &family).await.ok();
                let reusable = latest
                    .as_ref()
                    .filter(|l| same_task_definition(l, user))
                    .and_then(|l| l["taskDefinitionArn"].as_str())
                    .map(str::to_string);
                match (&live_before, live_json) {
                    (Some(arn), Some(live)) if same_task_definition(&live, user) => {
                        Some(arn.clone())
                    }
                    _ => reusable,
                }
            }
            Source::Arn(arn) => Some(arn.clone()),
            Source::Unknown => {
                resp.diagnostics.error("Task definition unknown at apply", "The task definition is still unknown during apply; this is a bug in the provider.");
                return resp;
            }
        };
        let deploy =
            existing.as_ref() != live_before.as_ref() || appspec_changed(&req.prior_state, &state);
        let alarms = if cfg.alarms.is_empty() {
            group.alarms.clone()
        } else {
            cfg.alarms.clone()
        };
        let adopt = in_flight(&req.planned_private);
        if deploy && adopt.is_none() {
            if let Some(reason) = preflight::foreign_in_flight(
                &clients,
                &cfg.application_name,
                &cfg.deployment_group_name,
            )
            .await
            {
                resp.diagnostics.error(
                    "Rollout blocked by another deployment",
                    format!("{reason} Nothing was registered or deployed."),
                );
                if req.prior_state.is_null() {
                    resp.new_state = Value::Null;
                }
                return resp;
            }
            if let Err(reason) = preflight::check(&clients, &group, &alarms).await {
                resp.diagnostics.error("Rollout refused before it started", format!("{reason}\n\nNothing was registered or deployed; production still serves {}.", live_before.as_deref().unwrap_or("what it served")));
                if req.prior_state.is_null() {
                    resp.new_state = Value::Null;
                }
                return resp;
            }
        }
        let target = match (existing, &cfg.source) {
            (Some(arn), _) => arn,
            (None, Source::Json(user)) => {
                match register_task_definition(&clients, &taskdef::register_input(user)).await {
                    Ok(arn) => {
                        tracing::info!(task_definition = %arn, "registered a new task definition revision");
                        arn
                    }
                    Err(message) => {
                        resp.diagnostics.attribute_error(
                            AttributePath::root("task_definition"),
                            "ECS refused the task definition",
                            format!("{message}. Nothing was deployed."),
                        );
                        return resp;
                    }
                }
            }
            (None, _) => {
                resp.diagnostics.error(
                    "No task definition to deploy",
                    "This is a bug in the provider.",
                );
                return resp;
            }
        };
        if !deploy {
            state.set("task_definition_arn", string(&target));
            if state.get("task_definition").is_unknown() {
                let live = self.task_definition(&clients, &target).await.ok();
                state.set(
                    "task_definition",
                    opt_string(live.as_ref().map(taskdef::canonical_json)),
                );
            }
            for a in [
                "deployment_id",
                "status",
                "timeline",
                "previous_task_definition_arn",
            ] {
                if state.get(a).is_unknown() {
                    state.set(
                        a,
                        if req.prior_state.is_null() {
                            Value::Null
                        } else {
                            req.prior_state.get(a).clone()
                        },
                    );
                }
            }
            resp.new_state = state;
            return resp;
        }

        let appspec = AppSpec {
            task_definition_arn: target.clone(),
            container_name: state
                .get("container_name")
                .as_str()
                .unwrap_or_default()
                .to_string(),
            container_port: state.get("container_port").as_i64().unwrap_or(0),
            platform_version: cfg.platform_version.clone(),
            network_configuration: cfg.network_configuration.clone(),
            capacity_provider_strategy: cfg.capacity_provider_strategy.clone(),
            hooks: cfg.hooks.clone(),
        };
        let spec = RolloutSpec {
            application_name: cfg.application_name.clone(),
            deployment_group_name: cfg.deployment_group_name.clone(),
            appspec,
            deployment_config_name: cfg.deployment_config_name.clone(),
            alarms,
            bake_time: cfg.bake_time,
            previous_task_definition_arn: live_before.clone(),
            on_interrupt: cfg.on_interrupt,
            wait_for: cfg.wait_for,
            timeout: if req.prior_state.is_null() {
                cfg.create_timeout
            } else {
                cfg.update_timeout
            },
            test_url: cfg.gate_url.clone().or_else(|| group.test_url.clone()),
            description: preflight::rollout_description(
                &cfg.application_name,
                &cfg.deployment_group_name,
            ),
            ecs_target_id: Some(format!("{}:{}", group.cluster, group.service)),
        };
        let no_gate = NoGate;
        let gate: &dyn Gate = match &cfg.gate {
            Some(g) => g,
            None => &no_gate,
        };
        let report = crate::rollout::run(&clients, &spec, gate, adopt.as_deref(), &ctx.stop).await;

        // The truth, from ECS: what serves production now.
        let live_after = match resolve_group(
            &clients,
            &self.readers,
            &cfg.application_name,
            &cfg.deployment_group_name,
            true,
        )
        .await
        {
            Ok(g) => g.live_task_definition,
            Err(_) => {
                if report.green_serves_production {
                    Some(target.clone())
                } else {
                    live_before.clone()
                }
            }
        };
        state.set("task_definition_arn", opt_string(live_after.clone()));
        let serving_target = live_after.as_deref() == Some(target.as_str());
        if !serving_target || state.get("task_definition").is_unknown() {
            let described = match &live_after {
                Some(arn) => self.task_definition(&clients, arn).await.ok(),
                None => None,
            };
            state.set(
                "task_definition",
                opt_string(described.as_ref().map(taskdef::canonical_json)),
            );
        }
        state.set(
            "previous_task_definition_arn",
            opt_string(live_before.clone()),
        );
        state.set("deployment_id", opt_string(report.deployment_id.clone()));
        state.set("status", string(outcome_word(&report.outcome)));
        state.set(
            "timeline",
            Value::List(
                report
                    .timeline
                    .iter()
                    .map(|t| string(format!("{:>7.1}s {}", t.at_seconds, t.what)))
                    .collect(),
            ),
        );
        let timeline: Vec<String> = report
            .timeline
            .iter()
            .map(|t| format!("  {:>7.1}s  {}", t.at_seconds, t.what))
            .collect();
        let serving = live_after.as_deref().unwrap_or("unknown");
        resp.private = Vec::new();
        match &report.outcome {
            Outcome::Succeeded | Outcome::TrafficShifted => {}
            Outcome::RolledBack { reason } => resp.diagnostics.error(
                format!("Rollout of {target} rolled back"),
                format!("{reason}.\n\nProduction serves {serving}. The state records it, so the next plan shows this change again.\n\nTimeline:\n{}", timeline.join("\n")),
            ),
            Outcome::Failed { reason } => resp.diagnostics.error(
                format!("Rollout of {target} failed"),
                format!("{reason}.\n\nProduction serves {serving}.\n\nTimeline:\n{}", timeline.join("\n")),
            ),
            Outcome::Blocked { reason } => resp.diagnostics.error("Rollout blocked by another deployment", reason.clone()),
            Outcome::Detached => {
                let id = report.deployment_id.clone().unwrap_or_default();
                resp.private = serde_json::json!({"in_flight": id}).to_string().into_bytes();
                resp.diagnostics.error(
                    format!("Interrupted: deployment {id} continues without Terraform"),
                    format!("on_interrupt = \"detach\": CodeDeploy deployment {id} keeps running. The next apply adopts and follows it. Production serves {serving} at the moment.\n\nTimeline:\n{}", timeline.join("\n")),
                );
            }
        }
        resp.new_state = state;
        resp
    }

    async fn read(&self, _ctx: &RequestContext, req: ReadRequest) -> ReadResponse {
        let mut resp = ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            ..ReadResponse::default()
        };
        if req.current_state.is_null() {
            return resp;
        }
        let application = req
            .current_state
            .get("application_name")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let group_name = req
            .current_state
            .get("deployment_group_name")
            .as_str()
            .unwrap_or_default()
            .to_string();
        // What the group points at and whether a deployment is in flight are independent: ask both at once.
        let in_flight_listing = async {
            match self.clients().await {
                Ok(clients) => clients
                    .watch
                    .in_flight(&application, &group_name, false)
                    .await
                    .ok(),
                Err(_) => None,
            }
        };
        let (connected, listed) = tokio::join!(
            self.connect(&application, &group_name, false),
            in_flight_listing
        );
        let (clients, group) = match connected {
            Ok(pair) => pair,
            Err(d) => {
                resp.diagnostics.extend(d);
                return resp;
            }
        };
        let state = &mut resp.new_state;
        if group.live_task_definition.is_some()
            && state.get("task_definition_arn").as_str() != group.live_task_definition.as_deref()
        {
            let live = group.live_task_definition.clone().unwrap_or_default();
            state.set("task_definition_arn", string(&live));
            if !state.get("task_definition").is_null() {
                if let Ok(json) = self.task_definition(&clients, &live).await {
                    state.set("task_definition", string(taskdef::canonical_json(&json)));
                }
            }
        }
        if let Some(d) = listed.and_then(|list| list.into_iter().next()) {
            resp.diagnostics.warning(
                format!("Deployment {} is in flight for {group_name}", d.0),
                format!("CodeDeploy deployment {} is {} right now. The next apply follows it when this resource started it, and otherwise refuses to start another until it ends.", d.0, d.1),
            );
        }
        resp
    }

    async fn import(&self, _ctx: &RequestContext, id: &str) -> ImportResponse {
        let mut resp = ImportResponse::default();
        let Some((application, group_name)) = id
            .split_once(':')
            .filter(|(a, g)| !a.is_empty() && !g.is_empty())
        else {
            resp.diagnostics.error(
                "Invalid import id",
                format!("{id:?} is not <application>:<deployment_group>, e.g. \"web:web-prod\"."),
            );
            return resp;
        };
        let (clients, group) = match self.connect(application, group_name, false).await {
            Ok(pair) => pair,
            Err(d) => {
                resp.diagnostics.extend(d);
                return resp;
            }
        };
        let mut state = Value::null_object(&schema::schema().block.value_type());
        state.set("application_name", string(application));
        state.set("deployment_group_name", string(group_name));
        fill_group_for(&mut state, application, group_name, None, &group);
        if let Some(live) = &group.live_task_definition {
            state.set("task_definition_arn", string(live));
            if let Ok(json) = self.task_definition(&clients, live).await {
                state.set("task_definition", string(taskdef::canonical_json(&json)));
            }
        }
        resp.state = state;
        resp
    }
}
