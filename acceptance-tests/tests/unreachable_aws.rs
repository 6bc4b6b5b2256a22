//! AWS that does not answer: `terraform plan` against an endpoint that accepts connections and says nothing,
//! and against a closed port, fails with an error naming the endpoint, the operation and what happened —
//! never a hang, never an SDK dump. Endpoints are loopback ports this test owns.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use ecsbg_acceptance::campaign::{publish, Section};
use ecsbg_acceptance::terraform::{flat, web_resource, Install, Workspace};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
/// Past this the plan is taken to hang and the test fails (the defaults give up after 25 s).
const HANG: Duration = Duration::from_secs(120);

/// A loopback port that accepts connections and never answers; it closes with the test.
struct Silent {
    addr: SocketAddr,
}

impl Silent {
    fn start() -> anyhow::Result<Silent> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        std::thread::spawn(move || {
            let mut held: Vec<TcpStream> = Vec::new();
            for stream in listener.incoming().flatten() {
                held.push(stream);
            }
        });
        Ok(Silent { addr })
    }
}

/// A loopback port nobody listens on.
fn closed_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// A workspace whose provider sends every service to `endpoint`, with `settings` in the provider block.
fn workspace(endpoint: &str, settings: &str) -> anyhow::Result<Workspace> {
    let mut ws = Workspace::new(PROVIDER.as_ref(), Install::DevOverrides)?;
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        ws.env(k, v);
    }
    let endpoints: String = ["codedeploy", "ecs", "cloudwatch", "elbv2", "lambda"]
        .iter()
        .map(|s| format!("    {s} = \"{endpoint}\"\n"))
        .collect();
    ws.write_main(&format!(
        "terraform {{\n  required_providers {{\n    ecsbg = {{ source = \"ecsbg/ecsbg\" }}\n  }}\n}}\nprovider \"ecsbg\" {{\n{settings}  endpoints {{\n{endpoints}  }}\n}}\n{}",
        web_resource("web", "web", "web-prod", "v2", "")
    ))?;
    Ok(ws)
}

/// Runs `terraform plan`; fails the test if it has not ended after [`HANG`].
fn plan(ws: &Workspace) -> anyhow::Result<(i32, String)> {
    let mut child = ws
        .command(&["plan", "-no-color", "-input=false"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            anyhow::bail!("terraform plan still running after {HANG:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut text = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut text)?;
    }
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut text)?;
    }
    Ok((status.code().unwrap_or(-1), flat(&text)))
}

fn assert_no_sdk_dump(out: &str) {
    for dump in [
        "DispatchFailure",
        "ConnectorError",
        "ResponseError",
        "TimeoutError",
        "raw: Response",
    ] {
        assert!(!out.contains(dump), "{dump} in {out}");
    }
}

/// A silent endpoint with short limits: the plan fails saying which endpoint and operation, and that nothing
/// answered within the read timeout.
fn silent_with_short_limits() -> anyhow::Result<Vec<String>> {
    let silent = Silent::start()?;
    let endpoint = format!("http://{}", silent.addr);
    let settings = "  read_timeout    = \"3s\"\n  attempt_timeout = \"1s\"\n";
    let (code, out) = plan(&workspace(&endpoint, settings)?)?;
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("CodeDeploy BatchGetDeploymentGroups failed"),
        "{out}"
    );
    assert!(
        out.contains("no answer within 3s in all (each attempt 1s"),
        "{out}"
    );
    assert!(out.contains(&format!("(endpoint {endpoint})")), "{out}");
    assert!(
        out.contains("the endpoint accepted the connection but did not answer"),
        "{out}"
    );
    assert_no_sdk_dump(&out);
    Ok(row(
        "accepts connections, never answers",
        "read_timeout = 3s, attempt_timeout = 1s",
        &out,
    ))
}

/// The defaults alone bound a plan against a silent endpoint: it fails, saying the 25 s read timeout.
fn silent_with_defaults() -> anyhow::Result<Vec<String>> {
    let silent = Silent::start()?;
    let endpoint = format!("http://{}", silent.addr);
    let (code, out) = plan(&workspace(&endpoint, "")?)?;
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("no answer within 25s in all (each attempt 10s, connecting 5s)"),
        "{out}"
    );
    assert!(out.contains(&format!("(endpoint {endpoint})")), "{out}");
    assert_no_sdk_dump(&out);
    Ok(row("accepts connections, never answers", "defaults", &out))
}

/// A closed port: the plan fails saying the connection was refused, at that endpoint.
fn refused() -> anyhow::Result<Vec<String>> {
    let endpoint = format!("http://{}", closed_port()?);
    let (code, out) = plan(&workspace(&endpoint, "  read_timeout = \"3s\"\n")?)?;
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("CodeDeploy BatchGetDeploymentGroups failed"),
        "{out}"
    );
    assert!(out.to_lowercase().contains("connection refused"), "{out}");
    assert!(out.contains(&format!("(endpoint {endpoint})")), "{out}");
    assert_no_sdk_dump(&out);
    Ok(row("closed port", "read_timeout = 3s", &out))
}

/// A table row: the endpoint, the settings, and the error as the user reads it (the loopback port elided).
fn row(endpoint: &str, settings: &str, out: &str) -> Vec<String> {
    let said = out
        .split_once("BatchGetDeploymentGroups failed: ")
        .map(|(_, rest)| rest.split(" (endpoint").next().unwrap_or(rest))
        .unwrap_or(out);
    vec![
        endpoint.to_string(),
        settings.to_string(),
        format!("CodeDeploy BatchGetDeploymentGroups failed: {said}"),
    ]
}

/// The three endpoints side by side (the one with defaults takes its 25 s), then the page's section.
#[test]
fn plans_against_unreachable_aws_fail_clearly() -> anyhow::Result<()> {
    let cases: Vec<fn() -> anyhow::Result<Vec<String>>> =
        vec![silent_with_short_limits, silent_with_defaults, refused];
    let handles: Vec<_> = cases.into_iter().map(std::thread::spawn).collect();
    let mut rows = Vec::new();
    for handle in handles {
        match handle.join() {
            Ok(row) => rows.push(row?),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
    publish(&Section {
        id: "28-unreachable-aws",
        title: "AWS that does not answer",
        intro: "`terraform plan` with every endpoint pointed at a loopback port that accepts connections and never answers, or at a closed port. Every row asserts the plan failed (it is killed and the test fails if it runs past two minutes), and that the error names the operation, the endpoint and what the last attempt met, with no SDK debug output.",
        columns: &["endpoint", "provider settings", "what the plan said"],
        rows,
    })
}
