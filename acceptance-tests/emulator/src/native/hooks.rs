//! Lifecycle hooks of a native deployment: PAUSE hooks wait in AWAITING_ACTION for
//! ContinueServiceDeployment (or their timeout), Lambda hooks invoke the seed's function with ECS's event
//! and follow its `hookStatus` (IN_PROGRESS: called again after `callBackDelay`, `hookDetails` fed back).

use std::time::Duration;

use serde_json::{json, Value};

use crate::clock::Clock;
use crate::emu::Emu;
use crate::services::params::{list, opt_num, opt_str, strings};

use super::state::HookRun;

/// How a stage's hooks ended.
pub enum HooksEnd {
    /// All succeeded (or timed out with CONTINUE).
    Passed,
    /// One asks for a rollback; the sentence says which and why.
    Rollback(String),
}

/// Starts the hooks configured for `stage` and returns their ids (none: nothing to wait for).
pub fn start(emu: &Emu, arn: &str, stage: &str, pause_allowed: bool) -> Vec<String> {
    let mut started = Vec::new();
    let mut lambdas = Vec::new();
    {
        let mut world = emu.world();
        let Some(config) = world.native.deployments.get(arn).map(|d| d.config.clone()) else {
            return started;
        };
        for hook in list(&config, "lifecycleHooks") {
            if !strings(&hook, "lifecycleStages").iter().any(|s| s == stage) {
                continue;
            }
            let target_type = opt_str(&hook, "targetType")
                .unwrap_or("AWS_LAMBDA")
                .to_string();
            if target_type == "PAUSE" && !pause_allowed {
                continue;
            }
            let n = world.hex_id();
            let minutes =
                opt_num(&hook["timeoutConfiguration"], "timeoutInMinutes").unwrap_or(1440.0);
            let real = emu.clock().real(Duration::from_secs_f64(minutes * 60.0));
            let run = HookRun {
                hook_id: if target_type == "PAUSE" {
                    format!("ecs-pause-{n}")
                } else {
                    format!("ecs-lambda-{n}")
                },
                target_type: target_type.clone(),
                target_arn: opt_str(&hook, "hookTargetArn").map(str::to_string),
                status: if target_type == "PAUSE" {
                    "AWAITING_ACTION"
                } else {
                    "IN_PROGRESS"
                }
                .into(),
                expires_at: Clock::now_epoch() + real.as_secs_f64(),
                timeout_action: hook["timeoutConfiguration"]["action"]
                    .as_str()
                    .unwrap_or("ROLLBACK")
                    .to_string(),
                stage: stage.to_string(),
                action: None,
            };
            started.push(run.hook_id.clone());
            if target_type != "PAUSE" {
                lambdas.push((run.hook_id.clone(), hook.clone()));
            }
            if let Some(d) = world.native.deployments.get_mut(arn) {
                d.hooks.push(run);
                d.updated_at = Clock::now_epoch();
            }
        }
    }
    for (id, hook) in lambdas {
        tokio::spawn(invoke(
            emu.clone(),
            arn.to_string(),
            id,
            stage.to_string(),
            hook,
        ));
    }
    started
}

/// Where the stage's hooks stand: None while any is still running.
pub fn settle(emu: &Emu, arn: &str, ids: &[String]) -> Option<HooksEnd> {
    let mut world = emu.world();
    let d = world.native.deployments.get_mut(arn)?;
    let now = Clock::now_epoch();
    let mut waiting = false;
    for hook in d.hooks.iter_mut().filter(|h| ids.contains(&h.hook_id)) {
        if matches!(hook.status.as_str(), "AWAITING_ACTION" | "IN_PROGRESS")
            && now >= hook.expires_at
        {
            hook.status = "TIMED_OUT".into();
            d.updated_at = now;
        }
        match hook.status.as_str() {
            "AWAITING_ACTION" | "IN_PROGRESS" => waiting = true,
            "TIMED_OUT" if hook.timeout_action == "ROLLBACK" => {
                return Some(HooksEnd::Rollback(format!(
                    "Service deployment rolled back because lifecycle hook {} timed out at {}.",
                    hook.hook_id, hook.stage
                )))
            }
            "FAILED" if hook.action.as_deref() == Some("ROLLBACK") => {
                return Some(HooksEnd::Rollback(format!(
                    "Service deployment rolled back by ContinueServiceDeployment for lifecycle hook {} at {}.",
                    hook.hook_id, hook.stage
                )))
            }
            "FAILED" => {
                return Some(HooksEnd::Rollback(format!(
                    "Service deployment rolled back because lifecycle hook {} failed at {}.",
                    hook.hook_id, hook.stage
                )))
            }
            _ => {}
        }
    }
    (!waiting).then_some(HooksEnd::Passed)
}

fn set_status(emu: &Emu, arn: &str, id: &str, status: &str) {
    let mut world = emu.world();
    if let Some(d) = world.native.deployments.get_mut(arn) {
        if let Some(h) = d.hooks.iter_mut().find(|h| h.hook_id == id) {
            if h.status == "IN_PROGRESS" {
                h.status = status.to_string();
            }
        }
        d.updated_at = Clock::now_epoch();
    }
    drop(world);
    emu.inner.steer.notify_waiters();
}

/// The last JSON object a function printed (its Lambda reply).
fn reply(output: &str) -> Option<Value> {
    output.lines().rev().find_map(|l| {
        serde_json::from_str::<Value>(l.trim())
            .ok()
            .filter(Value::is_object)
    })
}

/// Calls a Lambda hook until it answers SUCCEEDED or FAILED (IN_PROGRESS: again after `callBackDelay`).
async fn invoke(emu: Emu, arn: String, id: String, stage: String, hook: Value) {
    let function = opt_str(&hook, "hookTargetArn")
        .unwrap_or_default()
        .to_string();
    let mut details = hook.get("hookDetails").cloned().unwrap_or(Value::Null);
    loop {
        let event = {
            let world = emu.world();
            let Some(d) = world.native.deployments.get(&arn) else {
                return;
            };
            if d.is_terminal() {
                return;
            }
            let service_arn = world
                .services
                .get(&d.service)
                .map(|s| s.arn.clone())
                .unwrap_or_default();
            let source = d.sources.first().cloned().unwrap_or_default();
            let weights = |green: f64| {
                if green <= 0.0
                    && !matches!(
                        stage.as_str(),
                        "TEST_TRAFFIC_SHIFT" | "PRODUCTION_TRAFFIC_SHIFT"
                    )
                {
                    json!({})
                } else {
                    json!({ source.clone(): 100.0 - green, d.target.clone(): green })
                }
            };
            let mut event = json!({
                "executionId": id,
                "lifecycleStage": stage,
                "resourceArn": arn,
                "executionDetails": {
                    "serviceArn": service_arn,
                    "targetServiceRevisionArn": d.target,
                    "testTrafficWeights": weights(d.test_weight),
                    "productionTrafficWeights": weights(d.production_weight),
                },
            });
            if !details.is_null() {
                event["hookDetails"] = details.clone();
            }
            event
        };
        emu.note(format!("lifecycle hook {id} invoked at {stage}"));
        let outcome = emu
            .inner
            .hooks
            .invoke(&function, &event, &emu.endpoint(), Duration::from_secs(900))
            .await;
        let answer = match outcome {
            Ok(o) if o.exit_code == Some(0) => reply(&o.output_tail),
            _ => None,
        };
        let Some(answer) = answer else {
            set_status(&emu, &arn, &id, "FAILED");
            return;
        };
        match answer["hookStatus"].as_str() {
            Some("SUCCEEDED") => return set_status(&emu, &arn, &id, "SUCCEEDED"),
            Some("IN_PROGRESS") => {
                if let Some(more) = answer.get("hookDetails").filter(|v| v.is_object()) {
                    if !details.is_object() {
                        details = json!({});
                    }
                    if let (Some(d), Some(m)) = (details.as_object_mut(), more.as_object()) {
                        d.extend(m.clone());
                    }
                }
                let delay = opt_num(&answer, "callBackDelay").unwrap_or(30.0).max(0.0);
                emu.clock().sleep(Duration::from_secs_f64(delay)).await;
            }
            _ => return set_status(&emu, &arn, &id, "FAILED"),
        }
    }
}
