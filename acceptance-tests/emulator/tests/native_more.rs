//! More ECS-native deployments through the real SDK clients: Lambda hooks (IN_PROGRESS with merged
//! `hookDetails`, then SUCCEEDED; FAILED rolling back), canary weights and the circuit breaker.

mod common;
mod native_support;

use std::time::Duration;

use aws_sdk_ecs::types::{
    CanaryConfiguration, DeploymentCircuitBreaker, DeploymentLifecycleHook,
    DeploymentLifecycleHookStage as Stage, DeploymentLifecycleHookTargetType, DeploymentStrategy,
};
use common::{register_web, start_with};
use ecsbg_emulator::hooks::FunctionSpec;
use native_support::{
    awaiting_hook, bodies, configuration, continue_hook, create_paused_service, create_service,
    deploy_v2, pause_hook, update, v2_answers, wait_status, weights, world_on,
};

const SCALE: f64 = 600.0;

fn function(name: &str, script: &str) -> FunctionSpec {
    FunctionSpec {
        name: name.to_string(),
        command: Some(vec!["sh".into(), "-c".into(), script.to_string()]),
        url: None,
        env: Default::default(),
    }
}

fn lambda_hook(name: &str, stage: Stage) -> DeploymentLifecycleHook {
    DeploymentLifecycleHook::builder()
        .target_type(DeploymentLifecycleHookTargetType::AwsLambda)
        .hook_target_arn(format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{name}"
        ))
        .role_arn("arn:aws:iam::123456789012:role/ecs-hooks")
        .lifecycle_stages(stage)
        .build()
}

async fn emulator_with(functions: Vec<FunctionSpec>) -> ecsbg_emulator::Emulator {
    let mut seed = common::demo_seed().expect("the demo seed parses");
    seed.functions.extend(functions);
    start_with(seed, SCALE).await
}

#[tokio::test]
async fn a_lambda_hook_in_progress_is_called_again_with_its_details_then_succeeds() {
    // First call: no details yet → IN_PROGRESS with {"attempt":"1"}; the second call carries them → SUCCEEDED.
    // Each call checks ECS's event: the stage, the deployment ARN and green's test weight of 100.
    let gate = function(
        "gate",
        r#"read p
echo "$p" | grep -q '"lifecycleStage":"POST_TEST_TRAFFIC_SHIFT"' || { echo '{"hookStatus":"FAILED"}'; exit 0; }
echo "$p" | grep -q '"resourceArn":"arn:aws:ecs:us-east-1:123456789012:service-deployment/demo/native/' || { echo '{"hookStatus":"FAILED"}'; exit 0; }
echo "$p" | grep -q ':100.0}' || { echo '{"hookStatus":"FAILED"}'; exit 0; }
if echo "$p" | grep -q '"attempt":"1"'; then echo '{"hookStatus":"SUCCEEDED"}'; else echo '{"hookStatus":"IN_PROGRESS","callBackDelay":5,"hookDetails":{"attempt":"1"}}'; fi"#,
    );
    let (emulator, c, w) = world_on(emulator_with(vec![gate]).await).await;
    let config = configuration(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(lambda_hook("gate", Stage::PostTestTrafficShift))
        .build();
    create_service(&c, &w, config).await;
    let (_, arn) = deploy_v2(&c).await;
    let done = wait_status(&c, &arn, "SUCCESSFUL").await;
    let hook = &done.lifecycle_hook_details()[0];
    assert_eq!(hook.status().map(|s| s.as_str()), Some("SUCCEEDED"));
    assert_eq!(hook.target_type().map(|s| s.as_str()), Some("AWS_LAMBDA"));
    assert!(hook
        .target_arn()
        .unwrap_or_default()
        .ends_with(":function:gate"));
    let hook_id = hook.hook_id().expect("hook id");
    let calls = emulator
        .journal()
        .iter()
        .filter(|(_, what)| {
            *what == format!("lifecycle hook {hook_id} invoked at POST_TEST_TRAFFIC_SHIFT")
        })
        .count();
    assert_eq!(calls, 2, "IN_PROGRESS, then called again with the details");
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v2"; 2]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_failing_lambda_hook_rolls_back() {
    let refuse = function(
        "refuse",
        r#"cat >/dev/null; echo '{"hookStatus":"FAILED"}'"#,
    );
    let (emulator, c, w) = world_on(emulator_with(vec![refuse]).await).await;
    let config = configuration(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(lambda_hook("refuse", Stage::PostTestTrafficShift))
        .build();
    create_service(&c, &w, config).await;
    let (_, arn) = deploy_v2(&c).await;
    let done = wait_status(&c, &arn, "ROLLBACK_SUCCESSFUL").await;
    assert_eq!(
        done.lifecycle_hook_details()[0]
            .status()
            .map(|s| s.as_str()),
        Some("FAILED")
    );
    assert!(done
        .rollback()
        .and_then(|r| r.reason())
        .unwrap_or_default()
        .contains("failed at POST_TEST_TRAFFIC_SHIFT"));
    assert_eq!(bodies(&w.test_url, 2).await, vec!["native v1"; 2]);
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v1"; 2]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn canary_sends_its_percent_then_everything() {
    let (emulator, c, w) = world_on(emulator_with(Vec::new()).await).await;
    let config = configuration(DeploymentStrategy::Canary)
        .canary_configuration(
            CanaryConfiguration::builder()
                .canary_percent(10.0)
                .canary_bake_time_in_minutes(1)
                .build(),
        )
        .lifecycle_hooks(pause_hook(&[Stage::PreProductionTrafficShift]))
        .build();
    create_service(&c, &w, config).await;
    let (_, arn) = deploy_v2(&c).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (hook, _) = awaiting_hook(&c, &arn, "PRODUCTION_TRAFFIC_SHIFT").await;
        let green = v2_answers(&w.production_url, 10).await;
        seen.push((weights(&c, &w, &w.production_rule).await, green));
        continue_hook(&c, &arn, &hook, None).await;
    }
    assert_eq!(seen, vec![((100, 0), 0), ((90, 10), 1)]);
    wait_status(&c, &arn, "SUCCESSFUL").await;
    assert_eq!(weights(&c, &w, &w.production_rule).await, (0, 100));
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_circuit_breaker_rolls_back_a_green_that_cannot_start() {
    let (emulator, c, w) = world_on(emulator_with(Vec::new()).await).await;
    let config = configuration(DeploymentStrategy::BlueGreen)
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(true)
                .rollback(true)
                .build(),
        )
        .build();
    create_service(&c, &w, config).await;
    let broken = register_web(
        &c,
        "ghcr.io/acme/does-not-exist:v2",
        &[("MESSAGE", "never")],
    )
    .await;
    let arn = update(&c, &broken).await;
    let done = tokio::time::timeout(
        Duration::from_secs(60),
        wait_status(&c, &arn, "ROLLBACK_SUCCESSFUL"),
    )
    .await
    .expect("rolled back");
    let breaker = done.deployment_circuit_breaker().expect("circuit breaker");
    assert_eq!(breaker.status().map(|s| s.as_str()), Some("TRIGGERED"));
    assert!(
        breaker.failure_count() >= breaker.threshold(),
        "{breaker:?}"
    );
    assert_eq!(breaker.threshold(), 3);
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v1"; 2]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_newer_deployment_stops_the_held_one_and_reconciles_first() {
    let (emulator, c, w) = world_on(emulator_with(Vec::new()).await).await;
    create_paused_service(&c, &w, Stage::PostTestTrafficShift).await;
    let (_, first) = deploy_v2(&c).await;
    awaiting_hook(&c, &first, "POST_TEST_TRAFFIC_SHIFT").await;
    let v3 = register_web(&c, "ghcr.io/acme/web:v3", &[("MESSAGE", "native v3")]).await;
    let second = update(&c, &v3).await;
    assert_ne!(first, second);
    let stopped = wait_status(&c, &first, "STOPPED").await;
    assert!(stopped.stopped_at().is_some());
    let (hook, held) = awaiting_hook(&c, &second, "POST_TEST_TRAFFIC_SHIFT").await;
    assert_eq!(
        held.source_service_revisions().len(),
        1,
        "RECONCILE_SERVICE left only the revision serving production"
    );
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v1"; 2]);
    assert_eq!(bodies(&w.test_url, 2).await, vec!["native v3"; 2]);
    continue_hook(&c, &second, &hook, None).await;
    wait_status(&c, &second, "SUCCESSFUL").await;
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v3"; 2]);
    let stages: Vec<String> = emulator
        .journal()
        .into_iter()
        .filter(|(_, what)| what.starts_with(&format!("service deployment {second} ")))
        .map(|(_, what)| what.rsplit(' ').next().unwrap_or_default().to_string())
        .filter(|s| s.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    assert_eq!(
        stages,
        [
            "PENDING",
            "RECONCILE_SERVICE",
            "PRE_SCALE_UP",
            "SCALE_UP",
            "POST_SCALE_UP",
            "TEST_TRAFFIC_SHIFT",
            "POST_TEST_TRAFFIC_SHIFT",
            "PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT",
            "BAKE_TIME",
            "CLEAN_UP",
            "SUCCESSFUL"
        ]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn listener_arns_in_the_rule_fields_move_the_listeners_themselves() {
    // An NLB's advancedConfiguration names listeners, not rules; with the rules deleted, the listeners'
    // default actions carry the traffic and the deployment moves their weights.
    let (emulator, c, w) = world_on(emulator_with(Vec::new()).await).await;
    for rule in [&w.production_rule, &w.test_rule] {
        c.elbv2
            .delete_rule()
            .rule_arn(rule)
            .send()
            .await
            .expect("delete rule");
    }
    let config = configuration(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(pause_hook(&[Stage::PostTestTrafficShift]))
        .build();
    native_support::create_service_routed(&c, &w, config, &w.production_listener, &w.test_listener)
        .await;
    let (_, arn) = deploy_v2(&c).await;
    let (hook, _) = awaiting_hook(&c, &arn, "POST_TEST_TRAFFIC_SHIFT").await;
    assert_eq!(bodies(&w.test_url, 2).await, vec!["native v2"; 2]);
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v1"; 2]);
    continue_hook(&c, &arn, &hook, None).await;
    wait_status(&c, &arn, "SUCCESSFUL").await;
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v2"; 2]);
    let listeners = c
        .elbv2
        .describe_listeners()
        .listener_arns(&w.production_listener)
        .send()
        .await
        .expect("describe listeners");
    let groups = listeners.listeners()[0].default_actions()[0]
        .forward_config()
        .map(|f| f.target_groups().to_vec())
        .unwrap_or_default();
    let green = groups
        .iter()
        .find(|g| g.target_group_arn() == Some(w.green_tg.as_str()))
        .and_then(|g| g.weight());
    assert_eq!(green, Some(100));
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_rollback_runs_the_test_shift_lambda_again_with_the_weights_reversed() {
    let log = std::env::temp_dir().join(format!("ecsbg-native-hook-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut shift = function(
        "shift",
        r#"read p; echo "$p" >> "$HOOK_LOG"; echo '{"hookStatus":"SUCCEEDED"}'"#,
    );
    shift
        .env
        .insert("HOOK_LOG".into(), log.display().to_string());
    let (emulator, c, w) = world_on(emulator_with(vec![shift]).await).await;
    let config = configuration(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(lambda_hook("shift", Stage::TestTrafficShift))
        .lifecycle_hooks(pause_hook(&[Stage::PostTestTrafficShift]))
        .build();
    create_service(&c, &w, config).await;
    let (_, arn) = deploy_v2(&c).await;
    let (hook, held) = awaiting_hook(&c, &arn, "POST_TEST_TRAFFIC_SHIFT").await;
    let target = held
        .target_service_revision()
        .and_then(|t| t.arn())
        .expect("target")
        .to_string();
    continue_hook(
        &c,
        &arn,
        &hook,
        Some(aws_sdk_ecs::types::DeploymentLifecycleHookAction::Rollback),
    )
    .await;
    let done = wait_status(&c, &arn, "ROLLBACK_SUCCESSFUL").await;
    let statuses: Vec<(String, String)> = done
        .lifecycle_hook_details()
        .iter()
        .map(|h| {
            (
                h.target_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                h.status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("AWS_LAMBDA".to_string(), "SUCCEEDED".to_string()),
            ("PAUSE".to_string(), "FAILED".to_string()),
            ("AWS_LAMBDA".to_string(), "SUCCEEDED".to_string()),
        ]
    );
    let calls: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .expect("the hook wrote its events")
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event is JSON"))
        .collect();
    let _ = std::fs::remove_file(&log);
    let test_weight =
        |e: &serde_json::Value| e["executionDetails"]["testTrafficWeights"][&target].as_f64();
    assert_eq!(calls.len(), 2);
    assert_eq!(test_weight(&calls[0]), Some(100.0));
    assert_eq!(
        test_weight(&calls[1]),
        Some(0.0),
        "reversed on the rollback"
    );
    assert!(calls
        .iter()
        .all(|e| e["executionDetails"]["targetServiceRevisionArn"] == target.as_str()));
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_native_demo_seed_holds_a_paused_blue_green_service_on_weighted_rules() {
    let seed = ecsbg_emulator::demo::native_demo_seed().expect("the native demo seed parses");
    let emulator = start_with(seed, SCALE).await;
    let report = emulator.seed_report().clone();
    let c = common::clients(&emulator).await;
    let service = c
        .ecs
        .describe_services()
        .cluster("demo")
        .services("web")
        .send()
        .await
        .expect("DescribeServices")
        .services()[0]
        .clone();
    assert_eq!(
        service.deployment_controller().map(|d| d.r#type().as_str()),
        Some("ECS")
    );
    let config = service.deployment_configuration().expect("configuration");
    assert_eq!(config.strategy().map(|s| s.as_str()), Some("BLUE_GREEN"));
    let hook = &config.lifecycle_hooks()[0];
    assert_eq!(hook.target_type().map(|t| t.as_str()), Some("PAUSE"));
    assert_eq!(hook.lifecycle_stages(), [Stage::PostTestTrafficShift]);
    let advanced = service.load_balancers()[0]
        .advanced_configuration()
        .expect("advancedConfiguration");
    assert_eq!(
        advanced.production_listener_rule(),
        report
            .listener_rules
            .get("web/production")
            .map(String::as_str)
    );
    assert_eq!(
        advanced.test_listener_rule(),
        report.listener_rules.get("web/test").map(String::as_str)
    );
    assert_eq!(
        advanced.alternate_target_group_arn(),
        report.target_groups.get("web-green").map(String::as_str)
    );
    let production = &report.listeners["web/production"].url;
    common::eventually(
        Duration::from_secs(30),
        "production to answer v1",
        || async { (common::get(production).await.1 == "Hello from v1").then_some(()) },
    )
    .await;
}
