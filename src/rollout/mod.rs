//! The rollout engine: drives one CodeDeploy ECS blue/green deployment from creation to a truthful outcome.
//!
//! It knows nothing of Terraform. It is handed the AWS layer, what to deploy, a gate to run during the Ready
//! wait, and a stop token; it returns what happened — and above all which task definition serves production
//! afterwards, so the caller's state never lies.
//!
//! Where to look: `engine.rs` creates or adopts the deployment; `follow.rs` follows it through the
//! lifecycle (traffic weights at AllowTraffic, the bake); `green_health.rs` stops a green whose tasks ECS
//! keeps stopping (an image it cannot pull, a container that exits) long before Install's hour runs out;
//! `ready.rs` runs the gate in the Ready wait and releases traffic; `rollback.rs` turns every failure, alarm
//! and interrupt into a followed rollback; `timeline.rs` rebuilds lifecycle events from CodeDeploy's own
//! times; `progress.rs` streams every line as it is said to whoever watches (a progress file).

pub mod appspec;
mod blocked;
mod engine;
mod follow;
pub mod gate;
mod green_health;
pub mod native;
pub mod progress;
mod ready;
mod record;
mod report;
mod rollback;
mod spec;
pub mod timeline;

pub use blocked::{blocked_by, foreign_in_flight};
pub use engine::run;
pub use progress::{ProgressEvent, ProgressSink};
pub use report::{EntryKind, Outcome, RolloutReport, TimelineEntry};
pub use spec::{rollout_description, OnInterrupt, RolloutSpec, WaitFor};
