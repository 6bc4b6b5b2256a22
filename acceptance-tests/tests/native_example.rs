//! The ECS-native example (`examples/scenarios/ecs-native`) as one configuration against the emulator:
//! hashicorp/aws builds the stage (ALB, listener rules, target groups, infrastructure role, the service on
//! the ECS controller with BLUE_GREEN and a PAUSE hook) and `ecsbg_deployment` ships through it in the same
//! `terraform apply` from nothing; the plan of v2 shows the diff; v2 ships through the test gate
//! (ContinueServiceDeployment); the next plan of the whole configuration is empty; destroy ends it.
//!
//! `aws_ecs_service` with `strategy` and a PAUSE `lifecycle_hook` needs hashicorp/aws 6.x. When a
//! filesystem mirror holds hashicorp/aws >= 6.4, the example is applied exactly as written. Otherwise (a
//! machine with only 5.x) `service.tf` alone is swapped for a stand-in that creates the same service with
//! the same CreateService request through the AWS CLI (a real outside client), and everything else, the
//! ecsbg_deployment included, is the example's own files; the test then also reads the service back with
//! the CLI and checks every field hashicorp/aws 6.x reads into `aws_ecs_service` against the example.

use std::path::Path;

use serde_json::{json, Value};

use ecsbg_acceptance::awscli::{Cli, Venv};
use ecsbg_acceptance::emulator::{http_get, Running};
use ecsbg_acceptance::hashicorp_aws::{emulator_override, find_at_least, HOW_TO_INSTALL};
use ecsbg_acceptance::terraform::{flat, Install, Workspace};
use ecsbg_emulator::Seed;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
/// An emulated minute per real second: the service's one-minute bake is a second.
const SCALE: f64 = 60.0;
/// The first hashicorp/aws with `deployment_configuration.strategy` (BLUE_GREEN).
const STRATEGY_SINCE: (u32, u32, u32) = (6, 4, 0);
const REGION: &str = "us-east-1";

/// A port free on 127.0.0.1 now, for a listener the configuration asks for by number.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `service.tf` for a machine without hashicorp/aws 6.x: the CreateService request hashicorp/aws 6.x
/// sends for the example's `aws_ecs_service` (its expand functions: deployment percentages and flags
/// always, `assignPublicIp` DISABLED), sent by the AWS CLI at `aws`; removed as hashicorp/aws removes it
/// (desired count 0, then DeleteService).
fn stand_in(aws: &Path, endpoint: &str) -> String {
    let cli = format!(
        "\"{}\" --region {REGION} --endpoint-url {endpoint}",
        aws.display()
    );
    format!(
        r#"# Stand-in for the example's service.tf (written by acceptance-tests/tests/native_example.rs on a machine
# without hashicorp/aws 6.x): the same service, created with the same CreateService request, by the AWS CLI.

resource "terraform_data" "web" {{
  input = {{
    cluster = aws_ecs_cluster.main.name
    name    = "web"
    request = jsonencode({{
      cluster              = aws_ecs_cluster.main.id
      serviceName          = "web"
      taskDefinition       = aws_ecs_task_definition.bootstrap.arn
      desiredCount         = 2
      launchType           = "FARGATE"
      schedulingStrategy   = "REPLICA"
      enableECSManagedTags = false
      enableExecuteCommand = false
      deploymentController = {{ type = "ECS" }}
      deploymentConfiguration = {{
        maximumPercent        = 200
        minimumHealthyPercent = 100
        strategy              = "BLUE_GREEN"
        bakeTimeInMinutes     = var.bake_time_in_minutes
        lifecycleHooks = [{{
          targetType           = "PAUSE"
          lifecycleStages      = ["POST_TEST_TRAFFIC_SHIFT"]
          timeoutConfiguration = {{ timeoutInMinutes = 60, action = "ROLLBACK" }}
        }}]
      }}
      loadBalancers = [{{
        targetGroupArn = aws_lb_target_group.blue.arn
        containerName  = "web"
        containerPort  = 80
        advancedConfiguration = {{
          alternateTargetGroupArn = aws_lb_target_group.green.arn
          productionListenerRule  = aws_lb_listener_rule.production.arn
          testListenerRule        = aws_lb_listener_rule.test.arn
          roleArn                 = aws_iam_role.ecs_infrastructure.arn
        }}
      }}]
      networkConfiguration = {{
        awsvpcConfiguration = {{ subnets = var.subnet_ids, assignPublicIp = "DISABLED" }}
      }}
    }})
  }}

  provisioner "local-exec" {{
    command     = "{cli_q} ecs create-service --cli-input-json \"$REQUEST\""
    environment = {{ REQUEST = self.input.request }}
  }}

  provisioner "local-exec" {{
    when        = destroy
    command     = "{cli_q} ecs update-service --cluster \"$CLUSTER\" --service \"$NAME\" --desired-count 0 && {cli_q} ecs delete-service --cluster \"$CLUSTER\" --service \"$NAME\""
    environment = {{ CLUSTER = self.output.cluster, NAME = self.output.name }}
  }}

  depends_on = [aws_iam_role_policy_attachment.ecs_infrastructure]
}}

locals {{
  service_name = terraform_data.web.input.name
}}
"#,
        cli_q = cli.replace('"', "\\\"")
    )
}

/// On the stand-in path, the only hashicorp/aws resource needing 6.x is gone: 5.x may build the rest.
const STAND_IN_VERSIONS: &str = r#"terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
"#;

/// Replaces the example's `service.tf` with the AWS CLI stand-in (and lets 5.x build the rest).
fn swap_in_stand_in(ws: &Workspace, emu: &Running) -> anyhow::Result<Cli> {
    let venv = Venv::ensure()?;
    std::fs::write(
        ws.dir.join("service.tf"),
        stand_in(&venv.aws(), &emu.emulator.endpoint_url()),
    )?;
    std::fs::write(ws.dir.join("stand_in_override.tf"), STAND_IN_VERSIONS)?;
    Cli::new(&venv, &emu.emulator.endpoint_url())
}

/// `terraform init`, failing with how to install hashicorp/aws when it cannot.
fn init(ws: &Workspace) -> anyhow::Result<()> {
    let init = ws.run(&["init"])?;
    anyhow::ensure!(
        init.code == 0,
        "terraform init could not install the providers. {HOW_TO_INSTALL}\n\n{}",
        init.output()
    );
    Ok(())
}

/// Whether the installed hashicorp/aws's `aws_ecs_service` takes `lifecycle_hook { target_type }` (PAUSE),
/// read from `terraform providers schema -json` rather than guessed from the version number.
fn has_pause_hooks(ws: &Workspace) -> anyhow::Result<bool> {
    let run = ws.run(&["providers", "schema", "-json"])?.success()?;
    let schema: Value = serde_json::from_str(&run.stdout)?;
    let hook = &schema["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
        ["resource_schemas"]["aws_ecs_service"]["block"]["block_types"]["deployment_configuration"]
        ["block"]["block_types"]["lifecycle_hook"]["block"]["attributes"];
    Ok(hook.get("target_type").is_some())
}

/// What DescribeServices says about `web/web`, read by the AWS CLI (botocore parses it).
fn described(cli: &Cli) -> anyhow::Result<Value> {
    let out = cli.json(&[
        "ecs",
        "describe-services",
        "--cluster",
        "web",
        "--services",
        "web",
    ])?;
    Ok(out["services"][0].clone())
}

/// Every field hashicorp/aws 6.x's read of `aws_ecs_service` sets that the example configures (its
/// flatten functions), as the example configures it: a refresh would plan no change. `load_balancer` and
/// `task_definition` are in the example's ignore_changes and are checked for what ECS may do to them.
fn assert_reads_as_configured(service: &Value, state: &Value) {
    let config = &service["deploymentConfiguration"];
    assert_eq!(config["strategy"], "BLUE_GREEN", "{service:#}");
    assert_eq!(config["bakeTimeInMinutes"], 1, "{service:#}");
    assert_eq!(config["maximumPercent"], 200, "{service:#}");
    assert_eq!(config["minimumHealthyPercent"], 100, "{service:#}");
    let hooks = config["lifecycleHooks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(hooks.len(), 1, "{service:#}");
    assert_eq!(hooks[0]["targetType"], "PAUSE");
    assert_eq!(
        hooks[0]["lifecycleStages"],
        json!(["POST_TEST_TRAFFIC_SHIFT"])
    );
    assert_eq!(
        hooks[0]["timeoutConfiguration"],
        json!({"timeoutInMinutes": 60, "action": "ROLLBACK"})
    );
    for lambda_only in ["hookTargetArn", "roleArn", "hookDetails"] {
        assert!(hooks[0].get(lambda_only).is_none(), "{service:#}");
    }
    assert_eq!(service["deploymentController"]["type"], "ECS");
    assert_eq!(service["desiredCount"], 2);
    assert_eq!(service["launchType"], "FARGATE");
    assert_eq!(service["schedulingStrategy"], "REPLICA");
    assert_eq!(
        service["networkConfiguration"]["awsvpcConfiguration"]["subnets"],
        json!(["subnet-a", "subnet-b"])
    );
    let lbs = service["loadBalancers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(lbs.len(), 1, "{service:#}");
    let advanced = &lbs[0]["advancedConfiguration"];
    let mut pair = [
        lbs[0]["targetGroupArn"].as_str().unwrap_or_default(),
        advanced["alternateTargetGroupArn"]
            .as_str()
            .unwrap_or_default(),
    ];
    pair.sort();
    let mut groups = [
        state["blue"].as_str().unwrap_or("?"),
        state["green"].as_str().unwrap_or("?"),
    ];
    groups.sort();
    assert_eq!(pair, groups, "{service:#}");
    assert_eq!(advanced["productionListenerRule"], state["production_rule"]);
    assert_eq!(advanced["testListenerRule"], state["test_rule"]);
    assert_eq!(advanced["roleArn"], state["role"]);
    assert_eq!(lbs[0]["containerName"], "web");
    assert_eq!(lbs[0]["containerPort"], 80);
}

#[test]
fn the_ecs_native_example_builds_the_stage_and_ships_in_one_apply_then_plans_clean(
) -> anyhow::Result<()> {
    let emu = Running::start(Seed::default(), SCALE)?;
    let mut ws = Workspace::new(Path::new(PROVIDER), Install::WithHashicorpAws)?;
    for (k, v) in emu.emulator.env() {
        ws.env(&k, &v);
    }
    let (production, test) = (free_port()?, free_port()?);
    for (k, v) in [
        ("TF_VAR_region", REGION.to_string()),
        ("TF_VAR_vpc_id", "vpc-emulator".to_string()),
        (
            "TF_VAR_subnet_ids",
            r#"["subnet-a", "subnet-b"]"#.to_string(),
        ),
        ("TF_VAR_production_port", production.to_string()),
        ("TF_VAR_test_port", test.to_string()),
        ("TF_VAR_bake_time_in_minutes", "1".to_string()),
    ] {
        ws.env(k, &v);
    }
    ws.copy_example(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/scenarios/ecs-native"),
    )?;
    std::fs::write(
        ws.dir.join("emulator_override.tf"),
        emulator_override(&emu.emulator.endpoint_url()),
    )?;
    let found = find_at_least(STRATEGY_SINCE);
    if let Some((root, version)) = &found {
        eprintln!(
            "hashicorp/aws {version} in {}: the example as written, if its schema has PAUSE hooks",
            root.display()
        );
        ws.use_hashicorp_aws_mirror(root)?;
    }
    let mut cli = None;
    if found.is_none() {
        eprintln!("no hashicorp/aws >= 6.4 in any filesystem mirror: service.tf swapped for the AWS CLI stand-in");
        cli = Some(swap_in_stand_in(&ws, &emu)?);
    }
    init(&ws)?;
    if cli.is_none() && !has_pause_hooks(&ws)? {
        // 6.4 up to the release with terraform-provider-aws PR #48128 has `strategy` but no PAUSE hooks.
        eprintln!("this hashicorp/aws has no lifecycle_hook.target_type (PAUSE): service.tf swapped for the AWS CLI stand-in");
        cli = Some(swap_in_stand_in(&ws, &emu)?);
        init(&ws)?;
    }
    let production_url = format!("http://127.0.0.1:{production}");
    let test_url = format!("http://127.0.0.1:{test}");

    // One apply from nothing: the stage, then the first release through the service's own blue/green
    // deployment, the gate run while the PAUSE hook holds it.
    let first = ws
        .run(&["apply", "-auto-approve", "-var", "image_tag=v1"])?
        .success()?;
    let said = flat(&first.output());
    assert!(
        said.contains("ECS service not found now")
            && said.contains("If this configuration creates it (aws_ecs_service), fine"),
        "the first plan warns that the service does not exist yet:\n{said}"
    );
    assert!(said.contains("Resources: 14 added"), "{said}");
    assert_eq!(
        emu.calls("ecs.ContinueServiceDeployment"),
        1,
        "v1 went through the gate"
    );
    assert_eq!(
        http_get(&production_url),
        (200, "Hello from v1".to_string())
    );

    // The plan of v2 shows the roll-out and the image change.
    let plan = ws.run(&["plan", "-var", "image_tag=v2"])?.success()?;
    let said = flat(&plan.output());
    assert!(said.contains("will roll out to web/web"), "{said}");
    assert!(
        said.contains("ghcr.io/acme/web:v1") && said.contains("ghcr.io/acme/web:v2"),
        "{said}"
    );
    assert!(said.contains("1 to change, 0 to destroy"), "{said}");

    // v2 through the gate: real HTTP through the test listener rule while ECS holds production on v1.
    ws.run(&["apply", "-auto-approve", "-var", "image_tag=v2"])?
        .success()?;
    let deployed = ws.resource_values("ecsbg_deployment.web")?;
    assert_eq!(deployed["status"], "Succeeded", "{deployed:#}");
    let timeline = deployed["timeline"].to_string();
    assert!(
        timeline.contains("gate check http[0] GET /health passed"),
        "{timeline}"
    );
    assert_eq!(
        emu.calls("ecs.ContinueServiceDeployment"),
        2,
        "v2 went through the gate"
    );
    assert_eq!(
        http_get(&production_url),
        (200, "Hello from v2".to_string())
    );
    assert_eq!(http_get(&test_url), (200, "Hello from v2".to_string()));

    // The whole configuration plans clean after ECS moved the rules' weights, the service's task
    // definition and its target groups: the ignore_changes hand-over holds.
    let again = ws.run(&["plan", "-detailed-exitcode", "-var", "image_tag=v2"])?;
    assert_eq!(
        again.code,
        0,
        "the next plan is not empty:\n{}",
        again.output()
    );
    if let Some(cli) = &cli {
        let state = json!({
            "blue": ws.resource_values("aws_lb_target_group.blue")?["arn"],
            "green": ws.resource_values("aws_lb_target_group.green")?["arn"],
            "production_rule": ws.resource_values("aws_lb_listener_rule.production")?["arn"],
            "test_rule": ws.resource_values("aws_lb_listener_rule.test")?["arn"],
            "role": ws.resource_values("aws_iam_role.ecs_infrastructure")?["arn"],
        });
        assert_reads_as_configured(&described(cli)?, &state);
    }

    let destroy = ws
        .run(&["destroy", "-auto-approve", "-var", "image_tag=v2"])?
        .success()?;
    let said = flat(&destroy.output());
    assert!(
        said.contains("Destroy only removes web/web from the Terraform state")
            && !said.contains("CodeDeploy"),
        "{said}"
    );
    let world = emu.emulator.snapshot();
    assert_eq!(world["services"], json!([]), "{world:#}");
    assert_eq!(world["listeners"], json!([]), "{world:#}");
    assert_eq!(world["alarms"], json!([]), "{world:#}");
    Ok(())
}
