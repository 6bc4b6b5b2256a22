//! The AWS fault campaign: a rollout through `terraform apply` with the emulator failing one operation at a
//! time — throttling bursts, 5xx, dropped connections, slow answers — on every CodeDeploy, ECS and
//! CloudWatch call a rollout makes. Each case checks what production served throughout (HTTP through the
//! production listener, sampled during the apply), what the apply said, what state says, and that a plan
//! afterwards is empty (nothing lost, nothing to redo). The operations are split over five tests (each with
//! its own emulator) so they run in parallel; each publishes its section of the reliability page (`target/reports/reliability.md`).

use std::collections::BTreeSet;

use ecsbg_acceptance::campaign::{
    aws_fault_kinds, primary_task_definition, publish, revision, Sampler, Section,
};
use ecsbg_acceptance::emulator::{demo_seed, http_get, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, web_deployment};
use ecsbg_emulator::faults::{FaultKind, FaultRule};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

fn config(version: &str, gate_regex: &str, extra: &str) -> String {
    web_deployment(
        version,
        &format!("  test_gate {{\n    http {{\n      path       = \"/\"\n      body_regex = \"{gate_regex}\"\n      attempts   = 2\n      interval   = \"200ms\"\n    }}\n  }}\n{extra}"),
    )
}

struct Fault {
    service: &'static str,
    operation: &'static str,
    kind: FaultKind,
    /// How many calls the fault hits before the operation works again.
    count: u32,
    label: String,
}

fn run_case(
    emu: &Running,
    ws: &ecsbg_acceptance::terraform::Workspace,
    fault: &Fault,
    version: &str,
    expect_success: bool,
    gate_regex: &str,
    extra: &str,
) -> anyhow::Result<Vec<String>> {
    let prod = emu.listener("web/production");
    let before = http_get(&prod).1;
    let hcl = config(version, gate_regex, extra);
    emu.emulator.faults().clear();
    emu.emulator.faults().add(FaultRule {
        service: fault.service.into(),
        operation: fault.operation.into(),
        kind: fault.kind.clone(),
        count: Some(fault.count),
        probability: None,
    });
    let operation = format!("{}.{}", fault.service, fault.operation);
    let calls_before = emu.calls(&operation);
    let sampler = Sampler::start(prod.clone());
    let apply = ws.try_apply(&hcl)?;
    // A case whose operation was never called injected nothing and proves nothing.
    let faulted = emu.calls(&operation) - calls_before;
    assert!(
        faulted > 0,
        "{}: the rollout never called {operation}",
        fault.label
    );
    let seen = sampler.finish();
    let (bodies, failed) = (&seen.bodies, seen.failed);
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
    let live = primary_task_definition(emu, "web");
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
    Ok(vec![
        fault.label.clone(),
        faulted.to_string(),
        seen.describe(),
        outcome,
        revision(&arn),
        if converged { "yes" } else { "NO" }.to_string(),
    ])
}

const INTRO: &str = "Each row is one `terraform apply` shipping a new version through the test gate with the emulator \
injecting the fault into the first calls of one operation, while production is requested every 50 ms through its listener. \
Every row asserts: production never failed a request and served only the old or the new version; the apply succeeded \
(or, where the gate fails, failed and rolled back); state names the task definition ECS runs as PRIMARY; and the next \
`terraform plan` is empty (or, after a rollback, proposes only the same change again).";

const COLUMNS: &[&str] = &[
    "case",
    "calls to the operation (faulted ones included)",
    "production served during the apply",
    "apply",
    "state's task definition",
    "next plan converges",
];

/// Runs every fault kind on each operation in turn against one emulator, then publishes the section.
fn campaign(
    id: &'static str,
    title: &'static str,
    operations: &[(&'static str, &'static str)],
    gate_fails: bool,
    extra: &str,
) -> anyhow::Result<()> {
    let Stage { emu, ws } =
        Stage::start(PROVIDER, demo_seed()?, 60.0)?.serving(&config("v1", "Hello", extra))?;
    let mut rows = Vec::new();
    let mut version = 1;
    for (service, operation) in operations {
        for (kind_label, kind, count) in aws_fault_kinds() {
            version += 1;
            let label = if gate_fails {
                format!("{kind_label} on {service} {operation} (gate fails, rollback)")
            } else {
                format!("{kind_label} on {service} {operation}")
            };
            let fault = Fault {
                service,
                operation,
                kind,
                count,
                label,
            };
            rows.push(run_case(
                &emu,
                &ws,
                &fault,
                &format!("v{version}"),
                !gate_fails,
                if gate_fails { "never-matches" } else { "Hello" },
                extra,
            )?);
        }
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
fn aws_faults_on_creating_and_reading_the_deployment() -> anyhow::Result<()> {
    campaign(
        "10-aws-faults-create-read",
        "AWS faults on creating and reading the deployment",
        &[
            ("codedeploy", "CreateDeployment"),
            ("codedeploy", "BatchGetDeployments"),
        ],
        false,
        "",
    )
}

#[test]
fn aws_faults_on_targets_and_continue() -> anyhow::Result<()> {
    campaign(
        "11-aws-faults-target-continue",
        "AWS faults on the deployment target and ContinueDeployment (with `bake_time = \"1s\"`, so the provider reads the target at every look)",
        &[
            ("codedeploy", "GetDeploymentTarget"),
            ("codedeploy", "ContinueDeployment"),
        ],
        false,
        "  bake_time = \"1s\"\n",
    )
}

#[test]
fn aws_faults_on_codedeploy_listings() -> anyhow::Result<()> {
    campaign(
        "12-aws-faults-listings",
        "AWS faults on CodeDeploy listings and group reads",
        &[
            ("codedeploy", "ListDeployments"),
            ("codedeploy", "BatchGetDeploymentGroups"),
        ],
        false,
        "",
    )
}

#[test]
fn aws_faults_on_ecs_and_cloudwatch() -> anyhow::Result<()> {
    campaign(
        "13-aws-faults-ecs-cloudwatch",
        "AWS faults on ECS and CloudWatch",
        &[
            ("ecs", "DescribeServices"),
            ("ecs", "RegisterTaskDefinition"),
            ("cloudwatch", "DescribeAlarms"),
        ],
        false,
        "",
    )
}

/// A failing gate makes the provider stop the deployment: fault StopDeployment too.
#[test]
fn aws_faults_on_stop_deployment_still_roll_back() -> anyhow::Result<()> {
    campaign(
        "14-aws-faults-stop",
        "AWS faults on StopDeployment (the gate fails, so the provider stops with rollback)",
        &[("codedeploy", "StopDeployment")],
        true,
        "",
    )
}
