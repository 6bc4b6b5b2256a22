//! The resource's configuration, read from Terraform's value and checked without calling AWS. Each block
//! has its own parser (`names`, `task_definition`, `appspec`, `hooks`, `gate`, `timing`); this joins them.
//! Unknown values are tolerated (validation happens before they are known); the caller decides whether an
//! unknown matters.

use std::time::Duration;

use super::appspec::{self, AppSpecSettings};
use super::names::{self, Names};
use super::task_definition::{self, Source};
use super::timing::{self, Timing};
use super::{gate, hooks};
use crate::gate::TestGate;
use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::value::Value;
use crate::rollout::appspec::Hooks;

/// The configuration, with defaults applied.
#[derive(Clone, Debug)]
pub struct Config {
    /// Application, group, deployment config, alarms, sensitive names.
    pub names: Names,
    /// What to deploy.
    pub source: Source,
    /// With both `task_definition` and `task_definition_arn` set: the ARN, which must hold the same content
    /// as the JSON.
    pub pinned_arn: Option<String>,
    /// AppSpec settings for the green task set.
    pub appspec: AppSpecSettings,
    /// Lambda hooks.
    pub hooks: Hooks,
    /// The test gate (None: not configured).
    pub gate: Option<TestGate>,
    /// Test listener URL override.
    pub gate_url: Option<String>,
    /// Bake time, interrupt behaviour, when to return, timeouts.
    pub timing: Timing,
}

impl Config {
    /// The timeout for a rollout on create or on update.
    pub fn timeout(&self, creating: bool) -> Duration {
        if creating {
            self.timing.create_timeout
        } else {
            self.timing.update_timeout
        }
    }

    /// The alarms a rollout watches: the configured ones, else the group's.
    pub fn alarms_or(&self, group_alarms: &[String]) -> Vec<String> {
        if self.names.alarms.is_empty() {
            group_alarms.to_vec()
        } else {
            self.names.alarms.clone()
        }
    }
}

/// Reads and checks the configuration, every problem reported on its attribute.
pub fn parse(config: &Value) -> (Config, Diagnostics) {
    let mut diags = Diagnostics::new();
    let names = names::parse(config, &mut diags);
    let hooks = hooks::parse(config, &mut diags);
    gate::check_url(config, &mut diags);
    let (source, pinned_arn) = task_definition::parse(config, &mut diags);
    let appspec = appspec::parse(config, &mut diags);
    let (gate, gate_url) = gate::parse(config, &mut diags);
    let timing = timing::parse(config, &mut diags);
    task_definition::check_container(
        &source,
        appspec.container_name.as_deref(),
        appspec.container_port,
        &mut diags,
    );
    let parsed = Config {
        names,
        source,
        pinned_arn,
        appspec,
        hooks,
        gate,
        gate_url,
        timing,
    };
    (parsed, diags)
}
