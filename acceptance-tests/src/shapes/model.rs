//! One AWS service model as botocore publishes it (`botocore/data/<service>/<version>/service-2.json`): the
//! operations, their output and error shapes, and the shapes they are built from.

use serde_json::Value;

/// A botocore service model.
pub struct Model {
    /// botocore's name for the service (`ecs`, `codedeploy`, `elbv2`, …).
    pub service: String,
    json: Value,
}

/// An error an operation declares: the shape's name, the code on the wire when it differs (awsQuery), and
/// the HTTP status the model gives it.
pub struct DeclaredError {
    /// Shape name (the code for JSON protocols).
    pub shape: String,
    /// `error.code`, when the model names one.
    pub code: Option<String>,
    /// `error.httpStatusCode`, when the model names one.
    pub status: Option<u16>,
}

impl Model {
    /// Wraps a loaded `service-2.json`.
    pub fn new(service: &str, json: Value) -> Model {
        Model {
            service: service.to_string(),
            json,
        }
    }

    /// `metadata.<key>` as a string.
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.json["metadata"][key].as_str()
    }

    /// The operation named `name`, if the service has it.
    pub fn operation(&self, name: &str) -> Option<&Value> {
        self.json["operations"].get(name)
    }

    /// Every operation name.
    pub fn operation_names(&self) -> Vec<String> {
        self.json["operations"]
            .as_object()
            .map(|ops| ops.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The shape named `name` (`Null` when the model has none: itself a finding for the caller).
    pub fn shape(&self, name: &str) -> &Value {
        self.json["shapes"].get(name).unwrap_or(&Value::Null)
    }

    /// The errors `operation` declares.
    pub fn errors(&self, operation: &str) -> Vec<DeclaredError> {
        let Some(op) = self.operation(operation) else {
            return Vec::new();
        };
        op["errors"]
            .as_array()
            .map(|errs| {
                errs.iter()
                    .filter_map(|e| e["shape"].as_str())
                    .map(|name| {
                        let shape = self.shape(name);
                        DeclaredError {
                            shape: name.to_string(),
                            code: shape["error"]["code"].as_str().map(str::to_string),
                            status: shape["error"]["httpStatusCode"]
                                .as_u64()
                                .and_then(|s| u16::try_from(s).ok()),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Any error shape of the service whose wire code is `code` (for its HTTP status).
    pub fn error_shape_by_code(&self, code: &str) -> Option<&Value> {
        self.json["shapes"].as_object().and_then(|shapes| {
            shapes.iter().find_map(|(name, shape)| {
                let wire = shape["error"]["code"].as_str().unwrap_or(name);
                (shape["exception"] == true && (wire == code || name == code)).then_some(shape)
            })
        })
    }

    /// The lambda-style REST operation whose method and `requestUri` template match a request.
    pub fn rest_operation(&self, method: &str, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let ops = self.json["operations"].as_object()?;
        ops.iter().find_map(|(name, op)| {
            let uri = op["http"]["requestUri"].as_str()?;
            let uri = uri.split('?').next().unwrap_or(uri);
            let template: Vec<&str> = uri.trim_matches('/').split('/').collect();
            let greedy = template.last().is_some_and(|t| t.ends_with("+}"));
            let fits = if greedy {
                segments.len() >= template.len()
            } else {
                segments.len() == template.len()
            };
            let same = fits
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s);
            (same && op["http"]["method"] == method).then(|| name.clone())
        })
    }
}

/// Members AWS returns although the model does not mark them required, with the evidence: clients read
/// them unconditionally. `awscli/customizations/ecs/deploy.py` (`get_deployment_wait_time`) indexes both waits
/// of a deployment group; CodeDeploy answers 0 for a wait never set.
pub const ALWAYS_PRESENT: &[(&str, &str, &str)] = &[
    ("codedeploy", "DeploymentReadyOption", "waitTimeInMinutes"),
    (
        "codedeploy",
        "BlueInstanceTerminationOption",
        "terminationWaitTimeInMinutes",
    ),
    (
        "codedeploy",
        "BlueGreenDeploymentConfiguration",
        "deploymentReadyOption",
    ),
    (
        "codedeploy",
        "BlueGreenDeploymentConfiguration",
        "terminateBlueInstancesOnDeploymentSuccess",
    ),
];

/// Errors any AWS API may answer besides those an operation declares (AWS's "Common Errors" pages, e.g.
/// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html), and the codes AWS JSON
/// services give unknown targets and unreadable bodies.
pub const COMMON_ERRORS: &[&str] = &[
    "AccessDeniedException",
    "IncompleteSignature",
    "InternalFailure",
    "InvalidAction",
    "InvalidClientTokenId",
    "NotAuthorized",
    "OptInRequired",
    "RequestExpired",
    "ServiceUnavailable",
    "ThrottlingException",
    "Throttling",
    "ValidationError",
    "ValidationException",
    "UnknownOperationException",
    "SerializationException",
    "MissingAction",
];
