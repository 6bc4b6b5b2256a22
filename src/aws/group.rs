//! Reading a deployment group with everything it points at (service, listeners, what serves production),
//! checked to be something a blue/green rollout can drive. Reads are batched with the other resources
//! asking meanwhile; an apply's reads take their turn on the CodeDeploy pace; a plan may reuse what the
//! refresh of the same run saw moments ago.

use std::time::{Duration, Instant};

use super::client::Aws;
use super::error::AwsError;
use super::views::GroupInfo;

/// How long a deployment group read stays good for a following plan.
const GROUP_REUSE: Duration = Duration::from_secs(60);

/// Why a group is read, which sets how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A refresh or import: batched, unpaced, fresh.
    Refresh,
    /// A plan: may reuse a refresh's read of the last minute.
    Plan,
    /// An apply: takes its turn with the rollouts' CodeDeploy calls (an unpaced burst of fifty reads would
    /// be throttled and slow the rollouts), fresh.
    Apply,
}

/// Why a group cannot be driven, each a case the caller words on its own attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupError {
    /// No such CodeDeploy application.
    ApplicationNotFound,
    /// The application has no such group.
    GroupNotFound,
    /// The group is for another compute platform.
    NotEcs {
        /// The platform it is for, when it says.
        platform: Option<String>,
    },
    /// The group is not blue/green.
    NotBlueGreen,
    /// The group names no ECS service.
    NoService,
    /// The service the group names does not exist.
    ServiceNotFound {
        /// Its cluster.
        cluster: String,
        /// Its name.
        service: String,
    },
    /// The service is not on the CODE_DEPLOY controller.
    WrongController {
        /// Its cluster.
        cluster: String,
        /// Its name.
        service: String,
        /// The controller it uses.
        controller: String,
    },
    /// Reading the group failed.
    Group(AwsError),
    /// Reading the service failed.
    Service(AwsError),
}

impl Aws {
    /// The group and what it points at.
    pub async fn deployment_group(
        &self,
        application: &str,
        group: &str,
        purpose: Purpose,
    ) -> Result<GroupInfo, GroupError> {
        let key = (application.to_string(), group.to_string());
        if purpose == Purpose::Plan {
            let reused = self
                .cache()
                .groups
                .get(&key)
                .filter(|(at, _)| at.elapsed() < GROUP_REUSE)
                .map(|(_, info)| info.clone());
            if let Some(info) = reused {
                return Ok(info);
            }
        }
        let info = self
            .read_group(application, group, purpose == Purpose::Apply)
            .await?;
        self.cache()
            .groups
            .insert(key, (Instant::now(), info.clone()));
        Ok(info)
    }

    async fn read_group(
        &self,
        application: &str,
        group: &str,
        paced: bool,
    ) -> Result<GroupInfo, GroupError> {
        let info = match self
            .readers
            .group(
                if paced { &self.sdk } else { &self.reads },
                &self.pace,
                application,
                group,
                paced,
            )
            .await
        {
            Ok(Some(info)) => info,
            Ok(None) => return Err(GroupError::GroupNotFound),
            // BatchGetDeploymentGroups names no group it lacks as an error: only the application.
            Err(err) if err.is_not_found() => return Err(GroupError::ApplicationNotFound),
            Err(err) => return Err(GroupError::Group(err)),
        };
        let platform = info.compute_platform().map(|p| p.as_str().to_string());
        if platform.as_deref() != Some("ECS") {
            return Err(GroupError::NotEcs { platform });
        }
        if info
            .deployment_style()
            .and_then(|s| s.deployment_type())
            .map(|t| t.as_str())
            != Some("BLUE_GREEN")
        {
            return Err(GroupError::NotBlueGreen);
        }
        let service = info.ecs_services().first().ok_or(GroupError::NoService)?;
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
        let (svc, test_url) = tokio::join!(
            self.readers.service(&self.reads, &cluster, &service_name),
            async {
                match &test_listener {
                    Some(arn) => self.listener_url(arn).await,
                    None => None,
                }
            }
        );
        let svc = svc
            .map_err(GroupError::Service)?
            .ok_or_else(|| GroupError::ServiceNotFound {
                cluster: cluster.clone(),
                service: service_name.clone(),
            })?;
        let controller = svc
            .deployment_controller()
            .map(|d| d.r#type().as_str().to_string())
            .unwrap_or_else(|| "ECS".into());
        if controller != "CODE_DEPLOY" {
            return Err(GroupError::WrongController {
                cluster,
                service: service_name,
                controller,
            });
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
    pub(super) async fn listener_url(&self, arn: &str) -> Option<String> {
        let listener = self.readers.listener(&self.reads, arn).await.ok()??;
        let lb = self
            .readers
            .load_balancer(&self.reads, listener.load_balancer_arn()?)
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
}
