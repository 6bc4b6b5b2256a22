//! The AWS fault campaign: a rollout through `terraform apply` with the emulator failing one operation at a
//! time — throttling bursts, 5xx, dropped connections, slow answers — on every CodeDeploy, ECS and
//! CloudWatch call a rollout makes. Each case checks what production served throughout (HTTP through the
//! production listener, sampled during the apply), what the apply said, what state says, and that a plan
//! afterwards is empty (nothing lost, nothing to redo). The table it gathers is written to
//! `docs/reliability.md`, so the page is the record of the last run, not prose.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ecsbg_acceptance::emulator::{demo_seed, http_get, Running};
use ecsbg_acceptance::terraform::{flat, PROVIDER_HEADER};
use ecsbg_emulator::faults::{FaultKind, FaultRule};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

fn config(version: &str, gate_regex: &str) -> String {
    format!(
        "{PROVIDER_HEADER}resource \"ecsbg_deployment\" \"web\" {{\n  application_name      = \"web\"\n  deployment_group_name = \"web-prod\"\n  task_definition = jsonencode({{\n    family = \"web\", networkMode = \"awsvpc\", requiresCompatibilities = [\"FARGATE\"], cpu = \"256\", memory = \"512\"\n    containerDefinitions = [{{ name = \"web\", image = \"ghcr.io/acme/web:{version}\", portMappings = [{{ containerPort = 80 }}],\n      environment = [{{ name = \"MESSAGE\", value = \"Hello from {version}\" }}] }}]\n  }})\n  test_gate {{\n    http {{\n      path       = \"/\"\n      body_regex = \"{gate_regex}\"\n      attempts   = 2\n      interval   = \"200ms\"\n    }}\n  }}\n}}\n"
    )
}

/// What production answered while something ran: distinct bodies in the order first seen, failed requests,
/// all requests.
type Seen = (Vec<String>, u32, u32);

/// Samples production while something runs.
struct Sampler {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    fn start(url: String) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new((Vec::new(), 0u32, 0u32)));
        let thread = {
            let (stop, seen) = (stop.clone(), seen.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let (status, body) = http_get(&url);
                    if let Ok(mut s) = seen.lock() {
                        s.2 += 1;
                        let body = body.trim().to_string();
                        if status == 200 {
                            if !s.0.contains(&body) {
                                s.0.push(body);
                            }
                        } else {
                            s.1 += 1;
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

    fn finish(mut self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let s = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        s
    }
}

struct Fault {
    service: &'static str,
    operation: &'static str,
    kind: FaultKind,
    label: String,
}

fn kinds() -> Vec<(&'static str, FaultKind, u32)> {
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

fn operations() -> Vec<(&'static str, &'static str)> {
    vec![
        ("codedeploy", "CreateDeployment"),
        ("codedeploy", "BatchGetDeployments"),
        ("codedeploy", "GetDeploymentTarget"),
        ("codedeploy", "ContinueDeployment"),
        ("codedeploy", "ListDeployments"),
        ("codedeploy", "BatchGetDeploymentGroups"),
        ("ecs", "DescribeServices"),
        ("ecs", "RegisterTaskDefinition"),
        ("cloudwatch", "DescribeAlarms"),
    ]
}

/// One row of the table.
struct Row {
    case: String,
    served: String,
    apply: String,
    state: String,
    converged: bool,
}

fn run_case(
    emu: &Running,
    ws: &ecsbg_acceptance::terraform::Workspace,
    fault: &Fault,
    count: u32,
    version: &str,
    expect_success: bool,
    gate_regex: &str,
) -> anyhow::Result<Row> {
    let prod = emu.listener("web/production");
    let before = http_get(&prod).1;
    ws.write_main(&config(version, gate_regex))?;
    emu.emulator.faults().clear();
    emu.emulator.faults().add(FaultRule {
        service: fault.service.into(),
        operation: fault.operation.into(),
        kind: fault.kind.clone(),
        count: Some(count),
        probability: None,
    });
    let sampler = Sampler::start(prod.clone());
    let apply = ws.run(&["apply", "-auto-approve"])?;
    let (bodies, failed, total) = sampler.finish();
    emu.emulator.faults().clear();
    let after = http_get(&prod).1;
    let out = flat(&apply.output());
    let expected_after = if expect_success {
        format!("Hello from {version}")
    } else {
        before.clone()
    };
    assert_eq!(
        after, expected_after,
        "{}: production after the apply\n{out}",
        fault.label
    );
    assert_eq!(
        apply.code == 0,
        expect_success,
        "{}: apply exit {}\n{out}",
        fault.label,
        apply.code
    );
    assert_eq!(
        failed, 0,
        "{}: production failed requests during the apply",
        fault.label
    );
    let allowed: BTreeSet<String> = [before.clone(), format!("Hello from {version}")]
        .into_iter()
        .collect();
    assert!(
        bodies.iter().all(|b| allowed.contains(b)),
        "{}: production served {bodies:?}",
        fault.label
    );
    let state = ws.resource_values("ecsbg_deployment.web")?;
    let arn = state["task_definition_arn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let live = emu.emulator.snapshot()["services"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|svc| svc["name"] == "web")
                .and_then(|svc| svc["taskSets"].as_array().cloned())
        })
        .and_then(|sets| {
            sets.iter()
                .find(|t| t["status"] == "PRIMARY")
                .and_then(|t| t["taskDefinition"].as_str().map(str::to_string))
        })
        .unwrap_or_default();
    assert_eq!(
        arn, live,
        "{}: state names what serves production",
        fault.label
    );
    // Converged: a successful rollout leaves nothing to do; a refused one leaves the same change pending,
    // and nothing else.
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    let converged = if expect_success {
        plan.code == 0
    } else {
        plan.code == 2
    };
    assert!(converged, "{}: plan after\n{}", fault.label, plan.output());
    let outcome = if apply.code == 0 {
        "succeeded".to_string()
    } else {
        let reason = out
            .split("Error: ")
            .nth(1)
            .unwrap_or("failed")
            .chars()
            .take(110)
            .collect::<String>();
        format!("failed: {reason}…")
    };
    Ok(Row {
        case: fault.label.clone(),
        served: format!("{} ({total} requests, {failed} failed)", bodies.join(" → ")),
        apply: outcome,
        state: arn.rsplit('/').next().unwrap_or_default().to_string(),
        converged,
    })
}

#[test]
fn aws_faults_at_every_step_never_break_production_or_state() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed(), 60.0)?;
    let ws = emu.workspace(Path::new(PROVIDER))?;
    ws.write_main(&config("v1", "Hello"))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;
    let mut rows = Vec::new();
    let mut version = 1;
    for (service, operation) in operations() {
        for (kind_label, kind, count) in kinds() {
            version += 1;
            let label = format!("{kind_label} on {service} {operation}");
            let fault = Fault {
                service,
                operation,
                kind,
                label,
            };
            rows.push(run_case(
                &emu,
                &ws,
                &fault,
                count,
                &format!("v{version}"),
                true,
                "Hello",
            )?);
        }
    }
    // A failing gate makes the provider stop the deployment: fault StopDeployment too.
    for (kind_label, kind, count) in kinds() {
        version += 1;
        let label = format!("{kind_label} on codedeploy StopDeployment (gate fails, rollback)");
        let fault = Fault {
            service: "codedeploy",
            operation: "StopDeployment",
            kind,
            label,
        };
        rows.push(run_case(
            &emu,
            &ws,
            &fault,
            count,
            &format!("v{version}"),
            false,
            "never-matches",
        )?);
    }
    write_table(&rows)?;
    Ok(())
}

fn write_table(rows: &[Row]) -> anyhow::Result<()> {
    let mut page = String::from(
        "# Reliability\n\nGenerated by `acceptance-tests/tests/reliability.rs` on every test run (`make test`); do not edit by hand.\n\n\
         ## AWS faults during a rollout\n\nEach row is one `terraform apply` shipping a new version through the test gate with the emulator \
         injecting the fault into the first calls of one operation, while production is requested every 50 ms through its listener. \
         Every row asserts: production never failed a request and served only the old or the new version; the apply succeeded \
         (or, where the gate fails, failed and rolled back); state names the task definition ECS runs as PRIMARY; and the next \
         `terraform plan` is empty (or, after a rollback, proposes only the same change again).\n\n\
         | case | production served during the apply | apply | state's task definition | next plan converges |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        page.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.case,
            r.served.replace('|', "\\|"),
            r.apply.replace('|', "\\|"),
            r.state,
            if r.converged { "yes" } else { "NO" }
        ));
    }
    page.push_str(&format!("\n{} cases, all passed.\n", rows.len()));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reliability.md");
    std::fs::write(&path, page)?;
    Ok(())
}
