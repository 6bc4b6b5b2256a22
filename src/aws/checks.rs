//! The reads behind plan-time and pre-flight checks: alarm states (batched), whether hook functions and
//! deployment configs exist (cached: neither changes under a running provider in a way that matters), and
//! where the production listener forwards and how healthy production's targets are.

use super::client::Aws;
use super::error::AwsError;
use super::readers::AlarmState;
use super::sdk::Service;

/// An alarm found in ALARM, with CloudWatch's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiringAlarm {
    /// The alarm's name.
    pub name: String,
    /// Why CloudWatch says it is in ALARM.
    pub reason: String,
}

impl Aws {
    /// One alarm's state; None when CloudWatch has no metric alarm of that name.
    pub async fn alarm(&self, name: &str) -> Result<Option<AlarmState>, AwsError> {
        self.readers.alarm(&self.reads, name).await
    }

    /// The named alarms that are in ALARM now, in the order named. Alarms that cannot be read count as not
    /// firing: CodeDeploy itself stops a deployment whose alarm fires. The reads are made together, so the
    /// batching reader asks CloudWatch once (up to 100 names a call) rather than once per alarm.
    pub async fn alarms_in_alarm(&self, names: &[String]) -> Vec<FiringAlarm> {
        let mut reads = tokio::task::JoinSet::new();
        for (i, name) in names.iter().enumerate() {
            let (aws, name) = (self.clone(), name.clone());
            reads.spawn(async move {
                let state = aws.alarm(&name).await;
                (i, name, state)
            });
        }
        let mut firing = Vec::new();
        while let Some(read) = reads.join_next().await {
            if let Ok((i, name, Ok(Some(state)))) = read {
                if state.firing() {
                    firing.push((
                        i,
                        FiringAlarm {
                            name,
                            reason: state.reason,
                        },
                    ));
                }
            }
        }
        firing.sort_by_key(|(i, _)| *i);
        firing.into_iter().map(|(_, alarm)| alarm).collect()
    }

    /// Whether a Lambda function (name, name:qualifier or ARN) exists. Found functions are remembered, so a
    /// plan of many resources naming one function asks once.
    pub async fn function_exists(&self, function: &str) -> Result<bool, AwsError> {
        if self.cache().functions.contains(function) {
            return Ok(true);
        }
        match self
            .reads
            .lambda
            .get_function()
            .function_name(function)
            .send()
            .await
        {
            Ok(_) => {
                self.cache().functions.insert(function.to_string());
                Ok(true)
            }
            Err(err) => {
                let err = self.reads.error(Service::Lambda, "GetFunction", err);
                if err.is_not_found() {
                    Ok(false)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// A deployment config's compute platform (`ECS`, `Server`, `Lambda`; empty when unsaid); None when
    /// CodeDeploy has no config of that name. Configs cannot change, only be deleted: kept once read.
    pub async fn deployment_config_platform(&self, name: &str) -> Result<Option<String>, AwsError> {
        if let Some(platform) = self.cache().configs.get(name) {
            return Ok(Some(platform.clone()));
        }
        let answer = self
            .reads
            .codedeploy
            .get_deployment_config()
            .deployment_config_name(name)
            .send()
            .await;
        match answer {
            Ok(out) => {
                let platform = out
                    .deployment_config_info()
                    .and_then(|i| i.compute_platform())
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default();
                self.cache()
                    .configs
                    .insert(name.to_string(), platform.clone());
                Ok(Some(platform))
            }
            Err(err) => {
                let err = self
                    .reads
                    .error(Service::CodeDeploy, "GetDeploymentConfig", err);
                if err.is_not_found() {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// The target groups a listener's default action forwards to, with their weights.
    pub async fn listener_forwarding(&self, arn: &str) -> Result<Vec<(String, i32)>, AwsError> {
        let listeners = self
            .reads
            .elbv2
            .describe_listeners()
            .listener_arns(arn)
            .send()
            .await
            .map_err(|e| self.reads.error(Service::Elbv2, "DescribeListeners", e))?;
        let action = listeners
            .listeners()
            .first()
            .and_then(|l| l.default_actions().first());
        Ok(action
            .and_then(|a| a.forward_config())
            .map(|f| {
                f.target_groups()
                    .iter()
                    .map(|t| {
                        (
                            t.target_group_arn().unwrap_or_default().to_string(),
                            t.weight().unwrap_or(1),
                        )
                    })
                    .collect()
            })
            .filter(|w: &Vec<(String, i32)>| !w.is_empty())
            .or_else(|| {
                action
                    .and_then(|a| a.target_group_arn())
                    .map(|t| vec![(t.to_string(), 1)])
            })
            .unwrap_or_default())
    }

    /// How many of a target group's targets are healthy.
    pub async fn healthy_targets(&self, target_group: &str) -> Result<usize, AwsError> {
        let health = self
            .reads
            .elbv2
            .describe_target_health()
            .target_group_arn(target_group)
            .send()
            .await
            .map_err(|e| self.reads.error(Service::Elbv2, "DescribeTargetHealth", e))?;
        Ok(health
            .target_health_descriptions()
            .iter()
            .filter(|t| {
                t.target_health()
                    .and_then(|h| h.state())
                    .map(|s| s.as_str())
                    == Some("healthy")
            })
            .count())
    }
}
