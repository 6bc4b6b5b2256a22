//! Edges of the ECS-native engine through the real `terraform` binary against the emulator: a service that
//! does not exist at plan (created by the same configuration) plans with a warning and is deployed to once
//! it exists, and fails the apply changing nothing while it still does not; `wait_for = "traffic_shifted"`
//! returns while ECS still bakes; `redeploy_triggers` starts a service deployment of the revision already
//! serving; a `container_port` other than the service's load balancer port fails the plan.

use ecsbg_acceptance::emulator::{demo_seed, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, Run, Workspace};

mod native_world;

use native_world::{body, build_without_service, clients, state, Setup, World, PROVIDER, SCALE};

/// Service `demo/native` on v1, ECS controller, BLUE_GREEN with a bake of `bake_minutes`, as
/// hashicorp/aws's `aws_ecs_service` would create it.
fn create_service(emu: &Running, w: &World, bake_minutes: i32) -> anyhow::Result<()> {
    native_world::create_service(
        emu,
        w,
        &Setup {
            bake_minutes,
            ..Setup::default()
        },
    )
}

/// Two target groups, a load balancer with a production and a test listener (a weighted rule on each) and
/// v1 of family `native`; no service yet.
fn world(emu: &Running) -> anyhow::Result<World> {
    build_without_service(emu, false)
}

/// The service deployments of `demo/native`, newest first, as (ARN, status, stage).
fn service_deployments(emu: &Running) -> anyhow::Result<Vec<(String, String, String)>> {
    emu.block_on(async {
        let (ecs, _, _) = clients(emu).await;
        let listed = ecs
            .list_service_deployments()
            .cluster("demo")
            .service("native")
            .send()
            .await?;
        let mut out = Vec::new();
        for brief in listed.service_deployments() {
            let arn = brief.service_deployment_arn().unwrap_or_default();
            let described = ecs
                .describe_service_deployments()
                .service_deployment_arns(arn)
                .send()
                .await?;
            for d in described.service_deployments() {
                out.push((
                    arn.to_string(),
                    d.status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    d.lifecycle_stage()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                ));
            }
        }
        anyhow::Ok(out)
    })
}

/// `demo/native` at `version` (its container also mapping port 8080), with `extra` HCL inside the resource.
fn config(version: &str, extra: &str) -> String {
    native_world::config_with_ports(
        version,
        "{ containerPort = 80 }, { containerPort = 8080 }",
        extra,
    )
}

/// `terraform plan -out=tfplan` of `hcl`, which must succeed warning that the service is not found now.
fn plan_without_the_service(ws: &Workspace, hcl: &str) -> anyhow::Result<Run> {
    ws.write_main(hcl)?;
    let plan = ws.run(&["plan", "-out=tfplan"])?;
    assert_eq!(plan.code, 0, "{}", plan.output());
    let said = flat(&plan.output());
    assert!(
        said.contains("ECS service not found now")
            && said.contains("If this configuration creates it"),
        "{}",
        plan.output()
    );
    Ok(plan)
}

#[test]
fn a_service_created_between_plan_and_apply_is_deployed_to() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let w = world(&emu)?;
    plan_without_the_service(&ws, &config("v2", ""))?;
    // What hashicorp/aws would do earlier in the same apply: create the service, serving v1.
    create_service(&emu, &w, 0)?;
    assert_eq!(body(&w.production_url), "Hello from v1");
    let apply = ws.run(&["apply", "tfplan"])?;
    assert_eq!(apply.code, 0, "{}", apply.output());
    assert_eq!(body(&w.production_url), "Hello from v2");
    assert_eq!(state(&ws, "status")?, "Succeeded");
    assert_eq!(state(&ws, "previous_task_definition_arn")?, w.v1.as_str());
    assert_eq!(emu.calls("ecs.UpdateService"), 1);
    // And the next plan has nothing to do.
    let again = ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(again.code, 0, "{}", again.output());
    Ok(())
}

#[test]
fn a_service_still_missing_at_apply_fails_and_nothing_is_deployed() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    world(&emu)?;
    plan_without_the_service(&ws, &config("v2", ""))?;
    let registered = emu.calls("ecs.RegisterTaskDefinition");
    let apply = ws.run(&["apply", "tfplan"])?;
    assert_ne!(apply.code, 0, "{}", apply.output());
    let said = flat(&apply.output());
    for words in [
        "ECS service not found",
        "Cluster \"demo\" has no active service \"native\". Nothing was registered or deployed.",
        "service_name",
    ] {
        assert!(
            said.contains(words),
            "{words:?} missing: {}",
            apply.output()
        );
    }
    assert_eq!(emu.calls("ecs.RegisterTaskDefinition"), registered);
    assert_eq!(emu.calls("ecs.UpdateService"), 0);
    assert_eq!(emu.calls("ecs.CreateService"), 0);
    assert!(ws.resource_values("ecsbg_deployment.web").is_err() || state(&ws, "id")?.is_null());
    Ok(())
}

#[test]
fn wait_for_traffic_shifted_returns_while_ecs_still_bakes() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let w = world(&emu)?;
    // ECS keeps blue for 20 emulated minutes (20 real seconds) after production moved.
    create_service(&emu, &w, 20)?;
    ws.apply(&config("v1", ""))?;
    let apply = ws.try_apply(&config("v2", "  wait_for = \"traffic_shifted\"\n"))?;
    assert_eq!(apply.code, 0, "{}", apply.output());
    assert_eq!(state(&ws, "status")?, "TrafficShifted");
    assert_eq!(body(&w.production_url), "Hello from v2");
    let timeline = state(&ws, "timeline")?.to_string();
    for words in [
        "production traffic on green: 100%",
        "lifecycle stage BAKE_TIME",
        "ECS finishes BAKE_TIME",
    ] {
        assert!(timeline.contains(words), "{words:?} missing: {timeline}");
    }
    let deployments = service_deployments(&emu)?;
    let ours = state(&ws, "deployment_id")?;
    let (_, status, stage) = deployments
        .iter()
        .find(|(arn, _, _)| {
            ours.as_str().is_some_and(|id| arn.ends_with(id)) || ours == arn.as_str()
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (status.as_str(), stage.as_str()),
        ("IN_PROGRESS", "BAKE_TIME"),
        "the apply returned before ECS ended its bake: {deployments:?}, ours {ours}"
    );
    Ok(())
}

#[test]
fn a_redeploy_trigger_starts_a_service_deployment_of_the_same_revision() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let w = world(&emu)?;
    create_service(&emu, &w, 0)?;
    ws.apply(&config("v2", "  redeploy_triggers = { secret = \"1\" }\n"))?;
    let shipped = state(&ws, "task_definition_arn")?;
    let before = service_deployments(&emu)?.len();
    let again = ws.try_apply(&config("v2", "  redeploy_triggers = { secret = \"2\" }\n"))?;
    assert_eq!(again.code, 0, "{}", again.output());
    let after = service_deployments(&emu)?;
    assert_eq!(
        after.len(),
        before + 1,
        "one more service deployment: {after:?}"
    );
    assert_eq!(after[0].1, "SUCCESSFUL", "{after:?}");
    assert_eq!(state(&ws, "task_definition_arn")?, shipped);
    assert_eq!(state(&ws, "status")?, "Succeeded");
    let id = state(&ws, "deployment_id")?;
    assert!(
        id.as_str().is_some_and(|id| after[0].0.ends_with(id)) || id == after[0].0.as_str(),
        "the state names the new deployment {id} ({after:?})"
    );
    assert_eq!(body(&w.production_url), "Hello from v2");
    Ok(())
}

#[test]
fn a_container_port_other_than_the_services_fails_the_plan() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let w = world(&emu)?;
    create_service(&emu, &w, 0)?;
    ws.write_main(&config(
        "v2",
        "  container_name = \"web\"\n  container_port = 8080\n",
    ))?;
    let plan = ws.run(&["plan"])?;
    assert_ne!(plan.code, 0, "{}", plan.output());
    let said = flat(&plan.output());
    for words in [
        "Not the service's load balancer port",
        "sends load balancer traffic to port 80, but `container_port` says 8080",
        "container_port = 8080",
    ] {
        assert!(said.contains(words), "{words:?} missing: {}", plan.output());
    }
    assert_eq!(emu.calls("ecs.UpdateService"), 0);
    Ok(())
}
