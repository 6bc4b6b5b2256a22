//! The engine's view of a test gate: something that checks green through the test listener while CodeDeploy
//! holds production traffic, and says pass or fail with an account of what it saw.

use tokio_util::sync::CancellationToken;

/// What a gate is told about the deployment it checks.
#[derive(Clone, Debug)]
pub struct GateContext {
    /// The deployment being gated.
    pub deployment_id: String,
    /// The task definition green runs.
    pub task_definition_arn: String,
    /// Base URL of the test listener (e.g. `http://lb-dns:8080`), when known.
    pub test_url: Option<String>,
}

/// The result of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// Which check (e.g. `http[0] GET /health` or `command[1] ./test.sh`).
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What it expected and what it got (for failures: the account shown to the user).
    pub detail: String,
}

/// The gate's verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GateVerdict {
    /// Every check run, in order.
    pub checks: Vec<CheckResult>,
    /// True when the gate was interrupted by a stop before it finished.
    pub interrupted: bool,
}

impl GateVerdict {
    /// True when every check passed and none was interrupted.
    pub fn passed(&self) -> bool {
        !self.interrupted && self.checks.iter().all(|c| c.passed)
    }

    /// The first failed check.
    pub fn first_failure(&self) -> Option<&CheckResult> {
        self.checks.iter().find(|c| !c.passed)
    }
}

/// Runs the checks; implemented by the resource layer (HTTP checks and commands).
#[async_trait::async_trait]
pub trait Gate: Send + Sync {
    /// True when there is nothing to check (the engine then continues at once).
    fn is_empty(&self) -> bool;
    /// Runs every check; must return promptly (interrupted) once `stop` fires.
    async fn run(&self, ctx: &GateContext, stop: &CancellationToken) -> GateVerdict;
}

/// A gate with no checks.
pub struct NoGate;

#[async_trait::async_trait]
impl Gate for NoGate {
    fn is_empty(&self) -> bool {
        true
    }
    async fn run(&self, _ctx: &GateContext, _stop: &CancellationToken) -> GateVerdict {
        GateVerdict::default()
    }
}
