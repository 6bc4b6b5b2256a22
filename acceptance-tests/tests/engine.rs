//! The rollout engine (`ecsbg::rollout::run`) driven directly against the emulator, without Terraform: each
//! case asserts exactly how the rollout ended (the outcome and the words of its reason), whether green serves,
//! what ECS and the production listener serve afterwards, which deployments were made, and that nothing is
//! left in flight. The Terraform-driven tests (`rollout.rs`, `foreign_activity.rs`, `process_faults.rs`)
//! tell the user's story; these pin the engine.

use std::time::Duration;

use aws_sdk_codedeploy::types::{AppSpecContent, RevisionLocation, RevisionLocationType};
use ecsbg::gate::TestGate;
use ecsbg::rollout::{
    rollout_description, EntryKind, OnInterrupt, Outcome, RolloutReport, RolloutSpec,
};
use ecsbg_acceptance::engine::{
    body_check, engine_seed, event_status, EngineRig, HeldGate, Production, Traffic, ALARM, APP,
    CANARY, GROUP, SLOW_CANARY,
};
use ecsbg_emulator::Behaviour;
use serde_json::{json, Value};

/// The reason of a RolledBack outcome; panics with the report otherwise.
fn rolled_back(report: &RolloutReport) -> &str {
    match &report.outcome {
        Outcome::RolledBack { reason } => reason,
        other => panic!("expected RolledBack, got {other:?}\n{report:#?}"),
    }
}

/// The deployment the rollout reported, and the rollback CodeDeploy recorded on it (which the report must
/// name too): a `codeDeployRollback` deployment that succeeded.
fn ours_and_rollback(rig: &EngineRig, report: &RolloutReport) -> (String, String) {
    let id = report.deployment_id.clone().expect("a deployment id");
    let picture = rig.picture(&id);
    let rollback = picture["rollbackInfo"]["rollbackDeploymentId"]
        .as_str()
        .unwrap_or_else(|| panic!("CodeDeploy recorded no rollback of {id}: {picture}"))
        .to_string();
    assert_eq!(
        report.rollback_deployment_id.as_deref(),
        Some(rollback.as_str()),
        "{report:#?}"
    );
    let rb = rig.picture(&rollback);
    assert_eq!(rb["creator"], "codeDeployRollback", "{rb}");
    assert_eq!(rb["status"], "Succeeded", "{rb}");
    (id, rollback)
}

/// Nothing of the group is in flight, by the provider's own listing.
fn assert_nothing_in_flight(rig: &EngineRig) {
    let left: Vec<String> = rig
        .in_flight()
        .iter()
        .map(|d| format!("{} {}", d.id, d.status.as_str()))
        .collect();
    assert!(left.is_empty(), "left in flight: {left:?}");
}

/// The deployments of the group (CodeDeploy's GetDeployment) carrying this provider's description.
fn ours(rig: &EngineRig) -> Vec<Value> {
    let description = rollout_description(APP, GROUP);
    rig.deployments()
        .into_iter()
        .filter(|d| d["description"] == description.as_str())
        .collect()
}

/// The first timeline line not rebuilt from CodeDeploy's lifecycle events (nor the traffic they imply).
fn first_deed(report: &RolloutReport) -> &str {
    report
        .timeline
        .iter()
        .find(|e| {
            e.at_seconds >= 0.0 && !matches!(e.kind, EntryKind::Lifecycle | EntryKind::Traffic)
        })
        .map(|e| e.what.as_str())
        .unwrap_or_default()
}

fn timeline_has(report: &RolloutReport, words: &str) -> bool {
    report.timeline.iter().any(|e| e.what.contains(words))
}

/// StopDeployment through the AWS SDK, as a person at the console (no rollback flag: the deployment's own
/// auto-rollback settings decide).
fn stop_by_hand(rig: &EngineRig, id: &str) {
    let sdk = rig.sdk();
    rig.block_on(sdk.codedeploy.stop_deployment().deployment_id(id).send())
        .expect("StopDeployment is accepted");
}

/// With no gate and no alarm, the engine creates one deployment, releases the Ready wait, follows the shift
/// and the termination wait, and reports Succeeded only when CodeDeploy does: v2 is PRIMARY and answers
/// production, the deployment carries the provider's description, and nothing is left running.
#[test]
fn success_without_a_gate_puts_green_in_production() {
    let rig = EngineRig::start();
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[]);
    assert_ne!(v1, v2);
    assert_eq!(rig.production(), Production::on(&v1, "v1"));

    let report = rig.run(&rig.spec(&v2), &TestGate::default());

    assert_eq!(report.outcome, Outcome::Succeeded, "{report:#?}");
    assert!(report.green_serves_production);
    assert_eq!(report.status.as_deref(), Some("Succeeded"));
    assert_eq!(report.rollback_deployment_id, None);
    let id = report.deployment_id.clone().expect("a deployment id");
    assert!(timeline_has(
        &report,
        &format!("created deployment {id} of {v2}")
    ));
    assert!(timeline_has(
        &report,
        "no test gate: production traffic released (ContinueDeployment)"
    ));
    assert!(
        !timeline_has(&report, "gate passed"),
        "no gate ran, so none passed: {report:#?}"
    );
    // A minute per second: polls miss most transitions, yet every lifecycle event is listed with its
    // time (from CodeDeploy's own timestamps), once, in time order.
    for event in ecsbg_acceptance::emulator::ECS_LIFECYCLE_EVENTS {
        let ended = format!("lifecycle event {event} Succeeded");
        let lines: Vec<_> = report
            .timeline
            .iter()
            .filter(|e| e.kind == EntryKind::Lifecycle && e.what.starts_with(&ended))
            .collect();
        assert_eq!(lines.len(), 1, "{event} once: {report:#?}");
    }
    assert!(
        report
            .timeline
            .windows(2)
            .all(|w| w[0].at_seconds <= w[1].at_seconds),
        "in time order: {report:#?}"
    );
    assert_eq!(rig.production(), Production::on(&v2, "v2"));
    let made = ours(&rig);
    assert_eq!(made.len(), 1, "{made:#?}");
    assert_eq!(made[0]["deploymentId"], id.as_str());
    assert_eq!(made[0]["status"], "Succeeded");
    assert_eq!(rig.calls("codedeploy.CreateDeployment"), 1);
    assert_eq!(rig.calls("codedeploy.StopDeployment"), 0);
    assert_nothing_in_flight(&rig);
}

/// A gate check that expects a body green does not serve fails in the Ready wait (traffic still on blue):
/// the engine stops the deployment with rollback and reports RolledBack naming the check and what it got;
/// CodeDeploy's rollback is followed to its end and v1 still serves.
#[test]
fn a_failing_gate_check_rolls_back_naming_the_check() {
    let rig = EngineRig::start();
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[]);

    let report = rig.run(&rig.spec(&v2), &body_check("Hello from v1"));

    let reason = rolled_back(&report);
    let (id, rollback) = ours_and_rollback(&rig, &report);
    assert!(
        reason.contains(&format!(
            "deployment {id} stopped: test gate check http[0] GET / failed during the Ready wait"
        )),
        "{reason}"
    );
    assert!(
        reason.contains("/Hello from v1/") && reason.contains("\"Hello from v2\""),
        "the expectation and what green answered are named: {reason}"
    );
    assert!(
        reason.ends_with(&format!("rollback deployment {rollback} Succeeded")),
        "{reason}"
    );
    assert!(!report.green_serves_production);
    assert!(timeline_has(&report, "gate check http[0] GET /: FAILED"));
    assert!(
        !timeline_has(&report, "production traffic released"),
        "{report:#?}"
    );
    let picture = rig.picture(&id);
    assert_eq!(picture["status"], "Stopped", "{picture}");
    assert_eq!(
        event_status(&picture, "AllowTraffic"),
        "Skipped",
        "production traffic never moved: {picture}"
    );
    assert_eq!(rig.production(), Production::on(&v1, "v1"));
    assert_eq!(rig.calls("codedeploy.ContinueDeployment"), 0);
    assert_nothing_in_flight(&rig);
}

/// Green answers 404 at `/`; with half of production on green (canary), users' 404s fire the group's alarm
/// while traffic is shifting. The rollout ends RolledBack naming the alarm, the shift itself is what failed
/// (AllowTraffic never completed), and v1 serves again.
#[test]
fn an_alarm_during_the_traffic_shift_rolls_back_naming_the_alarm() {
    let rig = EngineRig::start();
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[("EMULATOR_STATUS", "404")]);
    let spec = RolloutSpec {
        deployment_config_name: Some(SLOW_CANARY.into()),
        ..rig.spec(&v2)
    };

    let users = Traffic::start(rig.emu.listener("web/production"));
    let report = rig.run(&spec, &TestGate::default());
    let seen = users.finish();

    assert!(
        seen.get(&404).copied().unwrap_or(0) >= 5,
        "users met green's 404s: {seen:?}"
    );
    let reason = rolled_back(&report);
    let (id, rollback) = ours_and_rollback(&rig, &report);
    assert!(
        reason.contains(&id) && reason.contains(ALARM),
        "the deployment and the alarm are named: {reason}"
    );
    assert!(
        reason.ends_with(&format!("rollback deployment {rollback} Succeeded")),
        "{reason}"
    );
    assert!(!report.green_serves_production);
    assert_eq!(
        report.status.as_deref(),
        Some("Stopped"),
        "the report says how the deployment ended"
    );
    let timeline: Vec<&str> = report.timeline.iter().map(|t| t.what.as_str()).collect();
    assert!(
        timeline.iter().any(|t| t.contains(ALARM))
            && timeline.iter().any(|t| t.ends_with("is Stopped")),
        "the timeline names the alarm and the stop: {timeline:?}"
    );
    let picture = rig.picture(&id);
    assert_eq!(picture["status"], "Stopped", "{picture}");
    assert_eq!(
        event_status(&picture, "AllowTraffic"),
        "Failed",
        "stopped during the shift: {picture}"
    );
    assert_eq!(rig.production(), Production::on(&v1, "v1"));
    assert_nothing_in_flight(&rig);
}

/// The engine's own alarm watch, exactly: CodeDeploy here polls alarms only hourly, so when users' 404s fire
/// the alarm mid-shift it is the engine that stops the deployment with rollback (its one StopDeployment),
/// saying so in its reason, and follows CodeDeploy's rollback to the end; v1 serves.
#[test]
fn the_engine_stops_on_an_alarm_codedeploy_has_not_acted_on() {
    let rig = EngineRig::start_behaving(
        engine_seed().expect("the engine seed"),
        Behaviour {
            alarm_poll_interval: Duration::from_secs(3600),
            ..Behaviour::default()
        },
    );
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[("EMULATOR_STATUS", "404")]);
    let spec = RolloutSpec {
        deployment_config_name: Some(SLOW_CANARY.into()),
        ..rig.spec(&v2)
    };

    let users = Traffic::start(rig.emu.listener("web/production"));
    let report = rig.run(&spec, &TestGate::default());
    drop(users);

    let reason = rolled_back(&report);
    let (id, rollback) = ours_and_rollback(&rig, &report);
    assert!(
        reason.starts_with(&format!("deployment {id} stopped: alarm '{ALARM}' (")),
        "{reason}"
    );
    assert!(
        reason.ends_with(&format!(
            ") fired; rollback deployment {rollback} Succeeded"
        )),
        "{reason}"
    );
    assert!(
        timeline_has(
            &report,
            &format!("stopping {id} with rollback: alarm '{ALARM}'")
        ),
        "{report:#?}"
    );
    assert!(!report.green_serves_production);
    let picture = rig.picture(&id);
    assert_eq!(picture["status"], "Stopped", "{picture}");
    assert_eq!(
        picture["error"][0], "MANUAL_STOP",
        "stopped by the engine's request, not by CodeDeploy's alarm poll: {picture}"
    );
    assert_eq!(event_status(&picture, "AllowTraffic"), "Failed");
    assert_eq!(rig.calls("codedeploy.StopDeployment"), 1);
    assert_eq!(rig.production(), Production::on(&v1, "v1"));
    assert_nothing_in_flight(&rig);
}

/// A world whose group keeps blue `termination_wait` minutes after the shift, v1 and v2 registered, and a
/// spec rolling out v2 with a one-minute bake time.
fn baking(termination_wait: i64) -> (EngineRig, String, String, RolloutSpec) {
    let mut seed = engine_seed().expect("the engine seed");
    seed.deployment_groups[0].termination_wait_minutes = termination_wait;
    let rig = EngineRig::start_with(seed);
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[]);
    let spec = RolloutSpec {
        bake_time: Duration::from_secs(60),
        ..rig.spec(&v2)
    };
    (rig, v1, v2, spec)
}

/// All production traffic is on green and CodeDeploy is in its termination wait (blue still up) when users'
/// 404s fire the alarm during the bake time: the deployment is stopped and rolled back by CodeDeploy, the
/// outcome names the alarm, and v1 serves again.
#[test]
fn an_alarm_in_the_bake_before_blue_is_gone_rolls_back() {
    let (rig, v1, v2, spec) = baking(60);

    let rollout = rig.launch(&rig.aws, &spec, &TestGate::default(), None);
    let id = rig.wait_for_event("AllowTraffic", "Succeeded");
    // The engine reads the lifecycle once more after the shift: from then on it knows it is baking.
    let reads = rig.calls("codedeploy.GetDeploymentTarget");
    rig.wait_for("the engine reading the shifted deployment", || {
        rig.calls("codedeploy.GetDeploymentTarget") > reads
    });
    assert_eq!(rig.production(), Production::on(&v2, "v2"));
    let users = Traffic::start(format!(
        "{}/does-not-exist",
        rig.emu.listener("web/production")
    ));
    let report = rollout.finish(&rig);
    drop(users);

    let reason = rolled_back(&report);
    let (reported, rollback) = ours_and_rollback(&rig, &report);
    assert_eq!(reported, id);
    assert!(
        reason.contains(&id) && reason.contains(ALARM),
        "the deployment and the alarm are named: {reason}"
    );
    assert!(
        reason.ends_with(&format!("rollback deployment {rollback} Succeeded")),
        "{reason}"
    );
    assert!(!report.green_serves_production);
    assert!(
        timeline_has(&report, "all production traffic on green; baking for 1m"),
        "{report:#?}"
    );
    let picture = rig.picture(&id);
    assert_eq!(picture["status"], "Stopped", "{picture}");
    assert_eq!(event_status(&picture, "AllowTraffic"), "Succeeded");
    assert_eq!(rig.production(), Production::on(&v1, "v1"));
    assert_eq!(rig.calls("codedeploy.CreateDeployment"), 1);
    assert_nothing_in_flight(&rig);
}

/// CodeDeploy has already reported Succeeded (no termination wait: blue is gone) when the alarm fires during
/// the bake time: the engine redeploys the previous task definition as a deployment of its own, follows it
/// to the end, and reports RolledBack naming the alarm, the deployment and the redeploy; v1 serves again.
#[test]
fn an_alarm_in_the_bake_after_success_redeploys_the_previous_revision() {
    let (rig, v1, v2, spec) = baking(0);

    let rollout = rig.launch(&rig.aws, &spec, &TestGate::default(), None);
    let id = rig.wait_for_event("AllowTraffic", "Succeeded");
    rig.wait_for("CodeDeploy reporting Succeeded", || {
        rig.picture(&id)["status"] == "Succeeded"
    });
    assert_eq!(rig.production(), Production::on(&v2, "v2"));
    let users = Traffic::start(format!(
        "{}/does-not-exist",
        rig.emu.listener("web/production")
    ));
    let report = rollout.finish(&rig);
    drop(users);

    let reason = rolled_back(&report);
    assert_eq!(report.deployment_id.as_deref(), Some(id.as_str()));
    let redeploy = report
        .rollback_deployment_id
        .clone()
        .expect("the redeploy is reported");
    assert!(
        reason.starts_with(&format!("alarm '{ALARM}'")),
        "the alarm is named: {reason}"
    );
    assert!(
        reason.contains(&format!(
            "fired during the bake time after deployment {id} succeeded; rollback deployment {redeploy} redeployed {v1} (Succeeded)"
        )),
        "{reason}"
    );
    assert!(!report.green_serves_production);
    let made = ours(&rig);
    let ids: Vec<&str> = made
        .iter()
        .filter_map(|d| d["deploymentId"].as_str())
        .collect();
    assert_eq!(
        ids.len(),
        2,
        "the rollout and its redeploy, both ours: {made:#?}"
    );
    assert!(ids.contains(&id.as_str()) && ids.contains(&redeploy.as_str()));
    let again = rig.picture(&redeploy);
    assert_eq!(again["taskDefinition"], v1.as_str(), "{again}");
    assert_eq!(again["status"], "Succeeded", "{again}");
    assert_eq!(rig.picture(&id)["status"], "Succeeded");
    assert_eq!(rig.production(), Production::on(&v1, "v1"));
    assert_nothing_in_flight(&rig);
}

/// Someone stops our deployment with StopDeployment (AWS SDK) while the gate runs in the Ready wait. Once the
/// gate ends, the engine reports how CodeDeploy ended it: RolledBack, naming the manual stop and the rollback
/// CodeDeploy made; v1 serves.
#[test]
fn a_manual_stop_in_the_ready_wait_is_reported_as_rolled_back() {
    let rig = EngineRig::start();
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[]);
    let held = HeldGate::new();

    let rollout = rig.launch(&rig.aws, &rig.spec(&v2), &held.gate(), None);
    rig.wait_for("the gate running in the Ready wait", || held.started());
    let id = rig.newest().expect("our deployment")["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(rig.picture(&id)["status"], "Ready");
    stop_by_hand(&rig, &id);
    held.release();
    let report = rollout.finish(&rig);

    assert_stopped_by_hand(&rig, &report, &id, &v1);
}

/// Someone stops our deployment by hand while half of production is on green (canary): the engine reports
/// RolledBack naming the manual stop and CodeDeploy's rollback, and production is wholly on v1 again.
#[test]
fn a_manual_stop_mid_shift_is_reported_as_rolled_back() {
    let rig = EngineRig::start();
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[]);
    let spec = RolloutSpec {
        deployment_config_name: Some(CANARY.into()),
        ..rig.spec(&v2)
    };

    let rollout = rig.launch(&rig.aws, &spec, &TestGate::default(), None);
    let id = rig.wait_for_event("AllowTraffic", "InProgress");
    stop_by_hand(&rig, &id);
    let report = rollout.finish(&rig);

    assert_eq!(event_status(&rig.picture(&id), "AllowTraffic"), "Failed");
    assert_stopped_by_hand(&rig, &report, &id, &v1);
}

/// What a manual stop must come to: RolledBack naming the person's stop (CodeDeploy's MANUAL_STOP) and the
/// rollback's success, v1 wholly in production, only the person's StopDeployment, nothing in flight.
fn assert_stopped_by_hand(rig: &EngineRig, report: &RolloutReport, id: &str, v1: &str) {
    let reason = rolled_back(report);
    let (reported, rollback) = ours_and_rollback(rig, report);
    assert_eq!(reported, id);
    assert!(
        reason.contains(&format!(
            "deployment {id} Stopped: MANUAL_STOP: The deployment was stopped by a user request."
        )),
        "{reason}"
    );
    assert!(
        reason.ends_with(&format!("rollback deployment {rollback} Succeeded")),
        "{reason}"
    );
    assert!(!report.green_serves_production);
    assert_eq!(rig.production(), Production::on(v1, "v1"));
    assert_eq!(
        rig.calls("codedeploy.StopDeployment"),
        1,
        "only the person's stop"
    );
    assert_nothing_in_flight(rig);
}

/// A rollout killed in the Ready wait (its task aborted, as a dying process ends it) leaves its deployment in
/// flight; a new process (fresh AWS layer) running the same spec with `adopt = Some(id)` adopts that very
/// deployment, runs the gate, and succeeds — one CreateDeployment in all.
#[test]
fn a_rollout_killed_in_the_ready_wait_is_adopted_by_id_and_finished() {
    let rig = EngineRig::start();
    let v2 = rig.register("v2", &[]);
    let spec = rig.spec(&v2);
    let held = HeldGate::new();

    let first = rig.launch(&rig.aws, &spec, &held.gate(), None);
    rig.wait_for("the gate running in the Ready wait", || held.started());
    first.kill(&rig);
    let id = rig.newest().expect("our deployment")["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let left: Vec<String> = rig.in_flight().into_iter().map(|d| d.id).collect();
    assert_eq!(
        left,
        vec![id.clone()],
        "the killed rollout's deployment runs on"
    );

    held.release();
    let report = rig
        .launch(&rig.connect(), &spec, &held.gate(), Some(&id))
        .finish(&rig);

    assert_eq!(report.outcome, Outcome::Succeeded, "{report:#?}");
    assert!(report.green_serves_production);
    assert_eq!(report.deployment_id.as_deref(), Some(id.as_str()));
    assert_eq!(report.rollback_deployment_id, None);
    // The lifecycle events CodeDeploy ran before the adoption come first (at negative times); the first
    // thing this rollout did was to adopt.
    assert_eq!(
        first_deed(&report),
        format!("adopted deployment {id} already in flight (Ready)"),
        "{report:#?}"
    );
    assert!(timeline_has(&report, "gate check command[0] sh: passed"));
    assert!(!timeline_has(&report, "created deployment"));
    assert_eq!(rig.calls("codedeploy.CreateDeployment"), 1);
    assert_eq!(ours(&rig).len(), 1);
    assert_eq!(rig.production(), Production::on(&v2, "v2"));
    assert_nothing_in_flight(&rig);
}

/// A rollout killed mid-shift is adopted by the next run of the same spec without being named (`adopt =
/// None`): the AppSpec digest CodeDeploy recorded says it is ours. It succeeds; no second deployment.
#[test]
fn a_rollout_killed_mid_shift_is_adopted_by_its_appspec_digest() {
    let rig = EngineRig::start();
    let v2 = rig.register("v2", &[]);
    let spec = RolloutSpec {
        deployment_config_name: Some(CANARY.into()),
        ..rig.spec(&v2)
    };

    let first = rig.launch(&rig.aws, &spec, &TestGate::default(), None);
    let id = rig.wait_for_event("AllowTraffic", "InProgress");
    first.kill(&rig);
    assert_eq!(rig.picture(&id)["status"], "InProgress");

    let report = rig
        .launch(&rig.connect(), &spec, &TestGate::default(), None)
        .finish(&rig);

    assert_eq!(report.outcome, Outcome::Succeeded, "{report:#?}");
    assert!(report.green_serves_production);
    assert_eq!(report.deployment_id.as_deref(), Some(id.as_str()));
    // The lifecycle events CodeDeploy ran before the adoption come first (at negative times); the first
    // thing this rollout did was to adopt.
    assert_eq!(
        first_deed(&report),
        format!("adopted deployment {id} already in flight (InProgress)"),
        "{report:#?}"
    );
    assert!(!timeline_has(&report, "created deployment"));
    assert_eq!(rig.calls("codedeploy.CreateDeployment"), 1);
    assert_eq!(ours(&rig).len(), 1);
    assert_eq!(rig.production(), Production::on(&v2, "v2"));
    assert_nothing_in_flight(&rig);
}

/// Terraform's stop mid-shift with `on_interrupt = rollback`: the engine stops the deployment with rollback,
/// follows CodeDeploy's rollback to its end despite the stop, and reports RolledBack; v1 serves.
#[test]
fn an_interrupt_with_rollback_puts_blue_back() {
    let rig = EngineRig::start();
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[]);
    let spec = RolloutSpec {
        deployment_config_name: Some(CANARY.into()),
        on_interrupt: OnInterrupt::Rollback,
        ..rig.spec(&v2)
    };

    let rollout = rig.launch(&rig.aws, &spec, &TestGate::default(), None);
    let id = rig.wait_for_event("AllowTraffic", "InProgress");
    rollout.interrupt();
    let report = rollout.finish(&rig);

    let reason = rolled_back(&report);
    let (reported, rollback) = ours_and_rollback(&rig, &report);
    assert_eq!(reported, id);
    assert_eq!(
        reason,
        format!(
            "deployment {id} stopped: Terraform was interrupted; rollback deployment {rollback} Succeeded"
        )
    );
    assert!(!report.green_serves_production);
    let picture = rig.picture(&id);
    assert_eq!(picture["status"], "Stopped", "{picture}");
    assert_eq!(event_status(&picture, "AllowTraffic"), "Failed");
    assert_eq!(rig.production(), Production::on(&v1, "v1"));
    assert_eq!(rig.calls("codedeploy.StopDeployment"), 1);
    assert_nothing_in_flight(&rig);
}

/// Terraform's stop mid-shift with `on_interrupt = detach`: the engine returns Detached at once without
/// touching the deployment, which is still in flight right after and then finishes on its own, v2 serving.
#[test]
fn an_interrupt_with_detach_leaves_the_deployment_to_finish() {
    let rig = EngineRig::start();
    let v2 = rig.register("v2", &[]);
    let spec = RolloutSpec {
        deployment_config_name: Some(CANARY.into()),
        on_interrupt: OnInterrupt::Detach,
        ..rig.spec(&v2)
    };

    let rollout = rig.launch(&rig.aws, &spec, &TestGate::default(), None);
    let id = rig.wait_for_event("AllowTraffic", "InProgress");
    rollout.interrupt();
    let report = rollout.finish(&rig);

    assert_eq!(report.outcome, Outcome::Detached, "{report:#?}");
    assert!(!report.green_serves_production);
    assert_eq!(report.deployment_id.as_deref(), Some(id.as_str()));
    assert_eq!(report.rollback_deployment_id, None);
    assert!(
        timeline_has(&report, &format!("Terraform was interrupted: detaching; deployment {id} keeps running and the next apply adopts it")),
        "{report:#?}"
    );
    let left: Vec<String> = rig.in_flight().into_iter().map(|d| d.id).collect();
    assert_eq!(left, vec![id.clone()], "the deployment runs on");
    assert_eq!(rig.calls("codedeploy.StopDeployment"), 0);

    rig.wait_for("the detached deployment finishing on its own", || {
        rig.picture(&id)["status"] == "Succeeded"
    });
    assert_eq!(rig.production(), Production::on(&v2, "v2"));
    assert_eq!(rig.calls("codedeploy.StopDeployment"), 0);
    assert_nothing_in_flight(&rig);
}

/// Someone else's deployment (another description, another AppSpec, created through the AWS SDK) holds the
/// group: the engine reports Blocked naming it and creates nothing — theirs is the only deployment, still in
/// flight and untouched, and v1 serves.
#[test]
fn someone_elses_deployment_blocks_without_creating_anything() {
    let rig = EngineRig::start();
    let v1 = rig.v1();
    let hotfix = rig.register("hotfix", &[]);
    let appspec = json!({"version": "0.0", "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
        "TaskDefinition": hotfix, "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}}}}]});
    let sdk = rig.sdk();
    let theirs = rig
        .block_on(
            sdk.codedeploy
                .create_deployment()
                .application_name(APP)
                .deployment_group_name(GROUP)
                .description("hotfix from the console")
                .revision(
                    RevisionLocation::builder()
                        .revision_type(RevisionLocationType::AppSpecContent)
                        .app_spec_content(
                            AppSpecContent::builder()
                                .content(appspec.to_string())
                                .build(),
                        )
                        .build(),
                )
                .send(),
        )
        .expect("their CreateDeployment is accepted")
        .deployment_id()
        .expect("their deployment id")
        .to_string();
    let v2 = rig.register("v2", &[]);

    let report = rig.run(&rig.spec(&v2), &TestGate::default());

    let reason = match &report.outcome {
        Outcome::Blocked { reason } => reason,
        other => panic!("expected Blocked, got {other:?}\n{report:#?}"),
    };
    assert!(
        reason.starts_with(&format!(
            "Deployment group '{GROUP}' already has an active deployment {theirs}"
        )),
        "{reason}"
    );
    assert!(
        reason.contains("this one was not started by this resource")
            && reason.ends_with("Nothing was deployed."),
        "{reason}"
    );
    assert!(!report.green_serves_production);
    assert_eq!(report.deployment_id, None);
    assert_eq!(report.rollback_deployment_id, None);
    assert!(ours(&rig).is_empty(), "{:#?}", rig.deployments());
    assert_eq!(rig.calls("codedeploy.CreateDeployment"), 1, "theirs only");
    assert_eq!(
        rig.calls("codedeploy.StopDeployment") + rig.calls("codedeploy.ContinueDeployment"),
        0,
        "theirs untouched"
    );
    let left: Vec<String> = rig.in_flight().into_iter().map(|d| d.id).collect();
    assert_eq!(left, vec![theirs], "theirs alone is in flight");
    assert_eq!(rig.production(), Production::on(&v1, "v1"));
}

/// Emulated CodeDeploy that waits four hours for a healthy green in Install (AWS: one), so that in the
/// green-cannot-start cases below only the engine's watch of green's stopped tasks can end Install early.
fn patient_install() -> Behaviour {
    Behaviour {
        install_timeout: Duration::from_secs(4 * 3600),
        ..Behaviour::default()
    }
}

/// The tasks ECS stopped in the service (ListTasks, desired status STOPPED), by id.
fn stopped_task_ids(rig: &EngineRig) -> Vec<String> {
    let listed = rig.emu.ecs(
        "ListTasks",
        &json!({"cluster": rig.group.cluster, "serviceName": rig.group.service, "desiredStatus": "STOPPED"}),
    );
    listed["taskArns"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|arn| arn.rsplit('/').next().map(str::to_string))
        .collect()
}

/// What every green-cannot-start case asserts besides ECS's words: the engine stopped the deployment with
/// rollback (its one StopDeployment) while Install was still waiting for green — Install is the event that
/// failed, no traffic moved — the reason names a task ECS really stopped, CodeDeploy's rollback was
/// followed to its end, v1 serves and nothing is left in flight. Returns the reason.
fn assert_green_could_not_start(rig: &EngineRig, report: &RolloutReport, v1: &str) -> String {
    let reason = rolled_back(report).to_string();
    let (id, rollback) = ours_and_rollback(rig, report);
    assert!(
        reason.starts_with(&format!(
            "deployment {id} stopped: green cannot start during Install: ECS task "
        )),
        "{reason}"
    );
    assert!(
        reason.ends_with(&format!("rollback deployment {rollback} Succeeded")),
        "{reason}"
    );
    let stopped = stopped_task_ids(rig);
    assert!(
        stopped
            .iter()
            .any(|task| reason.contains(&format!("task {task} stopped"))),
        "the reason names a task ECS stopped ({stopped:?}): {reason}"
    );
    assert!(!report.green_serves_production);
    let picture = rig.picture(&id);
    assert_eq!(picture["status"], "Stopped", "{picture}");
    assert_eq!(
        picture["error"][0], "MANUAL_STOP",
        "stopped by the engine, not by CodeDeploy's Install timeout: {picture}"
    );
    assert_eq!(event_status(&picture, "Install"), "Failed", "{picture}");
    assert_eq!(
        event_status(&picture, "AllowTraffic"),
        "Skipped",
        "{picture}"
    );
    assert_eq!(rig.calls("codedeploy.StopDeployment"), 1);
    assert_eq!(rig.production(), Production::on(v1, "v1"));
    assert_nothing_in_flight(rig);
    reason
}

/// Green's image cannot be pulled: ECS stops each green task before it starts (TaskFailedToStart) and keeps
/// launching more. The engine sees the stopped task and rolls back, naming the task and ECS's pull error,
/// instead of letting Install wait for a green that will never be healthy.
#[test]
fn a_green_whose_image_cannot_be_pulled_is_rolled_back_naming_the_pull_error() {
    let rig = EngineRig::start_behaving(engine_seed().expect("the engine seed"), patient_install());
    let v1 = rig.v1();
    let v2 = rig.register_image("v2", "ghcr.io/acme/web:does-not-exist", &[]);

    let report = rig.run(&rig.spec(&v2), &TestGate::default());

    let reason = assert_green_could_not_start(&rig, &report, &v1);
    assert!(
        reason.contains(" stopped (TaskFailedToStart): CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ghcr.io/acme/web:does-not-exist"),
        "{reason}"
    );
    assert!(
        timeline_has(&report, "with rollback: green cannot start during Install"),
        "{report:#?}"
    );
}

/// Green's essential container exits with code 3 soon after it starts: the engine rolls back naming ECS's
/// reason and the container's exit code.
#[test]
fn a_green_whose_essential_container_exits_is_rolled_back_naming_the_exit_code() {
    let rig = EngineRig::start_behaving(engine_seed().expect("the engine seed"), patient_install());
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[("EMULATOR_EXIT_CODE", "3")]);

    let report = rig.run(&rig.spec(&v2), &TestGate::default());

    let reason = assert_green_could_not_start(&rig, &report, &v1);
    assert!(
        reason.contains(
            " stopped (EssentialContainerExited): Essential container in task exited; container web exit code 3"
        ),
        "{reason}"
    );
}

/// Green never passes the target group's health checks: ECS stops its tasks for failing them and launches
/// more. After two such tasks (one could be a bad host) the engine rolls back naming the health check and
/// green's target group.
#[test]
fn a_green_that_never_becomes_healthy_is_rolled_back_naming_the_health_check() {
    let rig = EngineRig::start_behaving(engine_seed().expect("the engine seed"), patient_install());
    let v1 = rig.v1();
    let v2 = rig.register("v2", &[("EMULATOR_UNHEALTHY", "true")]);

    let report = rig.run(&rig.spec(&v2), &TestGate::default());

    let reason = assert_green_could_not_start(&rig, &report, &v1);
    assert!(
        reason.contains(" stopped (ServiceSchedulerInitiated): Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:")
            && reason.contains(":targetgroup/web-green/"),
        "{reason}"
    );
    let tasks = reason
        .rsplit_once(" of green's tasks stopped so far")
        .and_then(|(before, _)| before.rsplit_once('('))
        .and_then(|(_, n)| n.parse::<usize>().ok())
        .unwrap_or_default();
    assert!(
        tasks >= 2,
        "two failed tasks at least are evidence: {reason}"
    );
}
