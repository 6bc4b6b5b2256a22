//! The corpus through `terraform plan`: every definition serves production in the emulator, and a
//! configuration that imports it with a differently formatted `task_definition` plans no change at all.

use std::path::Path;

use ecsbg_acceptance::emulator::many_services_seed;
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, PROVIDER_HEADER};
use serde_json::{json, Value};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");

fn corpus() -> Vec<(String, Value)> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/taskdefs"));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((
                p.file_stem()?.to_string_lossy().into_owned(),
                serde_json::from_str(&text).ok()?,
            ))
        })
        .collect()
}

/// HCL for a JSON value, written the way a person writes `jsonencode({...})`: keys in reverse order, task
/// cpu/memory as numbers where they are numeric.
fn hcl(v: &Value, indent: usize) -> String {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            let mut out = String::from("{\n");
            for (k, val) in map.iter().rev() {
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

#[test]
fn every_corpus_definition_imported_from_a_reformatted_configuration_plans_no_change(
) -> anyhow::Result<()> {
    let corpus = corpus();
    assert!(corpus.len() >= 30);
    let mut seed = many_services_seed(corpus.len())?;
    for (i, (_, td)) in corpus.iter().enumerate() {
        // Service i runs corpus definition i (its own family), fronted by its first container.
        let mut td = td.clone();
        td["family"] = json!(format!("web{i}"));
        let first = td["containerDefinitions"][0]["name"]
            .as_str()
            .unwrap_or("web")
            .to_string();
        seed.task_definitions[i] = td;
        seed.services[i].container_name = first;
    }
    let Stage { emu: _emu, ws } = Stage::start(PROVIDER, seed.clone(), 60.0)?;
    let mut config = PROVIDER_HEADER.to_string();
    for (i, td) in seed.task_definitions.iter().enumerate() {
        let mut td = td.clone();
        for key in ["cpu", "memory"] {
            if let Some(n) = td[key].as_str().and_then(|s| s.parse::<i64>().ok()) {
                td[key] = json!(n);
            }
        }
        config.push_str(&format!(
            "import {{\n  to = ecsbg_deployment.td{i}\n  id = \"web:web{i}-prod\"\n}}\nresource \"ecsbg_deployment\" \"td{i}\" {{\n  application_name      = \"web\"\n  deployment_group_name = \"web{i}-prod\"\n  task_definition       = jsonencode({})\n}}\n",
            hcl(&td, 1)
        ));
    }
    ws.write_main(&config)?;
    let plan = ws.run(&["plan", "-no-color"])?;
    let out = flat(&plan.output());
    assert_eq!(plan.code, 0, "{}", plan.output());
    assert!(
        out.contains(&format!(
            "Plan: {} to import, 0 to add, 0 to change, 0 to destroy",
            corpus.len()
        )),
        "{}",
        plan.output()
    );
    assert!(
        !out.contains("will roll out"),
        "no definition may plan a rollout: {}",
        plan.output()
    );
    Ok(())
}
