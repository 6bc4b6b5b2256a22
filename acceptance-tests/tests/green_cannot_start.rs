//! Green that cannot start fails fast: an image that cannot be pulled, an essential container that exits,
//! a container that never becomes healthy. Emulated CodeDeploy would wait four hours in Install, so only the
//! provider's watch of green's stopped tasks can end these applies; each case asserts the apply failed
//! naming ECS's reason for the stopped task, that blue still serves (HTTP through the listener) and that
//! state records the rollback. The rows are published to the reliability page.

use std::time::Duration;

use ecsbg_acceptance::campaign::{publish, Section};
use ecsbg_acceptance::emulator::{demo_seed, http_get};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{
    flat, web_deployment, web_resource_with_env, Workspace, PROVIDER_HEADER,
};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const SCALE: f64 = 60.0;

/// The demo `web` service at image tag `tag`, with `env` added to its container's environment.
fn green(tag: &str, env: &[(&str, &str)]) -> String {
    format!(
        "{PROVIDER_HEADER}{}",
        web_resource_with_env("web", "web", "web-prod", tag, env, "")
    )
}

fn status(ws: &Workspace) -> anyhow::Result<String> {
    Ok(ws.resource_values("ecsbg_deployment.web")?["status"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

#[test]
fn green_that_cannot_start_is_rolled_back_naming_why() -> anyhow::Result<()> {
    let behaviour = ecsbg_emulator::Behaviour {
        install_timeout: Duration::from_secs(4 * 3600),
        ..ecsbg_emulator::Behaviour::default()
    };
    let Stage { emu, ws } = Stage::start_with(PROVIDER, demo_seed()?, SCALE, behaviour)?
        .serving(&web_deployment("v1", ""))?;
    let prod = emu.listener("web/production");
    let cases: [(&str, String, &str); 3] = [
        (
            "image cannot be pulled (`ghcr.io/acme/web:does-not-exist`)",
            green("does-not-exist", &[]),
            "(TaskFailedToStart): CannotPullContainerError: pull image manifest has been retried 5 time(s)",
        ),
        (
            "essential container exits with status 3",
            green("v2-exits", &[("EMULATOR_EXIT_CODE", "3")]),
            "(EssentialContainerExited): Essential container in task exited; container web exit code 3",
        ),
        (
            "container never passes the load balancer's health check",
            green("v2-unhealthy", &[("EMULATOR_UNHEALTHY", "true")]),
            "Task failed ELB health checks in (target-group",
        ),
    ];
    let mut rows = Vec::new();
    for (what, hcl, reason) in cases {
        let apply = ws.try_apply(&hcl)?;
        let out = flat(&apply.output());
        assert_ne!(apply.code, 0, "{what}: the apply succeeded\n{out}");
        assert!(
            out.contains("green cannot start during Install: ECS task "),
            "{what}: {out}"
        );
        assert!(out.contains(reason), "{what}: {out}");
        assert!(out.contains("rolled back"), "{what}: {out}");
        assert_eq!(http_get(&prod).1, "Hello from v1", "{what}: blue serves");
        assert_eq!(status(&ws)?, "RolledBack", "{what}");
        rows.push(vec![
            what.to_string(),
            reason.to_string(),
            "failed; rolled back, v1 serves, state says RolledBack".to_string(),
        ]);
    }
    publish(&Section {
        id: "29-green-cannot-start",
        title: "Green that cannot start",
        intro: "A rollout whose green tasks never run. Emulated CodeDeploy waits four hours in Install here, so only the provider's watch of green's stopped tasks (every 10 s until traffic moves) can end the apply. Every row asserts the apply failed naming the lifecycle event, the stopped ECS task and ECS's reason, that v1 still serves through the production listener, and that state records RolledBack.",
        columns: &["green's problem", "the reason the apply names", "apply"],
        rows,
    })
}
