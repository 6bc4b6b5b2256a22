//! The ECS-native engine: a service on the `ECS` controller with a `BLUE_GREEN`, `LINEAR` or `CANARY`
//! strategy deploys itself when pointed at a new revision; this engine starts that service deployment
//! (or adopts one in flight), follows its lifecycle stages, runs the gate while a PAUSE hook holds it at
//! `POST_TEST_TRAFFIC_SHIFT`, watches alarms and the bake time, and rolls back through ECS. It shares the
//! gate, the report and timeline types and the progress sink with the CodeDeploy engine.
//!
//! Files: `engine` (start and the follow loop), `gate` (the gate at the pause), `rollback` (stopping,
//! redeploying the previous revision), `record` (timeline and progress), `spec` (what it is asked), `wait` (the poll), `cause` (what ECS saw
//! when it ended a deployment on its own).

mod cause;
mod engine;
mod gate;
mod record;
mod rollback;
mod spec;
mod wait;

pub use engine::run;
pub use spec::NativeSpec;
