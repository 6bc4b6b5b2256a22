//! StopServiceDeployment ABORT and what does not start a deployment, through the real aws-sdk-ecs client.

mod common;
mod native_support;

use std::time::Duration;

use aws_sdk_ecs::types::{
    DeploymentLifecycleHookStage as Stage, DeploymentStrategy, StopServiceDeploymentStopType,
};
use common::{eventually, register_web, start};
use native_support::{
    awaiting_hook, bodies, configuration, create_paused_service, create_service, deploy_v2,
    describe_service, list_deployments, stop, update, wait_status, world_on, SERVICE,
};

#[tokio::test]
async fn abort_stops_where_the_deployment_stands() {
    let (emulator, c, w) = world_on(start(600.0).await).await;
    create_paused_service(&c, &w, Stage::PostScaleUp).await;
    let (_, arn) = deploy_v2(&c).await;
    awaiting_hook(&c, &arn, "POST_SCALE_UP").await;
    stop(&c, &arn, StopServiceDeploymentStopType::Abort).await;
    let done = wait_status(&c, &arn, "STOPPED").await;
    assert_eq!(
        done.status_reason(),
        Some("Service deployment stopped by user.")
    );
    assert!(done.stopped_at().is_some());
    assert!(done.rollback().is_none(), "an abort is not a rollback");
    assert_eq!(bodies(&w.production_url, 2).await, vec!["native v1"; 2]);
    let services = describe_service(&c).await;
    assert_eq!(
        services[0].deployments().len(),
        2,
        "both revisions are left as they were"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn desired_count_and_configuration_changes_deploy_nothing() {
    let (emulator, c, w) = world_on(start(600.0).await).await;
    create_service(&c, &w, configuration(DeploymentStrategy::BlueGreen).build()).await;
    c.ecs
        .update_service()
        .cluster("demo")
        .service(SERVICE)
        .desired_count(3)
        .deployment_configuration(configuration(DeploymentStrategy::Canary).build())
        .task_definition(&w.v1)
        .send()
        .await
        .expect("update");
    let listed = list_deployments(&c).await;
    assert_eq!(listed.len(), 1, "only CreateService's");
    eventually(
        Duration::from_secs(30),
        "three tasks of the one revision",
        || async {
            let out = c
                .ecs
                .describe_services()
                .cluster("demo")
                .services(SERVICE)
                .send()
                .await
                .ok()?;
            let s = &out.services()[0];
            let revisions = s.current_service_revisions();
            (revisions.len() == 1 && revisions[0].running_task_count() == 3).then_some(())
        },
    )
    .await;
    let out = describe_service(&c).await;
    let strategy = out[0]
        .deployment_configuration()
        .and_then(|d| d.strategy())
        .map(|s| s.as_str().to_string());
    assert_eq!(strategy.as_deref(), Some("CANARY"));
    let second = update(
        &c,
        &register_web(&c, "ghcr.io/acme/web:v2", &[("MESSAGE", "native v2")]).await,
    )
    .await;
    wait_status(&c, &second, "SUCCESSFUL").await;
    assert_eq!(bodies(&w.production_url, 3).await, vec!["native v2"; 3]);
    emulator.shutdown().await;
}
