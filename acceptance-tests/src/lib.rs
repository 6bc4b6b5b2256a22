//! Helpers for tests that drive the real `terraform` binary against the provider (and, later, the emulator).

pub mod awscli;
pub mod bench;
pub mod bench_native;
pub mod campaign;
pub mod emulator;
pub mod engine;
pub mod hashicorp_aws;
pub mod plugin_client;
pub mod shapes;
pub mod stage;
pub mod terraform;
