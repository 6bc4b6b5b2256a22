//! Plan-time checks that what the configuration names exists: alarms, hook functions, the deployment
//! config (and that it is for ECS), the task definition revision `task_definition_arn` names (ACTIVE, in
//! this account and region), and the test gate's programs and working directories on this machine. A typo
//! is an error on its attribute at plan, never a failed apply. An alarm or hook function that does not exist
//! yet is only a warning at plan (this configuration may create it) and an error at apply, checked again
//! before anything is registered or deployed.

use std::path::{Path, PathBuf};

use crate::aws::{Aws, ErrorKind, GroupInfo, NativeService, Purpose};
use crate::gate::CommandCheck;
use crate::plugin::diagnostics::{AttributePath, Diagnostics};

use super::diagnose::gate_without_hold;
use super::model::{attr, Config, Source};
use super::native_target::service_fits;

/// When the references are checked: what is missing is a warning at plan and an error at apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// `terraform plan`: the same configuration may create what is missing.
    Plan,
    /// `terraform apply`, before anything is registered or deployed: what is missing now stays missing.
    Apply,
}

/// What the configuration names that does not exist: a warning at plan, an error at apply.
fn missing(d: &mut Diagnostics, when: When, path: AttributePath, summary: &str, detail: String) {
    match when {
        When::Plan => d.attribute_warning(
            path,
            format!("{summary} (not found now)"),
            format!("{detail} If this configuration creates it, fine: the apply checks again before anything is registered or deployed, and fails then if it is still missing."),
        ),
        When::Apply => d.attribute_error(path, summary, format!("{detail} Nothing was registered or deployed.")),
    }
}

/// The alarms, hook functions and deployment config the configuration names must exist; the diagnostics
/// say which do not (errors, and at plan warnings for what this configuration may still create). What
/// cannot be checked (a missing permission) is logged, and CodeDeploy reports it at apply.
pub async fn check(aws: &Aws, cfg: &Config, when: When) -> Diagnostics {
    let mut d = Diagnostics::new();
    for (i, name) in cfg.names.alarms.iter().enumerate() {
        match aws.alarm(name).await {
            Ok(Some(_)) => {}
            Ok(None) => missing(
                &mut d,
                when,
                AttributePath::root(attr::ALARMS).index(i),
                "Unknown alarm",
                format!("CloudWatch has no metric alarm {name:?} in this account and region, so {} could not watch it.", if cfg.names.native.is_some() { "the provider" } else { "CodeDeploy" }),
            ),
            Err(err) => tracing::warn!(alarm = %name, error = %err, "could not check the alarm"),
        }
    }
    for (event, function) in cfg.hooks.in_order() {
        let Some((attribute, _)) = attr::HOOK_EVENTS.iter().find(|(_, e)| *e == event) else {
            continue;
        };
        match aws.function_exists(function).await {
            Ok(true) => {}
            Ok(false) => missing(
                &mut d,
                when,
                AttributePath::root(attr::HOOKS).attr(attribute),
                "Unknown Lambda function",
                format!("Lambda has no function {function:?} in this account and region, so CodeDeploy's {event} lifecycle event would fail and roll the deployment back. Deploy the function first, or fix the name."),
            ),
            // Without lambda:GetFunction the check cannot be made; CodeDeploy still reports a missing
            // function in the lifecycle event at apply.
            Err(err) => tracing::warn!(function = %function, error = %err, "could not check the hook function"),
        }
    }
    if let Some(name) = &cfg.names.deployment_config_name {
        let path = AttributePath::root(attr::DEPLOYMENT_CONFIG_NAME);
        match aws.deployment_config_platform(name).await {
            Ok(None) => d.attribute_error(
                path,
                "Unknown deployment config",
                format!("CodeDeploy has no deployment config {name:?}. The predefined ECS ones are CodeDeployDefault.ECSAllAtOnce, ECSCanary10Percent5Minutes, ECSCanary10Percent15Minutes, ECSLinear10PercentEvery1Minutes and ECSLinear10PercentEvery3Minutes."),
            ),
            Ok(Some(platform)) if !platform.is_empty() && platform != "ECS" => d.attribute_error(
                path,
                "Not an ECS deployment config",
                format!("{name:?} is for the {platform} compute platform; an ECS deployment group needs an ECS config."),
            ),
            Ok(Some(_)) => {}
            Err(err) => tracing::warn!(config = %name, error = %err, "could not check the deployment config"),
        }
    }
    check_task_definition_arn(aws, cfg, &mut d).await;
    check_commands(cfg, &mut d);
    d
}

/// The key in the planned private data that asks apply to check the references again.
const RECHECK: &str = "recheck_references";

/// The planned private data with a note for apply: the plan could not check every reference (the group's
/// names were unknown, or something named did not exist yet), so apply checks them before it starts.
pub fn ask_recheck(private: &[u8]) -> Vec<u8> {
    let mut object = serde_json::from_slice::<serde_json::Value>(private)
        .ok()
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| serde_json::json!({}));
    object[RECHECK] = serde_json::Value::Bool(true);
    object.to_string().into_bytes()
}

/// Whether the plan asked apply to check the references again.
pub fn recheck_asked(private: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(private)
        .ok()
        .is_some_and(|v| v[RECHECK] == serde_json::Value::Bool(true))
}

/// At apply, when the plan asked for it: the group must hold traffic for a gate, and everything named must
/// exist now. Errors, if any, before anything is registered or deployed.
pub async fn recheck(
    aws: &Aws,
    cfg: &Config,
    group: &GroupInfo,
    planned_private: &[u8],
) -> Option<Diagnostics> {
    if !recheck_asked(planned_private) {
        return None;
    }
    let group_name = &cfg.names.deployment_group_name;
    let mut d = gate_without_hold(group_name, cfg.gate.is_some(), group).unwrap_or_default();
    d.extend(check(aws, cfg, When::Apply).await);
    d.has_errors().then_some(d)
}

/// [`recheck`] for the ECS-native engine: the service must give what the configuration asks of it (a
/// PAUSE hook and a test listener for a gate, its load balancer container), and everything named must
/// exist now. Errors, if any, before anything is registered or deployed.
pub async fn recheck_native(
    aws: &Aws,
    cfg: &Config,
    svc: &NativeService,
    planned_private: &[u8],
) -> Option<Diagnostics> {
    if !recheck_asked(planned_private) {
        return None;
    }
    let mut d = service_fits(cfg, svc);
    d.extend(check(aws, cfg, When::Apply).await);
    d.has_errors().then_some(d)
}

/// The region and account of an ECS ARN (`arn:<partition>:ecs:<region>:<account>:task-definition/…`).
fn arn_region_account(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_arn, _partition, _service) = (parts.next()?, parts.next()?, parts.next()?);
    Some((parts.next()?, parts.next()?))
}

/// The revision `task_definition_arn` names must be one ECS can start tasks from: in the provider's region,
/// in the account the deployment group's service runs in, registered, and ACTIVE.
async fn check_task_definition_arn(aws: &Aws, cfg: &Config, d: &mut Diagnostics) {
    let arn = match (&cfg.source, &cfg.pinned_arn) {
        (Source::Arn(arn), _) | (Source::Json(_), Some(arn)) => arn,
        _ => return,
    };
    let path = AttributePath::root(attr::TASK_DEFINITION_ARN);
    if let Some((region, account)) = arn_region_account(arn) {
        if let Some(ours) = aws
            .region()
            .filter(|ours| !region.is_empty() && region != *ours)
        {
            d.attribute_error(
                path,
                "Task definition in another region",
                format!("{arn} is in region {region}, but this provider works in {ours}: an ECS service runs only task definitions registered in its own region. Register the revision in {ours} and name that ARN."),
            );
            return;
        }
        // The account the service runs in, from the ARN of what it serves now (the group was read moments
        // ago by this plan, so this is the cached answer, not another call).
        let live = match &cfg.names.native {
            Some((cluster, service)) => aws
                .native_service(cluster, service)
                .await
                .ok()
                .and_then(|svc| svc.live_task_definition),
            None => aws
                .deployment_group(
                    &cfg.names.application_name,
                    &cfg.names.deployment_group_name,
                    Purpose::Plan,
                )
                .await
                .ok()
                .and_then(|group| group.live_task_definition),
        };
        if let Some((_, ours)) = live.as_deref().and_then(arn_region_account) {
            if !account.is_empty() && account != ours {
                d.attribute_error(
                    path,
                    "Task definition of another account",
                    format!("{arn} belongs to account {account}, but the service runs in account {ours}: ECS cannot run another account's task definition. Register the revision in account {ours} and name that ARN."),
                );
                return;
            }
        }
    }
    match aws.task_definition(arn).await {
        Ok(td) if td["status"] == "INACTIVE" => d.attribute_error(
            path,
            "Inactive task definition",
            format!("{arn} is INACTIVE (deregistered): ECS starts no new tasks from an inactive revision, so CodeDeploy could not create the green task set. Name an ACTIVE revision, or register this one again."),
        ),
        Ok(_) => {}
        Err(err) if err.kind == ErrorKind::NotFound => d.attribute_error(
            path,
            "Task definition not found",
            format!("ECS has no task definition {arn} in this account and region ({}). Check the family and revision, or register it first.", err.reason()),
        ),
        // Without ecs:DescribeTaskDefinition the check cannot be made; the rollout reports at apply.
        Err(err) => tracing::warn!(arn = %arn, error = %err, "could not check the task definition"),
    }
}

/// Each gate command's working directory must exist and its program must resolve, here, to an executable
/// file, the way the gate will start it at apply. Checked at plan rather than at validate: validate may run
/// on a machine that never applies (a CI lint job) and need not have the gate's tools.
fn check_commands(cfg: &Config, d: &mut Diagnostics) {
    let Some(gate) = &cfg.gate else {
        return;
    };
    for (i, command) in gate.commands.iter().enumerate() {
        let path = AttributePath::root(attr::TEST_GATE)
            .attr("command")
            .index(i);
        if let Some(dir) = &command.working_dir {
            if !dir.is_dir() {
                d.attribute_error(
                    path.attr("working_dir"),
                    "Working directory not found",
                    format!(
                        "{:?} {} on this machine, so the command could not start there.",
                        dir.display().to_string(),
                        if dir.exists() {
                            "is not a directory"
                        } else {
                            "does not exist"
                        }
                    ),
                );
                continue;
            }
        }
        if let Err(problem) = resolve_program(command) {
            d.attribute_error(path.attr("argv"), problem.0, problem.1);
        }
    }
}

/// Where the gate would find `argv[0]`: a path with a slash as is (relative to the working directory), else
/// the first match in PATH (the command's own PATH when its `env` sets one, as the child's lookup uses).
/// Err(summary, detail) when there is none, or it is not an executable file.
fn resolve_program(command: &CommandCheck) -> Result<PathBuf, (&'static str, String)> {
    let Some(program) = command.argv.first().filter(|p| !p.trim().is_empty()) else {
        return Ok(PathBuf::new());
    };
    let base = command.working_dir.clone().unwrap_or_default();
    let candidate = if program.contains('/') || (cfg!(windows) && program.contains('\\')) {
        base.join(program)
    } else {
        let search = command
            .env
            .get("PATH")
            .cloned()
            .or_else(|| std::env::var("PATH").ok())
            .unwrap_or_default();
        let found = std::env::split_paths(&search)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| base.join(dir).join(program))
            .find_map(runnable);
        match found {
            Some(found) => return Ok(found),
            None => {
                return Err((
                    "Program not found",
                    format!("{program:?} is in no directory of PATH ({search}) on this machine, so the gate could not run it. Install it, or name it by its path."),
                ))
            }
        }
    };
    let candidate = runnable(candidate.clone()).unwrap_or(candidate);
    if !candidate.is_file() {
        return Err((
            "Program not found",
            format!(
                "{:?} {} on this machine, so the gate could not run it.",
                candidate.display().to_string(),
                if candidate.exists() {
                    "is not a file"
                } else {
                    "does not exist"
                }
            ),
        ));
    }
    if !is_executable(&candidate) {
        return Err((
            "Program not executable",
            format!("{:?} exists but is not executable, so the gate could not run it. Make it executable (chmod +x), or run it through its interpreter, e.g. [\"sh\", {program:?}].", candidate.display().to_string()),
        ));
    }
    Ok(candidate)
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The file a spawn of `path` runs, if it is an executable file: `path` itself, or on Windows also `path.exe`
/// when `path` has no extension (as the standard library's process spawning appends it).
fn runnable(path: PathBuf) -> Option<PathBuf> {
    if path.is_file() && is_executable(&path) {
        return Some(path);
    }
    if cfg!(windows) && path.extension().is_none() {
        let exe = path.with_extension("exe");
        if exe.is_file() {
            return Some(exe);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(argv: &[&str], dir: Option<&Path>) -> CommandCheck {
        CommandCheck {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            env: Default::default(),
            working_dir: dir.map(Path::to_path_buf),
            timeout: std::time::Duration::from_secs(1),
        }
    }

    #[test]
    fn programs_resolve_against_path_and_the_working_directory() {
        assert!(resolve_program(&command(&["sh"], None)).is_ok());
        let missing = resolve_program(&command(&["ecsbg-no-such-tool"], None)).unwrap_err();
        assert_eq!(missing.0, "Program not found");
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("check.sh"), "#!/bin/sh\n").expect("written");
        let plain = resolve_program(&command(&["./check.sh"], Some(dir.path()))).unwrap_err();
        assert_eq!(plain.0, "Program not executable");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                dir.path().join("check.sh"),
                std::fs::Permissions::from_mode(0o755),
            )
            .expect("chmod");
            assert!(resolve_program(&command(&["./check.sh"], Some(dir.path()))).is_ok());
        }
        let mut own_path = command(&["check.sh"], None);
        own_path
            .env
            .insert("PATH".into(), dir.path().display().to_string());
        assert!(resolve_program(&own_path).is_ok());
    }

    #[test]
    fn the_recheck_note_keeps_other_private_data() {
        assert!(!recheck_asked(b""));
        let asked = ask_recheck(br#"{"in_flight":"d-ABCDEFGHI"}"#);
        assert!(recheck_asked(&asked));
        assert_eq!(
            crate::resource::deployment::model::in_flight(&asked).as_deref(),
            Some("d-ABCDEFGHI")
        );
        assert!(recheck_asked(&ask_recheck(b"")));
    }

    #[test]
    fn arns_split_into_region_and_account() {
        assert_eq!(
            arn_region_account("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"),
            Some(("eu-west-1", "123456789012"))
        );
        assert_eq!(arn_region_account("web:7"), None);
    }
}
