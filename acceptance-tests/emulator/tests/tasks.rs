//! ECS ListTasks and DescribeTasks through the real Rust SDK: running tasks of a task set, and the tasks ECS
//! stops when green cannot start (an image that cannot be pulled, an essential container that exits, failed
//! ELB health checks), recorded with ECS's stop codes and words while the task set keeps launching more.

mod common;

use std::time::Duration;

use aws_sdk_ecs::types::{DesiredStatus, Task, TaskStopCode};
use common::*;

/// The running tasks of the demo's v1 are listed by service and by task set (`startedBy`), described with
/// their group and task set, and nothing is STOPPED; unknown tasks, services and clusters answer as ECS does.
#[tokio::test]
async fn running_tasks_are_listed_and_described_as_ecs_shapes_them() {
    let emulator = start(60.0).await;
    let c = clients(&emulator).await;
    let service = c
        .ecs
        .describe_services()
        .cluster("demo")
        .services("web")
        .send()
        .await
        .expect("describe services");
    let task_set = service.services()[0].task_sets()[0]
        .id()
        .expect("a task set id")
        .to_string();

    let listed = c
        .ecs
        .list_tasks()
        .cluster("demo")
        .service_name("web")
        .send()
        .await
        .expect("list tasks");
    assert_eq!(listed.task_arns().len(), 2, "{listed:?}");
    let by_set = c
        .ecs
        .list_tasks()
        .cluster("demo")
        .started_by(&task_set)
        .send()
        .await
        .expect("list by startedBy");
    assert_eq!(by_set.task_arns(), listed.task_arns());
    let described = c
        .ecs
        .describe_tasks()
        .cluster("demo")
        .set_tasks(Some(listed.task_arns().to_vec()))
        .tasks("0123456789abcdef")
        .send()
        .await
        .expect("describe tasks");
    assert_eq!(described.tasks().len(), 2);
    for t in described.tasks() {
        assert_eq!(t.last_status(), Some("RUNNING"));
        assert_eq!(t.desired_status(), Some("RUNNING"));
        assert_eq!(t.group(), Some("service:web"));
        assert_eq!(t.started_by(), Some(task_set.as_str()));
        assert!(t
            .task_definition_arn()
            .is_some_and(|a| a.ends_with("task-definition/web:1")));
        assert_eq!(t.containers()[0].name(), Some("web"));
    }
    assert_eq!(described.failures()[0].reason(), Some("MISSING"));
    assert!(described.failures()[0]
        .arn()
        .is_some_and(|a| a.ends_with(":task/demo/0123456789abcdef")));

    let stopped = c
        .ecs
        .list_tasks()
        .cluster("demo")
        .service_name("web")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .expect("list stopped");
    assert!(stopped.task_arns().is_empty());

    let err = c
        .ecs
        .list_tasks()
        .cluster("demo")
        .service_name("nope")
        .send()
        .await
        .expect_err("unknown service");
    assert_eq!(code(&err), "ServiceNotFoundException");
    let err = c
        .ecs
        .list_tasks()
        .cluster("nope")
        .send()
        .await
        .expect_err("unknown cluster");
    assert_eq!(code(&err), "ClusterNotFoundException");
    let err = c
        .ecs
        .describe_tasks()
        .cluster("demo")
        .send()
        .await
        .expect_err("no tasks");
    assert_eq!(code(&err), "InvalidParameterException");
}

/// Deploys `image` with `env` on the web container and waits until ECS has stopped at least `count` of
/// green's tasks; returns them (described) and green's task set id.
async fn stopped_green_tasks(
    image: &str,
    env: &[(&str, &str)],
    count: usize,
) -> (Vec<Task>, String) {
    let emulator = start(60.0).await;
    let c = clients(&emulator).await;
    let td = register_web(&c, image, env).await;
    let id = deploy(&c, &td, None).await;
    let green = eventually(Duration::from_secs(30), "green's task set", || async {
        let target = c
            .codedeploy
            .get_deployment_target()
            .deployment_id(&id)
            .target_id("demo:web")
            .send()
            .await
            .ok()?;
        target
            .deployment_target()?
            .ecs_target()?
            .task_sets_info()
            .iter()
            .find(|t| t.task_set_label().map(|l| l.as_str()) == Some("Green"))?
            .identifer()
            .map(str::to_string)
    })
    .await;
    let tasks = eventually(Duration::from_secs(30), "green's stopped tasks", || async {
        let listed = c
            .ecs
            .list_tasks()
            .cluster("demo")
            .started_by(&green)
            .desired_status(DesiredStatus::Stopped)
            .send()
            .await
            .ok()?;
        if listed.task_arns().len() < count {
            return None;
        }
        let described = c
            .ecs
            .describe_tasks()
            .cluster("demo")
            .set_tasks(Some(listed.task_arns().to_vec()))
            .send()
            .await
            .ok()?;
        Some(described.tasks().to_vec())
    })
    .await;
    // ECS keeps trying: the task set still wants its tasks and launches replacements.
    let running = c
        .ecs
        .list_tasks()
        .cluster("demo")
        .started_by(&green)
        .send()
        .await
        .expect("list running");
    assert!(!running.task_arns().is_empty(), "replacements are launched");
    assert_eq!(status(&c, &id).await, "InProgress", "Install still waits");
    (tasks, green)
}

#[tokio::test]
async fn an_image_that_cannot_be_pulled_stops_tasks_that_failed_to_start() {
    let image = "ghcr.io/acme/web:does-not-exist";
    let (tasks, green) = stopped_green_tasks(image, &[], 3).await;
    for t in &tasks {
        assert_eq!(t.last_status(), Some("STOPPED"));
        assert_eq!(t.desired_status(), Some("STOPPED"));
        assert_eq!(t.started_by(), Some(green.as_str()));
        assert_eq!(t.group(), Some("service:web"));
        assert_eq!(t.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
        let reason = format!("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: {image}: not found");
        assert_eq!(t.stopped_reason(), Some(reason.as_str()));
        let web = &t.containers()[0];
        assert_eq!(web.name(), Some("web"));
        assert_eq!(web.exit_code(), None, "it never ran");
        assert_eq!(web.reason(), Some(reason.as_str()));
        assert!(t.stopped_at().is_some());
    }
}

#[tokio::test]
async fn an_essential_container_that_exits_stops_its_task_with_the_exit_code() {
    let (tasks, _) =
        stopped_green_tasks("ghcr.io/acme/web:v2", &[("EMULATOR_EXIT_CODE", "3")], 1).await;
    let t = &tasks[0];
    assert_eq!(t.stop_code(), Some(&TaskStopCode::EssentialContainerExited));
    assert_eq!(
        t.stopped_reason(),
        Some("Essential container in task exited")
    );
    assert_eq!(t.containers()[0].exit_code(), Some(3));
    assert_eq!(t.containers()[0].reason(), None);
}

#[tokio::test]
async fn a_target_that_fails_health_checks_is_replaced_naming_the_target_group() {
    let (tasks, _) =
        stopped_green_tasks("ghcr.io/acme/web:v2", &[("EMULATOR_UNHEALTHY", "true")], 2).await;
    let t = &tasks[0];
    assert_eq!(
        t.stop_code(),
        Some(&TaskStopCode::ServiceSchedulerInitiated)
    );
    let reason = t.stopped_reason().unwrap_or_default();
    assert!(
        reason.starts_with("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/"),
        "{reason}"
    );
}
