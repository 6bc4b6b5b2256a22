//! The rest of the operations through the real SDK clients: applications, group deletion, batch reads,
//! revisions, hook status reports, listener changes, custom metrics.

mod common;

use std::time::Duration;

use aws_sdk_codedeploy::types::{
    AppSpecContent, LifecycleEventStatus, RevisionLocation, RevisionLocationType,
};
use common::*;

#[tokio::test]
async fn applications_groups_and_batch_reads() {
    let emulator = start(600.0).await;
    let c = clients(&emulator).await;
    let err = c
        .codedeploy
        .create_application()
        .application_name("web")
        .compute_platform(aws_sdk_codedeploy::types::ComputePlatform::Ecs)
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(
        code(&err.into_service_error()),
        "ApplicationAlreadyExistsException"
    );
    let app = c
        .codedeploy
        .get_application()
        .application_name("web")
        .send()
        .await
        .expect("get");
    assert_eq!(
        app.application()
            .and_then(|a| a.compute_platform())
            .map(|p| p.as_str()),
        Some("ECS")
    );

    let v2 = register_version(&c, "img:v2", "v2").await;
    let first = deploy(&c, &v2, None).await;
    wait_status(&c, &first, "Ready").await;
    c.codedeploy
        .stop_deployment()
        .deployment_id(&first)
        .auto_rollback_enabled(true)
        .send()
        .await
        .expect("stop");
    wait_status(&c, &first, "Stopped").await;
    let rollback = deployment_info(&c, &first)
        .await
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .map(str::to_string)
        .expect("rollback");
    wait_status(&c, &rollback, "Succeeded").await;
    let batch = c
        .codedeploy
        .batch_get_deployments()
        .deployment_ids(&first)
        .deployment_ids(&rollback)
        .send()
        .await
        .expect("batch");
    assert_eq!(batch.deployments_info().len(), 2);
    let targets = c
        .codedeploy
        .batch_get_deployment_targets()
        .deployment_id(&first)
        .target_ids("demo:web")
        .send()
        .await
        .expect("targets");
    let events = targets.deployment_targets()[0]
        .ecs_target()
        .map(|t| t.lifecycle_events().len());
    assert_eq!(events, Some(8));
    let err = c
        .codedeploy
        .get_deployment_target()
        .deployment_id(&first)
        .target_id("demo:other")
        .send()
        .await
        .expect_err("no such target");
    assert_eq!(
        code(&err.into_service_error()),
        "DeploymentTargetDoesNotExistException"
    );
    let listed = c
        .codedeploy
        .list_deployment_targets()
        .deployment_id(&first)
        .send()
        .await
        .expect("list targets");
    assert_eq!(listed.target_ids(), ["demo:web"]);

    // The revision is read back by its digest.
    let sha = deployment_info(&c, &first)
        .await
        .revision()
        .and_then(|r| r.app_spec_content())
        .and_then(|a| a.sha256())
        .map(str::to_string)
        .expect("sha");
    let revision = c
        .codedeploy
        .get_application_revision()
        .application_name("web")
        .revision(
            RevisionLocation::builder()
                .revision_type(RevisionLocationType::AppSpecContent)
                .app_spec_content(AppSpecContent::builder().sha256(&sha).build())
                .build(),
        )
        .send()
        .await
        .expect("revision");
    assert!(revision
        .revision()
        .and_then(|r| r.app_spec_content())
        .and_then(|a| a.content())
        .unwrap_or_default()
        .contains(&v2));
    let err = c
        .codedeploy
        .get_application_revision()
        .application_name("web")
        .revision(
            RevisionLocation::builder()
                .revision_type(RevisionLocationType::AppSpecContent)
                .app_spec_content(AppSpecContent::builder().sha256("0".repeat(64)).build())
                .build(),
        )
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(
        code(&err.into_service_error()),
        "RevisionDoesNotExistException"
    );

    // Deleting the group; KEEP_ALIVE is refused for ECS.
    c.codedeploy
        .delete_deployment_group()
        .application_name("web")
        .deployment_group_name("web-prod")
        .send()
        .await
        .expect("delete");
    let err = c
        .codedeploy
        .get_deployment_group()
        .application_name("web")
        .deployment_group_name("web-prod")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(
        code(&err.into_service_error()),
        "DeploymentGroupDoesNotExistException"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_hook_reports_through_put_lifecycle_event_hook_execution_status() {
    let dir = std::env::temp_dir().join(format!("ecsbg-hook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let exec_file = dir.join("exec-id");
    let mut seed = demo_seed().expect("the demo seed parses");
    seed.functions.push(ecsbg_emulator::hooks::FunctionSpec {
        name: "CodeDeployHook_report".into(),
        command: Some(vec![
            "sh".into(),
            "-c".into(),
            format!(
                "echo $LIFECYCLE_EVENT_HOOK_EXECUTION_ID > {}; sleep 30",
                exec_file.display()
            ),
        ]),
        url: None,
        env: Default::default(),
    });
    let emulator = start_with(seed, 600.0).await;
    let c = clients(&emulator).await;
    let v2 = register_version(&c, "img:v2", "v2").await;
    let mut with_hook = appspec(&v2);
    with_hook["Hooks"] = serde_json::json!([{"AfterInstall": "CodeDeployHook_report"}]);
    let id = deploy_appspec(&c, &with_hook).await;
    let exec = eventually(Duration::from_secs(30), "the hook to start", || async {
        std::fs::read_to_string(&exec_file)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
    .await;
    let err = c
        .codedeploy
        .put_lifecycle_event_hook_execution_status()
        .deployment_id(&id)
        .lifecycle_event_hook_execution_id(&exec)
        .status(LifecycleEventStatus::Skipped)
        .send()
        .await
        .expect_err("invalid status");
    assert_eq!(
        code(&err.into_service_error()),
        "InvalidLifecycleEventHookExecutionStatusException"
    );
    let err = c
        .codedeploy
        .put_lifecycle_event_hook_execution_status()
        .deployment_id(&id)
        .lifecycle_event_hook_execution_id("nope")
        .status(LifecycleEventStatus::Succeeded)
        .send()
        .await
        .expect_err("invalid id");
    assert_eq!(
        code(&err.into_service_error()),
        "InvalidLifecycleEventHookExecutionIdException"
    );
    let out = c
        .codedeploy
        .put_lifecycle_event_hook_execution_status()
        .deployment_id(&id)
        .lifecycle_event_hook_execution_id(&exec)
        .status(LifecycleEventStatus::Succeeded)
        .send()
        .await
        .expect("report");
    assert_eq!(out.lifecycle_event_hook_execution_id(), Some(exec.as_str()));
    wait_status(&c, &id, "Ready").await;
    let err = c
        .codedeploy
        .put_lifecycle_event_hook_execution_status()
        .deployment_id(&id)
        .lifecycle_event_hook_execution_id(&exec)
        .status(LifecycleEventStatus::Succeeded)
        .send()
        .await
        .expect_err("twice");
    assert_eq!(
        code(&err.into_service_error()),
        "LifecycleEventAlreadyCompletedException"
    );
    let _ = std::fs::remove_dir_all(&dir);
    emulator.shutdown().await;
}

#[tokio::test]
async fn listeners_can_be_modified_and_custom_metrics_drive_alarms() {
    let emulator = start(600.0).await;
    let c = clients(&emulator).await;
    let report = emulator.seed_report().clone();
    let test = &report.listeners["web/test"];
    c.elbv2
        .modify_listener()
        .listener_arn(&test.arn)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                .forward_config(
                    aws_sdk_elasticloadbalancingv2::types::ForwardActionConfig::builder()
                        .target_groups(
                            aws_sdk_elasticloadbalancingv2::types::TargetGroupTuple::builder()
                                .target_group_arn(&report.target_groups["web-blue"])
                                .weight(0)
                                .build(),
                        )
                        .target_groups(
                            aws_sdk_elasticloadbalancingv2::types::TargetGroupTuple::builder()
                                .target_group_arn(&report.target_groups["web-green"])
                                .weight(100)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("modify");
    let (status, _, _) = get(&test.url).await;
    assert_eq!(
        status, 503,
        "web-green has no targets yet, so the listener answers 503"
    );

    c.elbv2
        .create_load_balancer()
        .name("second")
        .send()
        .await
        .expect("lb");
    let page = c
        .elbv2
        .describe_load_balancers()
        .page_size(1)
        .send()
        .await
        .expect("page");
    assert_eq!(page.load_balancers().len(), 1);
    assert!(page.next_marker().is_some());

    use aws_sdk_cloudwatch::types::{ComparisonOperator, MetricDatum, Statistic};
    c.cloudwatch
        .put_metric_alarm()
        .alarm_name("queue-depth")
        .namespace("Acme")
        .metric_name("QueueDepth")
        .statistic(Statistic::Maximum)
        .period(60)
        .evaluation_periods(1)
        .threshold(100.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .expect("alarm");
    c.cloudwatch
        .put_metric_data()
        .namespace("Acme")
        .metric_data(
            MetricDatum::builder()
                .metric_name("QueueDepth")
                .value(250.0)
                .build(),
        )
        .send()
        .await
        .expect("data");
    eventually(
        Duration::from_secs(10),
        "the custom metric alarm",
        || async {
            let out = c
                .cloudwatch
                .describe_alarms()
                .alarm_names("queue-depth")
                .send()
                .await
                .ok()?;
            (out.metric_alarms()[0].state_value().map(|s| s.as_str()) == Some("ALARM"))
                .then_some(())
        },
    )
    .await;
    emulator.shutdown().await;
}
