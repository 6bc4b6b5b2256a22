//! Guards and knobs of `ecsbg_deployment` through real `terraform` (a stuck alarm and someone else's deployment
//! are rows of the hostile-neighbours campaign in `foreign_activity.rs`): `wait_for = "traffic_shifted"` returns during the termination wait, a timeout behaves as
//! an interrupt, destroy only forgets.

use ecsbg_acceptance::emulator::{demo_seed, http_get};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, web_deployment};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const SCALE: f64 = 60.0;

fn config(version: &str, extra: &str) -> String {
    web_deployment(version, extra)
}

/// An emulator with `seed` and a workspace, `version` applied (adopted, or rolled out when it is not v1).
fn serving(seed: ecsbg_emulator::Seed, version: &str) -> anyhow::Result<Stage> {
    Stage::start(PROVIDER, seed, SCALE)?.serving(&config(version, ""))
}

#[test]
fn wait_for_traffic_shifted_returns_during_the_termination_wait() -> anyhow::Result<()> {
    let mut seed = demo_seed()?;
    seed.deployment_groups[0].termination_wait_minutes = 120;
    let Stage { emu, ws } = serving(seed, "v1")?;
    ws.apply(&config("v2", "  wait_for = \"traffic_shifted\"\n"))?;
    let values = ws.resource_values("ecsbg_deployment.web")?;
    assert_eq!(values["status"], "TrafficShifted");
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v2");
    let deployments = emu.emulator.snapshot()["deployments"].clone();
    assert_eq!(
        deployments[0]["status"], "InProgress",
        "CodeDeploy is still in its termination wait: {deployments}"
    );
    Ok(())
}

#[test]
fn a_timeout_acts_as_an_interrupt_and_rolls_back() -> anyhow::Result<()> {
    let Stage { emu, ws } = serving(demo_seed()?, "v1")?;
    let slow_gate = "  test_gate {\n    command {\n      argv = [\"sleep\", \"60\"]\n    }\n  }\n  timeouts {\n    update = \"3s\"\n  }\n";
    let apply = ws.try_apply(&config("v2", slow_gate))?;
    let out = flat(&apply.output());
    assert_ne!(apply.code, 0);
    assert!(
        out.contains("the timeout of 3s passed during the test gate"),
        "{out}"
    );
    assert!(
        out.contains("rolled back"),
        "on_interrupt defaults to rollback: {out}"
    );
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v1");
    Ok(())
}

#[test]
fn destroy_forgets_and_the_service_keeps_serving() -> anyhow::Result<()> {
    let Stage { emu, ws } = serving(demo_seed()?, "v2")?;
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v2");
    emu.emulator.reset_calls();
    let destroy = ws.run(&["destroy", "-auto-approve"])?.success()?;
    assert!(
        destroy.output().contains("1 destroyed"),
        "{}",
        destroy.output()
    );
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v2");
    assert_eq!(
        emu.calls("codedeploy.CreateDeployment") + emu.calls("codedeploy.StopDeployment"),
        0
    );
    Ok(())
}

#[test]
fn changing_only_gates_alarms_or_timeouts_deploys_nothing() -> anyhow::Result<()> {
    let Stage { emu, ws } = serving(demo_seed()?, "v2")?;
    let before = emu.calls("codedeploy.CreateDeployment");
    let knobs = "  test_gate {\n    http {\n      path = \"/\"\n    }\n  }\n  alarms    = [\"web-404s\"]\n  bake_time = \"1m\"\n  timeouts {\n    update = \"10m\"\n  }\n";
    let apply = ws.apply(&config("v2", knobs))?;
    assert!(apply.output().contains("1 changed"), "{}", apply.output());
    assert_eq!(
        emu.calls("codedeploy.CreateDeployment"),
        before,
        "settings alone deploy nothing"
    );
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"])?.code, 0);
    Ok(())
}

#[test]
fn production_not_on_the_primary_task_set_refuses_the_rollout() -> anyhow::Result<()> {
    let Stage { emu, ws } = serving(demo_seed()?, "v1")?;
    // Someone points the production listener at the idle target group by hand.
    let report = emu.emulator.seed_report().clone();
    emu.block_on(async {
        use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum};
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(emu.emulator.endpoint_url())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_elasticloadbalancingv2::config::Credentials::new(
                "x", "x", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_elasticloadbalancingv2::Client::new(&config)
            .modify_listener()
            .listener_arn(&report.listeners["web/production"].arn)
            .default_actions(
                Action::builder()
                    .r#type(ActionTypeEnum::Forward)
                    .target_group_arn(&report.target_groups["web-green"])
                    .build(),
            )
            .send()
            .await
    })?;
    emu.emulator.reset_calls();
    let apply = ws.try_apply(&config("v2", ""))?;
    let out = flat(&apply.output());
    assert_ne!(apply.code, 0);
    assert!(out.contains("Rollout refused before it started"), "{out}");
    assert!(
        out.contains("production traffic is not where ECS says the live version is"),
        "{out}"
    );
    assert_eq!(
        emu.calls("ecs.RegisterTaskDefinition") + emu.calls("codedeploy.CreateDeployment"),
        0
    );
    Ok(())
}
