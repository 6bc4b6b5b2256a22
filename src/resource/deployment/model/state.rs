//! The resource's state as typed values: the attributes the provider computes, read from and written to
//! Terraform's object by name in one place. Attributes the configuration owns stay in the object as
//! Terraform proposed them; the configuration is read through [`Config`](super::Config).

use super::attr;
use crate::plugin::value::{Number, Value};

/// One attribute as Terraform holds it: null, known, or (in a plan) unknown until apply.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    /// Not set.
    #[default]
    Null,
    /// Known only after apply.
    Unknown,
    /// This value.
    Known(T),
}

impl<T> Field<T> {
    /// Known(v) for Some(v), Null for None.
    pub fn from_option(value: Option<T>) -> Field<T> {
        value.map_or(Field::Null, Field::Known)
    }

    /// The known value.
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(v) => Some(v),
            _ => None,
        }
    }

    /// True when unknown until apply.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    /// True when null or unknown: something the provider may fill.
    pub fn is_unset(&self) -> bool {
        !matches!(self, Field::Known(_))
    }
}

impl Field<String> {
    /// The known string.
    pub fn as_deref(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
}

/// The resource's state (or planned state): the computed attributes typed, the rest as proposed.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// The whole object as Terraform gave it; the typed fields below are written over it.
    object: Value,
    /// `<application>:<group>`.
    pub id: Field<String>,
    /// ECS cluster, from the group.
    pub cluster_name: Field<String>,
    /// ECS service, from the group.
    pub service_name: Field<String>,
    /// The test listener URL the gate uses.
    pub test_listener_url: Field<String>,
    /// The task definition JSON (configured, or what serves production).
    pub task_definition: Field<String>,
    /// The revision to deploy, or the one serving production.
    pub task_definition_arn: Field<String>,
    /// AppSpec container name (configured, or the service's).
    pub container_name: Field<String>,
    /// AppSpec container port (configured, or the service's).
    pub container_port: Field<i64>,
    /// The revision that served before the last rollout.
    pub previous_task_definition_arn: Field<String>,
    /// The last rollout's deployment.
    pub deployment_id: Field<String>,
    /// How the last rollout ended.
    pub status: Field<String>,
    /// The last rollout's timeline.
    pub timeline: Field<Vec<String>>,
}

fn string_field(v: &Value) -> Field<String> {
    match v {
        Value::Unknown => Field::Unknown,
        Value::String(s) => Field::Known(s.clone()),
        _ => Field::Null,
    }
}

fn int_field(v: &Value) -> Field<i64> {
    match v {
        Value::Unknown => Field::Unknown,
        other => Field::from_option(other.as_i64()),
    }
}

fn list_field(v: &Value) -> Field<Vec<String>> {
    match v {
        Value::Unknown => Field::Unknown,
        Value::List(items) => Field::Known(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        ),
        _ => Field::Null,
    }
}

fn string_value(f: &Field<String>) -> Value {
    match f {
        Field::Null => Value::Null,
        Field::Unknown => Value::Unknown,
        Field::Known(s) => Value::String(s.clone()),
    }
}

/// The values of the attributes that make up the AppSpec: a change in any means a deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct AppSpecKey(Vec<Value>);

impl State {
    /// Reads an object; None for null (no resource).
    pub fn from_value(object: &Value) -> Option<State> {
        (!object.is_null()).then(|| State::read(object.clone()))
    }

    fn read(object: Value) -> State {
        State {
            id: string_field(object.get(attr::ID)),
            cluster_name: string_field(object.get(attr::CLUSTER_NAME)),
            service_name: string_field(object.get(attr::SERVICE_NAME)),
            test_listener_url: string_field(object.get(attr::TEST_LISTENER_URL)),
            task_definition: string_field(object.get(attr::TASK_DEFINITION)),
            task_definition_arn: string_field(object.get(attr::TASK_DEFINITION_ARN)),
            container_name: string_field(object.get(attr::CONTAINER_NAME)),
            container_port: int_field(object.get(attr::CONTAINER_PORT)),
            previous_task_definition_arn: string_field(
                object.get(attr::PREVIOUS_TASK_DEFINITION_ARN),
            ),
            deployment_id: string_field(object.get(attr::DEPLOYMENT_ID)),
            status: string_field(object.get(attr::STATUS)),
            timeline: list_field(object.get(attr::TIMELINE)),
            object,
        }
    }

    /// A fresh state for an imported resource: every attribute of `ty` null but the names.
    pub fn imported(ty: &crate::plugin::value::Type, application: &str, group: &str) -> State {
        let mut object = Value::null_object(ty);
        object.set(attr::APPLICATION_NAME, Value::string(application));
        object.set(attr::DEPLOYMENT_GROUP_NAME, Value::string(group));
        State::read(object)
    }

    /// A fresh state for an imported native service: every attribute null but the cluster and service.
    pub fn imported_native(ty: &crate::plugin::value::Type, cluster: &str, service: &str) -> State {
        let mut object = Value::null_object(ty);
        object.set(attr::CLUSTER_NAME, Value::string(cluster));
        object.set(attr::SERVICE_NAME, Value::string(service));
        State::read(object)
    }

    /// True for a resource on the ECS-native engine: it names no CodeDeploy application.
    pub fn is_native(&self) -> bool {
        self.object.get(attr::APPLICATION_NAME).is_null() && self.cluster_name.known().is_some()
    }

    /// The object Terraform stores, with the typed fields written over the proposed one.
    pub fn to_value(&self) -> Value {
        let mut object = self.object.clone();
        object.set(attr::ID, string_value(&self.id));
        object.set(attr::CLUSTER_NAME, string_value(&self.cluster_name));
        object.set(attr::SERVICE_NAME, string_value(&self.service_name));
        object.set(
            attr::TEST_LISTENER_URL,
            string_value(&self.test_listener_url),
        );
        object.set(attr::TASK_DEFINITION, string_value(&self.task_definition));
        object.set(
            attr::TASK_DEFINITION_ARN,
            string_value(&self.task_definition_arn),
        );
        object.set(attr::CONTAINER_NAME, string_value(&self.container_name));
        object.set(
            attr::CONTAINER_PORT,
            match &self.container_port {
                Field::Null => Value::Null,
                Field::Unknown => Value::Unknown,
                Field::Known(p) => Value::Number(Number::Int(*p)),
            },
        );
        object.set(
            attr::PREVIOUS_TASK_DEFINITION_ARN,
            string_value(&self.previous_task_definition_arn),
        );
        object.set(attr::DEPLOYMENT_ID, string_value(&self.deployment_id));
        object.set(attr::STATUS, string_value(&self.status));
        object.set(
            attr::TIMELINE,
            match &self.timeline {
                Field::Null => Value::Null,
                Field::Unknown => Value::Unknown,
                Field::Known(lines) => {
                    Value::List(lines.iter().map(|l| Value::string(l.clone())).collect())
                }
            },
        );
        object
    }

    /// The application, as stored (read and import have no configuration).
    pub fn application_name(&self) -> String {
        self.object
            .get(attr::APPLICATION_NAME)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// `redeploy_triggers` as configured (a map, null, or unknown in a plan).
    pub fn redeploy_triggers(&self) -> &Value {
        self.object.get(attr::REDEPLOY_TRIGGERS)
    }

    /// The deployment group, as stored.
    pub fn deployment_group_name(&self) -> String {
        self.object
            .get(attr::DEPLOYMENT_GROUP_NAME)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// What the AppSpec is built from, to compare a prior state with a plan.
    pub fn appspec_key(&self) -> AppSpecKey {
        let object = self.to_value();
        AppSpecKey(
            attr::APPSPEC
                .iter()
                .map(|a| object.get(a).clone())
                .collect(),
        )
    }

    /// Whether any of the rollout's own results (deployment, status, timeline) is unknown: the plan decided
    /// to deploy.
    pub fn plans_rollout(&self) -> bool {
        self.status.is_unknown()
    }
}

/// Private state: the deployment an interrupted apply left running, for the next apply to adopt.
pub fn in_flight(private: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(private).ok()?["in_flight"]
        .as_str()
        .map(str::to_string)
}

/// Private state naming a detached deployment.
pub fn private_in_flight(id: &str) -> Vec<u8> {
    serde_json::json!({ "in_flight": id })
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::deployment::schema;

    /// Every attribute the model writes exists in the schema, and none is missing: a misspelt name would
    /// add an attribute Terraform does not know.
    #[test]
    fn the_model_writes_exactly_the_schema_attributes() {
        let ty = schema::schema().block.value_type();
        let state = State::imported(&ty, "web", "web-prod");
        let Value::Map(written) = state.to_value() else {
            panic!("state is not an object");
        };
        let Value::Map(expected) = Value::null_object(&ty) else {
            panic!("schema is not an object");
        };
        let written: Vec<&String> = written.keys().collect();
        let expected: Vec<&String> = expected.keys().collect();
        assert_eq!(written, expected);
    }

    /// The engine of a stored state follows from its names: a CodeDeploy state (which also records the
    /// cluster and service it read from the group) is never taken for a native one.
    #[test]
    fn a_state_knows_its_engine() {
        let ty = schema::schema().block.value_type();
        let mut codedeploy = State::imported(&ty, "web", "web-prod");
        codedeploy.cluster_name = Field::Known("demo".into());
        let codedeploy = State::from_value(&codedeploy.to_value()).expect("state");
        assert!(!codedeploy.is_native());
        let native = State::imported_native(&ty, "demo", "api");
        assert!(native.is_native());
        assert_eq!(native.application_name(), "");
    }

    #[test]
    fn fields_round_trip_with_unknowns() {
        let ty = schema::schema().block.value_type();
        let mut state = State::imported(&ty, "web", "web-prod");
        state.status = Field::Unknown;
        state.container_port = Field::Known(8080);
        state.timeline = Field::Known(vec!["  1.0s created".into()]);
        let back = State::from_value(&state.to_value()).expect("an object");
        assert_eq!(back.to_value(), state.to_value());
        assert_eq!(back.status, Field::Unknown);
        assert_eq!(back.container_port, Field::Known(8080));
        assert!(back.plans_rollout());
        assert_eq!(back.application_name(), "web");
    }
}
