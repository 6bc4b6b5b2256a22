//! What the watcher's loops, feeds and handle share: the subscriptions, the alarm names watched, the
//! newest listing of deployments in flight, and the numbers that set the pace of polling.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::aws::batch::Coalescer;
use crate::aws::error::AwsError;
use crate::aws::pace::Pacer;
use crate::aws::readers::AlarmState;
use crate::aws::sdk::Sdk;
use crate::aws::views::DeploymentView;

/// How often the deployment loop looks at which deployments are due.
pub const TICK: Duration = Duration::from_millis(250);
/// Never poll one deployment more often than this.
pub const MIN_GAP: Duration = Duration::from_millis(500);
/// Tokens (polls) a deployment earns per second.
pub const TOKENS_PER_SECOND: f64 = 1.0;
/// The most polls a deployment can save up.
pub const TOKEN_CAP: f64 = 4.0;
/// How often the alarm states are read.
pub const ALARM_PERIOD: Duration = Duration::from_millis(500);
/// The longest pause when CodeDeploy or CloudWatch throttle or fail.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// BatchGetDeployments takes at most this many ids.
pub const DEPLOYMENTS_PER_CALL: usize = 25;
/// How long an account-wide listing of deployments in flight answers a refresh. A plan's reads arrive over
/// tens of milliseconds and would otherwise list the account again in each round; a deployment started in
/// the meantime is news for the next plan, not this one. Rollouts about to create never reuse a listing.
pub const LISTING_REUSE: Duration = Duration::from_secs(2);
/// DescribeAlarms takes at most this many names.
pub const ALARMS_PER_CALL: usize = 100;

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
    Error(AwsError),
}

/// A deployment in flight: (id, status).
pub type InFlight = (String, String);

/// Every deployment in flight in the account and region, by (application, group).
pub type Listing = HashMap<(String, String), Vec<InFlight>>;

/// The account-wide listing of deployments in flight, coalesced separately for paced callers (rollouts
/// about to create) and unpaced ones (refreshes, which may reuse a recent listing).
pub type InFlightListing = Coalescer<bool, (String, String), Vec<InFlight>, AwsError>;

/// The newest listing and when it was asked for.
pub type LastListing = Option<(Instant, Arc<Listing>)>;

/// One deployment's subscribers and its polling budget.
pub struct Subscription {
    /// Where observations go; every feed of the deployment holds a receiver.
    pub tx: watch::Sender<Observed>,
    /// Polls earned and not spent (may be negative: see `subscribe`).
    pub tokens: f64,
    /// When tokens were last added.
    pub refilled: Instant,
    /// When the deployment was last polled.
    pub last_poll: Option<Instant>,
    /// How many feeds are paused (busy with the gate).
    pub paused: usize,
}

/// Who is watched, and whether each loop runs.
#[derive(Default)]
pub struct State {
    /// Deployments followed, by id.
    pub deployments: HashMap<String, Subscription>,
    /// True while the deployment loop runs.
    pub deployment_loop: bool,
    /// Alarms watched, with how many feeds watch each.
    pub alarm_names: HashMap<String, usize>,
    /// True while the alarm loop runs.
    pub alarm_loop: bool,
}

/// Everything the loops and feeds share.
pub struct Inner {
    /// Clients for the rollouts' polls.
    pub sdk: Sdk,
    /// Clients for refreshes' listings, which give up after the read timeout.
    pub reads: Sdk,
    /// The shared CodeDeploy pace.
    pub pace: Pacer,
    /// Who is watched.
    pub state: Mutex<State>,
    /// The latest alarm states, for every alarm feed.
    pub alarms: watch::Sender<Arc<HashMap<String, AlarmState>>>,
    /// BatchGetDeployments calls made, for logs and benchmarks.
    pub deployment_calls: std::sync::atomic::AtomicU64,
    /// Coalesces concurrent listings of deployments in flight.
    pub in_flight: Arc<InFlightListing>,
    /// The newest listing, for refreshes to reuse.
    pub last_listing: Mutex<LastListing>,
}

/// The state, whatever a panicking holder left.
pub fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The newest listing, whatever a panicking holder left.
pub fn lock_listing(listing: &Mutex<LastListing>) -> MutexGuard<'_, LastListing> {
    listing.lock().unwrap_or_else(|p| p.into_inner())
}

/// Subscribes to a deployment; true when the deployment loop must be started.
pub fn subscribe(inner: &Inner, id: &str) -> (watch::Receiver<Observed>, bool) {
    let mut state = lock(&inner.state);
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
    let start = !std::mem::replace(&mut state.deployment_loop, true);
    (rx, start)
}

/// The newest listing, if it may still answer a refresh.
pub fn recent(inner: &Inner) -> Option<Arc<Listing>> {
    lock_listing(&inner.last_listing)
        .as_ref()
        .filter(|(asked, _)| asked.elapsed() < LISTING_REUSE)
        .map(|(_, listing)| listing.clone())
}
