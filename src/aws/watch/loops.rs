//! The two polling loops: deployments (BatchGetDeployments on each one's budget) and alarms
//! (DescribeAlarms twice a second). Each backs off as a whole when AWS throttles or fails.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::shared::{
    lock, Inner, Observed, ALARMS_PER_CALL, ALARM_PERIOD, DEPLOYMENTS_PER_CALL, MAX_BACKOFF,
    MIN_GAP, TICK, TOKENS_PER_SECOND, TOKEN_CAP,
};
use crate::aws::readers::AlarmState;
use crate::aws::sdk::Service;
use crate::aws::views::DeploymentView;

/// The ids due for a poll now, charging each a token; None when nobody is subscribed (the loop ends).
fn due(inner: &Inner, now: Instant) -> Option<Vec<String>> {
    let mut state = lock(&inner.state);
    state.deployments.retain(|_, s| !s.tx.is_closed());
    if state.deployments.is_empty() {
        state.deployment_loop = false;
        return None;
    }
    let mut ready = Vec::new();
    let mut nearly = Vec::new();
    for (id, sub) in state.deployments.iter_mut() {
        let earned = now.duration_since(sub.refilled).as_secs_f64() * TOKENS_PER_SECOND;
        sub.tokens = (sub.tokens + earned).min(TOKEN_CAP);
        sub.refilled = now;
        let rested = sub
            .last_poll
            .is_none_or(|at| now.duration_since(at) + TICK / 4 >= MIN_GAP);
        // Paused only while every feed of this deployment is paused: a rollback follower still gets news.
        let all_paused = sub.paused > 0 && sub.paused >= sub.tx.receiver_count();
        if all_paused || !rested {
            continue;
        }
        if sub.tokens >= 1.0 {
            ready.push(id.clone());
        } else if sub.tokens >= 0.5 {
            nearly.push(id.clone());
        }
    }
    // Deployments nearly due ride along with those due (borrowing at most half a poll), so rollouts started
    // at different moments fall into step and share BatchGetDeployments calls.
    if !ready.is_empty() {
        ready.append(&mut nearly);
    }
    for id in &ready {
        if let Some(sub) = state.deployments.get_mut(id) {
            sub.tokens -= 1.0;
            sub.last_poll = Some(now);
        }
    }
    Some(ready)
}

/// Polls every subscribed deployment that is due, in batches, until nobody is subscribed.
pub async fn deployment_loop(inner: Arc<Inner>) {
    let mut backoff = Duration::ZERO;
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if backoff > Duration::ZERO {
            tokio::time::sleep(backoff).await;
        }
        let Some(ids) = due(&inner, Instant::now()) else {
            return;
        };
        if ids.is_empty() {
            continue;
        }
        let mut calls = tokio::task::JoinSet::new();
        for chunk in ids.chunks(DEPLOYMENTS_PER_CALL) {
            let inner = inner.clone();
            let chunk = chunk.to_vec();
            calls.spawn(async move {
                inner.pace.turn().await;
                inner
                    .deployment_calls
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let result = inner
                    .sdk
                    .codedeploy
                    .batch_get_deployments()
                    .set_deployment_ids(Some(chunk.clone()))
                    .send()
                    .await;
                (chunk, result)
            });
        }
        let mut failed = false;
        while let Some(joined) = calls.join_next().await {
            let Ok((chunk, result)) = joined else {
                failed = true;
                continue;
            };
            let mut seen: HashMap<String, DeploymentView> = HashMap::new();
            let error = match result {
                Ok(out) => {
                    for info in out.deployments_info() {
                        if let Some(view) = DeploymentView::from_info(info) {
                            seen.insert(view.id.clone(), view);
                        }
                    }
                    None
                }
                Err(err) => {
                    failed = true;
                    Some(
                        inner
                            .sdk
                            .error(Service::CodeDeploy, "BatchGetDeployments", err),
                    )
                }
            };
            let state = lock(&inner.state);
            for id in chunk {
                let Some(sub) = state.deployments.get(&id) else {
                    continue;
                };
                let observed = match (&error, seen.remove(&id)) {
                    (Some(err), _) => Observed::Error(err.clone()),
                    (None, Some(view)) => Observed::Seen(view),
                    (None, None) => Observed::Missing,
                };
                sub.tx.send_replace(observed);
            }
        }
        backoff = if failed {
            let next = (backoff * 2).max(Duration::from_secs(1)).min(MAX_BACKOFF);
            tracing::warn!(next_poll_in = ?next, "BatchGetDeployments failed; backing off");
            next
        } else {
            Duration::ZERO
        };
    }
}

/// Reads every watched alarm twice a second until nobody watches any.
pub async fn alarm_loop(inner: Arc<Inner>) {
    let mut backoff = Duration::ZERO;
    let mut ticker = tokio::time::interval(ALARM_PERIOD);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if backoff > Duration::ZERO {
            tokio::time::sleep(backoff).await;
        }
        let names: Vec<String> = {
            let mut state = lock(&inner.state);
            if state.alarm_names.is_empty() {
                state.alarm_loop = false;
                return;
            }
            state.alarm_names.keys().cloned().collect()
        };
        let mut calls = tokio::task::JoinSet::new();
        for chunk in names.chunks(ALARMS_PER_CALL) {
            let request = inner
                .sdk
                .cloudwatch
                .describe_alarms()
                .set_alarm_names(Some(chunk.to_vec()));
            calls.spawn(request.send());
        }
        let mut states = HashMap::new();
        let mut failed = false;
        while let Some(joined) = calls.join_next().await {
            let Ok(result) = joined else {
                failed = true;
                continue;
            };
            match result {
                Ok(out) => {
                    for alarm in out.metric_alarms() {
                        if let Some(name) = alarm.alarm_name() {
                            states.insert(
                                name.to_string(),
                                AlarmState {
                                    state: alarm
                                        .state_value()
                                        .map(|s| s.as_str().to_string())
                                        .unwrap_or_default(),
                                    reason: alarm
                                        .state_reason()
                                        .unwrap_or("no reason given")
                                        .to_string(),
                                },
                            );
                        }
                    }
                }
                Err(err) => {
                    failed = true;
                    let err = inner.sdk.error(Service::CloudWatch, "DescribeAlarms", err);
                    tracing::warn!(error = %err, "reading the watched alarms failed; backing off");
                }
            }
        }
        if failed {
            backoff = (backoff * 2).max(Duration::from_secs(1)).min(MAX_BACKOFF);
            // Keep what was known for the alarms this round could not read.
            let previous = inner.alarms.borrow().clone();
            for (name, state) in previous.iter() {
                states.entry(name.clone()).or_insert_with(|| state.clone());
            }
        } else {
            backoff = Duration::ZERO;
        }
        inner.alarms.send_replace(Arc::new(states));
    }
}
