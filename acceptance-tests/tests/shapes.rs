//! Shape conformance: every answer the emulator gives — for every operation its dispatch tables serve — is
//! checked against AWS's published models (botocore's service-2.json from the AWS CLI's own environment):
//! required members, member types, enum values, timestamp formats per protocol, declared error codes.
//! The traffic is a realistic day: the demo stage read, a deployment through its ready and termination
//! waits, a stop with rollback, an alarm that rolls back, and the mistakes users make; then every served
//! operation the day did not touch is called once with an empty input, so its answer is judged too.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use ecsbg_acceptance::awscli::{Cli, Venv};
use ecsbg_acceptance::campaign::reports_dir;
use ecsbg_acceptance::emulator::{demo_seed, not_found_burst, shell_function, wait_until, Running};
use ecsbg_acceptance::shapes::model::Model;
use ecsbg_acceptance::shapes::proxy::{Exchange, Proxy};
use ecsbg_acceptance::shapes::{served_operations, Models};

const SCALE: f64 = 60.0;
const SERVICES: &[&str] = &[
    "ecs",
    "codedeploy",
    "elbv2",
    "cloudwatch",
    "lambda",
    "iam",
    "ec2",
    "sts",
];

/// `aws ARGS…`, which must succeed.
fn ok(cli: &Cli, args: &[&str]) -> Value {
    cli.json(args)
        .unwrap_or_else(|e| panic!("aws {}: {e:#}", args.join(" ")))
}

/// `aws ARGS…`, which must fail with `code`.
fn fails(cli: &Cli, args: &[&str], code: &str) {
    let run = cli
        .run(args)
        .unwrap_or_else(|e| panic!("aws {}: {e:#}", args.join(" ")));
    assert!(
        run.code != 0 && run.stderr.contains(code),
        "aws {} should fail with {code}: {} {}",
        args.join(" "),
        run.stdout,
        run.stderr
    );
}

fn status(cli: &Cli, id: &str) -> String {
    ok(cli, &["deploy", "get-deployment", "--deployment-id", id])["deploymentInfo"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn await_status(cli: &Cli, id: &str, want: &str) {
    let reached = wait_until(Duration::from_secs(120), || status(cli, id) == want);
    assert!(
        reached,
        "{id} never reached {want} (now {})",
        status(cli, id)
    );
}

/// `aws LINE`, split on white space (no argument here has any), which must succeed.
fn aws(cli: &Cli, line: &str) -> Value {
    ok(cli, &line.split_whitespace().collect::<Vec<_>>())
}

/// `aws LINE`, split on white space, which must fail with `code`.
fn aws_fails(cli: &Cli, line: &str, code: &str) {
    fails(cli, &line.split_whitespace().collect::<Vec<_>>(), code)
}

/// A revision file for `aws deploy create-deployment --revision file://…`.
fn revision(cli: &Cli, name: &str, task_definition: &str) -> String {
    let content = json!({
        "version": 0.0,
        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
            "TaskDefinition": task_definition,
            "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}
        }}}]
    })
    .to_string();
    let file = cli.home().join(name);
    let rev = json!({"revisionType": "AppSpecContent", "appSpecContent": {"content": content}});
    std::fs::write(&file, rev.to_string()).expect("writing a revision file");
    format!("file://{}", file.display())
}

fn register(cli: &Cli, family: &str, version: &str) -> String {
    let td = json!({
        "family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": "web", "image": format!("ghcr.io/acme/web:{version}"),
            "portMappings": [{"containerPort": 80}],
            "environment": [{"name": "MESSAGE", "value": format!("Hello from {version}")}]}]
    });
    let file = cli.home().join(format!("{family}-{version}.json"));
    std::fs::write(&file, td.to_string()).expect("writing a task definition");
    ok(
        cli,
        &[
            "ecs",
            "register-task-definition",
            "--cli-input-json",
            &format!("file://{}", file.display()),
        ],
    )["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// `aws deploy create-deployment` of `rev` to the demo's `web-prod` group.
fn create_deployment(rev: &str) -> [&str; 8] {
    [
        "deploy",
        "create-deployment",
        "--application-name",
        "web",
        "--deployment-group-name",
        "web-prod",
        "--revision",
        rev,
    ]
}

fn deploy(cli: &Cli, rev: &str) -> String {
    ok(cli, &create_deployment(rev))["deploymentId"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// ECS, ELBv2 and CloudWatch reads and writes a team makes around a release.
fn stage_calls(cli: &Cli, emu: &Running) {
    let report = emu.emulator.seed_report();
    let blue = report.target_groups["web-blue"].clone();
    let lb = report.load_balancers["web"].clone();
    let test_listener = report.listeners["web/test"].arn.clone();
    aws(cli, "ecs list-task-definitions");
    aws(
        cli,
        "ecs describe-task-definition --task-definition web --include TAGS",
    );
    aws_fails(
        cli,
        "ecs describe-task-definition --task-definition nope:1",
        "ClientException",
    );
    aws(
        cli,
        "ecs describe-services --cluster demo --services web nope",
    );
    aws(cli, "ecs describe-task-sets --cluster demo --service web");
    let tasks = aws(cli, "ecs list-tasks --cluster demo --service-name web");
    let first = tasks["taskArns"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    aws(
        cli,
        &format!("ecs describe-tasks --cluster demo --tasks {first}"),
    );
    aws(
        cli,
        "ecs update-service --cluster demo --service web --desired-count 2",
    );
    aws(cli, "ecs create-cluster --cluster-name extra");
    let scratch = register(cli, "scratch", "v0");
    aws(cli, &format!("ecs create-service --cluster extra --service-name plain --task-definition {scratch} --desired-count 1"));
    aws(
        cli,
        &format!("ecs deregister-task-definition --task-definition {scratch}"),
    );
    aws_fails(
        cli,
        &format!("ecs update-service --cluster demo --service web --task-definition {scratch}"),
        "Exception",
    );

    aws(cli, "elbv2 describe-load-balancers");
    aws(cli, "elbv2 describe-target-groups");
    aws(
        cli,
        &format!("elbv2 describe-listeners --load-balancer-arn {lb}"),
    );
    aws(
        cli,
        &format!("elbv2 describe-rules --listener-arn {test_listener}"),
    );
    aws(
        cli,
        &format!("elbv2 describe-target-health --target-group-arn {blue}"),
    );
    aws_fails(
        cli,
        "elbv2 describe-target-groups --names nope",
        "TargetGroupNotFound",
    );
    let tg = aws(cli, "elbv2 create-target-group --name extra-tg --protocol HTTP --port 80 --vpc-id vpc-1 --target-type ip --health-check-path /health");
    let tg = tg["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let new_lb = aws(
        cli,
        "elbv2 create-load-balancer --name extra-lb --subnets subnet-1 subnet-2",
    );
    let new_lb = new_lb["LoadBalancers"][0]["LoadBalancerArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let forward = format!("Type=forward,TargetGroupArn={tg}");
    ok(
        cli,
        &[
            "elbv2",
            "create-listener",
            "--load-balancer-arn",
            &new_lb,
            "--protocol",
            "HTTP",
            "--port",
            "8080",
            "--default-actions",
            &forward,
        ],
    );
    let to_blue = format!("Type=forward,TargetGroupArn={blue}");
    ok(
        cli,
        &[
            "elbv2",
            "modify-listener",
            "--listener-arn",
            &test_listener,
            "--default-actions",
            &to_blue,
        ],
    );

    aws(cli, "cloudwatch describe-alarms");
    aws(cli, "cloudwatch put-metric-alarm --alarm-name extra-5xx --metric-name HTTPCode_Target_5XX_Count --namespace AWS/ApplicationELB --statistic Sum --period 60 --evaluation-periods 1 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data notBreaching");
    ok(
        cli,
        &[
            "cloudwatch",
            "put-metric-data",
            "--namespace",
            "Acme/Web",
            "--metric-data",
            "MetricName=Errors,Value=0,Unit=Count",
        ],
    );
    aws(
        cli,
        "cloudwatch set-alarm-state --alarm-name extra-5xx --state-value OK --state-reason checked",
    );
    aws(cli, "cloudwatch describe-alarms --alarm-names extra-5xx");
    aws(cli, "cloudwatch delete-alarms --alarm-names extra-5xx");
    aws_fails(
        cli,
        "lambda get-function --function-name CodeDeployHook_nope",
        "ResourceNotFoundException",
    );
    aws(
        cli,
        "lambda get-function --function-name CodeDeployHook_gate",
    );
    aws(
        cli,
        "ecs describe-services --cluster extra --services plain",
    );
}

/// Older clients speak awsQuery to CloudWatch: one read and one error on that wire.
fn cloudwatch_query_calls(endpoint: &str) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let host = endpoint.trim_start_matches("http://");
    for body in [
        "Action=DescribeAlarms&Version=2010-08-01",
        "Action=SetAlarmState&Version=2010-08-01&AlarmName=nope&StateValue=OK&StateReason=x",
    ] {
        let mut stream = std::net::TcpStream::connect(host)?;
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut sink = Vec::new();
        stream.read_to_end(&mut sink)?;
    }
    Ok(())
}

/// CodeDeploy: set-up reads, a deployment through both waits, a stop with rollback, an alarm rollback.
fn deployment_calls(cli: &Cli, test_listener: &str) {
    aws(cli, "deploy get-application --application-name web");
    aws_fails(
        cli,
        "deploy get-application --application-name nope",
        "ApplicationDoesNotExistException",
    );
    aws(
        cli,
        "deploy create-application --application-name extra-app --compute-platform ECS",
    );
    aws(
        cli,
        "deploy get-deployment-group --application-name web --deployment-group-name web-prod",
    );
    aws(cli, "deploy batch-get-deployment-groups --application-name web --deployment-group-names web-prod nope");
    ok(
        cli,
        &[
            "deploy",
            "create-deployment-config",
            "--deployment-config-name",
            "Canary10Every1",
            "--compute-platform",
            "ECS",
            "--traffic-routing-config",
            "type=TimeBasedCanary,timeBasedCanary={canaryPercentage=10,canaryInterval=1}",
        ],
    );
    aws(
        cli,
        "deploy get-deployment-config --deployment-config-name Canary10Every1",
    );
    aws(
        cli,
        "deploy get-deployment-config --deployment-config-name CodeDeployDefault.ECSAllAtOnce",
    );
    ok(cli, &["deploy", "update-deployment-group", "--application-name", "web", "--current-deployment-group-name", "web-prod", "--auto-rollback-configuration", "enabled=true,events=DEPLOYMENT_FAILURE,DEPLOYMENT_STOP_ON_ALARM,DEPLOYMENT_STOP_ON_REQUEST",
        // An hour's termination wait is a minute of real time: the test ends it with ContinueDeployment.
        "--blue-green-deployment-configuration",
        "deploymentReadyOption={actionOnTimeout=STOP_DEPLOYMENT,waitTimeInMinutes=60},terminateBlueInstancesOnDeploymentSuccess={action=TERMINATE,terminationWaitTimeInMinutes=60}"]);
    aws_fails(
        cli,
        "deploy get-deployment --deployment-id d-NOTREAL12",
        "DeploymentDoesNotExistException",
    );

    // v2 through the ready wait and the termination wait.
    let v2 = register(cli, "web", "v2");
    let rev2 = revision(cli, "rev2.json", &v2);
    let d1 = deploy(cli, &rev2);
    fails(
        cli,
        &create_deployment(&rev2),
        "DeploymentLimitExceededException",
    );
    await_status(cli, &d1, "Ready");
    aws(cli, "deploy list-deployments --application-name web --deployment-group-name web-prod --include-only-statuses Ready InProgress");
    aws(
        cli,
        &format!("deploy batch-get-deployments --deployment-ids {d1}"),
    );
    aws(
        cli,
        &format!("deploy list-deployment-targets --deployment-id {d1}"),
    );
    aws(
        cli,
        &format!("deploy get-deployment-target --deployment-id {d1} --target-id demo:web"),
    );
    aws(
        cli,
        &format!("deploy batch-get-deployment-targets --deployment-id {d1} --target-ids demo:web"),
    );
    aws(cli, "ecs describe-services --cluster demo --services web");
    let sent = aws(cli, &format!("deploy get-deployment --deployment-id {d1}"));
    let sha = sent["deploymentInfo"]["revision"]["appSpecContent"]["sha256"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let by_sha = format!("revisionType=AppSpecContent,appSpecContent={{sha256={sha}}}");
    aws(
        cli,
        &format!("deploy get-application-revision --application-name web --revision {by_sha}"),
    );
    aws(
        cli,
        &format!(
            "deploy continue-deployment --deployment-id {d1} --deployment-wait-type READY_WAIT"
        ),
    );
    let in_termination_wait = wait_until(Duration::from_secs(60), || {
        let t = aws(
            cli,
            &format!("deploy get-deployment-target --deployment-id {d1} --target-id demo:web"),
        );
        t["deploymentTarget"]["ecsTarget"]["lifecycleEvents"]
            .as_array()
            .is_some_and(|e| e.iter().all(|x| x["status"] == "Succeeded"))
    });
    assert!(
        in_termination_wait,
        "{d1} never reached its termination wait"
    );
    assert_eq!(status(cli, &d1), "InProgress");
    aws(cli, &format!("deploy continue-deployment --deployment-id {d1} --deployment-wait-type TERMINATION_WAIT"));
    aws(
        cli,
        &format!("deploy wait deployment-successful --deployment-id {d1}"),
    );
    aws_fails(
        cli,
        &format!(
            "deploy continue-deployment --deployment-id {d1} --deployment-wait-type READY_WAIT"
        ),
        "Exception",
    );

    // v3 stopped by request, rolled back.
    let v3 = register(cli, "web", "v3");
    let rev3 = revision(cli, "rev3.json", &v3);
    let d2 = deploy(cli, &rev3);
    await_status(cli, &d2, "Ready");
    aws(
        cli,
        &format!("deploy stop-deployment --deployment-id {d2} --auto-rollback-enabled"),
    );
    await_status(cli, &d2, "Stopped");
    let stopped = aws(cli, &format!("deploy get-deployment --deployment-id {d2}"));
    let rollback = stopped["deploymentInfo"]["rollbackInfo"]["rollbackDeploymentId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(rollback.starts_with("d-"), "{stopped}");
    await_status(cli, &rollback, "Succeeded");
    aws(
        cli,
        &format!("deploy batch-get-deployments --deployment-ids {d2} {rollback}"),
    );
    aws(
        cli,
        &format!("deploy get-deployment-target --deployment-id {rollback} --target-id demo:web"),
    );

    // v3 again; the 404 alarm fires and CodeDeploy rolls back.
    let d3 = deploy(cli, &rev3);
    await_status(cli, &d3, "Ready");
    ok(
        cli,
        &[
            "cloudwatch",
            "set-alarm-state",
            "--alarm-name",
            "web-404s",
            "--state-value",
            "ALARM",
            "--state-reason",
            "a burst of 404s",
        ],
    );
    // A real burst of 404s keeps the alarm in ALARM until CodeDeploy's poll sees it.
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            not_found_burst(test_listener, Duration::from_secs(120), || {
                stop.load(std::sync::atomic::Ordering::SeqCst)
            })
        });
        await_status(cli, &d3, "Stopped");
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    aws(cli, &format!("deploy get-deployment --deployment-id {d3}"));
    aws(
        cli,
        "deploy list-deployments --application-name web --deployment-group-name web-prod",
    );
    aws_fails(cli, &format!("deploy put-lifecycle-event-hook-execution-status --deployment-id {d3} --lifecycle-event-hook-execution-id nope --status Succeeded"), "Exception");
}

/// One call on the wire a client of `service` would use, with an empty input: how an operation the day did
/// not touch is still made to answer.
fn probe(endpoint: &str, model: &Model, op: &str) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let host = endpoint.trim_start_matches("http://");
    let version = model.metadata("apiVersion").unwrap_or_default();
    let (head, body): (String, Vec<u8>) = match (model.metadata("protocol"), model.metadata("targetPrefix")) {
        (Some("rest-json"), _) => {
            let http = model.operation(op).map(|o| o["http"].clone()).unwrap_or_default();
            let uri = http["requestUri"].as_str().unwrap_or("/");
            let method = http["method"].as_str().unwrap_or("GET");
            let path: String = uri.split('?').next().unwrap_or(uri).split('/').map(|s| if s.starts_with('{') { "probe" } else { s }).collect::<Vec<_>>().join("/");
            (format!("{method} {path} HTTP/1.1\r\n"), Vec::new())
        }
        // EC2's protocol is the query protocol on the way in.
        (Some("query" | "ec2"), _) => (
            "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n".to_string(),
            format!("Action={op}&Version={version}").into_bytes(),
        ),
        // The CBOR empty map is the single byte 0xa0.
        (Some("smithy-rpc-v2-cbor"), Some(prefix)) => (
            format!("POST /service/{prefix}/operation/{op} HTTP/1.1\r\nContent-Type: application/cbor\r\nSmithy-Protocol: rpc-v2-cbor\r\n"),
            vec![0xa0],
        ),
        (_, Some(prefix)) => (
            format!("POST / HTTP/1.1\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {prefix}.{op}\r\n"),
            b"{}".to_vec(),
        ),
        _ => anyhow::bail!("no way to call {}.{op}", model.service),
    };
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.write_all(
        format!(
            "{head}Host: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )?;
    stream.write_all(&body)?;
    let mut sink = Vec::new();
    stream.read_to_end(&mut sink)?;
    Ok(())
}

/// The Rust SDK speaks CBOR to CloudWatch: its answers are judged too.
fn cbor_calls(rt: &Running, endpoint: &str) {
    let endpoint = endpoint.to_string();
    rt.block_on(async move {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        let cw = aws_sdk_cloudwatch::Client::new(&config);
        cw.describe_alarms()
            .send()
            .await
            .expect("DescribeAlarms over CBOR");
        cw.set_alarm_state()
            .alarm_name("web-404s")
            .state_value(aws_sdk_cloudwatch::types::StateValue::Ok)
            .state_reason("quiet again")
            .send()
            .await
            .expect("SetAlarmState over CBOR");
        let missing = cw
            .set_alarm_state()
            .alarm_name("nope")
            .state_value(aws_sdk_cloudwatch::types::StateValue::Ok)
            .state_reason("x")
            .send()
            .await;
        assert!(missing.is_err(), "SetAlarmState of a missing alarm fails");
    });
}

#[test]
fn every_answer_matches_the_aws_models() -> anyhow::Result<()> {
    let venv = Venv::ensure()?;
    let mut models = BTreeMap::new();
    for s in SERVICES {
        models.insert(s.to_string(), Model::new(s, venv.service_model(s)?));
    }
    let models = Models(models);
    let served = served_operations(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("emulator/src"),
    )?;
    for (service, ops) in &served {
        for op in ops {
            assert!(
                models.0[service].operation(op).is_some(),
                "the emulator serves {service}.{op}, which AWS's model does not have"
            );
        }
    }

    let mut seed = demo_seed()?;
    seed.functions
        .push(shell_function("CodeDeployHook_gate", "exit 0"));
    let emu = Running::start(seed, SCALE)?;
    let proxy = Proxy::start(&emu.emulator.endpoint_url())?;
    let cli = Cli::new(&venv, &proxy.url)?;
    stage_calls(&cli, &emu);
    deployment_calls(&cli, &emu.listener("web/test"));
    cbor_calls(&emu, &proxy.url);
    cloudwatch_query_calls(&proxy.url)?;

    // Every served operation the day did not reach answers once, to an empty input.
    let reached: Vec<_> = proxy
        .exchanges()
        .iter()
        .filter_map(|ex| models.classify(ex).map(|(c, _)| c))
        .collect();
    for (service, ops) in &served {
        for op in ops {
            if !reached
                .iter()
                .any(|c| &c.service == service && &c.operation == op)
            {
                probe(&proxy.url, &models.0[service], op)?;
            }
        }
    }

    let mut answers: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut findings = Vec::new();
    for ex in proxy.exchanges() {
        let (called, found) = models.check(&ex);
        if let Some(c) = called {
            let entry = answers.entry((c.service, c.operation)).or_default();
            if ex.status < 300 {
                entry.0 += 1
            } else {
                entry.1 += 1
            }
        }
        findings.extend(found);
    }
    let mut unanswered = Vec::new();
    for (service, ops) in &served {
        for op in ops {
            if !answers.contains_key(&(service.clone(), op.clone())) {
                unanswered.push(format!("{service}.{op}"));
            }
        }
    }
    let mut page = format!(
        "# Shape conformance\n\nEvery answer the emulator gave in `acceptance-tests/tests/shapes.rs`, checked against the service models of botocore {} (from the AWS CLI's environment). {} operations served, every one answered.\n\n| operation | successful answers | error answers |\n|---|---|---|\n",
        venv.botocore_version()?,
        served.values().map(Vec::len).sum::<usize>()
    );
    for ((s, o), (good, bad)) in &answers {
        page.push_str(&format!("| {s}.{o} | {good} | {bad} |\n"));
    }
    std::fs::create_dir_all(reports_dir())?;
    std::fs::write(reports_dir().join("shapes.md"), &page)?;
    findings.sort();
    findings.dedup();
    assert!(
        unanswered.is_empty(),
        "served operations that never answered: {unanswered:?}"
    );
    assert!(
        findings.is_empty(),
        "{} answers differ from AWS's models:\n{}",
        findings.len(),
        findings.join("\n")
    );
    Ok(())
}

/// An answer as the proxy would have recorded it.
fn answer(headers: &[(&str, &str)], body: &[u8], status: u16, request: (&str, &[u8])) -> Exchange {
    Exchange {
        method: "POST".into(),
        path: request.0.into(),
        request_headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        request_body: request.1.to_vec(),
        status,
        response_headers: vec![("content-type".into(), "application/x-amz-json-1.1".into())],
        response_body: body.to_vec(),
    }
}

/// The judge itself can fail: answers wrong in each way it checks are each named.
#[test]
fn the_judge_names_each_kind_of_wrong_answer() -> anyhow::Result<()> {
    let venv = Venv::ensure()?;
    let mut models = BTreeMap::new();
    for s in ["codedeploy", "elbv2", "cloudwatch"] {
        models.insert(s.to_string(), Model::new(s, venv.service_model(s)?));
    }
    let models = Models(models);
    let target = |op: &str| vec![("x-amz-target", format!("CodeDeploy_20141006.{op}"))];
    let json_call = |op: &str, body: Value, status: u16| {
        let t = target(op);
        let headers: Vec<(&str, &str)> = t.iter().map(|(k, v)| (*k, v.as_str())).collect();
        models
            .check(&answer(
                &headers,
                body.to_string().as_bytes(),
                status,
                ("/", b"{}"),
            ))
            .1
    };
    let group = json_call(
        "GetDeploymentGroup",
        json!({"deploymentGroupInfo": {
            "computePlatform": "Fargate",
            "madeUp": 1,
            "blueGreenDeploymentConfiguration": {
                "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": "5"}
            }
        }}),
        200,
    );
    for expected in [
        "computePlatform: \"Fargate\" is not one of",
        "madeUp: not a member of DeploymentGroupInfo",
        "deploymentReadyOption.waitTimeInMinutes: required, missing",
        "terminationWaitTimeInMinutes: \"5\" does not fit integer",
    ] {
        assert!(
            group.iter().any(|f| f.contains(expected)),
            "{expected:?} not in {group:?}"
        );
    }
    let deployment = json_call(
        "GetDeployment",
        json!({"deploymentInfo": {"createTime": "2026-11-28T06:11:43Z"}}),
        200,
    );
    assert!(
        deployment
            .iter()
            .any(|f| f.contains("createTime") && f.contains("timestamp")),
        "{deployment:?}"
    );
    let undeclared = json_call(
        "GetDeployment",
        json!({"__type": "NoSuchThingException", "message": "m"}),
        400,
    );
    assert!(
        undeclared
            .iter()
            .any(|f| f.contains("NoSuchThingException is not declared")),
        "{undeclared:?}"
    );

    let form = b"Action=DescribeLoadBalancers&Version=2015-12-01";
    let xml = b"<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers><member><CreatedTime>1764310303</CreatedTime><Bogus>1</Bogus></member></LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>";
    let query = models.check(&answer(&[], xml, 200, ("/", form))).1;
    assert!(
        query
            .iter()
            .any(|f| f.contains("CreatedTime") && f.contains("timestamp")),
        "{query:?}"
    );
    assert!(
        query.iter().any(|f| f.contains("Bogus: not a member")),
        "{query:?}"
    );

    let mut cbor = Vec::new();
    let untagged = ciborium::Value::Map(vec![(
        ciborium::Value::Text("MetricAlarms".into()),
        ciborium::Value::Array(vec![ciborium::Value::Map(vec![(
            ciborium::Value::Text("StateUpdatedTimestamp".into()),
            ciborium::Value::Integer(1_764_310_303.into()),
        )])]),
    )]);
    ciborium::into_writer(&untagged, &mut cbor)?;
    let mut ex = answer(
        &[],
        &cbor,
        200,
        (
            "/service/GraniteServiceVersion20100801/operation/DescribeAlarms",
            b"",
        ),
    );
    ex.response_headers
        .push(("smithy-protocol".into(), "rpc-v2-cbor".into()));
    let found = models.check(&ex).1;
    assert!(
        found
            .iter()
            .any(|f| f.contains("StateUpdatedTimestamp") && f.contains("timestamp")),
        "{found:?}"
    );
    Ok(())
}
