//! Checks before a rollout starts: production is on the PRIMARY task set and healthy, no watched alarm is
//! already firing. A weight swap left by an earlier deployment is normal and passes.

use super::aws_read::GroupInfo;
use crate::provider::aws::AwsClients;

/// The configured alarms already in ALARM, described, or None.
pub async fn alarms_in_alarm(clients: &AwsClients, alarms: &[String]) -> Option<String> {
    if alarms.is_empty() {
        return None;
    }
    let out = clients
        .cloudwatch
        .describe_alarms()
        .set_alarm_names(Some(alarms.to_vec()))
        .send()
        .await
        .ok()?;
    let firing: Vec<String> = out
        .metric_alarms()
        .iter()
        .filter(|a| a.state_value().map(|s| s.as_str()) == Some("ALARM"))
        .map(|a| {
            format!(
                "alarm '{}' is in ALARM ({})",
                a.alarm_name().unwrap_or("?"),
                a.state_reason().unwrap_or("no reason given")
            )
        })
        .collect();
    (!firing.is_empty()).then(|| firing.join("; "))
}

/// Refuses with an account when starting a rollout now would be unsafe.
pub async fn check(
    clients: &AwsClients,
    group: &GroupInfo,
    alarms: &[String],
) -> Result<(), String> {
    if let Some(firing) = alarms_in_alarm(clients, alarms).await {
        return Err(format!(
            "{firing}. CodeDeploy stops a deployment whose alarms are firing, so this rollout would be rolled back at once. Fix what the alarm reports first; to ship that fix through a stuck alarm, watch a different set of alarms with `alarms` for this apply."
        ));
    }
    let Some(primary_tg) = &group.live_target_group else {
        return Err(format!("The service {}/{} has no PRIMARY task set on a target group, so there is nothing to shift traffic from.", group.cluster, group.service));
    };
    let listeners = clients
        .elbv2
        .describe_listeners()
        .listener_arns(&group.prod_listener)
        .send()
        .await
        .map_err(|e| {
            format!(
                "Cannot read the production listener {}: {}",
                group.prod_listener,
                aws_sdk_elasticloadbalancingv2::error::DisplayErrorContext(&e)
            )
        })?;
    let action = listeners
        .listeners()
        .first()
        .and_then(|l| l.default_actions().first());
    let weights: Vec<(String, i32)> = action
        .and_then(|a| a.forward_config())
        .map(|f| {
            f.target_groups()
                .iter()
                .map(|t| {
                    (
                        t.target_group_arn().unwrap_or_default().to_string(),
                        t.weight().unwrap_or(1),
                    )
                })
                .collect()
        })
        .filter(|w: &Vec<(String, i32)>| !w.is_empty())
        .or_else(|| {
            action
                .and_then(|a| a.target_group_arn())
                .map(|t| vec![(t.to_string(), 1)])
        })
        .unwrap_or_default();
    let on_primary = weights.iter().any(|(tg, w)| tg == primary_tg && *w > 0);
    if !on_primary {
        return Err(format!(
            "The production listener {} forwards to {weights:?}, but the PRIMARY task set serves target group {primary_tg}: production traffic is not where ECS says the live version is (a listener changed outside CodeDeploy?). Point the listener back at {primary_tg} before deploying.",
            group.prod_listener
        ));
    }
    let health = clients
        .elbv2
        .describe_target_health()
        .target_group_arn(primary_tg)
        .send()
        .await
        .map_err(|e| {
            format!(
                "Cannot read target health of {primary_tg}: {}",
                aws_sdk_elasticloadbalancingv2::error::DisplayErrorContext(&e)
            )
        })?;
    let healthy = health
        .target_health_descriptions()
        .iter()
        .filter(|t| {
            t.target_health()
                .and_then(|h| h.state())
                .map(|s| s.as_str())
                == Some("healthy")
        })
        .count();
    if healthy == 0 {
        return Err(format!("Target group {primary_tg} (production) has no healthy targets: production is already down, and a blue/green rollout cannot roll back to it."));
    }
    Ok(())
}

/// The description every deployment this resource creates carries, so a later apply can tell its own
/// deployments from someone else's before it registers anything.
pub fn rollout_description(application: &str, group: &str) -> String {
    format!("ecsbg_deployment {application}:{group} via terraform")
}

/// Someone else's deployment holding the group, described; checked before anything is registered, so a
/// blocked apply mutates nothing. Listing errors pass: the rollout engine checks again before it creates.
pub async fn foreign_in_flight(
    clients: &AwsClients,
    application: &str,
    group: &str,
) -> Option<String> {
    let ours = rollout_description(application, group);
    let listed = clients
        .watch
        .in_flight(application, group, true)
        .await
        .ok()?;
    for (id, _) in listed {
        let Ok(Some(view)) = crate::rollout::observe::get_deployment(clients, &id).await else {
            continue;
        };
        if !view.status.is_terminal() && view.description.as_deref() != Some(ours.as_str()) {
            return Some(view.blocks(group));
        }
    }
    None
}
