//! The gate against a real HTTP server on loopback and real child processes.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::*;

/// A tiny HTTP/1.1 server: `/` answers `body`, anything else 404.
async fn serve(body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut read = 0;
                while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                let request = String::from_utf8_lossy(&buf[..read]);
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, text) = if path == "/" {
                    ("200 OK", body)
                } else {
                    ("404 Not Found", "not found")
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

fn http(path: &str, status: u16, body: Option<&str>) -> HttpCheck {
    HttpCheck {
        path: path.into(),
        method: "GET".into(),
        headers: BTreeMap::new(),
        expect_status: status,
        body_regex: body.map(|b| regex::Regex::new(b).expect("regex")),
        attempts: 2,
        interval: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        url: None,
    }
}

fn ctx(url: &str) -> GateContext {
    GateContext {
        deployment_id: "d-ABCDEFGHI".into(),
        task_definition_arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2".into(),
        test_url: Some(url.into()),
    }
}

#[tokio::test]
async fn http_check_passes_on_expected_status_and_body() {
    let url = serve("Hello from v2").await;
    let gate = TestGate {
        http: vec![http("/", 200, Some("Hello from v2"))],
        commands: vec![],
    };
    let verdict = gate.run(&ctx(&url), &CancellationToken::new()).await;
    assert!(verdict.passed(), "{verdict:?}");
    assert_eq!(verdict.checks[0].name, "http[0] GET /");
}

#[tokio::test]
async fn http_check_failure_says_what_it_expected_and_got() {
    let url = serve("Hello from v1").await;
    let gate = TestGate {
        http: vec![
            http("/", 200, Some("Hello from v2")),
            http("/never-run", 200, None),
        ],
        commands: vec![],
    };
    let verdict = gate.run(&ctx(&url), &CancellationToken::new()).await;
    assert!(!verdict.passed());
    assert_eq!(
        verdict.checks.len(),
        1,
        "checks after a failure must not run"
    );
    let detail = &verdict.checks[0].detail;
    assert!(
        detail.contains("expected status 200 and a body matching /Hello from v2/"),
        "{detail}"
    );
    assert!(
        detail.contains("got status 200 with body \"Hello from v1\""),
        "{detail}"
    );
    assert!(detail.contains("after 2 attempt(s)"), "{detail}");
}

#[tokio::test]
async fn http_check_reports_a_wrong_status_and_an_unreachable_listener() {
    let url = serve("x").await;
    let gate = TestGate {
        http: vec![http("/missing", 200, None)],
        commands: vec![],
    };
    let verdict = gate.run(&ctx(&url), &CancellationToken::new()).await;
    assert!(
        verdict.checks[0].detail.contains("got status 404"),
        "{:?}",
        verdict.checks[0]
    );

    let verdict = gate
        .run(&ctx("http://127.0.0.1:9"), &CancellationToken::new())
        .await;
    assert!(
        verdict.checks[0].detail.contains("got no answer"),
        "{:?}",
        verdict.checks[0]
    );
}

fn command(script: &str) -> CommandCheck {
    CommandCheck {
        argv: vec!["sh".into(), "-c".into(), script.into()],
        env: BTreeMap::from([("EXTRA".to_string(), "yes".to_string())]),
        working_dir: None,
        timeout: Duration::from_secs(30),
    }
}

#[tokio::test]
async fn commands_get_the_test_variables_and_nothing_else() {
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "must-not-leak");
    let gate = TestGate {
        http: vec![],
        commands: vec![command(
            r#"test "$TEST_URL" = "http://example.test:8080" && test "$DEPLOYMENT_ID" = d-ABCDEFGHI && test -n "$TASK_DEFINITION_ARN" && test "$EXTRA" = yes && test -z "$AWS_SECRET_ACCESS_KEY""#,
        )],
    };
    let verdict = gate
        .run(&ctx("http://example.test:8080"), &CancellationToken::new())
        .await;
    assert!(verdict.passed(), "{verdict:?}");
}

#[tokio::test]
async fn a_failing_command_shows_its_exit_status_and_output_tail() {
    let gate = TestGate {
        http: vec![],
        commands: vec![command(
            "for i in $(seq 1 30); do echo line $i; done; echo 'expected v2, got v1' >&2; exit 3",
        )],
    };
    let verdict = gate.run(&ctx("http://x"), &CancellationToken::new()).await;
    let detail = &verdict.checks[0].detail;
    assert!(!verdict.passed());
    assert!(detail.contains("exited with status 3"), "{detail}");
    assert!(detail.contains("expected v2, got v1"), "{detail}");
    assert!(
        detail.contains("line 30") && !detail.contains("line 5\n"),
        "only the tail is shown: {detail}"
    );
}

#[tokio::test]
async fn timeouts_and_stops_end_a_command() {
    let mut slow = command("sleep 30");
    slow.timeout = Duration::from_millis(200);
    let gate = TestGate {
        http: vec![],
        commands: vec![slow.clone()],
    };
    let verdict = gate.run(&ctx("http://x"), &CancellationToken::new()).await;
    assert!(
        verdict.checks[0]
            .detail
            .contains("did not finish within 200ms"),
        "{verdict:?}"
    );

    slow.timeout = Duration::from_secs(60);
    let gate = TestGate {
        http: vec![],
        commands: vec![slow],
    };
    let stop = CancellationToken::new();
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        stopper.cancel();
    });
    let verdict = gate.run(&ctx("http://x"), &stop).await;
    assert!(verdict.interrupted && !verdict.passed());
}

#[cfg(unix)]
mod processes;
