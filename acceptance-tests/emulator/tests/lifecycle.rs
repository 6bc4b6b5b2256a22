//! Blue/green deployments through the real SDK clients, with real HTTP through the listeners.

mod common;

use std::time::Duration;

use aws_sdk_codedeploy::types::DeploymentWaitType;
use common::*;

const SCALE: f64 = 600.0;

async fn target(c: &Clients, id: &str) -> aws_sdk_codedeploy::types::EcsTarget {
    let out = c
        .codedeploy
        .get_deployment_target()
        .deployment_id(id)
        .target_id("demo:web")
        .send()
        .await
        .expect("target");
    out.deployment_target()
        .and_then(|t| t.ecs_target())
        .cloned()
        .expect("ecs target")
}

fn event_statuses(t: &aws_sdk_codedeploy::types::EcsTarget) -> Vec<(String, String)> {
    t.lifecycle_events()
        .iter()
        .map(|e| {
            (
                e.lifecycle_event_name().unwrap_or_default().to_string(),
                e.status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

async fn primary_task_definition(c: &Clients) -> String {
    let out = c
        .ecs
        .describe_services()
        .cluster("demo")
        .services("web")
        .send()
        .await
        .expect("describe");
    let service = &out.services()[0];
    service
        .task_sets()
        .iter()
        .find(|t| t.status() == Some("PRIMARY"))
        .and_then(|t| t.task_definition())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn ready_wait_holds_production_until_continue_then_green_serves() {
    let emulator = start(SCALE).await;
    let c = clients(&emulator).await;
    let prod = listener_url(&emulator, "web/production");
    let test = listener_url(&emulator, "web/test");
    assert_eq!(get(&prod).await.1, "Hello from v1");

    let v2 = register_version(&c, "ghcr.io/acme/web:v2", "Hello from v2").await;
    let id = deploy(&c, &v2, None).await;
    assert!(
        id.starts_with("d-")
            && id.len() == 11
            && id[2..]
                .chars()
                .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit()),
        "{id}"
    );
    wait_status(&c, &id, "Ready").await;

    // Test traffic reaches green; production still blue.
    assert_eq!(get(&test).await.1, "Hello from v2");
    assert_eq!(get(&prod).await.1, "Hello from v1");
    let t = target(&c, &id).await;
    assert_eq!(t.status().map(|s| s.as_str()), Some("Ready"));
    let events = event_statuses(&t);
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "AllowTestTraffic",
            "AfterAllowTestTraffic",
            "BeforeAllowTraffic",
            "AllowTraffic",
            "AfterAllowTraffic"
        ]
    );
    assert!(
        events[..5].iter().all(|(_, s)| s == "Succeeded"),
        "{events:?}"
    );
    assert!(
        events[5..].iter().all(|(_, s)| s == "Pending"),
        "{events:?}"
    );
    let green = t
        .task_sets_info()
        .iter()
        .find(|s| s.task_set_label().map(|l| l.as_str()) == Some("Green"))
        .expect("green");
    assert_eq!(green.traffic_weight(), 0.0);
    assert_eq!(
        green.target_group().and_then(|g| g.name()),
        Some("web-green")
    );

    // A second deployment is refused while this one holds the group.
    let err = create_deployment(&c, "{}").send().await.expect_err("limit");
    let msg = format!("{}", aws_sdk_codedeploy::error::DisplayErrorContext(&err));
    assert!(
        msg.contains("InvalidRevisionException")
            || msg.contains("DeploymentLimitExceededException"),
        "{msg}"
    );

    c.codedeploy
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect("continue");
    wait_status(&c, &id, "Succeeded").await;
    for _ in 0..4 {
        assert_eq!(get(&prod).await.1, "Hello from v2");
    }
    assert_eq!(primary_task_definition(&c).await, v2);
    let t = target(&c, &id).await;
    assert!(event_statuses(&t).iter().all(|(_, s)| s == "Succeeded"));
    let out = c
        .ecs
        .describe_services()
        .cluster("demo")
        .services("web")
        .send()
        .await
        .expect("describe");
    let sets = out.services()[0].task_sets();
    let green = sets
        .iter()
        .find(|s| s.external_id() == Some(id.as_str()))
        .expect("green task set");
    assert_eq!(green.status(), Some("PRIMARY"));
    assert_eq!(green.started_by(), Some("CODE_DEPLOY"));
    let blue = sets
        .iter()
        .find(|s| s.external_id().is_none())
        .expect("blue task set");
    assert_eq!(blue.status(), Some("DRAINING"));
    assert_eq!(blue.scale().map(|s| s.value()), Some(0.0));
    emulator.shutdown().await;
}

#[tokio::test]
async fn stop_with_rollback_restores_blue_as_a_new_deployment() {
    let emulator = start(SCALE).await;
    let c = clients(&emulator).await;
    let v2 = register_version(&c, "ghcr.io/acme/web:v2", "Hello from v2").await;
    let id = deploy(&c, &v2, None).await;
    wait_status(&c, &id, "Ready").await;
    let out = c
        .codedeploy
        .stop_deployment()
        .deployment_id(&id)
        .auto_rollback_enabled(true)
        .send()
        .await
        .expect("stop");
    assert_eq!(out.status().map(|s| s.as_str()), Some("Pending"));
    wait_status(&c, &id, "Stopped").await;
    let info = deployment_info(&c, &id).await;
    assert_eq!(
        info.error_information()
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("MANUAL_STOP")
    );
    let rollback = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("rollback id")
        .to_string();
    wait_status(&c, &rollback, "Succeeded").await;
    let rb = deployment_info(&c, &rollback).await;
    assert_eq!(rb.creator().map(|c| c.as_str()), Some("codeDeployRollback"));
    assert_eq!(
        rb.rollback_info()
            .and_then(|r| r.rollback_triggering_deployment_id()),
        Some(id.as_str())
    );
    assert_eq!(
        get(&listener_url(&emulator, "web/production")).await.1,
        "Hello from v1"
    );
    assert_eq!(
        get(&listener_url(&emulator, "web/test")).await.1,
        "Hello from v1"
    );
    assert!(primary_task_definition(&c)
        .await
        .ends_with("task-definition/web:1"));
    let t = target(&c, &id).await;
    let events = event_statuses(&t);
    assert_eq!(events[5].1, "Skipped", "{events:?}");
    // Stopping a finished deployment is refused with the real error.
    let err = c
        .codedeploy
        .stop_deployment()
        .deployment_id(&id)
        .send()
        .await
        .expect_err("completed");
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("DeploymentAlreadyCompletedException")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_burst_of_404s_in_the_termination_wait_rolls_back() {
    let emulator = start(SCALE).await;
    let c = clients(&emulator).await;
    let prod = listener_url(&emulator, "web/production");
    let v2 = register_version(&c, "ghcr.io/acme/web:v2", "Hello from v2").await;
    let id = deploy(&c, &v2, None).await;
    wait_status(&c, &id, "Ready").await;
    c.codedeploy
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect("continue");
    eventually(Duration::from_secs(30), "all traffic on green", || async {
        let t = target(&c, &id).await;
        t.task_sets_info()
            .iter()
            .any(|s| {
                s.task_set_label().map(|l| l.as_str()) == Some("Green")
                    && s.traffic_weight() == 100.0
            })
            .then_some(())
    })
    .await;
    assert_eq!(
        status(&c, &id).await,
        "InProgress",
        "the termination wait keeps the deployment InProgress"
    );
    for _ in 0..20 {
        assert_eq!(get(&format!("{prod}/missing")).await.0, 404);
    }
    wait_status(&c, &id, "Stopped").await;
    let info = deployment_info(&c, &id).await;
    let error = info.error_information().expect("error");
    assert_eq!(error.code().map(|c| c.as_str()), Some("ALARM_ACTIVE"));
    assert!(
        error
            .message()
            .unwrap_or_default()
            .contains("Activated alarms: web-404s"),
        "{error:?}"
    );
    let rollback = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("rollback")
        .to_string();
    wait_status(&c, &rollback, "Succeeded").await;
    assert_eq!(get(&prod).await.1, "Hello from v1");
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_names("web-404s")
        .send()
        .await
        .expect("alarms");
    assert!(alarms.metric_alarms()[0]
        .state_reason()
        .unwrap_or_default()
        .contains("Threshold Crossed"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn canary_weights_step_on_the_production_listener() {
    let mut seed = demo_seed().expect("the demo seed parses");
    seed.deployment_configs
        .push(ecsbg_emulator::seed::SeedDeploymentConfig {
            name: "Canary20".into(),
            kind: "TimeBasedCanary".into(),
            percentage: 20,
            interval_minutes: 30,
        });
    let emulator = start_with(seed, SCALE).await;
    let c = clients(&emulator).await;
    let prod = listener_url(&emulator, "web/production");
    let v2 = register_version(&c, "ghcr.io/acme/web:v2", "Hello from v2").await;
    let id = deploy(&c, &v2, Some("Canary20")).await;
    wait_status(&c, &id, "Ready").await;
    c.codedeploy
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect("continue");
    let listener_arn = emulator.seed_report().listeners["web/production"]
        .arn
        .clone();
    let weights = eventually(Duration::from_secs(30), "canary weights", || async {
        let out = c
            .elbv2
            .describe_listeners()
            .listener_arns(&listener_arn)
            .send()
            .await
            .expect("listeners");
        let groups: Vec<i32> = out.listeners()[0].default_actions()[0]
            .forward_config()
            .map(|f| {
                f.target_groups()
                    .iter()
                    .map(|g| g.weight().unwrap_or(0))
                    .collect()
            })
            .unwrap_or_default();
        (groups == vec![80, 20]).then_some(groups)
    })
    .await;
    assert_eq!(weights, vec![80, 20]);
    let mut v2_count = 0;
    for _ in 0..10 {
        if get(&prod).await.1 == "Hello from v2" {
            v2_count += 1;
        }
    }
    assert_eq!(v2_count, 2, "20% of 10 requests go to green");
    let green = target(&c, &id)
        .await
        .task_sets_info()
        .iter()
        .find(|s| s.task_set_label().map(|l| l.as_str()) == Some("Green"))
        .map(|s| s.traffic_weight());
    assert_eq!(green, Some(20.0));
    wait_status(&c, &id, "Succeeded").await;
    assert_eq!(get(&prod).await.1, "Hello from v2");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_failing_hook_fails_the_deployment_and_rolls_back() {
    let mut seed = demo_seed().expect("the demo seed parses");
    seed.functions.push(ecsbg_emulator::hooks::FunctionSpec {
        name: "CodeDeployHook_smoke".into(),
        command: Some(vec![
            "sh".into(),
            "-c".into(),
            "echo smoke test failed >&2; exit 1".into(),
        ]),
        url: None,
        env: Default::default(),
    });
    let emulator = start_with(seed, SCALE).await;
    let c = clients(&emulator).await;
    let v2 = register_version(&c, "ghcr.io/acme/web:v2", "Hello from v2").await;
    let mut with_hook = appspec(&v2);
    with_hook["Hooks"] = serde_json::json!([{"AfterAllowTestTraffic": "CodeDeployHook_smoke"}]);
    let id = deploy_appspec(&c, &with_hook).await;
    wait_status(&c, &id, "Failed").await;
    let info = deployment_info(&c, &id).await;
    assert_eq!(
        info.error_information()
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("HOOK_EXECUTION_FAILURE")
    );
    let events = event_statuses(&target(&c, &id).await);
    assert_eq!(
        events[4],
        ("AfterAllowTestTraffic".to_string(), "Failed".to_string())
    );
    let rollback = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("rollback")
        .to_string();
    wait_status(&c, &rollback, "Succeeded").await;
    assert_eq!(
        get(&listener_url(&emulator, "web/test")).await.1,
        "Hello from v1"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn ready_wait_timeout_stops_the_deployment() {
    let mut seed = demo_seed().expect("the demo seed parses");
    seed.deployment_groups[0].ready_wait_minutes = 1;
    let emulator = start_with(seed, SCALE).await;
    let c = clients(&emulator).await;
    let v2 = register_version(&c, "ghcr.io/acme/web:v2", "Hello from v2").await;
    let id = deploy(&c, &v2, None).await;
    wait_status(&c, &id, "Stopped").await;
    let info = deployment_info(&c, &id).await;
    assert_eq!(
        info.error_information()
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("TIMEOUT")
    );
    assert_eq!(
        get(&listener_url(&emulator, "web/production")).await.1,
        "Hello from v1"
    );
    emulator.shutdown().await;
}
