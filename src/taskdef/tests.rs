//! Normalisation and diff against what ECS really returns.

use serde_json::json;

use super::*;

fn user() -> serde_json::Value {
    json!({
        "family": "web",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": 256,
        "memory": "0.5 GB",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "containerDefinitions": [
            {"name": "web", "image": "nginx:1.25",
             "portMappings": [{"containerPort": 80}],
             "environment": [{"name": "MESSAGE", "value": "Hello from v1"}, {"name": "A_FLAG", "value": 1}],
             "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}]},
            {"name": "log_router", "image": "amazon/aws-for-fluent-bit:stable", "essential": true,
             "firelensConfiguration": {"type": "fluentbit"}}
        ]
    })
}

/// What DescribeTaskDefinition returns for `user()`: defaults filled, read-only fields, other order.
fn as_ecs_returns() -> serde_json::Value {
    json!({
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
        "revision": 7, "status": "ACTIVE", "registeredAt": 1732480000.0, "registeredBy": "arn:aws:iam::123456789012:root",
        "requiresAttributes": [{"name": "ecs.capability.execution-role-awslogs"}],
        "compatibilities": ["EC2", "FARGATE"],
        "family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512", "volumes": [], "placementConstraints": [],
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "containerDefinitions": [
            {"name": "log_router", "image": "amazon/aws-for-fluent-bit:stable", "cpu": 0, "essential": true,
             "portMappings": [], "environment": [], "mountPoints": [], "volumesFrom": [], "systemControls": [],
             "firelensConfiguration": {"type": "fluentbit", "options": {}}},
            {"name": "web", "image": "nginx:1.25", "cpu": 0, "essential": true,
             "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
             "environment": [{"name": "A_FLAG", "value": "1"}, {"name": "MESSAGE", "value": "Hello from v1"}],
             "mountPoints": [], "volumesFrom": [], "systemControls": [],
             "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}]}
        ]
    })
}

#[test]
fn what_ecs_returns_normalizes_to_what_the_user_wrote() {
    assert_eq!(normalize(&user()), normalize(&as_ecs_returns()));
    assert_eq!(canonical_json(&user()), canonical_json(&as_ecs_returns()));
    assert!(diff(&user(), &as_ecs_returns()).is_empty());
    assert!(summarize(&as_ecs_returns(), &user(), &[]).is_empty());
}

#[test]
fn summary_speaks_per_container_and_hides_secrets() {
    let mut v2 = user();
    v2["containerDefinitions"][0]["image"] = json!("nginx:1.27");
    v2["containerDefinitions"][0]["environment"] = json!([{"name": "MESSAGE", "value": "Hello from v2"}, {"name": "LOG_LEVEL", "value": "debug"}, {"name": "A_FLAG", "value": "1"}]);
    v2["containerDefinitions"][0]["secrets"] = json!([{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db2"}, {"name": "API_KEY", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/key"}]);
    v2["cpu"] = json!("512");
    let lines = summarize(&as_ecs_returns(), &v2, &[]);
    assert_eq!(
        lines,
        vec![
            "task: cpu 256 → 512".to_string(),
            "container web: image nginx:1.25 → nginx:1.27; env LOG_LEVEL added = \"debug\"; env MESSAGE \"Hello from v1\" → \"Hello from v2\"; secret API_KEY added; secret DB_PASSWORD source changed".to_string(),
        ]
    );
    assert!(
        !lines.join("\n").contains("arn:aws:secretsmanager"),
        "secret sources never appear"
    );
    let hidden = summarize(&as_ecs_returns(), &v2, &["MESSAGE".to_string()]);
    assert!(
        hidden[1].contains("env MESSAGE changed (sensitive)")
            && !hidden[1].contains("Hello from v2")
    );
}

#[test]
fn values_of_names_that_look_secret_are_hidden_without_being_listed() {
    let mut v2 = user();
    v2["containerDefinitions"][0]["environment"] = json!([
        {"name": "MESSAGE", "value": "Hello from v1"},
        {"name": "db_password", "value": "hunter2"},
        {"name": "GITHUB_TOKEN", "value": "ghp_abc"},
        {"name": "TOKENIZER_MODE", "value": "fast"},
        {"name": "LOG_LEVEL", "value": "debug"}
    ]);
    let text = summarize(&as_ecs_returns(), &v2, &[]).join("\n");
    for hidden in ["hunter2", "ghp_abc", "fast"] {
        assert!(!text.contains(hidden), "{hidden} shown in {text}");
    }
    assert!(text.contains("env db_password added (sensitive)"), "{text}");
    assert!(text.contains("env LOG_LEVEL added = \"debug\""), "{text}");
    assert!(crate::taskdef::looks_secret("aws_secret_access_key"));
    assert!(!crate::taskdef::looks_secret("MESSAGE"));
}

#[test]
fn containers_added_removed_and_ports() {
    let mut v2 = user();
    v2["containerDefinitions"][0]["portMappings"] = json!([{"containerPort": 8080}]);
    v2["containerDefinitions"].as_array_mut().unwrap().remove(1);
    v2["containerDefinitions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "envoy", "image": "envoyproxy/envoy:v1.30"}));
    let lines = summarize(&user(), &v2, &[]);
    assert_eq!(
        lines,
        vec![
            "container envoy: added (image envoyproxy/envoy:v1.30)".to_string(),
            "container web: port 80 removed; port 8080 added".to_string(),
            "container log_router: removed".to_string(),
        ]
    );
    let changes = diff(&user(), &v2);
    assert!(
        changes
            .iter()
            .any(|c| c.path == "containerDefinitions.web.portMappings"),
        "{changes:?}"
    );
}

#[test]
fn user_mistakes_are_reported_with_their_path() {
    let e = parse_user(r#"{"family": "web", "containerDefinitions": [{"name": "web", "image": "x", "portMapings": []}]}"#).unwrap_err();
    assert_eq!(e.path, "containerDefinitions[0].portMapings");
    assert!(e.message.contains("Did you mean \"portMappings\"?"), "{e}");
    assert_eq!(parse_user("{").unwrap_err().path, "");
    assert_eq!(
        parse_user(r#"{"containerDefinitions": []}"#)
            .unwrap_err()
            .path,
        "family"
    );
    assert_eq!(
        parse_user(r#"{"family": "web", "containerDefinitions": []}"#)
            .unwrap_err()
            .path,
        "containerDefinitions"
    );
    assert_eq!(parse_user(r#"{"family": "web", "memory": {"x": 1}, "containerDefinitions": [{"name": "a", "image": "b"}]}"#).unwrap_err().path, "memory");
    assert_eq!(parse_user(r#"{"family": "web", "containerDefinitions": [{"name": "a", "image": "b"}, {"name": "a", "image": "c"}]}"#).unwrap_err().path, "containerDefinitions[1].name");
    assert_eq!(parse_user(r#"{"family": "web", "cpuu": "256", "containerDefinitions": [{"name": "a", "image": "b"}]}"#).unwrap_err().path, "cpuu");
    assert!(parse_user(&user().to_string()).is_ok());
    assert_eq!(container_names(&user()), ["web", "log_router"]);
    assert_eq!(container_ports(&user(), "web"), [80]);
}

/// A task definition with `containers` (a JSON list) and `family`.
fn with_containers(family: &str, containers: &serde_json::Value) -> String {
    json!({"family": family, "containerDefinitions": containers}).to_string()
}

#[test]
fn duplicate_keys_are_refused_with_their_path() {
    let e = parse_user(r#"{"family": "web", "family": "evil", "containerDefinitions": [{"name": "a", "image": "b"}]}"#).unwrap_err();
    assert_eq!(e.path, "family");
    assert!(e.message.contains("\"family\" is written twice"), "{e}");
    let e = parse_user(r#"{"family": "web", "containerDefinitions": [{"name": "a", "image": "b", "environment": [{"name": "X", "value": "1", "value": "2"}]}]}"#).unwrap_err();
    assert_eq!(e.path, "containerDefinitions[0].environment[0].value");
}

#[test]
fn ecs_limits_are_checked_before_any_call() {
    let one = |name: &str| json!({"name": name, "image": "nginx"});
    let ten: Vec<_> = (0..10).map(|i| one(&format!("c{i}"))).collect();
    assert!(parse_user(&with_containers("web", &json!(ten))).is_ok());
    let eleven: Vec<_> = (0..11).map(|i| one(&format!("c{i}"))).collect();
    let e = parse_user(&with_containers("web", &json!(eleven))).unwrap_err();
    assert_eq!(e.path, "containerDefinitions");
    assert!(e.message.contains("at most 10"), "{e}");

    assert!(parse_user(&with_containers(&"f".repeat(255), &json!([one("a")]))).is_ok());
    let e = parse_user(&with_containers(&"f".repeat(256), &json!([one("a")]))).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.message.contains("256 characters")),
        ("family", true)
    );
    let e = parse_user(&with_containers("web\u{202E}", &json!([one("a")]))).unwrap_err();
    assert!(e.message.contains("U+202E"), "{e}");
    let e = parse_user(&with_containers("web", &json!([one("we b")]))).unwrap_err();
    assert_eq!(e.path, "containerDefinitions[0].name");
    let e = parse_user(&with_containers("web", &json!([one("a\u{7}")]))).unwrap_err();
    assert!(e.message.contains("U+0007"), "{e}");
    let e = parse_user(&with_containers("web", &json!([one(&"n".repeat(256))]))).unwrap_err();
    assert_eq!(e.path, "containerDefinitions[0].name");

    let image = |image: String| json!([{"name": "a", "image": image}]);
    let digest = format!("{}@sha256:{}", "r".repeat(255), "0".repeat(64));
    assert!(parse_user(&with_containers("web", &image(digest))).is_ok());
    let e = parse_user(&with_containers("web", &image("i".repeat(256)))).unwrap_err();
    assert_eq!(e.path, "containerDefinitions[0].image");
    let e = parse_user(&with_containers("web", &image("nginx\n:latest".into()))).unwrap_err();
    assert_eq!(e.path, "containerDefinitions[0].image");

    for (port, ok) in [
        (json!(1), true),
        (json!(65535), true),
        (json!("8080"), true),
        (json!(0), false),
        (json!(65536), false),
        (json!(80.5), false),
    ] {
        let td = with_containers(
            "web",
            &json!([{"name": "a", "image": "b", "portMappings": [{"containerPort": port}]}]),
        );
        assert_eq!(parse_user(&td).is_ok(), ok, "{port}");
    }

    let big = json!([{"name": "a", "image": "b", "environment": [{"name": "BLOB", "value": "x".repeat(70_000)}]}]);
    let e = parse_user(&with_containers("web", &big)).unwrap_err();
    assert!(e.message.contains("at most 65536 (64 KiB)"), "{e}");
}
