//! Someone else's deployment holding a group's single slot: how to find it and how to say so.

use super::spec::rollout_description;
use crate::aws::{Aws, DeploymentView};

/// Why a rollout cannot start while `view`, someone else's deployment, holds `group`'s single slot.
pub fn blocked_by(view: &DeploymentView, group: &str) -> String {
    format!(
        "Deployment group '{group}' already has an active deployment {id} (status {status}, created by {creator}). CodeDeploy runs one deployment per group at a time, and this one was not started by this resource. Wait for it to finish, or stop it (`aws deploy stop-deployment --deployment-id {id}`), then apply again.",
        id = view.id,
        status = view.status.as_str(),
        creator = view.creator.as_deref().unwrap_or("someone else"),
    )
}

/// Someone else's deployment holding the group, described; checked before anything is registered, so a
/// blocked apply mutates nothing. Reading errors pass: the engine checks again before it creates.
pub async fn foreign_in_flight(aws: &Aws, application: &str, group: &str) -> Option<String> {
    let ours = rollout_description(application, group);
    let in_flight = aws
        .deployments_in_flight(application, group, true)
        .await
        .ok()?;
    in_flight
        .iter()
        .find(|view| view.description.as_deref() != Some(ours.as_str()))
        .map(|view| blocked_by(view, group))
}
