//! The only layer that calls AWS. Callers get typed methods on [`Aws`] for what they need — a deployment
//! group with everything it points at, task definitions as ECS returns them, deployments to create,
//! continue, stop and follow, alarms, hook functions — and one error type, [`AwsError`], to branch on by
//! variant. Pacing of CodeDeploy calls (`pace`), batching of concurrent reads (`batch`, `readers`), the
//! shared poller (`watch`) and the caches live here, so no caller can forget them.
//!
//! Where to look: `pace.rs` for how throttling is handled; `group.rs` for what a deployment group must be;
//! `deployments.rs` for every CodeDeploy mutation; `tasks.rs` for the tasks ECS stopped in green; `watch/` for how rollouts are followed.

pub mod batch;
mod checks;
mod client;
mod deployments;
pub mod error;
mod group;
mod history;
mod native;
mod native_deploy;
pub mod pace;
pub mod readers;
pub mod sdk;
pub mod settings;
mod task_definitions;
mod tasks;
pub mod transport;
pub mod views;
pub mod watch;

pub use checks::FiringAlarm;
pub use client::{Aws, SharedAws};
pub use deployments::{console_link, AlarmOverride, NewDeployment};
pub use error::{AwsError, ErrorKind};
pub use group::{GroupError, Purpose};
pub use history::DeploymentOrigin;
pub use native::{NativeError, NativeService, GATE_STAGE};
pub use native_deploy::{short_id, BreakerView, HookView, ServiceDeploymentView};
pub use readers::AlarmState;
pub use settings::AwsSettings;
pub use tasks::{StoppedContainer, StoppedTask};
pub use views::{DeploymentView, GroupInfo, LifecycleEventView, Status, TargetView};
