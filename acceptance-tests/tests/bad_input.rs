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

/// A resource addressing an ECS-native service by `cluster_name`/`service_name` (the lines given), with a
/// good task definition and `extra`.
fn native(names: &str, extra: &str) -> String {
    format!(
        "{PROVIDER_HEADER}resource \"ecsbg_deployment\" \"web\" {{\n{names}{}{extra}}}\n",
        good_td()
    )
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

/// A revision the test deregisters before planning: ECS still describes it, as INACTIVE.
const INACTIVE_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/old-web:1";

/// A task definition JSON with `containers` (a JSON list) and family `family`.
fn json_td(family: &str, containers: &str) -> String {
    raw_td(&format!(
        r#"{{"family":{},"containerDefinitions":{containers}}}"#,
        serde_json::json!(family)
    ))
}

/// A gate with one HTTP check holding `check` (lines inside `http {}`), and `url` when given.
fn http_gate(url: Option<&str>, check: &str) -> String {
    let url = url
        .map(|u| format!("    url = {}\n", serde_json::json!(u)))
        .unwrap_or_default();
    body(&format!(
        "  test_gate {{\n{url}    http {{\n      path = \"/\"\n{check}    }}\n  }}\n"
    ))
}

/// A gate with one command holding `check` (lines inside `command {}`).
fn command_gate(check: &str) -> String {
    body(&format!(
        "  test_gate {{\n    command {{\n{check}    }}\n  }}\n"
    ))
}

/// `n` quoted ids `<prefix><i>`, as an HCL list.
fn ids(prefix: &str, n: usize) -> String {
    let ids: Vec<String> = (0..n).map(|i| format!("\"{prefix}{i}\"")).collect();
    format!("[{}]", ids.join(", "))
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

impl Case {
    /// The failure line for a case whose error did not come as expected: `what` happened instead
    /// (empty when only the diagnostics were wrong), and the diagnostics Terraform gave.
    fn missed(&self, what: &str, got: &[serde_json::Value]) -> anyhow::Result<String> {
        Ok(format!(
            "{}: {what}expected {:?} ({:?}) at {:?}, got {}",
            self.name,
            self.summary,
            self.detail,
            self.at,
            serde_json::to_string_pretty(got)?
        ))
    }
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
        case("deployment config that does not exist", body("  deployment_config_name = \"CodeDeployDefault.ECSFast\"\n"), "Unknown deployment config", "no deployment config \"CodeDeployDefault.ECSFast\"", "deployment_config_name"),
        case("deployment config for EC2", body("  deployment_config_name = \"CodeDeployDefault.OneAtATime\"\n"), "Not an ECS deployment config", "Server", "deployment_config_name"),
        // AppSpec parts.
        case("hook that is not a function", body("  hooks {\n    before_install = \"run tests!\"\n  }\n"), "Invalid Lambda function", "neither a Lambda function name", "before_install"),
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
        // ECS's limits on the task definition, and what serde_json would forgive.
        case("eleven containers", json_td("web", &format!("[{}]", (0..11).map(|i| format!(r#"{{"name":"c{i}","image":"x"}}"#)).collect::<Vec<_>>().join(","))), "Invalid task definition", "11 containers; ECS allows at most 10", "task_definition"),
        case("family of 256 characters", json_td(&"f".repeat(256), r#"[{"name":"web","image":"x"}]"#), "Invalid task definition", "At family: the family name is 256 characters long; ECS allows at most 255", "task_definition"),
        case("family with a bidi override", raw_td("{\"family\":\"web\\u202eevil\",\"containerDefinitions\":[{\"name\":\"web\",\"image\":\"x\"}]}"), "Invalid task definition", "bidirectional character U+202E", "task_definition"),
        case("container name with a dot", with("web", "web-prod", &td("[{ name = \"web.app\", image = \"x\" }]")), "Invalid task definition", "At containerDefinitions[0].name: \"web.app\" may contain only letters", "task_definition"),
        case("container name of 256 characters", json_td("web", &format!(r#"[{{"name":"{}","image":"x"}}]"#, "n".repeat(256))), "Invalid task definition", "the container name is 256 characters long", "task_definition"),
        case("container name with a control character", raw_td("{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"web\\u0007\",\"image\":\"x\"}]}"), "Invalid task definition", "control or bidirectional character U+0007", "task_definition"),
        case("containerPort 0", with("web", "web-prod", &td("[{ name = \"web\", image = \"x\", portMappings = [{ containerPort = 0 }] }]")), "Invalid task definition", "containerPort 0 is not a port number between 1 and 65535", "task_definition"),
        case("containerPort 70000", with("web", "web-prod", &td("[{ name = \"web\", image = \"x\", portMappings = [{ containerPort = 70000 }] }]")), "Invalid task definition", "containerPort 70000 is not a port number", "task_definition"),
        case("image of 256 characters", json_td("web", &format!(r#"[{{"name":"web","image":"{}"}}]"#, "i".repeat(256))), "Invalid task definition", "the image reference is 256 characters long", "task_definition"),
        case("task definition over 64 KiB", json_td("web", &format!(r#"[{{"name":"web","image":"x","environment":[{{"name":"BLOB","value":"{}"}}]}}]"#, "x".repeat(70_000))), "Invalid task definition", "ECS registers at most 65536 (64 KiB)", "task_definition"),
        case("family written twice", raw_td(r#"{"family":"web","family":"evil","containerDefinitions":[{"name":"web","image":"x"}]}"#), "Invalid task definition", "At family: the key \"family\" is written twice", "task_definition"),
        case("image written twice", raw_td(r#"{"family":"web","containerDefinitions":[{"name":"web","image":"good","image":"evil"}]}"#), "Invalid task definition", "At containerDefinitions[0].image: the key \"image\" is written twice", "task_definition"),
        // The revision task_definition_arn names, checked against ECS at plan.
        case("ARN that does not exist", with("web", "web-prod", "  task_definition_arn = \"arn:aws:ecs:us-east-1:123456789012:task-definition/web:99\"\n"), "Task definition not found", "ECS has no task definition arn:aws:ecs:us-east-1:123456789012:task-definition/web:99", "task_definition_arn"),
        case("ARN of an INACTIVE revision", with("web", "web-prod", &format!("  task_definition_arn = \"{INACTIVE_ARN}\"\n")), "Inactive task definition", "is INACTIVE (deregistered)", "task_definition_arn"),
        case("ARN in another region", with("web", "web-prod", "  task_definition_arn = \"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1\"\n"), "Task definition in another region", "is in region eu-west-1, but this provider works in us-east-1", "task_definition_arn"),
        case("ARN of another account", with("web", "web-prod", "  task_definition_arn = \"arn:aws:ecs:us-east-1:999999999999:task-definition/web:1\"\n"), "Task definition of another account", "belongs to account 999999999999, but the service runs in account 123456789012", "task_definition_arn"),
        // The test gate: what the request, the URL and the commands can hold.
        case("gate path with a space", body("  test_gate {\n    http {\n      path = \"/health check\"\n    }\n  }\n"), "Invalid path", "contains whitespace", "path"),
        case("gate path with a fragment", body("  test_gate {\n    http {\n      path = \"/health#deep\"\n    }\n  }\n"), "Invalid path", "a fragment is never sent", "path"),
        case("gate path with a control character", body("  test_gate {\n    http {\n      path = \"/health\\u0000\"\n    }\n  }\n"), "Invalid path", "control character U+0000", "path"),
        case("gate header value with CR LF", http_gate(None, "      headers = { \"X-Trace\" = \"1\\r\\nX-Admin: true\" }\n"), "Invalid header value", "header injection", "headers"),
        case("gate header name with a newline", http_gate(None, "      headers = { \"X-Trace\\nX-Admin\" = \"1\" }\n"), "Invalid header name", "is not an HTTP header name", "headers"),
        case("gate URL that does not parse", http_gate(Some("http://[::1:8080"), ""), "Invalid URL", "never closes it", "url"),
        case("gate URL port 99999", http_gate(Some("http://internal-web:99999"), ""), "Invalid URL", "has port 99999, outside 1 to 65535", "url"),
        case("gate URL port a word", http_gate(Some("http://internal-web:http"), ""), "Invalid URL", "has port \"http\", which is not a number", "url"),
        case("gate http timeout zero", http_gate(None, "      timeout = \"0s\"\n"), "Invalid timeout", "every request would time out", "timeout"),
        case("create timeout zero", body("  timeouts {\n    create = \"0s\"\n  }\n"), "Invalid timeout", "stopped (and rolled back) the moment it started", "create"),
        case("gate command timeout zero", command_gate("      argv = [\"true\"]\n      timeout = \"0s\"\n"), "Invalid timeout", "killed as it started", "timeout"),
        case("gate command blank program", command_gate("      argv = [\"\", \"-f\"]\n"), "Empty command", "argv[0], the program to run, is blank", "argv"),
        case("gate program not found", command_gate("      argv = [\"ecsbg-no-such-tool\", \"$TEST_URL\"]\n"), "Program not found", "\"ecsbg-no-such-tool\" is in no directory of PATH", "argv"),
        case("gate program not executable", command_gate("      argv = [\"/etc/passwd\"]\n"), "Program not executable", "\"/etc/passwd\" exists but is not executable", "argv"),
        case("gate working_dir missing", command_gate("      argv = [\"true\"]\n      working_dir = \"/nonexistent/ecsbg-gate\"\n"), "Working directory not found", "\"/nonexistent/ecsbg-gate\" does not exist", "working_dir"),
        // Which engine: exactly one of the two pairs, and a service the native engine can drive.
        case("a group with another cluster", body("  cluster_name = \"other\"\n"), "Not the deployment group's service", "deploys demo/web, but `cluster_name` says \"other\"", "cluster_name"),
        case("no engine named", native("", ""), "No deployment target", "`cluster_name` and `service_name`", BLOCK),
        case("cluster without service", native("  cluster_name = \"demo\"\n", ""), "Missing attribute", "`service_name` is required with `cluster_name`", BLOCK),
        case("application without group", native("  application_name = \"web\"\n", ""), "Missing attribute", "`deployment_group_name` is required with `application_name`", BLOCK),
        case("blank cluster name", native("  cluster_name = \" \"\n  service_name = \"native\"\n", ""), "Invalid name", "`cluster_name` must be 1 to 255 characters", "cluster_name"),
        case("deployment config on the native engine", native("  cluster_name = \"demo\"\n  service_name = \"web\"\n", "  deployment_config_name = \"CodeDeployDefault.ECSAllAtOnce\"\n"), "Not used by the ECS-native engine", "remove `deployment_config_name`", "deployment_config_name"),
        case("native engine on a CodeDeploy service", native("  cluster_name = \"demo\"\n  service_name = \"web\"\n", ""), "Service deployed through CodeDeploy", "uses the CODE_DEPLOY deployment controller", "service_name"),
        // CodeDeploy's and awsvpc's limits.
        case("eleven alarms", body(&format!("  alarms = {}\n", ids("web-alarm-", 11))), "Too many alarms", "11 alarms; CodeDeploy watches at most 10", "alarms"),
        case("a hundred and one alarms on the native engine", native("  cluster_name = \"demo\"\n  service_name = \"web\"\n", &format!("  alarms = {}\n", ids("web-alarm-", 101))), "Too many alarms", "101 alarms; on the ECS-native engine the provider watches them itself (they are not passed to ECS)", "alarms"),
        case("seventeen subnets", body(&format!("  network_configuration {{\n    subnets = {}\n  }}\n", ids("subnet-", 17))), "Too many ids", "17 subnets; an awsvpc network configuration takes at most 16", "subnets"),
        case("six security groups", body(&format!("  network_configuration {{\n    subnets = [\"subnet-1\"]\n    security_groups = {}\n  }}\n", ids("sg-", 6))), "Too many ids", "6 security groups; an awsvpc network configuration takes at most 5", "security_groups"),
    ]
}

/// References that do not exist (yet): plan warns (this configuration may create them), apply fails on the
/// attribute before anything is registered or deployed.
fn missing_references() -> Vec<Case> {
    vec![
        case(
            "unknown application",
            with("ghost", "web-prod", &good_td()),
            "CodeDeploy application not found",
            "\"ghost\"",
            "application_name",
        ),
        case(
            "unknown deployment group",
            with("web", "nope", &good_td()),
            "Deployment group not found",
            "has no deployment group \"nope\"",
            "deployment_group_name",
        ),
        case(
            "alarm that does not exist",
            body("  alarms = [\"web-5xx\"]\n"),
            "Unknown alarm",
            "no metric alarm \"web-5xx\"",
            "alarms",
        ),
        case(
            "native service that does not exist",
            native("  cluster_name = \"demo\"\n  service_name = \"nope\"\n", ""),
            "ECS service not found",
            "Cluster \"demo\" has no active service \"nope\". Nothing was registered or deployed.",
            "service_name",
        ),
        case(
            "hook function that does not exist",
            body("  hooks {\n    before_install = \"CodeDeployHook_missing\"\n  }\n"),
            "Unknown Lambda function",
            "Lambda has no function \"CodeDeployHook_missing\"",
            "before_install",
        ),
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
    // An INACTIVE revision for its row: registered and deregistered here, before any plan, so the changes
    // the plans make are measured from after it.
    emu.ecs(
        "RegisterTaskDefinition",
        &serde_json::json!({"family": "old-web", "containerDefinitions": [{"name": "web", "image": "x"}]}),
    );
    emu.ecs(
        "DeregisterTaskDefinition",
        &serde_json::json!({"taskDefinition": INACTIVE_ARN}),
    );
    let setup = mutations(&emu);
    let cases = cases();
    // 93 cases, and the five references that do not exist yet, which plan only warns about (this configuration
    // may create them): `missing_references` below.
    assert!(cases.len() >= 89, "the table keeps at least 89 cases");
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
            failures.push(c.missed("", &errors)?);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        mutations(&emu),
        setup,
        "bad input never reaches AWS as a change"
    );
    Ok(())
}

/// The diagnostics of one severity in `terraform <args> -json` (plan and apply both stream JSON).
fn diagnostics(
    ws: &ecsbg_acceptance::terraform::Workspace,
    args: &[&str],
    severity: &str,
) -> anyhow::Result<(i32, Vec<serde_json::Value>)> {
    let run = ws.run(args)?;
    Ok((
        run.code,
        run.stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["type"] == "diagnostic" && m["diagnostic"]["severity"] == severity)
            .map(|m| m["diagnostic"].clone())
            .collect(),
    ))
}

/// The diagnostic in `found` with `summary`, a detail holding `detail`, on the attribute `at`.
fn on_attribute(found: &[serde_json::Value], summary: &str, detail: &str, at: &str) -> bool {
    found.iter().any(|d| {
        let code = d["snippet"]["code"].as_str().unwrap_or_default().trim();
        d["summary"] == summary
            && d["detail"].as_str().unwrap_or_default().contains(detail)
            && d["address"] == "ecsbg_deployment.web"
            && code.starts_with(at)
    })
}

#[test]
fn references_that_do_not_exist_warn_at_plan_and_fail_the_apply_changing_nothing(
) -> anyhow::Result<()> {
    let emu = Running::start(demo_seed()?, 60.0)?;
    let cases = missing_references();
    assert_eq!(cases.len(), 5);
    let mut failures = Vec::new();
    for c in &cases {
        let ws = emu.workspace(Path::new(PROVIDER))?;
        ws.write_main(&c.config)?;
        let (code, warnings) = diagnostics(&ws, &["plan", "-json"], "warning")?;
        // The warning is the error's summary with "now" (group, application) or "(not found now)".
        let warned = warnings.iter().any(|d| {
            let summary = d["summary"].as_str().unwrap_or_default();
            summary.starts_with(c.summary)
                && summary.contains("not found now")
                && d["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("If this configuration creates it")
        });
        if code != 0 || !warned {
            failures.push(format!(
                "{}: plan exited {code}, expected a warning {:?}… not found now, got {}",
                c.name,
                c.summary,
                serde_json::to_string_pretty(&warnings)?
            ));
            continue;
        }
        let (code, errors) = diagnostics(&ws, &["apply", "-auto-approve", "-json"], "error")?;
        if code == 0 || !on_attribute(&errors, c.summary, c.detail, c.at) {
            failures.push(c.missed(&format!("apply exited {code}, "), &errors)?);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        mutations(&emu),
        Vec::<String>::new(),
        "a reference that does not exist never reaches AWS as a change"
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
