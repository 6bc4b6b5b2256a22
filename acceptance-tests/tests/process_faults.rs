//! The process-fault campaign: a rollout through `terraform apply` hit, at each phase (before the deployment
//! is created, Install, the Ready wait with the test gate running, the traffic shift, the bake), by Ctrl-C to
//! Terraform's process group, SIGTERM to Terraform, SIGKILL of the provider or SIGKILL of Terraform, in both
//! `on_interrupt` modes where the mode matters; and the AWS API going away mid-rollout. Each case asserts what
//! production served throughout (HTTP through the listener), what the interrupted apply said, what state and
//! CodeDeploy hold afterwards (no orphaned deployment, task set or provider process), and that a new apply
//! converges: production on the new version, an empty plan, and a deployment adopted rather than doubled
//! wherever one kept running. One test per phase, each with its own emulator, so they run in parallel; each
//! publishes its section of the reliability page (`target/reports/reliability.md`).

use std::collections::BTreeSet;
use std::process::Child;
use std::time::Duration;

use ecsbg_acceptance::campaign::{
    active_deployments, alive, aws_fault_kinds, deployments, live_task_sets,
    primary_task_definition, provider_pid, publish, revision, send_signal,
    state_task_definition_arn, HeldGate, Sampler, Section,
};
use ecsbg_acceptance::emulator::{demo_seed, http_get, wait_until, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, web_deployment, Run, Workspace};
use ecsbg_emulator::faults::{FaultKind, FaultRule};
use ecsbg_emulator::Behaviour;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const SCALE: f64 = 60.0;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    BeforeCreate,
    Install,
    ReadyWait,
    TrafficShift,
    Bake,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::BeforeCreate => "before the deployment is created",
            Phase::Install => "during Install",
            Phase::ReadyWait => "in the Ready wait (test gate running)",
            Phase::TrafficShift => "during the linear traffic shift",
            Phase::Bake => "in the bake time (termination wait)",
        }
    }

    /// What the configuration adds so the phase lasts long enough to be hit.
    fn extra(self) -> &'static str {
        match self {
            Phase::TrafficShift => {
                "  deployment_config_name = \"CodeDeployDefault.ECSLinear10PercentEvery1Minutes\"\n"
            }
            Phase::Bake => "  bake_time = \"4s\"\n",
            _ => "",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    /// Ctrl-C in a terminal: SIGINT to Terraform's whole process group (provider and gate included).
    CtrlC,
    /// A CI runner cancelling the job: SIGTERM to Terraform alone.
    Sigterm,
    /// The provider process dies (OOM kill, crash).
    KillProvider,
    /// Terraform dies outright (SIGKILL, a runner vanishing); the provider is orphaned.
    KillTerraform,
}

impl Fault {
    fn label(self) -> &'static str {
        match self {
            Fault::CtrlC => "Ctrl-C (SIGINT to terraform's process group)",
            Fault::Sigterm => "SIGTERM to terraform",
            Fault::KillProvider => "SIGKILL of the provider",
            Fault::KillTerraform => "SIGKILL of terraform",
        }
    }

    /// Whether the provider learns of it and applies `on_interrupt` (a killed provider cannot).
    fn interrupts(self) -> bool {
        self != Fault::KillProvider
    }

    /// Whether Terraform lives to print the provider's account and write state.
    fn terraform_survives(self) -> bool {
        matches!(self, Fault::CtrlC | Fault::Sigterm | Fault::KillProvider)
    }
}

/// The cases of one phase: both signals in both modes, and both kills (Terraform's in rollback mode, where
/// the orphaned provider must stop the deployment; the provider's, where the mode cannot matter).
fn cases() -> Vec<(Fault, &'static str)> {
    vec![
        (Fault::CtrlC, "rollback"),
        (Fault::CtrlC, "detach"),
        (Fault::Sigterm, "rollback"),
        (Fault::Sigterm, "detach"),
        (Fault::KillProvider, "rollback"),
        (Fault::KillTerraform, "rollback"),
        (Fault::KillTerraform, "detach"),
    ]
}

/// Version `version` with a command gate that touches `started`, then waits (up to a minute) for `allow`.
fn config(version: &str, on_interrupt: &str, files: &HeldGate, extra: &str) -> String {
    web_deployment(
        version,
        &format!(
            "{}  on_interrupt = \"{on_interrupt}\"\n{extra}",
            files.hcl()
        ),
    )
}

/// The apply in a process group of its own, so a case can signal Terraform and its provider together.
fn spawn_apply(ws: &Workspace) -> anyhow::Result<Child> {
    let mut cmd = ws.apply_command();
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    Ok(cmd.spawn()?)
}

/// The newest deployment, if it was created after `known` deployments existed.
fn new_deployment(emu: &Running, known: usize) -> Option<serde_json::Value> {
    let all = deployments(emu);
    (all.len() > known).then(|| all.last().cloned()).flatten()
}

fn event_status(deployment: &serde_json::Value, event: &str) -> String {
    deployment["events"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["name"] == event))
        .and_then(|e| e["status"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// Whether the rollout has reached `phase`.
fn reached(phase: Phase, emu: &Running, files: &HeldGate, registered: u64, known: usize) -> bool {
    match phase {
        Phase::BeforeCreate => emu.calls("ecs.RegisterTaskDefinition") > registered,
        Phase::Install => {
            new_deployment(emu, known).is_some_and(|d| event_status(&d, "Install") == "InProgress")
        }
        Phase::ReadyWait => files.started.exists(),
        Phase::TrafficShift => new_deployment(emu, known)
            .is_some_and(|d| event_status(&d, "AllowTraffic") == "InProgress"),
        Phase::Bake => new_deployment(emu, known).is_some_and(|d| {
            event_status(&d, "AllowTraffic") == "Succeeded" && d["status"] == "InProgress"
        }),
    }
}

/// Runs one case and returns its table row; panics (with the output) on any broken promise.
fn run_case(
    emu: &Running,
    ws: &Workspace,
    files: &HeldGate,
    phase: Phase,
    fault: Fault,
    mode: &str,
    version: &str,
) -> anyhow::Result<Vec<String>> {
    let label = format!("{} {}, on_interrupt = {mode}", fault.label(), phase.label());
    let prod = emu.listener("web/production");
    let before_body = http_get(&prod).1;
    let before_arn = primary_task_definition(emu, "web");
    let next_body = format!("Hello from {version}");
    let _ = std::fs::remove_file(&files.started);
    if phase == Phase::ReadyWait {
        let _ = std::fs::remove_file(&files.allow);
    } else {
        std::fs::write(&files.allow, "")?;
    }
    ws.write_main(&config(version, mode, files, phase.extra()))?;
    let created_before = emu.calls("codedeploy.CreateDeployment");
    let registered = emu.calls("ecs.RegisterTaskDefinition");
    let known = deployments(emu).len();
    if phase == Phase::BeforeCreate {
        // Widen the window between registering the revision and creating the deployment.
        emu.emulator.faults().add(FaultRule {
            service: "codedeploy".into(),
            operation: "ListDeployments".into(),
            kind: FaultKind::Latency { millis: 1500 },
            count: None,
            probability: None,
        });
    }

    let sampler = Sampler::start(prod.clone());
    let child = spawn_apply(ws)?;
    let terraform = child.id() as i32;
    assert!(
        wait_until(Duration::from_secs(90), || reached(
            phase, emu, files, registered, known
        )),
        "{label}: the phase was never reached"
    );
    if phase == Phase::TrafficShift {
        // Let some production traffic reach green first.
        std::thread::sleep(Duration::from_millis(1500));
    }
    let provider = provider_pid(child.id());
    match fault {
        Fault::CtrlC => send_signal(-terraform, libc::SIGINT),
        Fault::Sigterm => send_signal(terraform, libc::SIGTERM),
        Fault::KillProvider => {
            let pid = provider.ok_or_else(|| anyhow::anyhow!("{label}: no provider process"))?;
            send_signal(pid, libc::SIGKILL)
        }
        Fault::KillTerraform => send_signal(terraform, libc::SIGKILL),
    }
    let run = Run::from(child.wait_with_output()?);
    let said = flat(&run.output());
    emu.emulator.faults().clear();
    assert!(run.code != 0, "{label}: the apply succeeded\n{said}");

    // Settle: an orphaned provider must finish its interrupt handling and exit on its own.
    if fault == Fault::KillTerraform {
        if let Some(pid) = provider {
            assert!(
                wait_until(Duration::from_secs(90), || !alive(pid)),
                "{label}: the orphaned provider {pid} is still running"
            );
        }
    }
    let stopped = fault.interrupts() && mode == "rollback";
    if stopped || phase == Phase::BeforeCreate {
        assert!(
            wait_until(Duration::from_secs(60), || active_deployments(emu)
                .is_empty()),
            "{label}: left running: {:?}",
            active_deployments(emu)
        );
    }
    if phase == Phase::BeforeCreate {
        assert_eq!(
            emu.calls("codedeploy.CreateDeployment"),
            created_before,
            "{label}: a deployment was created after the interrupt"
        );
    }
    let settled_body = http_get(&prod).1;
    let seen = sampler.finish();
    let allowed: BTreeSet<&str> = [before_body.as_str(), next_body.as_str()].into();
    assert_eq!(seen.failed, 0, "{label}: production failed requests");
    assert!(
        seen.bodies.iter().all(|b| allowed.contains(b.as_str())),
        "{label}: production served {:?}",
        seen.bodies
    );
    if stopped || phase == Phase::BeforeCreate {
        assert_eq!(
            settled_body, before_body,
            "{label}: production after the interrupt"
        );
    }

    // What the interrupted apply said, and what state holds now.
    let account = if fault.terraform_survives() {
        // Terraform words a dead provider as "Plugin did not respond" or, when the connection went first,
        // "Request cancelled … ApplyResourceChange request was cancelled".
        let expected = if !fault.interrupts() {
            if said.contains("request was cancelled") {
                "request was cancelled"
            } else {
                "Plugin did not respond"
            }
        } else if phase == Phase::BeforeCreate {
            "interrupted before the deployment was created"
        } else if mode == "rollback" {
            "rolled back"
        } else {
            "continues without Terraform"
        };
        assert!(
            said.contains(expected),
            "{label}: expected {expected:?}\n{said}"
        );
        // The provider's diagnostic summary, with the ARN shortened, and the phrase asserted.
        let summary = said
            .split("Error: ")
            .skip(1)
            .find(|e| {
                e.contains(expected) || e.starts_with("Rollout") || e.starts_with("Interrupted")
            })
            .and_then(|e| e.split(" with ecsbg_deployment").next())
            .unwrap_or("failed")
            .replace("arn:aws:ecs:us-east-1:123456789012:task-definition/", "");
        format!("{summary} (“{expected}”)")
    } else {
        "terraform killed; the orphaned provider wound down and exited".to_string()
    };
    let values = ws.resource_values("ecsbg_deployment.web")?;
    let state_arn = values["task_definition_arn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if stopped && fault.terraform_survives() && phase != Phase::BeforeCreate {
        assert_eq!(values["status"], "RolledBack", "{label}: state's status");
    }
    let live_now = primary_task_definition(emu, "web");
    if stopped || phase == Phase::BeforeCreate {
        assert_eq!(state_arn, live_now, "{label}: state after the interrupt");
    } else if !fault.terraform_survives() || fault == Fault::KillProvider {
        assert_eq!(
            state_arn, before_arn,
            "{label}: a dead process wrote no state, so it still names the old revision"
        );
    }
    if mode == "detach" && fault.interrupts() && !active_deployments(emu).is_empty() {
        let plan = flat(&ws.run(&["plan"])?.output());
        assert!(
            plan.contains("is in flight for web-prod"),
            "{label}: refresh does not report the detached deployment\n{plan}"
        );
    }
    let old_or_new = |body: &str| {
        if body == before_body {
            "old"
        } else if body == next_body {
            "new"
        } else {
            "other"
        }
    };
    let state_after = format!(
        "{} ({}); production serves {}",
        revision(&state_arn),
        if state_arn == before_arn {
            "old"
        } else {
            "new"
        },
        old_or_new(&settled_body)
    );
    let served = format!(
        "{} ({} requests, {} failed)",
        seen.bodies
            .iter()
            .map(|b| old_or_new(b))
            .collect::<Vec<_>>()
            .join(" → "),
        seen.total,
        seen.failed
    );

    // A new apply converges.
    std::fs::write(&files.allow, "")?;
    let apply = ws.run(&["apply", "-auto-approve"])?;
    assert_eq!(apply.code, 0, "{label}: the next apply\n{}", apply.output());
    assert_eq!(
        http_get(&prod).1,
        next_body,
        "{label}: production after the next apply"
    );
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 0, "{label}: plan after\n{}", plan.output());
    // A detached deployment already past its traffic shift may still be in its termination wait: production
    // is on green and nothing is left to apply, and CodeDeploy finishes it on its own.
    assert!(
        wait_until(Duration::from_secs(30), || active_deployments(emu)
            .is_empty()),
        "{label}: {:?}",
        active_deployments(emu)
    );
    assert!(
        wait_until(Duration::from_secs(20), || live_task_sets(emu, "web") == 1),
        "{label}: orphaned task set\n{}",
        emu.emulator.snapshot()["services"]
    );
    let created = emu.calls("codedeploy.CreateDeployment") - created_before;
    let kept_running = phase != Phase::BeforeCreate && !stopped;
    let expected_created = match (phase, kept_running) {
        (Phase::BeforeCreate, _) => 1,
        (_, true) => 1,
        (_, false) => 2,
    };
    assert_eq!(
        created, expected_created,
        "{label}: deployments created (1 = adopted or finished alone, 2 = stopped and redeployed)"
    );
    assert_eq!(
        emu.calls("ecs.RegisterTaskDefinition") - registered,
        1,
        "{label}: the revision registered before the fault is reused"
    );
    let next = if created == 1 && phase != Phase::BeforeCreate {
        "succeeded; the running deployment was adopted or had finished (1 created)"
    } else if phase == Phase::BeforeCreate {
        "succeeded (1 deployment created in all)"
    } else {
        "succeeded with a new deployment (2 created in all)"
    };
    Ok(vec![label, served, account, state_after, next.to_string()])
}

const COLUMNS: &[&str] = &[
    "case",
    "production served until things settled",
    "interrupted apply",
    "state afterwards",
    "next apply",
];

const INTRO: &str = "Each row ships a new version through `terraform apply` with a command test gate and hits it \
with the fault once the phase is reached, while production is requested every 50 ms. Every row asserts: production \
never failed a request and served only the old or the new version; the apply failed and said why (rolled back, \
detached with the deployment id, interrupted before anything was created, or the provider's death); with \
`on_interrupt = rollback` and a provider alive to act on it, the deployment is stopped, nothing is left running and \
production is back on the old version; a killed Terraform leaves no provider process behind; state names what ECS \
runs as PRIMARY (or, when the process that would write it died, still the old revision); then a new apply succeeds, \
production serves the new version, the plan is empty, one task set remains, the registered revision is reused, and \
a deployment that kept running is adopted instead of created twice.";

/// An emulator with `behaviour`, a workspace, and v1 applied through an open held gate.
fn serving_v1(
    behaviour: Behaviour,
    on_interrupt: &str,
) -> anyhow::Result<(Running, Workspace, HeldGate)> {
    let Stage { emu, ws } = Stage::start_with(PROVIDER, demo_seed()?, SCALE, behaviour)?;
    let files = HeldGate::in_workspace(&ws)?;
    ws.apply(&config("v1", on_interrupt, &files, ""))?;
    Ok((emu, ws, files))
}

fn phase_campaign(phase: Phase, id: &'static str, title: &'static str) -> anyhow::Result<()> {
    let behaviour = Behaviour {
        // Install lasts ~3 s so a signal can land inside it.
        install_settle: if phase == Phase::Install {
            Duration::from_secs(180)
        } else {
            Behaviour::default().install_settle
        },
        ..Behaviour::default()
    };
    let (emu, ws, files) = serving_v1(behaviour, "rollback")?;
    let mut rows = Vec::new();
    for (n, (fault, mode)) in cases().into_iter().enumerate() {
        rows.push(run_case(
            &emu,
            &ws,
            &files,
            phase,
            fault,
            mode,
            &format!("v{}", n + 2),
        )?);
    }
    publish(&Section {
        id,
        title,
        intro: INTRO,
        columns: COLUMNS,
        rows,
    })
}

#[test]
fn interrupts_and_kills_before_the_deployment_is_created() -> anyhow::Result<()> {
    phase_campaign(
        Phase::BeforeCreate,
        "20-process-before-create",
        "Signals and kills before the deployment is created",
    )
}

#[test]
fn interrupts_and_kills_during_install() -> anyhow::Result<()> {
    phase_campaign(
        Phase::Install,
        "21-process-install",
        "Signals and kills during Install",
    )
}

#[test]
fn interrupts_and_kills_in_the_ready_wait() -> anyhow::Result<()> {
    phase_campaign(
        Phase::ReadyWait,
        "22-process-ready-wait",
        "Signals and kills in the Ready wait, while the test gate runs",
    )
}

#[test]
fn interrupts_and_kills_during_the_traffic_shift() -> anyhow::Result<()> {
    phase_campaign(
        Phase::TrafficShift,
        "23-process-traffic-shift",
        "Signals and kills during a linear traffic shift",
    )
}

#[test]
fn interrupts_and_kills_in_the_bake_time() -> anyhow::Result<()> {
    phase_campaign(
        Phase::Bake,
        "24-process-bake",
        "Signals and kills in the bake time (CodeDeploy's termination wait)",
    )
}

/// The AWS API goes away for ten seconds mid-rollout (the emulator's API server stopped and restarted on the
/// same port, its world kept, as AWS's state is): the rollout rides it out.
#[test]
fn the_aws_api_going_away_mid_rollout_is_ridden_out() -> anyhow::Result<()> {
    let (emu, ws, files) = serving_v1(Behaviour::default(), "rollback")?;
    let prod = emu.listener("web/production");
    let mut rows = Vec::new();
    for (n, phase) in [Phase::ReadyWait, Phase::TrafficShift, Phase::Bake]
        .into_iter()
        .enumerate()
    {
        let version = format!("v{}", n + 2);
        let label = format!("AWS API unreachable for 10 s {}", phase.label());
        let _ = std::fs::remove_file(&files.started);
        if phase == Phase::ReadyWait {
            let _ = std::fs::remove_file(&files.allow);
        }
        ws.write_main(&config(&version, "rollback", &files, phase.extra()))?;
        let created_before = emu.calls("codedeploy.CreateDeployment");
        let registered = emu.calls("ecs.RegisterTaskDefinition");
        let known = deployments(&emu).len();
        let sampler = Sampler::start(prod.clone());
        let child = spawn_apply(&ws)?;
        assert!(
            wait_until(Duration::from_secs(90), || reached(
                phase, &emu, &files, registered, known
            )),
            "{label}: the phase was never reached"
        );
        if phase == Phase::ReadyWait {
            // The gate passes while the API is down: ContinueDeployment has to wait it out.
            let allow = files.allow.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_secs(2));
                let _ = std::fs::write(allow, "");
            });
        }
        emu.block_on(emu.emulator.api_outage(Duration::from_secs(10)))?;
        let run = Run::from(child.wait_with_output()?);
        let said = flat(&run.output());
        let seen = sampler.finish();
        assert!(run.code == 0, "{label}: the apply failed\n{said}");
        assert_eq!(seen.failed, 0, "{label}: production failed requests");
        assert_eq!(
            http_get(&prod).1,
            format!("Hello from {version}"),
            "{label}"
        );
        let state_arn = state_task_definition_arn(&ws)?;
        assert_eq!(state_arn, primary_task_definition(&emu, "web"), "{label}");
        assert_eq!(
            emu.calls("codedeploy.CreateDeployment") - created_before,
            1,
            "{label}: one deployment"
        );
        let plan = ws.run(&["plan", "-detailed-exitcode"])?;
        assert_eq!(plan.code, 0, "{label}: plan after\n{}", plan.output());
        rows.push(vec![
            label,
            seen.describe(),
            "succeeded".to_string(),
            revision(&state_arn),
            "empty plan".to_string(),
        ]);
    }
    publish(&Section {
        id: "25-aws-api-outage",
        title: "The AWS API unreachable mid-rollout",
        intro: "The emulator's API server is stopped (the port refuses connections, open ones are cut) and restarted \
on the same port ten seconds later with its world intact, while the rollout is in the phase named. Every row asserts: \
production never failed a request, the apply succeeded with one deployment, state names what ECS runs as PRIMARY and \
the next plan is empty.",
        columns: &["case", "production served during the apply", "apply", "state's task definition", "next plan"],
        rows,
    })
}

/// A detached deployment adopted by the next apply while CodeDeploy fails the GetDeployment calls that decide
/// the adoption: the apply still adopts (never creates a second deployment) and finishes.
#[test]
fn aws_faults_on_get_deployment_while_adopting() -> anyhow::Result<()> {
    let (emu, ws, files) = serving_v1(Behaviour::default(), "detach")?;
    let prod = emu.listener("web/production");
    let mut rows = Vec::new();
    for (n, (kind_label, kind, count)) in aws_fault_kinds().into_iter().enumerate() {
        let version = format!("v{}", n + 2);
        let label = format!("{kind_label} on codedeploy GetDeployment while adopting");
        let _ = std::fs::remove_file(&files.started);
        let _ = std::fs::remove_file(&files.allow);
        ws.write_main(&config(&version, "detach", &files, ""))?;
        let created_before = emu.calls("codedeploy.CreateDeployment");
        let child = spawn_apply(&ws)?;
        assert!(
            wait_until(Duration::from_secs(90), || files.started.exists()),
            "{label}: the gate never started"
        );
        send_signal(-(child.id() as i32), libc::SIGINT);
        let said = flat(&Run::from(child.wait_with_output()?).stderr);
        assert!(
            said.contains("continues without Terraform"),
            "{label}: not detached\n{said}"
        );

        emu.emulator.faults().add(FaultRule {
            service: "codedeploy".into(),
            operation: "GetDeployment".into(),
            kind,
            count: Some(count),
            probability: None,
        });
        let gets_before = emu.calls("codedeploy.GetDeployment");
        std::fs::write(&files.allow, "")?;
        let sampler = Sampler::start(prod.clone());
        let apply = ws.run(&["apply", "-auto-approve"])?;
        let seen = sampler.finish();
        emu.emulator.faults().clear();
        let gets = emu.calls("codedeploy.GetDeployment") - gets_before;
        assert!(gets > 0, "{label}: GetDeployment was never called");
        assert_eq!(
            apply.code,
            0,
            "{label}: the adopting apply\n{}",
            apply.output()
        );
        assert_eq!(
            emu.calls("codedeploy.CreateDeployment") - created_before,
            1,
            "{label}: adopted, not created twice"
        );
        assert_eq!(seen.failed, 0, "{label}: production failed requests");
        assert_eq!(
            http_get(&prod).1,
            format!("Hello from {version}"),
            "{label}"
        );
        let state_arn = state_task_definition_arn(&ws)?;
        assert_eq!(state_arn, primary_task_definition(&emu, "web"), "{label}");
        let plan = ws.run(&["plan", "-detailed-exitcode"])?;
        assert_eq!(plan.code, 0, "{label}: plan after\n{}", plan.output());
        rows.push(vec![
            label,
            gets.to_string(),
            seen.describe(),
            "succeeded; the detached deployment was adopted (1 created)".to_string(),
            revision(&state_arn),
        ]);
    }
    publish(&Section {
        id: "26-aws-faults-adopting",
        title: "AWS faults on GetDeployment while adopting a detached deployment",
        intro: "Each row detaches a rollout at its Ready wait (Ctrl-C with `on_interrupt = detach`), then runs the next \
apply with the emulator failing the first GetDeployment calls, the ones that decide whether the deployment in flight is \
this resource's to adopt. Every row asserts: GetDeployment was called (so the fault was met), the apply succeeded with \
no second deployment created, production never failed a request and ends on the new version, state names what ECS runs \
as PRIMARY, and the next plan is empty.",
        columns: &[
            "case",
            "GetDeployment calls (faulted ones included)",
            "production served during the adopting apply",
            "apply",
            "state's task definition",
        ],
        rows,
    })
}
