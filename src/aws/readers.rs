//! The reads every resource instance makes on refresh and plan, batched across instances: deployment groups
//! (BatchGetDeploymentGroups, 100 per application), ECS services (DescribeServices, 10 per cluster),
//! listeners and load balancers (20 per call) and alarms (100 per call). Deployments in flight come
//! from the rollout poller's account-wide listing.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_codedeploy::types::DeploymentGroupInfo;
use aws_sdk_ecs::types::Service as EcsService;
use aws_sdk_elasticloadbalancingv2::types::{Listener, LoadBalancer};

use super::batch::Coalescer;
use super::error::AwsError;
use super::pace::Pacer;
use super::sdk::{Sdk, Service};

/// Describes ELB resources by ARN in one call; ELB fails the whole call when one ARN is gone, so then it
/// asks for each on its own and keeps what answers (a listener that is gone is "none", not an error).
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
    groups: Arc<Coalescer<(String, bool), String, DeploymentGroupInfo, AwsError>>,
    services: Arc<Coalescer<String, String, EcsService, AwsError>>,
    listeners: Arc<Coalescer<(), String, Listener, AwsError>>,
    load_balancers: Arc<Coalescer<(), String, LoadBalancer, AwsError>>,
    alarms: Arc<Coalescer<(), String, AlarmState, AwsError>>,
}

/// One alarm's state as CloudWatch reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmState {
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
    /// CloudWatch's reason.
    pub reason: String,
}

impl AlarmState {
    /// True while the alarm is in ALARM.
    pub fn firing(&self) -> bool {
        self.state == "ALARM"
    }
}

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
        sdk: &Sdk,
        pace: &Pacer,
        application: &str,
        group: &str,
        paced: bool,
    ) -> Result<Option<DeploymentGroupInfo>, AwsError> {
        let sdk = sdk.clone();
        let pace = pace.clone();
        self.groups
            .get(
                (application.to_string(), paced),
                group.to_string(),
                move |(application, paced), names| {
                    let sdk = sdk.clone();
                    let pace = pace.clone();
                    async move {
                        if paced {
                            pace.turn().await;
                        }
                        let out = sdk
                            .codedeploy
                            .batch_get_deployment_groups()
                            .application_name(&application)
                            .set_deployment_group_names(Some(names))
                            .send()
                            .await
                            .map_err(|err| {
                                sdk.error(Service::CodeDeploy, "BatchGetDeploymentGroups", err)
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
        sdk: &Sdk,
        cluster: &str,
        service: &str,
    ) -> Result<Option<EcsService>, AwsError> {
        let sdk = sdk.clone();
        self.services
            .get(
                cluster.to_string(),
                service.to_string(),
                move |cluster, names| {
                    let sdk = sdk.clone();
                    async move {
                        let out = sdk
                            .ecs
                            .describe_services()
                            .cluster(&cluster)
                            .set_services(Some(names))
                            .send()
                            .await
                            .map_err(|err| sdk.error(Service::Ecs, "DescribeServices", err))?;
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
    pub async fn listener(&self, sdk: &Sdk, arn: &str) -> Result<Option<Listener>, AwsError> {
        let sdk = sdk.clone();
        self.listeners
            .get((), arn.to_string(), move |(), arns| {
                let sdk = sdk.clone();
                async move {
                    let describe = |arns: Vec<String>| {
                        sdk.elbv2
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
        sdk: &Sdk,
        arn: &str,
    ) -> Result<Option<LoadBalancer>, AwsError> {
        let sdk = sdk.clone();
        self.load_balancers
            .get((), arn.to_string(), move |(), arns| {
                let sdk = sdk.clone();
                async move {
                    let describe = |arns: Vec<String>| {
                        sdk.elbv2
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
    /// One alarm's state; `Ok(None)` when CloudWatch has no metric alarm of that name.
    pub async fn alarm(&self, sdk: &Sdk, name: &str) -> Result<Option<AlarmState>, AwsError> {
        let sdk = sdk.clone();
        self.alarms
            .get((), name.to_string(), move |(), names| {
                let sdk = sdk.clone();
                async move {
                    let out = sdk
                        .cloudwatch
                        .describe_alarms()
                        .set_alarm_names(Some(names))
                        .send()
                        .await
                        .map_err(|err| sdk.error(Service::CloudWatch, "DescribeAlarms", err))?;
                    Ok(out
                        .metric_alarms()
                        .iter()
                        .filter_map(|a| {
                            Some((
                                a.alarm_name()?.to_string(),
                                AlarmState {
                                    state: a
                                        .state_value()
                                        .map(|s| s.as_str().to_string())
                                        .unwrap_or_default(),
                                    reason: a
                                        .state_reason()
                                        .unwrap_or("no reason given")
                                        .to_string(),
                                },
                            ))
                        })
                        .collect())
                }
            })
            .await
    }
}
