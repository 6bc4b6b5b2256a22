//! How long a rollout may take and what it waits for: bake time, interrupt behaviour, when apply returns,
//! and the create/update timeouts.

use std::time::Duration;

use super::attr;
use super::values::{duration, timeout};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::value::Value;
use crate::rollout::{OnInterrupt, WaitFor};

/// The default for both timeouts.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);

/// The rollout's timing as configured, with defaults applied.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Bake time.
    pub bake_time: Duration,
    /// Interrupt behaviour.
    pub on_interrupt: OnInterrupt,
    /// When to return.
    pub wait_for: WaitFor,
    /// Timeout on create.
    pub create_timeout: Duration,
    /// Timeout on update.
    pub update_timeout: Duration,
}

/// Reads and checks the timing attributes.
pub fn parse(config: &Value, diags: &mut Diagnostics) -> Timing {
    let root = AttributePath::root;
    let on_interrupt = match config.get(attr::ON_INTERRUPT).as_str() {
        None | Some("rollback") => OnInterrupt::Rollback,
        Some("detach") => OnInterrupt::Detach,
        Some(other) => {
            diags.attribute_error(
                root(attr::ON_INTERRUPT),
                "Invalid on_interrupt",
                format!("{other:?} must be \"rollback\" or \"detach\"."),
            );
            OnInterrupt::Rollback
        }
    };
    let wait_for = match config.get(attr::WAIT_FOR).as_str() {
        None | Some("succeeded") => WaitFor::Succeeded,
        Some("traffic_shifted") => WaitFor::TrafficShifted,
        Some(other) => {
            diags.attribute_error(
                root(attr::WAIT_FOR),
                "Invalid wait_for",
                format!("{other:?} must be \"succeeded\" or \"traffic_shifted\"."),
            );
            WaitFor::Succeeded
        }
    };
    let timeouts = config.get(attr::TIMEOUTS);
    Timing {
        bake_time: duration(
            config.get(attr::BAKE_TIME),
            Duration::ZERO,
            root(attr::BAKE_TIME),
            diags,
        ),
        on_interrupt,
        wait_for,
        create_timeout: timeout(
            timeouts.get("create"),
            DEFAULT_TIMEOUT,
            root(attr::TIMEOUTS).attr("create"),
            "the rollout would be stopped (and rolled back) the moment it started",
            diags,
        ),
        update_timeout: timeout(
            timeouts.get("update"),
            DEFAULT_TIMEOUT,
            root(attr::TIMEOUTS).attr("update"),
            "the rollout would be stopped (and rolled back) the moment it started",
            diags,
        ),
    }
}
