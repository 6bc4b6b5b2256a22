//! The complete example (`examples/scenarios/aws-complete`) as one configuration: hashicorp/aws builds the
//! stage and `ecsbg_deployment` ships through it in the same `terraform apply` from nothing, against the
//! emulator; v2 ships through the test gate; the next plan of the whole configuration is empty (the
//! `ignore_changes` hand-over holds); destroy ends it. (The other side of "not found now", a reference
//! nothing creates failing the apply before anything ships, is in `bad_input.rs`.)

use std::path::Path;

use ecsbg_acceptance::emulator::{http_get, Running};
use ecsbg_acceptance::hashicorp_aws::{emulator_override, HOW_TO_INSTALL};
use ecsbg_acceptance::terraform::{flat, Install, Workspace};
use ecsbg_emulator::Seed;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

/// A port free on 127.0.0.1 now, for a listener the configuration asks for by number.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[test]
fn the_complete_example_builds_the_stage_and_ships_in_one_apply_then_plans_clean(
) -> anyhow::Result<()> {
    let emu = Running::start(Seed::default(), 60.0)?;
    let mut ws = Workspace::new(Path::new(PROVIDER), Install::WithHashicorpAws)?;
    for (k, v) in emu.emulator.env() {
        ws.env(&k, &v);
    }
    let (production, test) = (free_port()?, free_port()?);
    for (k, v) in [
        ("TF_VAR_region", "us-east-1".to_string()),
        ("TF_VAR_vpc_id", "vpc-emulator".to_string()),
        (
            "TF_VAR_subnet_ids",
            r#"["subnet-a", "subnet-b"]"#.to_string(),
        ),
        ("TF_VAR_production_port", production.to_string()),
        ("TF_VAR_test_port", test.to_string()),
        ("TF_VAR_bake_time", "1s".to_string()),
    ] {
        ws.env(k, &v);
    }
    ws.copy_example(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/scenarios/aws-complete"),
    )?;
    std::fs::write(
        ws.dir.join("emulator_override.tf"),
        emulator_override(&emu.emulator.endpoint_url()),
    )?;
    let init = ws.run(&["init"])?;
    anyhow::ensure!(
        init.code == 0,
        "terraform init could not install the providers. {HOW_TO_INSTALL}\n\n{}",
        init.output()
    );
    let production_url = format!("http://127.0.0.1:{production}");

    // One apply from nothing: the stage, then the first release through CodeDeploy.
    let first = ws
        .run(&["apply", "-auto-approve", "-var", "image_tag=v1"])?
        .success()?;
    let said = flat(&first.output());
    assert!(
        said.contains("CodeDeploy application not found now")
            && said.contains("If this configuration creates it (aws_codedeploy_app), fine"),
        "the first plan warns that the application does not exist yet:\n{said}"
    );
    assert!(said.contains("Resources: 14 added"), "{said}");
    assert_eq!(
        http_get(&production_url),
        (200, "Hello from v1".to_string())
    );

    // v2 through the test gate: real HTTP through the test listener while CodeDeploy holds production.
    ws.run(&["apply", "-auto-approve", "-var", "image_tag=v2"])?
        .success()?;
    let deployed = ws.resource_values("ecsbg_deployment.web")?;
    assert_eq!(deployed["status"], "Succeeded", "{deployed:#}");
    let timeline = deployed["timeline"].to_string();
    assert!(
        timeline.contains("gate check http[0] GET /health: passed"),
        "{timeline}"
    );
    assert_eq!(
        http_get(&production_url),
        (200, "Hello from v2".to_string())
    );
    assert_eq!(
        http_get(&format!("http://127.0.0.1:{test}")),
        (200, "Hello from v2".to_string())
    );

    // The whole configuration plans clean after CodeDeploy moved the listeners, the service's task
    // definition and its target group: the ignore_changes hand-over holds.
    let plan = ws.run(&["plan", "-detailed-exitcode", "-var", "image_tag=v2"])?;
    assert_eq!(
        plan.code,
        0,
        "the next plan is not empty:\n{}",
        plan.output()
    );

    ws.run(&["destroy", "-auto-approve", "-var", "image_tag=v2"])?
        .success()?;
    let world = emu.emulator.snapshot();
    assert_eq!(world["services"], serde_json::json!([]), "{world:#}");
    assert_eq!(world["listeners"], serde_json::json!([]), "{world:#}");
    assert_eq!(world["alarms"], serde_json::json!([]), "{world:#}");
    Ok(())
}
