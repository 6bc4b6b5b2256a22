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
//!
//! The parts: `shared` (what the loops and feeds share), `loops` (the two polling loops), `feeds` (a
//! rollout's view), `listing` (the account-wide listing of deployments in flight), `watcher` (the handle).

mod feeds;
mod listing;
mod loops;
mod shared;
mod watcher;

pub use feeds::{AlarmFeed, DeploymentFeed};
pub use shared::{InFlight, Observed};
pub use watcher::Watcher;
