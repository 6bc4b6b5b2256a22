//! The AWS CLI (from PyPI, in the virtual environment under target/ that `aws_cli.rs` uses too) judges the
//! emulator's ECS-native blue/green: the CLI alone builds the stage (cluster, role, load balancer, target
//! groups, listeners, weighted listener rules), creates a BLUE_GREEN service with a PAUSE and a Lambda hook,
//! ships a release through the PAUSE with `continue-service-deployment`, and rolls two more back (the
//! hook's ROLLBACK answer and `stop-service-deployment`), with real HTTP through both listeners throughout
//! and `aws ecs wait services-stable` judged against the waiter botocore ships.
//!
//! `services-stable` (botocore `ecs/2014-11-13/waiters-2.json`: DescribeServices every 15 s, 40 times)
//! succeeds when every service has exactly one `deployments[]` entry and `runningCount == desiredCount`. On
//! a native blue/green service blue keeps its ACTIVE entry beside green's PRIMARY one until CLEAN_UP, so
//! the waiter returns only when a deployment has run through its bake: it keeps polling while a PAUSE hook
//! waits (and would give up after its ten minutes if nobody answered), and a new service or one rolled
//! back to blue is stable at once. These tests hold the emulator to that.

use std::time::Duration;

use serde_json::{json, Value};

use ecsbg_acceptance::awscli::{Cli, Venv};
use ecsbg_acceptance::emulator::{http_get, shell_function, wait_until, Running};
use ecsbg_emulator::Seed;

/// An emulated minute per real second: the one-minute bake is a second.
const SCALE: f64 = 60.0;
/// Long enough for any stage of a deployment at [`SCALE`] on a busy machine.
const LIMIT: Duration = Duration::from_secs(120);
const CLUSTER: &str = "native";
const SERVICE: &str = "web";
/// `aws ecs wait services-stable` for the service.
const SERVICES_STABLE: [&str; 7] = [
    "ecs",
    "wait",
    "services-stable",
    "--cluster",
    CLUSTER,
    "--services",
    SERVICE,
];
/// The Lambda hook's function (a local command the emulator runs as Lambda would).
const FUNCTION: &str = "approve-green";

/// What the CLI made: ARNs to check answers against and the URLs real traffic goes to.
struct Stage {
    production_url: String,
    test_url: String,
    production_rule: String,
    test_rule: String,
    blue_tg: String,
    green_tg: String,
    function_arn: String,
    deployment_configuration: Value,
    load_balancers: Value,
}

/// The emulator with one Lambda function, which records each event it is given in `events` and answers
/// SUCCEEDED; nothing else is seeded: the CLI makes the rest.
fn start(events: &std::path::Path) -> anyhow::Result<Running> {
    let script = format!(
        "cat > \"{}/event-$$.json\"; echo '{{\"hookStatus\":\"SUCCEEDED\"}}'",
        events.display()
    );
    let seed = Seed {
        functions: vec![shell_function(FUNCTION, &script)],
        ..Seed::default()
    };
    Running::start(seed, SCALE)
}

/// A port on 127.0.0.1 nobody listens on right now (the CLI, like AWS, wants a real port number).
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Writes `v` into the CLI's home and returns a `file://` reference for `--cli-input-json` and the like.
fn file(cli: &Cli, name: &str, v: &Value) -> anyhow::Result<String> {
    let path = cli.home().join(name);
    std::fs::write(&path, v.to_string())?;
    Ok(format!("file://{}", path.display()))
}

/// Registers revision `version` of family `native`, saying "Hello from `version`".
fn register(cli: &Cli, version: &str) -> anyhow::Result<String> {
    let td = json!({
        "family": "native",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "web",
            "image": format!("ghcr.io/acme/web:{version}"),
            "portMappings": [{"containerPort": 80}],
            "environment": [{"name": "MESSAGE", "value": format!("Hello from {version}")}]
        }]
    });
    let input = file(cli, &format!("td-{version}.json"), &td)?;
    let out = cli.json(&[
        "ecs",
        "register-task-definition",
        "--cli-input-json",
        &input,
    ])?;
    Ok(text(&out["taskDefinition"]["taskDefinitionArn"]))
}

/// A listener on a free port forwarding to `blue`, and a path rule on it forwarding 100/0 to blue/green.
/// Returns (URL, rule ARN). Retries another port if one was taken between the look and the bind.
fn listener_with_rule(
    cli: &Cli,
    lb: &str,
    blue: &str,
    green: &str,
) -> anyhow::Result<(String, String)> {
    let mut made = None;
    for _ in 0..5 {
        let port = free_port()?.to_string();
        let run = cli.run(&[
            "elbv2",
            "create-listener",
            "--load-balancer-arn",
            lb,
            "--protocol",
            "HTTP",
            "--port",
            &port,
            "--default-actions",
            &format!("Type=forward,TargetGroupArn={blue}"),
        ])?;
        if run.code == 0 {
            made = Some(serde_json::from_str::<Value>(&run.stdout)?);
            break;
        }
        anyhow::ensure!(
            run.stderr.contains("DuplicateListener"),
            "create-listener failed: {}",
            run.stderr
        );
    }
    let made = made.ok_or_else(|| anyhow::anyhow!("no free port for a listener"))?;
    let listener = &made["Listeners"][0];
    let url = format!("http://127.0.0.1:{}", listener["Port"]);
    let actions = json!([{
        "Type": "forward",
        "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": blue, "Weight": 100},
            {"TargetGroupArn": green, "Weight": 0}
        ]}
    }]);
    let conditions = json!([{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]);
    let rule = cli.json(&[
        "elbv2",
        "create-rule",
        "--listener-arn",
        &text(&listener["ListenerArn"]),
        "--priority",
        "1",
        "--conditions",
        &conditions.to_string(),
        "--actions",
        &actions.to_string(),
    ])?;
    Ok((url, text(&rule["Rules"][0]["RuleArn"])))
}

/// The whole stage, made through the CLI, and service `native/web` on v1: ECS controller, BLUE_GREEN with
/// a one-minute bake, a PAUSE hook at POST_TEST_TRAFFIC_SHIFT and a Lambda hook at POST_SCALE_UP.
fn build(cli: &Cli) -> anyhow::Result<Stage> {
    cli.json(&["ecs", "create-cluster", "--cluster-name", CLUSTER])?;
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"
    }]});
    let role = cli.json(&[
        "iam",
        "create-role",
        "--role-name",
        "ecs-infrastructure",
        "--assume-role-policy-document",
        &trust.to_string(),
    ])?;
    let role = text(&role["Role"]["Arn"]);
    cli.json(&[
        "iam",
        "attach-role-policy",
        "--role-name",
        "ecs-infrastructure",
        "--policy-arn",
        "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
    ])?;
    let function = cli.json(&["lambda", "get-function", "--function-name", FUNCTION])?;
    let function_arn = text(&function["Configuration"]["FunctionArn"]);

    let mut tgs = Vec::new();
    for name in ["native-blue", "native-green"] {
        let out = cli.json(&[
            "elbv2",
            "create-target-group",
            "--name",
            name,
            "--protocol",
            "HTTP",
            "--port",
            "80",
            "--target-type",
            "ip",
            "--health-check-path",
            "/health",
        ])?;
        tgs.push(text(&out["TargetGroups"][0]["TargetGroupArn"]));
    }
    let (blue_tg, green_tg) = (tgs[0].clone(), tgs[1].clone());
    let lb = cli.json(&["elbv2", "create-load-balancer", "--name", "native"])?;
    let lb = text(&lb["LoadBalancers"][0]["LoadBalancerArn"]);
    let (production_url, production_rule) = listener_with_rule(cli, &lb, &blue_tg, &green_tg)?;
    let (test_url, test_rule) = listener_with_rule(cli, &lb, &blue_tg, &green_tg)?;

    let v1 = register(cli, "v1")?;
    let deployment_configuration = json!({
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": 1,
        "lifecycleHooks": [
            {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
             "timeoutConfiguration": {"timeoutInMinutes": 1440, "action": "ROLLBACK"}},
            {"targetType": "AWS_LAMBDA", "hookTargetArn": function_arn, "roleArn": role,
             "lifecycleStages": ["POST_SCALE_UP"], "hookDetails": {"team": "web"}}
        ]
    });
    let load_balancers = json!([{
        "targetGroupArn": blue_tg,
        "containerName": "web",
        "containerPort": 80,
        "advancedConfiguration": {
            "alternateTargetGroupArn": green_tg,
            "productionListenerRule": production_rule,
            "testListenerRule": test_rule,
            "roleArn": role
        }
    }]);
    let created = cli.json(&[
        "ecs",
        "create-service",
        "--cluster",
        CLUSTER,
        "--service-name",
        SERVICE,
        "--task-definition",
        &v1,
        "--desired-count",
        "2",
        "--launch-type",
        "FARGATE",
        "--network-configuration",
        "awsvpcConfiguration={subnets=[subnet-0a1b2c3d],assignPublicIp=DISABLED}",
        "--deployment-controller",
        "type=ECS",
        "--deployment-configuration",
        &deployment_configuration.to_string(),
        "--load-balancers",
        &load_balancers.to_string(),
    ])?;
    assert_eq!(created["service"]["serviceName"], SERVICE, "{created}");
    Ok(Stage {
        production_url,
        test_url,
        production_rule,
        test_rule,
        blue_tg,
        green_tg,
        function_arn,
        deployment_configuration,
        load_balancers,
    })
}

/// True when `got` has everything `sent` has: the same scalars, every member of an object, and arrays of
/// the same length whose items hold pairwise.
fn holds(got: &Value, sent: &Value) -> bool {
    match (got, sent) {
        (Value::Object(g), Value::Object(s)) => s
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|gv| holds(gv, v))),
        (Value::Array(g), Value::Array(s)) => {
            g.len() == s.len() && g.iter().zip(s).all(|(g, s)| holds(g, s))
        }
        _ => got == sent,
    }
}

fn body(url: &str) -> String {
    http_get(&format!("{url}/")).1
}

fn describe_service(cli: &Cli) -> anyhow::Result<Value> {
    let out = cli.json(&[
        "ecs",
        "describe-services",
        "--cluster",
        CLUSTER,
        "--services",
        SERVICE,
    ])?;
    Ok(out["services"][0].clone())
}

/// `aws ecs update-service --task-definition`; returns the service deployment it started (the service's
/// `currentServiceDeployment`, which must be the newest `list-service-deployments` names).
fn update_to(cli: &Cli, task_definition: &str) -> anyhow::Result<String> {
    let out = cli.json(&[
        "ecs",
        "update-service",
        "--cluster",
        CLUSTER,
        "--service",
        SERVICE,
        "--task-definition",
        task_definition,
    ])?;
    let current = text(&out["service"]["currentServiceDeployment"]);
    let listed = list_deployments(cli, &[])?;
    assert_eq!(
        listed["serviceDeployments"][0]["serviceDeploymentArn"],
        json!(current),
        "newest first: {listed}"
    );
    Ok(current)
}

fn describe_deployment(cli: &Cli, arn: &str) -> anyhow::Result<Value> {
    let out = cli.json(&[
        "ecs",
        "describe-service-deployments",
        "--service-deployment-arns",
        arn,
    ])?;
    assert_eq!(out["failures"], json!([]), "{out}");
    Ok(out["serviceDeployments"][0].clone())
}

/// Polls describe-service-deployments until `check` holds; returns the last answer.
fn wait_for(
    cli: &Cli,
    arn: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> anyhow::Result<Value> {
    let mut last = Value::Null;
    let reached = wait_until(LIMIT, || {
        last = describe_deployment(cli, arn).unwrap_or(Value::Null);
        check(&last)
    });
    anyhow::ensure!(reached, "{arn} never reached {what}: {last}");
    Ok(last)
}

/// `aws ecs list-service-deployments` of the service, with `extra` arguments (a `--status` filter).
fn list_deployments(cli: &Cli, extra: &[&str]) -> anyhow::Result<Value> {
    let mut args = vec![
        "ecs",
        "list-service-deployments",
        "--cluster",
        CLUSTER,
        "--service",
        SERVICE,
    ];
    args.extend_from_slice(extra);
    cli.json(&args)
}

/// `aws ecs continue-service-deployment` answering the PAUSE hook `hook` of `arn` with `action`.
fn continue_deployment(cli: &Cli, arn: &str, hook: &str, action: &str) -> anyhow::Result<Value> {
    cli.json(&[
        "ecs",
        "continue-service-deployment",
        "--service-deployment-arn",
        arn,
        "--hook-id",
        hook,
        "--action",
        action,
    ])
}

/// Waits for `arn` to end ROLLBACK_SUCCESSFUL; returns its last description.
fn rolled_back(cli: &Cli, arn: &str) -> anyhow::Result<Value> {
    wait_for(cli, arn, "ROLLBACK_SUCCESSFUL", |d| {
        d["status"] == "ROLLBACK_SUCCESSFUL"
    })
}

/// Waits for the deployment to pause at POST_TEST_TRAFFIC_SHIFT; returns the PAUSE hook's id.
fn paused(cli: &Cli, arn: &str) -> anyhow::Result<String> {
    let d = wait_for(cli, arn, "the PAUSE hook", |d| {
        d["lifecycleHookDetails"]
            .as_array()
            .is_some_and(|hooks| hooks.iter().any(|h| h["status"] == "AWAITING_ACTION"))
    })?;
    assert_eq!(d["status"], "IN_PROGRESS", "{d}");
    assert_eq!(d["lifecycleStage"], "POST_TEST_TRAFFIC_SHIFT", "{d}");
    let hooks = d["lifecycleHookDetails"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let pause: Vec<&Value> = hooks
        .iter()
        .filter(|h| h["targetType"] == "PAUSE")
        .collect();
    assert_eq!(pause.len(), 1, "{d}");
    assert_eq!(pause[0]["status"], "AWAITING_ACTION", "{d}");
    assert_eq!(pause[0]["timeoutAction"], "ROLLBACK", "{d}");
    assert!(pause[0]["expiresAt"].is_number(), "{d}");
    Ok(text(&pause[0]["hookId"]))
}

/// The (target group, weight) pairs of a rule's forward action, as `aws elbv2 describe-rules` shows them.
fn rule_weights(cli: &Cli, rule: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let out = cli.json(&["elbv2", "describe-rules", "--rule-arns", rule])?;
    let tgs = out["Rules"][0]["Actions"][0]["ForwardConfig"]["TargetGroups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut weights: Vec<(String, i64)> = tgs
        .iter()
        .map(|t| {
            (
                text(&t["TargetGroupArn"]),
                t["Weight"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    weights.sort();
    Ok(weights)
}

/// A running emulator with the CLI's stage built on it; `events` and `emu` live as long as the test.
struct Started {
    /// Where the Lambda function records its events.
    events: tempfile::TempDir,
    /// The emulator the CLI talks to.
    emu: Running,
    cli: Cli,
    stage: Stage,
}

/// [`start`] with a fresh events directory, the CLI pointed at it, and [`build`]'s stage.
fn start_with_stage() -> anyhow::Result<Started> {
    let venv = Venv::ensure()?;
    let events = tempfile::tempdir()?;
    let emu = start(events.path())?;
    let cli = Cli::new(&venv, &emu.emulator.endpoint_url())?;
    let stage = build(&cli)?;
    Ok(Started {
        events,
        emu,
        cli,
        stage,
    })
}

/// The service's lifecycle events the Lambda function was given.
fn lambda_events(dir: &std::path::Path) -> anyhow::Result<Vec<Value>> {
    let mut events = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(entry?.path())?;
        events.push(serde_json::from_str(&text)?);
    }
    Ok(events)
}

/// The CLI's `wait services-stable` for the service, started now and left running.
fn spawn_waiter(cli: &Cli) -> anyhow::Result<std::process::Child> {
    Ok(cli
        .command(&SERVICES_STABLE)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?)
}

#[test]
fn the_aws_cli_alone_creates_a_native_service_and_ships_v2_through_a_pause_hook(
) -> anyhow::Result<()> {
    let Started {
        events,
        emu: _emu,
        cli,
        stage,
    } = start_with_stage()?;

    // A new native service with one deployment and all its tasks running is stable, as the waiter says.
    let waited = cli.run(&SERVICES_STABLE)?;
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    let service = describe_service(&cli)?;
    assert_eq!(service["deploymentController"]["type"], "ECS", "{service}");
    assert_eq!(
        service["deploymentConfiguration"]["strategy"], "BLUE_GREEN",
        "{service}"
    );
    assert_eq!(
        service["deploymentConfiguration"]["bakeTimeInMinutes"], 1,
        "{service}"
    );
    // Echoed as sent (ECS may add defaults, such as a hook's timeoutConfiguration, but changes nothing).
    assert!(
        holds(
            &service["deploymentConfiguration"],
            &stage.deployment_configuration
        ),
        "deploymentConfiguration as sent: {service}"
    );
    assert_eq!(
        service["loadBalancers"], stage.load_balancers,
        "load balancers as sent: {service}"
    );
    assert_eq!(service["runningCount"], 2, "{service}");
    assert_eq!(body(&stage.production_url), "Hello from v1");
    assert_eq!(body(&stage.test_url), "Hello from v1");

    let v2 = register(&cli, "v2")?;
    let arn = update_to(&cli, &v2)?;
    let waiter = spawn_waiter(&cli)?;
    let hook = paused(&cli, &arn)?;
    let in_progress = list_deployments(&cli, &["--status", "IN_PROGRESS"])?;
    assert_eq!(
        in_progress["serviceDeployments"].as_array().map(|a| a
            .iter()
            .map(|d| text(&d["serviceDeploymentArn"]))
            .collect::<Vec<_>>()),
        Some(vec![arn.clone()]),
        "{in_progress}"
    );
    assert_eq!(
        body(&stage.test_url),
        "Hello from v2",
        "test listener on green"
    );
    assert_eq!(
        body(&stage.production_url),
        "Hello from v1",
        "production on blue"
    );
    // Blue and green both have a deployment entry while paused, so the waiter cannot be satisfied.
    let service = describe_service(&cli)?;
    assert_eq!(
        service["deployments"].as_array().map(Vec::len),
        Some(2),
        "{service}"
    );
    assert_eq!(service["currentServiceDeployment"], json!(arn), "{service}");
    let mut waiter = waiter;
    assert!(
        waiter.try_wait()?.is_none(),
        "services-stable returned while the deployment waits on its PAUSE hook"
    );
    // The Lambda hook ran at POST_SCALE_UP with ECS's event and the hookDetails it was configured with.
    let lambda = lambda_events(events.path())?;
    assert!(
        lambda.iter().any(|e| e["lifecycleStage"] == "POST_SCALE_UP"
            && e["resourceArn"] == json!(arn)
            && e["hookDetails"] == json!({"team": "web"})),
        "{lambda:?}"
    );
    let during = describe_deployment(&cli, &arn)?;
    assert!(
        during["lifecycleHookDetails"]
            .as_array()
            .is_some_and(|h| h.iter().any(|h| h["targetType"] == "AWS_LAMBDA"
                && h["targetArn"] == json!(stage.function_arn)
                && h["status"] == "SUCCEEDED")),
        "{during}"
    );

    let continued = continue_deployment(&cli, &arn, &hook, "CONTINUE")?;
    assert_eq!(continued["serviceDeploymentArn"], json!(arn), "{continued}");
    let waited = waiter.wait_with_output()?;
    assert!(
        waited.status.success(),
        "services-stable failed: {}",
        String::from_utf8_lossy(&waited.stderr)
    );
    // The waiter returns only once blue is cleaned up: the deployment has walked through the bake to its
    // last stage (and then ends SUCCESSFUL).
    let at_return = describe_deployment(&cli, &arn)?;
    assert_eq!(at_return["lifecycleStage"], "CLEAN_UP", "{at_return}");
    let done = wait_for(&cli, &arn, "SUCCESSFUL", |d| d["status"] == "SUCCESSFUL")?;
    assert!(done["finishedAt"].is_number(), "{done}");
    assert!(
        done["lifecycleHookDetails"].as_array().is_some_and(|h| h
            .iter()
            .any(|h| h["hookId"] == json!(hook) && h["status"] == "SUCCEEDED")),
        "{done}"
    );
    assert_eq!(body(&stage.production_url), "Hello from v2");
    let mut green_all = vec![(stage.blue_tg.clone(), 0), (stage.green_tg.clone(), 100)];
    green_all.sort();
    assert_eq!(rule_weights(&cli, &stage.production_rule)?, green_all);
    assert_eq!(rule_weights(&cli, &stage.test_rule)?, green_all);
    let service = describe_service(&cli)?;
    assert_eq!(service["taskDefinition"], json!(v2), "{service}");
    assert_eq!(
        service["deployments"].as_array().map(Vec::len),
        Some(1),
        "{service}"
    );
    // The revision keeps the load balancers as configured; resolvedConfiguration says it serves green.
    let revision = text(&done["targetServiceRevision"]["arn"]);
    let revisions = cli.json(&[
        "ecs",
        "describe-service-revisions",
        "--service-revision-arns",
        &revision,
    ])?;
    let green = &revisions["serviceRevisions"][0];
    assert_eq!(green["taskDefinition"], json!(v2), "{revisions}");
    assert_eq!(green["loadBalancers"], stage.load_balancers, "{revisions}");
    assert_eq!(
        green["resolvedConfiguration"]["loadBalancers"][0]["targetGroupArn"],
        json!(stage.green_tg),
        "{revisions}"
    );
    assert_eq!(
        green["resolvedConfiguration"]["loadBalancers"][0]["productionListenerRule"],
        json!(stage.production_rule),
        "{revisions}"
    );
    Ok(())
}

#[test]
fn the_aws_cli_rolls_native_deployments_back_through_the_pause_hook_and_stop_service_deployment(
) -> anyhow::Result<()> {
    let Started {
        events: _events,
        emu: _emu,
        cli,
        stage,
    } = start_with_stage()?;
    let v1 = describe_service(&cli)?["taskDefinition"].clone();
    let mut blue_all = vec![(stage.blue_tg.clone(), 100), (stage.green_tg.clone(), 0)];
    blue_all.sort();

    // AWS refuses a PAUSE hook where only Lambda hooks may run; the CLI shows the error code.
    let refused = cli.run(&[
        "ecs",
        "update-service",
        "--cluster",
        CLUSTER,
        "--service",
        SERVICE,
        "--deployment-configuration",
        &json!({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": [
            {"targetType": "PAUSE", "lifecycleStages": ["TEST_TRAFFIC_SHIFT"]}
        ]})
        .to_string(),
    ])?;
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("InvalidParameterException"),
        "{}",
        refused.stderr
    );

    // The PAUSE hook answered with ROLLBACK.
    let v2 = register(&cli, "v2")?;
    let first = update_to(&cli, &v2)?;
    let hook = paused(&cli, &first)?;
    assert_eq!(body(&stage.test_url), "Hello from v2");
    continue_deployment(&cli, &first, &hook, "ROLLBACK")?;
    let rolled = rolled_back(&cli, &first)?;
    assert!(rolled["statusReason"].is_string(), "{rolled}");
    assert!(rolled["rollback"]["startedAt"].is_number(), "{rolled}");
    assert_eq!(
        rolled["rollback"]["serviceRevisionArn"], rolled["sourceServiceRevisions"][0]["arn"],
        "rolled back to the source revision: {rolled}"
    );
    assert_eq!(body(&stage.production_url), "Hello from v1");
    assert_eq!(rule_weights(&cli, &stage.production_rule)?, blue_all);

    // StopServiceDeployment with ROLLBACK, while the next one waits on its hook.
    let v3 = register(&cli, "v3")?;
    let second = update_to(&cli, &v3)?;
    paused(&cli, &second)?;
    assert_eq!(body(&stage.test_url), "Hello from v3");
    let stopped = cli.json(&[
        "ecs",
        "stop-service-deployment",
        "--service-deployment-arn",
        &second,
        "--stop-type",
        "ROLLBACK",
    ])?;
    assert_eq!(stopped["serviceDeploymentArn"], json!(second), "{stopped}");
    let now = describe_deployment(&cli, &second)?;
    assert!(
        [
            "ROLLBACK_REQUESTED",
            "ROLLBACK_IN_PROGRESS",
            "ROLLBACK_SUCCESSFUL"
        ]
        .contains(&now["status"].as_str().unwrap_or_default()),
        "a stop with ROLLBACK is a rollback: {now}"
    );
    let rolled = rolled_back(&cli, &second)?;
    assert_eq!(
        rolled["statusReason"], "Service deployment rolled back by user.",
        "{rolled}"
    );
    assert_eq!(body(&stage.production_url), "Hello from v1");
    assert_eq!(rule_weights(&cli, &stage.production_rule)?, blue_all);

    // Back on v1 with one deployment: the waiter says stable, and the history lists all three.
    let waited = cli.run(&SERVICES_STABLE)?;
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    let service = describe_service(&cli)?;
    assert_eq!(service["taskDefinition"], v1, "{service}");
    let history = list_deployments(&cli, &[])?;
    let statuses: Vec<String> = history["serviceDeployments"]
        .as_array()
        .map(|a| a.iter().map(|d| text(&d["status"])).collect())
        .unwrap_or_default();
    assert_eq!(
        statuses,
        ["ROLLBACK_SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "SUCCESSFUL"],
        "{history}"
    );
    Ok(())
}
