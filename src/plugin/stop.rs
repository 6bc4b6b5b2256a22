//! The stop signal Terraform sends with `StopProvider` (Ctrl-C or SIGTERM to Terraform).
//!
//! Every request takes the token that is current when it starts. `StopProvider` cancels that token, so every
//! operation in flight learns of the stop, and installs a fresh one, so the process keeps serving afterwards
//! (Terraform may still call Read or Apply to record state after a stop).

use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// Shared between the gRPC service and the signal handler; cheap to clone.
#[derive(Clone, Default)]
pub struct StopSignal {
    current: Arc<Mutex<CancellationToken>>,
}

impl StopSignal {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// The token a request starting now must watch.
    pub fn token(&self) -> CancellationToken {
        self.lock().clone()
    }

    /// Cancels every in-flight request's token and arms a new one for requests that start later.
    pub fn stop(&self) {
        let old = std::mem::take(&mut *self.lock());
        old.cancel();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CancellationToken> {
        // A poisoned lock only means a panic elsewhere while swapping a token; the token itself is still valid.
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_cancels_in_flight_tokens_and_rearms() {
        let signal = StopSignal::new();
        let in_flight = signal.token();
        assert!(!in_flight.is_cancelled());
        signal.stop();
        assert!(
            in_flight.is_cancelled(),
            "the request running during the stop must see it"
        );
        assert!(
            !signal.token().is_cancelled(),
            "a request after the stop must start fresh"
        );
    }
}
