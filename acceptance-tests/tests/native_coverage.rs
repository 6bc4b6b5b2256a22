//! More of the ECS-native engine through the real `terraform` binary against the emulator: the service's
//! own deployment alarm rolls back (ECS acting on it); a CANARY rollout answers from both revisions during
//! the canary bake and ships, and an alarm in that canary step rolls back; a service behind a Network Load
//! Balancer (ECS moves the listeners themselves) ships through the gate; a Lambda hook answering FAILED
//! rolls back, the apply naming the deployment, the stage and the hook.

use std::time::Duration;

use aws_sdk_ecs::types::{DeploymentLifecycleHookStage, DeploymentStrategy};
use ecsbg_acceptance::emulator::{demo_seed, not_found_burst, shell_function, wait_until, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, Run};

mod native_world;

use native_world::*;

/// A stage with [`build_setup`]'s world for `setup` (and the seed's hook functions plus `functions`), v1
/// adopted.
fn serving(
    setup: &Setup,
    functions: Vec<ecsbg_emulator::hooks::FunctionSpec>,
) -> anyhow::Result<(Stage, World)> {
    let mut seed = demo_seed()?;
    seed.functions.extend(functions);
    let stage = Stage::start(PROVIDER, seed, SCALE)?;
    let world = build_setup(&stage.emu, setup)?;
    let stage = stage.serving(&config("v1", ""))?;
    assert_eq!(
        stage.emu.calls("ecs.UpdateService"),
        0,
        "adopting must not deploy"
    );
    Ok((stage, world))
}

/// The newest service deployment of `demo/native`: its short id and status.
fn newest_deployment(emu: &Running) -> anyhow::Result<(String, String)> {
    emu.block_on(async {
        let (ecs, _, _) = clients(emu).await;
        let listed = ecs
            .list_service_deployments()
            .cluster("demo")
            .service("native")
            .send()
            .await?;
        let newest = listed
            .service_deployments()
            .iter()
            .max_by(|a, b| {
                let at = |d: &aws_sdk_ecs::types::ServiceDeploymentBrief| {
                    d.created_at().map(|t| t.as_secs_f64()).unwrap_or_default()
                };
                at(a).total_cmp(&at(b))
            })
            .and_then(|d| d.service_deployment_arn())
            .ok_or_else(|| anyhow::anyhow!("no service deployment listed"))?
            .to_string();
        let described = ecs
            .describe_service_deployments()
            .service_deployment_arns(&newest)
            .send()
            .await?;
        let status = described
            .service_deployments()
            .first()
            .and_then(|d| d.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let short = newest.rsplit('/').next().unwrap_or_default().to_string();
        anyhow::Ok((short, status))
    })
}

/// `n` answers of production's root.
fn answers(url: &str, n: usize) -> Vec<String> {
    (0..n).map(|_| body(url)).collect()
}

/// Waits for production to answer v2 at least once, then asserts the next answers come from both
/// revisions: the canary step holds part of production on green.
fn assert_canary_split(url: &str) {
    let on_v2 = wait_until(Duration::from_secs(120), || body(url) == "Hello from v2");
    assert!(on_v2, "production never reached v2");
    let seen = answers(url, 40);
    for version in ["Hello from v1", "Hello from v2"] {
        assert!(
            seen.iter().any(|b| b == version),
            "{version} missing from the canary step's answers: {seen:?}"
        );
    }
}

/// A CANARY service sending 30 % of production to green for 30 emulated minutes (30 real seconds).
fn canary() -> Setup {
    Setup {
        strategy: DeploymentStrategy::Canary,
        canary: (30.0, 30),
        ..Setup::default()
    }
}

#[test]
fn the_services_own_deployment_alarm_rolls_back_in_the_bake() -> anyhow::Result<()> {
    // The alarm is the service's (deploymentConfiguration.alarms with rollback), not the resource's
    // `alarms`; ECS bakes two emulated hours (two real minutes), so it fires inside BAKE_TIME.
    let setup = Setup {
        bake_minutes: 120,
        service_alarms: vec!["native-404s".into()],
        ..Setup::default()
    };
    let (Stage { emu, ws }, w) = serving(&setup, Vec::new())?;
    put_404_alarm(&emu, &w)?;
    let mut child = ws.spawn_apply(&config("v2", ""))?;
    let on_v2 = wait_until(Duration::from_secs(120), || {
        body(&w.production_url) == "Hello from v2"
    });
    assert!(on_v2, "production never served v2");
    // 404s until the apply ends keep the alarm in ALARM for whoever reads it.
    not_found_burst(&w.production_url, Duration::from_secs(180), || {
        matches!(child.try_wait(), Ok(Some(_)))
    });
    let apply = Run::from(child.wait_with_output()?);
    let (id, status) = newest_deployment(&emu)?;
    assert_eq!(status, "ROLLBACK_SUCCESSFUL");
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            id.as_str(),
            "BAKE_TIME",
            "alarm 'native-404s' is in ALARM (",
        ],
    );
    assert_back_on_v1(&ws, &w)?;
    assert_eq!(state(&ws, "status")?, "RolledBack");
    Ok(())
}

#[test]
fn a_canary_rollout_answers_from_both_revisions_in_the_canary_step_then_ships() -> anyhow::Result<()>
{
    let (Stage { emu: _emu, ws }, w) = serving(&canary(), Vec::new())?;
    let child = ws.spawn_apply(&config("v2", ""))?;
    assert_canary_split(&w.production_url);
    let apply = Run::from(child.wait_with_output()?);
    assert_eq!(apply.code, 0, "{}", apply.output());
    assert_eq!(answers(&w.production_url, 10), vec!["Hello from v2"; 10]);
    assert_eq!(state(&ws, "status")?, "Succeeded");
    assert_ne!(state(&ws, "task_definition_arn")?, w.v1.as_str());
    let timeline = state(&ws, "timeline")?.to_string();
    for line in [
        "lifecycle stage PRODUCTION_TRAFFIC_SHIFT",
        "production traffic on green: 30%",
        "production traffic on green: 100%",
        "SUCCESSFUL",
    ] {
        assert!(timeline.contains(line), "{line} missing from {timeline}");
    }
    Ok(())
}

#[test]
fn an_alarm_in_the_canary_step_rolls_back() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving(&canary(), Vec::new())?;
    let child = spawn_alarmed_apply(&emu, &ws, &w, "")?;
    assert_canary_split(&w.production_url);
    let apply = provoke_404s_then_wait(child, &w.production_url)?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "alarm 'native-404s' is in ALARM",
            "during PRODUCTION_TRAFFIC_SHIFT",
            "production traffic on green: 30%",
        ],
    );
    assert!(
        !flat(&apply.output()).contains("production traffic on green: 100%"),
        "rolled back in the canary step, before the full shift: {}",
        apply.output()
    );
    assert!(emu.calls("ecs.StopServiceDeployment") >= 1);
    assert_eq!(newest_deployment(&emu)?.1, "ROLLBACK_SUCCESSFUL");
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn behind_a_network_load_balancer_a_gated_rollout_ships() -> anyhow::Result<()> {
    let setup = Setup {
        nlb: true,
        pause: true,
        ..Setup::default()
    };
    let (Stage { emu, ws }, w) = serving(&setup, Vec::new())?;
    assert_eq!(state(&ws, "test_listener_url")?, w.test_url.as_str());
    // The gate passes only if the NLB's test listener answers v2 while production still answers v1.
    let apply = ws.try_apply(&config("v2", &gate("Hello from v2")))?;
    assert_eq!(apply.code, 0, "{}", apply.output());
    assert_eq!(emu.calls("ecs.ContinueServiceDeployment"), 1);
    assert_eq!(body(&w.production_url), "Hello from v2");
    let timeline = state(&ws, "timeline")?.to_string();
    for line in [
        "gate passed",
        "ContinueServiceDeployment CONTINUE",
        "SUCCESSFUL",
    ] {
        assert!(timeline.contains(line), "{line} missing from {timeline}");
    }
    // ECS moved the production listener itself: all of its weight on the green target group.
    let forward = emu.block_on(async {
        let (_, elbv2, _) = clients(&emu).await;
        let out = elbv2
            .describe_listeners()
            .listener_arns(&w.production_rule)
            .send()
            .await?;
        anyhow::Ok(
            out.listeners()
                .first()
                .and_then(|l| l.default_actions().first())
                .and_then(|a| a.forward_config())
                .map(|f| {
                    f.target_groups()
                        .iter()
                        .map(|t| {
                            (
                                t.target_group_arn().unwrap_or_default().to_string(),
                                t.weight().unwrap_or_default(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        )
    })?;
    assert!(
        forward
            .iter()
            .any(|(tg, weight)| *tg == w.green_tg && *weight == 100),
        "{forward:?}"
    );
    assert_eq!(state(&ws, "status")?, "Succeeded");
    Ok(())
}

#[test]
fn a_lambda_hook_answering_failed_rolls_back_naming_the_hook() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let payload = dir.path().join("payload.json");
    let smoke = shell_function(
        "smoke",
        &format!(
            "read p; echo \"$p\" > {}; echo '{{\"hookStatus\":\"FAILED\"}}'",
            payload.display()
        ),
    );
    let setup = Setup {
        lambda_hooks: vec![("smoke".into(), DeploymentLifecycleHookStage::PostScaleUp)],
        ..Setup::default()
    };
    let (Stage { emu, ws }, w) = serving(&setup, vec![smoke])?;
    let apply = ws.try_apply(&config("v2", ""))?;
    let (id, status) = newest_deployment(&emu)?;
    assert_eq!(status, "ROLLBACK_SUCCESSFUL");
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            id.as_str(),
            "POST_SCALE_UP",
            "function:smoke",
            "ended FAILED",
        ],
    );
    // The function really ran, with ECS's event for this deployment and stage.
    let event = std::fs::read_to_string(&payload)?;
    assert!(
        event.contains("\"lifecycleStage\":\"POST_SCALE_UP\""),
        "{event}"
    );
    assert!(event.contains(id.as_str()), "{event}");
    assert_back_on_v1(&ws, &w)?;
    assert_eq!(state(&ws, "status")?, "RolledBack");
    Ok(())
}
