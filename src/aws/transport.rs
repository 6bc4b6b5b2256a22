//! How long the provider waits for AWS, and what it remembers of an endpoint that did not answer.
//!
//! Without limits an endpoint that accepts connections and never answers held `terraform plan` for more
//! than ten minutes, and a refused connection took 158 s to fail (26 attempts with back-off). Every client
//! now connects within [`DEFAULT_CONNECT_TIMEOUT`] and gives each attempt [`DEFAULT_ATTEMPT_TIMEOUT`];
//! reads made for refresh, plan and import also give up after [`DEFAULT_READ_TIMEOUT`] in all, so a plan
//! against an endpoint that is down fails within half a minute. Rollout calls have no overall limit: the
//! rollout keeps retrying within its own `timeouts` and `on_interrupt`.
//!
//! When an operation runs out of time the SDK says only "timed out"; [`LastFailure`] remembers what the
//! last attempt met (refused, reset, silence), so the error can say it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Connecting (TCP and TLS) to an AWS endpoint: AWS answers in milliseconds, so seconds mean it is down.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One attempt of one call, connecting included: AWS's slowest reads here take about a second.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// All attempts of one read made for refresh, plan or import: a plan fails within half a minute.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(25);
/// How long a remembered failure explains a timeout.
const REMEMBER: Duration = Duration::from_secs(60);

/// The limits in force, for the clients and for the words of a timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting.
    pub connect: Duration,
    /// One attempt.
    pub attempt: Duration,
    /// All attempts of a read made for refresh, plan or import.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            attempt: DEFAULT_ATTEMPT_TIMEOUT,
            read: DEFAULT_READ_TIMEOUT,
        }
    }
}

/// Remembers the last transport failure one client met.
#[derive(Clone, Debug, Default)]
pub struct LastFailure(Arc<Mutex<Option<(Instant, String)>>>);

impl LastFailure {
    /// What the last failed attempt met, if it was recent.
    pub fn recent(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .filter(|(at, _)| at.elapsed() < REMEMBER)
            .map(|(_, what)| what.clone())
    }

    fn record(&self, what: String) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), what));
    }
}

/// The innermost cause of an error, in words (the SDK wraps transport failures several times over).
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &(dyn std::error::Error + 'static) = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

impl Intercept for LastFailure {
    fn name(&self) -> &'static str {
        "ecsbg.LastFailure"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Err(err)) = context.output_or_error() {
            if let Some(connector) = err.as_connector_error() {
                let what = if connector.is_timeout() {
                    "the connection timed out".to_string()
                } else {
                    root_cause(connector)
                };
                self.record(what);
            } else if err.is_timeout_error() {
                self.record("the endpoint accepted the connection but did not answer".to_string());
            }
        }
        Ok(())
    }
}
