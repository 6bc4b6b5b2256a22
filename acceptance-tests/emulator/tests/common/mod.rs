//! Shared helpers for the emulator's tests: a seeded emulator, real SDK clients pointed at it, real HTTP.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use ecsbg_emulator::{Emulator, EmulatorConfig, Seed};

pub use ecsbg_emulator::demo::demo_seed;

/// An emulator running the demo seed at `scale` emulated seconds per real second.
pub async fn start(scale: f64) -> Emulator {
    start_with(demo_seed().expect("the demo seed parses"), scale).await
}

/// An emulator running `seed`.
pub async fn start_with(seed: Seed, scale: f64) -> Emulator {
    Emulator::start(EmulatorConfig {
        time_scale: scale,
        seed,
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

/// Real SDK clients.
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub codedeploy: aws_sdk_codedeploy::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
}

/// Clients with static credentials, no retries (so injected faults surface), pointed at the emulator.
pub async fn clients(emulator: &Emulator) -> Clients {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(emulator.endpoint_url())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "emulator", "emulator", None, None, "test",
        ))
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .load()
        .await;
    Clients {
        ecs: aws_sdk_ecs::Client::new(&config),
        codedeploy: aws_sdk_codedeploy::Client::new(&config),
        cloudwatch: aws_sdk_cloudwatch::Client::new(&config),
        elbv2: aws_sdk_elasticloadbalancingv2::Client::new(&config),
    }
}

/// A plain HTTP GET over a fresh connection: (status, body, target group header).
pub async fn get(url: &str) -> (u16, String, String) {
    use http_body_util::{BodyExt, Empty};
    let client: hyper_util::client::legacy::Client<_, Empty<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let response = client
        .get(url.parse().expect("url"))
        .await
        .expect("request");
    let status = response.status().as_u16();
    let tg = response
        .headers()
        .get("x-ecsbg-target-group")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned(), tg)
}

/// Polls `check` until it returns Some, or panics after `limit` with `what`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The listener URL of `<lb>/<label>`.
pub fn listener_url(emulator: &Emulator, name: &str) -> String {
    emulator.seed_report().listeners[name].url.clone()
}

/// Registers v2 of the `web` task definition with `message` and returns its ARN.
pub async fn register_version(c: &Clients, image: &str, message: &str) -> String {
    register_web(c, image, &[("MESSAGE", message)]).await
}

/// Registers a `web` task definition (Fargate, port 80) running `image` with `env`, and returns its ARN.
pub async fn register_web(c: &Clients, image: &str, env: &[(&str, &str)]) -> String {
    use aws_sdk_ecs::types::{ContainerDefinition, KeyValuePair, PortMapping};
    let mut container = ContainerDefinition::builder()
        .name("web")
        .image(image)
        .port_mappings(PortMapping::builder().container_port(80).build());
    for (name, value) in env {
        container =
            container.environment(KeyValuePair::builder().name(*name).value(*value).build());
    }
    c.ecs
        .register_task_definition()
        .family("web")
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(container.build())
        .send()
        .await
        .expect("register")
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("arn")
        .to_string()
}

/// The AppSpec that deploys `task_definition_arn` to the demo service's `web` container on port 80.
pub fn appspec(task_definition_arn: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "0.0",
        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
            "TaskDefinition": task_definition_arn,
            "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}}}}]
    })
}

/// A CreateDeployment to web-prod with `content` as its AppSpec, ready for extras and `send`: every
/// deployment the tests start (or expect refused) is built here.
pub fn create_deployment(
    c: &Clients,
    content: &str,
) -> aws_sdk_codedeploy::operation::create_deployment::builders::CreateDeploymentFluentBuilder {
    use aws_sdk_codedeploy::types::{AppSpecContent, RevisionLocation, RevisionLocationType};
    c.codedeploy
        .create_deployment()
        .application_name("web")
        .deployment_group_name("web-prod")
        .revision(
            RevisionLocation::builder()
                .revision_type(RevisionLocationType::AppSpecContent)
                .app_spec_content(AppSpecContent::builder().content(content).build())
                .build(),
        )
}

/// Starts a deployment of `task_definition_arn` to web-prod.
pub async fn deploy(c: &Clients, task_definition_arn: &str, config: Option<&str>) -> String {
    let out = create_deployment(c, &appspec(task_definition_arn).to_string())
        .set_deployment_config_name(config.map(str::to_string))
        .send()
        .await
        .expect("create deployment");
    out.deployment_id().expect("id").to_string()
}

/// GetDeployment's `deploymentInfo`, which every test that inspects a deployment reads.
pub async fn deployment_info(c: &Clients, id: &str) -> aws_sdk_codedeploy::types::DeploymentInfo {
    c.codedeploy
        .get_deployment()
        .deployment_id(id)
        .send()
        .await
        .expect("get deployment")
        .deployment_info()
        .cloned()
        .expect("deployment info")
}

/// The deployment's status word.
pub async fn status(c: &Clients, id: &str) -> String {
    let out = c
        .codedeploy
        .get_deployment()
        .deployment_id(id)
        .send()
        .await
        .expect("get deployment");
    out.deployment_info()
        .and_then(|d| d.status())
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

/// Waits until the deployment reaches `wanted`.
pub async fn wait_status(c: &Clients, id: &str, wanted: &str) {
    eventually(
        Duration::from_secs(60),
        &format!("{id} to be {wanted}"),
        || async {
            let s = status(c, id).await;
            (s == wanted).then_some(())
        },
    )
    .await
}

/// The error code an SDK parsed from the emulator's answer.
pub fn code<E: aws_sdk_ecs::error::ProvideErrorMetadata>(err: &E) -> String {
    err.code().unwrap_or_default().to_string()
}

/// Starts a deployment to web-prod with a whole AppSpec (for hooks and other extras).
pub async fn deploy_appspec(c: &Clients, appspec: &serde_json::Value) -> String {
    create_deployment(c, &appspec.to_string())
        .send()
        .await
        .expect("create deployment")
        .deployment_id()
        .expect("id")
        .to_string()
}
