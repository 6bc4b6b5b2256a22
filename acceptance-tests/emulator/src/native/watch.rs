//! What every wait of a native deployment watches: stop requests (StopServiceDeployment, a newer
//! deployment), the deployment alarms and the circuit breaker; and the small helpers that record stages.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::alarm_eval::AlarmState;
use crate::clock::Clock;
use crate::emu::Emu;

use super::shapes::circuit_breaker_threshold;
use super::state::{ServiceDeployment, Stop};
use super::traffic;

/// Emulated time from PENDING to IN_PROGRESS, and spent in each stage without hooks.
pub const STAGE: Duration = Duration::from_secs(2);
/// A stage's limit (AWS: 24 h), then the deployment fails.
pub const STAGE_LIMIT: Duration = Duration::from_secs(24 * 3600);

/// Why a deployment ends before success.
#[derive(Debug)]
pub enum End {
    /// Roll back to the source revision, with this reason.
    Rollback(String),
    /// Stop where it stands (STOP_REQUESTED → STOPPED), with this reason.
    Stop(String),
}

/// Changes a deployment under the world's lock and stamps `updatedAt`.
pub fn with<T>(emu: &Emu, arn: &str, f: impl FnOnce(&mut ServiceDeployment) -> T) -> Option<T> {
    let mut world = emu.world();
    let d = world.native.deployments.get_mut(arn)?;
    let out = f(d);
    d.updated_at = Clock::now_epoch();
    Some(out)
}

/// Enters a lifecycle stage (journalled, so tests and benchmarks can see when).
pub fn stage(emu: &Emu, arn: &str, name: &str) {
    with(emu, arn, |d| d.stage = Some(name.to_string()));
    emu.note(format!("service deployment {arn} {name}"));
}

/// What stops a wait: a stop request, a deployment alarm, the circuit breaker.
fn check(emu: &Emu, arn: &str, green_set: &str) -> Result<(), End> {
    let failed = traffic::failed_tasks(emu, green_set);
    let mut world = emu.world();
    let Some(d) = world.native.deployments.get(arn) else {
        return Err(End::Stop("The service deployment disappeared.".into()));
    };
    match d.stop {
        Some(Stop::Rollback) => {
            return Err(End::Rollback(
                "Service deployment rolled back by user.".into(),
            ))
        }
        Some(Stop::Abort) => return Err(End::Stop("Service deployment stopped by user.".into())),
        Some(Stop::Superseded) => {
            return Err(End::Stop(
                "Service deployment stopped because a newer service deployment started.".into(),
            ))
        }
        None => {}
    }
    let alarms = &d.config["alarms"];
    let firing: Vec<String> = if alarms["enable"] == true {
        alarms["alarmNames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|n| {
                world
                    .alarms
                    .get(*n)
                    .is_some_and(|a| a.state == AlarmState::Alarm)
            })
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    };
    let breaker = &d.config["deploymentCircuitBreaker"];
    let threshold = circuit_breaker_threshold(&world, d);
    let breaker_on = breaker["enable"] == true;
    let (alarm_rollback, breaker_rollback) =
        (alarms["rollback"] == true, breaker["rollback"] == true);
    let Some(d) = world.native.deployments.get_mut(arn) else {
        return Ok(());
    };
    d.circuit_breaker.1 = failed;
    if !firing.is_empty() {
        d.alarms = ("TRIGGERED".into(), firing.clone());
        let why = format!(
            "one or more deployment alarms went into ALARM: {}",
            firing.join(", ")
        );
        return Err(if alarm_rollback {
            End::Rollback(format!("Service deployment rolled back because {why}."))
        } else {
            End::Stop(format!("Service deployment stopped because {why}."))
        });
    }
    if breaker_on && failed >= threshold {
        d.circuit_breaker.0 = "TRIGGERED".into();
        let why =
            format!("the circuit breaker counted {failed} failed tasks (threshold {threshold})");
        return Err(if breaker_rollback {
            End::Rollback(format!("Service deployment rolled back because {why}."))
        } else {
            End::Stop(format!("Service deployment stopped because {why}."))
        });
    }
    Ok(())
}

/// Waits an emulated duration, or until `done` says so, watching everything `check` watches.
pub async fn wait_until(
    emu: &Emu,
    arn: &str,
    green_set: &str,
    emulated: Duration,
    mut done: impl FnMut() -> bool,
) -> Result<bool, End> {
    let deadline = Instant::now() + emu.clock().real(emulated);
    loop {
        let steer = emu.inner.steer.notified();
        check(emu, arn, green_set)?;
        if done() {
            return Ok(true);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        let until = deadline.min(now + Duration::from_millis(25));
        tokio::select! {
            _ = steer => {}
            _ = tokio::time::sleep_until(until.into()) => {}
        }
    }
}

/// Waits an emulated duration, watching stops, alarms and the circuit breaker.
pub async fn pause(emu: &Emu, arn: &str, green_set: &str, emulated: Duration) -> Result<(), End> {
    wait_until(emu, arn, green_set, emulated, || false)
        .await
        .map(|_| ())
}
