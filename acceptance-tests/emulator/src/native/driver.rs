//! The native deployment engine: one task per service deployment walking ECS's lifecycle stages with real
//! tasks, real rule weights and real (time-scaled) waits; honouring hooks, StopServiceDeployment, deployment
//! alarms and the circuit breaker; rolling back by flipping the rules back to the source revision.

use std::time::Duration;

use serde_json::Value;

use crate::clock::Clock;
use crate::emu::Emu;
use crate::services::params::opt_num;

use super::ending::{finish, reconcile};
use super::hooks::{self, HooksEnd};
use super::traffic::{self, Listener};
use super::watch::{pause, stage, wait_until, with, End, STAGE, STAGE_LIMIT};

/// How long green must stay healthy before SCALE_UP ends.
const SETTLE: Duration = Duration::from_secs(5);
/// What ECS adds to each traffic shift behind a Network Load Balancer.
const NLB_SHIFT: Duration = Duration::from_secs(600);

/// The Network Load Balancer's extra ten minutes after a shift (nothing behind an ALB).
async fn nlb_extra(emu: &Emu, arn: &str, green_set: &str) -> Result<(), End> {
    if traffic::behind_nlb(&emu.world(), arn) {
        pause(emu, arn, green_set, NLB_SHIFT).await?;
    }
    Ok(())
}

/// Runs a service deployment to its end.
pub async fn run(emu: Emu, arn: String) {
    match drive(&emu, &arn).await {
        Ok(()) => {}
        Err(end) => finish(&emu, &arn, end).await,
    }
    emu.inner.steer.notify_waiters();
}

/// Runs the hooks of a stage (PAUSE hooks only where allowed) until they all end.
async fn hook_stage(
    emu: &Emu,
    arn: &str,
    green_set: &str,
    name: &str,
    pause_allowed: bool,
) -> Result<(), End> {
    let ids = hooks::start(emu, arn, name, pause_allowed);
    if ids.is_empty() {
        return Ok(());
    }
    let mut outcome = None;
    let settled = wait_until(emu, arn, green_set, STAGE_LIMIT, || {
        outcome = hooks::settle(emu, arn, &ids);
        outcome.is_some()
    })
    .await?;
    match outcome {
        Some(HooksEnd::Passed) => Ok(()),
        Some(HooksEnd::Rollback(why)) => Err(End::Rollback(why)),
        None if !settled => Err(End::Rollback(format!(
            "Service deployment rolled back because {name} exceeded 24 hours."
        ))),
        None => Ok(()),
    }
}

/// Percent steps of production traffic for the strategy, and the bake between them.
fn steps(config: &Value) -> (Vec<f64>, Duration) {
    let minutes = |v: Option<f64>| Duration::from_secs_f64(v.unwrap_or(0.0).max(0.0) * 60.0);
    match config["strategy"].as_str() {
        Some("LINEAR") => {
            let step = opt_num(&config["linearConfiguration"], "stepPercent")
                .unwrap_or(10.0)
                .max(0.1);
            let mut out = Vec::new();
            let mut pct = step;
            while pct < 100.0 - 1e-9 {
                out.push((pct * 10.0).round() / 10.0);
                pct += step;
            }
            out.push(100.0);
            (
                out,
                minutes(opt_num(
                    &config["linearConfiguration"],
                    "stepBakeTimeInMinutes",
                )),
            )
        }
        Some("CANARY") => {
            let pct = opt_num(&config["canaryConfiguration"], "canaryPercent").unwrap_or(5.0);
            let mut out = vec![pct];
            if pct < 100.0 {
                out.push(100.0);
            }
            (
                out,
                minutes(opt_num(
                    &config["canaryConfiguration"],
                    "canaryBakeTimeInMinutes",
                )),
            )
        }
        _ => (vec![100.0], Duration::ZERO),
    }
}

async fn drive(emu: &Emu, arn: &str) -> Result<(), End> {
    let (key, config, green_set, sources) = {
        let world = emu.world();
        let d = world
            .native
            .deployments
            .get(arn)
            .ok_or_else(|| End::Stop("gone".into()))?;
        let green = traffic::groups(&world, arn)
            .map(|g| g.2)
            .unwrap_or_default();
        (
            d.service.clone(),
            d.config.clone(),
            green,
            d.sources.clone(),
        )
    };
    pause(emu, arn, &green_set, STAGE).await?;
    with(emu, arn, |d| {
        d.status = "IN_PROGRESS".into();
        d.started_at = Some(Clock::now_epoch());
    });
    if sources.len() > 1 {
        stage(emu, arn, "RECONCILE_SERVICE");
        reconcile(emu, arn, &key, &green_set).await?;
        hook_stage(emu, arn, &green_set, "RECONCILE_SERVICE", true).await?;
    }
    stage(emu, arn, "PRE_SCALE_UP");
    hook_stage(emu, arn, &green_set, "PRE_SCALE_UP", true).await?;
    pause(emu, arn, &green_set, STAGE).await?;
    stage(emu, arn, "SCALE_UP");
    traffic::scale(emu, &key, &green_set, 100.0)
        .await
        .map_err(|e| {
            End::Rollback(format!(
                "Service deployment rolled back because tasks could not start: {}",
                e.message
            ))
        })?;
    let healthy = wait_until(emu, arn, &green_set, STAGE_LIMIT, || {
        let (running, wanted, healthy) = traffic::green_health(emu, &key, &green_set);
        running >= wanted && healthy >= wanted
    })
    .await?;
    if !healthy {
        return Err(End::Rollback(
            "Service deployment rolled back because SCALE_UP exceeded 24 hours.".into(),
        ));
    }
    pause(emu, arn, &green_set, SETTLE).await?;
    stage(emu, arn, "POST_SCALE_UP");
    hook_stage(emu, arn, &green_set, "POST_SCALE_UP", true).await?;
    stage(emu, arn, "TEST_TRAFFIC_SHIFT");
    traffic::shift(emu, arn, Listener::Test, 100.0);
    nlb_extra(emu, arn, &green_set).await?;
    hook_stage(emu, arn, &green_set, "TEST_TRAFFIC_SHIFT", false).await?;
    pause(emu, arn, &green_set, STAGE).await?;
    stage(emu, arn, "POST_TEST_TRAFFIC_SHIFT");
    hook_stage(emu, arn, &green_set, "POST_TEST_TRAFFIC_SHIFT", true).await?;
    let (steps, step_bake) = steps(&config);
    let last = steps.len().saturating_sub(1);
    for (i, pct) in steps.into_iter().enumerate() {
        // PRE_PRODUCTION_TRAFFIC_SHIFT is hookable but not a ServiceDeploymentLifecycleStage in the model:
        // its hooks run while the deployment reports PRODUCTION_TRAFFIC_SHIFT.
        stage(emu, arn, "PRODUCTION_TRAFFIC_SHIFT");
        hook_stage(emu, arn, &green_set, "PRE_PRODUCTION_TRAFFIC_SHIFT", true).await?;
        traffic::shift(emu, arn, Listener::Production, pct);
        nlb_extra(emu, arn, &green_set).await?;
        hook_stage(emu, arn, &green_set, "PRODUCTION_TRAFFIC_SHIFT", false).await?;
        if i < last {
            pause(emu, arn, &green_set, step_bake.max(STAGE)).await?;
        }
    }
    pause(emu, arn, &green_set, STAGE).await?;
    stage(emu, arn, "POST_PRODUCTION_TRAFFIC_SHIFT");
    hook_stage(emu, arn, &green_set, "POST_PRODUCTION_TRAFFIC_SHIFT", true).await?;
    stage(emu, arn, "BAKE_TIME");
    let bake = opt_num(&config, "bakeTimeInMinutes")
        .unwrap_or(0.0)
        .max(0.0);
    pause(
        emu,
        arn,
        &green_set,
        Duration::from_secs_f64(bake * 60.0).max(STAGE),
    )
    .await?;
    stage(emu, arn, "CLEAN_UP");
    traffic::keep_only(emu, &key, &green_set)
        .await
        .map_err(|e| {
            End::Stop(format!(
                "Service deployment stopped because clean-up failed: {}",
                e.message
            ))
        })?;
    traffic::production_is(&mut emu.world(), arn);
    with(emu, arn, |d| {
        d.status = "SUCCESSFUL".into();
        d.finished_at = Some(Clock::now_epoch());
        d.alarms.0 = "MONITORING_COMPLETE".into();
        d.circuit_breaker.0 = "MONITORING_COMPLETE".into();
    });
    emu.note(format!("service deployment {arn} SUCCESSFUL"));
    Ok(())
}
