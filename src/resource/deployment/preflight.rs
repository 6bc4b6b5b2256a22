//! Checks before a rollout starts, made before anything is registered so a refused rollout changes nothing:
//! no one else's deployment holds the group, no watched alarm is already firing, production is on the
//! PRIMARY task set and healthy. A weight swap left by an earlier deployment is normal and passes.

use crate::aws::{Aws, GroupInfo};

use super::diagnose::firing_alarms;

/// Refuses with an account when starting a rollout now would be unsafe.
pub async fn check(aws: &Aws, group: &GroupInfo, alarms: &[String]) -> Result<(), String> {
    let firing = aws.alarms_in_alarm(alarms).await;
    if !firing.is_empty() {
        return Err(format!(
            "{}. CodeDeploy stops a deployment whose alarms are firing, so this rollout would be rolled back at once. Fix what the alarm reports first; to ship that fix through a stuck alarm, watch a different set of alarms with `alarms` for this apply.",
            firing_alarms(&firing)
        ));
    }
    let Some(primary_tg) = &group.live_target_group else {
        return Err(format!("The service {}/{} has no PRIMARY task set on a target group, so there is nothing to shift traffic from.", group.cluster, group.service));
    };
    let weights = aws
        .listener_forwarding(&group.prod_listener)
        .await
        .map_err(|e| {
            format!(
                "Cannot read the production listener {}: {e}",
                group.prod_listener
            )
        })?;
    let on_primary = weights.iter().any(|(tg, w)| tg == primary_tg && *w > 0);
    if !on_primary {
        return Err(format!(
            "The production listener {} forwards to {weights:?}, but the PRIMARY task set serves target group {primary_tg}: production traffic is not where ECS says the live version is (a listener changed outside CodeDeploy?). Point the listener back at {primary_tg} before deploying.",
            group.prod_listener
        ));
    }
    let healthy = aws
        .healthy_targets(primary_tg)
        .await
        .map_err(|e| format!("Cannot read target health of {primary_tg}: {e}"))?;
    if healthy == 0 {
        return Err(format!("Target group {primary_tg} (production) has no healthy targets: production is already down, and a blue/green rollout cannot roll back to it."));
    }
    Ok(())
}
