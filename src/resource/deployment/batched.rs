//! The reads every resource instance makes on refresh and plan, batched across instances: deployment groups
//! (BatchGetDeploymentGroups, 100 per application), ECS services (DescribeServices, 10 per cluster),
//! listeners and load balancers (20 per call) and alarms (100 per call). Deployments in flight come
//! from the rollout poller's account-wide listing.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_codedeploy::error::ProvideErrorMetadata;
use aws_sdk_codedeploy::types::DeploymentGroupInfo;
use aws_sdk_ecs::types::Service;
use aws_sdk_elasticloadbalancingv2::types::{Listener, LoadBalancer};

use crate::provider::aws::AwsClients;
use crate::provider::batch::Coalescer;

/// Why a deployment group could not be read.
#[derive(Clone, Debug)]
pub enum GroupReadError {
    /// The CodeDeploy application does not exist.
    ApplicationMissing,
    /// Anything else, as a sentence.
    Failed(String),
}

/// Describes ELB resources by ARN in one call; ELB fails the whole call when one ARN is gone, so then it
/// asks for each on its own and keeps what answers.
async fn all_or_each<T, E, F, Fut>(arns: Vec<String>, describe: F) -> Vec<T>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    if let Ok(out) = describe(arns.clone()).await {
        return vec![out];
    }
    let mut outs = Vec::new();
    for arn in arns {
        if let Ok(out) = describe(vec![arn]).await {
            outs.push(out);
        }
    }
    outs
}

/// The batching readers, shared by every instance of the resource in a provider process.
pub struct Readers {
    /// Scoped by (application, paced).
    groups: Arc<Coalescer<(String, bool), String, DeploymentGroupInfo, GroupReadError>>,
    services: Arc<Coalescer<String, String, Service, String>>,
    listeners: Arc<Coalescer<(), String, Listener, String>>,
    load_balancers: Arc<Coalescer<(), String, LoadBalancer, String>>,
    alarms: Arc<Coalescer<(), String, AlarmState, String>>,
}

/// An alarm's state and CloudWatch's reason for it.
pub type AlarmState = (String, String);

impl Default for Readers {
    fn default() -> Self {
        Readers {
            groups: Arc::new(Coalescer::new(100)),
            services: Arc::new(Coalescer::new(10)),
            listeners: Arc::new(Coalescer::new(20)),
            load_balancers: Arc::new(Coalescer::new(20)),
            alarms: Arc::new(Coalescer::new(100)),
        }
    }
}

impl Readers {
    /// One deployment group; `Ok(None)` when the application has no such group. `paced`: take turns with
    /// the rollouts' CodeDeploy calls (an apply, whose rollouts follow at once), or not (refresh and plan).
    pub async fn group(
        &self,
        clients: &AwsClients,
        application: &str,
        group: &str,
        paced: bool,
    ) -> Result<Option<DeploymentGroupInfo>, GroupReadError> {
        let clients = clients.clone();
        self.groups
            .get(
                (application.to_string(), paced),
                group.to_string(),
                move |(application, paced), names| {
                    let clients = clients.clone();
                    async move {
                        if paced {
                            clients.codedeploy_pace.turn().await;
                        }
                        let out = clients
                            .codedeploy
                            .batch_get_deployment_groups()
                            .application_name(&application)
                            .set_deployment_group_names(Some(names))
                            .send()
                            .await
                            .map_err(|err| match err.as_service_error().and_then(|e| e.code()) {
                                Some("ApplicationDoesNotExistException") => {
                                    GroupReadError::ApplicationMissing
                                }
                                _ => GroupReadError::Failed(format!(
                                    "BatchGetDeploymentGroups in {application} failed: {}",
                                    aws_sdk_codedeploy::error::DisplayErrorContext(&err)
                                )),
                            })?;
                        Ok(out
                            .deployment_groups_info()
                            .iter()
                            .filter_map(|g| {
                                Some((g.deployment_group_name()?.to_string(), g.clone()))
                            })
                            .collect())
                    }
                },
            )
            .await
    }

    /// One ECS service; `Ok(None)` when the cluster has no such service.
    pub async fn service(
        &self,
        clients: &AwsClients,
        cluster: &str,
        service: &str,
    ) -> Result<Option<Service>, String> {
        let clients = clients.clone();
        self.services
            .get(
                cluster.to_string(),
                service.to_string(),
                move |cluster, names| {
                    let clients = clients.clone();
                    async move {
                        let out = clients
                            .ecs
                            .describe_services()
                            .cluster(&cluster)
                            .set_services(Some(names))
                            .send()
                            .await
                            .map_err(|err| {
                                format!(
                                    "DescribeServices in {cluster} failed: {}",
                                    aws_sdk_ecs::error::DisplayErrorContext(&err)
                                )
                            })?;
                        Ok(out
                            .services()
                            .iter()
                            .filter_map(|s| Some((s.service_name()?.to_string(), s.clone())))
                            .collect())
                    }
                },
            )
            .await
    }

    /// One listener by ARN; `Ok(None)` when it does not exist.
    pub async fn listener(
        &self,
        clients: &AwsClients,
        arn: &str,
    ) -> Result<Option<Listener>, String> {
        let clients = clients.clone();
        self.listeners
            .get((), arn.to_string(), move |(), arns| {
                let clients = clients.clone();
                async move {
                    let describe = |arns: Vec<String>| {
                        clients
                            .elbv2
                            .describe_listeners()
                            .set_listener_arns(Some(arns))
                            .send()
                    };
                    let mut found = HashMap::new();
                    let outs = all_or_each(arns, describe).await;
                    for out in outs {
                        for l in out.listeners() {
                            if let Some(arn) = l.listener_arn() {
                                found.insert(arn.to_string(), l.clone());
                            }
                        }
                    }
                    Ok(found)
                }
            })
            .await
    }

    /// One load balancer by ARN; `Ok(None)` when it does not exist.
    pub async fn load_balancer(
        &self,
        clients: &AwsClients,
        arn: &str,
    ) -> Result<Option<LoadBalancer>, String> {
        let clients = clients.clone();
        self.load_balancers
            .get((), arn.to_string(), move |(), arns| {
                let clients = clients.clone();
                async move {
                    let describe = |arns: Vec<String>| {
                        clients
                            .elbv2
                            .describe_load_balancers()
                            .set_load_balancer_arns(Some(arns))
                            .send()
                    };
                    let outs = all_or_each(arns, describe).await;
                    let mut found = HashMap::new();
                    for out in outs {
                        for lb in out.load_balancers() {
                            if let Some(arn) = lb.load_balancer_arn() {
                                found.insert(arn.to_string(), lb.clone());
                            }
                        }
                    }
                    Ok(found)
                }
            })
            .await
    }
}

impl Readers {
    /// One alarm's (state, reason); `Ok(None)` when CloudWatch has no metric alarm of that name.
    pub async fn alarm(
        &self,
        clients: &AwsClients,
        name: &str,
    ) -> Result<Option<AlarmState>, String> {
        let clients = clients.clone();
        self.alarms
            .get((), name.to_string(), move |(), names| {
                let clients = clients.clone();
                async move {
                    let out = clients
                        .cloudwatch
                        .describe_alarms()
                        .set_alarm_names(Some(names))
                        .send()
                        .await
                        .map_err(|err| {
                            format!(
                                "DescribeAlarms failed: {}",
                                aws_sdk_cloudwatch::error::DisplayErrorContext(&err)
                            )
                        })?;
                    Ok(out
                        .metric_alarms()
                        .iter()
                        .filter_map(|a| {
                            Some((
                                a.alarm_name()?.to_string(),
                                (
                                    a.state_value()
                                        .map(|s| s.as_str().to_string())
                                        .unwrap_or_default(),
                                    a.state_reason().unwrap_or("no reason given").to_string(),
                                ),
                            ))
                        })
                        .collect())
                }
            })
            .await
    }
}
