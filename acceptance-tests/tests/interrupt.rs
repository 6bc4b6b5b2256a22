//! Ctrl-C and kill -9 in the middle of a rollout: production keeps serving a version that passed its gates,
//! state says which, nothing is orphaned, and the next apply converges without deploying twice.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use ecsbg_acceptance::emulator::{demo_seed, http_get, wait_until, Running};
use ecsbg_acceptance::terraform::Workspace;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const SCALE: f64 = 60.0;

fn workspace(emulator: &Running) -> anyhow::Result<Workspace> {
    emulator.workspace(Path::new(PROVIDER))
}

/// v2 with a gate command that holds the Ready wait until `allow` exists, touching `started` first.
fn config(message: &str, started: &Path, allow: &Path, on_interrupt: &str) -> String {
    let gate = if message == "Hello from v1" {
        String::new()
    } else {
        format!(
            r#"  test_gate {{
    command {{
      argv = ["sh", "-c", "test -f {allow} || {{ touch {started}; sleep 120; }}"]
    }}
  }}
  on_interrupt = "{on_interrupt}"
"#,
            allow = allow.display(),
            started = started.display()
        )
    };
    let image = if message == "Hello from v1" {
        "v1"
    } else {
        "v2"
    };
    format!(
        r#"terraform {{
  required_providers {{
    ecsbg = {{ source = "ecsbg/ecsbg" }}
  }}
}}
provider "ecsbg" {{}}
resource "ecsbg_deployment" "web" {{
  application_name      = "web"
  deployment_group_name = "web-prod"
  task_definition = jsonencode({{
    family = "web", networkMode = "awsvpc", requiresCompatibilities = ["FARGATE"], cpu = "256", memory = "512"
    containerDefinitions = [{{ name = "web", image = "ghcr.io/acme/web:{image}", portMappings = [{{ containerPort = 80 }}],
      environment = [{{ name = "MESSAGE", value = "{message}" }}] }}]
  }})
{gate}}}
"#
    )
}

fn spawn_apply(ws: &Workspace) -> anyhow::Result<Child> {
    let mut cmd = ws.command(&["apply", "-auto-approve", "-no-color"]);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    Ok(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?)
}

fn finish(child: Child) -> anyhow::Result<(Option<i32>, String)> {
    let out = child.wait_with_output()?;
    Ok((
        out.status.code(),
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

fn signal_group(child: &Child, signal: i32) {
    // SAFETY: kill(2) on a process group we created; no memory is involved.
    unsafe {
        libc::kill(-(child.id() as i32), signal);
    }
}

/// The provider process Terraform started (a child of `terraform`).
fn provider_pid(terraform: u32) -> Option<i32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((comm, rest)) = stat.split_once(") ") else {
            continue;
        };
        let ppid: u32 = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if ppid == terraform && comm.contains("terraform-provi") {
            return Some(pid);
        }
    }
    None
}

fn active_deployments(emu: &Running) -> Vec<String> {
    emu.emulator.snapshot()["deployments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|d| {
            !["Succeeded", "Failed", "Stopped"].contains(&d["status"].as_str().unwrap_or_default())
        })
        .map(|d| format!("{} {}", d["id"], d["status"]))
        .collect()
}

#[test]
fn ctrl_c_in_the_ready_wait_rolls_back_by_default() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed(), SCALE)?;
    let ws = workspace(&emu)?;
    let (started, allow) = (ws.root().join("gate-started"), ws.root().join("allow"));
    ws.write_main(&config("Hello from v1", &started, &allow, "rollback"))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;
    ws.write_main(&config("Hello from v2", &started, &allow, "rollback"))?;
    let child = spawn_apply(&ws)?;
    assert!(
        wait_until(Duration::from_secs(60), || started.exists()),
        "the gate never started"
    );
    signal_group(&child, libc::SIGINT);
    let (code, out) = finish(child)?;
    assert_ne!(code, Some(0), "{out}");
    assert!(
        out.contains("Terraform was interrupted during the test gate"),
        "{out}"
    );
    assert!(out.contains("rolled back"), "{out}");
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v1");
    assert!(
        wait_until(Duration::from_secs(30), || active_deployments(&emu)
            .is_empty()),
        "orphaned: {:?}",
        active_deployments(&emu)
    );
    let values = ws.resource_values("ecsbg_deployment.web")?;
    assert!(
        values["task_definition_arn"]
            .as_str()
            .unwrap_or_default()
            .ends_with("web:1"),
        "{values}"
    );
    assert_eq!(values["status"], "RolledBack");
    Ok(())
}

#[test]
fn ctrl_c_with_detach_leaves_it_running_and_the_next_apply_adopts_it() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed(), SCALE)?;
    let ws = workspace(&emu)?;
    let (started, allow) = (ws.root().join("gate-started"), ws.root().join("allow"));
    ws.write_main(&config("Hello from v1", &started, &allow, "detach"))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;
    ws.write_main(&config("Hello from v2", &started, &allow, "detach"))?;
    let child = spawn_apply(&ws)?;
    assert!(
        wait_until(Duration::from_secs(60), || started.exists()),
        "the gate never started"
    );
    signal_group(&child, libc::SIGINT);
    let (code, out) = finish(child)?;
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("continues without Terraform"), "{out}");
    assert_eq!(
        active_deployments(&emu).len(),
        1,
        "the deployment keeps running"
    );
    assert_eq!(
        http_get(&emu.listener("web/production")).1,
        "Hello from v1",
        "production untouched while held"
    );

    // Refresh reports the deployment in flight.
    let plan = ws.run(&["plan"])?;
    let out = plan
        .output()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(out.contains("is in flight for web-prod"), "{out}");
    std::fs::write(&allow, "")?;
    let apply = ws.run(&["apply", "-auto-approve"])?.success()?;
    assert!(apply.output().contains("1 changed"), "{}", apply.output());
    assert_eq!(
        emu.calls("codedeploy.CreateDeployment"),
        1,
        "adopted, not deployed twice"
    );
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v2");
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"])?.code, 0);
    Ok(())
}

#[test]
fn kill_9_of_the_provider_mid_rollout_then_the_next_apply_adopts_and_finishes() -> anyhow::Result<()>
{
    let emu = Running::start(demo_seed(), SCALE)?;
    let ws = workspace(&emu)?;
    let (started, allow) = (ws.root().join("gate-started"), ws.root().join("allow"));
    ws.write_main(&config("Hello from v1", &started, &allow, "rollback"))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;
    ws.write_main(&config("Hello from v2", &started, &allow, "rollback"))?;
    let child = spawn_apply(&ws)?;
    assert!(
        wait_until(Duration::from_secs(60), || started.exists()),
        "the gate never started"
    );
    let provider =
        provider_pid(child.id()).ok_or_else(|| anyhow::anyhow!("provider process not found"))?;
    // SAFETY: kill(2) on the provider process; no memory is involved.
    unsafe {
        libc::kill(provider, libc::SIGKILL);
    }
    let (code, out) = finish(child)?;
    assert_ne!(code, Some(0), "{out}");
    assert_eq!(
        active_deployments(&emu).len(),
        1,
        "CodeDeploy still holds the deployment"
    );
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v1");

    std::fs::write(&allow, "")?;
    let apply = ws.run(&["apply", "-auto-approve"])?.success()?;
    assert!(apply.output().contains("1 changed"), "{}", apply.output());
    assert_eq!(
        emu.calls("codedeploy.CreateDeployment"),
        1,
        "adopted, not deployed twice"
    );
    assert_eq!(
        emu.calls("ecs.RegisterTaskDefinition"),
        1,
        "the same revision was reused"
    );
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v2");
    Ok(())
}
