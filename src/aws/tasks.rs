//! The tasks ECS stopped in one task set: the evidence that a green which cannot start leaves behind
//! (an image that cannot be pulled, an essential container that exited, failed health checks), read so
//! the rollout can stop a deployment CodeDeploy would otherwise let wait out Install's hour.
//!
//! These are ECS calls, not CodeDeploy's: they do not take turns on the CodeDeploy pace. The caller keeps
//! them light (one look every few seconds at most).

use aws_sdk_ecs::types::DesiredStatus;

use super::client::Aws;
use super::error::AwsError;
use super::sdk::Service;

/// DescribeTasks takes at most this many tasks a call.
const DESCRIBE_BATCH: usize = 100;
/// ListTasks pages read at most (100 tasks each): a service crash-looping for an hour can have stopped
/// many; a few hundred are evidence enough, and the look stays cheap.
const MAX_PAGES: usize = 3;

/// One container of a stopped task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoppedContainer {
    /// The container's name in the task definition.
    pub name: String,
    /// Its exit code, when it ran and exited.
    pub exit_code: Option<i32>,
    /// ECS's reason, e.g. `CannotPullContainerError: …`.
    pub reason: Option<String>,
}

/// A task ECS stopped, as DescribeTasks reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoppedTask {
    /// The task's ARN.
    pub task_arn: String,
    /// `TaskFailedToStart`, `EssentialContainerExited`, `ServiceSchedulerInitiated`, `UserInitiated`, …
    pub stop_code: Option<String>,
    /// ECS's words, e.g. `Essential container in task exited`.
    pub stopped_reason: Option<String>,
    /// Its containers.
    pub containers: Vec<StoppedContainer>,
}

impl StoppedTask {
    /// The task's id: the last part of its ARN.
    pub fn id(&self) -> &str {
        self.task_arn.rsplit('/').next().unwrap_or(&self.task_arn)
    }
}

impl Aws {
    /// The stopped tasks of the task set `task_set_id` of `service`. Listed by service and desired status
    /// STOPPED, then kept when `startedBy` is the task set: ECS documents that a `startedBy` filter must be
    /// the only one, and a list of every stopped task in the cluster would be far larger.
    pub async fn stopped_tasks(
        &self,
        cluster: &str,
        service: &str,
        task_set_id: &str,
    ) -> Result<Vec<StoppedTask>, AwsError> {
        let mut arns: Vec<String> = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let out = self
                .sdk
                .ecs
                .list_tasks()
                .cluster(cluster)
                .service_name(service)
                .desired_status(DesiredStatus::Stopped)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| self.sdk.error(Service::Ecs, "ListTasks", e))?;
            arns.extend(out.task_arns().iter().cloned());
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut stopped = Vec::new();
        for batch in arns.chunks(DESCRIBE_BATCH) {
            let out = self
                .sdk
                .ecs
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| self.sdk.error(Service::Ecs, "DescribeTasks", e))?;
            stopped.extend(
                out.tasks()
                    .iter()
                    .filter(|t| t.started_by() == Some(task_set_id))
                    .filter_map(|t| {
                        Some(StoppedTask {
                            task_arn: t.task_arn()?.to_string(),
                            stop_code: t.stop_code().map(|c| c.as_str().to_string()),
                            stopped_reason: t.stopped_reason().map(str::to_string),
                            containers: t
                                .containers()
                                .iter()
                                .map(|c| StoppedContainer {
                                    name: c.name().unwrap_or("?").to_string(),
                                    exit_code: c.exit_code(),
                                    reason: c.reason().map(str::to_string),
                                })
                                .collect(),
                        })
                    }),
            );
        }
        Ok(stopped)
    }
}
