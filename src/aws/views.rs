//! What the provider observes of CodeDeploy, as plain values: the engine decides on these, and tests can
//! build them by hand. Read from the SDK's shapes here, so nothing outside `aws/` touches them.

use aws_sdk_codedeploy::types::{DeploymentInfo, DeploymentTarget};

/// A deployment's status, as CodeDeploy names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Accepted, not started.
    Created,
    /// Waiting for another deployment.
    Queued,
    /// Running (also during the termination wait).
    InProgress,
    /// Not seen for ECS; handled as InProgress.
    Baking,
    /// Holding production traffic until ContinueDeployment.
    Ready,
    /// Done; production on green, blue gone.
    Succeeded,
    /// Failed (possibly rolled back).
    Failed,
    /// Stopped by a person, an alarm, a timeout (possibly rolled back).
    Stopped,
    /// A status this provider does not know.
    Other(String),
}

impl Status {
    /// From CodeDeploy's wire word.
    pub fn parse(word: &str) -> Status {
        match word {
            "Created" => Status::Created,
            "Queued" => Status::Queued,
            "InProgress" => Status::InProgress,
            "Baking" => Status::Baking,
            "Ready" => Status::Ready,
            "Succeeded" => Status::Succeeded,
            "Failed" => Status::Failed,
            "Stopped" => Status::Stopped,
            other => Status::Other(other.to_string()),
        }
    }

    /// True once nothing more will happen to this deployment.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed | Status::Stopped)
    }

    /// CodeDeploy's word.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Created => "Created",
            Status::Queued => "Queued",
            Status::InProgress => "InProgress",
            Status::Baking => "Baking",
            Status::Ready => "Ready",
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
            Status::Stopped => "Stopped",
            Status::Other(s) => s,
        }
    }
}

/// One deployment as the engine needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentView {
    /// `d-XXXXXXXXX`.
    pub id: String,
    /// Current status.
    pub status: Status,
    /// `errorInformation.code`, e.g. `ALARM_ACTIVE`.
    pub error_code: Option<String>,
    /// `errorInformation.message`.
    pub error_message: Option<String>,
    /// The rollback deployment this one triggered.
    pub rollback_deployment_id: Option<String>,
    /// CodeDeploy's words on the rollback.
    pub rollback_message: Option<String>,
    /// True for a deployment CodeDeploy created to roll another back.
    pub is_rollback: bool,
    /// Who created it (`user`, `codeDeployRollback`, …).
    pub creator: Option<String>,
    /// SHA-256 of the AppSpec content, when CodeDeploy reports it.
    pub appspec_sha256: Option<String>,
    /// The deployment's description: ours read `ecsbg_deployment APP:GROUP via terraform`.
    pub description: Option<String>,
    /// Its CodeDeploy application (the `watch` command names it in every line).
    pub application: Option<String>,
    /// Its deployment group.
    pub group: Option<String>,
    /// The alarms CodeDeploy watches for this deployment when it overrides the group's (ours always do);
    /// None when the group's own configuration applies.
    pub alarms: Option<Vec<String>>,
}

impl DeploymentView {
    /// Reads the SDK's DeploymentInfo.
    pub fn from_info(info: &DeploymentInfo) -> Option<DeploymentView> {
        let id = info.deployment_id()?.to_string();
        let rollback = info.rollback_info();
        Some(DeploymentView {
            id,
            status: Status::parse(info.status().map(|s| s.as_str()).unwrap_or("")),
            error_code: info
                .error_information()
                .and_then(|e| e.code())
                .map(|c| c.as_str().to_string()),
            error_message: info
                .error_information()
                .and_then(|e| e.message())
                .map(str::to_string),
            rollback_deployment_id: rollback
                .and_then(|r| r.rollback_deployment_id())
                .map(str::to_string),
            rollback_message: rollback
                .and_then(|r| r.rollback_message())
                .map(str::to_string),
            is_rollback: rollback
                .and_then(|r| r.rollback_triggering_deployment_id())
                .is_some(),
            creator: info.creator().map(|c| c.as_str().to_string()),
            appspec_sha256: info
                .revision()
                .and_then(|r| r.app_spec_content())
                .and_then(|c| c.sha256())
                .map(str::to_string),
            description: info.description().map(str::to_string),
            application: info.application_name().map(str::to_string),
            group: info.deployment_group_name().map(str::to_string),
            alarms: info.override_alarm_configuration().map(|c| {
                if c.enabled() {
                    c.alarms()
                        .iter()
                        .filter_map(|a| a.name().map(str::to_string))
                        .collect()
                } else {
                    Vec::new()
                }
            }),
        })
    }
}

/// One lifecycle event of the ECS target.
#[derive(Clone, Debug, PartialEq)]
pub struct LifecycleEventView {
    /// `BeforeInstall` … `AfterAllowTraffic`.
    pub name: String,
    /// Pending, InProgress, Succeeded, Failed, Skipped, Unknown.
    pub status: String,
    /// What CodeDeploy said when it failed.
    pub diagnostics: Option<String>,
    /// When it started, as epoch seconds (CodeDeploy's own clock): how a timeline is rebuilt when polls
    /// missed the transition.
    pub start: Option<f64>,
    /// When it ended, as epoch seconds.
    pub end: Option<f64>,
}

/// The ECS target of a deployment: its lifecycle and where traffic is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetView {
    /// Lifecycle events in order.
    pub events: Vec<LifecycleEventView>,
    /// Percentage of production traffic on the green (replacement) task set, when reported.
    pub green_weight: Option<f64>,
    /// The green task set's id (`ecs-svc/…`), once CodeDeploy has created it in Install: its tasks carry
    /// it as `startedBy`, which is how the tasks ECS stopped in green are told from blue's.
    pub green_task_set: Option<String>,
    /// When CodeDeploy last changed the target (`lastUpdatedAt`, epoch seconds): the moment events that
    /// never ran were marked Skipped, which carry no times of their own.
    pub updated: Option<f64>,
}

impl TargetView {
    /// Reads the SDK's DeploymentTarget.
    pub fn from_target(target: &DeploymentTarget) -> TargetView {
        let Some(ecs) = target.ecs_target() else {
            return TargetView::default();
        };
        let events = ecs
            .lifecycle_events()
            .iter()
            .map(|e| LifecycleEventView {
                name: e.lifecycle_event_name().unwrap_or("?").to_string(),
                status: e
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                diagnostics: e.diagnostics().map(|d| {
                    [
                        d.error_code().map(|c| c.as_str().to_string()),
                        d.message().map(str::to_string),
                        d.log_tail().map(str::to_string),
                    ]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(": ")
                }),
                start: e.start_time().map(|t| t.as_secs_f64()),
                end: e.end_time().map(|t| t.as_secs_f64()),
            })
            .collect();
        let green = ecs
            .task_sets_info()
            .iter()
            .find(|t| t.task_set_label().map(|l| l.as_str()) == Some("Green"));
        TargetView {
            events,
            green_weight: green.map(|t| t.traffic_weight()),
            // Sic: the SDK's member is `identifer`, as CodeDeploy's model spells it.
            green_task_set: green.and_then(|t| t.identifer()).map(str::to_string),
            updated: ecs.last_updated_at().map(|t| t.as_secs_f64()),
        }
    }

    /// The status of one lifecycle event.
    pub fn event_status(&self, name: &str) -> Option<&str> {
        self.events
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.status.as_str())
    }

    /// The first failed lifecycle event, for the failure account.
    pub fn failed_event(&self) -> Option<&LifecycleEventView> {
        self.events.iter().find(|e| e.status == "Failed")
    }

    /// True once production traffic has fully moved to green.
    pub fn traffic_shifted(&self) -> bool {
        self.event_status("AllowTraffic") == Some("Succeeded")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_statuses() {
        for s in ["Succeeded", "Failed", "Stopped"] {
            assert!(Status::parse(s).is_terminal(), "{s}");
        }
        for s in [
            "Created",
            "Queued",
            "InProgress",
            "Ready",
            "Baking",
            "Weird",
        ] {
            assert!(!Status::parse(s).is_terminal(), "{s}");
        }
        assert_eq!(Status::parse("Weird").as_str(), "Weird");
    }

    #[test]
    fn traffic_shift_and_failure_come_from_lifecycle_events() {
        let view = TargetView {
            events: vec![
                LifecycleEventView {
                    name: "Install".into(),
                    status: "Succeeded".into(),
                    diagnostics: None,
                    start: None,
                    end: None,
                },
                LifecycleEventView {
                    name: "AllowTraffic".into(),
                    status: "Failed".into(),
                    diagnostics: Some("ALARM_ACTIVE: web-404s".into()),
                    start: None,
                    end: None,
                },
            ],
            green_weight: Some(10.0),
            green_task_set: None,
            updated: None,
        };
        assert!(!view.traffic_shifted());
        assert_eq!(
            view.failed_event().map(|e| e.name.as_str()),
            Some("AllowTraffic")
        );
    }
}

/// What a deployment group says, resolved through ECS and ELB.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupInfo {
    /// ECS cluster.
    pub cluster: String,
    /// ECS service.
    pub service: String,
    /// Production listener ARN.
    pub prod_listener: String,
    /// True when the group holds production traffic for tests (`STOP_DEPLOYMENT`).
    pub holds_traffic: bool,
    /// The group's alarms.
    pub alarms: Vec<String>,
    /// The test listener's base URL.
    pub test_url: Option<String>,
    /// The service's load balancer container.
    pub container_name: Option<String>,
    /// Its port.
    pub container_port: Option<i64>,
    /// The task definition of the PRIMARY task set: what serves production.
    pub live_task_definition: Option<String>,
    /// The PRIMARY task set's target group.
    pub live_target_group: Option<String>,
}
