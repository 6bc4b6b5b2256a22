//! The AWS clients every resource uses, built once per provider configuration from the full `aws-config`
//! credential chain plus the provider block's overrides.

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;

use super::config::ProviderSettings;

/// One client per service the provider talks to.
#[derive(Clone, Debug)]
pub struct AwsClients {
    /// Deployments, deployment groups, lifecycle targets.
    pub codedeploy: aws_sdk_codedeploy::Client,
    /// Services, task sets, task definitions.
    pub ecs: aws_sdk_ecs::Client,
    /// Alarms.
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// Listeners, target groups, target health.
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    /// Hook functions (plan checks that they exist).
    pub lambda: aws_sdk_lambda::Client,
    /// The region the clients use, for messages.
    pub region: Option<String>,
    /// The shared pace of CodeDeploy calls: every call takes a turn first.
    pub codedeploy_pace: super::pace::Pacer,
    /// The one poller every rollout of this provider process shares (batched, budgeted).
    pub watch: crate::rollout::watch::Watcher,
}

/// The first retry's back-off ceiling (full jitter, doubling per attempt up to the SDK's 20 s). The SDK's
/// default of one second made a throttled burst of plan-time reads, which are batched but not paced, cost a
/// second or more each; AWS throttling buckets refill many times a second, and the doubling still reaches
/// whole seconds by the fourth attempt.
const RETRY_INITIAL_BACKOFF: std::time::Duration = std::time::Duration::from_millis(200);

impl AwsClients {
    /// Builds the clients. Nothing is called on AWS here: credentials resolve lazily on the first request.
    pub async fn build(settings: &ProviderSettings) -> anyhow::Result<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            RetryConfig::standard()
                .with_max_attempts(settings.max_retries + 1)
                .with_initial_backoff(RETRY_INITIAL_BACKOFF),
        );
        if let Some(region) = &settings.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if !settings.shared_config_files.is_empty() || !settings.shared_credentials_files.is_empty()
        {
            use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
            let mut files = EnvConfigFiles::builder();
            for path in &settings.shared_config_files {
                files = files.with_file(EnvConfigFileKind::Config, path);
            }
            for path in &settings.shared_credentials_files {
                files = files.with_file(EnvConfigFileKind::Credentials, path);
            }
            loader = loader.profile_files(files.build());
        }
        let mut base = loader.load().await;
        if let Some(role) = &settings.assume_role {
            let mut provider = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
                .session_name(
                    role.session_name
                        .clone()
                        .unwrap_or_else(|| "terraform-provider-ecsbg".to_string()),
                );
            if let Some(id) = &role.external_id {
                provider = provider.external_id(id.clone());
            }
            if let Some(d) = role.duration {
                provider = provider.session_length(d);
            }
            let provider = provider.configure(&base).build().await;
            base = base
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        let region = base.region().map(|r| r.to_string());
        let endpoints = &settings.endpoints;

        let codedeploy_pace = super::pace::Pacer::default();
        let mut codedeploy = aws_sdk_codedeploy::config::Builder::from(&base)
            .interceptor(codedeploy_pace.interceptor());
        if let Some(url) = &endpoints.codedeploy {
            codedeploy = codedeploy.endpoint_url(url);
        }
        let mut ecs = aws_sdk_ecs::config::Builder::from(&base);
        if let Some(url) = &endpoints.ecs {
            ecs = ecs.endpoint_url(url);
        }
        let mut cloudwatch = aws_sdk_cloudwatch::config::Builder::from(&base);
        if let Some(url) = &endpoints.cloudwatch {
            cloudwatch = cloudwatch.endpoint_url(url);
        }
        let mut elbv2 = aws_sdk_elasticloadbalancingv2::config::Builder::from(&base);
        if let Some(url) = &endpoints.elbv2 {
            elbv2 = elbv2.endpoint_url(url);
        }
        let mut lambda = aws_sdk_lambda::config::Builder::from(&base);
        if let Some(url) = &endpoints.lambda {
            lambda = lambda.endpoint_url(url);
        }
        let codedeploy = aws_sdk_codedeploy::Client::from_conf(codedeploy.build());
        let cloudwatch = aws_sdk_cloudwatch::Client::from_conf(cloudwatch.build());
        Ok(Self {
            watch: crate::rollout::watch::Watcher::new(
                codedeploy.clone(),
                cloudwatch.clone(),
                codedeploy_pace.clone(),
            ),
            codedeploy_pace,
            codedeploy,
            ecs: aws_sdk_ecs::Client::from_conf(ecs.build()),
            cloudwatch,
            elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(elbv2.build()),
            lambda: aws_sdk_lambda::Client::from_conf(lambda.build()),
            region,
        })
    }
}
