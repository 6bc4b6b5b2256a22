//! What `terraform plan` shows and refuses: the diff for cpu/memory changes in the rendered plan and in
//! `terraform show -json`, a no-op, an ARN-sourced revision described at plan time, unknown values (bad input has its
//! own table in `bad_input.rs`).

use ecsbg_acceptance::emulator::{demo_seed, Running};
use ecsbg_acceptance::stage::Stage;
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
    let Stage { emu: _emu, ws } = Stage::start(PROVIDER, demo_seed()?, 60.0)?
        .serving(&resource(&json_td("ghcr.io/acme/web:v1", "256", "512"), ""))?;

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
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, 60.0)?;
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
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, 60.0)?;
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

/// Environment values a user keeps secret (a `sensitive` variable, listed in `sensitive_environment`, or a
/// name that says so) appear nowhere the provider writes: not in the plan's summary warning, not in the
/// apply's output, not in the provider's TRACE logs (AWS SDK included).
#[test]
fn sensitive_environment_values_never_reach_plans_outputs_or_logs() -> anyhow::Result<()> {
    let Stage { emu, mut ws } = Stage::start(PROVIDER, demo_seed()?, 60.0)?;
    let td = |db: &str, token: &str, message: &str| {
        format!(
            "variable \"db_url\" {{\n  type      = string\n  sensitive = true\n  default   = \"{db}\"\n}}\n{}",
            resource(
                &format!("  task_definition = jsonencode({{\n    family = \"web\", networkMode = \"awsvpc\", requiresCompatibilities = [\"FARGATE\"], cpu = \"256\", memory = \"512\"\n    containerDefinitions = [{{ name = \"web\", image = \"ghcr.io/acme/web:v1\", portMappings = [{{ containerPort = 80 }}],\n      environment = [{{ name = \"MESSAGE\", value = \"{message}\" }}, {{ name = \"DB_URL\", value = var.db_url }}, {{ name = \"SERVICE_TOKEN\", value = \"{token}\" }}] }}]\n  }})\n"),
                "  sensitive_environment = [\"DB_URL\"]\n",
            )
        )
    };
    ws.apply(&td("postgres://app:pw-one@db", "tok-one", "Hello from v1"))?;
    let log = ws.root().join("provider.log");
    ws.env("TF_LOG_PROVIDER", "TRACE");
    ws.env("TF_LOG_PATH", &log.display().to_string());
    ws.write_main(&td("postgres://app:pw-TWO@db", "tok-TWO", "Hello from v2"))?;
    let plan = ws.run(&["plan"])?.success()?;
    let shown = flat(&plan.output());
    assert!(
        shown.contains("env DB_URL changed (sensitive)")
            && shown.contains("env SERVICE_TOKEN changed (sensitive)"),
        "the summary names what changed: {shown}"
    );
    assert!(
        shown.contains("env MESSAGE \"Hello from v1\" → \"Hello from v2\""),
        "ordinary values are still shown: {shown}"
    );
    let apply = ws.run(&["apply", "-auto-approve"])?.success()?;
    let logs = std::fs::read_to_string(&log)?;
    assert!(
        logs.contains("registered a new task definition revision"),
        "the provider logged at all"
    );
    assert!(
        logs.lines()
            .any(|l| l.contains("orchestrating auth") && l.contains("RegisterTaskDefinition")),
        "the AWS SDK's own TRACE lines for the registration are in the log"
    );
    for secret in ["pw-TWO", "tok-TWO"] {
        assert!(!shown.contains(secret), "{secret} in the plan: {shown}");
        assert!(
            !apply.output().contains(secret),
            "{secret} in the apply output"
        );
        let leaked: Vec<&str> = logs.lines().filter(|l| l.contains(secret)).collect();
        assert!(
            leaked.is_empty(),
            "{secret} in the provider's logs: {leaked:#?}"
        );
    }
    assert_eq!(
        ecsbg_acceptance::emulator::http_get(&emu.listener("web/production")).1,
        "Hello from v2"
    );
    Ok(())
}
