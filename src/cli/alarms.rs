//! The alarms a watched deployment is judged by, read from CloudWatch at every look, so a person sees an
//! alarm enter ALARM before CodeDeploy (or the provider) acts on it.

use std::collections::BTreeSet;

use crate::aws::{Aws, DeploymentView, Purpose};

/// Which alarms to look at and which were firing at the last look.
#[derive(Debug, Default)]
pub struct AlarmWatch {
    names: Option<Vec<String>>,
    firing: BTreeSet<String>,
}

impl AlarmWatch {
    /// What changed since the last look, as lines: alarms that entered ALARM (with CloudWatch's reason)
    /// and alarms that left it. The names come from the deployment's override, else its group, read once.
    pub async fn look(&mut self, aws: &Aws, view: &DeploymentView) -> Vec<String> {
        if self.names.is_none() {
            self.names = Some(match &view.alarms {
                Some(names) => names.clone(),
                None => match (&view.application, &view.group) {
                    (Some(app), Some(group)) => aws
                        .deployment_group(app, group, Purpose::Refresh)
                        .await
                        .map(|g| g.alarms)
                        .unwrap_or_default(),
                    _ => Vec::new(),
                },
            });
        }
        let names = self.names.clone().unwrap_or_default();
        if names.is_empty() {
            return Vec::new();
        }
        let now = aws.alarms_in_alarm(&names).await;
        let mut lines = Vec::new();
        let mut firing = BTreeSet::new();
        for alarm in now {
            if !self.firing.contains(&alarm.name) {
                lines.push(format!(
                    "alarm {} is in ALARM: {}",
                    alarm.name, alarm.reason
                ));
            }
            firing.insert(alarm.name);
        }
        for name in self.firing.difference(&firing) {
            lines.push(format!("alarm {name} is no longer in ALARM"));
        }
        self.firing = firing;
        lines
    }
}
