//! Lifecycle hook "Lambda functions": local commands (or loopback HTTP URLs) named in the seed, invoked with
//! CodeDeploy's real payload.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One function.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct FunctionSpec {
    /// Function name, as the AppSpec's Hooks name it.
    pub name: String,
    /// argv of a local command (no shell).
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Or an HTTP URL the payload is POSTed to.
    #[serde(default)]
    pub url: Option<String>,
    /// Extra environment for the command.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// How an invocation ended.
#[derive(Clone, Debug, PartialEq)]
pub struct InvokeOutcome {
    /// The command's exit code (HTTP: 0 for 2xx, 1 otherwise); None when killed by the timeout.
    pub exit_code: Option<i32>,
    /// The end of its output.
    pub output_tail: String,
}

/// The registry of functions; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct HookFunctions {
    functions: BTreeMap<String, FunctionSpec>,
}

impl HookFunctions {
    /// A registry of these functions.
    pub fn new(functions: Vec<FunctionSpec>) -> Self {
        HookFunctions {
            functions: functions.into_iter().map(|f| (f.name.clone(), f)).collect(),
        }
    }

    /// A function by name (or by an ARN ending in `:function:<name>`).
    pub fn get(&self, name: &str) -> Option<&FunctionSpec> {
        let short = name.rsplit(":function:").next().unwrap_or(name);
        self.functions.get(short)
    }

    /// Runs a function with the payload on stdin and the endpoint in its environment.
    pub async fn invoke(
        &self,
        name: &str,
        payload: &serde_json::Value,
        endpoint_url: &str,
        timeout: Duration,
    ) -> anyhow::Result<InvokeOutcome> {
        let spec = self
            .get(name)
            .ok_or_else(|| anyhow::anyhow!("no function named {name:?}"))?;
        if let Some(argv) = &spec.command {
            let (program, args) = argv
                .split_first()
                .ok_or_else(|| anyhow::anyhow!("function {name} has an empty command"))?;
            let mut child = tokio::process::Command::new(program)
                .args(args)
                .env("AWS_ENDPOINT_URL", endpoint_url)
                .env("AWS_ACCESS_KEY_ID", "emulator")
                .env("AWS_SECRET_ACCESS_KEY", "emulator")
                .env("AWS_REGION", "us-east-1")
                .env(
                    "DEPLOYMENT_ID",
                    payload["DeploymentId"].as_str().unwrap_or_default(),
                )
                .env(
                    "LIFECYCLE_EVENT_HOOK_EXECUTION_ID",
                    payload["LifecycleEventHookExecutionId"]
                        .as_str()
                        .unwrap_or_default(),
                )
                .envs(&spec.env)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()?;
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(payload.to_string().as_bytes()).await;
            }
            let mut stdout = child.stdout.take();
            let mut stderr = child.stderr.take();
            let run = async {
                let mut out = Vec::new();
                let mut err = Vec::new();
                if let Some(s) = stdout.as_mut() {
                    let _ = s.read_to_end(&mut out).await;
                }
                if let Some(s) = stderr.as_mut() {
                    let _ = s.read_to_end(&mut err).await;
                }
                out.extend_from_slice(&err);
                (child.wait().await, out)
            };
            match tokio::time::timeout(timeout, run).await {
                Ok((status, output)) => Ok(InvokeOutcome {
                    exit_code: status?.code(),
                    output_tail: tail(&output),
                }),
                Err(_) => Ok(InvokeOutcome {
                    exit_code: None,
                    output_tail: "timed out".into(),
                }),
            }
        } else if let Some(url) = &spec.url {
            use http_body_util::{BodyExt, Full};
            let client: hyper_util::client::legacy::Client<_, Full<bytes::Bytes>> =
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build(hyper_util::client::legacy::connect::HttpConnector::new());
            let request = hyper::Request::post(url)
                .body(Full::new(bytes::Bytes::from(payload.to_string())))?;
            let response = tokio::time::timeout(timeout, client.request(request)).await??;
            let ok = response.status().is_success();
            let body = response.into_body().collect().await?.to_bytes();
            Ok(InvokeOutcome {
                exit_code: Some(if ok { 0 } else { 1 }),
                output_tail: tail(&body),
            })
        } else {
            anyhow::bail!("function {name} has neither command nor url")
        }
    }
}

fn tail(output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn command_gets_payload_and_environment() {
        let hooks = HookFunctions::new(vec![FunctionSpec {
            name: "CodeDeployHook_check".into(),
            command: Some(vec!["sh".into(), "-c".into(), r#"read p; echo "$p" | grep -q d-ABC && test "$DEPLOYMENT_ID" = d-ABC && echo ok-$AWS_ENDPOINT_URL && exit 3"#.into()]),
            url: None,
            env: BTreeMap::new(),
        }]);
        let payload =
            serde_json::json!({"DeploymentId": "d-ABC", "LifecycleEventHookExecutionId": "h-1"});
        let out = hooks
            .invoke(
                "arn:aws:lambda:us-east-1:123456789012:function:CodeDeployHook_check",
                &payload,
                "http://127.0.0.1:1",
                Duration::from_secs(10),
            )
            .await
            .expect("runs");
        assert_eq!(out.exit_code, Some(3));
        assert_eq!(out.output_tail, "ok-http://127.0.0.1:1");
        assert!(hooks
            .invoke("missing", &payload, "x", Duration::from_secs(1))
            .await
            .is_err());
    }
}
