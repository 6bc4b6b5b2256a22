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

/// Cases whose configured definition the provider's parser rejects cannot be planned at all (Terraform
/// stops at the first invalid resource), so they are reported as failures and left out of the plan.
fn rejected(name: &str, configured: &Value) -> Option<String> {
    ecsbg::taskdef::parse_user(&configured.to_string())
        .err()
        .map(|e| format!("{name}: the configuration is rejected: {e}"))
}

#[test]
fn every_described_case_imported_from_a_reordered_configuration_plans_no_change(
) -> anyhow::Result<()> {
    let cases = corpus::cases()?;
    assert!(cases.len() >= corpus::MIN_CASES);
    let mut failures = Vec::new();
    let mut planned: Vec<(&Case, Value)> = Vec::new();
    for case in &cases {
        let configured = corpus::reordered(&case.user);
        match rejected(&case.name, &configured) {
            Some(why) => failures.push(why),
            None => planned.push((case, configured)),
        }
    }
    let served: Vec<(Value, Value)> = planned
        .iter()
        .map(|(case, configured)| (case.described.clone(), configured.clone()))
        .collect();
    let (code, output) = plan(&served)?;
    assert_eq!(code, 0, "{output}");
    for i in rolled_out(&output) {
        if let Some((case, _)) = planned.get(i) {
            failures.push(format!(
                "{}: plans a rollout although nothing changed",
                case.name
            ));
        }
    }
    if !flat(&output).contains(&format!(
        "Plan: {} to import, 0 to add, 0 to change, 0 to destroy",
        planned.len()
    )) {
        failures.push("the plan is not import-only".to_string());
    }
    assert!(
        failures.is_empty(),
        "{} of {} unchanged cases fail through terraform plan:\n{}\n\nplan output:\n{output}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    Ok(())
}

#[test]
fn a_sample_of_single_changes_is_named_in_the_plan_with_the_expected_line() -> anyhow::Result<()> {
    let cases = corpus::cases()?;
    let mut failures = Vec::new();
    let mut sample: Vec<(&Case, &corpus::OneChange, Value)> = Vec::new();
    for case in cases.iter().step_by(4) {
        let Some(change) = case.changes.first() else {
            continue;
        };
        let changed = corpus::apply(&case.user, change)?;
        match rejected(&case.name, &changed) {
            Some(why) => failures.push(why),
            None => sample.push((case, change, changed)),
        }
    }
    assert!(
        sample.len() >= 15,
        "the sample has {} changes",
        sample.len()
    );
    let served: Vec<(Value, Value)> = sample
        .iter()
        .map(|(case, _, changed)| (case.described.clone(), changed.clone()))
        .collect();
    let (code, output) = plan(&served)?;
    assert_eq!(code, 0, "{output}");
    let flat_output = flat(&output);
    for (case, change, _) in &sample {
        if change
            .expected
            .iter()
            .any(|line| !flat_output.contains(&flat(line)))
        {
            failures.push(format!(
                "{} / {}: expected {:?}",
                case.name, change.description, change.expected
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} sampled changes are not named as expected:\n{}\n\nplan output:\n{output}",
        failures.len(),
        sample.len(),
        failures.join("\n")
    );
    Ok(())
}
