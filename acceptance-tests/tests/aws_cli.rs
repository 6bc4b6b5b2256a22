//! The AWS CLI (from PyPI, in a virtual environment under target/) judges the emulator: `aws ecs deploy`
//! against deployment groups created the valid ways there are, its waiters, and the describe/list calls a
//! user reads afterwards, with real HTTP through the production listener at the end.

use serde_json::{json, Value};

use ecsbg_acceptance::awscli::{Cli, Venv};
use ecsbg_acceptance::emulator::{http_get, many_services_seed, wait_until, Running};

/// A CodeDeploy minute per real second: a 5-minute termination wait is 5 s.
const SCALE: f64 = 60.0;

/// One way to configure a group's two waits, and whether its deployments pause for ContinueDeployment.
struct Variant {
    what: &'static str,
    blue_green: Value,
    holds_for_continue: bool,
}

fn variants() -> Vec<Variant> {
    vec![
        Variant {
            what: "CONTINUE_DEPLOYMENT, no wait time, no termination option",
            blue_green: json!({"deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"}}),
            holds_for_continue: false,
        },
        Variant {
            what: "CONTINUE_DEPLOYMENT with zero waits written out",
            blue_green: json!({
                "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 0},
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 0}
            }),
            holds_for_continue: false,
        },
        Variant {
            what: "STOP_DEPLOYMENT after 30 minutes, 5-minute termination wait",
            blue_green: json!({
                "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30},
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 5}
            }),
            holds_for_continue: true,
        },
        Variant {
            what: "CONTINUE_DEPLOYMENT, 8-minute termination wait",
            blue_green: json!({
                "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 8}
            }),
            holds_for_continue: false,
        },
    ]
}

/// Replaces the seeded group `web{i}-prod` with one created through `aws deploy create-deployment-group`.
fn recreate_group(cli: &Cli, i: usize, blue_green: &Value) -> anyhow::Result<()> {
    let group = format!("web{i}-prod");
    let seeded = cli.json(&[
        "deploy",
        "get-deployment-group",
        "--application-name",
        "web",
        "--deployment-group-name",
        &group,
    ])?;
    let info = &seeded["deploymentGroupInfo"];
    cli.json(&[
        "deploy",
        "delete-deployment-group",
        "--application-name",
        "web",
        "--deployment-group-name",
        &group,
    ])?;
    let input = json!({
        "applicationName": "web",
        "deploymentGroupName": group,
        "serviceRoleArn": info["serviceRoleArn"],
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "ecsServices": info["ecsServices"],
        "loadBalancerInfo": info["loadBalancerInfo"],
        "blueGreenDeploymentConfiguration": blue_green,
    });
    let file = cli.home().join(format!("group{i}.json"));
    std::fs::write(&file, input.to_string())?;
    cli.json(&[
        "deploy",
        "create-deployment-group",
        "--cli-input-json",
        &format!("file://{}", file.display()),
    ])?;
    Ok(())
}

/// Writes the task definition and AppSpec files `aws ecs deploy` takes for service `web{i}`.
fn deploy_files(cli: &Cli, i: usize) -> anyhow::Result<(String, String)> {
    let td = json!({
        "family": format!("web{i}"),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "web",
            "image": "ghcr.io/acme/web:v2",
            "portMappings": [{"containerPort": 80}],
            "environment": [{"name": "MESSAGE", "value": format!("Hello from v2 on web{i}")}]
        }]
    });
    let appspec = "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"replaced by aws ecs deploy\"\n        LoadBalancerInfo:\n          ContainerName: \"web\"\n          ContainerPort: 80\n";
    let td_file = cli.home().join(format!("taskdef{i}.json"));
    let appspec_file = cli.home().join(format!("appspec{i}.yaml"));
    std::fs::write(&td_file, td.to_string())?;
    std::fs::write(&appspec_file, appspec)?;
    Ok((
        td_file.display().to_string(),
        appspec_file.display().to_string(),
    ))
}

/// The word after `prefix` on the line of `text` that has it.
fn after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.split_once(prefix).map(|(_, rest)| rest))
        .and_then(|rest| rest.split_whitespace().next())
}

/// Deployments of `web{i}-prod` in `status`.
fn deployments_in(cli: &Cli, i: usize, status: &str) -> Vec<String> {
    cli.json(&[
        "deploy",
        "list-deployments",
        "--application-name",
        "web",
        "--deployment-group-name",
        &format!("web{i}-prod"),
        "--include-only-statuses",
        status,
    ])
    .map(|v| {
        v["deployments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|d| d.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    })
    .unwrap_or_default()
}

#[test]
fn aws_ecs_deploy_ships_v2_through_groups_created_every_valid_way() -> anyhow::Result<()> {
    let venv = Venv::ensure()?;
    let variants = variants();
    let emu = Running::start(many_services_seed(variants.len())?, SCALE)?;
    let cli = Cli::new(&venv, &emu.emulator.endpoint_url())?;

    // AWS refuses a wait time with CONTINUE_DEPLOYMENT; the CLI shows its error code.
    let bad = cli.home().join("bad.json");
    std::fs::write(
        &bad,
        json!({
            "applicationName": "web", "currentDeploymentGroupName": "web0-prod",
            "blueGreenDeploymentConfiguration": {"deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 10}}
        })
        .to_string(),
    )?;
    let refused = cli.run(&[
        "deploy",
        "update-deployment-group",
        "--cli-input-json",
        &format!("file://{}", bad.display()),
    ])?;
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("InvalidBlueGreenDeploymentConfigurationException"),
        "{}",
        refused.stderr
    );

    for (i, v) in variants.iter().enumerate() {
        recreate_group(&cli, i, &v.blue_green)?;
    }

    // Every group's `aws ecs deploy` at once; the held one is continued as a user would.
    let runs: Vec<anyhow::Result<ecsbg_acceptance::awscli::CliRun>> = std::thread::scope(|scope| {
        let handles: Vec<_> = variants
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let cli = &cli;
                scope.spawn(move || {
                    let (td, appspec) = deploy_files(cli, i)?;
                    cli.run(&[
                        "ecs",
                        "deploy",
                        "--cluster",
                        "demo",
                        "--service",
                        &format!("web{i}"),
                        "--task-definition",
                        &td,
                        "--codedeploy-appspec",
                        &appspec,
                        "--codedeploy-application",
                        "web",
                        "--codedeploy-deployment-group",
                        &format!("web{i}-prod"),
                    ])
                })
            })
            .collect();
        for (i, v) in variants.iter().enumerate() {
            if v.holds_for_continue {
                let mut ready = Vec::new();
                let found = wait_until(std::time::Duration::from_secs(120), || {
                    ready = deployments_in(&cli, i, "Ready");
                    !ready.is_empty()
                });
                assert!(found, "web{i}-prod never reached Ready ({})", v.what);
                if let Err(e) = cli.json(&[
                    "deploy",
                    "continue-deployment",
                    "--deployment-id",
                    &ready[0],
                    "--deployment-wait-type",
                    "READY_WAIT",
                ]) {
                    panic!("continuing {} failed: {e:#}", ready[0]);
                }
            }
        }
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("deploy thread panicked")))
            })
            .collect::<Vec<_>>()
    });

    for ((i, v), run) in variants.iter().enumerate().zip(runs) {
        let run = run?;
        assert_eq!(
            run.code, 0,
            "aws ecs deploy for {} failed:\n{}\n{}",
            v.what, run.stdout, run.stderr
        );
        let arn = after(
            &run.stdout,
            "Successfully registered new ECS task definition ",
        )
        .unwrap_or_default()
        .to_string();
        let id = after(&run.stdout, "Successfully created deployment ")
            .unwrap_or_default()
            .to_string();
        assert!(
            arn.ends_with(&format!(":task-definition/web{i}:2")),
            "{}: {}",
            v.what,
            run.stdout
        );
        assert!(
            run.stdout
                .contains(&format!("Successfully deployed {arn} to service 'web{i}'")),
            "{}: {}",
            v.what,
            run.stdout
        );

        let got = cli.json(&["deploy", "get-deployment", "--deployment-id", &id])?;
        assert_eq!(got["deploymentInfo"]["status"], "Succeeded", "{}", v.what);
        let waited = cli.run(&[
            "deploy",
            "wait",
            "deployment-successful",
            "--deployment-id",
            &id,
        ])?;
        assert_eq!(waited.code, 0, "{}: {}", v.what, waited.stderr);

        let services = cli.json(&[
            "ecs",
            "describe-services",
            "--cluster",
            "demo",
            "--services",
            &format!("web{i}"),
        ])?;
        let service = &services["services"][0];
        let primary: Vec<&Value> = service["taskSets"]
            .as_array()
            .map(|sets| sets.iter().filter(|t| t["status"] == "PRIMARY").collect())
            .unwrap_or_default();
        assert_eq!(primary.len(), 1, "{}: {service}", v.what);
        assert_eq!(primary[0]["taskDefinition"], json!(arn), "{}", v.what);
        assert_eq!(service["taskDefinition"], json!(arn), "{}", v.what);
        // A CODE_DEPLOY service keeps its state in task sets, not deployments (as on AWS: boto/botocore#2865).
        assert_eq!(service["deployments"], json!([]), "{}", v.what);

        let (status, body) = http_get(&emu.listener(&format!("web{i}/production")));
        assert_eq!(
            (status, body.as_str()),
            (200, format!("Hello from v2 on web{i}").as_str()),
            "{}",
            v.what
        );

        let target = cli.json(&[
            "deploy",
            "get-deployment-target",
            "--deployment-id",
            &id,
            "--target-id",
            &format!("demo:web{i}"),
        ])?;
        let events = target["deploymentTarget"]["ecsTarget"]["lifecycleEvents"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(events.len(), 8, "{}: {target}", v.what);
        assert!(
            events.iter().all(|e| e["status"] == "Succeeded"),
            "{}: {target}",
            v.what
        );
        let listed = cli.json(&["deploy", "list-deployment-targets", "--deployment-id", &id])?;
        assert_eq!(listed["targetIds"], json!([format!("demo:web{i}")]));

        let group = cli.json(&[
            "deploy",
            "get-deployment-group",
            "--application-name",
            "web",
            "--deployment-group-name",
            &format!("web{i}-prod"),
        ])?;
        let bg = &group["deploymentGroupInfo"]["blueGreenDeploymentConfiguration"];
        assert!(
            bg["deploymentReadyOption"]["waitTimeInMinutes"].is_number(),
            "{}: {bg}",
            v.what
        );
        assert!(
            bg["terminateBlueInstancesOnDeploymentSuccess"]["terminationWaitTimeInMinutes"]
                .is_number(),
            "{}: {bg}",
            v.what
        );
    }

    // The production listener forwards to the group the new task set sits on, as elbv2 describes it.
    let listeners = cli.json(&[
        "elbv2",
        "describe-listeners",
        "--listener-arns",
        &emu.emulator.seed_report().listeners["web0/production"].arn,
    ])?;
    let forward = &listeners["Listeners"][0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"];
    let weights: Vec<(String, i64)> = forward
        .as_array()
        .map(|tgs| {
            tgs.iter()
                .map(|t| {
                    (
                        t["TargetGroupArn"].as_str().unwrap_or_default().to_string(),
                        t["Weight"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let green = &emu.emulator.seed_report().target_groups["web0-green"];
    assert!(
        weights.contains(&(green.clone(), 100)),
        "production forwards all to web0-green: {listeners}"
    );
    Ok(())
}

#[test]
fn aws_ecs_wait_services_stable_returns_for_a_service_that_is_stable() -> anyhow::Result<()> {
    let venv = Venv::ensure()?;
    let emu = Running::start(many_services_seed(1)?, SCALE)?;
    let cli = Cli::new(&venv, &emu.emulator.endpoint_url())?;
    let tg = emu.emulator.seed_report().target_groups["web0-blue"].clone();
    let lbs = format!("targetGroupArn={tg},containerName=web,containerPort=80");
    cli.json(&[
        "ecs",
        "create-service",
        "--cluster",
        "demo",
        "--service-name",
        "plain",
        "--task-definition",
        "web0",
        "--desired-count",
        "2",
        "--load-balancers",
        &lbs,
    ])?;
    let waited = cli.run(&[
        "ecs",
        "wait",
        "services-stable",
        "--cluster",
        "demo",
        "--services",
        "plain",
    ])?;
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    let described = cli.json(&[
        "ecs",
        "describe-services",
        "--cluster",
        "demo",
        "--services",
        "plain",
    ])?;
    let service = &described["services"][0];
    assert_eq!(service["runningCount"], 2, "{service}");
    assert_eq!(service["deployments"][0]["status"], "PRIMARY", "{service}");
    assert_eq!(
        service["deployments"][0]["rolloutState"], "COMPLETED",
        "{service}"
    );
    let tasks = cli.json(&[
        "ecs",
        "list-tasks",
        "--cluster",
        "demo",
        "--service-name",
        "plain",
    ])?;
    assert_eq!(
        tasks["taskArns"].as_array().map(Vec::len),
        Some(2),
        "{tasks}"
    );
    Ok(())
}
