//! What `terraform plan` shows and refuses: the diff for cpu/memory changes in the rendered plan and in
//! `terraform show -json`, a no-op, an ARN-sourced revision described at plan time, unknown values, and the
//! validation errors — each on its attribute, with nothing changed in AWS.

use std::path::Path;

use ecsbg_acceptance::emulator::{demo_seed, Running};
use ecsbg_acceptance::terraform::{flat, PROVIDER_HEADER};
use serde_json::json;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

fn resource(task_definition: &str, extra: &str) -> String {
    format!("{PROVIDER_HEADER}resource \"ecsbg_deployment\" \"web\" {{\n  application_name      = \"web\"\n  deployment_group_name = \"web-prod\"\n{task_definition}{extra}}}\n")
}

fn json_td(image: &str, cpu: &str, memory: &str) -> String {
    format!(
        "  task_definition = jsonencode({{\n    family = \"web\", networkMode = \"awsvpc\", requiresCompatibilities = [\"FARGATE\"], cpu = \"{cpu}\", memory = \"{memory}\"\n    containerDefinitions = [{{ name = \"web\", image = \"{image}\", portMappings = [{{ containerPort = 80 }}],\n      environment = [{{ name = \"MESSAGE\", value = \"Hello from v1\" }}] }}]\n  }})\n"
    )
}

fn mutations(emu: &Running) -> u64 {
    ["ecs.RegisterTaskDefinition", "codedeploy.CreateDeployment"]
        .iter()
        .map(|op| emu.calls(op))
        .sum()
}

#[test]
fn cpu_memory_change_no_op_and_show_json() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed(), 60.0)?;
    let ws = emu.workspace(Path::new(PROVIDER))?;
    ws.write_main(&resource(&json_td("ghcr.io/acme/web:v1", "256", "512"), ""))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;

    // No-op: the plan file says no-op for the resource.
    ws.run(&["plan", "-out=noop.tfplan"])?.success()?;
    let show = ws.run(&["show", "-json", "noop.tfplan"])?.success()?;
    let plan: serde_json::Value = serde_json::from_str(&show.stdout)?;
    assert_eq!(
        plan["resource_changes"][0]["change"]["actions"],
        json!(["no-op"]),
        "{}",
        show.stdout
    );

    ws.write_main(&resource(
        &json_td("ghcr.io/acme/web:v1", "512", "1024"),
        "",
    ))?;
    let rendered = ws.run(&["plan", "-out=cpu.tfplan"])?.success()?;
    let out = flat(&rendered.output());
    assert!(
        out.contains("task: cpu 256 → 512; memory 512 → 1024"),
        "{out}"
    );
    assert!(
        out.contains("~ cpu = \"256\" -> \"512\""),
        "the JSON attribute renders per key: {out}"
    );
    let show = ws.run(&["show", "-json", "cpu.tfplan"])?.success()?;
    let plan: serde_json::Value = serde_json::from_str(&show.stdout)?;
    let change = &plan["resource_changes"][0]["change"];
    assert_eq!(change["actions"], json!(["update"]));
    let after: serde_json::Value =
        serde_json::from_str(change["after"]["task_definition"].as_str().unwrap_or("{}"))?;
    assert_eq!(after["cpu"], "512");
    assert_eq!(change["after_unknown"]["task_definition_arn"], true);
    assert_eq!(change["after_unknown"]["deployment_id"], true);
    Ok(())
}

#[test]
fn a_revision_given_by_arn_is_described_at_plan_time() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed(), 60.0)?;
    let ws = emu.workspace(Path::new(PROVIDER))?;
    let registered = emu.ecs(
        "RegisterTaskDefinition",
        &json!({"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
                "containerDefinitions": [{"name": "web", "image": "ghcr.io/acme/web:v7", "portMappings": [{"containerPort": 80}],
                                          "environment": [{"name": "MESSAGE", "value": "Hello from v7"}]}]}),
    );
    let arn = registered["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    ws.write_main(&resource(
        &format!("  task_definition_arn = \"{arn}\"\n"),
        "",
    ))?;
    let plan = ws.run(&["plan"])?.success()?;
    let out = flat(&plan.output());
    assert!(
        out.contains("container web: image ghcr.io/acme/web:v1 → ghcr.io/acme/web:v7"),
        "{out}"
    );
    Ok(())
}

#[test]
fn an_image_known_only_after_apply_plans_as_unknown() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed(), 60.0)?;
    let ws = emu.workspace(Path::new(PROVIDER))?;
    let td = json_td(
        "ghcr.io/acme/web:${terraform_data.tag.output}",
        "256",
        "512",
    );
    ws.write_main(&format!(
        "{}resource \"terraform_data\" \"tag\" {{\n  input = \"v9\"\n}}\n",
        resource(&td, "")
    ))?;
    let plan = ws.run(&["plan"])?.success()?;
    let out = flat(&plan.output());
    assert!(
        out.contains("task_definition = (known after apply)")
            || out.contains("task_definition_arn = (known after apply)"),
        "{out}"
    );
    assert_eq!(mutations(&emu), 0);
    Ok(())
}

#[test]
fn bad_input_fails_at_plan_on_its_attribute_and_changes_nothing() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed(), 60.0)?;
    let cases: Vec<(String, &str, &str)> = vec![
        (resource("  task_definition = \"{not json\"\n", ""), "Invalid task definition", "not valid JSON"),
        (resource("  task_definition = jsonencode({ family = \"web\", containerDefinitions = [{ name = \"web\", image = \"x\", portMapings = [] }] })\n", ""), "Invalid task definition", "Did you mean \"portMappings\"?"),
        (resource(&json_td("x", "256", "512"), "  container_name = \"nope\"\n"), "Unknown container", "has no container \"nope\""),
        (resource(&json_td("x", "256", "512"), "  container_name = \"web\"\n  container_port = 8080\n"), "Port not exposed", "does not expose port 8080"),
        (resource(&json_td("x", "256", "512"), "  task_definition_arn = \"arn:aws:ecs:us-east-1:123456789012:task-definition/web:1\"\n"), "Conflicting task definitions", "not both"),
        (resource("", ""), "Missing task definition", "exactly one"),
        (resource(&json_td("x", "256", "512"), "  on_interrupt = \"panic\"\n"), "Invalid on_interrupt", "\"rollback\" or \"detach\""),
        (resource(&json_td("x", "256", "512"), "  bake_time = \"ten\"\n"), "Invalid duration", "bake"),
        (resource(&json_td("x", "256", "512"), "  test_gate {\n    http {\n      path = \"health\"\n      body_regex = \"(\"\n    }\n  }\n"), "Invalid path", "must start with"),
        (format!("{PROVIDER_HEADER}resource \"ecsbg_deployment\" \"web\" {{\n  application_name = \"web\"\n  deployment_group_name = \"nope\"\n{}}}\n", json_td("x", "256", "512")), "Deployment group not found", "has no deployment group \"nope\""),
        (format!("{PROVIDER_HEADER}resource \"ecsbg_deployment\" \"web\" {{\n  application_name = \"ghost\"\n  deployment_group_name = \"web-prod\"\n{}}}\n", json_td("x", "256", "512")), "CodeDeploy application not found", "\"ghost\""),
    ];
    for (config, summary, detail) in cases {
        let ws = emu.workspace(Path::new(PROVIDER))?;
        ws.write_main(&config)?;
        let plan = ws.run(&["plan"])?;
        let out = flat(&plan.output());
        assert_ne!(plan.code, 0, "{config}");
        assert!(
            out.contains(summary) && out.contains(detail),
            "expected {summary:?} / {detail:?} in:\n{out}"
        );
        assert!(
            out.contains("with ecsbg_deployment.web"),
            "the error points at the resource: {out}"
        );
    }
    assert_eq!(
        mutations(&emu),
        0,
        "bad input never reaches AWS as a change"
    );
    Ok(())
}
