//! How a native deployment ends early: RECONCILE_SERVICE's clean-up of a superseded deployment, a
//! rollback (rules flipped back to the source revision, green removed) or a stop where it stands.

use std::time::Duration;

use serde_json::json;

use crate::clock::Clock;
use crate::emu::Emu;

use super::traffic::{self, Listener};
use super::watch::{wait_until, with, End, STAGE, STAGE_LIMIT};

/// RECONCILE_SERVICE: waits for a superseded deployment to stop, then leaves only the revision taking
/// production traffic (and this deployment's green, not yet started) and puts both rules back on it.
pub async fn reconcile(
    emu: &Emu,
    arn: &str,
    key: &(String, String),
    green_set: &str,
) -> Result<(), End> {
    let prior_done = || {
        let world = emu.world();
        world
            .native
            .services
            .get(key)
            .map(|s| {
                s.deployments.iter().filter(|a| a.as_str() != arn).all(|a| {
                    world
                        .native
                        .deployments
                        .get(a)
                        .is_none_or(|d| d.is_terminal())
                })
            })
            .unwrap_or(true)
    };
    wait_until(emu, arn, green_set, STAGE_LIMIT, prior_done).await?;
    let serving = {
        let world = emu.world();
        let rule = world
            .native
            .services
            .get(key)
            .and_then(|s| s.traffic.clone())
            .map(|t| t.production_rule)
            .unwrap_or_default();
        let top_tg = super::rules::route_weights(&world, &rule)
            .and_then(|f| f.into_iter().max_by_key(|(_, w)| *w).map(|(tg, _)| tg))
            .unwrap_or_default();
        world
            .services
            .get(key)
            .and_then(|s| {
                s.task_sets
                    .iter()
                    .find(|t| t.id != green_set && t.target_group_arn == top_tg)
            })
            .map(|t| (t.id.clone(), t.target_group_arn.clone()))
    };
    let Some((blue_set, blue_tg)) = serving else {
        return Ok(());
    };
    let others: Vec<String> = emu
        .world()
        .services
        .get(key)
        .map(|s| {
            s.task_sets
                .iter()
                .filter(|t| t.id != blue_set && t.id != green_set)
                .map(|t| t.id.clone())
                .collect()
        })
        .unwrap_or_default();
    for id in &others {
        let _ = traffic::scale(emu, key, id, 0.0).await;
    }
    let mut world = emu.world();
    if let Some(s) = world.services.get_mut(key) {
        s.task_sets.retain(|t| !others.contains(&t.id));
    }
    let sources: Vec<String> = world
        .native
        .revisions
        .values()
        .filter(|r| r.task_set_id == blue_set)
        .map(|r| r.arn.clone())
        .collect();
    if let Some(d) = world.native.deployments.get_mut(arn) {
        d.sources = sources;
    }
    let traffic = world
        .native
        .services
        .get(key)
        .and_then(|s| s.traffic.clone());
    if let Some(t) = traffic {
        let green_tg = if blue_tg == t.primary {
            t.alternate.clone()
        } else {
            t.primary.clone()
        };
        let green_tg_in_use = world.services.get(key).is_some_and(|s| {
            s.task_sets
                .iter()
                .any(|ts| ts.id == green_set && ts.target_group_arn == green_tg)
        });
        if green_tg_in_use {
            for rule in [&t.production_rule, &t.test_rule] {
                super::rules::set_route_weights(
                    emu,
                    &mut world,
                    rule,
                    &[(blue_tg.clone(), 100), (green_tg.clone(), 0)],
                );
            }
        }
    }
    Ok(())
}

/// Ends a deployment early: rolled back to the source revision, or stopped where it stands.
pub async fn finish(emu: &Emu, arn: &str, end: End) {
    let now = Clock::now_epoch();
    match end {
        End::Rollback(reason) => {
            let (key, green_set, source) = {
                let mut world = emu.world();
                let green = traffic::groups(&world, arn)
                    .map(|g| g.2)
                    .unwrap_or_default();
                let Some(d) = world.native.deployments.get_mut(arn) else {
                    return;
                };
                d.status = "ROLLBACK_IN_PROGRESS".into();
                d.status_reason = Some(reason.clone());
                let source = d.sources.first().cloned().unwrap_or_default();
                d.rollback =
                    Some(json!({"reason": reason, "startedAt": now, "serviceRevisionArn": source}));
                d.updated_at = now;
                (d.service.clone(), green, source)
            };
            emu.note(format!("service deployment {arn} ROLLBACK_IN_PROGRESS"));
            let (test_was, production_was) = emu
                .world()
                .native
                .deployments
                .get(arn)
                .map(|d| (d.test_weight, d.production_weight))
                .unwrap_or_default();
            traffic::shift(emu, arn, Listener::Production, 0.0);
            traffic::shift(emu, arn, Listener::Test, 0.0);
            // The Lambda hooks of the shifts that happened run again, now seeing the weights reversed.
            let mut hooks_ok = true;
            for (stage, was) in [
                ("TEST_TRAFFIC_SHIFT", test_was),
                ("PRODUCTION_TRAFFIC_SHIFT", production_was),
            ] {
                if was > 0.0 {
                    hooks_ok &= rerun_hooks(emu, arn, stage).await;
                }
            }
            emu.clock().sleep(STAGE).await;
            let blue_set = emu
                .world()
                .native
                .revisions
                .get(&source)
                .map(|r| r.task_set_id.clone());
            let restored = hooks_ok
                && match blue_set {
                    Some(blue) => traffic::remove(emu, &key, &green_set, &blue).await.is_ok(),
                    None => {
                        let _ = traffic::scale(emu, &key, &green_set, 0.0).await;
                        false
                    }
                };
            if !hooks_ok {
                with(emu, arn, |d| {
                    d.status_reason = Some(format!(
                        "{} A lifecycle hook failed during the rollback.",
                        d.status_reason.clone().unwrap_or_default()
                    ))
                });
            }
            with(emu, arn, |d| {
                d.status = if restored {
                    "ROLLBACK_SUCCESSFUL"
                } else {
                    "ROLLBACK_FAILED"
                }
                .into();
                d.finished_at = Some(Clock::now_epoch());
                if d.alarms.0 == "MONITORING" {
                    d.alarms.0 = "MONITORING_COMPLETE".into();
                }
                if d.circuit_breaker.0 == "MONITORING" {
                    d.circuit_breaker.0 = "MONITORING_COMPLETE".into();
                }
            });
            emu.note(format!("service deployment {arn} rolled back"));
        }
        End::Stop(reason) => {
            with(emu, arn, |d| {
                d.status = "STOP_REQUESTED".into();
                d.status_reason = Some(reason);
            });
            emu.clock().sleep(Duration::from_secs(1)).await;
            with(emu, arn, |d| {
                d.status = "STOPPED".into();
                d.stopped_at = Some(Clock::now_epoch());
            });
            emu.note(format!("service deployment {arn} STOPPED"));
        }
    }
}

/// Runs a traffic-shift stage's Lambda hooks again during a rollback; false when one fails or times out.
async fn rerun_hooks(emu: &Emu, arn: &str, stage: &str) -> bool {
    let ids = super::hooks::start(emu, arn, stage, false);
    loop {
        let steer = emu.inner.steer.notified();
        match super::hooks::settle(emu, arn, &ids) {
            Some(super::hooks::HooksEnd::Passed) => return true,
            Some(super::hooks::HooksEnd::Rollback(_)) => return false,
            None => {}
        }
        tokio::select! {
            _ = steer => {}
            _ = tokio::time::sleep(Duration::from_millis(25)) => {}
        }
    }
}
