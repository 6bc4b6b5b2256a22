//! Leaving CodeDeploy (issue 19), through the real `terraform` binary against the emulator, with real HTTP
//! through the listeners: a CodeDeploy world serving v1 through `ecsbg_deployment`; the service moved in
//! place onto ECS blue/green with UpdateService (what hashicorp/aws sends when `deployment_controller` and
//! `deployment_configuration` change) and the CodeDeploy group deleted; the resource switched to
//! `cluster_name`/`service_name`. The plan says what happens (and refuses a new task definition in the same
//! step), the apply adopts v1 without a deployment, the next plan is empty, and v2 ships natively through
//! a gate. ECS refuses the move while a CodeDeploy deployment is in flight.

use ecsbg_acceptance::emulator::{demo_seed, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, web_deployment, Run};
use serde_json::json;

mod native_world;

use native_world::{body, clients, gate, service_config, state, weighted_rule, PROVIDER, SCALE};

/// The demo's `web` on the ECS-native engine at `version`, with `extra` HCL inside the resource.
fn native(version: &str, extra: &str) -> String {
    service_config("web", version, "{ containerPort = 80 }", extra)
}

fn said(run: &Run) -> String {
    flat(&run.output())
}

/// The demo's target groups and its production and test listeners, by ARN.
struct Elb {
    blue: String,
    green: String,
    production: String,
    test: String,
}

async fn elb(
    emu: &Running,
    client: &aws_sdk_elasticloadbalancingv2::Client,
) -> anyhow::Result<Elb> {
    let tgs = client
        .describe_target_groups()
        .names("web-blue")
        .names("web-green")
        .send()
        .await?;
    let tg = |name: &str| {
        tgs.target_groups()
            .iter()
            .find(|t| t.target_group_name() == Some(name))
            .and_then(|t| t.target_group_arn())
            .unwrap_or_default()
            .to_string()
    };
    let lbs = client.describe_load_balancers().names("web").send().await?;
    let lb = lbs.load_balancers()[0]
        .load_balancer_arn()
        .unwrap_or_default()
        .to_string();
    let listeners = client
        .describe_listeners()
        .load_balancer_arn(lb)
        .send()
        .await?;
    let by_url = |label: &str| {
        let url = emu.listener(label);
        listeners
            .listeners()
            .iter()
            .find(|l| l.port().is_some_and(|p| url.ends_with(&format!(":{p}"))))
            .and_then(|l| l.listener_arn())
            .unwrap_or_default()
            .to_string()
    };
    Ok(Elb {
        blue: tg("web-blue"),
        green: tg("web-green"),
        production: by_url("web/production"),
        test: by_url("web/test"),
    })
}

/// What the hashicorp/aws side of the migration does, in AWS calls: a listener rule on each listener
/// forwarding to both target groups (`aws_lb_listener_rule`; the serving one at weight 100), then one
/// UpdateService moving `demo/web` to the ECS controller with BLUE_GREEN, a PAUSE hook after test traffic
/// and `advancedConfiguration` naming the rules (`aws_ecs_service`). Returns UpdateService's answer, or
/// AWS's error body.
fn migrate_service(emu: &Running) -> anyhow::Result<Result<serde_json::Value, String>> {
    let (elb, rules) = emu.block_on(async {
        let (_, client, _) = clients(emu).await;
        let elb = elb(emu, &client).await?;
        let tgs = [elb.blue.clone(), elb.green.clone()];
        let mut rules = Vec::new();
        for listener in [&elb.production, &elb.test] {
            rules.push(weighted_rule(&client, listener, &tgs).await?);
        }
        anyhow::Ok((elb, rules))
    })?;
    Ok(emu.try_ecs(
        "UpdateService",
        &json!({
            "cluster": "demo",
            "service": "web",
            "deploymentController": {"type": "ECS"},
            "deploymentConfiguration": {
                "strategy": "BLUE_GREEN",
                "bakeTimeInMinutes": 1,
                "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]
            },
            "loadBalancers": [{
                "targetGroupArn": elb.blue,
                "containerName": "web",
                "containerPort": 80,
                "advancedConfiguration": {
                    "alternateTargetGroupArn": elb.green,
                    "productionListenerRule": rules[0],
                    "testListenerRule": rules[1],
                    "roleArn": "arn:aws:iam::123456789012:role/ecs-infrastructure"
                }
            }]
        }),
    ))
}

/// The demo service's controller and the task definitions of its deployments, as DescribeServices says.
fn service_view(emu: &Running) -> (String, Vec<String>) {
    let out = emu.ecs(
        "DescribeServices",
        &json!({"cluster": "demo", "services": ["web"]}),
    );
    let service = &out["services"][0];
    let deployments = service["deployments"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .filter_map(|d| d["taskDefinition"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (
        service["deploymentController"]["type"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        deployments,
    )
}

#[test]
fn a_codedeploy_service_moves_to_native_in_place_and_ships_v2_through_a_gate() -> anyhow::Result<()>
{
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let production = emu.listener("web/production");
    ws.apply(&web_deployment("v1", ""))?;
    let v1 = state(&ws, "task_definition_arn")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(v1.contains(":task-definition/web:"), "{v1}");
    assert_eq!(
        emu.calls("codedeploy.CreateDeployment"),
        0,
        "adopting must not deploy"
    );

    // The hashicorp/aws side: the service moves in place, the CodeDeploy group and application go.
    let moved = migrate_service(&emu)?.map_err(anyhow::Error::msg)?;
    assert_eq!(moved["service"]["deploymentController"]["type"], "ECS");
    assert_eq!(
        service_view(&emu),
        ("ECS".to_string(), vec![v1.clone()]),
        "the task set became the service's one deployment, still v1"
    );
    assert_eq!(
        body(&production),
        "Hello from v1",
        "moving the controller does not touch traffic"
    );
    emu.codedeploy(
        "DeleteDeploymentGroup",
        &json!({"applicationName": "web", "deploymentGroupName": "web-prod"}),
    );
    emu.codedeploy("DeleteApplication", &json!({"applicationName": "web"}));
    let updates = emu.calls("ecs.UpdateService");
    let registered = emu.calls("ecs.RegisterTaskDefinition");

    // A new task definition in the same step is refused, on the attribute, before anything happens.
    ws.write_main(&native("v2", ""))?;
    let both = ws.run(&["plan"])?;
    assert_ne!(both.code, 0, "{}", both.output());
    for words in [
        "Migrate first, then roll out",
        "web:web-prod",
        "demo/web",
        &v1,
        "two applies",
        "task_definition",
    ] {
        assert!(
            said(&both).contains(words),
            "{words:?} missing: {}",
            both.output()
        );
    }

    // The switch itself: the plan says it in words, the apply adopts v1 without a deployment.
    ws.write_main(&native("v1", ""))?;
    let plan = ws.run(&["plan"])?;
    assert_eq!(plan.code, 0, "{}", plan.output());
    for words in [
        "web:web-prod no longer deploys through CodeDeploy",
        "moves from CodeDeploy web:web-prod to ECS-native deployments of demo/web",
        &format!("adopts {v1}, which serves production now, without a rollout"),
        "can be removed",
        "must be replaced",
    ] {
        assert!(
            said(&plan).contains(words),
            "{words:?} missing: {}",
            plan.output()
        );
    }
    let apply = ws.run(&["apply", "-auto-approve"])?;
    assert_eq!(apply.code, 0, "{}", apply.output());
    assert!(
        apply.stdout.contains("1 added, 0 changed, 1 destroyed"),
        "{}",
        apply.output()
    );
    assert_eq!(
        emu.calls("ecs.UpdateService"),
        updates,
        "adopting must not deploy"
    );
    assert_eq!(emu.calls("ecs.RegisterTaskDefinition"), registered);
    assert_eq!(state(&ws, "id")?, "demo/web");
    assert_eq!(state(&ws, "task_definition_arn")?, v1.as_str());
    assert!(state(&ws, "application_name")?.is_null());
    assert_eq!(body(&production), "Hello from v1");
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode"])?.code,
        0,
        "the adopted service plans no change"
    );

    // v2 ships natively: a service deployment, held for the gate on the test listener.
    let ship = ws.try_apply(&native("v2", &gate("Hello from v2")))?;
    assert_eq!(ship.code, 0, "{}", ship.output());
    assert_eq!(
        emu.calls("ecs.UpdateService"),
        updates + 1,
        "one native rollout"
    );
    assert_eq!(emu.calls("codedeploy.CreateDeployment"), 0);
    assert_eq!(body(&production), "Hello from v2");
    let v2 = state(&ws, "task_definition_arn")?;
    assert_ne!(v2, v1.as_str());
    assert_eq!(state(&ws, "previous_task_definition_arn")?, v1.as_str());
    assert_eq!(state(&ws, "status")?, "Succeeded");
    assert_eq!(
        service_view(&emu).1,
        vec![v2.as_str().unwrap_or_default().to_string()]
    );
    assert_eq!(ws.run(&["plan", "-detailed-exitcode"])?.code, 0);
    Ok(())
}

#[test]
fn the_service_cannot_leave_codedeploy_while_a_deployment_is_in_flight() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed()?, SCALE)?;
    let v1 = emu.ecs("DescribeTaskDefinition", &json!({"taskDefinition": "web"}))["taskDefinition"]
        ["taskDefinitionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let appspec = json!({"version": 0.0, "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
        "TaskDefinition": v1, "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}}}}]});
    let started = emu.codedeploy(
        "CreateDeployment",
        &json!({"applicationName": "web", "deploymentGroupName": "web-prod",
            "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec.to_string()}}}),
    );
    let id = started["deploymentId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let refused = migrate_service(&emu)?.expect_err("ECS must refuse while CodeDeploy deploys");
    assert!(refused.contains("InvalidParameterException"), "{refused}");
    assert!(
        refused.contains(&id) && refused.contains("in progress"),
        "{refused}"
    );
    assert_eq!(service_view(&emu).0, "CODE_DEPLOY", "nothing changed");
    Ok(())
}
