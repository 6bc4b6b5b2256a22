//! The reads every resource instance makes on refresh and plan, batched across instances: deployment groups
//! (BatchGetDeploymentGroups, 100 per application), ECS services (DescribeServices, 10 per cluster),
//! listeners and load balancers (20 per call), and the deployments in flight (one account-wide
//! ListDeployments instead of one per group).

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_codedeploy::error::ProvideErrorMetadata;
use aws_sdk_codedeploy::types::{DeploymentGroupInfo, DeploymentStatus};
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

/// A deployment in flight: (id, status).
pub type InFlight = (String, String);

/// The batching readers, shared by every instance of the resource in a provider process.
pub struct Readers {
    groups: Arc<Coalescer<String, String, DeploymentGroupInfo, GroupReadError>>,
    services: Arc<Coalescer<String, String, Service, String>>,
    listeners: Arc<Coalescer<(), String, Listener, String>>,
    load_balancers: Arc<Coalescer<(), String, LoadBalancer, String>>,
    in_flight: Arc<Coalescer<(), (String, String), InFlight, String>>,
}

impl Default for Readers {
    fn default() -> Self {
        Readers {
            groups: Arc::new(Coalescer::new(100)),
            services: Arc::new(Coalescer::new(10)),
            listeners: Arc::new(Coalescer::new(20)),
            load_balancers: Arc::new(Coalescer::new(20)),
            in_flight: Arc::new(Coalescer::new(usize::MAX)),
        }
    }
}

/// The statuses that hold a deployment group's single slot.
const ACTIVE: [DeploymentStatus; 5] = [
    DeploymentStatus::Created,
    DeploymentStatus::Queued,
    DeploymentStatus::InProgress,
    DeploymentStatus::Ready,
    DeploymentStatus::Baking,
];

impl Readers {
    /// One deployment group; `Ok(None)` when the application has no such group.
    pub async fn group(
        &self,
        clients: &AwsClients,
        application: &str,
        group: &str,
    ) -> Result<Option<DeploymentGroupInfo>, GroupReadError> {
        let clients = clients.clone();
        self.groups
            .get(
                application.to_string(),
                group.to_string(),
                move |application, names| {
                    let clients = clients.clone();
                    async move {
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
                    // One missing listener fails the whole call: then ask for each on its own.
                    let outs = match describe(arns.clone()).await {
                        Ok(out) => vec![out],
                        Err(_) => {
                            let mut outs = Vec::new();
                            for arn in arns {
                                if let Ok(out) = describe(vec![arn]).await {
                                    outs.push(out);
                                }
                            }
                            outs
                        }
                    };
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
                    let outs = match describe(arns.clone()).await {
                        Ok(out) => vec![out],
                        Err(_) => {
                            let mut outs = Vec::new();
                            for arn in arns {
                                if let Ok(out) = describe(vec![arn]).await {
                                    outs.push(out);
                                }
                            }
                            outs
                        }
                    };
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

    /// The group's deployment in flight, if any: one account-wide ListDeployments of the active statuses
    /// answers every group asking at the same time.
    pub async fn in_flight(
        &self,
        clients: &AwsClients,
        application: &str,
        group: &str,
    ) -> Result<Option<InFlight>, String> {
        let clients = clients.clone();
        self.in_flight
            .get(
                (),
                (application.to_string(), group.to_string()),
                move |(), _groups| {
                    let clients = clients.clone();
                    async move { active_deployments(&clients).await }
                },
            )
            .await
    }
}

/// Every active deployment in the account and region, by (application, group).
async fn active_deployments(
    clients: &AwsClients,
) -> Result<HashMap<(String, String), InFlight>, String> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = clients
            .codedeploy
            .list_deployments()
            .set_include_only_statuses(Some(ACTIVE.to_vec()))
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|err| {
                format!(
                    "ListDeployments failed: {}",
                    aws_sdk_codedeploy::error::DisplayErrorContext(&err)
                )
            })?;
        ids.extend(out.deployments().iter().cloned());
        match out.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => break,
        }
    }
    let mut found = HashMap::new();
    for chunk in ids.chunks(25) {
        let out = clients
            .codedeploy
            .batch_get_deployments()
            .set_deployment_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|err| {
                format!(
                    "BatchGetDeployments failed: {}",
                    aws_sdk_codedeploy::error::DisplayErrorContext(&err)
                )
            })?;
        // ListDeployments lists the newest first; keep the first seen per group.
        let mut infos: HashMap<&str, _> = HashMap::new();
        for info in out.deployments_info() {
            if let Some(id) = info.deployment_id() {
                infos.insert(id, info);
            }
        }
        for id in chunk {
            let Some(info) = infos.get(id.as_str()) else {
                continue;
            };
            let (Some(app), Some(group)) = (info.application_name(), info.deployment_group_name())
            else {
                continue;
            };
            found
                .entry((app.to_string(), group.to_string()))
                .or_insert_with(|| {
                    (
                        id.clone(),
                        info.status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    )
                });
        }
    }
    Ok(found)
}
