//! Gathering the live facts [`decide`](super::decide::decide) needs, the same way for plan and for apply, so
//! the two cannot reach different decisions by reading differently.

use crate::aws::Aws;

use super::decide::{needs_family_revisions, LiveFacts};
use super::model::{Config, Source, State};

/// What serves production and the contents the decision compares. The prior state records the content of
/// the revision it names (revisions are immutable), so when production still runs that revision the prior
/// state answers without DescribeTaskDefinition.
pub async fn gather(
    aws: &Aws,
    cfg: &Config,
    live_arn: Option<&str>,
    prior: Option<&State>,
) -> LiveFacts {
    let arn = live_arn.map(str::to_string);
    let from_prior = prior
        .filter(|p| arn.is_some() && p.task_definition_arn.as_deref() == arn.as_deref())
        .and_then(|p| p.task_definition.as_deref())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok());
    let json = match (&arn, from_prior) {
        (_, Some(json)) => Some(json),
        (Some(live), None) => aws.task_definition(live).await.ok(),
        (None, None) => None,
    };
    let named = match (&cfg.source, &cfg.pinned_arn) {
        (Source::Json(_), Some(pinned)) => Some(pinned.clone()),
        (Source::Arn(named), _) if Some(named) != arn.as_ref() => Some(named.clone()),
        _ => None,
    };
    let named_json = match named {
        Some(reference) => aws.task_definition(&reference).await.ok(),
        None => None,
    };
    let family = match &cfg.source {
        Source::Json(user)
            if needs_family_revisions(&cfg.source, cfg.pinned_arn.as_deref(), json.as_ref()) =>
        {
            let family = user["family"].as_str().unwrap_or_default();
            // Not finding one only costs a registration; a failed read is not worth failing the plan.
            aws.active_revisions(family).await.unwrap_or_else(|err| {
                tracing::warn!(family, error = %err, "could not list the family's revisions; a new one will be registered");
                Vec::new()
            })
        }
        _ => Vec::new(),
    };
    LiveFacts {
        arn,
        json,
        named_json,
        family,
    }
}
