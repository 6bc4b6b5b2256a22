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
