//! The state machine's entry: create (or adopt) a deployment, then hand it to the follower. Adoption is how
//! an interrupted or killed apply is finished by the next one: a deployment in flight that this provider
//! started (named in private state, or carrying the same AppSpec digest) is followed, not duplicated;
//! anyone else's blocks the rollout before anything is created.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::appspec::AppSpec;
use super::blocked::blocked_by;
use super::gate::Gate;
use super::progress::now_epoch;
use super::report::{EntryKind, Outcome, RolloutReport, TimelineEntry};
use super::spec::RolloutSpec;
use super::timeline::Said;
use crate::aws::{AlarmOverride, Aws, AwsError, DeploymentView, NewDeployment};

/// Runs one rollout to its end. `adopt` names a deployment this provider started earlier (from private
/// state): if it is still in flight it is followed instead of creating another.
pub async fn run(
    aws: &Aws,
    spec: &RolloutSpec,
    gate: &dyn Gate,
    adopt: Option<&str>,
    stop: &CancellationToken,
) -> RolloutReport {
    let mut rollout = Rollout {
        aws,
        spec,
        stop,
        started: Instant::now(),
        started_epoch: now_epoch(),
        said: Said::default(),
        timeline: Vec::new(),
        deployment_id: None,
        rollback_deployment_id: None,
        status: None,
        target_id: None,
    };
    let outcome = rollout.drive(gate, adopt).await;
    rollout.rebuild_timeline().await;
    let green_serves_production = matches!(outcome, Outcome::Succeeded | Outcome::TrafficShifted);
    RolloutReport {
        deployment_id: rollout.deployment_id,
        rollback_deployment_id: rollout.rollback_deployment_id,
        status: rollout.status,
        outcome,
        green_serves_production,
        timeline: rollout.timeline,
    }
}

/// One rollout in progress: what it was asked, what it has done, and its timeline.
pub(super) struct Rollout<'a> {
    pub(super) aws: &'a Aws,
    pub(super) spec: &'a RolloutSpec,
    pub(super) stop: &'a CancellationToken,
    pub(super) started: Instant,
    /// The same moment on the wall clock, to place CodeDeploy's timestamps on the timeline.
    pub(super) started_epoch: f64,
    /// What the timeline has said of lifecycle events and traffic, so nothing is said twice.
    pub(super) said: Said,
    pub(super) timeline: Vec<TimelineEntry>,
    pub(super) deployment_id: Option<String>,
    pub(super) rollback_deployment_id: Option<String>,
    pub(super) status: Option<String>,
    /// `cluster:service`, learned once from ListDeploymentTargets (it never changes for a group).
    pub(super) target_id: Option<String>,
}

impl Rollout<'_> {
    async fn drive(&mut self, gate: &dyn Gate, adopt: Option<&str>) -> Outcome {
        let ours = self.spec.appspec.sha256();
        let in_flight = match self.find_in_flight().await {
            Ok(found) => found,
            Err(err) => {
                return Outcome::Failed {
                    reason: format!(
                        "Could not list the deployments of group '{}' to check for one in flight: {err}. Nothing was deployed",
                        self.spec.deployment_group_name
                    ),
                }
            }
        };
        let id = match in_flight {
            Some(d)
                if Some(d.id.as_str()) == adopt
                    || d.appspec_sha256.as_deref() == Some(ours.as_str()) =>
            {
                self.deployment_id = Some(d.id.clone());
                self.announce(&d.id, "adopted");
                self.note_as(
                    EntryKind::Deployment,
                    format!(
                        "adopted deployment {} already in flight ({})",
                        d.id,
                        d.status.as_str()
                    ),
                );
                d.id
            }
            Some(d) => {
                self.deployment_id = None;
                return Outcome::Blocked {
                    reason: format!(
                        "{} Nothing was deployed.",
                        blocked_by(&d, &self.spec.deployment_group_name)
                    ),
                };
            }
            // Interrupted before anything was created: there is nothing to stop or detach.
            None if self.stop.is_cancelled() => {
                return Outcome::Failed {
                    reason: "Terraform was interrupted before the deployment was created. Nothing was deployed".into(),
                }
            }
            None => match self
                .create(
                    &self.spec.appspec.clone(),
                    self.spec.deployment_config_name.clone(),
                    true,
                )
                .await
            {
                Ok(id) => id,
                Err(reason) => return Outcome::Failed { reason },
            },
        };
        self.follow(&id, gate).await
    }

    /// The group's deployment in flight, if any (listed afresh, on the pace).
    pub(super) async fn find_in_flight(&mut self) -> Result<Option<DeploymentView>, AwsError> {
        Ok(self
            .aws
            .deployments_in_flight(
                &self.spec.application_name,
                &self.spec.deployment_group_name,
                true,
            )
            .await?
            .into_iter()
            .next())
    }

    /// Creates a deployment; `with_alarms` passes the configured alarms (a redeploy of the previous version
    /// must not be stopped by the very alarm that triggered it).
    pub(super) async fn create(
        &mut self,
        appspec: &AppSpec,
        config: Option<String>,
        with_alarms: bool,
    ) -> Result<String, String> {
        let request = NewDeployment {
            application: self.spec.application_name.clone(),
            group: self.spec.deployment_group_name.clone(),
            appspec: appspec.content(),
            appspec_sha256: appspec.sha256(),
            description: self.spec.description.clone(),
            config,
            alarms: if with_alarms {
                AlarmOverride::Watch(self.spec.alarms.clone())
            } else {
                AlarmOverride::Disabled
            },
        };
        match self.aws.create_deployment(&request).await {
            Ok(id) => {
                self.deployment_id = Some(id.clone());
                self.announce(&id, "created");
                self.note_as(
                    EntryKind::Deployment,
                    format!("created deployment {id} of {}", appspec.task_definition_arn),
                );
                Ok(id)
            }
            Err(err) => {
                let message = err.to_string();
                // The request may have reached CodeDeploy before the connection failed: adopt rather than
                // create twice.
                if let Ok(Some(d)) = self.find_in_flight().await {
                    if d.appspec_sha256.as_deref() == Some(appspec.sha256().as_str()) {
                        self.deployment_id = Some(d.id.clone());
                        self.announce(&d.id, "adopted");
                        self.note_as(
                            EntryKind::Deployment,
                            format!(
                                "CreateDeployment failed ({message}) but deployment {} exists: adopted",
                                d.id
                            ),
                        );
                        return Ok(d.id);
                    }
                    // Someone else's deployment got in between our check and our create.
                    return Err(format!(
                        "{} It was started on group '{}' while this apply was starting ({message}). Nothing was deployed",
                        blocked_by(&d, &self.spec.deployment_group_name),
                        self.spec.deployment_group_name
                    ));
                }
                Err(format!(
                    "CodeDeploy refused to create the deployment in group '{}': {message}. Nothing was deployed",
                    self.spec.deployment_group_name
                ))
            }
        }
    }
}
