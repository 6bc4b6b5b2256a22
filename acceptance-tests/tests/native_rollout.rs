//! `ecsbg_deployment` on the ECS-native engine through the real `terraform` binary against the emulator,
//! with real HTTP through the listener rules ECS moves: plan shows the diff; a gated apply ships v2 with
//! the gate seeing v2 on the test listener and production on v2 after; a failing gate and an alarm in the
//! bake roll back; import then plan shows no change; a service without a PAUSE hook fails the plan on
//! `test_gate` with the HCL to add.

use std::time::Duration;

use aws_sdk_ecs::types::{
    AdvancedConfiguration, ContainerDefinition, DeploymentConfiguration, DeploymentController,
    DeploymentControllerType, DeploymentLifecycleHook, DeploymentLifecycleHookStage,
    DeploymentLifecycleHookTargetType, DeploymentStrategy, KeyValuePair, LoadBalancer, PortMapping,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, PathPatternConditionConfig, ProtocolEnum,
    RuleCondition, TargetGroupTuple,
};
use ecsbg_acceptance::emulator::{demo_seed, http_get, wait_until, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, Run, Workspace, PROVIDER_HEADER};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
/// An emulated minute per real second: the service's one-minute bake is a second.
const SCALE: f64 = 60.0;

/// The native world: URLs of the production and test listeners and the v1 revision.
struct World {
    production_url: String,
    test_url: String,
    load_balancer: String,
    production_rule: String,
    green_tg: String,
    v1: String,
}

async fn clients(
    emu: &Running,
) -> (
    aws_sdk_ecs::Client,
    aws_sdk_elasticloadbalancingv2::Client,
    aws_sdk_cloudwatch::Client,
) {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(emu.emulator.endpoint_url())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .load()
        .await;
    (
        aws_sdk_ecs::Client::new(&config),
        aws_sdk_elasticloadbalancingv2::Client::new(&config),
        aws_sdk_cloudwatch::Client::new(&config),
    )
}

/// Two target groups, a load balancer with a production and a test listener, a weighted rule on each,
/// v1 of family `native`, and service `demo/native` on the ECS controller with a BLUE_GREEN strategy
/// (a PAUSE hook at POST_TEST_TRAFFIC_SHIFT when `pause`).
fn build(emu: &Running, pause: bool, bake_minutes: i32) -> anyhow::Result<World> {
    build_with(emu, pause, bake_minutes, false)
}

/// [`build`], LINEAR in 10 % steps a minute apart when `linear`.
fn build_with(
    emu: &Running,
    pause: bool,
    bake_minutes: i32,
    linear: bool,
) -> anyhow::Result<World> {
    emu.block_on(async {
        let (ecs, elbv2, _) = clients(emu).await;
        let mut tgs = Vec::new();
        for name in ["nat-blue", "nat-green"] {
            let out = elbv2
                .create_target_group()
                .name(name)
                .protocol(ProtocolEnum::Http)
                .port(80)
                .health_check_path("/health")
                .send()
                .await?;
            tgs.push(
                out.target_groups()[0]
                    .target_group_arn()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        let lb = elbv2.create_load_balancer().name("native").send().await?;
        let lb_arn = lb.load_balancers()[0]
            .load_balancer_arn()
            .unwrap_or_default()
            .to_string();
        let (mut urls, mut rules) = (Vec::new(), Vec::new());
        for _ in ["production", "test"] {
            let out = elbv2
                .create_listener()
                .load_balancer_arn(&lb_arn)
                .port(0)
                .protocol(ProtocolEnum::Http)
                .default_actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::Forward)
                        .target_group_arn(&tgs[0])
                        .build(),
                )
                .send()
                .await?;
            let listener = &out.listeners()[0];
            urls.push(format!(
                "http://127.0.0.1:{}",
                listener.port().unwrap_or_default()
            ));
            let forward = ForwardActionConfig::builder()
                .target_groups(
                    TargetGroupTuple::builder()
                        .target_group_arn(&tgs[0])
                        .weight(100)
                        .build(),
                )
                .target_groups(
                    TargetGroupTuple::builder()
                        .target_group_arn(&tgs[1])
                        .weight(0)
                        .build(),
                )
                .build();
            let rule = elbv2
                .create_rule()
                .listener_arn(listener.listener_arn().unwrap_or_default())
                .priority(1)
                .conditions(
                    RuleCondition::builder()
                        .field("path-pattern")
                        .path_pattern_config(
                            PathPatternConditionConfig::builder().values("/*").build(),
                        )
                        .build(),
                )
                .actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::Forward)
                        .forward_config(forward)
                        .build(),
                )
                .send()
                .await?;
            rules.push(rule.rules()[0].rule_arn().unwrap_or_default().to_string());
        }
        let v1 = ecs
            .register_task_definition()
            .family("native")
            .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
            .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("web")
                    .image("ghcr.io/acme/web:v1")
                    .port_mappings(PortMapping::builder().container_port(80).build())
                    .environment(
                        KeyValuePair::builder()
                            .name("MESSAGE")
                            .value("Hello from v1")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await?
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default()
            .to_string();
        let mut config = DeploymentConfiguration::builder().bake_time_in_minutes(bake_minutes);
        config = if linear {
            config
                .strategy(DeploymentStrategy::Linear)
                .linear_configuration(
                    aws_sdk_ecs::types::LinearConfiguration::builder()
                        .step_percent(10.0)
                        .step_bake_time_in_minutes(1)
                        .build(),
                )
        } else {
            config.strategy(DeploymentStrategy::BlueGreen)
        };
        if pause {
            config = config.lifecycle_hooks(
                DeploymentLifecycleHook::builder()
                    .target_type(DeploymentLifecycleHookTargetType::Pause)
                    .lifecycle_stages(DeploymentLifecycleHookStage::PostTestTrafficShift)
                    .build(),
            );
        }
        ecs.create_service()
            .cluster("demo")
            .service_name("native")
            .task_definition(&v1)
            .desired_count(2)
            .deployment_controller(
                DeploymentController::builder()
                    .r#type(DeploymentControllerType::Ecs)
                    .build()?,
            )
            .deployment_configuration(config.build())
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(&tgs[0])
                    .container_name("web")
                    .container_port(80)
                    .advanced_configuration(
                        AdvancedConfiguration::builder()
                            .alternate_target_group_arn(&tgs[1])
                            .production_listener_rule(&rules[0])
                            .test_listener_rule(&rules[1])
                            .role_arn("arn:aws:iam::123456789012:role/ecs-infrastructure")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await?;
        Ok(World {
            production_url: urls[0].clone(),
            test_url: urls[1].clone(),
            load_balancer: lb_arn,
            production_rule: rules[0].clone(),
            green_tg: tgs[1].clone(),
            v1,
        })
    })
}

/// `native` at `version`, with `extra` HCL inside the resource.
fn config(version: &str, extra: &str) -> String {
    format!(
        r#"{PROVIDER_HEADER}
resource "ecsbg_deployment" "web" {{
  cluster_name = "demo"
  service_name = "native"
  task_definition = jsonencode({{
    family = "native", networkMode = "awsvpc", requiresCompatibilities = ["FARGATE"], cpu = "256", memory = "512"
    containerDefinitions = [{{ name = "web", image = "ghcr.io/acme/web:{version}", portMappings = [{{ containerPort = 80 }}],
      environment = [{{ name = "MESSAGE", value = "Hello from {version}" }}] }}]
  }})
{extra}}}
"#
    )
}

fn gate(body: &str) -> String {
    format!("  test_gate {{\n    http {{\n      path       = \"/\"\n      body_regex = \"{body}\"\n      attempts   = 2\n      interval   = \"200ms\"\n    }}\n  }}\n")
}

fn serving_v1(pause: bool, bake_minutes: i32) -> anyhow::Result<(Stage, World)> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let world = build(&stage.emu, pause, bake_minutes)?;
    let adopt = stage.ws.apply(&config("v1", ""))?;
    assert!(adopt.stdout.contains("1 added"), "{}", adopt.output());
    assert_eq!(
        stage.emu.calls("ecs.UpdateService"),
        0,
        "adopting must not deploy"
    );
    Ok((stage, world))
}

fn state(ws: &Workspace, key: &str) -> anyhow::Result<serde_json::Value> {
    Ok(ws.resource_values("ecsbg_deployment.web")?[key].clone())
}

fn body(url: &str) -> String {
    http_get(&format!("{url}/")).1
}

/// Alarm `native-404s` on the load balancer's target 4XX count: five in a minute puts it in ALARM.
fn put_404_alarm(emu: &Running, w: &World) -> anyhow::Result<()> {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
    let dimension = w
        .load_balancer
        .split_once(":loadbalancer/")
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    emu.block_on(async {
        let (_, _, cloudwatch) = clients(emu).await;
        cloudwatch
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
    })?;
    Ok(())
}

/// Puts [`put_404_alarm`] in place and spawns the apply of v2 watching it (`extra` HCL beside).
fn spawn_alarmed_apply(
    emu: &Running,
    ws: &Workspace,
    w: &World,
    extra: &str,
) -> anyhow::Result<std::process::Child> {
    put_404_alarm(emu, w)?;
    ws.spawn_apply(&config(
        "v2",
        &format!("  alarms = [\"native-404s\"]\n{extra}"),
    ))
}

/// Twenty requests for a missing page (enough 404s to put `native-404s` in ALARM), then the apply's end.
fn provoke_404s_then_wait(child: std::process::Child, production_url: &str) -> anyhow::Result<Run> {
    for _ in 0..20 {
        http_get(&format!("{production_url}/missing"));
    }
    Ok(Run::from(child.wait_with_output()?))
}

/// Registers v3 of family `native` (saying `message` when given), as someone outside Terraform would.
async fn register_v3(ecs: &aws_sdk_ecs::Client, message: Option<&str>) -> anyhow::Result<String> {
    let mut web = ContainerDefinition::builder()
        .name("web")
        .image("ghcr.io/acme/web:v3")
        .port_mappings(PortMapping::builder().container_port(80).build());
    if let Some(message) = message {
        web = web.environment(
            KeyValuePair::builder()
                .name("MESSAGE")
                .value(message)
                .build(),
        );
    }
    Ok(ecs
        .register_task_definition()
        .family("native")
        .container_definitions(web.build())
        .send()
        .await?
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_string())
}

/// Asserts `run` failed and its output (line breaks folded) says every one of `words`.
fn assert_failed_saying(run: &Run, words: &[&str]) {
    assert_ne!(run.code, 0, "{}", run.output());
    let said = flat(&run.output());
    for words in words {
        assert!(said.contains(words), "{words:?} missing: {}", run.output());
    }
}

/// Asserts production answers v1 again and state records the v1 revision.
fn assert_back_on_v1(ws: &Workspace, w: &World) -> anyhow::Result<()> {
    assert_eq!(body(&w.production_url), "Hello from v1");
    assert_eq!(state(ws, "task_definition_arn")?, w.v1.as_str());
    Ok(())
}

/// Asserts `again` succeeded by adopting the service deployment already in flight (no second
/// UpdateService, the timeline says so) and production answers v2.
fn assert_adopted_and_shipped(
    again: &Run,
    emu: &Running,
    ws: &Workspace,
    w: &World,
) -> anyhow::Result<()> {
    assert_eq!(again.code, 0, "{}", again.output());
    assert_eq!(
        emu.calls("ecs.UpdateService"),
        1,
        "adopted, not started again"
    );
    assert!(state(ws, "timeline")?
        .to_string()
        .contains("adopted service deployment"));
    assert_eq!(body(&w.production_url), "Hello from v2");
    Ok(())
}

#[test]
fn plan_shows_the_diff_and_a_gated_apply_ships_v2() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    assert_eq!(state(&ws, "id")?, "demo/native");
    assert_eq!(state(&ws, "task_definition_arn")?, w.v1.as_str());
    assert_eq!(state(&ws, "test_listener_url")?, w.test_url.as_str());
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode"])?.code,
        0,
        "adopted v1 plans no change"
    );

    ws.write_main(&config("v2", &gate("Hello from v2")))?;
    let plan = ws.run(&["plan"])?;
    let said = flat(&plan.output());
    assert!(
        said.contains("will roll out to demo/native"),
        "{}",
        plan.output()
    );
    assert!(
        said.contains("ghcr.io/acme/web:v1") && said.contains("ghcr.io/acme/web:v2"),
        "{}",
        plan.output()
    );

    // The gate's check passes only if the test listener answers v2 while production still answers v1.
    let apply = ws.try_apply(&config("v2", &gate("Hello from v2")))?;
    assert_eq!(apply.code, 0, "{}", apply.output());
    assert_eq!(emu.calls("ecs.ContinueServiceDeployment"), 1);
    assert_eq!(body(&w.production_url), "Hello from v2");
    let timeline = state(&ws, "timeline")?.to_string();
    for line in [
        "lifecycle stage POST_TEST_TRAFFIC_SHIFT",
        "gate passed",
        "ContinueServiceDeployment CONTINUE",
        "SUCCESSFUL",
    ] {
        assert!(timeline.contains(line), "{line} missing from {timeline}");
    }
    assert_eq!(state(&ws, "status")?, "Succeeded");
    assert_eq!(state(&ws, "previous_task_definition_arn")?, w.v1.as_str());
    assert_ne!(state(&ws, "task_definition_arn")?, w.v1.as_str());
    assert_eq!(
        ws.run(&["plan", "-detailed-exitcode"])?.code,
        0,
        "after success nothing to do"
    );
    Ok(())
}

#[test]
fn a_failing_gate_rolls_back_and_fails_the_apply() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    let apply = ws.try_apply(&config("v2", &gate("Hello from v9")))?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "Gate check",
            "POST_TEST_TRAFFIC_SHIFT",
            "Hello from v9",
            "service deployment",
        ],
    );
    assert_eq!(emu.calls("ecs.ContinueServiceDeployment"), 1);
    assert_back_on_v1(&ws, &w)?;
    assert_eq!(state(&ws, "status")?, "RolledBack");
    Ok(())
}

#[test]
fn an_alarm_in_the_bake_rolls_back() -> anyhow::Result<()> {
    // ECS bakes two emulated hours (two real minutes): the alarm fires inside ECS's own BAKE_TIME.
    let (Stage { emu, ws }, w) = serving_v1(false, 120)?;
    let child = spawn_alarmed_apply(&emu, &ws, &w, "  bake_time = \"5m\"\n")?;
    let on_v2 = wait_until(Duration::from_secs(120), || {
        body(&w.production_url) == "Hello from v2"
    });
    assert!(on_v2, "production never served v2");
    let apply = provoke_404s_then_wait(child, &w.production_url)?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "alarm 'native-404s' is in ALARM",
            "BAKE_TIME",
        ],
    );
    assert!(emu.calls("ecs.StopServiceDeployment") >= 1);
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn import_then_plan_shows_no_change() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let w = build(&stage.emu, true, 1)?;
    let hcl = format!(
        "{}import {{\n  to = ecsbg_deployment.web\n  id = \"demo/native\"\n}}\n",
        config("v1", "")
    );
    let apply = stage.ws.apply(&hcl)?;
    assert!(apply.output().contains("1 imported"), "{}", apply.output());
    assert_eq!(stage.emu.calls("ecs.UpdateService"), 0);
    assert_eq!(state(&stage.ws, "task_definition_arn")?, w.v1.as_str());
    let plan = stage.ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 0, "{}", plan.output());
    Ok(())
}

#[test]
fn a_gate_without_a_pause_hook_fails_the_plan_with_the_hcl() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    build(&stage.emu, false, 1)?;
    stage.ws.write_main(&config("v2", &gate("v2")))?;
    let plan = stage.ws.run(&["plan"])?;
    assert_ne!(plan.code, 0);
    let said = flat(&plan.output());
    for words in [
        "with ecsbg_deployment.web",
        "no PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT",
        "target_type = \"PAUSE\"",
        "lifecycle_stages = [\"POST_TEST_TRAFFIC_SHIFT\"]",
    ] {
        assert!(said.contains(words), "{words:?} missing: {}", plan.output());
    }
    assert_eq!(
        stage.emu.calls("ecs.RegisterTaskDefinition"),
        1,
        "only the test's own v1"
    );
    Ok(())
}

#[test]
fn someone_elses_service_deployment_blocks_and_is_left_alone() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    // Someone ships v3 with the AWS CLI; its PAUSE hook holds it in flight.
    let foreign = emu.block_on(async {
        let (ecs, _, _) = clients(&emu).await;
        let v3 = register_v3(&ecs, None).await?;
        let out = ecs
            .update_service()
            .cluster("demo")
            .service("native")
            .task_definition(&v3)
            .send()
            .await?;
        anyhow::Ok(
            out.service()
                .and_then(|s| s.current_service_deployment())
                .unwrap_or_default()
                .to_string(),
        )
    })?;
    let short = foreign.rsplit('/').next().unwrap_or_default().to_string();
    let apply = ws.try_apply(&config("v2", ""))?;
    assert_failed_saying(
        &apply,
        &[
            "Rollout blocked by another deployment",
            short.as_str(),
            "left alone",
            "Nothing was registered or deployed",
        ],
    );
    assert_eq!(emu.calls("ecs.UpdateService"), 1, "only the foreign update");
    assert_eq!(
        emu.calls("ecs.StopServiceDeployment") + emu.calls("ecs.ContinueServiceDeployment"),
        0,
        "left alone"
    );
    assert_eq!(body(&w.production_url), "Hello from v1");
    Ok(())
}

/// A gate command that holds the first time (marking `dir/started`) and passes every later time.
fn holding_gate(dir: &std::path::Path) -> String {
    let d = dir.display();
    format!("  test_gate {{\n    command {{\n      argv = [\"sh\", \"-c\", \"if [ -e {d}/started ]; then exit 0; fi; touch {d}/started; sleep 120\"]\n    }}\n  }}\n")
}

/// `terraform apply` of `hcl` spawned in its own process group, and whether its gate came to hold.
fn spawn_held_apply(
    ws: &Workspace,
    hcl: &str,
    dir: &std::path::Path,
) -> anyhow::Result<(std::process::Child, bool)> {
    ws.write_main(hcl)?;
    let mut cmd = ws.apply_command();
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd.spawn()?;
    let held = wait_until(Duration::from_secs(90), || dir.join("started").exists());
    Ok((child, held))
}

/// `terraform apply` of `hcl` in its own process group, interrupted with Ctrl-C once the gate holds.
fn interrupted_apply(ws: &Workspace, hcl: &str, dir: &std::path::Path) -> anyhow::Result<Run> {
    let (child, held) = spawn_held_apply(ws, hcl, dir)?;
    // SAFETY: kill(2) on the process group this test started.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let run = Run::from(child.wait_with_output()?);
    anyhow::ensure!(held, "the gate never started:\n{}", run.output());
    Ok(run)
}

#[test]
fn ctrl_c_at_the_gate_rolls_back() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    let dir = tempfile::tempdir()?;
    let run = interrupted_apply(&ws, &config("v2", &holding_gate(dir.path())), dir.path())?;
    assert_ne!(run.code, 0, "{}", run.output());
    let said = flat(&run.output());
    assert!(
        said.contains("interrupted") && said.contains("rolled back"),
        "{said}"
    );
    assert!(emu.calls("ecs.StopServiceDeployment") >= 1);
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn detached_at_the_gate_then_adopted_by_the_next_apply() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    let dir = tempfile::tempdir()?;
    let hcl = config(
        "v2",
        &format!("{}  on_interrupt = \"detach\"\n", holding_gate(dir.path())),
    );
    let run = interrupted_apply(&ws, &hcl, dir.path())?;
    assert_ne!(run.code, 0, "{}", run.output());
    assert!(
        flat(&run.output()).contains("continues without Terraform"),
        "{}",
        run.output()
    );
    assert_eq!(
        emu.calls("ecs.StopServiceDeployment") + emu.calls("ecs.ContinueServiceDeployment"),
        0
    );
    assert_eq!(
        body(&w.production_url),
        "Hello from v1",
        "held at the pause, production untouched"
    );

    // The next apply follows the same service deployment (no second UpdateService) and its gate passes.
    let again = ws.try_apply(&hcl)?;
    assert_adopted_and_shipped(&again, &emu, &ws, &w)?;
    assert_eq!(emu.calls("ecs.ContinueServiceDeployment"), 1);
    Ok(())
}

#[test]
fn a_killed_apply_is_adopted_by_the_next_one() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(true, 1)?;
    let dir = tempfile::tempdir()?;
    let hcl = config("v2", &holding_gate(dir.path()));
    let (child, held) = spawn_held_apply(&ws, &hcl, dir.path())?;
    // SAFETY: kill(2) on the process group this test started: Terraform, the provider and the gate die.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let _ = child.wait_with_output()?;
    assert!(held, "the gate never started");
    assert_eq!(body(&w.production_url), "Hello from v1");

    let again = ws.try_apply(&hcl)?;
    assert_adopted_and_shipped(&again, &emu, &ws, &w)?;
    Ok(())
}

#[test]
fn a_deployment_made_outside_terraform_shows_up_as_drift() -> anyhow::Result<()> {
    let (Stage { emu, ws }, w) = serving_v1(false, 0)?;
    emu.block_on(async {
        let (ecs, _, _) = clients(&emu).await;
        let v3 = register_v3(&ecs, Some("Hello from v3")).await?;
        ecs.update_service()
            .cluster("demo")
            .service("native")
            .task_definition(&v3)
            .send()
            .await?;
        anyhow::Ok(())
    })?;
    assert!(wait_until(Duration::from_secs(60), || body(
        &w.production_url
    ) == "Hello from v3"));
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 2, "{}", plan.output());
    let said = flat(&plan.output());
    assert!(said.contains("will roll out to demo/native"), "{said}");
    assert!(
        said.contains("image ghcr.io/acme/web:v3 → ghcr.io/acme/web:v1"),
        "{said}"
    );
    Ok(())
}

#[test]
fn an_alarm_in_the_bake_after_ecs_finished_redeploys_the_previous_revision() -> anyhow::Result<()> {
    use aws_sdk_ecs::types::ServiceDeploymentStatus;
    // ECS bakes nothing, so it reports SUCCESSFUL first; the provider's own bake_time goes on.
    let (Stage { emu, ws }, w) = serving_v1(false, 0)?;
    let child = spawn_alarmed_apply(&emu, &ws, &w, "  bake_time = \"5m\"\n")?;
    let finished = wait_until(Duration::from_secs(120), || {
        emu.block_on(async {
            let (ecs, _, _) = clients(&emu).await;
            ecs.list_service_deployments()
                .cluster("demo")
                .service("native")
                .status(ServiceDeploymentStatus::Successful)
                .send()
                .await
                .map(|o| o.service_deployments().len() >= 2)
                .unwrap_or(false)
        })
    });
    assert!(finished, "ECS never finished the rollout");
    assert_eq!(body(&w.production_url), "Hello from v2");
    let apply = provoke_404s_then_wait(child, &w.production_url)?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "alarm 'native-404s' is in ALARM",
            "during the bake time after ECS finished",
            "was redeployed",
        ],
    );
    assert_eq!(emu.calls("ecs.UpdateService"), 2, "v2, then v1 again");
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn an_alarm_during_a_linear_shift_rolls_back() -> anyhow::Result<()> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let w = build_with(&stage.emu, false, 1, true)?;
    let Stage { emu, ws } = stage.serving(&config("v1", ""))?;
    let child = spawn_alarmed_apply(&emu, &ws, &w, "")?;
    // Some production requests reach v2: the shift has begun.
    let shifting = wait_until(Duration::from_secs(120), || {
        body(&w.production_url) == "Hello from v2"
    });
    assert!(shifting, "production never reached v2");
    let apply = provoke_404s_then_wait(child, &w.production_url)?;
    assert_failed_saying(
        &apply,
        &[
            "rolled back",
            "alarm 'native-404s' is in ALARM",
            "during PRODUCTION_TRAFFIC_SHIFT",
        ],
    );
    assert_back_on_v1(&ws, &w)?;
    Ok(())
}

#[test]
fn production_on_a_target_group_without_healthy_targets_refuses_the_rollout() -> anyhow::Result<()>
{
    let (Stage { emu, ws }, w) = serving_v1(false, 1)?;
    // Someone points the production rule at the idle target group by hand.
    emu.block_on(async {
        let (_, elbv2, _) = clients(&emu).await;
        elbv2
            .modify_rule()
            .rule_arn(&w.production_rule)
            .actions(
                Action::builder()
                    .r#type(ActionTypeEnum::Forward)
                    .target_group_arn(&w.green_tg)
                    .build(),
            )
            .send()
            .await
    })?;
    let registered = emu.calls("ecs.RegisterTaskDefinition");
    let apply = ws.try_apply(&config("v2", ""))?;
    assert_failed_saying(
        &apply,
        &[
            "Rollout refused before it started",
            "has no healthy targets",
            "Nothing was registered or deployed",
        ],
    );
    assert_eq!(emu.calls("ecs.UpdateService"), 0);
    assert_eq!(emu.calls("ecs.RegisterTaskDefinition"), registered);
    Ok(())
}
