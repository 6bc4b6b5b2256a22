//! Every operation through the real Rust SDK clients: shapes, defaults, error codes and pagination.

mod common;

use aws_sdk_cloudwatch::types::{ComparisonOperator, StateValue, Statistic};
use common::*;

#[tokio::test]
async fn ecs_task_definitions_carry_the_defaults_ecs_fills_in() {
    let emulator = start(60.0).await;
    let c = clients(&emulator).await;
    let out = c
        .ecs
        .describe_task_definition()
        .task_definition("web")
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await
        .expect("describe");
    let td = out.task_definition().expect("td");
    assert_eq!(td.revision(), 1);
    assert_eq!(td.status().map(|s| s.as_str()), Some("ACTIVE"));
    let container = &td.container_definitions()[0];
    assert_eq!(container.essential(), Some(true));
    assert_eq!(container.cpu(), 0);
    assert_eq!(
        container.port_mappings()[0].protocol().map(|p| p.as_str()),
        Some("tcp")
    );
    assert_eq!(
        container.port_mappings()[0].host_port(),
        Some(80),
        "awsvpc: hostPort = containerPort"
    );
    assert!(container.mount_points().is_empty() && container.volumes_from().is_empty());
    assert!(td.registered_at().is_some() && !td.requires_attributes().is_empty());

    // Revisions, family:revision, ARN, pagination, deregistration.
    for i in 2..=4 {
        let arn = register_version(&c, &format!("img:v{i}"), &format!("v{i}")).await;
        assert!(arn.ends_with(&format!("task-definition/web:{i}")), "{arn}");
    }
    let by_rev = c
        .ecs
        .describe_task_definition()
        .task_definition("web:3")
        .send()
        .await
        .expect("by rev");
    assert_eq!(by_rev.task_definition().map(|t| t.revision()), Some(3));
    let page1 = c
        .ecs
        .list_task_definitions()
        .family_prefix("web")
        .max_results(3)
        .send()
        .await
        .expect("list");
    assert_eq!(page1.task_definition_arns().len(), 3);
    let page2 = c
        .ecs
        .list_task_definitions()
        .family_prefix("web")
        .max_results(3)
        .next_token(page1.next_token().expect("token"))
        .send()
        .await
        .expect("page 2");
    assert_eq!(page2.task_definition_arns().len(), 1);
    assert!(page2.next_token().is_none());
    let all: usize = c
        .ecs
        .list_task_definitions()
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .len();
    assert_eq!(all, 4);
    c.ecs
        .deregister_task_definition()
        .task_definition("web:2")
        .send()
        .await
        .expect("deregister");
    let active = c
        .ecs
        .list_task_definitions()
        .send()
        .await
        .expect("list")
        .task_definition_arns()
        .len();
    assert_eq!(active, 3);

    let err = c
        .ecs
        .describe_task_definition()
        .task_definition("nope")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&err.into_service_error()), "ClientException");
    let err = c
        .ecs
        .register_task_definition()
        .family("bad family!")
        .send()
        .await
        .expect_err("invalid");
    assert_eq!(code(&err.into_service_error()), "ClientException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn ecs_services_show_task_sets_and_refuse_task_definition_updates() {
    let emulator = start(60.0).await;
    let c = clients(&emulator).await;
    let out = c
        .ecs
        .describe_services()
        .cluster("demo")
        .services("web")
        .services("ghost")
        .send()
        .await
        .expect("describe");
    let service = &out.services()[0];
    assert_eq!(
        service.deployment_controller().map(|d| d.r#type().as_str()),
        Some("CODE_DEPLOY")
    );
    assert_eq!(service.running_count(), 2);
    let primary = &service.task_sets()[0];
    assert_eq!(primary.status(), Some("PRIMARY"));
    assert!(
        primary.external_id().is_none(),
        "the initial task set has no externalId"
    );
    assert_eq!(service.task_definition(), primary.task_definition());
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));

    let err = c
        .ecs
        .update_service()
        .cluster("demo")
        .service("web")
        .task_definition("web:1")
        .send()
        .await
        .expect_err("refused");
    let err = err.into_service_error();
    assert_eq!(code(&err), "InvalidParameterException");
    assert!(aws_sdk_ecs::error::ProvideErrorMetadata::message(&err)
        .unwrap_or_default()
        .contains("CODE_DEPLOY deployment controller"));

    let updated = c
        .ecs
        .update_service()
        .cluster("demo")
        .service("web")
        .desired_count(3)
        .send()
        .await
        .expect("scale");
    assert_eq!(updated.service().map(|s| s.running_count()), Some(3));
    let sets = c
        .ecs
        .describe_task_sets()
        .cluster("demo")
        .service("web")
        .send()
        .await
        .expect("task sets");
    assert_eq!(sets.task_sets()[0].running_count(), 3);
    let err = c
        .ecs
        .describe_services()
        .cluster("nope")
        .services("web")
        .send()
        .await
        .expect_err("cluster");
    assert_eq!(code(&err.into_service_error()), "ClusterNotFoundException");
    emulator.shutdown().await;
}

#[tokio::test]
async fn elbv2_describes_listeners_rules_target_groups_and_health() {
    let emulator = start(60.0).await;
    let c = clients(&emulator).await;
    let lb_arn = emulator.seed_report().load_balancers["web"].clone();
    let lbs = c
        .elbv2
        .describe_load_balancers()
        .names("web")
        .send()
        .await
        .expect("lbs");
    assert_eq!(lbs.load_balancers()[0].dns_name(), Some("127.0.0.1"));
    let listeners = c
        .elbv2
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .expect("listeners");
    assert_eq!(listeners.listeners().len(), 2);
    let prod = emulator.seed_report().listeners["web/production"].clone();
    let l = listeners
        .listeners()
        .iter()
        .find(|l| l.listener_arn() == Some(prod.arn.as_str()))
        .expect("prod");
    assert_eq!(
        l.port(),
        Some(i32::from(prod.port)),
        "the real bound port is reported"
    );
    let action = &l.default_actions()[0];
    assert_eq!(
        action.target_group_arn(),
        Some(emulator.seed_report().target_groups["web-blue"].as_str())
    );
    assert_eq!(
        action
            .forward_config()
            .map(|f| f.target_groups()[0].weight()),
        Some(Some(1))
    );
    let rules = c
        .elbv2
        .describe_rules()
        .listener_arn(&prod.arn)
        .send()
        .await
        .expect("rules");
    assert_eq!(rules.rules()[0].is_default(), Some(true));
    let health = c
        .elbv2
        .describe_target_health()
        .target_group_arn(&emulator.seed_report().target_groups["web-blue"])
        .send()
        .await
        .expect("health");
    assert_eq!(health.target_health_descriptions().len(), 2);
    assert!(health.target_health_descriptions().iter().all(|t| t
        .target_health()
        .and_then(|h| h.state())
        .map(|s| s.as_str())
        == Some("healthy")));
    let page = c
        .elbv2
        .describe_target_groups()
        .page_size(1)
        .send()
        .await
        .expect("tgs");
    assert_eq!(page.target_groups().len(), 1);
    assert!(page.next_marker().is_some());
    let err = c
        .elbv2
        .describe_listeners()
        .listener_arns("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/1/2")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&err.into_service_error()), "ListenerNotFound");
    let err = c
        .elbv2
        .create_target_group()
        .name("web-blue")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(code(&err.into_service_error()), "DuplicateTargetGroupName");
    emulator.shutdown().await;
}

#[tokio::test]
async fn cloudwatch_over_cbor_puts_describes_sets_and_deletes_alarms() {
    let emulator = start(60.0).await;
    let c = clients(&emulator).await;
    let out = c
        .cloudwatch
        .describe_alarms()
        .alarm_names("web-404s")
        .send()
        .await
        .expect("describe");
    let alarm = &out.metric_alarms()[0];
    assert_eq!(alarm.threshold(), Some(5.0));
    assert_eq!(
        alarm.comparison_operator(),
        Some(&ComparisonOperator::GreaterThanOrEqualToThreshold)
    );
    assert!(
        alarm.state_updated_timestamp().is_some(),
        "timestamps decode from CBOR tag 1"
    );
    c.cloudwatch
        .put_metric_alarm()
        .alarm_name("web-5xx")
        .metric_name("HTTPCode_Target_5XX_Count")
        .namespace("AWS/ApplicationELB")
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .send()
        .await
        .expect("put");
    c.cloudwatch
        .set_alarm_state()
        .alarm_name("web-5xx")
        .state_value(StateValue::Alarm)
        .state_reason("testing")
        .send()
        .await
        .expect("set");
    let firing = c
        .cloudwatch
        .describe_alarms()
        .state_value(StateValue::Alarm)
        .send()
        .await
        .expect("filter");
    assert_eq!(firing.metric_alarms().len(), 1);
    assert_eq!(firing.metric_alarms()[0].state_reason(), Some("testing"));
    let page = c
        .cloudwatch
        .describe_alarms()
        .max_records(1)
        .send()
        .await
        .expect("page");
    assert!(page.next_token().is_some());
    let err = c
        .cloudwatch
        .set_alarm_state()
        .alarm_name("ghost")
        .state_value(StateValue::Ok)
        .state_reason("x")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&err.into_service_error()), "ResourceNotFound");
    c.cloudwatch
        .delete_alarms()
        .alarm_names("web-5xx")
        .send()
        .await
        .expect("delete");
    assert_eq!(
        c.cloudwatch
            .describe_alarms()
            .send()
            .await
            .expect("all")
            .metric_alarms()
            .len(),
        1
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn codedeploy_groups_configs_and_errors() {
    let emulator = start(60.0).await;
    let c = clients(&emulator).await;
    let group = c
        .codedeploy
        .get_deployment_group()
        .application_name("web")
        .deployment_group_name("web-prod")
        .send()
        .await
        .expect("group");
    let info = group.deployment_group_info().expect("info");
    assert_eq!(info.compute_platform().map(|p| p.as_str()), Some("ECS"));
    let bg = info.blue_green_deployment_configuration().expect("bg");
    assert_eq!(
        bg.deployment_ready_option()
            .and_then(|r| r.action_on_timeout())
            .map(|a| a.as_str()),
        Some("STOP_DEPLOYMENT")
    );
    assert_eq!(info.ecs_services()[0].service_name(), Some("web"));

    // AWS's validation traps.
    let update = |wait: i32| {
        use aws_sdk_codedeploy::types::*;
        c.codedeploy
            .update_deployment_group()
            .application_name("web")
            .current_deployment_group_name("web-prod")
            .blue_green_deployment_configuration(
                BlueGreenDeploymentConfiguration::builder()
                    .deployment_ready_option(
                        DeploymentReadyOption::builder()
                            .action_on_timeout(DeploymentReadyAction::ContinueDeployment)
                            .wait_time_in_minutes(wait)
                            .build(),
                    )
                    .terminate_blue_instances_on_deployment_success(
                        BlueInstanceTerminationOption::builder()
                            .action(InstanceAction::Terminate)
                            .termination_wait_time_in_minutes(5)
                            .build(),
                    )
                    .build(),
            )
    };
    let err = update(10).send().await.expect_err("continue with wait");
    assert_eq!(
        code(&err.into_service_error()),
        "InvalidBlueGreenDeploymentConfigurationException"
    );
    update(0)
        .send()
        .await
        .expect("continue without wait is valid");

    let config = c
        .codedeploy
        .get_deployment_config()
        .deployment_config_name("CodeDeployDefault.ECSCanary10Percent5Minutes")
        .send()
        .await
        .expect("config");
    let routing = config
        .deployment_config_info()
        .and_then(|i| i.traffic_routing_config())
        .expect("routing");
    assert_eq!(
        routing
            .time_based_canary()
            .map(|c| (c.canary_percentage(), c.canary_interval())),
        Some((10, 5))
    );
    let err = c
        .codedeploy
        .get_deployment_config()
        .deployment_config_name("nope")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(
        code(&err.into_service_error()),
        "DeploymentConfigDoesNotExistException"
    );

    let err = c
        .codedeploy
        .get_deployment()
        .deployment_id("d-NOTREAL12")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(
        code(&err.into_service_error()),
        "DeploymentDoesNotExistException"
    );
    let err = c
        .codedeploy
        .get_deployment()
        .deployment_id("nope")
        .send()
        .await
        .expect_err("invalid");
    assert_eq!(
        code(&err.into_service_error()),
        "InvalidDeploymentIdException"
    );
    let err = c
        .codedeploy
        .get_deployment_group()
        .application_name("web")
        .deployment_group_name("nope")
        .send()
        .await
        .expect_err("missing group");
    assert_eq!(
        code(&err.into_service_error()),
        "DeploymentGroupDoesNotExistException"
    );

    // A deployment that is not Ready cannot be continued; the list filters by status.
    let v2 = register_version(&c, "img:v2", "v2").await;
    let id = deploy(&c, &v2, None).await;
    let err = c
        .codedeploy
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(aws_sdk_codedeploy::types::DeploymentWaitType::TerminationWait)
        .send()
        .await
        .expect_err("not ready");
    assert_eq!(
        code(&err.into_service_error()),
        "DeploymentIsNotInReadyStateException"
    );
    let active = c
        .codedeploy
        .list_deployments()
        .application_name("web")
        .deployment_group_name("web-prod")
        .include_only_statuses(aws_sdk_codedeploy::types::DeploymentStatus::Created)
        .include_only_statuses(aws_sdk_codedeploy::types::DeploymentStatus::InProgress)
        .include_only_statuses(aws_sdk_codedeploy::types::DeploymentStatus::Ready)
        .send()
        .await
        .expect("list");
    assert_eq!(active.deployments(), std::slice::from_ref(&id));
    let err = deploy_err(&c, &v2).await;
    assert_eq!(err, "DeploymentLimitExceededException");
    emulator.shutdown().await;
}

async fn deploy_err(c: &Clients, td: &str) -> String {
    let err = create_deployment(c, &appspec(td).to_string())
        .send()
        .await
        .expect_err("refused");
    code(&err.into_service_error())
}

#[tokio::test]
async fn injected_faults_reach_the_sdk_as_the_services_own_errors() {
    let emulator = start(60.0).await;
    let c = clients(&emulator).await;
    emulator.faults().add(ecsbg_emulator::faults::FaultRule {
        service: "cloudwatch".into(),
        operation: "DescribeAlarms".into(),
        kind: ecsbg_emulator::faults::FaultKind::Throttle { per_second: 0.0 },
        count: Some(1),
        probability: None,
    });
    let err = c
        .cloudwatch
        .describe_alarms()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(code(&err.into_service_error()), "Throttling");
    c.cloudwatch
        .describe_alarms()
        .send()
        .await
        .expect("the rule was for one call");
    emulator.faults().add(ecsbg_emulator::faults::FaultRule {
        service: "codedeploy".into(),
        operation: "*".into(),
        kind: ecsbg_emulator::faults::FaultKind::Error {
            status: 400,
            code: "ThrottlingException".into(),
            message: "Rate exceeded".into(),
        },
        count: Some(1),
        probability: None,
    });
    let err = c
        .codedeploy
        .get_application()
        .application_name("web")
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(code(&err.into_service_error()), "ThrottlingException");
    let calls = emulator.calls();
    assert_eq!(calls.get("cloudwatch.DescribeAlarms"), Some(&2));
    assert_eq!(calls.get("codedeploy.GetApplication"), Some(&1));
    emulator.shutdown().await;
}
