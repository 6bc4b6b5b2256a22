//! The typed model of `ecsbg_deployment`: its configuration (one parser per block) and its state, read
//! from and written to Terraform's values. With the schema, the only place that names attributes.

mod appspec;
pub mod attr;
mod config;
mod engine;
mod gate;
mod hooks;
mod names;
mod state;
mod task_definition;
mod timing;
mod values;

pub use config::{parse, Config};
pub use engine::addresses_native;
pub use state::{in_flight, private_in_flight, AppSpecKey, Field, State};
pub use task_definition::Source;
