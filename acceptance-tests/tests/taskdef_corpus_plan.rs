//! The corpus through `terraform plan`: production (the emulator) serves each case's `described.json`, and
//! - a configuration that imports it with the user's definition written in another order plans no
//!   change at all;
//! - a configuration carrying one of the case's single changes plans the rollout and names the change
//!   with exactly the expected summary line (a sample: the first change of every fourth case).
//!
//! Both tests name every failing case before failing.

mod corpus;

use corpus::Case;
use ecsbg_acceptance::emulator::many_services_seed;
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, PROVIDER_HEADER};
use serde_json::{json, Value};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

/// HCL for a JSON value, written the way a person writes `jsonencode({...})`.
fn hcl(v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            let mut out = String::from("{\n");
            for (k, val) in map {
                out.push_str(&format!("{pad}  {:?} = {}\n", k, hcl(val, indent + 1)));
            }
            out.push_str(&format!("{pad}}}"));
            out
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| hcl(i, indent + 1))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => {
            serde_json::to_string(&s.replace("${", "$${").replace("%{", "%%{")).unwrap_or_default()
        }
        other => other.to_string(),
    }
}

/// Serves `served[i]` (a described answer) as service `web{i}` and plans `configured[i]` against it
/// through an import; returns the plan's exit code and output.
fn plan(served: &[(Value, Value)]) -> anyhow::Result<(i32, String)> {
    let mut seed = many_services_seed(served.len())?;
    let mut config = PROVIDER_HEADER.to_string();
    for (i, (described, configured)) in served.iter().enumerate() {
        let family = format!("web{i}");
        let mut td = corpus::without_read_only(described);
        td["family"] = json!(family);
        seed.services[i].container_name = td["containerDefinitions"][0]["name"]
            .as_str()
            .unwrap_or("web")
            .to_string();
        seed.task_definitions[i] = td;
        let mut configured = configured.clone();
        configured["family"] = json!(family);
        config.push_str(&format!(
            "import {{\n  to = ecsbg_deployment.td{i}\n  id = \"web:web{i}-prod\"\n}}\nresource \"ecsbg_deployment\" \"td{i}\" {{\n  application_name      = \"web\"\n  deployment_group_name = \"web{i}-prod\"\n  task_definition       = jsonencode({})\n}}\n",
            hcl(&configured, 1)
        ));
    }
    let Stage { emu: _emu, ws } = Stage::start(PROVIDER, seed, 60.0)?;
    ws.write_main(&config)?;
    let out = ws.run(&["plan", "-no-color"])?;
    Ok((out.code, out.output()))
}

/// The services whose plan warns of a rollout ("… will roll out to <cluster>/web<i>"), by index.
fn rolled_out(output: &str) -> Vec<usize> {
    let mut found: Vec<usize> = flat(output)
        .split("will roll out to ")
        .skip(1)
        .filter_map(|rest| {
            let target = rest.split_whitespace().next()?;
            let (_, service) = target.rsplit_once('/')?;
            service.strip_prefix("web")?.parse().ok()
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

#[test]
fn every_described_case_imported_from_a_reordered_configuration_plans_no_change(
) -> anyhow::Result<()> {
    let cases = corpus::cases()?;
    assert!(cases.len() >= corpus::MIN_CASES);
    let served: Vec<(Value, Value)> = cases
        .iter()
        .map(|c| (c.described.clone(), corpus::reordered(&c.user)))
        .collect();
    let (code, output) = plan(&served)?;
    assert_eq!(code, 0, "{output}");
    let noisy: Vec<&str> = rolled_out(&output)
        .into_iter()
        .map(|i| cases[i].name.as_str())
        .collect();
    assert!(
        noisy.is_empty(),
        "{} of {} unchanged cases plan a rollout: {noisy:?}\n{output}",
        noisy.len(),
        cases.len()
    );
    assert!(
        flat(&output).contains(&format!(
            "Plan: {} to import, 0 to add, 0 to change, 0 to destroy",
            cases.len()
        )),
        "{output}"
    );
    Ok(())
}

#[test]
fn a_sample_of_single_changes_is_named_in_the_plan_with_the_expected_line() -> anyhow::Result<()> {
    let cases = corpus::cases()?;
    let sample: Vec<(&Case, &corpus::OneChange)> = cases
        .iter()
        .step_by(4)
        .filter_map(|c| c.changes.first().map(|ch| (c, ch)))
        .collect();
    assert!(
        sample.len() >= 15,
        "the sample has {} changes",
        sample.len()
    );
    let served = sample
        .iter()
        .map(|(case, change)| Ok((case.described.clone(), corpus::apply(&case.user, change)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (code, output) = plan(&served)?;
    assert_eq!(code, 0, "{output}");
    let flat_output = flat(&output);
    let missing: Vec<String> = sample
        .iter()
        .filter(|(_, change)| {
            change
                .expected
                .iter()
                .any(|line| !flat_output.contains(&flat(line)))
        })
        .map(|(case, change)| {
            format!(
                "{} / {}: expected {:?}",
                case.name, change.description, change.expected
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} sampled changes are not named as expected:\n{}\n\nplan output:\n{output}",
        missing.len(),
        sample.len(),
        missing.join("\n")
    );
    Ok(())
}
