//! `ecsbg_deployment` on the ECS-native engine through the real `terraform` binary against the emulator,
//! with real HTTP through the listener rules ECS moves: plan shows the diff; a gated apply ships v2 with
//! the gate seeing v2 on the test listener and production on v2 after; a failing gate and an alarm in the
//! bake roll back; import then plan shows no change; a service without a PAUSE hook fails the plan on
//! `test_gate` with the HCL to add.

use std::time::Duration;

use aws_sdk_ecs::types::{ContainerDefinition, KeyValuePair, PortMapping};
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum};
use ecsbg_acceptance::emulator::{demo_seed, wait_until, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, Run, Workspace};

mod native_world;

use native_world::*;

/// Registers v3 of family `native` (saying `message` when given), as someone outside Terraform would.
async fn register_v3(ecs: &aws_sdk_ecs::Client, message: Option<&str>) -> anyhow::Result<String> {
    let mut web = ContainerDefinition::builder()
        .name("web")
        .image("ghcr.io/acme/web:v3")
        .port_mappings(PortMapping::builder().container_port(80).build());
    if let Some(message) = message {
        web = web.environment(
            KeyValuePair::builder()
                .name("MESSAGE")
                .value(message)
                .build(),
        );
    }
    Ok(ecs
        .register_task_definition()
        .family("native")
        .container_definitions(web.build())
        .send()
        .await?
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_string())
}

/// Asserts `again` succeeded by adopting the service deployment already in flight (no second
/// UpdateService, the timeline says so) and production answers v2.
fn assert_adopted_and_shipped(
    again: &Run,
    emu: &Running,
    ws: &Workspace,
    w: &World,
) -> anyhow::Result<()> {
    assert_eq!(again.code, 0, "{}", again.output());
    assert_eq!(
        emu.calls("ecs.UpdateService"),
        1,
        "adopted, not started again"
    );
    assert!(state(ws, "timeline")?
        .to_string()
        .contains("adopted service deployment"));
    assert_eq!(body(&w.production_url), "Hello from v2");
    Ok(())
}

#[test]
fn plan_shows_the_diff_and_a_gated_apply_ships_v2() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    assert_eq!(state(&ws, "id")?, "demo/native");
    assert_eq!(state(&ws, "task_definition_arn")?, w.v1.as_str());
    assert_eq!(state(&ws, "test_listener_url")?, w.test_url.as_str());
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode"])?.code,
        0,
        "adopted v1 plans no change"
    );

    ws.write_main(&config("v2", &gate("Hello from v2")))?;
    let plan = ws.run(&["plan"])?;
    let said = flat(&plan.output());
    assert!(
        said.contains("will roll out to demo/native"),
        "{}",
        plan.output()
    );
    assert!(
        said.contains("ghcr.io/acme/web:v1") && said.contains("ghcr.io/acme/web:v2"),
        "{}",
        plan.output()
    );

    // The gate's check passes only if the test listener answers v2 while production still answers v1.
    let apply = ws.try_apply(&config("v2", &gate("Hello from v2")))?;
    assert_eq!(apply.code, 0, "{}", apply.output());
    assert_eq!(emu.calls("ecs.ContinueServiceDeployment"), 1);
    assert_eq!(body(&w.production_url), "Hello from v2");
    let timeline = state(&ws, "timeline")?.to_string();
    for line in [
        "lifecycle stage POST_TEST_TRAFFIC_SHIFT",
        "gate passed",
        "ContinueServiceDeployment CONTINUE",
        "SUCCESSFUL",
    ] {
        assert!(timeline.contains(line), "{line} missing from {timeline}");
    }
    assert_eq!(state(&ws, "status")?, "Succeeded");
    assert_eq!(state(&ws, "previous_task_definition_arn")?, w.v1.as_str());
    assert_ne!(state(&ws, "task_definition_arn")?, w.v1.as_str());
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode"])?.code,
        0,
        "after success nothing to do"
    );
    Ok(())
}

#[test]
fn a_failing_gate_rolls_back_and_fails_the_apply() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    let apply = ws.try_apply(&config("v2", &gate("Hello from v9")))?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "Gate check",
            "POST_TEST_TRAFFIC_SHIFT",
            "Hello from v9",
            "service deployment",
        ],
    );
    assert_eq!(emu.calls("ecs.ContinueServiceDeployment"), 1);
    assert_back_on_v1(&ws, &w)?;
    assert_eq!(state(&ws, "status")?, "RolledBack");
    Ok(())
}

#[test]
fn an_alarm_in_the_bake_rolls_back() -> anyhow::Result<()> {
    // ECS bakes two emulated hours (two real minutes): the alarm fires inside ECS's own BAKE_TIME.
    let (Stage { emu, ws }, w) = serving_v1(false, 120)?;
    let child = spawn_alarmed_apply(&emu, &ws, &w, "  bake_time = \"5m\"\n")?;
    let on_v2 = wait_until(Duration::from_secs(120), || {
        body(&w.production_url) == "Hello from v2"
    });
    assert!(on_v2, "production never served v2");
    let apply = provoke_404s_then_wait(child, &w.production_url)?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "alarm 'native-404s' is in ALARM",
            "BAKE_TIME",
        ],
    );
    assert!(emu.calls("ecs.StopServiceDeployment") >= 1);
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn import_then_plan_shows_no_change() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let w = build(&stage.emu, true, 1)?;
    let hcl = format!(
        "{}import {{\n  to = ecsbg_deployment.web\n  id = \"demo/native\"\n}}\n",
        config("v1", "")
    );
    let apply = stage.ws.apply(&hcl)?;
    assert!(apply.output().contains("1 imported"), "{}", apply.output());
    assert_eq!(stage.emu.calls("ecs.UpdateService"), 0);
    assert_eq!(state(&stage.ws, "task_definition_arn")?, w.v1.as_str());
    let plan = stage.ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 0, "{}", plan.output());
    Ok(())
}

#[test]
fn a_gate_without_a_pause_hook_fails_the_plan_with_the_hcl() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    build(&stage.emu, false, 1)?;
    stage.ws.write_main(&config("v2", &gate("v2")))?;
    let plan = stage.ws.run(&["plan"])?;
    assert_ne!(plan.code, 0);
    let said = flat(&plan.output());
    for words in [
        "with ecsbg_deployment.web",
        "no PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT",
        "target_type = \"PAUSE\"",
        "lifecycle_stages = [\"POST_TEST_TRAFFIC_SHIFT\"]",
    ] {
        assert!(said.contains(words), "{words:?} missing: {}", plan.output());
    }
    assert_eq!(
        stage.emu.calls("ecs.RegisterTaskDefinition"),
        1,
        "only the test's own v1"
    );
    Ok(())
}

#[test]
fn someone_elses_service_deployment_blocks_and_is_left_alone() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    // Someone ships v3 with the AWS CLI; its PAUSE hook holds it in flight.
    let foreign = emu.block_on(async {
        let (ecs, _, _) = clients(&emu).await;
        let v3 = register_v3(&ecs, None).await?;
        let out = ecs
            .update_service()
            .cluster("demo")
            .service("native")
            .task_definition(&v3)
            .send()
            .await?;
        anyhow::Ok(
            out.service()
                .and_then(|s| s.current_service_deployment())
                .unwrap_or_default()
                .to_string(),
        )
    })?;
    let short = foreign.rsplit('/').next().unwrap_or_default().to_string();
    let apply = ws.try_apply(&config("v2", ""))?;
    assert_failed_saying(
        &apply,
        &[
            "Rollout blocked by another deployment",
            short.as_str(),
            "left alone",
            "Nothing was registered or deployed",
        ],
    );
    assert_eq!(emu.calls("ecs.UpdateService"), 1, "only the foreign update");
    assert_eq!(
        emu.calls("ecs.StopServiceDeployment") + emu.calls("ecs.ContinueServiceDeployment"),
        0,
        "left alone"
    );
    assert_eq!(body(&w.production_url), "Hello from v1");
    Ok(())
}

/// A gate command that holds the first time (marking `dir/started`) and passes every later time.
fn holding_gate(dir: &std::path::Path) -> String {
    let d = dir.display();
    format!("  test_gate {{\n    command {{\n      argv = [\"sh\", \"-c\", \"if [ -e {d}/started ]; then exit 0; fi; touch {d}/started; sleep 120\"]\n    }}\n  }}\n")
}

/// `terraform apply` of `hcl` spawned in its own process group, and whether its gate came to hold.
fn spawn_held_apply(
    ws: &Workspace,
    hcl: &str,
    dir: &std::path::Path,
) -> anyhow::Result<(std::process::Child, bool)> {
    ws.write_main(hcl)?;
    let mut cmd = ws.apply_command();
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd.spawn()?;
    let held = wait_until(Duration::from_secs(90), || dir.join("started").exists());
    Ok((child, held))
}

/// `terraform apply` of `hcl` in its own process group, interrupted with Ctrl-C once the gate holds.
fn interrupted_apply(ws: &Workspace, hcl: &str, dir: &std::path::Path) -> anyhow::Result<Run> {
    let (child, held) = spawn_held_apply(ws, hcl, dir)?;
    // SAFETY: kill(2) on the process group this test started.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let run = Run::from(child.wait_with_output()?);
    anyhow::ensure!(held, "the gate never started:\n{}", run.output());
    Ok(run)
}

#[test]
fn ctrl_c_at_the_gate_rolls_back() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    let dir = tempfile::tempdir()?;
    let run = interrupted_apply(&ws, &config("v2", &holding_gate(dir.path())), dir.path())?;
    assert_ne!(run.code, 0, "{}", run.output());
    let said = flat(&run.output());
    assert!(
        said.contains("interrupted") && said.contains("rolled back"),
        "{said}"
    );
    assert!(emu.calls("ecs.StopServiceDeployment") >= 1);
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn detached_at_the_gate_then_adopted_by_the_next_apply() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    let dir = tempfile::tempdir()?;
    let hcl = config(
        "v2",
        &format!("{}  on_interrupt = \"detach\"\n", holding_gate(dir.path())),
    );
    let run = interrupted_apply(&ws, &hcl, dir.path())?;
    assert_ne!(run.code, 0, "{}", run.output());
    assert!(
        flat(&run.output()).contains("continues without Terraform"),
        "{}",
        run.output()
    );
    assert_eq!(
        emu.calls("ecs.StopServiceDeployment") + emu.calls("ecs.ContinueServiceDeployment"),
        0
    );
    assert_eq!(
        body(&w.production_url),
        "Hello from v1",
        "held at the pause, production untouched"
    );

    // The next apply follows the same service deployment (no second UpdateService) and its gate passes.
    let again = ws.try_apply(&hcl)?;
    assert_adopted_and_shipped(&again, &emu, &ws, &w)?;
    assert_eq!(emu.calls("ecs.ContinueServiceDeployment"), 1);
    Ok(())
}

#[test]
fn a_killed_apply_is_adopted_by_the_next_one() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    let dir = tempfile::tempdir()?;
    let hcl = config("v2", &holding_gate(dir.path()));
    let (child, held) = spawn_held_apply(&ws, &hcl, dir.path())?;
    // SAFETY: kill(2) on the process group this test started: Terraform, the provider and the gate die.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let _ = child.wait_with_output()?;
    assert!(held, "the gate never started");
    assert_eq!(body(&w.production_url), "Hello from v1");

    let again = ws.try_apply(&hcl)?;
    assert_adopted_and_shipped(&again, &emu, &ws, &w)?;
    Ok(())
}

#[test]
fn a_deployment_made_outside_terraform_shows_up_as_drift() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(false, 0)?;
    emu.block_on(async {
        let (ecs, _, _) = clients(&emu).await;
        let v3 = register_v3(&ecs, Some("Hello from v3")).await?;
        ecs.update_service()
            .cluster("demo")
            .service("native")
            .task_definition(&v3)
            .send()
            .await?;
        anyhow::Ok(())
    })?;
    assert!(wait_until(Duration::from_secs(60), || body(
        &w.production_url
    ) == "Hello from v3"));
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 2, "{}", plan.output());
    let said = flat(&plan.output());
    assert!(said.contains("will roll out to demo/native"), "{said}");
    assert!(
        said.contains("image ghcr.io/acme/web:v3 → ghcr.io/acme/web:v1"),
        "{said}"
    );
    Ok(())
}

#[test]
fn an_alarm_in_the_bake_after_ecs_finished_redeploys_the_previous_revision() -> anyhow::Result<()> {
    use aws_sdk_ecs::types::ServiceDeploymentStatus;
    // ECS bakes nothing, so it reports SUCCESSFUL first; the provider's own bake_time goes on.
    let (Stage { emu, ws }, w) = serving_v1(false, 0)?;
    let child = spawn_alarmed_apply(&emu, &ws, &w, "  bake_time = \"5m\"\n")?;
    let finished = wait_until(Duration::from_secs(120), || {
        emu.block_on(async {
            let (ecs, _, _) = clients(&emu).await;
            ecs.list_service_deployments()
                .cluster("demo")
                .service("native")
                .status(ServiceDeploymentStatus::Successful)
                .send()
                .await
                .map(|o| o.service_deployments().len() >= 2)
                .unwrap_or(false)
        })
    });
    assert!(finished, "ECS never finished the rollout");
    assert_eq!(body(&w.production_url), "Hello from v2");
    let apply = provoke_404s_then_wait(child, &w.production_url)?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "alarm 'native-404s' is in ALARM",
            "during the bake time after ECS finished",
            "was redeployed",
        ],
    );
    assert_eq!(emu.calls("ecs.UpdateService"), 2, "v2, then v1 again");
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn an_alarm_during_a_linear_shift_rolls_back() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let w = build_with(&stage.emu, false, 1, true)?;
    let Stage { emu, ws } = stage.serving(&config("v1", ""))?;
    let child = spawn_alarmed_apply(&emu, &ws, &w, "")?;
    // Some production requests reach v2: the shift has begun.
    let shifting = wait_until(Duration::from_secs(120), || {
        body(&w.production_url) == "Hello from v2"
    });
    assert!(shifting, "production never reached v2");
    let apply = provoke_404s_then_wait(child, &w.production_url)?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "alarm 'native-404s' is in ALARM",
            "during PRODUCTION_TRAFFIC_SHIFT",
        ],
    );
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn production_on_a_target_group_without_healthy_targets_refuses_the_rollout() -> anyhow::Result<()>
{
    let (Stage { emu, ws }, w) = serving_v1(false, 1)?;
    // Someone points the production rule at the idle target group by hand.
    emu.block_on(async {
        let (_, elbv2, _) = clients(&emu).await;
        elbv2
            .modify_rule()
            .rule_arn(&w.production_rule)
            .actions(
                Action::builder()
                    .r#type(ActionTypeEnum::Forward)
                    .target_group_arn(&w.green_tg)
                    .build(),
            )
            .send()
            .await
    })?;
    let registered = emu.calls("ecs.RegisterTaskDefinition");
    let apply = ws.try_apply(&config("v2", ""))?;
    assert_failed_saying(
        &apply,
        &[
            "Rollout refused before it started",
            "has no healthy targets",
            "Nothing was registered or deployed",
        ],
    );
    assert_eq!(emu.calls("ecs.UpdateService"), 0);
    assert_eq!(emu.calls("ecs.RegisterTaskDefinition"), registered);
    Ok(())
}
