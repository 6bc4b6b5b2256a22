//! What the AWS layer needs to know to build its clients: the provider block's settings after validation,
//! named as hashicorp/aws names them. Unset values fall back to the standard AWS environment.

use std::time::Duration;

use super::transport::Timeouts;

/// How many attempts an AWS call gets by default (adaptive retry; throttling waits are part of it).
pub const DEFAULT_MAX_RETRIES: u32 = 25;

/// The provider settings after validation. Unset values fall back to the standard AWS environment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AwsSettings {
    /// `region`, else `AWS_REGION` / the profile.
    pub region: Option<String>,
    /// `profile`, else `AWS_PROFILE`.
    pub profile: Option<String>,
    /// Extra shared config files, read instead of `~/.aws/config`.
    pub shared_config_files: Vec<String>,
    /// Extra shared credentials files, read instead of `~/.aws/credentials`.
    pub shared_credentials_files: Vec<String>,
    /// Retries per AWS call.
    pub max_retries: u32,
    /// A role to assume on top of the base credentials.
    pub assume_role: Option<AssumeRole>,
    /// Per-service endpoint overrides (else `AWS_ENDPOINT_URL_*`).
    pub endpoints: Endpoints,
    /// How long to wait for AWS.
    pub timeouts: Timeouts,
}

/// `assume_role { ... }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssumeRole {
    /// The role to assume.
    pub role_arn: String,
    /// The session name CloudTrail shows.
    pub session_name: Option<String>,
    /// The external id the role's trust policy may require.
    pub external_id: Option<String>,
    /// Session length.
    pub duration: Option<Duration>,
}

/// `endpoints { ... }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Endpoints {
    /// CodeDeploy endpoint URL.
    pub codedeploy: Option<String>,
    /// ECS endpoint URL.
    pub ecs: Option<String>,
    /// CloudWatch endpoint URL.
    pub cloudwatch: Option<String>,
    /// Elastic Load Balancing v2 endpoint URL.
    pub elbv2: Option<String>,
    /// Lambda endpoint (checking that hook functions exist).
    pub lambda: Option<String>,
}
