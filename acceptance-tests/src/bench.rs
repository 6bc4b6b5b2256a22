//! Measurements `make bench` makes against the emulator: how fast the provider reacts to what CodeDeploy
//! and CloudWatch do (read off the emulator's wall-clock journal), and how 50 rollouts in one apply fare
//! when CodeDeploy throttles.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;

use crate::emulator::{demo_seed, http_get, not_found_burst, wait_until, Running};
use crate::stage::Stage;
use crate::terraform::{many_web_deployments, web_deployment};

/// Reaction latencies of one kind, in seconds, and the polling cost seen meanwhile.
#[derive(Debug, Default)]
pub struct Reactions {
    /// Emulator reaching Ready → the gate's first command starting.
    pub ready_to_gate: Vec<f64>,
    /// The gate's command ending → ContinueDeployment reaching the emulator.
    pub gate_to_continue: Vec<f64>,
    /// Deployment Succeeded → `terraform apply` exiting.
    pub terminal_to_return: Vec<f64>,
    /// Alarm entering ALARM → StopDeployment reaching the emulator.
    pub alarm_to_stop: Vec<f64>,
    /// GetDeployment + BatchGetDeployments calls per second from CreateDeployment to the apply's return.
    pub deployment_reads_per_second: Vec<f64>,
}

/// Emulator behaviour with up to 2 real seconds of random extra on every timed wait, so what the provider
/// reacts to happens at a random moment relative to its polls.
pub(crate) fn jittered(scale: f64) -> ecsbg_emulator::Behaviour {
    ecsbg_emulator::Behaviour {
        wait_jitter: Duration::from_secs_f64(2.0 * scale),
        ..ecsbg_emulator::Behaviour::default()
    }
}

pub(crate) fn secs_between(a: SystemTime, b: SystemTime) -> f64 {
    match b.duration_since(a) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

fn deployment_hcl(version: &str, extra: &str) -> String {
    web_deployment(version, extra)
}

/// The first journal entry at or after `from` whose text satisfies `what`.
pub(crate) fn first_after(
    journal: &[(SystemTime, String)],
    from: SystemTime,
    what: impl Fn(&str) -> bool,
) -> Option<SystemTime> {
    journal
        .iter()
        .find(|(at, text)| *at >= from && what(text))
        .map(|(at, _)| *at)
}

/// A test gate that stands for a 2 s test suite run as a command, writing the time it starts to
/// `<marks>-started` and the time it ends to `<marks>-ended` (one line per run).
pub(crate) fn timed_gate(marks: &Path) -> String {
    let m = marks.display();
    format!(
        "  test_gate {{\n    command {{\n      argv = [\"sh\", \"-c\", \"date +%s.%N >> {m}-started; sleep 2; date +%s.%N >> {m}-ended\"]\n    }}\n  }}\n"
    )
}

/// The last time [`timed_gate`] wrote to `<marks>-<which>`.
pub(crate) fn last_mark(marks: &Path, which: &str) -> anyhow::Result<SystemTime> {
    let path = marks.with_file_name(format!(
        "{}-{which}",
        marks.file_name().and_then(|n| n.to_str()).unwrap_or("gate")
    ));
    std::fs::read_to_string(&path)
        .with_context(|| format!("the gate never wrote {}", path.display()))?
        .lines()
        .last()
        .and_then(|l| l.trim().parse::<f64>().ok())
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs_f64(s))
        .with_context(|| format!("no time in {}", path.display()))
}

/// `runs` rollouts one after another through `terraform apply`, each with a test gate (a 2 s test suite
/// run as a command); records when the gate started and ended, when the deployment ended and when the
/// apply returned.
pub fn ready_and_terminal(binary: &Path, runs: usize, scale: f64) -> anyhow::Result<Reactions> {
    let mut seed = demo_seed()?;
    seed.deployment_groups[0].termination_wait_minutes = 0;
    let Stage { emu, ws } = Stage::start_with(binary, seed, scale, jittered(scale))?;
    let marks = ws.dir.join("gate");
    let gate = timed_gate(&marks);
    ws.apply(&deployment_hcl("v1", ""))?;
    let mut out = Reactions::default();
    for run in 0..runs {
        let hcl = deployment_hcl(&format!("v{}", run + 2), &gate);
        let started = SystemTime::now();
        ws.apply(&hcl)?;
        let returned = SystemTime::now();
        let journal = emu.emulator.journal();
        let ready = first_after(&journal, started, |t| {
            t.starts_with("deployment ") && t.ends_with(" Ready")
        })
        .context("the emulator never reached Ready")?;
        let ended = first_after(&journal, ready, |t| {
            t.starts_with("deployment ") && t.ends_with(" Succeeded")
        })
        .context("the deployment never succeeded")?;
        let gate_started = last_mark(&marks, "started")?;
        let gate_ended = last_mark(&marks, "ended")?;
        let continued = first_after(&journal, gate_ended, |t| {
            t == "call codedeploy.ContinueDeployment"
        })
        .context("no ContinueDeployment after the gate")?;
        out.ready_to_gate.push(secs_between(ready, gate_started));
        out.gate_to_continue
            .push(secs_between(gate_ended, continued));
        out.terminal_to_return.push(secs_between(ended, returned));
        let created = first_after(&journal, started, |t| {
            t == "call codedeploy.CreateDeployment"
        })
        .context("no CreateDeployment")?;
        let reads = journal
            .iter()
            .filter(|(at, t)| {
                *at >= created
                    && *at <= returned
                    && (t == "call codedeploy.GetDeployment"
                        || t == "call codedeploy.BatchGetDeployments")
            })
            .count();
        out.deployment_reads_per_second
            .push(reads as f64 / secs_between(created, returned).max(0.001));
    }
    Ok(out)
}

/// `runs` rollouts in which 404s on production make the group's alarm fire while traffic is on green;
/// records when the alarm entered ALARM and when StopDeployment arrived.
pub fn alarm_to_stop(binary: &Path, runs: usize, scale: f64) -> anyhow::Result<Vec<f64>> {
    let Stage { emu, ws } = Stage::start_with(binary, demo_seed()?, scale, jittered(scale))?
        .serving(&deployment_hcl("v1", ""))?;
    let prod = emu.listener("web/production");
    let mut samples = Vec::new();
    for run in 0..runs {
        ws.write_main(&deployment_hcl(&format!("bad{run}"), ""))?;
        let started = SystemTime::now();
        let child = ws
            .command(&["apply", "-auto-approve", "-no-color"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        // Wait for green to take production traffic, then make it answer 404s until the alarm fires.
        let shifted = wait_until(Duration::from_secs(120), || {
            first_after(&emu.emulator.journal(), started, |t| {
                t == "call codedeploy.ContinueDeployment"
            })
            .is_some()
        });
        anyhow::ensure!(shifted, "traffic never shifted in run {run}");
        samples.push(alarm_reaction(
            &emu,
            &prod,
            (started, run),
            child,
            "call codedeploy.StopDeployment",
        )?);
    }
    Ok(samples)
}

/// The end of one alarm run of either engine, once production is on green: after a stagger by `run`,
/// 404s on `prod` until `stop_call` reaches the emulator, the apply awaited, and the seconds from the
/// alarm entering ALARM to `stop_call`; the alarm is then let settle back to OK for the next run.
pub(crate) fn alarm_reaction(
    emu: &Running,
    prod: &str,
    (started, run): (SystemTime, usize),
    child: std::process::Child,
    stop_call: &str,
) -> anyhow::Result<f64> {
    std::thread::sleep(Duration::from_millis(150 * (run as u64 % 7)));
    not_found_burst(prod, Duration::from_secs(30), || {
        first_after(&emu.emulator.journal(), started, |t| t == stop_call).is_some()
    });
    child.wait_with_output()?;
    let journal = emu.emulator.journal();
    let fired = first_after(&journal, started, |t| t == "alarm web-404s ALARM")
        .context("the alarm never fired")?;
    let stopped = first_after(&journal, fired, |t| t == stop_call)
        .with_context(|| format!("{stop_call} never came"))?;
    // Let the alarm settle back to OK before the next run.
    wait_until(Duration::from_secs(120), || {
        emu.emulator.snapshot()["alarms"]
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x["state"] != "ALARM"))
    });
    Ok(secs_between(fired, stopped))
}

/// One apply rolling `n` services at `-parallelism=n`, optionally with CodeDeploy throttled to
/// `throttle_per_second`: (wall time, every service serving the new version, CodeDeploy calls made).
/// Prints when the creates and continues began and ended; with `ECSBG_BENCH_JOURNAL=<path>` it also writes
/// the emulator's journal, timed from the apply's start, to `<path>-<throttled>` for a closer look.
pub fn parallel_rollouts(
    binary: &Path,
    n: usize,
    scale: f64,
    throttle_per_second: Option<f64>,
) -> anyhow::Result<(Duration, bool, u64)> {
    let Stage { emu, ws } = Stage::many_serving_v1(binary, n, scale, n)?;
    let parallelism = format!("-parallelism={n}");
    if let Some(per_second) = throttle_per_second {
        emu.emulator
            .faults()
            .add(ecsbg_emulator::faults::FaultRule {
                service: "codedeploy".into(),
                operation: "*".into(),
                kind: ecsbg_emulator::faults::FaultKind::Throttle { per_second },
                count: None,
                probability: None,
            });
    }
    emu.emulator.reset_calls();
    ws.write_main(&many_web_deployments(n, "v2"))?;
    let started = Instant::now();
    let begun = SystemTime::now();
    let run = ws.run(&["apply", "-auto-approve", &parallelism])?;
    let wall = started.elapsed();
    let all_serve = run.code == 0
        && (0..n)
            .all(|i| http_get(&emu.listener(&format!("web{i}/production"))).1 == "Hello from v2");
    let by_operation = emu.emulator.calls();
    let journal = emu.emulator.journal();
    if let Ok(dump) = std::env::var("ECSBG_BENCH_JOURNAL") {
        let text: String = journal
            .iter()
            .map(|(at, t)| {
                format!(
                    "{:.3} {t}\n",
                    at.duration_since(begun)
                        .map(|d| d.as_secs_f64())
                        .unwrap_or(-1.0)
                )
            })
            .collect();
        std::fs::write(format!("{dump}-{}", throttle_per_second.is_some()), text)?;
    }
    let since_start = |what: &dyn Fn(&str) -> bool, last: bool| -> String {
        let mut hits = journal.iter().filter(|(_, t)| what(t)).map(|(at, _)| *at);
        let at = if last { hits.last() } else { hits.next() };
        at.and_then(|at| at.duration_since(begun).ok())
            .map(|d| format!("{:.1}", d.as_secs_f64()))
            .unwrap_or_else(|| "-".into())
    };
    eprintln!(
        "bench: phases (s from start): first create {}, last create {}, first continue {}, last continue {}, last succeeded {}, exit {:.1}",
        since_start(&|t| t == "call codedeploy.CreateDeployment", false),
        since_start(&|t| t == "call codedeploy.CreateDeployment", true),
        since_start(&|t| t == "call codedeploy.ContinueDeployment", false),
        since_start(&|t| t == "call codedeploy.ContinueDeployment", true),
        since_start(&|t| t.starts_with("deployment ") && t.ends_with(" Succeeded"), true),
        wall.as_secs_f64()
    );
    eprintln!(
        "bench: {n} rollouts{} took {:.1} s; calls: {by_operation:?}",
        throttle_per_second
            .map(|r| format!(" throttled at {r}/s"))
            .unwrap_or_default(),
        wall.as_secs_f64()
    );
    let calls = by_operation
        .iter()
        .filter(|(k, _)| k.starts_with("codedeploy."))
        .map(|(_, v)| v)
        .sum();
    Ok((wall, all_serve, calls))
}
