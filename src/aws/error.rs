//! One error type for every AWS call, so callers branch on what happened (a variant), never on text, and
//! users read a sentence: the operation, AWS's error code and message, the request id, and for transport
//! failures the endpoint that could not be reached. No SDK debug dump ever reaches a diagnostic.

use std::error::Error as StdError;
use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

use super::transport::root_cause;

/// What went wrong, as far as a caller needs to decide what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The named thing does not exist (application, group, deployment, function, config, …).
    NotFound,
    /// The deployment already ended (CodeDeploy's `DeploymentAlreadyCompletedException`).
    AlreadyCompleted,
    /// The deployment is not in its Ready wait (`DeploymentIsNotInReadyStateException`).
    NotReady,
    /// AWS throttled the call (after the SDK's own retries).
    Throttled,
    /// The credentials lack a permission.
    AccessDenied,
    /// No answer: connection refused, reset, timed out, DNS.
    Unreachable,
    /// Anything else AWS said.
    Other,
}

/// One failed AWS call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    /// What happened, for branching.
    pub kind: ErrorKind,
    /// The service, e.g. `CodeDeploy`.
    pub service: &'static str,
    /// The operation, e.g. `CreateDeployment`.
    pub operation: &'static str,
    /// AWS's error code, e.g. `DeploymentLimitExceededException`.
    pub code: Option<String>,
    /// AWS's message, or the transport failure in words.
    pub message: Option<String>,
    /// The request id AWS gave the call, for support cases.
    pub request_id: Option<String>,
    /// The endpoint called, shown for transport failures.
    pub endpoint: Option<String>,
}

/// Error codes that mean "it does not exist", across the services this provider calls.
const NOT_FOUND_CODES: [&str; 10] = [
    "ApplicationDoesNotExistException",
    "DeploymentGroupDoesNotExistException",
    "DeploymentDoesNotExistException",
    "DeploymentConfigDoesNotExistException",
    "DeploymentTargetDoesNotExistException",
    "ResourceNotFoundException",
    "ServiceNotFoundException",
    "ClusterNotFoundException",
    "ListenerNotFound",
    "TargetGroupNotFound",
];

const THROTTLED_CODES: [&str; 5] = [
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RateExceeded",
];

const ACCESS_DENIED_CODES: [&str; 5] = [
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "ExpiredTokenException",
];

fn kind_of(code: &str) -> ErrorKind {
    if NOT_FOUND_CODES.contains(&code) {
        ErrorKind::NotFound
    } else if code == "DeploymentAlreadyCompletedException" {
        ErrorKind::AlreadyCompleted
    } else if code == "DeploymentIsNotInReadyStateException" {
        ErrorKind::NotReady
    } else if THROTTLED_CODES.contains(&code) {
        ErrorKind::Throttled
    } else if ACCESS_DENIED_CODES.contains(&code) {
        ErrorKind::AccessDenied
    } else {
        ErrorKind::Other
    }
}

impl AwsError {
    /// Reads an SDK error. `endpoint` is where the client sends requests, for transport failures.
    pub fn from_sdk<E>(
        service: &'static str,
        operation: &'static str,
        endpoint: Option<&str>,
        err: SdkError<E, HttpResponse>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let request_id = err.request_id().map(str::to_string);
        let base = AwsError {
            kind: ErrorKind::Other,
            service,
            operation,
            code: None,
            message: None,
            request_id,
            endpoint: endpoint.map(str::to_string),
        };
        match &err {
            SdkError::ServiceError(service_err) => {
                let inner = service_err.err();
                let code = inner.code().map(str::to_string);
                let status = service_err.raw().status().as_u16();
                let kind = match code.as_deref() {
                    Some(code) => kind_of(code),
                    None if status == 429 => ErrorKind::Throttled,
                    None if status == 403 => ErrorKind::AccessDenied,
                    None if status == 404 => ErrorKind::NotFound,
                    None => ErrorKind::Other,
                };
                AwsError {
                    kind,
                    code,
                    message: inner.message().map(str::to_string),
                    ..base
                }
            }
            SdkError::DispatchFailure(failure) => AwsError {
                kind: ErrorKind::Unreachable,
                message: Some(match failure.as_connector_error() {
                    Some(connector) if connector.is_timeout() => {
                        "the connection timed out".to_string()
                    }
                    Some(connector) => root_cause(connector),
                    None => "the request could not be sent".to_string(),
                }),
                ..base
            },
            SdkError::TimeoutError(_) => AwsError {
                kind: ErrorKind::Unreachable,
                message: Some("no answer in the time allowed".to_string()),
                ..base
            },
            SdkError::ResponseError(response) => {
                let status = response.raw().status().as_u16();
                AwsError {
                    kind: if status == 429 {
                        ErrorKind::Throttled
                    } else {
                        ErrorKind::Other
                    },
                    message: Some(format!(
                        "the answer (HTTP {status}) could not be read: {}",
                        root_cause(&err)
                    )),
                    ..base
                }
            }
            _ => AwsError {
                message: Some(root_cause(&err)),
                ..base
            },
        }
    }

    /// An answer that arrived but lacks what the operation promises (no id, no body).
    pub fn malformed(
        service: &'static str,
        operation: &'static str,
        what: impl Into<String>,
    ) -> AwsError {
        AwsError {
            kind: ErrorKind::Other,
            service,
            operation,
            code: None,
            message: Some(what.into()),
            request_id: None,
            endpoint: None,
        }
    }

    /// AWS's words alone (`Code: message`), for a timeline line that already names the operation.
    pub fn reason(&self) -> String {
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.clone(),
            (None, Some(message)) => message.clone(),
            (None, None) => "no reason given".to_string(),
        }
    }

    /// True when the thing asked about does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed", self.service, self.operation)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, ": {code}: {message}")?,
            (Some(code), None) => write!(f, ": {code}")?,
            (None, Some(message)) => write!(f, ": {message}")?,
            (None, None) => {}
        }
        if self.kind == ErrorKind::Unreachable {
            if let Some(endpoint) = &self.endpoint {
                write!(f, " (endpoint {endpoint})")?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl StdError for AwsError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: ErrorKind, code: Option<&str>) -> AwsError {
        AwsError {
            kind,
            service: "CodeDeploy",
            operation: "StopDeployment",
            code: code.map(str::to_string),
            message: Some("Deployment d-1 is already completed.".into()),
            request_id: Some("req-1".into()),
            endpoint: Some("http://127.0.0.1:1".into()),
        }
    }

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(
            kind_of("DeploymentAlreadyCompletedException"),
            ErrorKind::AlreadyCompleted
        );
        assert_eq!(
            kind_of("DeploymentIsNotInReadyStateException"),
            ErrorKind::NotReady
        );
        assert_eq!(kind_of("ThrottlingException"), ErrorKind::Throttled);
        assert_eq!(kind_of("AccessDeniedException"), ErrorKind::AccessDenied);
        assert_eq!(
            kind_of("ApplicationDoesNotExistException"),
            ErrorKind::NotFound
        );
        assert_eq!(kind_of("InvalidRoleException"), ErrorKind::Other);
    }

    #[test]
    fn display_is_a_sentence_with_code_message_and_request_id() {
        let text = error(
            ErrorKind::AlreadyCompleted,
            Some("DeploymentAlreadyCompletedException"),
        )
        .to_string();
        assert_eq!(
            text,
            "CodeDeploy StopDeployment failed: DeploymentAlreadyCompletedException: Deployment d-1 is already completed. (request id req-1)"
        );
    }

    #[test]
    fn sdk_errors_read_as_sentences_without_debug_dumps() {
        use aws_sdk_codedeploy::operation::stop_deployment::StopDeploymentError;
        use aws_smithy_runtime_api::client::result::ConnectorError;
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        use aws_smithy_types::error::ErrorMetadata;

        let mut headers = aws_smithy_runtime_api::http::Headers::new();
        headers.insert("x-amzn-requestid", "req-42");
        let mut raw = HttpResponse::new(
            StatusCode::try_from(400).expect("a status"),
            SdkBody::empty(),
        );
        *raw.headers_mut() = headers;
        let service = StopDeploymentError::generic(
            ErrorMetadata::builder()
                .code("DeploymentAlreadyCompletedException")
                .message("The deployment d-1 is already completed.")
                .build(),
        );
        let err = AwsError::from_sdk(
            "CodeDeploy",
            "StopDeployment",
            Some("https://codedeploy.eu-west-1.amazonaws.com"),
            SdkError::service_error(service, raw),
        );
        assert_eq!(err.kind, ErrorKind::AlreadyCompleted);
        assert_eq!(
            err.to_string(),
            "CodeDeploy StopDeployment failed: DeploymentAlreadyCompletedException: The deployment d-1 is already completed. (request id req-42)"
        );

        let refused: SdkError<StopDeploymentError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            ))));
        let err = AwsError::from_sdk(
            "CodeDeploy",
            "StopDeployment",
            Some("http://127.0.0.1:9"),
            refused,
        );
        assert_eq!(err.kind, ErrorKind::Unreachable);
        let text = err.to_string();
        assert!(
            text.starts_with("CodeDeploy StopDeployment failed: connection refused"),
            "{text}"
        );
        assert!(text.ends_with("(endpoint http://127.0.0.1:9)"), "{text}");
        assert!(
            !text.contains("DispatchFailure") && !text.contains("ConnectorError"),
            "{text}"
        );
    }

    #[test]
    fn transport_failures_name_the_endpoint() {
        let mut err = error(ErrorKind::Unreachable, None);
        err.message = Some("Connection refused (os error 111)".into());
        err.request_id = None;
        assert_eq!(
            err.to_string(),
            "CodeDeploy StopDeployment failed: Connection refused (os error 111) (endpoint http://127.0.0.1:1)"
        );
    }
}
