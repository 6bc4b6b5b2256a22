//! The task definition corpus (`testdata/taskdefs/`), case by case: what a team writes equals what ECS
//! describes for it once normalised (also when written in another order with the defaults spelled out),
//! every single change is summarised in the agreed words (`/work/shared/briefs/summary-wording.md`,
//! issue 15), and every definition registered through the emulator's ECS API comes back without a diff.
//!
//! Each test collects every failing case and fails once with the full list (actual vs expected), so one
//! run shows everything that remains.

mod corpus;

use corpus::{Case, MIN_CASES, MIN_CHANGES};
use ecsbg::taskdef;
use ecsbg_acceptance::emulator::Running;
use serde_json::{json, Value};

fn fail_with(what: &str, total: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} of {total} {what} failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Why `user` and `described` do not read as the same definition, if they do not.
fn spurious_diff(described: &Value, user: &Value) -> Option<String> {
    let summary = taskdef::summarize(described, user, &[]);
    let equal = taskdef::normalize(described) == taskdef::normalize(user);
    if equal && summary.is_empty() {
        return None;
    }
    let changes: Vec<String> = taskdef::diff(described, user)
        .iter()
        .map(|c| format!("{}: {:?} → {:?}", c.path, c.old, c.new))
        .collect();
    Some(format!(
        "normalised forms {}; summary {summary:?}; structural diff {changes:?}",
        if equal { "equal" } else { "differ" }
    ))
}

#[test]
fn the_corpus_has_at_least_sixty_cases_and_sixty_single_changes() -> anyhow::Result<()> {
    let cases = corpus::cases()?;
    let changes: usize = cases.iter().map(|c| c.changes.len()).sum();
    assert!(
        cases.len() >= MIN_CASES,
        "the corpus has {} cases",
        cases.len()
    );
    assert!(
        changes >= MIN_CHANGES,
        "the corpus has {changes} one-change variants"
    );
    let without: Vec<&str> = cases
        .iter()
        .filter(|c| c.changes.is_empty())
        .map(|c| c.name.as_str())
        .collect();
    assert!(
        without.is_empty(),
        "cases without a one-change variant: {without:?}"
    );
    for case in &cases {
        assert_ne!(
            case.described, case.user,
            "{}: ECS's answer carries read-only fields",
            case.name
        );
        for key in ["taskDefinitionArn", "revision", "status", "registeredAt"] {
            assert!(
                case.described.get(key).is_some(),
                "{}: described.json lacks {key}",
                case.name
            );
        }
    }
    Ok(())
}

#[test]
fn what_ecs_describes_equals_what_the_team_wrote_also_when_reordered() -> anyhow::Result<()> {
    let cases = corpus::cases()?;
    let mut failures = Vec::new();
    for Case {
        name,
        user,
        described,
        ..
    } in &cases
    {
        if let Err(e) = taskdef::parse_user(&user.to_string()) {
            failures.push(format!("{name} (user.json): rejected by parse_user: {e}"));
        }
        if let Some(why) = spurious_diff(described, user) {
            failures.push(format!("{name} (unchanged): {why}"));
        }
        let other = corpus::reordered(user);
        if let Err(e) = taskdef::parse_user(&other.to_string()) {
            failures.push(format!("{name} (reordered): rejected by parse_user: {e}"));
        }
        if let Some(why) = spurious_diff(described, &other) {
            failures.push(format!("{name} (reordered): {why}"));
        }
    }
    fail_with("cases (unchanged and reordered)", cases.len(), &failures);
    Ok(())
}

#[test]
fn every_single_change_is_summarised_in_the_agreed_words() -> anyhow::Result<()> {
    let cases = corpus::cases()?;
    let mut failures = Vec::new();
    let mut total = 0;
    for case in &cases {
        for change in &case.changes {
            total += 1;
            // A change that does not apply is a broken corpus, not a finding: fail at once.
            let changed = corpus::apply(&case.user, change)
                .map_err(|e| anyhow::anyhow!("{} / {}: {e:#}", case.name, change.description))?;
            let actual = taskdef::summarize(&case.described, &changed, &change.sensitive);
            if actual != change.expected {
                failures.push(format!(
                    "{} / {}:\n  expected {:?}\n  actual   {:?}",
                    case.name, change.description, change.expected, actual
                ));
            }
        }
    }
    fail_with("one-change variants", total, &failures);
    Ok(())
}

#[test]
fn every_user_definition_round_trips_through_the_emulators_ecs_without_a_diff() -> anyhow::Result<()>
{
    let cases = corpus::cases()?;
    let emu = Running::start(Default::default(), 60.0)?;
    let mut failures = Vec::new();
    for Case { name, user, .. } in &cases {
        let parsed = match taskdef::parse_user(&user.to_string()) {
            Ok(parsed) => parsed,
            Err(e) => {
                failures.push(format!("{name}: rejected by parse_user: {e}"));
                continue;
            }
        };
        let registered = emu.ecs("RegisterTaskDefinition", &taskdef::register_input(&parsed));
        let Some(arn) = registered["taskDefinition"]["taskDefinitionArn"].as_str() else {
            failures.push(format!("{name}: the emulator refused it: {registered}"));
            continue;
        };
        let described = emu.ecs("DescribeTaskDefinition", &json!({"taskDefinition": arn}))
            ["taskDefinition"]
            .clone();
        if let Some(why) = spurious_diff(&described, user) {
            failures.push(format!("{name}: {why}"));
        }
        if taskdef::canonical_json(&described) != taskdef::canonical_json(user) {
            failures.push(format!("{name}: canonical JSON differs"));
        }
    }
    fail_with("emulator round trips", cases.len(), &failures);
    Ok(())
}
