//! Live progress outside Terraform, with the real binary and the real emulator: `watch` (run as a person
//! runs it, in a second terminal — here with its output piped, so plain lines) follows the demo's rollout
//! and exits with its outcome; the provider's `progress_file` receives the same lines during
//! `terraform apply`; the first INFO line of the rollout in the provider's log links to the AWS console.

use std::process::{Child, Command, Stdio};

use std::time::Duration;

use ecsbg_acceptance::emulator::{
    demo_seed, http_get, not_found_burst, wait_until, ECS_LIFECYCLE_EVENTS,
};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{web_resource, PROVIDER_HEADER};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
/// A CodeDeploy minute per real second: a fast deployment whose transitions polls miss.
const SCALE: f64 = 60.0;

/// The demo's `web` at `version` with an HTTP gate on the test listener expecting `gate_body`, and the
/// provider block given `provider`.
fn config(provider: &str, version: &str, gate_body: Option<&str>) -> String {
    let gate = gate_body
        .map(|b| format!("  test_gate {{\n    http {{\n      path       = \"/\"\n      body_regex = \"{b}\"\n      attempts   = 2\n      interval   = \"200ms\"\n    }}\n  }}\n"))
        .unwrap_or_default();
    let header = PROVIDER_HEADER.replace("provider \"ecsbg\" {}", provider);
    format!(
        "{header}{}",
        web_resource("web", "web", "web-prod", version, &gate)
    )
}

/// The `watch` arguments every case uses: the demo's group, a quick look, a wait long enough for the apply.
const WATCH: [&str; 6] = [
    "watch",
    "web:web-prod",
    "--interval",
    "300ms",
    "--wait",
    "120s",
];

/// `terraform-provider-ecsbg watch web:web-prod` pointed at the emulator the way the provider is (the
/// standard AWS environment), output piped: not a terminal.
fn spawn_watch(stage: &Stage, extra: &[&str]) -> anyhow::Result<Child> {
    let mut cmd = Command::new(PROVIDER);
    cmd.args(WATCH).args(extra);
    watch_env(&mut cmd, stage);
    Ok(cmd.spawn()?)
}

/// The environment `watch` runs in: the emulator's AWS settings, no plugin cookie, output piped.
fn watch_env(cmd: &mut Command, stage: &Stage) {
    cmd.env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("ECSBG_PROGRESS_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in stage.emu.emulator.env() {
        cmd.env(k, v);
    }
}

/// Waits for `watch` to end: (exit code, stdout, stderr).
fn finish(child: Child) -> anyhow::Result<(i32, String, String)> {
    let out = child.wait_with_output()?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// A rollout through a passing gate: `watch` prints every lifecycle event with CodeDeploy's time and exits
/// 0; the progress file (named in the provider block) got the same kinds of lines during the apply, gate
/// checks included; the provider's first INFO line of the rollout names the deployment and its console
/// page; and the timeline in state lists every lifecycle event and the gate's pass, stable in the next plan.
#[test]
fn watch_and_progress_file_follow_a_successful_rollout() -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let progress = scratch.path().join("progress.log");
    let log = scratch.path().join("provider.log");
    let provider = format!(
        "provider \"ecsbg\" {{\n  progress_file = \"{}\"\n}}\n",
        progress.display()
    );
    let mut stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    stage.ws.apply(&config(&provider, "v1", None))?;
    stage.ws.env("TF_LOG_PROVIDER", "INFO");
    stage.ws.env("TF_LOG_PATH", &log.display().to_string());

    let watch = spawn_watch(&stage, &[])?;
    stage
        .ws
        .apply(&config(&provider, "v2", Some("Hello from v2")))?;
    let (code, stdout, stderr) = finish(watch)?;
    assert_eq!(code, 0, "watch exits 0 on Succeeded:\n{stdout}\n{stderr}");

    let values = stage.ws.resource_values("ecsbg_deployment.web")?;
    let id = values["deployment_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(id.starts_with("d-"), "{values}");
    for event in ECS_LIFECYCLE_EVENTS {
        let line = format!("{id} [lifecycle] lifecycle event {event} Succeeded");
        assert!(stdout.contains(&line), "watch shows {event}:\n{stdout}");
    }
    assert!(
        stdout.contains(&format!("{id} [status] deployment {id} is Succeeded")),
        "{stdout}"
    );
    // Plain lines, one per event: time, group, deployment, kind.
    for line in stdout.lines() {
        assert!(
            line.starts_with("20") && line.contains(" web:web-prod d-") && !line.contains('\x1b'),
            "not a plain progress line: {line:?}"
        );
    }

    let written = std::fs::read_to_string(&progress)?;
    assert!(
        written.contains(&format!(
            "web:web-prod {id} [deployment] created deployment {id}"
        )),
        "{written}"
    );
    assert!(
        written.contains(&format!("{id} [gate] gate check http[0] GET /: passed")),
        "{written}"
    );
    for event in ECS_LIFECYCLE_EVENTS {
        assert!(
            written.contains(&format!(
                "{id} [lifecycle] lifecycle event {event} Succeeded"
            )),
            "the progress file has {event}:\n{written}"
        );
    }

    let logged = std::fs::read_to_string(&log)?;
    let first = logged
        .lines()
        .find(|l| l.contains("[INFO]") && l.contains(&id))
        .unwrap_or_default();
    assert!(
        first.contains(&format!(
            "https://us-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/{id}?region=us-east-1"
        )),
        "the rollout's first INFO line links to the console: {first:?}"
    );

    let timeline: Vec<String> = values["timeline"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for event in ECS_LIFECYCLE_EVENTS {
        assert!(
            timeline
                .iter()
                .any(|l| l.contains(&format!("lifecycle event {event} Succeeded"))),
            "the timeline lists {event}: {timeline:#?}"
        );
    }
    assert!(
        timeline.iter().any(|l| l.contains("test gate passed")),
        "{timeline:#?}"
    );
    let seconds: Vec<f64> = timeline
        .iter()
        .filter_map(|l| l.trim_start().split('s').next()?.parse().ok())
        .collect();
    assert_eq!(
        seconds.len(),
        timeline.len(),
        "every line has its time: {timeline:#?}"
    );
    assert!(
        seconds.windows(2).all(|w| w[0] <= w[1]),
        "in time order: {timeline:#?}"
    );
    assert_eq!(
        stage.ws.run(&["plan", "-detailed-exitcode"])?.code,
        0,
        "the timeline is stable: the next plan is empty"
    );
    Ok(())
}

/// A gate that fails: CodeDeploy rolls back; `watch`, reading the gate's checks from the progress file
/// (here given through ECSBG_PROGRESS_FILE to the provider and --progress-file to watch), shows the failed
/// check, the rollback deployment's events, and exits with the rolled-back code (6).
#[test]
fn watch_exits_with_the_rolled_back_code() -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let progress = scratch.path().join("progress.log");
    let provider = "provider \"ecsbg\" {}";
    let mut stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    stage.ws.apply(&config(provider, "v1", None))?;
    stage
        .ws
        .env("ECSBG_PROGRESS_FILE", &progress.display().to_string());

    let path = progress.display().to_string();
    let watch = spawn_watch(&stage, &["--progress-file", &path])?;
    let apply = stage
        .ws
        .try_apply(&config(provider, "v2", Some("this is not what v2 says")))?;
    assert_ne!(apply.code, 0, "{}", apply.output());
    let (code, stdout, stderr) = finish(watch)?;
    assert_eq!(
        code, 6,
        "watch exits 6 when rolled back:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("[gate] gate check http[0] GET /: FAILED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[rollback] CodeDeploy rolls back with deployment d-"),
        "{stdout}"
    );
    assert!(
        stdout.contains(": lifecycle event AllowTraffic Succeeded"),
        "the rollback's events: {stdout}"
    );
    assert!(
        !std::fs::read_to_string(&progress)?.contains("test gate passed"),
        "no pass is claimed for a failed gate"
    );

    // Afterwards, the same deployment by id: its whole story at once, and the same outcome.
    let id = stdout
        .lines()
        .find_map(|l| l.split_whitespace().nth(2))
        .unwrap_or_default()
        .to_string();
    let mut again = Command::new(PROVIDER);
    again.args(["watch", "--deployment", &id, "--interval", "300ms"]);
    watch_env(&mut again, &stage);
    let (code, replay, stderr) = finish(again.spawn()?)?;
    assert_eq!(code, 6, "{replay}\n{stderr}");
    assert!(
        replay.contains(&format!(
            "{id} [lifecycle] lifecycle event AllowTraffic Skipped"
        )),
        "{replay}"
    );
    assert!(
        replay.contains(": lifecycle event AllowTraffic Succeeded"),
        "{replay}"
    );
    Ok(())
}

/// In a terminal (a pseudo-terminal from util-linux `script`), `watch` draws a progress bar redrawn in place
/// with ANSI escapes, full once every lifecycle event ended, and still exits with the outcome's code.
#[test]
fn watch_in_a_terminal_draws_a_progress_bar() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    stage
        .ws
        .apply(&config("provider \"ecsbg\" {}", "v1", None))?;
    let mut line = format!("'{PROVIDER}'");
    for arg in WATCH {
        line.push(' ');
        line.push_str(arg);
    }
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &line, "/dev/null"]);
    watch_env(&mut cmd, &stage);
    let watch = cmd.spawn()?;
    stage
        .ws
        .apply(&config("provider \"ecsbg\" {}", "v2", None))?;
    let (code, stdout, stderr) = finish(watch)?;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("\r\x1b[2K"),
        "the bar is redrawn in place: {stdout:?}"
    );
    assert!(
        stdout.contains(&format!("[{}] 8/8", "█".repeat(24))),
        "a full bar at the end: {stdout:?}"
    );
    assert!(stdout.contains("Succeeded"), "{stdout:?}");
    Ok(())
}

/// A progress file that cannot be written fails `terraform plan` on the attribute, saying why, before
/// anything is read or deployed.
#[test]
fn an_unwritable_progress_file_fails_on_its_attribute() -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let missing = scratch
        .path()
        .join("no-such-directory")
        .join("progress.log");
    let provider = format!(
        "provider \"ecsbg\" {{\n  progress_file = \"{}\"\n}}\n",
        missing.display()
    );
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    stage.ws.write_main(&config(&provider, "v1", None))?;
    let plan = stage.ws.run(&["plan"])?;
    let out = plan.output();
    assert_ne!(plan.code, 0, "{out}");
    assert!(out.contains("Cannot write the progress file"), "{out}");
    assert!(out.contains("progress_file"), "{out}");
    assert!(out.contains("no-such-directory"), "{out}");
    assert_eq!(stage.emu.calls("codedeploy.CreateDeployment"), 0);
    Ok(())
}

/// Users' 404s during the bake fire the group's alarm: `watch` names the alarm (read from CloudWatch at
/// every look, or from CodeDeploy's reason for the stop), then the rollback, and exits with the
/// rolled-back code.
#[test]
fn watch_shows_the_alarm_that_rolls_back() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let provider = "provider \"ecsbg\" {}";
    stage.ws.apply(&config(provider, "v1", None))?;
    let prod = stage.emu.listener("web/production");

    let watch = spawn_watch(&stage, &[])?;
    let hcl = format!(
        "{PROVIDER_HEADER}{}",
        web_resource("web", "web", "web-prod", "v2", "  bake_time = \"20s\"\n")
    );
    let apply = stage.ws.spawn_apply(&hcl)?;
    assert!(
        wait_until(Duration::from_secs(120), || http_get(&prod).1
            == "Hello from v2"),
        "v2 never reached production"
    );
    not_found_burst(&prod, Duration::from_secs(4), || false);
    let applied = apply.wait_with_output()?;
    assert!(!applied.status.success(), "the apply fails: rolled back");
    let (code, stdout, stderr) = finish(watch)?;
    assert_eq!(code, 6, "{stdout}\n{stderr}");
    // Seen in CloudWatch at a look, or in CodeDeploy's reason when it stopped between two looks.
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("[alarm] ") && l.contains("web-404s")),
        "{stdout}"
    );
    assert!(
        stdout.contains("[rollback] CodeDeploy rolls back with deployment d-"),
        "{stdout}"
    );
    Ok(())
}
