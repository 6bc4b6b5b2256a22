//! What goes to ECS and what the plan checks against: the RegisterTaskDefinition input for the user's
//! definition, and the container names and ports that `container_name` and `container_port` must match.

use serde_json::Value;

use super::fields::{as_f64, READ_ONLY};

/// The RegisterTaskDefinition input for what the user wrote (nothing ECS-added).
pub fn register_input(user: &Value) -> Value {
    let mut input = user.clone();
    if let Value::Object(map) = &mut input {
        for key in READ_ONLY {
            map.remove(*key);
        }
    }
    input
}

/// Container names, for validating `container_name`.
pub fn container_names(td: &Value) -> Vec<String> {
    td["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

/// A container's ports, for validating `container_port`.
pub fn container_ports(td: &Value, container: &str) -> Vec<i64> {
    td["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["name"] == container)
        .flat_map(|c| c["portMappings"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| as_f64(&p["containerPort"]).map(|n| n as i64))
        .collect()
}
