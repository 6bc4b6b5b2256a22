//! What the reliability campaigns share: a sampler that requests production through its listener while
//! something runs, readings of what ECS and CodeDeploy hold, and the page `reliability.md`, assembled from
//! one section per campaign test so that the tests can run in parallel and the page is still the record of
//! the last run rather than prose. The page is written under the build's `target/reports/`, never into the
//! repository: a test run leaves tracked files alone, and `make reports` copies it to `reports/` on purpose.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;

use crate::emulator::{http_get, Running};
use ecsbg_emulator::faults::FaultKind;

/// What production answered while something ran.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    /// Distinct bodies of successful answers, in the order first seen.
    pub bodies: Vec<String>,
    /// Requests that failed (no answer, or not 200).
    pub failed: u32,
    /// All requests made.
    pub total: u32,
}

impl Seen {
    /// The table cell: `v1 → v2 (N requests, F failed)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({} requests, {} failed)",
            self.bodies.join(" → "),
            self.total,
            self.failed
        )
    }
}

/// Requests production every 50 ms on a thread of its own, so a test can tell whether users ever saw an
/// error or an unexpected version while Terraform, a signal or a fault did its work.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    /// Starts requesting `url`.
    pub fn start(url: String) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let thread = {
            let (stop, seen) = (stop.clone(), seen.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let (status, body) = http_get(&url);
                    if let Ok(mut s) = seen.lock() {
                        s.total += 1;
                        let body = body.trim().to_string();
                        if status == 200 {
                            if !s.bodies.contains(&body) {
                                s.bodies.push(body);
                            }
                        } else {
                            s.failed += 1;
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Sampler {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    /// Stops requesting and returns what was seen.
    pub fn finish(mut self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        seen
    }
}

/// The task definition ECS runs as the PRIMARY task set of `service`: what production serves, by ECS's word.
pub fn primary_task_definition(emu: &Running, service: &str) -> String {
    emu.emulator.snapshot()["services"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|svc| svc["name"] == service)
                .and_then(|svc| svc["taskSets"].as_array().cloned())
        })
        .and_then(|sets| {
            sets.iter()
                .find(|t| t["status"] == "PRIMARY")
                .and_then(|t| t["taskDefinition"].as_str().map(str::to_string))
        })
        .unwrap_or_default()
}

/// How many task sets of `service` are live (PRIMARY or ACTIVE, or still holding tasks): one once a rollout
/// is over; a second is an orphaned green or blue. A drained set (DRAINING, no tasks) is on its way out.
pub fn live_task_sets(emu: &Running, service: &str) -> usize {
    emu.emulator.snapshot()["services"]
        .as_array()
        .and_then(|s| s.iter().find(|svc| svc["name"] == service).cloned())
        .and_then(|svc| {
            svc["taskSets"].as_array().map(|sets| {
                sets.iter()
                    .filter(|t| t["status"] != "DRAINING" || t["tasks"].as_u64().unwrap_or(0) > 0)
                    .count()
            })
        })
        .unwrap_or(0)
}

/// Deployments CodeDeploy has not finished, as `id status`.
pub fn active_deployments(emu: &Running) -> Vec<String> {
    deployments(emu)
        .iter()
        .filter(|d| {
            !["Succeeded", "Failed", "Stopped"].contains(&d["status"].as_str().unwrap_or_default())
        })
        .map(|d| {
            format!(
                "{} {}",
                d["id"].as_str().unwrap_or_default(),
                d["status"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// Every deployment CodeDeploy knows, oldest first.
pub fn deployments(emu: &Running) -> Vec<serde_json::Value> {
    emu.emulator.snapshot()["deployments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The last `revision:N` part of a task definition ARN (`web:3`), for tables.
pub fn revision(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or_default().to_string()
}

/// One section of `reliability.md`: a heading, what every row asserts, and the rows.
pub struct Section {
    /// Orders sections on the page (`10-aws-faults`, `20-…`).
    pub id: &'static str,
    /// The `##` heading.
    pub title: &'static str,
    /// What was done and what every row asserts.
    pub intro: &'static str,
    /// Column headings.
    pub columns: &'static [&'static str],
    /// One cell per column.
    pub rows: Vec<Vec<String>>,
}

/// The workspace's target directory: `CARGO_TARGET_DIR` when the run sets one (a relative one taken from the
/// workspace root, where `make` runs cargo), else `target/` in the workspace root (this crate's parent).
pub fn target_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Where generated reports go (`make reports` copies them into `reports/`): under `target/`, which git ignores.
pub fn reports_dir() -> PathBuf {
    target_dir().join("reports")
}

fn sections_dir() -> PathBuf {
    target_dir().join("reliability-sections")
}

/// Records a section from this run and rewrites `target/reports/reliability.md` from every section recorded,
/// in id order. Tests call it only after all their assertions passed, so every row on the page is a passed case.
pub fn publish(section: &Section) -> anyhow::Result<()> {
    let mut text = format!("## {}\n\n{}\n\n", section.title, section.intro);
    text.push_str(&format!("| {} |\n", section.columns.join(" | ")));
    text.push_str(&format!("|{}\n", "---|".repeat(section.columns.len())));
    for row in &section.rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
        text.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    text.push_str(&format!("\n{} cases, all passed.\n", section.rows.len()));
    let dir = sections_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(format!("{}.md", section.id)), text)?;
    assemble(&dir)
}

/// Tests publish concurrently: a lock file serialises the rewrite of the page.
fn assemble(dir: &std::path::Path) -> anyhow::Result<()> {
    let lock = std::fs::File::create(dir.join(".lock"))?;
    // SAFETY: flock(2) on a descriptor we own; released when `lock` is dropped.
    unsafe {
        libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX);
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    names.sort();
    let mut page = String::from(
        "# Reliability\n\nGenerated by the fault campaigns in `acceptance-tests/tests/` (`reliability.rs`, `process_faults.rs`, \
         `foreign_activity.rs`, `gate_processes.rs`, `unreachable_aws.rs`, `green_cannot_start.rs`) on every test run (`make test` writes it to `target/reports/reliability.md`; `make reports` copies it here); do not edit by hand. Each section is written by one test after \
         all its assertions passed.\n\n",
    );
    for name in names {
        page.push_str(&std::fs::read_to_string(&name)?);
        page.push('\n');
    }
    let reports = reports_dir();
    std::fs::create_dir_all(&reports).with_context(|| format!("creating {}", reports.display()))?;
    let path = reports.join("reliability.md");
    std::fs::write(&path, page.trim_end().to_string() + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    drop(lock);
    Ok(())
}

/// The AWS faults every campaign injects: (label, fault, how many calls it hits).
pub fn aws_fault_kinds() -> Vec<(&'static str, FaultKind, u32)> {
    vec![
        (
            "throttling burst (5 calls)",
            FaultKind::Error {
                status: 400,
                code: "ThrottlingException".into(),
                message: "Rate exceeded".into(),
            },
            5,
        ),
        (
            "HTTP 500 (3 calls)",
            FaultKind::Error {
                status: 500,
                code: "InternalFailure".into(),
                message: "We encountered an internal error".into(),
            },
            3,
        ),
        ("connection dropped (3 calls)", FaultKind::DropConnection, 3),
        (
            "2 s latency (3 calls)",
            FaultKind::Latency { millis: 2000 },
            3,
        ),
    ]
}

/// The provider process Terraform started (a child of `terraform` whose name starts `terraform-provi`).
pub fn provider_pid(terraform: u32) -> Option<i32> {
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

/// Whether a process is still alive (and not a zombie waiting to be reaped).
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.split_once(") ")
                .map(|(_, rest)| !rest.starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Sends `signal` to one process (`pid > 0`) or a process group (`pid < 0`).
pub fn send_signal(pid: i32, signal: i32) {
    // SAFETY: kill(2) on a process or group the test started; no memory is involved.
    unsafe {
        libc::kill(pid, signal);
    }
}

/// A test gate held open or shut by the test: the gate's command touches `started`, then waits (up to a
/// minute) until `allow` exists, so a test can catch a rollout in its Ready wait and release it at will.
pub struct HeldGate {
    /// Touched when the gate starts.
    pub started: PathBuf,
    /// The gate passes once this exists.
    pub allow: PathBuf,
}

impl HeldGate {
    /// A gate whose files live in the workspace; it starts open (`allow` exists).
    pub fn in_workspace(ws: &crate::terraform::Workspace) -> anyhow::Result<HeldGate> {
        let gate = HeldGate {
            started: ws.root().join("gate-started"),
            allow: ws.root().join("allow"),
        };
        std::fs::write(&gate.allow, "")?;
        Ok(gate)
    }

    /// The `test_gate` block for an `ecsbg_deployment`.
    pub fn hcl(&self) -> String {
        format!(
            "  test_gate {{\n    command {{\n      argv = [\"sh\", \"-c\", \"touch {started}; i=0; while [ ! -f {allow} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -f {allow}\"]\n    }}\n  }}\n",
            started = self.started.display(),
            allow = self.allow.display(),
        )
    }
}

/// The task definition ARN state records for `ecsbg_deployment.web`.
pub fn state_task_definition_arn(ws: &crate::terraform::Workspace) -> anyhow::Result<String> {
    Ok(
        ws.resource_values("ecsbg_deployment.web")?["task_definition_arn"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}
