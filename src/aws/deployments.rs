//! CodeDeploy deployments: create, continue the Ready wait, stop with rollback, read one (with back-off),
//! read its ECS target, and list a group's deployments in flight. Every call takes its turn on the shared
//! CodeDeploy pace here, so no caller can forget to.

use std::time::Duration;

use aws_sdk_codedeploy::types::{
    Alarm, AlarmConfiguration, AppSpecContent, AutoRollbackConfiguration, AutoRollbackEvent,
    DeploymentWaitType, RevisionLocation, RevisionLocationType,
};

use super::client::Aws;
use super::error::{AwsError, ErrorKind};
use super::sdk::Service;
use super::views::{DeploymentView, TargetView};

/// GetDeployment attempts beyond the SDK's own retries (500 ms, 1 s, 2 s, 4 s apart).
const GET_RETRIES: u32 = 4;

/// Which alarms CodeDeploy watches for a deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlarmOverride {
    /// These alarms, whatever the group says.
    Watch(Vec<String>),
    /// The group's own alarm configuration.
    GroupDefault,
    /// None: a redeploy of the previous version must not be stopped by the alarm that triggered it.
    Disabled,
}

/// What CreateDeployment is asked for.
#[derive(Clone, Debug)]
pub struct NewDeployment {
    /// CodeDeploy application.
    pub application: String,
    /// Deployment group.
    pub group: String,
    /// The AppSpec content (JSON).
    pub appspec: String,
    /// Its SHA-256, by which an in-flight deployment is recognised later.
    pub appspec_sha256: String,
    /// Recorded on the deployment; tells ours from someone else's.
    pub description: String,
    /// Deployment config override.
    pub config: Option<String>,
    /// Alarms.
    pub alarms: AlarmOverride,
}

impl Aws {
    /// Creates a deployment that rolls back on failure, on an alarm and on a stop; returns its id.
    pub async fn create_deployment(&self, new: &NewDeployment) -> Result<String, AwsError> {
        const OPERATION: &str = "CreateDeployment";
        let content = AppSpecContent::builder()
            .content(&new.appspec)
            .sha256(&new.appspec_sha256)
            .build();
        let revision = RevisionLocation::builder()
            .revision_type(RevisionLocationType::AppSpecContent)
            .app_spec_content(content)
            .build();
        let rollback = AutoRollbackConfiguration::builder()
            .enabled(true)
            .events(AutoRollbackEvent::DeploymentFailure)
            .events(AutoRollbackEvent::DeploymentStopOnAlarm)
            .events(AutoRollbackEvent::DeploymentStopOnRequest)
            .build();
        let mut request = self
            .sdk
            .codedeploy
            .create_deployment()
            .application_name(&new.application)
            .deployment_group_name(&new.group)
            .revision(revision)
            .description(&new.description)
            .auto_rollback_configuration(rollback)
            .set_deployment_config_name(new.config.clone());
        match &new.alarms {
            AlarmOverride::Watch(names) if !names.is_empty() => {
                let mut alarms = AlarmConfiguration::builder().enabled(true);
                for name in names {
                    alarms = alarms.alarms(Alarm::builder().name(name).build());
                }
                request = request.override_alarm_configuration(alarms.build());
            }
            AlarmOverride::Watch(_) | AlarmOverride::GroupDefault => {}
            AlarmOverride::Disabled => {
                request = request.override_alarm_configuration(
                    AlarmConfiguration::builder().enabled(false).build(),
                );
            }
        }
        self.pace.turn().await;
        let out = request
            .send()
            .await
            .map_err(|e| self.sdk.error(Service::CodeDeploy, OPERATION, e))?;
        out.deployment_id()
            .map(str::to_string)
            .ok_or_else(|| AwsError::malformed("CodeDeploy", OPERATION, "the answer had no id"))
    }

    /// Releases production traffic held in the Ready wait.
    pub async fn continue_ready_wait(&self, id: &str) -> Result<(), AwsError> {
        self.pace.turn().await;
        self.sdk
            .codedeploy
            .continue_deployment()
            .deployment_id(id)
            .deployment_wait_type(DeploymentWaitType::ReadyWait)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.sdk.error(Service::CodeDeploy, "ContinueDeployment", e))
    }

    /// Stops a deployment asking CodeDeploy to roll it back.
    pub async fn stop_with_rollback(&self, id: &str) -> Result<(), AwsError> {
        self.pace.turn().await;
        self.sdk
            .codedeploy
            .stop_deployment()
            .deployment_id(id)
            .auto_rollback_enabled(true)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.sdk.error(Service::CodeDeploy, "StopDeployment", e))
    }

    /// One deployment, read again with back-off while CodeDeploy throttles or errs: it decides whether a
    /// deployment in flight is adopted, left alone or blocks an apply, so a burst of throttling must not
    /// fail the apply. A deployment that does not exist is not asked for again.
    pub async fn deployment(&self, id: &str) -> Result<Option<DeploymentView>, AwsError> {
        let mut attempt = 0u32;
        loop {
            self.pace.turn().await;
            let answer = self
                .sdk
                .codedeploy
                .get_deployment()
                .deployment_id(id)
                .send()
                .await;
            match answer {
                Ok(out) => return Ok(out.deployment_info().and_then(DeploymentView::from_info)),
                Err(err) => {
                    let err = self.sdk.error(Service::CodeDeploy, "GetDeployment", err);
                    if attempt >= GET_RETRIES || err.kind == ErrorKind::NotFound {
                        return Err(err);
                    }
                    tracing::warn!(deployment_id = id, error = %err, "reading the deployment failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
                    attempt += 1;
                }
            }
        }
    }

    /// The group's deployments in flight (not ended), newest first, each read afresh. `paced`: a rollout
    /// about to create lists afresh on the pace; others may reuse a listing of the last two seconds.
    pub async fn deployments_in_flight(
        &self,
        application: &str,
        group: &str,
        paced: bool,
    ) -> Result<Vec<DeploymentView>, AwsError> {
        let listed = self.watcher.in_flight(application, group, paced).await?;
        let mut found = Vec::new();
        for (id, _) in listed {
            if let Some(view) = self.deployment(&id).await? {
                if !view.status.is_terminal() {
                    found.push(view);
                }
            }
        }
        Ok(found)
    }

    /// The ECS target of a deployment (`cluster:service`): its lifecycle events and traffic weights.
    pub async fn deployment_target(
        &self,
        id: &str,
        target_id: &str,
    ) -> Result<Option<TargetView>, AwsError> {
        self.pace.turn().await;
        let out = self
            .sdk
            .codedeploy
            .get_deployment_target()
            .deployment_id(id)
            .target_id(target_id)
            .send()
            .await
            .map_err(|e| {
                self.sdk
                    .error(Service::CodeDeploy, "GetDeploymentTarget", e)
            })?;
        Ok(out.deployment_target().map(TargetView::from_target))
    }

    /// Where a person watches deployment `id` in the AWS console (the region's console when known).
    pub fn console_link(&self, id: &str) -> String {
        console_link(self.region(), id)
    }

    /// The id of a deployment's first target (for ECS: `cluster:service`).
    pub async fn first_target_id(&self, id: &str) -> Result<Option<String>, AwsError> {
        self.pace.turn().await;
        let out = self
            .sdk
            .codedeploy
            .list_deployment_targets()
            .deployment_id(id)
            .send()
            .await
            .map_err(|e| {
                self.sdk
                    .error(Service::CodeDeploy, "ListDeploymentTargets", e)
            })?;
        Ok(out.target_ids().first().cloned())
    }
}

/// The AWS console page of deployment `id`: the first thing a person asks for when a rollout is slow.
pub fn console_link(region: Option<&str>, id: &str) -> String {
    match region {
        Some(region) => format!(
            "https://{region}.console.aws.amazon.com/codesuite/codedeploy/deployments/{id}?region={region}"
        ),
        None => format!("https://console.aws.amazon.com/codesuite/codedeploy/deployments/{id}"),
    }
}
