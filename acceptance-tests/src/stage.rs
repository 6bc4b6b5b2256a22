//! The stage nearly every acceptance test starts from: an emulator holding a seed and a Terraform workspace
//! wired to it and to the provider binary under test, optionally with a first configuration applied.

use std::path::Path;

use ecsbg_emulator::{Behaviour, Seed};

use crate::emulator::{many_services_seed, Running};
use crate::terraform::{many_web_deployments, Workspace};

/// A running emulator and a workspace pointed at it. Tests destructure it (`let Stage { emu, ws } = …`).
pub struct Stage {
    /// The emulator, seeded.
    pub emu: Running,
    /// A `dev_overrides` workspace with the emulator's endpoints and credentials.
    pub ws: Workspace,
}

impl Stage {
    /// An emulator with `seed` at `scale` emulated seconds per real second, and a workspace using `provider`.
    pub fn start(provider: impl AsRef<Path>, seed: Seed, scale: f64) -> anyhow::Result<Stage> {
        Self::start_with(provider, seed, scale, Behaviour::default())
    }

    /// Like [`start`](Self::start), with chosen undocumented emulator behaviours (jitter, phase lengths).
    pub fn start_with(
        provider: impl AsRef<Path>,
        seed: Seed,
        scale: f64,
        behaviour: Behaviour,
    ) -> anyhow::Result<Stage> {
        let emu = Running::start_with(seed, scale, behaviour)?;
        let ws = emu.workspace(provider.as_ref())?;
        Ok(Stage { emu, ws })
    }

    /// Applies `hcl` (which must succeed) and hands the stage on: the live version adopted, ready for the
    /// change a test is about.
    pub fn serving(self, hcl: &str) -> anyhow::Result<Stage> {
        self.ws.apply(hcl)?;
        Ok(self)
    }

    /// `n` copies of the demo service (`web0` …, [`many_services_seed`]) all adopted at v1 in one apply at
    /// `-parallelism=<parallelism>`: where the many-services scenarios and benchmarks start.
    pub fn many_serving_v1(
        provider: impl AsRef<Path>,
        n: usize,
        scale: f64,
        parallelism: usize,
    ) -> anyhow::Result<Stage> {
        let stage = Self::start(provider, many_services_seed(n)?, scale)?;
        stage
            .ws
            .try_apply_with(
                &many_web_deployments(n, "v1"),
                &[&format!("-parallelism={parallelism}")],
            )?
            .success()?;
        Ok(stage)
    }
}
