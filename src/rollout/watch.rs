//! One poller per provider process for every deployment and alarm its rollouts follow.
//!
//! Fifty rollouts polling GetDeployment once a second each would spend fifty CodeDeploy calls a second, and
//! CodeDeploy throttles well below that. Instead every rollout subscribes here: a single loop asks
//! `BatchGetDeployments` (25 ids a call) for all the deployments that are due, and a single loop asks
//! `DescribeAlarms` (100 names a call) for all the alarms being watched, and each subscriber gets what
//! concerns it through a `tokio::sync::watch` channel. Throttling or errors back the whole loop off at once.
//!
//! Each deployment has a budget of one poll per second on average (a token bucket). A rollout that is busy
//! with something of its own — running the test gate — pauses its feed; the tokens it saves are spent
//! afterwards on polling twice a second, when traffic shifts and the deployment ends, so the end is noticed
//! sooner without ever exceeding the average.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::observe::DeploymentView;
use crate::provider::batch::Coalescer;
use crate::provider::pace::Pacer;

/// How often the deployment loop looks at which deployments are due.
const TICK: Duration = Duration::from_millis(250);
/// Never poll one deployment more often than this.
const MIN_GAP: Duration = Duration::from_millis(500);
/// Tokens (polls) a deployment earns per second.
const TOKENS_PER_SECOND: f64 = 1.0;
/// The most polls a deployment can save up.
const TOKEN_CAP: f64 = 4.0;
/// How often the alarm states are read.
const ALARM_PERIOD: Duration = Duration::from_millis(500);
/// The longest pause when CodeDeploy or CloudWatch throttle or fail.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// BatchGetDeployments takes at most this many ids.
const DEPLOYMENTS_PER_CALL: usize = 25;
/// How long an account-wide listing of deployments in flight answers a refresh. A plan's reads arrive over
/// tens of milliseconds and would otherwise list the account again in each round; a deployment started in
/// the meantime is news for the next plan, not this one. Rollouts about to create never reuse a listing.
const LISTING_REUSE: Duration = Duration::from_secs(2);
/// DescribeAlarms takes at most this many names.
const ALARMS_PER_CALL: usize = 100;

/// What the poller last learnt of one deployment.
#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    /// Not polled yet.
    Pending,
    /// CodeDeploy's answer.
    Seen(DeploymentView),
    /// CodeDeploy does not (yet) know the id.
    Missing,
    /// The call failed even after the SDK's retries; the poller backs off.
    Error(String),
}

/// A deployment in flight: (id, status).
pub type InFlight = (String, String);

/// The statuses that hold a deployment group's single slot.
const ACTIVE: [aws_sdk_codedeploy::types::DeploymentStatus; 5] = [
    aws_sdk_codedeploy::types::DeploymentStatus::Created,
    aws_sdk_codedeploy::types::DeploymentStatus::Queued,
    aws_sdk_codedeploy::types::DeploymentStatus::InProgress,
    aws_sdk_codedeploy::types::DeploymentStatus::Ready,
    aws_sdk_codedeploy::types::DeploymentStatus::Baking,
];

/// Every deployment in flight in the account and region, by (application, group).
type Listing = HashMap<(String, String), Vec<InFlight>>;

/// The account-wide listing of deployments in flight, coalesced separately for paced callers (rollouts
/// about to create) and unpaced ones (refreshes, which may reuse a recent listing).
type InFlightListing = Coalescer<bool, (String, String), Vec<InFlight>, String>;

/// One alarm's state as CloudWatch reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmState {
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
    /// CloudWatch's reason.
    pub reason: String,
}

struct Subscription {
    tx: watch::Sender<Observed>,
    tokens: f64,
    refilled: Instant,
    last_poll: Option<Instant>,
    paused: usize,
}

#[derive(Default)]
struct State {
    deployments: HashMap<String, Subscription>,
    deployment_loop: bool,
    alarm_names: HashMap<String, usize>,
    alarm_loop: bool,
}

struct Inner {
    codedeploy: aws_sdk_codedeploy::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    pace: Pacer,
    state: Mutex<State>,
    alarms: watch::Sender<Arc<HashMap<String, AlarmState>>>,
    deployment_calls: std::sync::atomic::AtomicU64,
    in_flight: Arc<InFlightListing>,
    /// The newest listing and when it was asked for.
    last_listing: Mutex<LastListing>,
}

/// The shared poller; cheap to clone, one per set of AWS clients.
#[derive(Clone)]
pub struct Watcher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher").finish_non_exhaustive()
    }
}

impl Watcher {
    /// A poller over these clients; its loops start with the first subscriber and end with the last.
    pub fn new(
        codedeploy: aws_sdk_codedeploy::Client,
        cloudwatch: aws_sdk_cloudwatch::Client,
        pace: Pacer,
    ) -> Self {
        let (alarms, _) = watch::channel(Arc::new(HashMap::new()));
        Watcher {
            inner: Arc::new(Inner {
                codedeploy,
                cloudwatch,
                pace,
                state: Mutex::new(State::default()),
                alarms,
                deployment_calls: std::sync::atomic::AtomicU64::new(0),
                in_flight: Arc::new(Coalescer::new(usize::MAX)),
                last_listing: Mutex::new(None),
            }),
        }
    }

    /// Follows a deployment: the feed yields a fresh observation each time the poller asks CodeDeploy.
    pub fn deployment(&self, id: &str) -> DeploymentFeed {
        let mut state = lock(&self.inner.state);
        let sub = state
            .deployments
            .entry(id.to_string())
            .or_insert_with(|| Subscription {
                tx: watch::channel(Observed::Pending).0,
                // Riding along with a due poll may borrow half a token: start half a token in debt, so the
                // polls never exceed one per second since the subscription. The first comes after a second
                // (a second and a half alone); CodeDeploy takes far longer to install green.
                tokens: -0.5,
                refilled: Instant::now(),
                last_poll: None,
                paused: 0,
            });
        let rx = sub.tx.subscribe();
        if !state.deployment_loop {
            state.deployment_loop = true;
            tokio::spawn(deployment_loop(self.inner.clone()));
        }
        DeploymentFeed {
            id: id.to_string(),
            rx,
            watcher: self.clone(),
            paused: false,
        }
    }

    /// Watches alarms: the feed resolves once one of them is in ALARM.
    pub fn alarms(&self, names: &[String]) -> AlarmFeed {
        let mut state = lock(&self.inner.state);
        for name in names {
            *state.alarm_names.entry(name.clone()).or_default() += 1;
        }
        if !names.is_empty() && !state.alarm_loop {
            state.alarm_loop = true;
            tokio::spawn(alarm_loop(self.inner.clone()));
        }
        AlarmFeed {
            names: names.to_vec(),
            rx: self.inner.alarms.subscribe(),
            watcher: self.clone(),
        }
    }

    /// The group's deployments in flight, newest first. Groups asking at the same time share one
    /// account-wide ListDeployments of the active statuses (fifty rollouts starting together cost one call,
    /// not fifty).
    /// `paced`: take turns with the rollouts' other CodeDeploy calls and list afresh (a rollout starting),
    /// or not (a refresh, whose reads are already batched, and which may reuse a listing made at most
    /// [`LISTING_REUSE`] ago).
    pub async fn in_flight(
        &self,
        application: &str,
        group: &str,
        paced: bool,
    ) -> Result<Vec<InFlight>, String> {
        let key = (application.to_string(), group.to_string());
        if !paced {
            if let Some(listing) = Watcher::recent(&self.inner) {
                return Ok(listing.get(&key).cloned().unwrap_or_default());
            }
        }
        let inner = self.inner.clone();
        self.inner
            .in_flight
            .get(paced, key, move |paced, _groups| {
                let inner = inner.clone();
                async move {
                    // A refresh round queued behind another round's call takes that call's answer.
                    if !paced {
                        if let Some(listing) = Watcher::recent(&inner) {
                            return Ok(listing.as_ref().clone());
                        }
                    }
                    let asked = Instant::now();
                    let pace = paced.then(|| inner.pace.clone());
                    let listing = active_deployments(&inner.codedeploy, &pace).await?;
                    *lock_listing(&inner.last_listing) = Some((asked, Arc::new(listing.clone())));
                    Ok(listing)
                }
            })
            .await
            .map(Option::unwrap_or_default)
    }

    fn recent(inner: &Inner) -> Option<Arc<Listing>> {
        lock_listing(&inner.last_listing)
            .as_ref()
            .filter(|(asked, _)| asked.elapsed() < LISTING_REUSE)
            .map(|(_, listing)| listing.clone())
    }

    /// How many BatchGetDeployments calls the poller has made (for logs and benchmarks).
    pub fn deployment_calls(&self) -> u64 {
        self.inner
            .deployment_calls
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

type LastListing = Option<(Instant, Arc<Listing>)>;

fn lock_listing(listing: &Mutex<LastListing>) -> MutexGuard<'_, LastListing> {
    listing.lock().unwrap_or_else(|p| p.into_inner())
}

/// A rollout's view of one deployment.
pub struct DeploymentFeed {
    id: String,
    rx: watch::Receiver<Observed>,
    watcher: Watcher,
    paused: bool,
}

impl DeploymentFeed {
    /// Waits for the poller's next observation of this deployment. Cancel-safe.
    pub async fn next(&mut self) -> Observed {
        if self.rx.changed().await.is_err() {
            // The poller dropped this id (it cannot while the feed lives, but be safe): subscribe again.
            *self = self.watcher.deployment(&self.id);
            return Observed::Pending;
        }
        self.rx.borrow_and_update().clone()
    }

    /// Stops polling this deployment while the rollout is busy elsewhere; the saved budget makes the polls
    /// after [`resume`](Self::resume) quicker.
    pub fn pause(&mut self) {
        if !self.paused {
            self.paused = true;
            if let Some(sub) = lock(&self.watcher.inner.state)
                .deployments
                .get_mut(&self.id)
            {
                sub.paused += 1;
            }
        }
    }

    /// Polls again after [`pause`](Self::pause).
    pub fn resume(&mut self) {
        if self.paused {
            self.paused = false;
            if let Some(sub) = lock(&self.watcher.inner.state)
                .deployments
                .get_mut(&self.id)
            {
                sub.paused = sub.paused.saturating_sub(1);
            }
        }
    }
}

impl Drop for DeploymentFeed {
    fn drop(&mut self) {
        self.resume();
    }
}

/// A rollout's view of its alarms.
pub struct AlarmFeed {
    names: Vec<String>,
    rx: watch::Receiver<Arc<HashMap<String, AlarmState>>>,
    watcher: Watcher,
}

impl AlarmFeed {
    /// The watched alarms in ALARM right now, described, or None.
    pub fn firing_now(&self) -> Option<String> {
        describe_firing(&self.names, &self.rx.borrow())
    }

    /// Resolves with a description once one of the alarms is in ALARM; never resolves without alarms.
    /// Cancel-safe.
    pub async fn firing(&mut self) -> String {
        if self.names.is_empty() {
            return std::future::pending().await;
        }
        loop {
            if self.rx.changed().await.is_err() {
                return std::future::pending().await;
            }
            if let Some(firing) = describe_firing(&self.names, &self.rx.borrow_and_update()) {
                return firing;
            }
        }
    }
}

impl Drop for AlarmFeed {
    fn drop(&mut self) {
        let mut state = lock(&self.watcher.inner.state);
        for name in &self.names {
            if let Some(count) = state.alarm_names.get_mut(name) {
                *count -= 1;
                if *count == 0 {
                    state.alarm_names.remove(name);
                }
            }
        }
    }
}

fn describe_firing(names: &[String], states: &HashMap<String, AlarmState>) -> Option<String> {
    let firing: Vec<String> = names
        .iter()
        .filter_map(|n| {
            states
                .get(n)
                .filter(|s| s.state == "ALARM")
                .map(|s| format!("'{n}' ({})", s.reason))
        })
        .collect();
    (!firing.is_empty()).then(|| firing.join(", "))
}

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

async fn deployment_loop(inner: Arc<Inner>) {
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
                    Some(super::engine::aws_error(err))
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

async fn alarm_loop(inner: Arc<Inner>) {
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
                    tracing::warn!(error = %aws_sdk_cloudwatch::error::DisplayErrorContext(err), "DescribeAlarms failed");
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

/// Every active deployment in the account and region, by (application, group).
async fn active_deployments(
    codedeploy: &aws_sdk_codedeploy::Client,
    pace: &Option<Pacer>,
) -> Result<Listing, String> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        if let Some(pace) = pace {
            pace.turn().await;
        }
        let out = codedeploy
            .list_deployments()
            .set_include_only_statuses(Some(ACTIVE.to_vec()))
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|err| {
                format!(
                    "ListDeployments failed: {}",
                    aws_sdk_codedeploy::error::DisplayErrorContext(&err)
                )
            })?;
        ids.extend(out.deployments().iter().cloned());
        match out.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => break,
        }
    }
    let mut found = HashMap::new();
    for chunk in ids.chunks(25) {
        if let Some(pace) = pace {
            pace.turn().await;
        }
        let out = codedeploy
            .batch_get_deployments()
            .set_deployment_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|err| {
                format!(
                    "BatchGetDeployments failed: {}",
                    aws_sdk_codedeploy::error::DisplayErrorContext(&err)
                )
            })?;
        // ListDeployments lists the newest first; keep that order per group.
        let mut infos: HashMap<&str, _> = HashMap::new();
        for info in out.deployments_info() {
            if let Some(id) = info.deployment_id() {
                infos.insert(id, info);
            }
        }
        for id in chunk {
            let Some(info) = infos.get(id.as_str()) else {
                continue;
            };
            let (Some(app), Some(group)) = (info.application_name(), info.deployment_group_name())
            else {
                continue;
            };
            found
                .entry((app.to_string(), group.to_string()))
                .or_insert_with(Vec::new)
                .push((
                    id.clone(),
                    info.status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                ));
        }
    }
    Ok(found)
}
