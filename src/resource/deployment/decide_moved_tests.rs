//! `decide`'s other half as tables: when a plan refuses because production moved, when apply refuses a plan
//! it cannot honour, and which `redeploy_triggers` changes roll the same content out again.

use super::tests::{key, live, td, LATEST, LIVE, OTHER};
use super::*;

fn decision(deploy: bool, revision: Revision) -> Decision {
    Decision {
        deploy,
        revision,
        summary: vec![],
        reasons: vec![],
    }
}

#[test]
fn apply_refuses_a_plan_that_production_has_moved_away_from() {
    // Planned no rollout; production moved to another revision since: refuse.
    let moved = compare(
        false,
        None,
        Some(LIVE),
        &decision(true, Revision::Register),
        Some(OTHER),
    );
    assert!(
        moved
            .as_deref()
            .is_some_and(|m| m.contains(OTHER) && m.contains(LIVE)),
        "{moved:?}"
    );
    // Planned a rollout from LIVE; production now runs OTHER and the rollout is still needed: refuse.
    let stale = compare(
        true,
        Some(LIVE),
        None,
        &decision(true, Revision::Register),
        Some(OTHER),
    );
    assert!(
        stale
            .as_deref()
            .is_some_and(|m| m.contains("diff was against")),
        "{stale:?}"
    );
    // Planned to deploy LATEST; apply would deploy OTHER: refuse.
    let other = compare(
        true,
        Some(LIVE),
        Some(LATEST),
        &decision(true, Revision::Existing(OTHER.into())),
        Some(LIVE),
    );
    assert!(
        other
            .as_deref()
            .is_some_and(|m| m.contains(LATEST) && m.contains(OTHER)),
        "{other:?}"
    );
}

#[test]
fn apply_goes_ahead_when_it_reaches_the_plans_decision() {
    // The same rollout from the same revision.
    assert_eq!(
        compare(
            true,
            Some(LIVE),
            None,
            &decision(true, Revision::Register),
            Some(LIVE)
        ),
        None
    );
    // The plan left the revision to apply, which found an identical one registered meanwhile.
    assert_eq!(
        compare(
            true,
            Some(LIVE),
            None,
            &decision(true, Revision::Existing(LATEST.into())),
            Some(LIVE)
        ),
        None
    );
    // What the plan was to ship already serves (an adopted deployment finished): nothing left to do.
    assert_eq!(
        compare(
            true,
            Some(LIVE),
            None,
            &decision(false, Revision::Existing(LATEST.into())),
            Some(LATEST)
        ),
        None
    );
    // No rollout planned, none needed.
    assert_eq!(
        compare(
            false,
            None,
            Some(LIVE),
            &decision(false, Revision::Existing(LIVE.into())),
            Some(LIVE)
        ),
        None
    );
}

#[test]
fn a_forced_redeploy_is_named_by_its_keys_never_its_values() {
    let planned = key("a");
    let source = Source::Json(td("web:v1"));
    let wanted = Wanted {
        source: &source,
        pinned_arn: None,
        sensitive: &[],
        prior_appspec: Some(&planned),
        planned_appspec: &planned,
        redeploy: Some(vec!["db_password_version".into(), "image".into()]),
    };
    let decision = decide(&wanted, &live("web:v1")).expect("a decision");
    assert_eq!(
        decision.summary,
        vec!["redeploy_triggers changed (db_password_version, image): the same task definition rolls out again".to_string()]
    );
}

#[test]
fn which_trigger_changes_ask_for_a_redeploy() {
    use crate::plugin::value::Value;
    let map = |pairs: &[(&str, &str)]| {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::string(*v)))
                .collect(),
        )
    };
    let v1 = map(&[("secret", "1"), ("tag", "a")]);
    /// (case, prior triggers, planned triggers, the keys that ask for a redeploy)
    type Row = (
        &'static str,
        Option<Value>,
        Value,
        Option<Vec<&'static str>>,
    );
    let rows: Vec<Row> = vec![
        (
            "create: no prior state, no redeploy",
            None,
            v1.clone(),
            None,
        ),
        ("unchanged", Some(v1.clone()), v1.clone(), None),
        (
            "first set as an empty map",
            Some(Value::Null),
            map(&[]),
            None,
        ),
        (
            "one value changed",
            Some(v1.clone()),
            map(&[("secret", "2"), ("tag", "a")]),
            Some(vec!["secret"]),
        ),
        (
            "a key added",
            Some(v1.clone()),
            map(&[("secret", "1"), ("tag", "a"), ("z", "")]),
            Some(vec!["z"]),
        ),
        (
            "a key removed",
            Some(v1.clone()),
            map(&[("tag", "a")]),
            Some(vec!["secret"]),
        ),
        (
            "every key removed",
            Some(v1.clone()),
            map(&[]),
            Some(vec!["secret", "tag"]),
        ),
        (
            "the attribute removed: recorded, no rollout",
            Some(v1.clone()),
            Value::Null,
            None,
        ),
        (
            "first set on an existing or imported resource: recorded, no rollout",
            Some(Value::Null),
            map(&[("secret", "1")]),
            None,
        ),
        (
            "a key added to an empty map",
            Some(map(&[])),
            map(&[("secret", "1")]),
            Some(vec!["secret"]),
        ),
        (
            "the whole map unknown",
            Some(v1.clone()),
            Value::Unknown,
            Some(vec![]),
        ),
        (
            "one value unknown",
            Some(v1.clone()),
            Value::Map(
                [
                    ("secret".to_string(), Value::Unknown),
                    ("tag".to_string(), Value::string("a")),
                ]
                .into_iter()
                .collect(),
            ),
            Some(vec!["secret"]),
        ),
    ];
    for (name, prior, planned, want) in rows {
        let want = want.map(|keys| keys.into_iter().map(String::from).collect::<Vec<_>>());
        assert_eq!(triggers_changed(prior.as_ref(), &planned), want, "{name}");
    }
}

#[test]
fn a_plan_refuses_only_when_production_left_the_recorded_revision() {
    // After a refresh they agree; during apply of a saved plan, or with -refresh=false, they may not.
    assert!(!production_moved(Some(LIVE), Some(LIVE)));
    assert!(production_moved(Some(LIVE), Some(OTHER)));
    assert!(production_moved(None, Some(OTHER)));
    // Production reports no revision: nothing to compare with.
    assert!(!production_moved(Some(LIVE), None));
    let text = moved_message(
        Some(LIVE),
        OTHER,
        Some("d-ABC (creator user, created 2026-11-28T06:00:00Z, Succeeded)"),
    );
    for part in [
        LIVE,
        OTHER,
        "d-ABC",
        "creator user",
        "2026-11-28T06:00:00Z",
        "Run `terraform plan` again",
        "nothing was registered or deployed",
    ] {
        assert!(text.contains(part), "{part} missing: {text}");
    }
}
