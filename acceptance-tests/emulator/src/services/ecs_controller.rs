//! UpdateService's `deploymentController`: moving a CODE_DEPLOY service onto the ECS controller in place,
//! as AWS's migration guide does ("Migrate CodeDeploy blue/green deployments to Amazon ECS blue/green
//! deployments", ECS Developer Guide), and refusing what that guide says must not be in flight.

use serde_json::Value;

use crate::protocol::ApiError;
use crate::world::World;

use super::params::opt_str;

/// CodeDeploy deployment statuses that are still running.
const RUNNING: [&str; 5] = ["Created", "Queued", "InProgress", "Baking", "Ready"];

/// Applies the controller an UpdateService names to `(cluster, service)`, before the other fields are
/// checked against the (new) controller. The task set serving the service stays: under the ECS controller
/// it is the service's one deployment (and, on a native strategy, its first service revision).
pub fn switch(world: &mut World, key: &(String, String), input: &Value) -> Result<(), ApiError> {
    let Some(wanted) = opt_str(&input["deploymentController"], "type") else {
        return Ok(());
    };
    let Some(service) = world.services.get(key) else {
        return Ok(());
    };
    let current = service.controller.clone();
    if wanted == current {
        return Ok(());
    }
    if !(current == "CODE_DEPLOY" && wanted == "ECS") {
        // The emulator models only the move AWS documents for leaving CodeDeploy.
        return Err(ApiError::client(
            "InvalidParameterException",
            format!(
                "Updating the deployment controller from {current} to {wanted} is not supported."
            ),
        ));
    }
    // The guide's prerequisite: no deployment in progress. A CODE_DEPLOY service shows one as a second
    // task set, or as a CodeDeploy deployment of a group targeting it that has not ended. AWS's exact
    // wording for this refusal is not published; the error code is one UpdateService models.
    let in_flight = world.deployments.values().find(|d| {
        RUNNING.contains(&d.status.as_str())
            && world
                .groups
                .get(&(d.application.clone(), d.group.clone()))
                .is_some_and(|g| {
                    let s = &g["ecsServices"][0];
                    opt_str(s, "clusterName") == Some(key.0.as_str())
                        && opt_str(s, "serviceName") == Some(key.1.as_str())
                })
    });
    if let Some(d) = in_flight {
        return Err(ApiError::client(
            "InvalidParameterException",
            format!(
                "Unable to update the deployment controller while deployment {} is in progress. Wait for the CodeDeploy deployment to complete or stop it, then try again.",
                d.id
            ),
        ));
    }
    if service.task_sets.len() != 1 {
        return Err(ApiError::client(
            "InvalidParameterException",
            "Unable to update the deployment controller while the service has more than one task set. Wait for the CodeDeploy deployment to complete, then try again.",
        ));
    }
    if let Some(service) = world.services.get_mut(key) {
        service.controller = wanted.to_string();
        tracing::info!(cluster = %key.0, service = %key.1, "deployment controller CODE_DEPLOY -> ECS");
    }
    Ok(())
}
