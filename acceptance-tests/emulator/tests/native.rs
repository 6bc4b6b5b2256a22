//! ECS-native blue/green, linear and canary deployments driven with the real aws-sdk-ecs and
//! aws-sdk-elasticloadbalancingv2 clients, with real HTTP through the production and test listener rules.

mod common;
mod native_support;

use std::time::Duration;

use aws_sdk_ecs::types::{
    DeploymentAlarms, DeploymentLifecycleHookAction, DeploymentLifecycleHookStage as Stage,
    DeploymentStrategy, LinearConfiguration, StopServiceDeploymentStopType,
};
use common::{code, eventually, get, start};
use native_support::{
    awaiting_hook, bodies, configuration, continue_hook, create_paused_service, create_service,
    deploy_v2, describe, describe_service, list_deployments, pause_hook, stop, v2_answers,
    wait_status, weights, world_on, SERVICE,
};

const SCALE: f64 = 600.0;

async fn serving(url: &str, body: &str) {
    eventually(
        Duration::from_secs(30),
        &format!("{url} to answer {body}"),
        || async { (get(url).await.1 == body).then_some(()) },
    )
    .await;
}

async fn task_definition(c: &common::Clients) -> String {
    describe_service(c).await[0]
        .task_definition()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn blue_green_holds_with_test_traffic_on_green_then_switches_production() {
    let (emulator, c, w) = world_on(start(SCALE).await).await;
    create_paused_service(&c, &w, Stage::PostTestTrafficShift).await;
    serving(&w.production_url, "native v1").await;
    let (v2, arn) = deploy_v2(&c).await;

    let (hook, held) = awaiting_hook(&c, &arn, "POST_TEST_TRAFFIC_SHIFT").await;
    assert_eq!(held.status().map(|s| s.as_str()), Some("IN_PROGRESS"));
    let target = held.target_service_revision().expect("target revision");
    assert_eq!(target.requested_test_traffic_weight(), Some(100.0));
    assert_eq!(target.requested_production_traffic_weight(), Some(0.0));
    assert_eq!(target.running_task_count(), 2);
    assert_eq!(bodies(&w.test_url, 4).await, vec!["native v2"; 4]);
    assert_eq!(bodies(&w.production_url, 4).await, vec!["native v1"; 4]);
    assert_eq!(weights(&c, &w, &w.test_rule).await, (0, 100));
    assert_eq!(weights(&c, &w, &w.production_rule).await, (100, 0));

    continue_hook(&c, &arn, &hook, None).await;
    let done = wait_status(&c, &arn, "SUCCESSFUL").await;
    assert_eq!(bodies(&w.production_url, 4).await, vec!["native v2"; 4]);
    assert_eq!(weights(&c, &w, &w.production_rule).await, (0, 100));
    assert_eq!(
        done.lifecycle_hook_details()[0]
            .status()
            .map(|s| s.as_str()),
        Some("SUCCEEDED")
    );
    assert_eq!(done.source_service_revisions().len(), 1);
    assert!(done.finished_at().is_some());
    assert_eq!(task_definition(&c).await, v2);

    let target_arn = done
        .target_service_revision()
        .and_then(|t| t.arn())
        .expect("arn")
        .to_string();
    let revisions = c
        .ecs
        .describe_service_revisions()
        .service_revision_arns(&target_arn)
        .service_revision_arns(done.source_service_revisions()[0].arn().expect("source"))
        .send()
        .await
        .expect("describe service revisions");
    let green = &revisions.service_revisions()[0];
    assert_eq!(green.task_definition(), Some(v2.as_str()));
    let resolved = green
        .resolved_configuration()
        .expect("ACTIVE revision resolves");
    assert_eq!(
        resolved.load_balancers()[0].target_group_arn(),
        Some(w.green_tg.as_str())
    );
    assert!(
        revisions.service_revisions()[1]
            .resolved_configuration()
            .is_none(),
        "blue is gone"
    );

    let listed = list_deployments(&c).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].service_deployment_arn(), Some(arn.as_str()));
    let services = describe_service(&c).await;
    let deployments = services[0].deployments();
    assert_eq!(deployments.len(), 1, "{deployments:?}");
    assert!(target_arn.ends_with(
        deployments[0]
            .id()
            .unwrap_or("?")
            .trim_start_matches("ecs-svc/")
    ));
    emulator.shutdown().await;
}

#[tokio::test]
async fn continue_with_rollback_puts_both_rules_back_on_blue() {
    let (emulator, c, w) = world_on(start(SCALE).await).await;
    create_paused_service(&c, &w, Stage::PostTestTrafficShift).await;
    let (_, arn) = deploy_v2(&c).await;
    let (hook, held) = awaiting_hook(&c, &arn, "POST_TEST_TRAFFIC_SHIFT").await;
    assert_eq!(bodies(&w.test_url, 2).await, vec!["native v2"; 2]);
    continue_hook(
        &c,
        &arn,
        &hook,
        Some(DeploymentLifecycleHookAction::Rollback),
    )
    .await;
    let done = wait_status(&c, &arn, "ROLLBACK_SUCCESSFUL").await;
    let source = held.source_service_revisions()[0].arn().expect("source");
    assert_eq!(
        done.rollback().and_then(|r| r.service_revision_arn()),
        Some(source)
    );
    assert!(
        done.status_reason().unwrap_or_default().contains(&hook),
        "{done:?}"
    );
    assert_eq!(bodies(&w.test_url, 2).await, vec!["native v1"; 2]);
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v1"; 2]);
    assert_eq!(weights(&c, &w, &w.test_rule).await, (100, 0));
    assert_eq!(task_definition(&c).await, w.v1);
    let again = c
        .ecs
        .continue_service_deployment()
        .service_deployment_arn(&arn)
        .hook_id(&hook)
        .send()
        .await
        .expect_err("a finished deployment cannot be continued");
    assert_eq!(code(&again), "InvalidParameterException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn linear_steps_move_production_weights_and_traffic() {
    let (emulator, c, w) = world_on(start(SCALE).await).await;
    let config = configuration(DeploymentStrategy::Linear)
        .linear_configuration(
            LinearConfiguration::builder()
                .step_percent(25.0)
                .step_bake_time_in_minutes(1)
                .build(),
        )
        .lifecycle_hooks(pause_hook(&[Stage::PreProductionTrafficShift]))
        .build();
    create_service(&c, &w, config).await;
    let (_, arn) = deploy_v2(&c).await;
    let mut seen = Vec::new();
    for step in 0..4 {
        let (hook, held) = awaiting_hook(&c, &arn, "PRODUCTION_TRAFFIC_SHIFT").await;
        let green = v2_answers(&w.production_url, 4).await;
        let production = held
            .target_service_revision()
            .and_then(|t| t.requested_production_traffic_weight());
        seen.push((weights(&c, &w, &w.production_rule).await, green, production));
        assert_eq!(
            held.lifecycle_hook_details().len(),
            step + 1,
            "a new PAUSE hook id per step"
        );
        continue_hook(&c, &arn, &hook, None).await;
    }
    assert_eq!(
        seen,
        vec![
            ((100, 0), 0, Some(0.0)),
            ((75, 25), 1, Some(25.0)),
            ((50, 50), 2, Some(50.0)),
            ((25, 75), 3, Some(75.0)),
        ]
    );
    wait_status(&c, &arn, "SUCCESSFUL").await;
    assert_eq!(weights(&c, &w, &w.production_rule).await, (0, 100));
    assert_eq!(bodies(&w.production_url, 4).await, vec!["native v2"; 4]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_alarm_during_bake_rolls_back() {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
    let (emulator, c, w) = world_on(start(SCALE).await).await;
    let dimension = w
        .load_balancer
        .split_once(":loadbalancer/")
        .map(|(_, d)| d.to_string())
        .expect("dimension");
    c.cloudwatch
        .put_metric_alarm()
        .alarm_name("native-404s")
        .namespace("AWS/ApplicationELB")
        .metric_name("HTTPCode_Target_4XX_Count")
        .dimensions(
            Dimension::builder()
                .name("LoadBalancer")
                .value(dimension)
                .build(),
        )
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(5.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .treat_missing_data("notBreaching")
        .send()
        .await
        .expect("alarm");
    let config = configuration(DeploymentStrategy::BlueGreen)
        .bake_time_in_minutes(120)
        .alarms(
            DeploymentAlarms::builder()
                .alarm_names("native-404s")
                .enable(true)
                .rollback(true)
                .build()
                .expect("alarms"),
        )
        .build();
    create_service(&c, &w, config).await;
    let (_, arn) = deploy_v2(&c).await;
    eventually(Duration::from_secs(60), "bake time", || async {
        let d = describe(&c, &arn).await;
        (d.lifecycle_stage().map(|s| s.as_str()) == Some("BAKE_TIME")).then_some(())
    })
    .await;
    assert_eq!(bodies(&w.production_url, 1).await, vec!["native v2"]);
    for _ in 0..20 {
        assert_eq!(get(&format!("{}/missing", w.production_url)).await.0, 404);
    }
    let done = wait_status(&c, &arn, "ROLLBACK_SUCCESSFUL").await;
    let alarms = done.alarms().expect("alarms");
    assert_eq!(alarms.status().map(|s| s.as_str()), Some("TRIGGERED"));
    assert_eq!(alarms.triggered_alarm_names(), ["native-404s"]);
    assert!(done
        .status_reason()
        .unwrap_or_default()
        .contains("native-404s"));
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v1"; 2]);
    emulator.shutdown().await;
}

#[tokio::test]
async fn stop_service_deployment_rollback_returns_to_blue() {
    let (emulator, c, w) = world_on(start(SCALE).await).await;
    create_paused_service(&c, &w, Stage::PostScaleUp).await;
    let (_, arn) = deploy_v2(&c).await;
    awaiting_hook(&c, &arn, "POST_SCALE_UP").await;
    stop(&c, &arn, StopServiceDeploymentStopType::Rollback).await;
    let requested = describe(&c, &arn).await;
    assert!(
        [
            "ROLLBACK_REQUESTED",
            "ROLLBACK_IN_PROGRESS",
            "ROLLBACK_SUCCESSFUL"
        ]
        .contains(&requested.status().map(|s| s.as_str()).unwrap_or_default()),
        "{requested:?}"
    );
    let done = wait_status(&c, &arn, "ROLLBACK_SUCCESSFUL").await;
    assert_eq!(
        done.status_reason(),
        Some("Service deployment rolled back by user.")
    );
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v1"; 2]);
    let again = c
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .send()
        .await
        .expect_err("a finished deployment cannot be stopped");
    assert_eq!(code(&again), "ConflictException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_pause_hook_at_a_traffic_shift_is_refused() {
    let (emulator, c, w) = world_on(start(SCALE).await).await;
    let config = configuration(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(pause_hook(&[Stage::TestTrafficShift]))
        .build();
    let err = c
        .ecs
        .create_service()
        .cluster("demo")
        .service_name(SERVICE)
        .task_definition(&w.v1)
        .deployment_configuration(config)
        .send()
        .await
        .expect_err("PAUSE cannot run at TEST_TRAFFIC_SHIFT");
    assert_eq!(code(&err), "InvalidParameterException");
    let missing = describe_service(&c).await;
    assert!(missing.is_empty(), "nothing was created");
    emulator.shutdown().await;
}
