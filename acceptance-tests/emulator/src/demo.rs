//! The demo story's seed, shipped in the crate so the emulator's own tests, the acceptance tests and the
//! benchmarks all start from the same world without each embedding (and each parsing) the file.

use anyhow::Context as _;

use crate::Seed;

/// `seeds/demo.toml` as compiled into the crate.
const DEMO_TOML: &str = include_str!("../seeds/demo.toml");

/// The demo seed: a web service serving "Hello from v1" behind production and test listeners, in deployment
/// group `web-prod` of application `web`. A seed that does not parse is an error naming the file, never an
/// empty world that would make every test fail somewhere far from the cause.
pub fn demo_seed() -> anyhow::Result<Seed> {
    Seed::from_toml(DEMO_TOML).context("parsing the emulator's seeds/demo.toml")
}

/// `seeds/native-demo.toml` as compiled into the crate.
const NATIVE_DEMO_TOML: &str = include_str!("../seeds/native-demo.toml");

/// The demo's web service on the ECS-native engine (ECS controller, BLUE_GREEN, a PAUSE hook after test
/// traffic shifts, weighted listener rules): the second act of `make demo` and the native reaction benchmark
/// start from it.
pub fn native_demo_seed() -> anyhow::Result<Seed> {
    Seed::from_toml(NATIVE_DEMO_TOML).context("parsing the emulator's seeds/native-demo.toml")
}
