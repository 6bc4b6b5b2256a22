//! Where the revision is chosen. One pure function, called by plan and again by apply with facts read
//! afresh, decides whether a rollout is needed, which revision it deploys (the one serving production, an
//! ACTIVE revision of the family with the same content, the one named, or a new one to register) and what
//! the plan says in words. A plan refuses when production no longer serves what its prior state recorded
//! ([`production_moved`]); apply must reach the decision the plan showed, or refuse (see [`compare`]).

use crate::plugin::value::Value;
use crate::taskdef;

use super::model::{AppSpecKey, Source};

/// What AWS says right now, as far as the decision needs it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveFacts {
    /// The revision serving production (the PRIMARY task set's).
    pub arn: Option<String>,
    /// Its content, when known.
    pub json: Option<serde_json::Value>,
    /// The content of the revision the configuration names (`task_definition_arn`), when read.
    pub named_json: Option<serde_json::Value>,
    /// The family's newest ACTIVE revisions with their content, newest first (bounded; only read when
    /// production runs other content than the configuration's JSON).
    pub family: Vec<(String, serde_json::Value)>,
}

/// The revision a rollout deploys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revision {
    /// This registered revision.
    Existing(String),
    /// The configuration's JSON, registered at apply (no revision holds that content yet).
    Register,
    /// Not known until apply (the configuration is not known yet).
    Unknown,
}

/// Why a rollout is needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The task definition's content differs from what serves production.
    TaskDefinitionChanged,
    /// A different revision is named than the one serving production.
    RevisionChanged,
    /// The task definition is not known until apply.
    TaskDefinitionUnknown,
    /// An AppSpec setting changed (container, port, platform version, network, capacity, hooks).
    AppSpecChanged,
    /// `redeploy_triggers` changed: the same content rolls out again. The keys that changed (empty when
    /// the new value is not known until apply).
    RedeployRequested(Vec<String>),
}

/// What to do, and how to say it.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// A rollout is needed.
    pub deploy: bool,
    /// The revision to deploy (or that keeps serving, without a rollout).
    pub revision: Revision,
    /// The plan's summary of the task definition change, one line each.
    pub summary: Vec<String>,
    /// Why a rollout is needed (empty when not).
    pub reasons: Vec<Reason>,
}

/// The configuration cannot be deployed as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecideError {
    /// `task_definition_arn` names a revision whose content is not `task_definition`'s.
    PinnedDiffers {
        /// The revision named.
        pinned: String,
    },
}

/// What the decision is made from besides the live facts.
#[derive(Clone, Debug)]
pub struct Wanted<'a> {
    /// Where the task definition comes from.
    pub source: &'a Source,
    /// The revision named alongside the JSON, if any.
    pub pinned_arn: Option<&'a str>,
    /// Environment names whose values summaries never show.
    pub sensitive: &'a [String],
    /// The AppSpec inputs of the prior state (None on create).
    pub prior_appspec: Option<&'a AppSpecKey>,
    /// The AppSpec inputs now.
    pub planned_appspec: &'a AppSpecKey,
    /// The `redeploy_triggers` keys that changed since the prior state (see [`triggers_changed`]).
    pub redeploy: Option<Vec<String>>,
}

/// The user's JSON equals what ECS returned, once both are normalised.
pub fn same_task_definition(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    taskdef::normalize(a) == taskdef::normalize(b)
}

/// Whether the decision needs the family's ACTIVE revisions: the configuration's JSON (not pinned) differs
/// from what serves production, so an identical revision registered earlier may be reused.
pub fn needs_family_revisions(
    source: &Source,
    pinned: Option<&str>,
    live_json: Option<&serde_json::Value>,
) -> bool {
    match (source, pinned) {
        (Source::Json(user), None) => {
            !live_json.is_some_and(|live| same_task_definition(live, user))
        }
        _ => false,
    }
}

/// Decides. Pure: the same inputs always give the same decision.
pub fn decide(wanted: &Wanted<'_>, live: &LiveFacts) -> Result<Decision, DecideError> {
    let empty = serde_json::json!({});
    let live_json = live.json.as_ref().unwrap_or(&empty);
    let mut reasons = Vec::new();
    let mut summary = Vec::new();
    let revision = match (wanted.source, wanted.pinned_arn) {
        (Source::Unknown, _) => {
            reasons.push(Reason::TaskDefinitionUnknown);
            Revision::Unknown
        }
        (Source::Json(user), Some(pinned)) => {
            if !live
                .named_json
                .as_ref()
                .is_some_and(|named| same_task_definition(named, user))
            {
                return Err(DecideError::PinnedDiffers {
                    pinned: pinned.to_string(),
                });
            }
            if Some(pinned) != live.arn.as_deref() {
                reasons.push(Reason::RevisionChanged);
                summary = taskdef::summarize(live_json, user, wanted.sensitive);
            }
            Revision::Existing(pinned.to_string())
        }
        (Source::Json(user), None) => {
            let live_same = live
                .json
                .as_ref()
                .is_some_and(|json| same_task_definition(json, user));
            match (&live.arn, live_same) {
                (Some(arn), true) => Revision::Existing(arn.clone()),
                _ => {
                    reasons.push(Reason::TaskDefinitionChanged);
                    summary = taskdef::summarize(live_json, user, wanted.sensitive);
                    // A revision of the family may already hold this content (another environment's, or an
                    // earlier apply that was interrupted or rolled back): reuse it rather than register a
                    // duplicate. The oldest such revision of the searched ones, so a newer duplicate
                    // registered between plan and apply does not change the choice.
                    match live
                        .family
                        .iter()
                        .rev()
                        .find(|(_, json)| same_task_definition(json, user))
                    {
                        Some((arn, _)) => Revision::Existing(arn.clone()),
                        None => Revision::Register,
                    }
                }
            }
        }
        (Source::Arn(arn), _) => {
            if Some(arn.as_str()) != live.arn.as_deref() {
                reasons.push(Reason::RevisionChanged);
                if let (Some(live), Some(next)) = (&live.json, &live.named_json) {
                    summary = taskdef::summarize(live, next, wanted.sensitive);
                }
            }
            Revision::Existing(arn.clone())
        }
    };
    if wanted
        .prior_appspec
        .is_some_and(|prior| prior != wanted.planned_appspec)
    {
        reasons.push(Reason::AppSpecChanged);
    }
    if let Some(keys) = &wanted.redeploy {
        summary.push(redeploy_line(keys));
        reasons.push(Reason::RedeployRequested(keys.clone()));
    }
    Ok(Decision {
        deploy: !reasons.is_empty(),
        revision,
        summary,
        reasons,
    })
}

/// The summary line of a rollout asked for by `redeploy_triggers` alone. Keys only: a trigger's value may
/// be a secret's version or hash.
fn redeploy_line(keys: &[String]) -> String {
    if keys.is_empty() {
        "redeploy_triggers changed (known after apply): the same task definition rolls out again"
            .into()
    } else {
        format!(
            "redeploy_triggers changed ({}): the same task definition rolls out again",
            keys.join(", ")
        )
    }
}

/// The `redeploy_triggers` keys whose values differ between the prior state and the plan (added, removed
/// or changed), sorted; None when nothing asks for a redeploy. Only a change between two maps counts: on
/// create, after import, or when the attribute is first set or removed altogether (null on either side)
/// the triggers are recorded without a rollout, so adopting a service never redeploys it. A value not yet
/// known counts as changed (Some of no keys when the whole map is unknown).
pub fn triggers_changed(prior: Option<&Value>, planned: &Value) -> Option<Vec<String>> {
    let before = match prior? {
        Value::Map(map) => map,
        _ => return None,
    };
    let after = match planned {
        Value::Unknown => return Some(Vec::new()),
        Value::Map(map) => map,
        _ => return None,
    };
    let mut keys: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| {
            let (a, b) = (before.get(*k), after.get(*k));
            a != b || b.is_some_and(|v| !v.is_wholly_known())
        })
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    (!keys.is_empty()).then_some(keys)
}

/// Production no longer serves the revision the prior state recorded. A plan made after a refresh always
/// finds them equal, so a difference means the facts moved after the state was read: the plan Terraform
/// repeats during `apply` of a saved plan (its prior state is the plan's refreshed one), a plan with
/// `-refresh=false`, or a deployment landing between refresh and plan. Nothing is known to compare when
/// production reports no revision.
pub fn production_moved(recorded: Option<&str>, serving: Option<&str>) -> bool {
    serving.is_some() && recorded != serving
}

/// The refusal's words: what the plan saw, what serves now, the deployment that moved it (id, creator,
/// time, status, as CodeDeploy lists it), and what to do.
pub fn moved_message(saw: Option<&str>, now: &str, moved_by: Option<&str>) -> String {
    let saw = saw.unwrap_or("no revision");
    let by = match moved_by {
        Some(words) => format!(" The latest deployment: {words}."),
        None => String::new(),
    };
    format!(
        "The plan saw {saw} serving production, but production now serves {now}.{by}\n\nA diff against a revision that no longer serves would mislead, so nothing was registered or deployed. Run `terraform plan` again to review the change against what serves now (with refresh, the default: a plan made with -refresh=false starts from the state's old record); a saved plan made before production moved cannot be applied."
    )
}

/// Apply's decision against the plan's: None when apply may go ahead, else what changed, in words.
///
/// - The plan showed no rollout: apply must not start one (production moved since the plan).
/// - The plan showed a rollout from one revision: production must still serve that revision, since the
///   diff the reviewer approved was against it — unless production already serves what the plan was to
///   ship, in which case there is nothing left to do.
/// - The plan named the revision to deploy: apply deploys that one.
pub fn compare(
    planned_deploy: bool,
    planned_from: Option<&str>,
    planned_revision: Option<&str>,
    applied: &Decision,
    live_now: Option<&str>,
) -> Option<String> {
    let now = live_now.unwrap_or("nothing");
    if !planned_deploy && applied.deploy {
        return Some(format!(
            "The plan showed no rollout, but production now serves {now}, which is not what the configuration says{}. Run `terraform plan` again to see the change.",
            match planned_revision {
                Some(r) => format!(" (the plan saw {r})"),
                None => String::new(),
            }
        ));
    }
    if planned_deploy && applied.deploy {
        if let Some(from) = planned_from {
            if Some(from) != live_now {
                return Some(format!(
                    "The plan's diff was against {from}, which served production then; production now serves {now}. Run `terraform plan` again to review the change against what serves now."
                ));
            }
        }
        if let (Some(planned), Revision::Existing(chosen)) = (planned_revision, &applied.revision) {
            if planned != chosen {
                return Some(format!(
                    "The plan was to deploy {planned}, but {chosen} would be deployed now. Run `terraform plan` again."
                ));
            }
        }
    }
    None
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "decide_moved_tests.rs"]
mod moved_tests;
