//! What the resource reads from AWS: the deployment group and everything it points at, and task
//! definitions exactly as ECS returns them (raw JSON, so the normaliser sees every field).

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use super::batched::{GroupReadError, Readers};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::provider::aws::AwsClients;

/// What the deployment group says, resolved through ECS and ELB.
#[derive(Clone, Debug, Default)]
pub struct GroupInfo {
    /// ECS cluster.
    pub cluster: String,
    /// ECS service.
    pub service: String,
    /// Production listener ARN.
    pub prod_listener: String,
    /// True when the group holds production traffic for tests (`STOP_DEPLOYMENT`).
    pub holds_traffic: bool,
    /// The group's alarms.
    pub alarms: Vec<String>,
    /// The test listener's base URL.
    pub test_url: Option<String>,
    /// The service's load balancer container.
    pub container_name: Option<String>,
    /// Its port.
    pub container_port: Option<i64>,
    /// The task definition of the PRIMARY task set: what serves production.
    pub live_task_definition: Option<String>,
    /// The PRIMARY task set's target group.
    pub live_target_group: Option<String>,
}

fn on_group(message: impl Into<String>, detail: impl Into<String>) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.attribute_error(
        AttributePath::root("deployment_group_name"),
        message,
        detail,
    );
    d
}

/// Reads the group, its service and its listeners (batched with the other instances asking meanwhile);
/// `paced` as in [`Readers::group`].
pub async fn resolve_group(
    clients: &AwsClients,
    readers: &Readers,
    application: &str,
    group: &str,
    paced: bool,
) -> Result<GroupInfo, Diagnostics> {
    let info = match readers.group(clients, application, group, paced).await {
        Ok(Some(info)) => info,
        Ok(None) => {
            let mut d = Diagnostics::new();
            d.attribute_error(
                AttributePath::root("deployment_group_name"),
                "Deployment group not found",
                format!("Application {application:?} has no deployment group {group:?}."),
            );
            return Err(d);
        }
        Err(GroupReadError::ApplicationMissing) => {
            let mut d = Diagnostics::new();
            d.attribute_error(
                AttributePath::root("application_name"),
                "CodeDeploy application not found",
                format!("There is no CodeDeploy application {application:?} in this account and region."),
            );
            return Err(d);
        }
        Err(GroupReadError::Failed(err)) => {
            let mut d = Diagnostics::new();
            d.error(
                "Cannot read the deployment group",
                format!("Reading {application}/{group} failed: {err}"),
            );
            return Err(d);
        }
    };
    let info = &info;
    if info.compute_platform().map(|p| p.as_str()) != Some("ECS") {
        return Err(on_group(
            "Not an ECS deployment group",
            format!(
                "{group:?} deploys to {}; ecsbg_deployment needs an ECS blue/green group.",
                info.compute_platform()
                    .map(|p| p.as_str())
                    .unwrap_or("an unknown platform")
            ),
        ));
    }
    if info
        .deployment_style()
        .and_then(|s| s.deployment_type())
        .map(|t| t.as_str())
        != Some("BLUE_GREEN")
    {
        return Err(on_group(
            "Not a blue/green deployment group",
            format!("{group:?} is not configured for BLUE_GREEN deployments."),
        ));
    }
    let service = info
        .ecs_services()
        .first()
        .ok_or_else(|| on_group("No ECS service", format!("{group:?} names no ECS service.")))?;
    let cluster = service.cluster_name().unwrap_or_default().to_string();
    let service_name = service.service_name().unwrap_or_default().to_string();
    let pair = info
        .load_balancer_info()
        .and_then(|l| l.target_group_pair_info_list().first());
    let prod_listener = pair
        .and_then(|p| p.prod_traffic_route())
        .and_then(|r| r.listener_arns().first())
        .cloned()
        .unwrap_or_default();
    let test_listener = pair
        .and_then(|p| p.test_traffic_route())
        .and_then(|r| r.listener_arns().first())
        .cloned();
    let holds_traffic = info
        .blue_green_deployment_configuration()
        .and_then(|b| b.deployment_ready_option())
        .and_then(|r| r.action_on_timeout())
        .map(|a| a.as_str())
        == Some("STOP_DEPLOYMENT");
    let alarms = info
        .alarm_configuration()
        .filter(|a| a.enabled())
        .map(|a| {
            a.alarms()
                .iter()
                .filter_map(|x| x.name().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();

    // The service and the test listener's address are independent reads: make them side by side.
    let (svc, test_url) = tokio::join!(readers.service(clients, &cluster, &service_name), async {
        match &test_listener {
            Some(arn) => listener_url(clients, readers, arn).await,
            None => None,
        }
    });
    let svc = svc
        .map_err(|err| on_group("Cannot read the ECS service", err))?
        .ok_or_else(|| {
            on_group(
                "ECS service not found",
                format!("The group's service {cluster}/{service_name} does not exist."),
            )
        })?;
    let controller = svc
        .deployment_controller()
        .map(|d| d.r#type().as_str().to_string())
        .unwrap_or_else(|| "ECS".into());
    if controller != "CODE_DEPLOY" {
        return Err(on_group("Service not on the CODE_DEPLOY controller", format!("{cluster}/{service_name} uses the {controller} deployment controller; blue/green through CodeDeploy needs `deployment_controller {{ type = \"CODE_DEPLOY\" }}` on the aws_ecs_service.")));
    }
    let primary = svc
        .task_sets()
        .iter()
        .find(|t| t.status() == Some("PRIMARY"));
    let lb = svc.load_balancers().first();
    Ok(GroupInfo {
        cluster,
        service: service_name,
        prod_listener,
        holds_traffic,
        alarms,
        test_url,
        container_name: lb.and_then(|l| l.container_name()).map(str::to_string),
        container_port: lb.and_then(|l| l.container_port()).map(i64::from),
        live_task_definition: primary
            .and_then(|p| p.task_definition())
            .map(str::to_string)
            .or_else(|| svc.task_definition().map(str::to_string)),
        live_target_group: primary
            .and_then(|p| p.load_balancers().first())
            .and_then(|l| l.target_group_arn())
            .map(str::to_string),
    })
}

/// `<protocol>://<load balancer DNS name>:<port>` of a listener.
async fn listener_url(clients: &AwsClients, readers: &Readers, arn: &str) -> Option<String> {
    let listener = readers.listener(clients, arn).await.ok()??;
    let lb = readers
        .load_balancer(clients, listener.load_balancer_arn()?)
        .await
        .ok()??;
    let dns = lb.dns_name()?.to_string();
    let scheme = if listener.protocol().map(|p| p.as_str()) == Some("HTTPS") {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{dns}:{}", listener.port()?))
}

/// Captures a response body as the service sent it.
#[derive(Debug, Clone, Default)]
struct CaptureBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for CaptureBody {
    fn name(&self) -> &'static str {
        "ecsbg.CaptureBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context.response().body().bytes() {
            *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(bytes.to_vec());
        }
        Ok(())
    }
}

/// A task definition as ECS returns it (the `taskDefinition` object of DescribeTaskDefinition), as JSON.
pub async fn describe_task_definition(
    clients: &AwsClients,
    reference: &str,
) -> Result<serde_json::Value, String> {
    let capture = CaptureBody::default();
    clients
        .ecs
        .describe_task_definition()
        .task_definition(reference)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(|e| {
            format!(
                "DescribeTaskDefinition {reference} failed: {}",
                aws_sdk_ecs::error::DisplayErrorContext(&e)
            )
        })?;
    let body = capture
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .ok_or_else(|| "DescribeTaskDefinition returned no body".to_string())?;
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| format!("DescribeTaskDefinition returned invalid JSON: {e}"))?;
    Ok(json["taskDefinition"].clone())
}

/// Sends a request body of our own in place of the one the SDK serialised (before signing, so SigV4 covers
/// it): RegisterTaskDefinition takes the user's JSON exactly as written, every field included, without a
/// field-by-field translation into SDK builders that would silently drop what it does not know.
#[derive(Debug, Clone)]
struct ReplaceBody(Arc<Vec<u8>>);

impl Intercept for ReplaceBody {
    fn name(&self) -> &'static str {
        "ecsbg.ReplaceBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        *request.body_mut() = aws_smithy_types::body::SdkBody::from(self.0.as_ref().clone());
        request
            .headers_mut()
            .insert("content-length", self.0.len().to_string());
        Ok(())
    }
}

/// Registers the user's task definition (RegisterTaskDefinition input JSON) and returns the new ARN.
pub async fn register_task_definition(
    clients: &AwsClients,
    input: &serde_json::Value,
) -> Result<String, String> {
    let family = input["family"].as_str().unwrap_or_default().to_string();
    let body =
        serde_json::to_vec(input).map_err(|e| format!("cannot encode the task definition: {e}"))?;
    let placeholder = aws_sdk_ecs::types::ContainerDefinition::builder()
        .name("placeholder")
        .build();
    let out = clients
        .ecs
        .register_task_definition()
        .family(&family)
        .container_definitions(placeholder)
        .customize()
        .interceptor(ReplaceBody(Arc::new(body)))
        .send()
        .await
        .map_err(|e| {
            format!(
                "RegisterTaskDefinition of family {family:?} failed: {}",
                aws_sdk_ecs::error::DisplayErrorContext(&e)
            )
        })?;
    out.task_definition()
        .and_then(|t| t.task_definition_arn())
        .map(str::to_string)
        .ok_or_else(|| "RegisterTaskDefinition returned no ARN".to_string())
}
