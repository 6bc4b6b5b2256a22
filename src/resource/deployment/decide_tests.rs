//! `decide` as a table: (configuration × prior state × live facts) → decision, including the cases where
//! plan and apply used to decide differently (an identical revision of the family, which only apply
//! reused; a service with no PRIMARY task set, which apply treated as "nothing to deploy"), forced
//! redeploys, and when a plan finds that production moved away from its prior state.

use serde_json::{json, Value as Json};

use super::*;

pub(super) const LIVE: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7";
pub(super) const LATEST: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8";
pub(super) const OTHER: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:9";
const QA: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:5";

pub(super) fn td(image: &str) -> Json {
    json!({
        "family": "web",
        "containerDefinitions": [{"name": "web", "image": image, "portMappings": [{"containerPort": 80}],
            "environment": [{"name": "DB_TOKEN", "value": image}]}]
    })
}

/// As ECS returns a revision of `td(image)`: defaults filled, read-only fields added.
fn described(image: &str, arn: &str) -> Json {
    let mut json = td(image);
    json["taskDefinitionArn"] = json!(arn);
    json["revision"] = json!(7);
    json["status"] = json!("ACTIVE");
    json["containerDefinitions"][0]["cpu"] = json!(0);
    json["containerDefinitions"][0]["essential"] = json!(true);
    json
}

pub(super) fn live(image: &str) -> LiveFacts {
    LiveFacts {
        arn: Some(LIVE.into()),
        json: Some(described(image, LIVE)),
        ..LiveFacts::default()
    }
}

pub(super) fn key(hooks: &str) -> AppSpecKey {
    // Only equality matters: one of the six AppSpec inputs (the container) stands in for all.
    let ty = crate::resource::deployment::schema::schema()
        .block
        .value_type();
    let mut state = super::super::model::State::imported(&ty, "web", "web-prod");
    state.container_name = super::super::model::Field::Known(hooks.into());
    state.appspec_key()
}

struct Case {
    name: &'static str,
    source: Source,
    pinned: Option<&'static str>,
    prior_hooks: Option<&'static str>,
    redeploy: Option<Vec<String>>,
    live: LiveFacts,
    want: Result<(bool, Revision, Vec<Reason>), DecideError>,
}

fn cases() -> Vec<Case> {
    let with_latest = |image: &str| LiveFacts {
        family: vec![(LATEST.into(), described(image, LATEST))],
        ..live("web:v1")
    };
    // Newest first, as ListTaskDefinitions (sort DESC) returns them.
    let family = |revisions: &[(&str, &str)]| LiveFacts {
        family: revisions
            .iter()
            .map(|(arn, image)| (arn.to_string(), described(image, arn)))
            .collect(),
        ..live("web:v1")
    };
    vec![
        Case {
            name: "same content as production: nothing to do",
            source: Source::Json(td("web:v1")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: live("web:v1"),
            want: Ok((false, Revision::Existing(LIVE.into()), vec![])),
        },
        Case {
            name: "adopting a service on create: same content, nothing to do",
            source: Source::Json(td("web:v1")),
            pinned: None,
            prior_hooks: None,
            redeploy: None,
            live: live("web:v1"),
            want: Ok((false, Revision::Existing(LIVE.into()), vec![])),
        },
        Case {
            name: "new content, no revision holds it: register",
            source: Source::Json(td("web:v2")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: with_latest("web:v1"),
            want: Ok((true, Revision::Register, vec![Reason::TaskDefinitionChanged])),
        },
        Case {
            name: "new content already registered as the family's latest (after a rollback): reuse it",
            source: Source::Json(td("web:v2")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: with_latest("web:v2"),
            want: Ok((
                true,
                Revision::Existing(LATEST.into()),
                vec![Reason::TaskDefinitionChanged],
            )),
        },
        Case {
            name: "no revision serves production: deploy (apply used to decide there was nothing to do)",
            source: Source::Json(td("web:v2")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: LiveFacts::default(),
            want: Ok((true, Revision::Register, vec![Reason::TaskDefinitionChanged])),
        },
        Case {
            name: "JSON pinned to the revision serving production: nothing to do",
            source: Source::Json(td("web:v1")),
            pinned: Some(LIVE),
            prior_hooks: Some("a"),
            redeploy: None,
            live: LiveFacts {
                named_json: Some(described("web:v1", LIVE)),
                ..live("web:v1")
            },
            want: Ok((false, Revision::Existing(LIVE.into()), vec![])),
        },
        Case {
            name: "JSON pinned to another revision with that content: deploy it",
            source: Source::Json(td("web:v2")),
            pinned: Some(OTHER),
            prior_hooks: Some("a"),
            redeploy: None,
            live: LiveFacts {
                named_json: Some(described("web:v2", OTHER)),
                ..live("web:v1")
            },
            want: Ok((true, Revision::Existing(OTHER.into()), vec![Reason::RevisionChanged])),
        },
        Case {
            name: "JSON pinned to a revision with other content: refused",
            source: Source::Json(td("web:v2")),
            pinned: Some(OTHER),
            prior_hooks: Some("a"),
            redeploy: None,
            live: LiveFacts {
                named_json: Some(described("web:v3", OTHER)),
                ..live("web:v1")
            },
            want: Err(DecideError::PinnedDiffers {
                pinned: OTHER.into(),
            }),
        },
        Case {
            name: "a named revision that serves production: nothing to do",
            source: Source::Arn(LIVE.into()),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: live("web:v1"),
            want: Ok((false, Revision::Existing(LIVE.into()), vec![])),
        },
        Case {
            name: "another named revision: deploy it",
            source: Source::Arn(OTHER.into()),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: LiveFacts {
                named_json: Some(described("web:v2", OTHER)),
                ..live("web:v1")
            },
            want: Ok((true, Revision::Existing(OTHER.into()), vec![Reason::RevisionChanged])),
        },
        Case {
            name: "the task definition is not known yet",
            source: Source::Unknown,
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: live("web:v1"),
            want: Ok((true, Revision::Unknown, vec![Reason::TaskDefinitionUnknown])),
        },
        Case {
            name: "only an AppSpec setting changed: redeploy what serves",
            source: Source::Json(td("web:v1")),
            pinned: None,
            prior_hooks: Some("b"),
            redeploy: None,
            live: live("web:v1"),
            want: Ok((true, Revision::Existing(LIVE.into()), vec![Reason::AppSpecChanged])),
        },
        Case {
            name: "QA's revision holds the content, newer ones do not: promote QA's ARN, register nothing",
            source: Source::Json(td("web:v2")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: family(&[(OTHER, "web:v3"), (LATEST, "web:v1"), (QA, "web:v2")]),
            want: Ok((
                true,
                Revision::Existing(QA.into()),
                vec![Reason::TaskDefinitionChanged],
            )),
        },
        Case {
            name: "two searched revisions hold the content: the oldest, so a duplicate registered later does not change the choice",
            source: Source::Json(td("web:v2")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: family(&[(OTHER, "web:v2"), (QA, "web:v2")]),
            want: Ok((
                true,
                Revision::Existing(QA.into()),
                vec![Reason::TaskDefinitionChanged],
            )),
        },
        Case {
            name: "no searched revision holds the content: register",
            source: Source::Json(td("web:v4")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: None,
            live: family(&[(OTHER, "web:v3"), (QA, "web:v2")]),
            want: Ok((true, Revision::Register, vec![Reason::TaskDefinitionChanged])),
        },
        Case {
            name: "redeploy_triggers changed, content the same: the serving revision rolls out again",
            source: Source::Json(td("web:v1")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: Some(vec!["secret_version".into()]),
            live: live("web:v1"),
            want: Ok((
                true,
                Revision::Existing(LIVE.into()),
                vec![Reason::RedeployRequested(vec!["secret_version".into()])],
            )),
        },
        Case {
            name: "redeploy_triggers changed with the content: one rollout, both reasons",
            source: Source::Json(td("web:v2")),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: Some(vec!["image_digest".into()]),
            live: with_latest("web:v1"),
            want: Ok((
                true,
                Revision::Register,
                vec![
                    Reason::TaskDefinitionChanged,
                    Reason::RedeployRequested(vec!["image_digest".into()]),
                ],
            )),
        },
        Case {
            name: "redeploy_triggers changed for a named revision that serves: it rolls out again",
            source: Source::Arn(LIVE.into()),
            pinned: None,
            prior_hooks: Some("a"),
            redeploy: Some(vec![]),
            live: live("web:v1"),
            want: Ok((
                true,
                Revision::Existing(LIVE.into()),
                vec![Reason::RedeployRequested(vec![])],
            )),
        },
    ]
}

#[test]
fn decisions_by_configuration_prior_state_and_live_facts() {
    let planned = key("a");
    for case in cases() {
        let prior = case.prior_hooks.map(key);
        let sensitive = Vec::new();
        let wanted = Wanted {
            source: &case.source,
            pinned_arn: case.pinned,
            sensitive: &sensitive,
            prior_appspec: prior.as_ref(),
            planned_appspec: &planned,
            redeploy: case.redeploy.clone(),
        };
        let got = decide(&wanted, &case.live).map(|d| (d.deploy, d.revision, d.reasons));
        assert_eq!(got, case.want, "{}", case.name);
    }
}

#[test]
fn the_summary_names_the_change_and_hides_secret_looking_values() {
    let planned = key("a");
    let source = Source::Json(td("web:v2"));
    let wanted = Wanted {
        source: &source,
        pinned_arn: None,
        sensitive: &[],
        prior_appspec: Some(&planned),
        planned_appspec: &planned,
        redeploy: None,
    };
    let decision = decide(&wanted, &live("web:v1")).expect("a decision");
    let text = decision.summary.join("\n");
    assert!(text.contains("image web:v1 → web:v2"), "{text}");
    assert!(text.contains("env DB_TOKEN changed (sensitive)"), "{text}");
    assert!(!text.contains("\"web:v2\""), "{text}");
}

#[test]
fn the_family_is_searched_only_when_production_runs_other_content() {
    let user = Source::Json(td("web:v2"));
    assert!(needs_family_revisions(
        &user,
        None,
        Some(&described("web:v1", LIVE))
    ));
    assert!(needs_family_revisions(&user, None, None));
    assert!(!needs_family_revisions(
        &user,
        None,
        Some(&described("web:v2", LIVE))
    ));
    assert!(!needs_family_revisions(&user, Some(OTHER), None));
    assert!(!needs_family_revisions(
        &Source::Arn(OTHER.into()),
        None,
        None
    ));
}
