//! The SDK clients, built once per provider configuration from the full `aws-config` credential chain plus
//! the provider block's overrides. Nothing outside `aws/` sees them: callers use the typed methods on
//! [`Aws`](super::Aws), which pace, batch and translate errors.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::error::AwsError;
use super::pace::Pacer;
use super::settings::AwsSettings;
use super::transport::{LastFailure, Timeouts};
use crate::duration::format_duration;

/// The first retry's back-off ceiling (full jitter, doubling per attempt up to the SDK's 20 s). The SDK's
/// default of one second made a throttled burst of plan-time reads, which are batched but not paced, cost a
/// second or more each; AWS throttling buckets refill many times a second, and the doubling still reaches
/// whole seconds by the fourth attempt.
const RETRY_INITIAL_BACKOFF: std::time::Duration = std::time::Duration::from_millis(200);

/// One client per service, and where each sends its requests (for error messages).
#[derive(Clone, Debug)]
pub struct Sdk {
    /// Deployments, deployment groups, lifecycle targets; every call reports to the shared pace.
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
    /// The endpoints, by service, as configured or as AWS's default for the region.
    pub endpoints: Endpoints,
    /// The limits these clients wait by.
    pub timeouts: Timeouts,
    /// True for the clients of refresh, plan and import reads, which give up after `timeouts.read`.
    pub for_reads: bool,
    /// What each service's last failed attempt met.
    failures: Failures,
}

/// The last transport failure of each client.
#[derive(Clone, Debug, Default)]
struct Failures {
    codedeploy: LastFailure,
    ecs: LastFailure,
    cloudwatch: LastFailure,
    elbv2: LastFailure,
    lambda: LastFailure,
}

/// Where each client sends its requests.
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    /// CodeDeploy.
    pub codedeploy: String,
    /// ECS.
    pub ecs: String,
    /// CloudWatch.
    pub cloudwatch: String,
    /// ELBv2.
    pub elbv2: String,
    /// Lambda.
    pub lambda: String,
}

fn endpoint(configured: &Option<String>, prefix: &str, region: &Option<String>) -> String {
    configured.clone().unwrap_or_else(|| {
        format!(
            "https://{prefix}.{}.amazonaws.com",
            region.as_deref().unwrap_or("<region>")
        )
    })
}

impl Sdk {
    /// Builds the clients. Nothing is called on AWS here: credentials resolve lazily on the first request.
    /// `for_reads`: the clients of refresh, plan and import reads, which give up after the read timeout.
    pub async fn build(settings: &AwsSettings, pace: &Pacer, for_reads: bool) -> Self {
        let timeouts = settings.timeouts;
        let mut timeout_config = TimeoutConfig::builder()
            .connect_timeout(timeouts.connect)
            .operation_attempt_timeout(timeouts.attempt);
        if for_reads {
            timeout_config = timeout_config.operation_timeout(timeouts.read);
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(settings.max_retries + 1)
                    .with_initial_backoff(RETRY_INITIAL_BACKOFF),
            )
            .timeout_config(timeout_config.build());
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
        let configured = &settings.endpoints;

        let failures = Failures::default();
        let mut codedeploy = aws_sdk_codedeploy::config::Builder::from(&base)
            .interceptor(pace.interceptor())
            .interceptor(failures.codedeploy.clone());
        if let Some(url) = &configured.codedeploy {
            codedeploy = codedeploy.endpoint_url(url);
        }
        let mut ecs = aws_sdk_ecs::config::Builder::from(&base).interceptor(failures.ecs.clone());
        if let Some(url) = &configured.ecs {
            ecs = ecs.endpoint_url(url);
        }
        let mut cloudwatch = aws_sdk_cloudwatch::config::Builder::from(&base)
            .interceptor(failures.cloudwatch.clone());
        if let Some(url) = &configured.cloudwatch {
            cloudwatch = cloudwatch.endpoint_url(url);
        }
        let mut elbv2 = aws_sdk_elasticloadbalancingv2::config::Builder::from(&base)
            .interceptor(failures.elbv2.clone());
        if let Some(url) = &configured.elbv2 {
            elbv2 = elbv2.endpoint_url(url);
        }
        let mut lambda =
            aws_sdk_lambda::config::Builder::from(&base).interceptor(failures.lambda.clone());
        if let Some(url) = &configured.lambda {
            lambda = lambda.endpoint_url(url);
        }
        let endpoints = Endpoints {
            codedeploy: endpoint(&configured.codedeploy, "codedeploy", &region),
            ecs: endpoint(&configured.ecs, "ecs", &region),
            cloudwatch: endpoint(&configured.cloudwatch, "monitoring", &region),
            elbv2: endpoint(&configured.elbv2, "elasticloadbalancing", &region),
            lambda: endpoint(&configured.lambda, "lambda", &region),
        };
        Sdk {
            codedeploy: aws_sdk_codedeploy::Client::from_conf(codedeploy.build()),
            ecs: aws_sdk_ecs::Client::from_conf(ecs.build()),
            cloudwatch: aws_sdk_cloudwatch::Client::from_conf(cloudwatch.build()),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(elbv2.build()),
            lambda: aws_sdk_lambda::Client::from_conf(lambda.build()),
            region,
            endpoints,
            timeouts,
            for_reads,
            failures,
        }
    }

    /// Reads an SDK error of `service`'s `operation` into ours, with the endpoint the call went to.
    pub fn error<E>(
        &self,
        service: Service,
        operation: &'static str,
        err: SdkError<E, HttpResponse>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let timed_out = matches!(err, SdkError::TimeoutError(_));
        let (name, endpoint, failure) = match service {
            Service::CodeDeploy => (
                "CodeDeploy",
                &self.endpoints.codedeploy,
                &self.failures.codedeploy,
            ),
            Service::Ecs => ("ECS", &self.endpoints.ecs, &self.failures.ecs),
            Service::CloudWatch => (
                "CloudWatch",
                &self.endpoints.cloudwatch,
                &self.failures.cloudwatch,
            ),
            Service::Elbv2 => (
                "Elastic Load Balancing",
                &self.endpoints.elbv2,
                &self.failures.elbv2,
            ),
            Service::Lambda => ("Lambda", &self.endpoints.lambda, &self.failures.lambda),
        };
        let mut error = AwsError::from_sdk(name, operation, Some(endpoint), err);
        if timed_out {
            error.message = Some(self.timeout_words(failure.recent()));
        }
        error
    }

    /// What a timeout means with these clients' limits, and what the last attempt met.
    fn timeout_words(&self, last: Option<String>) -> String {
        let limits = if self.for_reads {
            format!(
                "no answer within {} in all (each attempt {}, connecting {})",
                format_duration(self.timeouts.read),
                format_duration(self.timeouts.attempt),
                format_duration(self.timeouts.connect)
            )
        } else {
            format!(
                "no answer within {} (connecting {})",
                format_duration(self.timeouts.attempt),
                format_duration(self.timeouts.connect)
            )
        };
        match last {
            Some(last) => format!("{limits}; the last attempt: {last}"),
            None => limits,
        }
    }
}

/// The services the provider calls, for naming them in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// AWS CodeDeploy.
    CodeDeploy,
    /// Amazon ECS.
    Ecs,
    /// Amazon CloudWatch.
    CloudWatch,
    /// Elastic Load Balancing v2.
    Elbv2,
    /// AWS Lambda.
    Lambda,
}
