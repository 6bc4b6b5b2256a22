//! The account-wide listing of deployments in flight: one ListDeployments of the active statuses and
//! BatchGetDeployments for their groups, shared by every group asking at the same time.

use std::collections::HashMap;

use super::shared::Listing;
use crate::aws::error::AwsError;
use crate::aws::pace::Pacer;
use crate::aws::sdk::{Sdk, Service};

/// The statuses that hold a deployment group's single slot.
const ACTIVE: [aws_sdk_codedeploy::types::DeploymentStatus; 5] = [
    aws_sdk_codedeploy::types::DeploymentStatus::Created,
    aws_sdk_codedeploy::types::DeploymentStatus::Queued,
    aws_sdk_codedeploy::types::DeploymentStatus::InProgress,
    aws_sdk_codedeploy::types::DeploymentStatus::Ready,
    aws_sdk_codedeploy::types::DeploymentStatus::Baking,
];

/// Every active deployment in the account and region, by (application, group).
pub async fn active_deployments(sdk: &Sdk, pace: &Option<Pacer>) -> Result<Listing, AwsError> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        if let Some(pace) = pace {
            pace.turn().await;
        }
        let out = sdk
            .codedeploy
            .list_deployments()
            .set_include_only_statuses(Some(ACTIVE.to_vec()))
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|err| sdk.error(Service::CodeDeploy, "ListDeployments", err))?;
        ids.extend(out.deployments().iter().cloned());
        match out.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => break,
        }
    }
    let mut found = HashMap::new();
    for chunk in ids.chunks(25) {
        if let Some(pace) = pace {
            pace.turn().await;
        }
        let out = sdk
            .codedeploy
            .batch_get_deployments()
            .set_deployment_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|err| sdk.error(Service::CodeDeploy, "BatchGetDeployments", err))?;
        // ListDeployments lists the newest first; keep that order per group.
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
                .or_insert_with(Vec::new)
                .push((
                    id.clone(),
                    info.status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                ));
        }
    }
    Ok(found)
}
