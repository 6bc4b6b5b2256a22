//! The plugin layer proven through the real `terraform` binary, before any AWS resource exists: handshake,
//! values of every shape, private state, partial state on error, state upgrade, import, Ctrl-C, mTLS refusal,
//! install through a filesystem mirror, and the message a person sees when running the binary by hand.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use ecsbg_acceptance::plugin_client::{connect, start_provider, ClientIdentity};
use ecsbg_acceptance::terraform::{Install, Workspace};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

fn provider() -> &'static Path {
    Path::new(PROVIDER)
}

const REQUIRED_PROVIDERS: &str = r#"
terraform {
  required_providers {
    ecsbg = { source = "ecsbg/ecsbg" }
  }
}
provider "ecsbg" {
  region = "us-east-1"
}
"#;

fn wait_config(duration: &str, marker: Option<&Path>) -> String {
    let marker = marker
        .map(|m| format!("  marker_file = \"{}\"\n", m.display()))
        .unwrap_or_default();
    format!(
        r#"{REQUIRED_PROVIDERS}
resource "ecsbg_test_wait" "w" {{
  duration = "{duration}"
{marker}  ratio    = 0.25
  big      = 123456789012345678901234567890
  labels   = {{ team = "web", tier = "front" }}
  checks   = [{{ path = "/health", status = 200 }}, {{ path = "/" }}]
  secret   = "hunter2"
  settings {{
    mode = "fast"
  }}
}}
"#
    )
}

fn wait_for_file(path: &Path, deadline: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn apply_round_trips_every_value_shape_and_private_state() -> anyhow::Result<()> {
    let ws = Workspace::new(provider(), Install::DevOverrides)?;
    ws.write_main(&wait_config("0s", None))?;
    ws.run(&["validate"])?.success()?;
    let apply = ws.run(&["apply", "-auto-approve"])?.success()?;
    assert!(apply.stdout.contains("1 added"), "{}", apply.output());
    assert!(
        !apply.output().contains("hunter2"),
        "a sensitive value was printed"
    );

    let values = ws.resource_values("ecsbg_test_wait.w")?;
    assert_eq!(values["outcome"], "completed");
    assert_eq!(
        values["echo"],
        "ratio=0.25 big=123456789012345678901234567890 labels=team:web,tier:front checks=/health=200,/= mode=fast"
    );

    // A second plan refreshes (Read checks the private state survived) and finds nothing to do.
    let plan = ws.run(&["plan", "-detailed-exitcode"])?;
    assert_eq!(plan.code, 0, "expected an empty plan:\n{}", plan.output());
    assert!(
        !plan.output().contains("Private state lost"),
        "{}",
        plan.output()
    );
    Ok(())
}

/// The provider declares that its schema need not be asked for first (`get_provider_schema_optional`), so
/// Terraform asks once per command and every later provider instance of the same command starts from the
/// cached copy: proven by Terraform's own trace of the plan, which must still succeed.
#[test]
fn terraform_asks_for_the_schema_once_and_reuses_it() -> anyhow::Result<()> {
    let ws = Workspace::new(provider(), Install::DevOverrides)?;
    ws.write_main(&wait_config("0s", None))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;
    let log = ws.dir.join("trace.log");
    let plan = ws
        .command(&["plan", "-detailed-exitcode", "-no-color"])
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", &log)
        .output()?;
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let trace = std::fs::read_to_string(&log)?;
    let served = trace
        .lines()
        .filter(|l| l.ends_with("GRPCProvider.v6: GetProviderSchema"))
        .count();
    let cached = trace
        .lines()
        .filter(|l| l.contains("GRPCProvider.v6: returning cached schema"))
        .count();
    assert_eq!(served, 1, "GetProviderSchema calls in the plan's trace");
    assert!(cached > 0, "Terraform never used its cached schema");
    Ok(())
}

#[test]
fn bad_input_is_reported_on_its_attribute_at_validate() -> anyhow::Result<()> {
    let ws = Workspace::new(provider(), Install::DevOverrides)?;
    ws.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nresource \"ecsbg_test_wait\" \"w\" {{\n  duration = \"ten minutes\"\n}}\n"
    ))?;
    let run = ws.run(&["validate"])?;
    assert_ne!(run.code, 0);
    let out = run.output();
    assert!(out.contains("Invalid duration"), "{out}");
    assert!(
        out.contains("with ecsbg_test_wait.w,") && out.contains("duration = \"ten minutes\""),
        "diagnostic must point at the attribute:\n{out}"
    );
    assert!(
        !out.contains("RUST_BACKTRACE") && !out.contains("panicked"),
        "{out}"
    );
    Ok(())
}

#[test]
fn provider_configuration_errors_name_the_attribute() -> anyhow::Result<()> {
    let ws = Workspace::new(provider(), Install::DevOverrides)?;
    ws.write_main(
        r#"
terraform {
  required_providers {
    ecsbg = { source = "ecsbg/ecsbg" }
  }
}
provider "ecsbg" {
  region      = "Mars 1"
  max_retries = -3
  endpoints {
    ecs = "localhost:4566"
  }
}
resource "ecsbg_test_wait" "w" {
  duration = "0s"
}
"#,
    )?;
    let run = ws.run(&["plan"])?;
    assert_ne!(run.code, 0);
    let out = run.output();
    for expected in [
        "Invalid AWS region",
        "Invalid max_retries",
        "Invalid endpoint URL",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    Ok(())
}

#[test]
fn ctrl_c_stops_the_operation_not_the_provider_and_state_is_kept() -> anyhow::Result<()> {
    let ws = Workspace::new(provider(), Install::DevOverrides)?;
    let marker = ws.root().join("waiting");
    ws.write_main(&wait_config("10m", Some(&marker)))?;
    let mut cmd = ws.command(&["apply", "-auto-approve", "-no-color"]);
    // Its own process group, so the SIGINT reaches Terraform and the provider together, as a terminal's does.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let pgid = child.id() as i32;
    assert!(
        wait_for_file(&marker, Duration::from_secs(120)),
        "create never started waiting"
    );
    // SAFETY: kill(2) on a process group we created; no memory is involved.
    let rc = unsafe { libc::kill(-pgid, libc::SIGINT) };
    assert_eq!(rc, 0, "could not signal the process group");

    let started = Instant::now();
    let out = child.wait_with_output()?;
    let output = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "terraform did not end after the interrupt"
    );
    assert_ne!(out.status.code(), Some(0), "{output}");
    // Only a provider that survived the SIGINT and saw StopProvider can say this.
    assert!(output.contains("Interrupted"), "{output}");
    assert!(
        output.contains("Terraform stopped the provider after"),
        "{output}"
    );
    assert!(
        !output.contains("plugin exited") && !output.contains("unexpected EOF"),
        "the provider died:\n{output}"
    );

    // The partial state returned with the error was stored (tainted, as on any failed create).
    let state = ws.state_json()?;
    let resource = &state["values"]["root_module"]["resources"][0];
    assert_eq!(resource["values"]["outcome"], "stopped", "{state}");
    assert_eq!(resource["tainted"], true, "{state}");
    Ok(())
}

#[test]
fn strangers_are_refused_while_terraform_is_served() -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let terraform = ClientIdentity::generate()?;
        let stranger = ClientIdentity::generate()?;
        let started = start_provider(provider(), &terraform.cert_pem).await?;

        // No client certificate at all.
        let no_cert = async {
            let mut client = connect(&started.socket, &started.server_cert_der, None).await?;
            client
                .get_provider_schema(
                    ecsbg::plugin::proto::tfplugin6::get_provider_schema::Request {},
                )
                .await?;
            anyhow::Ok(())
        };
        assert!(
            no_cert.await.is_err(),
            "a client without a certificate was served"
        );

        // Someone else's certificate.
        let wrong_cert = async {
            let mut client =
                connect(&started.socket, &started.server_cert_der, Some(&stranger)).await?;
            client
                .get_provider_schema(
                    ecsbg::plugin::proto::tfplugin6::get_provider_schema::Request {},
                )
                .await?;
            anyhow::Ok(())
        };
        assert!(
            wrong_cert.await.is_err(),
            "a client with a stranger's certificate was served"
        );

        // Terraform's own certificate (a P-521 CA certificate, like Terraform's) is served.
        let mut client =
            connect(&started.socket, &started.server_cert_der, Some(&terraform)).await?;
        let schema = client
            .get_provider_schema(ecsbg::plugin::proto::tfplugin6::get_provider_schema::Request {})
            .await?
            .into_inner();
        assert!(schema.resource_schemas.contains_key("ecsbg_test_wait"));

        // SIGTERM: the provider winds down and exits cleanly, removing its socket.
        let mut started = started;
        let pid = started
            .child
            .id()
            .ok_or_else(|| anyhow::anyhow!("provider already gone"))?;
        // SAFETY: kill(2) on our own child; no memory is involved.
        unsafe {
            libc::kill(pid as i32, libc::SIGTERM);
        }
        let status = tokio::time::timeout(Duration::from_secs(30), started.child.wait()).await??;
        assert!(
            status.success(),
            "provider did not exit cleanly on SIGTERM: {status:?}"
        );
        assert!(!started.socket.exists(), "socket left behind");
        anyhow::Ok(())
    })
}

#[test]
fn running_the_binary_by_hand_explains_itself() -> anyhow::Result<()> {
    let out = std::process::Command::new(provider())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdin(Stdio::null())
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is a Terraform provider plugin"),
        "{stderr}"
    );
    assert!(stderr.contains("source = \"ecsbg/ecsbg\""), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing may go to stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    Ok(())
}

#[test]
fn make_install_layout_is_found_by_terraform_init() -> anyhow::Result<()> {
    let ws = Workspace::new(provider(), Install::MakeInstall)?;
    ws.write_main(&format!(
        r#"
terraform {{
  required_providers {{
    ecsbg = {{
      source  = "ecsbg/ecsbg"
      version = "{}"
    }}
  }}
}}
resource "ecsbg_test_wait" "w" {{
  duration = "0s"
}}
"#,
        ecsbg_acceptance::terraform::provider_version()
    ))?;
    let init = ws.run(&["init"])?.success()?;
    assert!(
        init.output().contains("Installing ecsbg/ecsbg"),
        "{}",
        init.output()
    );
    ws.run(&["validate"])?.success()?;
    let plan = ws.run(&["plan"])?.success()?;
    assert!(plan.stdout.contains("1 to add"), "{}", plan.output());
    Ok(())
}

#[test]
fn state_written_by_schema_version_zero_is_upgraded() -> anyhow::Result<()> {
    let ws = Workspace::new(provider(), Install::DevOverrides)?;
    ws.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nresource \"ecsbg_test_wait\" \"w\" {{\n  duration = \"0s\"\n}}\n"
    ))?;
    // State as version 0 of the schema wrote it: the attribute was called `wait`.
    let state = serde_json::json!({
        "version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "5b1e7a3c-0000-4000-8000-000000000001",
        "outputs": {}, "check_results": null,
        "resources": [{
            "mode": "managed", "type": "ecsbg_test_wait", "name": "w",
            "provider": "provider[\"registry.terraform.io/ecsbg/ecsbg\"]",
            "instances": [{
                "schema_version": 0,
                "attributes": {"id": "wait-old", "wait": "0s", "outcome": "completed"},
                "private": "ZWNzYmctdGVzdC1wcml2YXRlLXYx"
            }]
        }]
    });
    std::fs::write(
        ws.dir.join("terraform.tfstate"),
        serde_json::to_vec_pretty(&state)?,
    )?;
    ws.run(&["apply", "-refresh-only", "-auto-approve"])?
        .success()?;
    let values = ws.resource_values("ecsbg_test_wait.w")?;
    assert_eq!(values["duration"], "0s", "{values}");
    assert_eq!(values["id"], "wait-old");
    let raw: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.dir.join("terraform.tfstate"))?)?;
    assert_eq!(raw["resources"][0]["instances"][0]["schema_version"], 1);
    Ok(())
}

#[test]
fn import_by_id() -> anyhow::Result<()> {
    let ws = Workspace::new(provider(), Install::DevOverrides)?;
    ws.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nimport {{\n  to = ecsbg_test_wait.w\n  id = \"wait-imported\"\n}}\nresource \"ecsbg_test_wait\" \"w\" {{\n  duration = \"0s\"\n}}\n"
    ))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;
    let values = ws.resource_values("ecsbg_test_wait.w")?;
    assert_eq!(values["id"], "wait-imported");
    Ok(())
}

#[test]
fn debug_mode_prints_a_reattach_line_terraform_can_use() -> anyhow::Result<()> {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(provider())
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
    let mut reattach = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(rest.trim_end_matches('\'').to_string());
            break;
        }
    }
    let reattach = reattach.ok_or_else(|| anyhow::anyhow!("no TF_REATTACH_PROVIDERS line"))?;
    let parsed: serde_json::Value = serde_json::from_str(&reattach)?;
    assert_eq!(
        parsed["registry.terraform.io/ecsbg/ecsbg"]["ProtocolVersion"],
        6
    );

    let mut ws = Workspace::new(provider(), Install::DevOverrides)?;
    ws.env("TF_REATTACH_PROVIDERS", &reattach);
    ws.write_main(&wait_config("0s", None))?;
    let plan = ws.run(&["plan"]);
    // Ctrl-C ends a debug-mode server cleanly (socket directory removed).
    // SAFETY: kill(2) on our own child; no memory is involved.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait()?;
    assert!(
        status.success(),
        "debug server did not exit cleanly on Ctrl-C: {status:?}"
    );
    let plan = plan?.success()?;
    assert!(plan.stdout.contains("1 to add"), "{}", plan.output());
    Ok(())
}

#[test]
fn provider_logs_reach_terraform_as_hclog_at_their_level() -> anyhow::Result<()> {
    let mut ws = Workspace::new(provider(), Install::DevOverrides)?;
    let log = ws.root().join("terraform.log");
    ws.env("TF_LOG_PROVIDER", "INFO");
    ws.env("TF_LOG_PATH", &log.display().to_string());
    ws.write_main(&wait_config("0s", None))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;
    let text = std::fs::read_to_string(&log)?;
    let line = text
        .lines()
        .find(|l| l.contains("test wait started"))
        .ok_or_else(|| {
            anyhow::anyhow!("the provider's INFO line is not in Terraform's log:\n{text}")
        })?;
    // go-plugin re-emits a parsed hclog line at its level with our fields as key/value pairs; an unparsed line
    // would appear verbatim as JSON at DEBUG instead.
    assert!(line.contains("[INFO]"), "{line}");
    assert!(line.contains("wait=0s"), "{line}");
    assert!(
        !line.contains("\"@message\""),
        "the line was not parsed as hclog: {line}"
    );
    Ok(())
}
