//! `ecsbg_deployment` through the real `terraform` binary against the emulator, with real HTTP through its
//! listeners: adopt, ship v2 through a gate, a failing gate rolls back, a 404 burst in the bake rolls back.

use std::time::Duration;

use ecsbg_acceptance::campaign::state_task_definition_arn;
use ecsbg_acceptance::emulator::{demo_seed, http_get, not_found_burst, wait_until};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, Run, Workspace};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
/// A CodeDeploy minute per real second: the ready wait is 60 s real, the termination wait 5 s.
const SCALE: f64 = 60.0;

/// The demo's `web` at `version` (image tag and greeting), with an HTTP test gate expecting `gate_body`. The
/// task definition is written out here rather than with `terraform::web_deployment`: its `cpu` is a number,
/// as users write it, which adopting must treat as the seed's `"256"`.
fn config(version: &str, gate_body: Option<&str>, extra: &str) -> String {
    let gate = gate_body
        .map(|b| format!("  test_gate {{\n    http {{\n      path       = \"/\"\n      body_regex = \"{b}\"\n      attempts   = 2\n      interval   = \"200ms\"\n    }}\n  }}\n"))
        .unwrap_or_default();
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
    family                  = "web"
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = 256
    memory                  = "512"
    containerDefinitions = [{{
      name         = "web"
      image        = "ghcr.io/acme/web:{version}"
      portMappings = [{{ containerPort = 80 }}]
      environment  = [{{ name = "MESSAGE", value = "Hello from {version}" }}]
    }}]
  }})
{gate}{extra}}}
"#
    )
}

/// v1 as it runs in the seed, adopted by a first apply: where every rollout below starts.
fn v1() -> String {
    config("v1", None, "")
}

/// An emulator with `seed` and a workspace, v1 applied (adopted).
fn serving_v1(seed: ecsbg_emulator::Seed) -> anyhow::Result<Stage> {
    Stage::start(PROVIDER, seed, SCALE)?.serving(&v1())
}

fn state_value(ws: &Workspace, key: &str) -> anyhow::Result<serde_json::Value> {
    Ok(ws.resource_values("ecsbg_deployment.web")?[key].clone())
}

#[test]
fn adopt_then_ship_v2_through_a_passing_gate() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let prod = emu.listener("web/production");

    // v1 as live: create adopts the service, no deployment, and the next plan is empty.
    let apply = ws.apply(&v1())?;
    assert!(apply.stdout.contains("1 added"), "{}", apply.output());
    assert_eq!(
        emu.calls("codedeploy.CreateDeployment"),
        0,
        "adopting must not deploy"
    );
    assert_eq!(
        emu.calls("ecs.RegisterTaskDefinition"),
        0,
        "v1 is live already: nothing to register"
    );
    assert!(state_task_definition_arn(&ws)?.ends_with("task-definition/web:1"));
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode"])?.code,
        0,
        "no change after adopting"
    );

    // v2 with a gate that expects v2 on the test listener.
    ws.write_main(&config("v2", Some("Hello from v2"), ""))?;
    let plan = ws.run(&["plan"])?;
    let out = flat(&plan.output());
    assert!(out.contains("container web: image ghcr.io/acme/web:v1 → ghcr.io/acme/web:v2; env MESSAGE \"Hello from v1\" → \"Hello from v2\""), "{out}");
    let apply = ws.run(&["apply", "-auto-approve"])?.success()?;
    assert!(apply.stdout.contains("1 changed"), "{}", apply.output());
    for _ in 0..4 {
        assert_eq!(http_get(&prod), (200, "Hello from v2".to_string()));
    }
    assert_eq!(state_value(&ws, "status")?, "Succeeded");
    assert!(state_task_definition_arn(&ws)?.ends_with("task-definition/web:2"));
    let timeline = state_value(&ws, "timeline")?.to_string();
    assert!(
        timeline.contains("gate check http[0] GET /: passed"),
        "{timeline}"
    );
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode"])?.code,
        0,
        "the next plan is empty"
    );
    Ok(())
}

/// After a rollout that rolled back: the apply said production serves v1, v1 answers through the production
/// listener, state records RolledBack at v1, and the next plan shows the same change again (returned).
fn assert_back_on_v1(prod: &str, ws: &Workspace, out: &str) -> anyhow::Result<Run> {
    assert!(
        out.contains("Production serves arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"),
        "{out}"
    );
    assert_eq!(http_get(prod).1, "Hello from v1");
    assert_eq!(state_value(ws, "status")?, "RolledBack");
    assert!(state_task_definition_arn(ws)?.ends_with("task-definition/web:1"));
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(
        plan.code,
        2,
        "the same change is planned again:\n{}",
        plan.output()
    );
    Ok(plan)
}

#[test]
fn a_failing_gate_rolls_back_and_state_still_says_v1() -> anyhow::Result<()> {
    let Stage { emu, ws } = serving_v1(demo_seed()?)?;
    let prod = emu.listener("web/production");

    let apply = ws.try_apply(&config("v2", Some("Hello from v1"), ""))?;
    let out = apply.output();
    assert_ne!(apply.code, 0, "{out}");
    assert!(out.contains("rolled back"), "{out}");
    assert!(
        out.contains("test gate check http[0] GET / failed"),
        "{out}"
    );
    assert!(
        out.contains("Hello from v2"),
        "the body it got must be shown: {out}"
    );
    let plan = assert_back_on_v1(&prod, &ws, &out)?;
    assert!(
        flat(&plan.output()).contains("image ghcr.io/acme/web:v1 → ghcr.io/acme/web:v2"),
        "{}",
        plan.output()
    );
    Ok(())
}

#[test]
fn a_burst_of_404s_during_the_bake_rolls_back() -> anyhow::Result<()> {
    let Stage { emu, ws } = serving_v1(demo_seed()?)?;
    let prod = emu.listener("web/production");

    let child = ws.spawn_apply(&config(
        "v2",
        Some("Hello from v2"),
        "  bake_time = \"20s\"\n",
    ))?;
    assert!(
        wait_until(Duration::from_secs(120), || http_get(&prod).1
            == "Hello from v2"),
        "v2 never reached production"
    );
    // Keep 404s coming for a few seconds so CodeDeploy's and the provider's alarm polls both see ALARM.
    not_found_burst(&prod, Duration::from_secs(4), || false);
    let run = Run::from(child.wait_with_output()?);
    let output = run.output();
    assert_ne!(run.code, 0, "{output}");
    assert!(output.contains("rolled back"), "{output}");
    assert!(output.contains("web-404s"), "the alarm is named: {output}");
    assert!(
        wait_until(Duration::from_secs(30), || http_get(&prod).1
            == "Hello from v1"),
        "production is back on v1"
    );
    assert!(state_task_definition_arn(&ws)?.ends_with("task-definition/web:1"));
    Ok(())
}

#[test]
fn a_gate_on_a_group_that_does_not_hold_traffic_fails_at_plan_with_the_fix() -> anyhow::Result<()> {
    let mut seed = demo_seed()?;
    seed.deployment_groups[0].ready_action = "CONTINUE_DEPLOYMENT".into();
    let Stage { emu, ws } = Stage::start(PROVIDER, seed, SCALE)?;
    ws.write_main(&config("v2", Some("Hello from v2"), ""))?;
    let plan = ws.run(&["plan"])?;
    let out = plan.output();
    assert_ne!(plan.code, 0);
    assert!(
        out.contains("The deployment group does not hold traffic for tests"),
        "{out}"
    );
    assert!(
        out.contains("action_on_timeout    = \"STOP_DEPLOYMENT\""),
        "{out}"
    );
    assert!(out.contains("with ecsbg_deployment.web"), "{out}");
    assert_eq!(
        emu.calls("codedeploy.CreateDeployment") + emu.calls("ecs.RegisterTaskDefinition"),
        0,
        "nothing registered, nothing deployed"
    );
    Ok(())
}

#[test]
fn an_alarm_after_blue_is_gone_redeploys_the_previous_revision() -> anyhow::Result<()> {
    let mut seed = demo_seed()?;
    seed.deployment_groups[0].termination_wait_minutes = 0;
    let Stage { emu, ws } = serving_v1(seed)?;
    let prod = emu.listener("web/production");

    let child = ws.spawn_apply(&config("v2", None, "  bake_time = \"30s\"\n"))?;
    // Wait until CodeDeploy reports Succeeded (blue drained) while the provider still bakes.
    let succeeded = || {
        emu.emulator.snapshot()["deployments"]
            .as_array()
            .is_some_and(|ds| {
                ds.iter().any(|d| {
                    d["status"] == "Succeeded"
                        && d["creator"] == "user"
                        && d["taskDefinition"]
                            .as_str()
                            .unwrap_or_default()
                            .ends_with("web:2")
                })
            })
    };
    assert!(
        wait_until(Duration::from_secs(120), succeeded),
        "the deployment never succeeded"
    );
    assert_eq!(http_get(&prod).1, "Hello from v2");
    not_found_burst(&prod, Duration::from_secs(4), || false);
    let run = Run::from(child.wait_with_output()?);
    let output = flat(&run.output());
    assert_ne!(run.code, 0, "{output}");
    assert!(
        output.contains("fired during the bake time after deployment"),
        "{output}"
    );
    assert!(
        output.contains("redeployed arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"),
        "{output}"
    );
    assert!(
        wait_until(Duration::from_secs(30), || http_get(&prod).1
            == "Hello from v1"),
        "production is back on v1"
    );
    assert!(state_task_definition_arn(&ws)?.ends_with("task-definition/web:1"));
    Ok(())
}

/// Green's image cannot be pulled (`does-not-exist`): ECS keeps stopping green's tasks before they start.
/// Emulated CodeDeploy would wait four hours in Install, so only the provider's watch of green's stopped
/// tasks can end the apply: it fails naming ECS's pull error and the task, blue serves, and state still
/// records v1 (the same change is planned again).
#[test]
fn an_image_that_cannot_be_pulled_fails_the_apply_naming_the_pull_error() -> anyhow::Result<()> {
    let behaviour = ecsbg_emulator::Behaviour {
        install_timeout: Duration::from_secs(4 * 3600),
        ..ecsbg_emulator::Behaviour::default()
    };
    let Stage { emu, ws } =
        Stage::start_with(PROVIDER, demo_seed()?, SCALE, behaviour)?.serving(&v1())?;
    let prod = emu.listener("web/production");

    let apply = ws.try_apply(&config("does-not-exist", None, ""))?;
    let out = flat(&apply.output());
    assert_ne!(apply.code, 0, "{out}");
    assert!(out.contains("rolled back"), "{out}");
    assert!(
        out.contains("green cannot start during Install: ECS task "),
        "{out}"
    );
    assert!(
        out.contains("(TaskFailedToStart): CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ghcr.io/acme/web:does-not-exist"),
        "{out}"
    );
    assert_back_on_v1(&prod, &ws, &out)?;
    Ok(())
}
