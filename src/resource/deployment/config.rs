//! The resource's configuration, read from Terraform's value and checked without calling AWS.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::duration::parse_duration;
use crate::gate::{CommandCheck, HttpCheck, TestGate};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::value::Value;
use crate::rollout::appspec::{CapacityProviderItem, Hooks, NetworkConfiguration};
use crate::rollout::{OnInterrupt, WaitFor};
use crate::taskdef;

/// Where the task definition to deploy comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// JSON written in the configuration (parsed).
    Json(serde_json::Value),
    /// A revision registered elsewhere.
    Arn(String),
    /// Not known until apply (e.g. an image from another resource).
    Unknown,
}

/// The configuration, with defaults applied.
#[derive(Clone, Debug)]
pub struct Config {
    /// CodeDeploy application.
    pub application_name: String,
    /// CodeDeploy deployment group.
    pub deployment_group_name: String,
    /// What to deploy.
    pub source: Source,
    /// With both `task_definition` and `task_definition_arn` set (as a generated block has them): the ARN,
    /// which must hold the same content as the JSON.
    pub pinned_arn: Option<String>,
    /// AppSpec container name (None: the service's).
    pub container_name: Option<String>,
    /// AppSpec container port (None: the service's).
    pub container_port: Option<i64>,
    /// AppSpec platform version.
    pub platform_version: Option<String>,
    /// AppSpec network configuration.
    pub network_configuration: Option<NetworkConfiguration>,
    /// AppSpec capacity provider strategy.
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    /// Deployment config override.
    pub deployment_config_name: Option<String>,
    /// Lambda hooks.
    pub hooks: Hooks,
    /// The test gate (None: not configured).
    pub gate: Option<TestGate>,
    /// Test listener URL override.
    pub gate_url: Option<String>,
    /// Alarms (empty: the group's).
    pub alarms: Vec<String>,
    /// Environment variable names whose values plan summaries never show (beyond the names that look secret).
    pub sensitive_environment: Vec<String>,
    /// Bake time.
    pub bake_time: Duration,
    /// Interrupt behaviour.
    pub on_interrupt: OnInterrupt,
    /// When to return.
    pub wait_for: WaitFor,
    /// Timeout on create.
    pub create_timeout: Duration,
    /// Timeout on update.
    pub update_timeout: Duration,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn map(v: &Value) -> BTreeMap<String, String> {
    v.as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn duration(
    v: &Value,
    default: Duration,
    path: AttributePath,
    diags: &mut Diagnostics,
) -> Duration {
    match v.as_str() {
        None => default,
        Some(text) => parse_duration(text).unwrap_or_else(|msg| {
            diags.attribute_error(path, "Invalid duration", msg);
            default
        }),
    }
}

/// Reads and checks the configuration. Unknown values are tolerated (validation happens before they are
/// known); the caller decides whether an unknown matters.
/// CodeDeploy names: 1 to 100 characters (application, deployment group, deployment config).
fn check_codedeploy_name(v: &Value, path: AttributePath, what: &str, diags: &mut Diagnostics) {
    if let Some(name) = v.as_str() {
        if name.trim().is_empty() || name.chars().count() > 100 {
            diags.attribute_error(
                path,
                "Invalid name",
                format!("{what} {name:?} must be 1 to 100 characters long and not blank."),
            );
        }
    }
}

/// A Lambda function as CodeDeploy hooks name it: a function name (with an optional version or alias) or
/// its ARN.
fn is_lambda_reference(r: &str) -> bool {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 64
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let qualifier_ok = |q: &str| {
        !q.is_empty()
            && q.len() <= 128
            && q.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '$')
    };
    if let Some(rest) = r.strip_prefix("arn:") {
        // arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
        let parts: Vec<&str> = rest.split(':').collect();
        return parts.len() >= 6
            && parts.len() <= 7
            && parts[1] == "lambda"
            && parts[4] == "function"
            && name_ok(parts[5])
            && parts.get(6).is_none_or(|q| qualifier_ok(q));
    }
    match r.split_once(':') {
        Some((name, qualifier)) => name_ok(name) && qualifier_ok(qualifier),
        None => name_ok(r),
    }
}

/// Environment variable names a command can be given.
fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// HTTP header names (RFC 9110 tokens).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

pub fn parse(config: &Value) -> (Config, Diagnostics) {
    let mut diags = Diagnostics::new();
    let root = AttributePath::root;

    check_codedeploy_name(
        config.get("application_name"),
        root("application_name"),
        "The application name",
        &mut diags,
    );
    check_codedeploy_name(
        config.get("deployment_group_name"),
        root("deployment_group_name"),
        "The deployment group name",
        &mut diags,
    );
    check_codedeploy_name(
        config.get("deployment_config_name"),
        root("deployment_config_name"),
        "The deployment config name",
        &mut diags,
    );
    let mut seen_alarms = std::collections::BTreeSet::new();
    for (i, alarm) in config
        .get("alarms")
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(name) = alarm.as_str() {
            let path = root("alarms").index(i);
            if name.trim().is_empty() || name.chars().count() > 255 {
                diags.attribute_error(
                    path,
                    "Invalid alarm name",
                    format!("{name:?} is not a CloudWatch alarm name (1 to 255 characters)."),
                );
            } else if !seen_alarms.insert(name.to_string()) {
                diags.attribute_error(
                    path,
                    "Duplicate alarm",
                    format!("Alarm {name:?} is listed twice."),
                );
            }
        }
    }
    for (i, name) in config
        .get("sensitive_environment")
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if name.as_str().is_some_and(|n| n.trim().is_empty()) {
            diags.attribute_error(
                root("sensitive_environment").index(i),
                "Invalid environment variable name",
                "A blank name hides nothing: list the names of the container environment variables whose values must not be shown.",
            );
        }
    }
    let h = config.get("hooks");
    for event in [
        "before_install",
        "after_install",
        "after_allow_test_traffic",
        "before_allow_traffic",
        "after_allow_traffic",
    ] {
        if let Some(function) = h.get(event).as_str() {
            if !is_lambda_reference(function) {
                diags.attribute_error(
                    root("hooks").attr(event),
                    "Invalid Lambda function",
                    format!("{function:?} is neither a Lambda function name (letters, numbers, hyphens, underscores; optionally :version or :alias) nor a Lambda function ARN."),
                );
            }
        }
    }
    if let Some(url) = config.get("test_gate").get("url").as_str() {
        let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
        let host = url.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        if !scheme_ok
            || host.is_empty()
            || host.starts_with('/')
            || url.contains(char::is_whitespace)
        {
            diags.attribute_error(
                root("test_gate").attr("url"),
                "Invalid URL",
                format!("{url:?} is not an http:// or https:// URL with a host, such as \"http://internal-web-123.eu-west-1.elb.amazonaws.com:8080\"."),
            );
        }
    }

    let mut pinned_arn = None;
    let source = match (
        config.get("task_definition"),
        config.get("task_definition_arn"),
    ) {
        (Value::Unknown, _) | (_, Value::Unknown) => Source::Unknown,
        (Value::String(json), Value::Null) => match taskdef::parse_user(json) {
            Ok(td) => Source::Json(td),
            Err(e) => {
                diags.attribute_error(
                    root("task_definition"),
                    "Invalid task definition",
                    if e.path.is_empty() {
                        e.message
                    } else {
                        format!("At {}: {}", e.path, e.message)
                    },
                );
                Source::Unknown
            }
        },
        (Value::Null, Value::String(arn)) => {
            if !arn.contains(":task-definition/") {
                diags.attribute_error(root("task_definition_arn"), "Invalid task definition ARN", format!("{arn:?} is not a task definition ARN such as \"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7\"."));
            }
            Source::Arn(arn.clone())
        }
        (Value::Null, Value::Null) => {
            diags.attribute_error(
                root("task_definition"),
                "Missing task definition",
                "Set exactly one of `task_definition` (JSON) and `task_definition_arn`.",
            );
            Source::Unknown
        }
        (Value::String(json), Value::String(arn)) => match taskdef::parse_user(json) {
            // Both set: allowed when they describe the same revision (checked at plan, against ECS).
            Ok(td) => {
                pinned_arn = Some(arn.clone());
                Source::Json(td)
            }
            Err(e) => {
                diags.attribute_error(
                    root("task_definition"),
                    "Invalid task definition",
                    format!("At {}: {}", e.path, e.message),
                );
                Source::Unknown
            }
        },
        _ => {
            diags.attribute_error(
                root("task_definition_arn"),
                "Conflicting task definitions",
                "Set exactly one of `task_definition` (JSON) and `task_definition_arn`, not both.",
            );
            Source::Unknown
        }
    };

    let container_port = match config.get("container_port") {
        Value::Number(n) => match n.as_i64() {
            Some(p) if (1..=65535).contains(&p) => Some(p),
            _ => {
                diags.attribute_error(
                    root("container_port"),
                    "Invalid container port",
                    format!("{n} is not a port number between 1 and 65535."),
                );
                None
            }
        },
        _ => None,
    };

    let network_configuration = match config.get("network_configuration") {
        Value::Map(_) => {
            let n = config.get("network_configuration");
            let assign = string(n.get("assign_public_ip"));
            if let Some(a) = &assign {
                if a != "ENABLED" && a != "DISABLED" {
                    diags.attribute_error(
                        root("network_configuration").attr("assign_public_ip"),
                        "Invalid assign_public_ip",
                        format!("{a:?} must be \"ENABLED\" or \"DISABLED\"."),
                    );
                }
            }
            let subnets = strings(n.get("subnets"));
            if subnets.is_empty() && !n.get("subnets").is_unknown() {
                diags.attribute_error(
                    root("network_configuration").attr("subnets"),
                    "No subnets",
                    "The green task set needs at least one subnet.",
                );
            }
            for (list, prefix, what) in [
                ("subnets", "subnet-", "subnet"),
                ("security_groups", "sg-", "security group"),
            ] {
                for (i, id) in strings(n.get(list)).iter().enumerate() {
                    if !id.starts_with(prefix) || id.len() <= prefix.len() {
                        diags.attribute_error(
                            root("network_configuration").attr(list).index(i),
                            "Invalid id",
                            format!("{id:?} is not a {what} id (\"{prefix}…\")."),
                        );
                    }
                }
            }
            Some(NetworkConfiguration {
                subnets,
                security_groups: strings(n.get("security_groups")),
                assign_public_ip: assign,
            })
        }
        _ => None,
    };

    for (i, c) in config
        .get("capacity_provider_strategy")
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let path = root("capacity_provider_strategy").index(i);
        if c.get("capacity_provider")
            .as_str()
            .is_some_and(|n| n.trim().is_empty())
        {
            diags.attribute_error(
                path.clone().attr("capacity_provider"),
                "Invalid capacity provider",
                "The capacity provider name is blank.",
            );
        }
        if let Some(w) = c.get("weight").as_i64() {
            if !(0..=1000).contains(&w) {
                diags.attribute_error(
                    path.clone().attr("weight"),
                    "Invalid weight",
                    format!("{w} is outside 0 to 1000."),
                );
            }
        }
        if let Some(b) = c.get("base").as_i64() {
            if !(0..=100_000).contains(&b) {
                diags.attribute_error(
                    path.attr("base"),
                    "Invalid base",
                    format!("{b} is outside 0 to 100000."),
                );
            }
        }
    }
    let capacity_provider_strategy = config
        .get("capacity_provider_strategy")
        .as_list()
        .unwrap_or_default()
        .iter()
        .map(|c| CapacityProviderItem {
            capacity_provider: string(c.get("capacity_provider")).unwrap_or_default(),
            weight: c.get("weight").as_i64().unwrap_or(1),
            base: c.get("base").as_i64().unwrap_or(0),
        })
        .collect();

    let hooks = Hooks {
        before_install: string(h.get("before_install")),
        after_install: string(h.get("after_install")),
        after_allow_test_traffic: string(h.get("after_allow_test_traffic")),
        before_allow_traffic: string(h.get("before_allow_traffic")),
        after_allow_traffic: string(h.get("after_allow_traffic")),
    };

    let g = config.get("test_gate");
    let gate = if g.is_null() {
        None
    } else {
        let mut gate = TestGate::default();
        for (i, c) in g
            .get("http")
            .as_list()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = root("test_gate").attr("http").index(i);
            let p = string(c.get("path")).unwrap_or_default();
            if !p.starts_with('/') && !c.get("path").is_unknown() {
                diags.attribute_error(
                    path.clone().attr("path"),
                    "Invalid path",
                    format!("{p:?} must start with \"/\"."),
                );
            }
            let body_regex = match c.get("body_regex").as_str() {
                Some(re) => match regex::Regex::new(re) {
                    Ok(re) => Some(re),
                    Err(e) => {
                        diags.attribute_error(
                            path.clone().attr("body_regex"),
                            "Invalid regular expression",
                            e.to_string(),
                        );
                        None
                    }
                },
                None => None,
            };
            let status = c.get("expect_status").as_i64().unwrap_or(200);
            if !(100..=599).contains(&status) {
                diags.attribute_error(
                    path.clone().attr("expect_status"),
                    "Invalid status",
                    format!("{status} is not an HTTP status."),
                );
            }
            let attempts = c.get("attempts").as_i64().unwrap_or(3);
            if !(1..=100).contains(&attempts) {
                diags.attribute_error(
                    path.clone().attr("attempts"),
                    "Invalid attempts",
                    "attempts must be between 1 and 100.",
                );
            }
            let method = string(c.get("method"))
                .unwrap_or_else(|| "GET".into())
                .to_ascii_uppercase();
            if !["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]
                .contains(&method.as_str())
            {
                diags.attribute_error(
                    path.clone().attr("method"),
                    "Invalid method",
                    format!("{method:?} is not an HTTP method."),
                );
            }
            for name in map(c.get("headers")).keys() {
                if !is_header_name(name) {
                    diags.attribute_error(
                        path.clone().attr("headers"),
                        "Invalid header name",
                        format!("{name:?} is not an HTTP header name."),
                    );
                }
            }
            gate.http.push(HttpCheck {
                path: p,
                method,
                headers: map(c.get("headers")),
                expect_status: status.clamp(100, 599) as u16,
                body_regex,
                attempts: attempts.clamp(1, 100) as u32,
                interval: duration(
                    c.get("interval"),
                    Duration::from_secs(2),
                    path.clone().attr("interval"),
                    &mut diags,
                ),
                timeout: duration(
                    c.get("timeout"),
                    Duration::from_secs(10),
                    path.attr("timeout"),
                    &mut diags,
                ),
                url: None,
            });
        }
        for (i, c) in g
            .get("command")
            .as_list()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = root("test_gate").attr("command").index(i);
            let argv = strings(c.get("argv"));
            if argv.is_empty() && !c.get("argv").is_unknown() {
                diags.attribute_error(
                    path.clone().attr("argv"),
                    "Empty command",
                    "argv needs at least the program to run.",
                );
            }
            for name in map(c.get("env")).keys() {
                if !is_env_name(name) {
                    diags.attribute_error(
                        path.clone().attr("env"),
                        "Invalid environment variable name",
                        format!("{name:?} is not an environment variable name (letters, digits and underscores, not starting with a digit)."),
                    );
                }
            }
            gate.commands.push(CommandCheck {
                argv,
                env: map(c.get("env")),
                working_dir: string(c.get("working_dir")).map(Into::into),
                timeout: duration(
                    c.get("timeout"),
                    Duration::from_secs(300),
                    path.attr("timeout"),
                    &mut diags,
                ),
            });
        }
        if gate.is_empty_config() {
            diags.attribute_error(
                root("test_gate"),
                "Empty test gate",
                "Add at least one `http` or `command` check, or remove the block.",
            );
        }
        Some(gate)
    };

    let on_interrupt = match config.get("on_interrupt").as_str() {
        None | Some("rollback") => OnInterrupt::Rollback,
        Some("detach") => OnInterrupt::Detach,
        Some(other) => {
            diags.attribute_error(
                root("on_interrupt"),
                "Invalid on_interrupt",
                format!("{other:?} must be \"rollback\" or \"detach\"."),
            );
            OnInterrupt::Rollback
        }
    };
    let wait_for = match config.get("wait_for").as_str() {
        None | Some("succeeded") => WaitFor::Succeeded,
        Some("traffic_shifted") => WaitFor::TrafficShifted,
        Some(other) => {
            diags.attribute_error(
                root("wait_for"),
                "Invalid wait_for",
                format!("{other:?} must be \"succeeded\" or \"traffic_shifted\"."),
            );
            WaitFor::Succeeded
        }
    };
    let timeouts = config.get("timeouts");
    let parsed = Config {
        application_name: string(config.get("application_name")).unwrap_or_default(),
        deployment_group_name: string(config.get("deployment_group_name")).unwrap_or_default(),
        source,
        pinned_arn,
        container_name: string(config.get("container_name")),
        container_port,
        platform_version: string(config.get("platform_version")),
        network_configuration,
        capacity_provider_strategy,
        deployment_config_name: string(config.get("deployment_config_name")),
        hooks,
        gate,
        gate_url: string(g.get("url")),
        alarms: strings(config.get("alarms")),
        sensitive_environment: strings(config.get("sensitive_environment")),
        bake_time: duration(
            config.get("bake_time"),
            Duration::ZERO,
            root("bake_time"),
            &mut diags,
        ),
        on_interrupt,
        wait_for,
        create_timeout: duration(
            timeouts.get("create"),
            DEFAULT_TIMEOUT,
            root("timeouts").attr("create"),
            &mut diags,
        ),
        update_timeout: duration(
            timeouts.get("update"),
            DEFAULT_TIMEOUT,
            root("timeouts").attr("update"),
            &mut diags,
        ),
    };
    if let (Source::Json(td), Some(name)) = (&parsed.source, &parsed.container_name) {
        let names = taskdef::container_names(td);
        if !names.contains(name) {
            diags.attribute_error(
                root("container_name"),
                "Unknown container",
                format!(
                    "The task definition has no container {name:?}; it has {}.",
                    names.join(", ")
                ),
            );
        } else if let Some(port) = parsed.container_port {
            let ports = taskdef::container_ports(td, name);
            if !ports.contains(&port) {
                diags.attribute_error(root("container_port"), "Port not exposed", format!("Container {name:?} does not expose port {port}; its portMappings list {ports:?}."));
            }
        }
    }
    (parsed, diags)
}

impl TestGate {
    /// True when the block has no checks at all.
    pub fn is_empty_config(&self) -> bool {
        self.http.is_empty() && self.commands.is_empty()
    }
}
