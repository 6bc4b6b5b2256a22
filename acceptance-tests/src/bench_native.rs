//! The reaction measurements of `make bench` on the ECS-native engine, beside the CodeDeploy ones in
//! [`crate::bench`]: the demo's web service on the ECS controller (the emulator's `native-demo` seed),
//! read off the same wall-clock journal.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use serde_json::json;

use crate::bench::{alarm_reaction, first_after, jittered, last_mark, secs_between, timed_gate};
use crate::emulator::{native_demo_seed, wait_until};
use crate::stage::Stage;
use crate::terraform::native_web_deployment;

/// Reaction latencies on the native engine, in seconds.
#[derive(Debug, Default)]
pub struct NativeReactions {
    /// ECS entering POST_TEST_TRAFFIC_SHIFT (where the PAUSE hook holds it) → the gate's command starting.
    pub paused_to_gate: Vec<f64>,
    /// The gate's command ending → ContinueServiceDeployment reaching the emulator.
    pub gate_to_continue: Vec<f64>,
    /// The service deployment turning SUCCESSFUL → `terraform apply` exiting.
    pub terminal_to_return: Vec<f64>,
    /// DescribeServiceDeployments calls per second from UpdateService to the apply's return.
    pub deployment_reads_per_second: Vec<f64>,
}

/// The native demo seed with ECS's bake set to `bake_minutes` and, unless `pause`, no PAUSE hook.
fn seed(bake_minutes: u32, pause: bool) -> anyhow::Result<ecsbg_emulator::Seed> {
    let mut seed = native_demo_seed()?;
    let config = seed.services[0]
        .deployment_configuration
        .as_mut()
        .context("the native demo seed's service has no deployment_configuration")?;
    config["bakeTimeInMinutes"] = json!(bake_minutes);
    if let (false, Some(config)) = (pause, config.as_object_mut()) {
        config.remove("lifecycleHooks");
    }
    Ok(seed)
}

/// `runs` rollouts one after another through `terraform apply`, each held by ECS's PAUSE hook for a test
/// gate (a 2 s test suite run as a command), ECS baking nothing; records when ECS paused, when the gate
/// started and ended, when ContinueServiceDeployment came, when the deployment ended and when the apply
/// returned.
pub fn native_ready_and_terminal(
    binary: &Path,
    runs: usize,
    scale: f64,
) -> anyhow::Result<NativeReactions> {
    let Stage { emu, ws } = Stage::start_with(binary, seed(0, true)?, scale, jittered(scale))?;
    let marks = ws.dir.join("gate");
    let gate = timed_gate(&marks);
    ws.apply(&native_web_deployment("v1", ""))?;
    let mut out = NativeReactions::default();
    for run in 0..runs {
        let started = SystemTime::now();
        ws.apply(&native_web_deployment(&format!("v{}", run + 2), &gate))?;
        let returned = SystemTime::now();
        let journal = emu.emulator.journal();
        let paused = first_after(&journal, started, |t| {
            t.starts_with("service deployment ") && t.ends_with(" POST_TEST_TRAFFIC_SHIFT")
        })
        .context("ECS never reached POST_TEST_TRAFFIC_SHIFT")?;
        let gate_started = last_mark(&marks, "started")?;
        let gate_ended = last_mark(&marks, "ended")?;
        let continued = first_after(&journal, gate_ended, |t| {
            t == "call ecs.ContinueServiceDeployment"
        })
        .context("no ContinueServiceDeployment after the gate")?;
        let ended = first_after(&journal, continued, |t| {
            t.starts_with("service deployment ") && t.ends_with(" SUCCESSFUL")
        })
        .context("the service deployment never succeeded")?;
        out.paused_to_gate.push(secs_between(paused, gate_started));
        out.gate_to_continue
            .push(secs_between(gate_ended, continued));
        out.terminal_to_return.push(secs_between(ended, returned));
        let updated = first_after(&journal, started, |t| t == "call ecs.UpdateService")
            .context("no UpdateService")?;
        let reads = journal
            .iter()
            .filter(|(at, t)| {
                *at >= updated && *at <= returned && t == "call ecs.DescribeServiceDeployments"
            })
            .count();
        out.deployment_reads_per_second
            .push(reads as f64 / secs_between(updated, returned).max(0.001));
    }
    Ok(out)
}

/// `runs` rollouts in which 404s on production make `web-404s` fire during ECS's bake (an hour, cut short
/// by the rollback); records when the alarm entered ALARM and when StopServiceDeployment arrived.
pub fn native_alarm_to_stop(binary: &Path, runs: usize, scale: f64) -> anyhow::Result<Vec<f64>> {
    let Stage { emu, ws } = Stage::start_with(binary, seed(60, false)?, scale, jittered(scale))?
        .serving(&native_web_deployment("v1", ""))?;
    let prod = emu.listener("web/production");
    let mut samples = Vec::new();
    for run in 0..runs {
        ws.write_main(&native_web_deployment(
            &format!("bad{run}"),
            "  alarms = [\"web-404s\"]\n",
        ))?;
        let started = SystemTime::now();
        let child = ws
            .command(&["apply", "-auto-approve", "-no-color"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        // Wait for ECS to move production to green and start its bake, then make green answer 404s.
        let baking = wait_until(Duration::from_secs(120), || {
            first_after(&emu.emulator.journal(), started, |t| {
                t.starts_with("service deployment ") && t.ends_with(" BAKE_TIME")
            })
            .is_some()
        });
        anyhow::ensure!(baking, "ECS never started baking in run {run}");
        samples.push(alarm_reaction(
            &emu,
            &prod,
            (started, run),
            child,
            "call ecs.StopServiceDeployment",
        )?);
    }
    Ok(samples)
}
