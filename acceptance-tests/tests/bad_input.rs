//! Bad input, as a table: every malformed or inconsistent configuration fails `terraform plan` with the
//! exact error summary, a detail that says what is wrong, the diagnostic pointing at the offending attribute
//! (Terraform's snippet is that attribute's line), and no AWS call that changes anything.

use std::path::Path;

use ecsbg_acceptance::emulator::{demo_seed, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::PROVIDER_HEADER;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

/// A valid task definition with one changed fragment.
fn td(containers: &str) -> String {
    format!("  task_definition = jsonencode({{\n    family = \"web\", networkMode = \"awsvpc\", requiresCompatibilities = [\"FARGATE\"], cpu = \"256\", memory = \"512\"\n    containerDefinitions = {containers}\n  }})\n")
}

const GOOD_CONTAINERS: &str = "[{ name = \"web\", image = \"ghcr.io/acme/web:v2\", portMappings = [{ containerPort = 80 }] }]";

fn good_td() -> String {
    td(GOOD_CONTAINERS)
}

/// A resource with the given body lines after the names.
fn with(app: &str, group: &str, body: &str) -> String {
    format!("{PROVIDER_HEADER}resource \"ecsbg_deployment\" \"web\" {{\n  application_name      = \"{app}\"\n  deployment_group_name = \"{group}\"\n{body}}}\n")
}

fn body(extra: &str) -> String {
    with("web", "web-prod", &format!("{}{extra}", good_td()))
}

fn raw_td(json: &str) -> String {
    with(
        "web",
        "web-prod",
        &format!("  task_definition = {}\n", serde_json::json!(json)),
    )
}

/// Where Terraform points when the path names something it cannot show (an absent attribute, a block):
/// the resource's first line.
const BLOCK: &str = "resource \"ecsbg_deployment\" \"web\"";

struct Case {
    name: &'static str,
    config: String,
    summary: &'static str,
    detail: &'static str,
    /// What the diagnostic's snippet line starts with (trimmed): the attribute it points at.
    at: &'static str,
}

fn case(
    name: &'static str,
    config: String,
    summary: &'static str,
    detail: &'static str,
    at: &'static str,
) -> Case {
    Case {
        name,
        config,
        summary,
        detail,
        at,
    }
}

fn cases() -> Vec<Case> {
    vec![
        // The task definition JSON.
        case("not JSON", raw_td("{not json"), "Invalid task definition", "not valid JSON", "task_definition"),
        case("JSON list", raw_td("[1, 2]"), "Invalid task definition", "a task definition is a JSON object", "task_definition"),
        case("misspelt top-level field", raw_td(r#"{"family":"web","containerDefinition":[]}"#), "Invalid task definition", "containerDefinition", "task_definition"),
        case("misspelt container field", body("").replace("portMappings = [{ containerPort = 80 }]", "portMapings = []"), "Invalid task definition", "Did you mean \"portMappings\"?", "task_definition"),
        case("no family", raw_td(r#"{"containerDefinitions":[{"name":"web","image":"x"}]}"#), "Invalid task definition", "a family name is required", "task_definition"),
        case("family with a space", raw_td(r#"{"family":"my web","containerDefinitions":[{"name":"web","image":"x"}]}"#), "Invalid task definition", "may contain only letters, numbers, hyphens and underscores", "task_definition"),
        case("cpu as a boolean", raw_td(r#"{"family":"web","cpu":true,"containerDefinitions":[{"name":"web","image":"x"}]}"#), "Invalid task definition", "cpu must be a number or a string", "task_definition"),
        case("no containers", with("web", "web-prod", &td("[]")), "Invalid task definition", "at least one container definition is required", "task_definition"),
        case("containers not a list", raw_td(r#"{"family":"web","containerDefinitions":{"name":"web"}}"#), "Invalid task definition", "containerDefinitions must be a list", "task_definition"),
        case("container not an object", raw_td(r#"{"family":"web","containerDefinitions":["web"]}"#), "Invalid task definition", "a container definition is a JSON object", "task_definition"),
        case("container without a name", with("web", "web-prod", &td("[{ image = \"x\" }]")), "Invalid task definition", "a container name is required", "task_definition"),
        case("two containers with one name", with("web", "web-prod", &td("[{ name = \"web\", image = \"x\" }, { name = \"web\", image = \"y\" }]")), "Invalid task definition", "is used twice", "task_definition"),
        case("container without an image", with("web", "web-prod", &td("[{ name = \"web\" }]")), "Invalid task definition", "an image is required", "task_definition"),
        case("portMappings not a list", with("web", "web-prod", &td("[{ name = \"web\", image = \"x\", portMappings = { containerPort = 80 } }]")), "Invalid task definition", "portMappings must be a list", "task_definition"),
        case("containerPort a word", with("web", "web-prod", &td("[{ name = \"web\", image = \"x\", portMappings = [{ containerPort = \"http\" }] }]")), "Invalid task definition", "containerPort must be a number", "task_definition"),
        case("environment not a list", with("web", "web-prod", &td("[{ name = \"web\", image = \"x\", environment = { A = \"1\" } }]")), "Invalid task definition", "environment must be a list", "task_definition"),
        case("secrets not a list", with("web", "web-prod", &td("[{ name = \"web\", image = \"x\", secrets = \"db\" }]")), "Invalid task definition", "secrets must be a list", "task_definition"),
        // Where the task definition comes from.
        case("neither JSON nor ARN", with("web", "web-prod", ""), "Missing task definition", "exactly one", BLOCK),
        case("an ARN that is not one", with("web", "web-prod", "  task_definition_arn = \"web:7\"\n"), "Invalid task definition ARN", "is not a task definition ARN", "task_definition_arn"),
        case("JSON and a different ARN", body("  task_definition_arn = \"arn:aws:ecs:us-east-1:123456789012:task-definition/web:1\"\n"), "Conflicting task definitions", "not both", "task_definition_arn"),
        // Names and ports.
        case("blank application", with(" ", "web-prod", &good_td()), "Invalid name", "must be 1 to 100 characters", "application_name"),
        case("group name too long", with("web", &"g".repeat(101), &good_td()), "Invalid name", "must be 1 to 100 characters", "deployment_group_name"),
        case("unknown application", with("ghost", "web-prod", &good_td()), "CodeDeploy application not found", "\"ghost\"", "application_name"),
        case("unknown deployment group", with("web", "nope", &good_td()), "Deployment group not found", "has no deployment group \"nope\"", "deployment_group_name"),
        case("unknown container", body("  container_name = \"nope\"\n"), "Unknown container", "has no container \"nope\"", "container_name"),
        case("port not exposed", body("  container_name = \"web\"\n  container_port = 8080\n"), "Port not exposed", "does not expose port 8080", "container_port"),
        case("port out of range", body("  container_name = \"web\"\n  container_port = 70000\n"), "Invalid container port", "between 1 and 65535", "container_port"),
        case("load balancer container missing", with("web", "web-prod", &td("[{ name = \"api\", image = \"x\", portMappings = [{ containerPort = 80 }] }]")), "Load balancer container missing", "container \"web\"", "task_definition"),
        // Durations and modes.
        case("bake time a word", body("  bake_time = \"ten\"\n"), "Invalid duration", "", "bake_time"),
        case("negative bake time", body("  bake_time = \"-5s\"\n"), "Invalid duration", "", "bake_time"),
        case("create timeout without unit", body("  timeouts {\n    create = \"30\"\n  }\n"), "Invalid duration", "", "create"),
        case("on_interrupt unknown", body("  on_interrupt = \"panic\"\n"), "Invalid on_interrupt", "\"rollback\" or \"detach\"", "on_interrupt"),
        case("wait_for unknown", body("  wait_for = \"forever\"\n"), "Invalid wait_for", "\"succeeded\" or \"traffic_shifted\"", "wait_for"),
        // Alarms and deployment configs.
        case("alarm listed twice", body("  alarms = [\"web-404s\", \"web-404s\"]\n"), "Duplicate alarm", "listed twice", "alarms"),
        case("blank alarm", body("  alarms = [\"\"]\n"), "Invalid alarm name", "1 to 255 characters", "alarms"),
        case("blank sensitive_environment name", body("  sensitive_environment = [\"DB_URL\", \" \"]\n"), "Invalid environment variable name", "A blank name hides nothing", "sensitive_environment"),
        case("alarm that does not exist", body("  alarms = [\"web-5xx\"]\n"), "Unknown alarm", "no metric alarm \"web-5xx\"", "alarms"),
        case("deployment config that does not exist", body("  deployment_config_name = \"CodeDeployDefault.ECSFast\"\n"), "Unknown deployment config", "no deployment config \"CodeDeployDefault.ECSFast\"", "deployment_config_name"),
        case("deployment config for EC2", body("  deployment_config_name = \"CodeDeployDefault.OneAtATime\"\n"), "Not an ECS deployment config", "Server", "deployment_config_name"),
        // AppSpec parts.
        case("hook that is not a function", body("  hooks {\n    before_install = \"run tests!\"\n  }\n"), "Invalid Lambda function", "neither a Lambda function name", "before_install"),
        case("hook function that does not exist", body("  hooks {\n    before_install = \"CodeDeployHook_missing\"\n  }\n"), "Unknown Lambda function", "Lambda has no function \"CodeDeployHook_missing\"", "before_install"),
        case("hook ARN of another service", body("  hooks {\n    after_allow_test_traffic = \"arn:aws:sqs:us-east-1:123456789012:function:q\"\n  }\n"), "Invalid Lambda function", "Lambda function ARN", "after_allow_test_traffic"),
        case("subnet id that is not one", body("  network_configuration {\n    subnets = [\"vpc-123\"]\n  }\n"), "Invalid id", "is not a subnet id", "subnets"),
        case("security group id that is not one", body("  network_configuration {\n    subnets = [\"subnet-1\"]\n    security_groups = [\"web\"]\n  }\n"), "Invalid id", "is not a security group id", "security_groups"),
        case("no subnets", body("  network_configuration {\n    subnets = []\n  }\n"), "No subnets", "at least one subnet", "subnets"),
        case("assign_public_ip yes", body("  network_configuration {\n    subnets = [\"subnet-1\"]\n    assign_public_ip = \"YES\"\n  }\n"), "Invalid assign_public_ip", "\"ENABLED\" or \"DISABLED\"", "assign_public_ip"),
        case("capacity provider weight too big", body("  capacity_provider_strategy {\n    capacity_provider = \"FARGATE\"\n    weight = 5000\n  }\n"), "Invalid weight", "outside 0 to 1000", "weight"),
        // The test gate.
        case("empty gate", body("  test_gate {}\n"), "Empty test gate", "at least one", BLOCK),
        case("gate path without slash", body("  test_gate {\n    http {\n      path = \"health\"\n    }\n  }\n"), "Invalid path", "must start with", "path"),
        case("gate regex that does not compile", body("  test_gate {\n    http {\n      path = \"/\"\n      body_regex = \"(\"\n    }\n  }\n"), "Invalid regular expression", "unclosed group", "body_regex"),
        case("gate status 700", body("  test_gate {\n    http {\n      path = \"/\"\n      expect_status = 700\n    }\n  }\n"), "Invalid status", "is not an HTTP status", "expect_status"),
        case("gate zero attempts", body("  test_gate {\n    http {\n      path = \"/\"\n      attempts = 0\n    }\n  }\n"), "Invalid attempts", "between 1 and 100", "attempts"),
        case("gate method FETCH", body("  test_gate {\n    http {\n      path = \"/\"\n      method = \"FETCH\"\n    }\n  }\n"), "Invalid method", "is not an HTTP method", "method"),
        case("gate interval a word", body("  test_gate {\n    http {\n      path = \"/\"\n      interval = \"often\"\n    }\n  }\n"), "Invalid duration", "", "interval"),
        case("gate header name with a space", body("  test_gate {\n    http {\n      path = \"/\"\n      headers = { \"X Trace\" = \"1\" }\n    }\n  }\n"), "Invalid header name", "is not an HTTP header name", "headers"),
        case("gate URL without scheme", body("  test_gate {\n    url = \"internal-web:8080\"\n    http {\n      path = \"/\"\n    }\n  }\n"), "Invalid URL", "is not an http:// or https:// URL", "url"),
        case("gate command empty", body("  test_gate {\n    command {\n      argv = []\n    }\n  }\n"), "Empty command", "at least the program", "argv"),
        case("gate command env name", body("  test_gate {\n    command {\n      argv = [\"true\"]\n      env = { \"1ST\" = \"x\" }\n    }\n  }\n"), "Invalid environment variable name", "not starting with a digit", "env"),
        case("gate command timeout a word", body("  test_gate {\n    command {\n      argv = [\"true\"]\n      timeout = \"long\"\n    }\n  }\n"), "Invalid duration", "", "timeout"),
    ]
}

/// Operations that change something in AWS.
fn mutations(emu: &Running) -> Vec<String> {
    emu.emulator
        .calls()
        .into_iter()
        .filter(|(op, n)| {
            let verb = op.split('.').nth(1).unwrap_or_default();
            *n > 0
                && !["Describe", "Get", "List", "BatchGet"]
                    .iter()
                    .any(|read| verb.starts_with(read))
        })
        .map(|(op, n)| format!("{op} x{n}"))
        .collect()
}

/// The error diagnostics of `terraform plan -json`.
fn plan_errors(
    ws: &ecsbg_acceptance::terraform::Workspace,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let run = ws.run(&["plan", "-json"])?;
    anyhow::ensure!(run.code != 0, "plan succeeded:\n{}", run.output());
    Ok(run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["type"] == "diagnostic" && m["diagnostic"]["severity"] == "error")
        .map(|m| m["diagnostic"].clone())
        .collect())
}

#[test]
fn every_bad_input_fails_at_plan_on_its_attribute_and_changes_nothing() -> anyhow::Result<()> {
    let emu = Running::start(demo_seed()?, 60.0)?;
    let cases = cases();
    assert!(cases.len() >= 40, "the table keeps at least 40 cases");
    let mut failures = Vec::new();
    for c in &cases {
        let ws = emu.workspace(Path::new(PROVIDER))?;
        ws.write_main(&c.config)?;
        let errors = plan_errors(&ws)?;
        let found = errors.iter().any(|d| {
            let code = d["snippet"]["code"].as_str().unwrap_or_default().trim();
            d["summary"] == c.summary
                && d["detail"].as_str().unwrap_or_default().contains(c.detail)
                && d["address"] == "ecsbg_deployment.web"
                && code.starts_with(c.at)
        });
        if !found {
            failures.push(format!(
                "{}: expected {:?} ({:?}) at {:?}, got {}",
                c.name,
                c.summary,
                c.detail,
                c.at,
                serde_json::to_string_pretty(&errors)?
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        mutations(&emu),
        Vec::<String>::new(),
        "bad input never reaches AWS as a change"
    );
    Ok(())
}

#[test]
fn a_gate_on_a_group_that_moves_traffic_at_once_is_refused_with_the_fix() -> anyhow::Result<()> {
    let mut seed = demo_seed()?;
    seed.deployment_groups[0].ready_action = "CONTINUE_DEPLOYMENT".into();
    let Stage { emu, ws } = Stage::start(PROVIDER, seed, 60.0)?;
    ws.write_main(&body(
        "  test_gate {\n    http {\n      path = \"/\"\n    }\n  }\n",
    ))?;
    let errors = plan_errors(&ws)?;
    assert!(
        errors.iter().any(|d| d["summary"]
            == "The deployment group does not hold traffic for tests"
            && d["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("STOP_DEPLOYMENT")
            && d["snippet"]["code"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .starts_with(BLOCK)),
        "{errors:#?}"
    );
    assert_eq!(mutations(&emu), Vec::<String>::new());
    Ok(())
}
