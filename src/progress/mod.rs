//! Live progress outside Terraform. Terraform shows a provider's user nothing while an apply runs ("Still
//! modifying…" for twenty minutes), so the rollout's lines go where people can see them: a file a CI step
//! tails (`progress_file`), and the `watch` command's terminal. Both write the same line format (`line`).

pub mod file;
pub mod line;
pub mod terminal;

use std::sync::{Arc, RwLock};

use crate::rollout::ProgressSink;

/// The provider's progress sink, set at configure when `progress_file` is given and read by every apply.
#[derive(Clone, Debug, Default)]
pub struct SharedProgress(Arc<RwLock<Option<Arc<dyn ProgressSink>>>>);

impl SharedProgress {
    /// Installs (or, with None, removes) the sink.
    pub fn set(&self, sink: Option<Arc<dyn ProgressSink>>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = sink;
    }

    /// The sink, if the provider was configured with one.
    pub fn get(&self) -> Option<Arc<dyn ProgressSink>> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
