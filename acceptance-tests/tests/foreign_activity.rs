//! Hostile neighbours: someone else's deployment on the same group before or during an apply, someone
//! stopping our deployment by hand mid-rollout, and an alarm stuck in ALARM before the rollout starts. Each
//! row asserts what production served (HTTP through the listener), what the apply said, what state holds, and
//! that the next apply converges once the neighbour is done; the rows are published to the reliability page (`target/reports/reliability.md`).

use std::time::Duration;

use ecsbg_acceptance::campaign::{
    active_deployments, deployments, primary_task_definition, publish, revision,
    state_task_definition_arn, HeldGate, Sampler, Section, Seen,
};
use ecsbg_acceptance::emulator::{demo_seed, http_get, wait_until, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, web_deployment, Run, Workspace};
use ecsbg_emulator::faults::{FaultKind, FaultRule};
use serde_json::json;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const SCALE: f64 = 60.0;

fn config(version: &str, files: &HeldGate, extra: &str) -> String {
    web_deployment(version, &format!("{}{extra}", files.hcl()))
}

/// Someone else's CodeDeploy deployment of a hotfix image on the same group, made with the plain API (as the
/// console or `aws deploy create-deployment` would). It stops at the group's Ready wait, as nobody continues it.
fn foreign_deployment(emu: &Running) -> Result<String, String> {
    let registered = emu.ecs(
        "RegisterTaskDefinition",
        &json!({"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "web", "image": "ghcr.io/acme/web:hotfix", "portMappings": [{"containerPort": 80}],
                "environment": [{"name": "MESSAGE", "value": "Hello from a hotfix"}]}]}),
    );
    let arn = registered["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let appspec = json!({"version": "0.0", "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": arn, "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}}}}]});
    emu.try_codedeploy(
        "CreateDeployment",
        &json!({"applicationName": "web", "deploymentGroupName": "web-prod", "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec.to_string()}}}),
    )
    .map(|answer| answer["deploymentId"].as_str().unwrap_or_default().to_string())
}

fn stop_by_hand(emu: &Running, id: &str) {
    emu.codedeploy("StopDeployment", &json!({"deploymentId": id}));
}

fn mutations(emu: &Running) -> u64 {
    [
        "ecs.RegisterTaskDefinition",
        "codedeploy.CreateDeployment",
        "codedeploy.StopDeployment",
        "codedeploy.ContinueDeployment",
    ]
    .iter()
    .map(|op| emu.calls(op))
    .sum()
}

/// The provider's error summary with the ARN shortened, and the phrase the case asserted.
fn account(said: &str, phrase: &str) -> String {
    let summary = said
        .split("Error: ")
        .skip(1)
        .find(|e| !e.starts_with("execution halted"))
        .and_then(|e| e.split(" with ecsbg_deployment").next())
        .unwrap_or("failed")
        .replace("arn:aws:ecs:us-east-1:123456789012:task-definition/", "");
    format!("{summary} (“{phrase}”)")
}

/// Runs `apply` in the background while `during` acts, sampling production; returns (exit code, output, seen).
fn apply_while(
    ws: &Workspace,
    emu: &Running,
    during: impl FnOnce(),
) -> anyhow::Result<(i32, String, Seen)> {
    let sampler = Sampler::start(emu.listener("web/production"));
    let child = ws.apply_command().spawn()?;
    during();
    let run = Run::from(child.wait_with_output()?);
    Ok((run.code, flat(&run.output()), sampler.finish()))
}

/// Next apply (the neighbour is gone): production on `version`, empty plan, nothing running.
fn converges(
    emu: &Running,
    ws: &Workspace,
    files: &HeldGate,
    version: &str,
    label: &str,
) -> anyhow::Result<()> {
    std::fs::write(&files.allow, "")?;
    let apply = ws.try_apply(&config(version, files, ""))?;
    assert_eq!(apply.code, 0, "{label}: next apply\n{}", apply.output());
    assert_eq!(
        http_get(&emu.listener("web/production")).1,
        format!("Hello from {version}"),
        "{label}"
    );
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 0, "{label}: plan after\n{}", plan.output());
    assert!(
        active_deployments(emu).is_empty(),
        "{label}: {:?}",
        active_deployments(emu)
    );
    Ok(())
}

/// After our apply was refused because of `foreign`: state still names what serves production, theirs is
/// stopped by hand, and the next apply ships `version`. Returns the campaign row.
#[allow(clippy::too_many_arguments)]
fn stop_theirs_then_converge(
    emu: &Running,
    ws: &Workspace,
    files: &HeldGate,
    foreign: &str,
    version: &str,
    label: &str,
    seen: &Seen,
    said: &str,
    phrase: &str,
) -> anyhow::Result<Vec<String>> {
    let state = state_task_definition_arn(ws)?;
    assert_eq!(state, primary_task_definition(emu, "web"), "{label}");
    stop_by_hand(emu, foreign);
    assert!(
        wait_until(Duration::from_secs(30), || active_deployments(emu)
            .is_empty()),
        "{label}"
    );
    converges(emu, ws, files, version, label)?;
    Ok(vec![
        label.into(),
        seen.describe(),
        account(said, phrase),
        revision(&state),
        "succeeded once theirs was stopped".into(),
    ])
}

#[test]
fn hostile_neighbours_never_break_production_or_state() -> anyhow::Result<()> {
    let mut seed = demo_seed()?;
    // An alarm that stays in ALARM once set (no 5xx, no datapoints), to be stuck.
    seed.alarms.push(ecsbg_emulator::seed::SeedAlarm {
        name: "web-5xx".into(),
        metric: "HTTPCode_Target_5XX_Count".into(),
        namespace: None,
        load_balancer: Some("web".into()),
        target_group: None,
        statistic: None,
        period: None,
        evaluation_periods: None,
        threshold: 1.0,
        comparison: None,
        treat_missing_data: None,
    });
    let Stage { emu, ws } = Stage::start(PROVIDER, seed, SCALE)?;
    let files = HeldGate::in_workspace(&ws)?;
    ws.apply(&config("v1", &files, ""))?;
    let prod = emu.listener("web/production");
    let mut rows: Vec<Vec<String>> = Vec::new();

    // 1. Someone else's deployment is in flight before the apply.
    {
        let label = "someone else's deployment in flight on the group before the apply";
        let foreign = foreign_deployment(&emu).map_err(anyhow::Error::msg)?;
        emu.emulator.reset_calls();
        ws.write_main(&config("v2", &files, ""))?;
        let (code, said, seen) = apply_while(&ws, &emu, || {})?;
        assert_ne!(code, 0, "{label}\n{said}");
        let phrase = "not started by this resource";
        assert!(
            said.contains("Rollout blocked by another deployment"),
            "{label}\n{said}"
        );
        assert!(
            said.contains(&foreign) && said.contains(phrase),
            "{label}\n{said}"
        );
        assert_eq!(
            mutations(&emu),
            0,
            "{label}: no mutation: {:?}",
            emu.emulator.calls()
        );
        assert_eq!(http_get(&prod).1, "Hello from v1", "{label}");
        assert!(
            active_deployments(&emu)
                .iter()
                .any(|d| d.starts_with(&foreign)),
            "{label}: theirs is untouched"
        );
        rows.push(stop_theirs_then_converge(
            &emu, &ws, &files, &foreign, "v2", label, &seen, &said, phrase,
        )?);
    }

    // 2. Someone else's deployment gets in between our in-flight check and our CreateDeployment.
    {
        let label = "someone else's deployment created while ours is being created";
        ws.write_main(&config("v3", &files, ""))?;
        emu.emulator.faults().add(FaultRule {
            service: "codedeploy".into(),
            operation: "CreateDeployment".into(),
            kind: FaultKind::Latency { millis: 1500 },
            count: Some(1),
            probability: None,
        });
        let created_before = emu.calls("codedeploy.CreateDeployment");
        let mut foreign = String::new();
        let (code, said, seen) = apply_while(&ws, &emu, || {
            // Our request has arrived and is held: theirs lands first.
            if wait_until(Duration::from_secs(60), || {
                emu.calls("codedeploy.CreateDeployment") > created_before
            }) {
                emu.emulator.faults().clear();
                foreign = foreign_deployment(&emu).unwrap_or_default();
            }
        })?;
        assert!(
            !foreign.is_empty(),
            "{label}: their deployment was not created"
        );
        assert_ne!(code, 0, "{label}\n{said}");
        let phrase = "was started on group 'web-prod' while this apply was starting";
        assert!(
            said.contains(&foreign) && said.contains(phrase),
            "{label}\n{said}"
        );
        assert_eq!(http_get(&prod).1, "Hello from v2", "{label}");
        rows.push(stop_theirs_then_converge(
            &emu, &ws, &files, &foreign, "v3", label, &seen, &said, phrase,
        )?);
    }

    // 3. Someone else tries to deploy while our rollout holds the group: CodeDeploy refuses them.
    {
        let label = "someone else tries to deploy during our Ready wait";
        let _ = std::fs::remove_file(&files.allow);
        let _ = std::fs::remove_file(&files.started);
        ws.write_main(&config("v4", &files, ""))?;
        let mut refused = String::new();
        let (code, said, seen) = apply_while(&ws, &emu, || {
            if wait_until(Duration::from_secs(60), || files.started.exists()) {
                refused = foreign_deployment(&emu).err().unwrap_or_default();
            }
            let _ = std::fs::write(&files.allow, "");
        })?;
        assert!(
            refused.contains("DeploymentLimitExceededException"),
            "{label}: theirs was not refused: {refused:?}"
        );
        assert_eq!(code, 0, "{label}\n{said}");
        assert_eq!(http_get(&prod).1, "Hello from v4", "{label}");
        let state = state_task_definition_arn(&ws)?;
        assert_eq!(state, primary_task_definition(&emu, "web"), "{label}");
        assert_eq!(ws.run(&["plan", "-detailed-exitcode"])?.code, 0, "{label}");
        rows.push(vec![
            label.into(),
            seen.describe(),
            "succeeded; theirs was refused by CodeDeploy (DeploymentLimitExceededException)".into(),
            revision(&state),
            "empty plan".into(),
        ]);
    }

    // 4 and 5. Someone stops our deployment by hand: in the Ready wait, and mid traffic shift.
    for (n, (when, extra)) in [
        ("in the Ready wait", ""),
        (
            "during a linear traffic shift",
            "  deployment_config_name = \"CodeDeployDefault.ECSLinear10PercentEvery1Minutes\"\n",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let label = format!("someone stops our deployment by hand {when}");
        let version = format!("v{}", 5 + 2 * n);
        let ready = when.contains("Ready");
        let _ = std::fs::remove_file(&files.started);
        if ready {
            let _ = std::fs::remove_file(&files.allow);
        } else {
            std::fs::write(&files.allow, "")?;
        }
        ws.write_main(&config(&version, &files, extra))?;
        let known = deployments(&emu).len();
        let before = http_get(&prod).1;
        let mut ours = String::new();
        let (code, said, seen) = apply_while(&ws, &emu, || {
            let reached = wait_until(Duration::from_secs(60), || {
                let all = deployments(&emu);
                all.len() > known
                    && all.last().is_some_and(|d| {
                        if ready {
                            files.started.exists()
                        } else {
                            d["events"].as_array().is_some_and(|e| {
                                e.iter().any(|e| {
                                    e["name"] == "AllowTraffic" && e["status"] == "InProgress"
                                })
                            })
                        }
                    })
            });
            if reached {
                if !ready {
                    std::thread::sleep(Duration::from_millis(1500));
                }
                ours = deployments(&emu)
                    .last()
                    .and_then(|d| d["id"].as_str().map(str::to_string))
                    .unwrap_or_default();
                stop_by_hand(&emu, &ours);
            }
            let _ = std::fs::write(&files.allow, "");
        })?;
        assert!(!ours.is_empty(), "{label}: the phase was never reached");
        assert_ne!(code, 0, "{label}\n{said}");
        let phrase = "stopped by a user request";
        assert!(
            said.contains(&ours) && said.contains("Stopped") && said.contains(phrase),
            "{label}\n{said}"
        );
        assert!(
            wait_until(Duration::from_secs(30), || active_deployments(&emu)
                .is_empty()),
            "{label}"
        );
        assert_eq!(
            http_get(&prod).1,
            before,
            "{label}: rolled back to the old version"
        );
        assert_eq!(seen.failed, 0, "{label}: production failed requests");
        let state = state_task_definition_arn(&ws)?;
        assert_eq!(state, primary_task_definition(&emu, "web"), "{label}");
        let next = format!("v{}", 6 + 2 * n);
        converges(&emu, &ws, &files, &next, &label)?;
        rows.push(vec![
            label,
            seen.describe(),
            account(&said, phrase),
            revision(&state),
            "succeeded".into(),
        ]);
    }

    // 6. A watched alarm is stuck in ALARM before the rollout: refused up front; shipped through another alarm set.
    {
        let label = "a watched alarm stuck in ALARM before the rollout";
        emu.emulator
            .set_alarm_state("web-5xx", "ALARM", "stuck since the last incident")?;
        emu.emulator.reset_calls();
        ws.write_main(&config("v9", &files, "  alarms = [\"web-5xx\"]\n"))?;
        let plan = flat(&ws.run(&["plan"])?.output());
        assert!(
            plan.contains("An alarm is already in ALARM"),
            "{label}: the plan warns\n{plan}"
        );
        let (code, said, seen) = apply_while(&ws, &emu, || {})?;
        assert_ne!(code, 0, "{label}\n{said}");
        let phrase = "alarm 'web-5xx' is in ALARM (stuck since the last incident)";
        assert!(
            said.contains("Rollout refused before it started") && said.contains(phrase),
            "{label}\n{said}"
        );
        assert!(
            said.contains("watch a different set of alarms with `alarms`"),
            "{label}: the way through is named\n{said}"
        );
        assert_eq!(
            mutations(&emu),
            0,
            "{label}: no mutation: {:?}",
            emu.emulator.calls()
        );
        assert_eq!(http_get(&prod).1, "Hello from v8", "{label}");
        let state = state_task_definition_arn(&ws)?;
        assert_eq!(state, primary_task_definition(&emu, "web"), "{label}");
        // The documented way through: watch a different set of alarms for this apply.
        let apply = ws.try_apply(&config("v9", &files, "  alarms = [\"web-404s\"]\n"))?;
        assert_eq!(
            apply.code,
            0,
            "{label}: shipping through with web-404s\n{}",
            apply.output()
        );
        assert_eq!(http_get(&prod).1, "Hello from v9", "{label}");
        rows.push(vec![
            label.into(),
            seen.describe(),
            account(&said, phrase),
            revision(&state),
            "succeeded with `alarms = [\"web-404s\"]` while web-5xx stayed in ALARM".into(),
        ]);
    }

    publish(&Section {
        id: "30-foreign-activity",
        title: "Hostile neighbours",
        intro: "Each row ships a new version while someone else acts on the same deployment group through the plain \
CodeDeploy API, with production requested every 50 ms. Every row asserts: production never failed a request; the apply \
says what happened, naming the other deployment or ours and what CodeDeploy reported; nothing of theirs was touched \
and, where we were refused, nothing was mutated; state names what ECS runs as PRIMARY; and once the neighbour is done \
the next apply converges (production on the new version, an empty plan, nothing left running).",
        columns: &["case", "production served during the apply", "apply", "state afterwards", "next apply"],
        rows,
    })
}
