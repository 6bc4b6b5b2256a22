//! More of `ecsbg_deployment` through real `terraform` and the emulator: Lambda hooks, canary weights on the
//! production listener, many services in one apply under throttling, drift from outside, import.

use std::path::Path;
use std::time::Duration;

use ecsbg_acceptance::emulator::{
    demo_seed, http_get, many_services_seed, shell_function, wait_until, Running,
};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{
    flat, many_web_deployments, web_deployment, web_resource, Install, Run, Workspace,
    PROVIDER_HEADER as HEADER,
};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const SCALE: f64 = 60.0;

#[test]
fn a_failing_lambda_hook_rolls_back_and_is_reported() -> anyhow::Result<()> {
    let mut seed = demo_seed()?;
    seed.functions.push(shell_function(
        "CodeDeployHook_smoke",
        "echo smoke failed >&2; exit 1",
    ));
    let Stage { emu, ws } =
        Stage::start(PROVIDER, seed, SCALE)?.serving(&web_deployment("v1", ""))?;
    let hooks = "  hooks {\n    after_allow_test_traffic = \"CodeDeployHook_smoke\"\n  }\n";
    let apply = ws.try_apply(&web_deployment("v2", hooks))?;
    let out = flat(&apply.output());
    assert_ne!(apply.code, 0);
    assert!(out.contains("HOOK_EXECUTION_FAILURE"), "{out}");
    assert!(
        out.contains("lifecycle event AfterAllowTestTraffic failed"),
        "{out}"
    );
    assert!(out.contains("rolled back"), "{out}");
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v1");
    Ok(())
}

#[test]
fn canary_weights_step_on_the_production_listener() -> anyhow::Result<()> {
    let mut seed = demo_seed()?;
    seed.deployment_configs
        .push(ecsbg_emulator::seed::SeedDeploymentConfig {
            name: "Canary20Every3".into(),
            kind: "TimeBasedCanary".into(),
            percentage: 20,
            interval_minutes: 3,
        });
    let Stage { emu, ws } =
        Stage::start(PROVIDER, seed, SCALE)?.serving(&web_deployment("v1", ""))?;
    let prod = emu.listener("web/production");
    let child = ws.spawn_apply(&web_deployment(
        "v2",
        "  deployment_config_name = \"Canary20Every3\"\n",
    ))?;
    let listener = emu.emulator.seed_report().listeners["web/production"]
        .arn
        .clone();
    let weights = |emu: &Running| -> Vec<u64> {
        emu.emulator.snapshot()["listeners"]
            .as_array()
            .and_then(|ls| ls.iter().find(|l| l["arn"] == listener.as_str()).cloned())
            .and_then(|l| l["forward"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|f| f[1].as_u64().unwrap_or(0))
            .collect()
    };
    assert!(
        wait_until(Duration::from_secs(60), || weights(&emu) == [80, 20]),
        "never saw the canary step 80/20"
    );
    let v2 = (0..10)
        .filter(|_| http_get(&prod).1 == "Hello from v2")
        .count();
    assert_eq!(
        v2, 2,
        "20% of production requests reach green during the canary"
    );
    let run = Run::from(child.wait_with_output()?);
    assert!(run.code == 0, "{}", run.stderr);
    assert_eq!(weights(&emu), [0, 100]);
    assert_eq!(http_get(&prod).1, "Hello from v2");
    Ok(())
}

#[test]
fn twenty_services_roll_out_in_one_apply_under_throttling() -> anyhow::Result<()> {
    const N: usize = 20;
    let Stage { emu, ws } = Stage::start(PROVIDER, many_services_seed(N)?, SCALE)?;
    emu.emulator
        .faults()
        .add(ecsbg_emulator::faults::FaultRule {
            service: "codedeploy".into(),
            operation: "*".into(),
            kind: ecsbg_emulator::faults::FaultKind::Throttle { per_second: 10.0 },
            count: None,
            probability: None,
        });
    let parallel = ["-parallelism=20"];
    ws.try_apply_with(&many_web_deployments(N, "v1"), &parallel)?
        .success()?;
    let apply = ws.try_apply_with(&many_web_deployments(N, "v2"), &parallel)?;
    assert_eq!(apply.code, 0, "{}", apply.output());
    assert!(
        apply.stdout.contains(&format!("{N} changed")),
        "{}",
        apply.output()
    );
    for i in 0..N {
        assert_eq!(
            http_get(&emu.listener(&format!("web{i}/production"))).1,
            "Hello from v2",
            "service web{i}"
        );
    }
    Ok(())
}

/// A refresh of many services asks CodeDeploy in batches: the account's deployments in flight are listed
/// once for every read arriving within two seconds (not once per round of reads), and the deployment
/// groups are read several to a call rather than one each.
#[test]
fn a_plan_of_twenty_services_lists_deployments_in_flight_once() -> anyhow::Result<()> {
    const N: usize = 20;
    let Stage { emu, ws } = Stage::many_serving_v1(PROVIDER, N, SCALE, 20)?;
    emu.emulator.reset_calls();
    let plan = ws.run(&["plan", "-parallelism=20", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 0, "expected an empty plan:\n{}", plan.output());
    let calls = emu.emulator.calls();
    let count = |op: &str| calls.get(op).copied().unwrap_or(0);
    let listings = count("codedeploy.ListDeployments");
    let group_reads = count("codedeploy.BatchGetDeploymentGroups");
    assert!(
        (1..=2).contains(&listings),
        "{listings} ListDeployments for {N} refreshed resources: {calls:?}"
    );
    assert!(
        (1..N as u64).contains(&group_reads),
        "{group_reads} BatchGetDeploymentGroups for {N} resources: {calls:?}"
    );
    Ok(())
}

async fn deploy_outside_terraform(endpoint: &str) -> anyhow::Result<String> {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .load()
        .await;
    let ecs = aws_sdk_ecs::Client::new(&config);
    let cd = aws_sdk_codedeploy::Client::new(&config);
    let td = ecs
        .register_task_definition()
        .family("web")
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image("ghcr.io/acme/web:hotfix")
                .port_mappings(
                    aws_sdk_ecs::types::PortMapping::builder()
                        .container_port(80)
                        .build(),
                )
                .build(),
        )
        .send()
        .await?;
    let arn = td
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_string();
    let appspec = serde_json::json!({"version": "0.0", "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": arn, "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}}}}]});
    let id = cd
        .create_deployment()
        .application_name("web")
        .deployment_group_name("web-prod")
        .revision(
            aws_sdk_codedeploy::types::RevisionLocation::builder()
                .revision_type(aws_sdk_codedeploy::types::RevisionLocationType::AppSpecContent)
                .app_spec_content(
                    aws_sdk_codedeploy::types::AppSpecContent::builder()
                        .content(appspec.to_string())
                        .build(),
                )
                .build(),
        )
        .send()
        .await?
        .deployment_id()
        .unwrap_or_default()
        .to_string();
    loop {
        let status = cd
            .get_deployment()
            .deployment_id(&id)
            .send()
            .await?
            .deployment_info()
            .and_then(|d| d.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        match status.as_str() {
            "Ready" => {
                cd.continue_deployment()
                    .deployment_id(&id)
                    .deployment_wait_type(aws_sdk_codedeploy::types::DeploymentWaitType::ReadyWait)
                    .send()
                    .await?;
            }
            "Succeeded" => return Ok(arn),
            "Failed" | "Stopped" => anyhow::bail!("outside deployment {status}"),
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn a_deployment_made_outside_terraform_shows_up_as_drift() -> anyhow::Result<()> {
    let Stage { emu, ws } =
        Stage::start(PROVIDER, demo_seed()?, SCALE)?.serving(&web_deployment("v1", ""))?;
    let hotfix = emu.block_on(deploy_outside_terraform(&emu.emulator.endpoint_url()))?;
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    let out = flat(&plan.output());
    assert_eq!(plan.code, 2, "{out}");
    assert!(
        out.contains("image ghcr.io/acme/web:hotfix → ghcr.io/acme/web:v1"),
        "{out}"
    );
    assert!(
        out.contains(&hotfix),
        "the refreshed state names what serves production: {out}"
    );
    Ok(())
}

#[test]
fn import_by_application_and_group_then_the_matching_plan_is_empty() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    ws.write_main(&format!(
        "{HEADER}import {{\n  to = ecsbg_deployment.web\n  id = \"web:web-prod\"\n}}\n"
    ))?;
    let generated = ws.run(&["plan", "-generate-config-out=generated.tf"])?;
    assert!(
        generated.output().contains("1 to import"),
        "{}",
        generated.output()
    );
    let text = std::fs::read_to_string(ws.dir.join("generated.tf"))?;
    assert!(
        text.contains("deployment_group_name")
            && text.contains("web-prod")
            && text.contains("task_definition"),
        "{text}"
    );
    // The generated block is usable as it is: planning with it imports and changes nothing.
    let plan = ws.run(&["plan"])?.success()?;
    assert!(
        plan.output()
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.output()
    );
    std::fs::remove_file(ws.dir.join("generated.tf"))?;

    ws.write_main(&format!(
        "{HEADER}import {{\n  to = ecsbg_deployment.web\n  id = \"web:web-prod\"\n}}\n{}",
        web_resource("web", "web", "web-prod", "v1", "")
    ))?;
    let apply = ws.run(&["apply", "-auto-approve"])?.success()?;
    assert!(apply.output().contains("1 imported"), "{}", apply.output());
    assert_eq!(emu.calls("codedeploy.CreateDeployment"), 0);
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 0, "{}", plan.output());
    let other = Workspace::new(Path::new(PROVIDER), Install::DevOverrides)?;
    other.write_main(&format!(
        "{HEADER}import {{\n  to = ecsbg_deployment.web\n  id = \"no-colon\"\n}}\n{}",
        web_resource("web", "web", "web-prod", "v1", "")
    ))?;
    let bad = other.run(&["plan"])?;
    assert_ne!(bad.code, 0);
    assert!(
        flat(&bad.output()).contains("is not <application>:<deployment_group>"),
        "{}",
        bad.output()
    );
    Ok(())
}
