//! The docs are generated from the schema and must be current; the examples must be formatted.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn generated_docs_are_current() -> anyhow::Result<()> {
    for (path, expected) in ecsbg::docs::pages(root())? {
        let actual = std::fs::read_to_string(root().join(&path)).unwrap_or_default();
        assert!(
            actual == expected,
            "{path} is stale: run `make docs` and commit it"
        );
    }
    Ok(())
}

#[test]
fn docs_describe_every_attribute() -> anyhow::Result<()> {
    let page = std::fs::read_to_string(root().join("docs/resources/deployment.md"))?;
    for needle in [
        "`application_name` (String)",
        "`task_definition` (String)",
        "Nested Schema for `test_gate.http`",
        "## How a rollout proceeds",
        "terraform import ecsbg_deployment.web web:web-prod",
    ] {
        assert!(page.contains(needle), "missing {needle:?}");
    }
    Ok(())
}

#[test]
fn examples_pass_terraform_fmt() -> anyhow::Result<()> {
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-recursive", "-diff"])
        .current_dir(root().join("examples"))
        .env("CHECKPOINT_DISABLE", "1")
        .output()?;
    assert!(
        out.status.success(),
        "terraform fmt -check failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    Ok(())
}
