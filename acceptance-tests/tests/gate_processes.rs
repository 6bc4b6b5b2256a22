//! Gate commands leave nothing behind: a `test.sh` that starts a background job and a grandchild is ended,
//! whole, when its timeout passes, when the user presses Ctrl-C, and when Terraform is killed outright. Each
//! case asserts the apply failed and rolled back (production still on v1), and that no process the gate
//! started is alive afterwards; the rows are published to the reliability page.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use ecsbg_acceptance::campaign::{alive, provider_pid, publish, send_signal, Section};
use ecsbg_acceptance::emulator::{demo_seed, http_get, wait_until};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, web_deployment, Run, Workspace};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const SCALE: f64 = 60.0;

/// How the gate is ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    /// The command's own `timeout` passes.
    Timeout,
    /// Ctrl-C in a terminal: SIGINT to Terraform's process group (provider and gate included).
    CtrlC,
    /// Terraform dies outright; the orphaned provider winds down.
    KillTerraform,
}

impl Ending {
    fn label(self) -> &'static str {
        match self {
            Ending::Timeout => "the command's timeout (3s) passes",
            Ending::CtrlC => "Ctrl-C (SIGINT to terraform's process group)",
            Ending::KillTerraform => "SIGKILL of terraform",
        }
    }
}

/// A gate script that records its own pid, a background job's and a grandchild's, then waits forever.
fn gate(dir: &Path, timeout: &str) -> String {
    let d = dir.display();
    let script = format!(
        "echo $$ > {d}/gate.pid; sleep 300 & echo $! > {d}/job.pid; (sleep 300 & echo $! > {d}/grandchild.pid; wait) & wait"
    );
    format!(
        "  test_gate {{\n    command {{\n      argv    = [\"sh\", \"-c\", {script:?}]\n      timeout = \"{timeout}\"\n    }}\n  }}\n"
    )
}

const PID_FILES: [&str; 3] = ["gate.pid", "job.pid", "grandchild.pid"];

fn pids(dir: &Path) -> Vec<i32> {
    PID_FILES
        .iter()
        .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .filter_map(|t| t.trim().parse().ok())
        .collect()
}

/// The apply in a process group of its own, so Ctrl-C can reach Terraform and its provider together.
fn spawn_apply(ws: &Workspace) -> anyhow::Result<Child> {
    let mut cmd = ws.apply_command();
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    Ok(cmd.spawn()?)
}

fn run_case(stage: &Stage, dir: &Path, ending: Ending) -> anyhow::Result<Vec<String>> {
    let Stage { emu, ws } = stage;
    for f in PID_FILES {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let timeout = if ending == Ending::Timeout {
        "3s"
    } else {
        "10m"
    };
    ws.write_main(&web_deployment("v2", &gate(dir, timeout)))?;
    let child = spawn_apply(ws)?;
    let terraform = child.id() as i32;
    assert!(
        wait_until(Duration::from_secs(90), || pids(dir).len()
            == PID_FILES.len()),
        "{}: the gate never started its processes",
        ending.label()
    );
    let started = pids(dir);
    let provider = provider_pid(child.id());
    match ending {
        Ending::Timeout => {}
        Ending::CtrlC => send_signal(-terraform, libc::SIGINT),
        Ending::KillTerraform => send_signal(terraform, libc::SIGKILL),
    }
    let run = Run::from(child.wait_with_output()?);
    let said = flat(&run.output());
    assert_ne!(
        run.code,
        0,
        "{}: the apply succeeded\n{said}",
        ending.label()
    );
    if ending == Ending::KillTerraform {
        if let Some(pid) = provider {
            assert!(
                wait_until(Duration::from_secs(90), || !alive(pid)),
                "the orphaned provider {pid} is still running"
            );
        }
    } else {
        assert!(said.contains("rolled back"), "{}: {said}", ending.label());
    }
    let left: Vec<i32> = started.iter().copied().filter(|p| alive(*p)).collect();
    let gone = wait_until(Duration::from_secs(15), || {
        started.iter().all(|p| !alive(*p))
    });
    if !gone {
        for pid in &left {
            send_signal(*pid, libc::SIGKILL);
        }
    }
    assert!(
        gone,
        "{}: gate processes {left:?} outlived it",
        ending.label()
    );
    assert!(
        wait_until(Duration::from_secs(90), || http_get(
            &emu.listener("web/production")
        )
        .1 == "Hello from v1"),
        "{}: production is not back on v1",
        ending.label()
    );
    Ok(vec![
        ending.label().to_string(),
        format!("{} (gate, background job, grandchild)", started.len()),
        "none".to_string(),
        "failed; rolled back, v1 serves".to_string(),
    ])
}

#[test]
fn gate_processes_end_with_the_gate() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?.serving(&web_deployment("v1", ""))?;
    let dir: PathBuf = stage.ws.root().to_path_buf();
    let mut rows = Vec::new();
    for ending in [Ending::Timeout, Ending::CtrlC, Ending::KillTerraform] {
        rows.push(run_case(&stage, &dir, ending)?);
    }
    publish(&Section {
        id: "27-gate-processes",
        title: "Gate commands leave no processes",
        intro: "A gate command (`sh -c`) starts a background job and a grandchild, then waits. The gate is ended by its own timeout, by Ctrl-C to Terraform's process group, and by SIGKILL of Terraform (the orphaned provider winds down honouring `on_interrupt = rollback`). Every row asserts the apply failed, production serves v1 again (HTTP through the listener), and no process the gate started is alive afterwards: each command runs in its own process group, which gets SIGTERM and, after a grace, SIGKILL.",
        columns: &["gate ended by", "processes started", "left alive", "apply"],
        rows,
    })
}
