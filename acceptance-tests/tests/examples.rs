//! The examples that need only this provider, applied as written against the emulator.

use std::path::{Path, PathBuf};

use ecsbg_acceptance::emulator::{
    demo_seed, http_get, many_services_seed, native_demo_seed, shell_function,
};
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
fn the_native_emulator_demo_example_ships_v2_through_the_pause() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, native_demo_seed()?, 60.0)?;
    ws.copy_example(&example("emulator-demo-native"))?;
    let apply = ws
        .run(&["apply", "-auto-approve", "-var", "version_tag=v2"])?
        .success()?;
    let said = ecsbg_acceptance::terraform::flat(&apply.stdout);
    for words in [
        "lifecycle stage POST_TEST_TRAFFIC_SHIFT",
        "gate passed",
        "SUCCESSFUL",
    ] {
        assert!(
            said.contains(words),
            "{words:?} missing: {}",
            apply.output()
        );
    }
    assert_eq!(emu.calls("ecs.ContinueServiceDeployment"), 1);
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
