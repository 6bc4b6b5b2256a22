//! An AWS error as a client sees it: what every handler returns and every renderer writes.

use super::service::Service;

/// An AWS error as a client sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The error code (`__type`).
    pub code: String,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// A client-side (400) error.
    pub fn client(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// The generic validation error most services use.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::client("InvalidParameterException", message)
    }

    /// The error for an operation the emulator does not implement.
    pub fn unknown_operation(service: Service, op: &str) -> Self {
        Self::client(
            "UnknownOperationException",
            format!("the emulator does not implement {}.{op}", service.name()),
        )
    }
}
