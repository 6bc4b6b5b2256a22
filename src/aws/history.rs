//! Who moved production: the group's most recent CodeDeploy deployment, for a plan that finds production
//! serving another revision than the one its prior state recorded.

use aws_sdk_codedeploy::types::{DeploymentCreator, DeploymentInfo, DeploymentStatus};

use super::client::Aws;
use super::error::AwsError;
use super::sdk::Service;

/// A deployment as a person reads it in an error: which one, who started it, when, how it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploymentOrigin {
    /// `d-XXXXXXXXX`.
    pub id: String,
    /// CodeDeploy's `creator` (`user`, `autoscaling`, `codeDeployRollback`, …).
    pub creator: String,
    /// When it was created, RFC 3339 UTC.
    pub created: String,
    /// Its status now.
    pub status: String,
}

/// How many of the group's listed deployments are read to find the newest (one BatchGetDeployments call).
const READ: usize = 25;

impl Aws {
    /// The group's newest deployment by creation time that did not fail or stop (else the newest), None
    /// when the group has none. ListDeployments' order is not documented, so the listed page's first
    /// deployments are read and compared by createTime.
    pub async fn latest_deployment(
        &self,
        application: &str,
        group: &str,
    ) -> Result<Option<DeploymentOrigin>, AwsError> {
        let listed = self.group_deployment_ids(application, group).await?;
        let ids: Vec<String> = listed.into_iter().take(READ).collect();
        if ids.is_empty() {
            return Ok(None);
        }
        let read = self.deployments_info(ids).await?;
        let mut by_time: Vec<(f64, &DeploymentInfo)> = read
            .iter()
            .filter_map(|d| Some((d.create_time()?.as_secs_f64(), d)))
            .collect();
        by_time.sort_by(|a, b| b.0.total_cmp(&a.0));
        // A deployment that failed or was stopped did not move production (CodeDeploy put blue back):
        // the newest other one did, if any is listed.
        let moved = by_time
            .iter()
            .find(|(_, d)| {
                !matches!(
                    d.status(),
                    Some(DeploymentStatus::Failed | DeploymentStatus::Stopped)
                )
            })
            .or(by_time.first());
        Ok(moved.and_then(|(at, d)| {
            let at = *at;
            Some(DeploymentOrigin {
                id: d.deployment_id()?.to_string(),
                creator: d
                    .creator()
                    .map_or_else(|| "unknown".to_string(), |c| c.as_str().to_string()),
                created: rfc3339(at),
                status: d
                    .status()
                    .map_or_else(|| "unknown".to_string(), |s| s.as_str().to_string()),
            })
        }))
    }
}

impl Aws {
    /// The ids of the group's deployments as ListDeployments gives them (first page).
    pub async fn group_deployment_ids(
        &self,
        application: &str,
        group: &str,
    ) -> Result<Vec<String>, AwsError> {
        self.pace.turn().await;
        let listed = self
            .reads
            .codedeploy
            .list_deployments()
            .application_name(application)
            .deployment_group_name(group)
            .send()
            .await
            .map_err(|e| self.reads.error(Service::CodeDeploy, "ListDeployments", e))?;
        Ok(listed.deployments().to_vec())
    }

    /// The first deployment of the group, other than CodeDeploy's own rollbacks, whose id is not in
    /// `known`: what `watch` follows when the rollout it waited for started and ended between two looks.
    pub async fn deployment_started_since(
        &self,
        application: &str,
        group: &str,
        known: &std::collections::HashSet<String>,
    ) -> Result<Option<String>, AwsError> {
        let new: Vec<String> = self
            .group_deployment_ids(application, group)
            .await?
            .into_iter()
            .filter(|id| !known.contains(id))
            .take(READ)
            .collect();
        if new.is_empty() {
            return Ok(None);
        }
        let read = self.deployments_info(new).await?;
        Ok(read
            .iter()
            .filter(|d| d.creator() != Some(&DeploymentCreator::CodeDeployRollback))
            .filter_map(|d| Some((d.create_time()?.as_secs_f64(), d.deployment_id()?)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, id)| id.to_string()))
    }

    /// BatchGetDeployments of up to 25 ids.
    async fn deployments_info(&self, ids: Vec<String>) -> Result<Vec<DeploymentInfo>, AwsError> {
        self.pace.turn().await;
        let read = self
            .reads
            .codedeploy
            .batch_get_deployments()
            .set_deployment_ids(Some(ids))
            .send()
            .await
            .map_err(|e| {
                self.reads
                    .error(Service::CodeDeploy, "BatchGetDeployments", e)
            })?;
        Ok(read.deployments_info().to_vec())
    }
}

/// Seconds since the epoch as `2026-11-28T06:15:02Z`.
fn rfc3339(seconds: f64) -> String {
    chrono::DateTime::from_timestamp(seconds.floor() as i64, 0).map_or_else(
        || format!("{seconds}s"),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_as_utc() {
        assert_eq!(super::rfc3339(1_700_000_000.4), "2023-11-14T22:13:20Z");
    }
}
