//! CreateService refuses bad native settings with InvalidParameterException and a sentence naming the
//! field, and creates nothing: a table of cases driven with the real aws-sdk-ecs client.

mod common;
mod native_support;

use aws_sdk_ecs::types::{
    AdvancedConfiguration, CanaryConfiguration, DeploymentConfiguration, DeploymentController,
    DeploymentControllerType, DeploymentLifecycleHook, DeploymentLifecycleHookStage as Stage,
    DeploymentLifecycleHookTargetType, DeploymentStrategy, LinearConfiguration, LoadBalancer,
};
use common::{code, start};
use native_support::{describe_service, pause_hook, world_on, World, SERVICE};

fn load_balancer(w: &World, advanced: Option<AdvancedConfiguration>) -> LoadBalancer {
    LoadBalancer::builder()
        .target_group_arn(&w.blue_tg)
        .container_name("web")
        .container_port(80)
        .set_advanced_configuration(advanced)
        .build()
}

fn advanced(w: &World) -> aws_sdk_ecs::types::builders::AdvancedConfigurationBuilder {
    AdvancedConfiguration::builder()
        .alternate_target_group_arn(&w.green_tg)
        .production_listener_rule(&w.production_rule)
        .role_arn("arn:aws:iam::123456789012:role/ecs-infrastructure")
}

#[tokio::test]
async fn bad_native_settings_are_refused_with_the_field_named() {
    let (emulator, c, w) = world_on(start(600.0).await).await;
    let bg = || DeploymentConfiguration::builder().strategy(DeploymentStrategy::BlueGreen);
    let lambda = DeploymentLifecycleHook::builder()
        .target_type(DeploymentLifecycleHookTargetType::AwsLambda)
        .lifecycle_stages(Stage::PostScaleUp)
        .build();
    let cases: Vec<(
        &str,
        DeploymentConfiguration,
        LoadBalancer,
        DeploymentControllerType,
        &str,
    )> = vec![
        (
            "linear step below 3",
            DeploymentConfiguration::builder()
                .strategy(DeploymentStrategy::Linear)
                .linear_configuration(LinearConfiguration::builder().step_percent(2.0).build())
                .build(),
            load_balancer(&w, Some(advanced(&w).build())),
            DeploymentControllerType::Ecs,
            "linearConfiguration.stepPercent",
        ),
        (
            "canary above 100",
            DeploymentConfiguration::builder()
                .strategy(DeploymentStrategy::Canary)
                .canary_configuration(CanaryConfiguration::builder().canary_percent(150.0).build())
                .build(),
            load_balancer(&w, Some(advanced(&w).build())),
            DeploymentControllerType::Ecs,
            "canaryConfiguration.canaryPercent",
        ),
        (
            "bake over a day",
            bg().bake_time_in_minutes(1441).build(),
            load_balancer(&w, Some(advanced(&w).build())),
            DeploymentControllerType::Ecs,
            "bakeTimeInMinutes",
        ),
        (
            "Lambda hook without a target",
            bg().lifecycle_hooks(lambda).build(),
            load_balancer(&w, Some(advanced(&w).build())),
            DeploymentControllerType::Ecs,
            "lifecycleHooks[0].hookTargetArn",
        ),
        (
            "PAUSE at the production shift",
            bg().lifecycle_hooks(pause_hook(&[Stage::ProductionTrafficShift]))
                .build(),
            load_balancer(&w, Some(advanced(&w).build())),
            DeploymentControllerType::Ecs,
            "PRODUCTION_TRAFFIC_SHIFT",
        ),
        (
            "no advanced configuration",
            bg().build(),
            load_balancer(&w, None),
            DeploymentControllerType::Ecs,
            "advancedConfiguration",
        ),
        (
            "alternate equal to primary",
            bg().build(),
            load_balancer(
                &w,
                Some(advanced(&w).alternate_target_group_arn(&w.blue_tg).build()),
            ),
            DeploymentControllerType::Ecs,
            "alternateTargetGroupArn",
        ),
        (
            "production rule that does not exist",
            bg().build(),
            load_balancer(
                &w,
                Some(
                    advanced(&w)
                        .production_listener_rule(format!("{}-gone", w.production_rule))
                        .build(),
                ),
            ),
            DeploymentControllerType::Ecs,
            "productionListenerRule",
        ),
        (
            "blue/green on the CodeDeploy controller",
            bg().build(),
            load_balancer(&w, Some(advanced(&w).build())),
            DeploymentControllerType::CodeDeploy,
            "ECS deployment controller",
        ),
    ];
    for (what, config, lb, controller, names) in cases {
        let err = c
            .ecs
            .create_service()
            .cluster("demo")
            .service_name(SERVICE)
            .task_definition(&w.v1)
            .desired_count(1)
            .deployment_controller(
                DeploymentController::builder()
                    .r#type(controller)
                    .build()
                    .expect("controller"),
            )
            .deployment_configuration(config)
            .load_balancers(lb)
            .send()
            .await
            .expect_err(what);
        assert_eq!(code(&err), "InvalidParameterException", "{what}");
        let message = aws_sdk_ecs::error::ProvideErrorMetadata::message(&err)
            .unwrap_or_default()
            .to_string();
        assert!(message.contains(names), "{what}: {message}");
    }
    let services = describe_service(&c).await;
    assert!(services.is_empty(), "nothing was created");
    emulator.shutdown().await;
}
