//! What the deployment group tells the state: id, cluster, service, the test listener's URL, and the
//! container and port the load balancer targets where the configuration leaves them to the service.

use crate::aws::GroupInfo;

use super::model::{Field, State};

/// Fills the group's facts into a state (planned, applied or imported).
pub fn fill_group(
    state: &mut State,
    application: &str,
    group_name: &str,
    gate_url: Option<String>,
    group: &GroupInfo,
) {
    state.id = Field::Known(format!("{application}:{group_name}"));
    state.cluster_name = Field::Known(group.cluster.clone());
    state.service_name = Field::Known(group.service.clone());
    state.test_listener_url = Field::from_option(gate_url.or_else(|| group.test_url.clone()));
    if state.container_name.is_unset() {
        state.container_name = Field::from_option(group.container_name.clone());
    }
    if state.container_port.is_unset() {
        state.container_port = Field::from_option(group.container_port);
    }
}

/// Marks everything the deployment group would tell as unknown until apply: the plan could not read the
/// group (its names are unknown, or it does not exist yet because this configuration creates it). Terraform
/// plans again during apply, with the group in place, and fills these in then.
pub fn fill_unknown_group(state: &mut State) {
    state.id = Field::Unknown;
    state.cluster_name = Field::Unknown;
    state.service_name = Field::Unknown;
    state.test_listener_url = Field::Unknown;
    if state.container_name.is_unset() {
        state.container_name = Field::Unknown;
    }
    if state.container_port.is_unset() {
        state.container_port = Field::Unknown;
    }
    state.task_definition_arn = Field::Unknown;
    state.previous_task_definition_arn = Field::Unknown;
    state.deployment_id = Field::Unknown;
    state.status = Field::Unknown;
    state.timeline = Field::Unknown;
}
