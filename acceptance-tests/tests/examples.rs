//! The examples that need only this provider, applied as written against the emulator.

use std::path::{Path, PathBuf};

use ecsbg_acceptance::emulator::{demo_seed, http_get, many_services_seed, shell_function};
use ecsbg_acceptance::stage::Stage;

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

fn example(name: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/scenarios"
    ))
    .join(name)
}

#[test]
fn the_emulator_demo_example_ships_v2() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, 60.0)?;
    ws.copy_example(&example("emulator-demo"))?;
    let apply = ws
        .run(&["apply", "-auto-approve", "-var", "version_tag=v2"])?
        .success()?;
    assert!(
        apply
            .stdout
            .contains("test_listener_url = \"http://127.0.0.1:"),
        "{}",
        apply.output()
    );
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v2");
    Ok(())
}

#[test]
fn the_pipeline_stage_module_ships_qa_then_prod() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, many_services_seed(2)?, 60.0)?;
    ws.copy_example(&example("pipeline-stages"))?;
    ws.run(&["get"])?.success()?;
    let vars = [
        "qa_group=web0-prod",
        "qa_family=web0",
        "prod_group=web1-prod",
        "prod_family=web1",
        "image_tag=v3",
    ];
    let mut args = vec!["apply", "-auto-approve"];
    for v in &vars {
        args.extend(["-var", v]);
    }
    let apply = ws.run(&args)?.success()?;
    assert!(
        apply.stdout.contains("qa = \"Succeeded\"")
            && apply.stdout.contains("prod = \"Succeeded\""),
        "{}",
        apply.output()
    );
    assert_eq!(
        http_get(&emu.listener("web0/production")).1,
        "Hello from v3"
    );
    assert_eq!(
        http_get(&emu.listener("web1/production")).1,
        "Hello from v3"
    );
    Ok(())
}

#[test]
fn the_lambda_hook_example_runs_the_hook() -> anyhow::Result<()> {
    let marker = tempfile::NamedTempFile::new()?;
    let mut seed = demo_seed()?;
    seed.functions.push(shell_function(
        "CodeDeployHook_smoke",
        &format!("cat > {}", marker.path().display()),
    ));
    let Stage { emu, ws } = Stage::start(PROVIDER, seed, 60.0)?;
    ws.copy_example(&example("lambda-hook"))?;
    ws.run(&["apply", "-auto-approve"])?.success()?;
    assert_eq!(http_get(&emu.listener("web/production")).1, "Hello from v2");
    let payload = std::fs::read_to_string(marker.path())?;
    assert!(
        payload.contains("LifecycleEventHookExecutionId"),
        "the hook received CodeDeploy's payload: {payload}"
    );
    Ok(())
}

#[test]
fn the_release_archive_installs_from_a_filesystem_mirror() -> anyhow::Result<()> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let work = tempfile::tempdir()?;
    let dist = work.path().join("dist");
    let out = std::process::Command::new("bash")
        .arg(root.join("scripts/release.sh"))
        .env("RELEASE_BINARY", PROVIDER)
        .env("DIST_DIR", &dist)
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let version = ecsbg_acceptance::terraform::provider_version();
    let (os, arch) = ecsbg_acceptance::terraform::os_arch()
        .split_once('_')
        .map(|(o, a)| (o.to_string(), a.to_string()))
        .unwrap_or_default();
    let zip = format!("terraform-provider-ecsbg_{version}_{os}_{arch}.zip");
    let sums = std::fs::read_to_string(
        dist.join(format!("terraform-provider-ecsbg_{version}_SHA256SUMS")),
    )?;
    assert!(
        sums.contains(&zip) && sums.contains("_manifest.json"),
        "{sums}"
    );
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        dist.join(format!("terraform-provider-ecsbg_{version}_manifest.json")),
    )?)?;
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );

    // A packed filesystem mirror holding only the zip; a normal required_providers block; no overrides.
    let mirror = work.path().join("mirror/registry.terraform.io/ecsbg/ecsbg");
    std::fs::create_dir_all(&mirror)?;
    std::fs::copy(dist.join(&zip), mirror.join(&zip))?;
    let rc = work.path().join("terraformrc");
    std::fs::write(&rc, format!("provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/ecsbg/ecsbg\"]\n  }}\n}}\n", work.path().join("mirror").display()))?;
    let tf = work.path().join("tf");
    std::fs::create_dir_all(&tf)?;
    std::fs::write(tf.join("main.tf"), format!("terraform {{\n  required_providers {{\n    ecsbg = {{\n      source  = \"ecsbg/ecsbg\"\n      version = \"{version}\"\n    }}\n  }}\n}}\nprovider \"ecsbg\" {{}}\n"))?;
    for args in [["init", "-no-color"], ["validate", "-no-color"]] {
        let run = std::process::Command::new("terraform")
            .args(args)
            .current_dir(&tf)
            .env("TF_CLI_CONFIG_FILE", &rc)
            .env("CHECKPOINT_DISABLE", "1")
            .output()?;
        assert!(
            run.status.success(),
            "terraform {args:?}: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    Ok(())
}
