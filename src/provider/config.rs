//! The `provider "ecsbg" {}` block: its schema and its parsing into settings, named as hashicorp/aws names them
//! so nobody has to learn a second vocabulary.

use crate::aws::settings::{AssumeRole, AwsSettings, DEFAULT_MAX_RETRIES};
use crate::aws::transport::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT,
};

/// The shortest timeout accepted: less would fail healthy calls.
const MIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// The longest timeout accepted: more is a hang by another name.
const MAX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);
use crate::duration::parse_duration;
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::plugin::value::{Type, Value};

/// The provider block's schema.
pub fn provider_schema() -> Schema {
    let string_list = Type::list(Type::String);
    Schema {
        version: 0,
        block: Block {
            description: "Configures how the ecsbg provider reaches AWS. Every setting is optional and falls back to the standard AWS environment (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_*`, shared config files, SSO, web identity, ECS and EC2 instance credentials), exactly as the AWS CLI does.".into(),
            attributes: vec![
                Attribute::optional("region", Type::String, "AWS region, e.g. `eu-west-1`. Defaults to `AWS_REGION` or the profile's region."),
                Attribute::optional("profile", Type::String, "Named profile from the shared config files. Defaults to `AWS_PROFILE`."),
                Attribute::optional("shared_config_files", string_list.clone(), "Shared config files to read instead of `~/.aws/config`."),
                Attribute::optional("shared_credentials_files", string_list, "Shared credentials files to read instead of `~/.aws/credentials`."),
                Attribute::optional("max_retries", Type::Number, "How many times an AWS call is retried (standard retry with exponential back-off; throttling included). CodeDeploy calls are also paced across all rollouts of a run, slowing down when CodeDeploy throttles. Default `25`."),
                Attribute::optional("connect_timeout", Type::String, "How long to wait for a connection to an AWS endpoint, e.g. `5s`. Default `5s`."),
                Attribute::optional("attempt_timeout", Type::String, "How long one attempt of one AWS call may take, connecting included; a slower attempt is retried. Default `10s`."),
                Attribute::optional(PROGRESS_FILE, Type::String, "A file every rollout appends its progress to, one line per event as it happens (lifecycle events, production traffic on green, gate checks, alarms, rollback), flushed per line, for a CI step to `tail -f` while `terraform apply` shows only \"Still modifying…\". Defaults to `ECSBG_PROGRESS_FILE`; unset, no file is written."),
                Attribute::optional("read_timeout", Type::String, "How long the reads of refresh, plan and import may take in all, retries included, before the command fails naming the endpoint, the operation and what the last attempt met. Rollouts are not limited by it: they retry within their own `timeouts` and `on_interrupt`. Default `25s`."),
            ],
            blocks: vec![
                NestedBlock {
                    type_name: "assume_role".into(),
                    nesting: Nesting::Single,
                    min_items: 0,
                    max_items: 0,
                    block: Block {
                        description: "Assume an IAM role on top of the base credentials.".into(),
                        attributes: vec![
                            Attribute::required("role_arn", Type::String, "ARN of the role to assume."),
                            Attribute::optional("session_name", Type::String, "Session name shown in CloudTrail. Default `terraform-provider-ecsbg`."),
                            Attribute::optional("external_id", Type::String, "External id required by the role's trust policy."),
                            Attribute::optional("duration", Type::String, "Session length, e.g. `1h`. Between 15m and 12h."),
                        ],
                        ..Block::default()
                    },
                },
                NestedBlock {
                    type_name: "endpoints".into(),
                    nesting: Nesting::Single,
                    min_items: 0,
                    max_items: 0,
                    block: Block {
                        description: "Custom endpoint URLs per service, e.g. for a local emulator. `AWS_ENDPOINT_URL_CODEDEPLOY`, `AWS_ENDPOINT_URL_ECS`, `AWS_ENDPOINT_URL_CLOUDWATCH`, `AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2`, `AWS_ENDPOINT_URL_LAMBDA` and `AWS_ENDPOINT_URL` work too.".into(),
                        attributes: ["codedeploy", "ecs", "cloudwatch", "elbv2", "lambda"]
                            .into_iter()
                            .map(|name| Attribute::optional(name, Type::String, &format!("Endpoint URL for {name}.")))
                            .collect(),
                        ..Block::default()
                    },
                },
            ],
            deprecated: false,
        },
    }
}

/// The provider block's progress file attribute.
pub const PROGRESS_FILE: &str = "progress_file";
/// The environment variable a progress file is taken from when the block does not name one.
pub const PROGRESS_FILE_ENV: &str = "ECSBG_PROGRESS_FILE";

/// The progress file to write, if any: the block's `progress_file`, else `ECSBG_PROGRESS_FILE` (read by `env`).
pub fn progress_file(config: &Value, env: impl Fn(&str) -> Option<String>) -> Option<String> {
    string(config.get(PROGRESS_FILE))
        .or_else(|| env(PROGRESS_FILE_ENV))
        .filter(|p| !p.is_empty())
}

/// Parses and validates the provider block. Unknown values (not yet known at validate time) are skipped;
/// `configure` sees them known.
pub fn parse_settings(config: &Value) -> (AwsSettings, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut settings = AwsSettings {
        region: string(config.get("region")),
        profile: string(config.get("profile")),
        shared_config_files: strings(config.get("shared_config_files")),
        shared_credentials_files: strings(config.get("shared_credentials_files")),
        max_retries: DEFAULT_MAX_RETRIES,
        ..AwsSettings::default()
    };
    if let Some(region) = &settings.region {
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            diags.attribute_error(
                AttributePath::root("region"),
                "Invalid AWS region",
                format!("{region:?} is not an AWS region name such as \"us-east-1\"."),
            );
        }
    }
    match config.get("max_retries") {
        Value::Null | Value::Unknown => {}
        value => match value.as_i64() {
            Some(n) if (0..=100).contains(&n) => settings.max_retries = n as u32,
            _ => diags.attribute_error(
                AttributePath::root("max_retries"),
                "Invalid max_retries",
                "max_retries must be a whole number from 0 to 100.",
            ),
        },
    }
    for (name, default, slot) in [
        (
            "connect_timeout",
            DEFAULT_CONNECT_TIMEOUT,
            &mut settings.timeouts.connect,
        ),
        (
            "attempt_timeout",
            DEFAULT_ATTEMPT_TIMEOUT,
            &mut settings.timeouts.attempt,
        ),
        (
            "read_timeout",
            DEFAULT_READ_TIMEOUT,
            &mut settings.timeouts.read,
        ),
    ] {
        *slot = default;
        if let Some(text) = config.get(name).as_str() {
            match parse_duration(text) {
                Ok(d) if d >= MIN_TIMEOUT && d <= MAX_TIMEOUT => *slot = d,
                Ok(_) => diags.attribute_error(
                    AttributePath::root(name),
                    "Invalid timeout",
                    format!("{name} must be between 1s and 1h; {text:?} is not."),
                ),
                Err(msg) => {
                    diags.attribute_error(AttributePath::root(name), "Invalid timeout", msg)
                }
            }
        }
    }
    let role = config.get("assume_role");
    if !role.is_null() {
        let path = AttributePath::root("assume_role");
        let duration = match role.get("duration") {
            Value::String(text) => match parse_duration(text) {
                Ok(d) if (900..=43200).contains(&d.as_secs()) => Some(d),
                Ok(_) => {
                    diags.attribute_error(
                        path.clone().attr("duration"),
                        "Invalid assume_role duration",
                        "The session length must be between 15m and 12h.",
                    );
                    None
                }
                Err(msg) => {
                    diags.attribute_error(
                        path.clone().attr("duration"),
                        "Invalid assume_role duration",
                        msg,
                    );
                    None
                }
            },
            _ => None,
        };
        let role_arn = string(role.get("role_arn")).unwrap_or_default();
        if !role.get("role_arn").is_unknown() && !role_arn.starts_with("arn:") {
            diags.attribute_error(
                path.clone().attr("role_arn"),
                "Invalid role ARN",
                format!("{role_arn:?} is not an IAM role ARN such as \"arn:aws:iam::123456789012:role/deployer\"."),
            );
        }
        settings.assume_role = Some(AssumeRole {
            role_arn,
            session_name: string(role.get("session_name")),
            external_id: string(role.get("external_id")),
            duration,
        });
    }
    if config.get(PROGRESS_FILE).as_str() == Some("") {
        diags.attribute_error(
            AttributePath::root(PROGRESS_FILE),
            "Invalid progress file",
            "progress_file must name a file, e.g. \"rollout-progress.log\"; leave it out to write none.",
        );
    }
    let endpoints = config.get("endpoints");
    for (name, slot) in [
        ("codedeploy", &mut settings.endpoints.codedeploy),
        ("ecs", &mut settings.endpoints.ecs),
        ("cloudwatch", &mut settings.endpoints.cloudwatch),
        ("elbv2", &mut settings.endpoints.elbv2),
        ("lambda", &mut settings.endpoints.lambda),
    ] {
        if let Some(url) = string(endpoints.get(name)) {
            if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
                diags.attribute_error(
                    AttributePath::root("endpoints").attr(name),
                    "Invalid endpoint URL",
                    format!("{url:?} is not an http:// or https:// URL."),
                );
            }
            *slot = Some(url);
        }
    }
    (settings, diags)
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_list()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: Vec<(&str, Value)>) -> Value {
        let mut v = Value::null_object(&provider_schema().block.value_type());
        for (k, val) in pairs {
            v.set(k, val);
        }
        v
    }

    #[test]
    fn empty_block_means_environment_defaults() {
        let (settings, diags) = parse_settings(&config(vec![]));
        assert!(diags.is_empty());
        assert_eq!(settings.max_retries, DEFAULT_MAX_RETRIES);
        assert_eq!(settings.region, None);
        assert_eq!(progress_file(&config(vec![]), |_| None), None);
    }

    #[test]
    fn the_progress_file_comes_from_the_block_else_the_environment() {
        let env = |k: &str| (k == PROGRESS_FILE_ENV).then(|| "from-env.log".to_string());
        assert_eq!(
            progress_file(&config(vec![]), env).as_deref(),
            Some("from-env.log")
        );
        let block = config(vec![(PROGRESS_FILE, Value::string("ci.log"))]);
        assert_eq!(progress_file(&block, env).as_deref(), Some("ci.log"));
        let (_, diags) = parse_settings(&config(vec![(PROGRESS_FILE, Value::string(""))]));
        assert!(diags.has_errors());
    }

    #[test]
    fn bad_values_are_reported_on_their_attribute() {
        let (_, diags) = parse_settings(&config(vec![
            ("region", Value::string("Mars 1")),
            ("max_retries", Value::int(-1)),
            ("read_timeout", Value::string("0s")),
            (
                "assume_role",
                Value::object([
                    ("role_arn", Value::string("deployer")),
                    ("duration", Value::string("5m")),
                    ("session_name", Value::Null),
                    ("external_id", Value::Null),
                ]),
            ),
            (
                "endpoints",
                Value::object([("ecs", Value::string("localhost:4566"))]),
            ),
        ]));
        let paths: Vec<String> = diags
            .0
            .iter()
            .filter_map(|d| d.attribute.as_ref().map(|p| p.to_string()))
            .collect();
        assert_eq!(
            paths,
            vec![
                "region",
                "max_retries",
                "read_timeout",
                "assume_role.duration",
                "assume_role.role_arn",
                "endpoints.ecs"
            ]
        );
    }

    #[test]
    fn good_values_parse() {
        let (settings, diags) = parse_settings(&config(vec![
            ("region", Value::string("eu-west-1")),
            ("max_retries", Value::int(3)),
            ("connect_timeout", Value::string("2s")),
            (
                "endpoints",
                Value::object([("codedeploy", Value::string("http://127.0.0.1:4566"))]),
            ),
        ]));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
        assert_eq!(settings.max_retries, 3);
        assert_eq!(settings.timeouts.connect, std::time::Duration::from_secs(2));
        assert_eq!(settings.timeouts.read, DEFAULT_READ_TIMEOUT);
        assert_eq!(
            settings.endpoints.codedeploy.as_deref(),
            Some("http://127.0.0.1:4566")
        );
    }
}
