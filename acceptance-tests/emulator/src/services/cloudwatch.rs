//! Amazon CloudWatch: metric alarms evaluated against the metrics the listeners really record.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use super::params::{list, opt_bool, opt_num, opt_str, page, req_str, strings};
use crate::alarm_eval::{evaluate, AlarmDefinition, AlarmState};
use crate::clock::Clock;
use crate::emu::Emu;
use crate::protocol::{ApiError, Service};
use crate::world::{Alarm, ACCOUNT, REGION};

/// Dispatches one CloudWatch operation.
pub fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "PutMetricAlarm" => put_metric_alarm(emu, input),
        "DescribeAlarms" => describe_alarms(emu, input),
        "SetAlarmState" => set_alarm_state(emu, input),
        "DeleteAlarms" => delete_alarms(emu, input),
        "PutMetricData" => put_metric_data(emu, input),
        _ => Err(ApiError::unknown_operation(Service::CloudWatch, op)),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterValue", message)
}

fn dimensions(v: &Value) -> Vec<(String, String)> {
    list(v, "Dimensions")
        .iter()
        .filter_map(|d| {
            Some((
                opt_str(d, "Name")?.to_string(),
                opt_str(d, "Value")?.to_string(),
            ))
        })
        .collect()
}

fn put_metric_alarm(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "AlarmName", "MissingParameter")?;
    let operator = req_str(input, "ComparisonOperator", "MissingParameter")?;
    if ![
        "GreaterThanOrEqualToThreshold",
        "GreaterThanThreshold",
        "LessThanThreshold",
        "LessThanOrEqualToThreshold",
    ]
    .contains(&operator.as_str())
    {
        return Err(invalid(format!("Invalid ComparisonOperator {operator}")));
    }
    let period = opt_num(input, "Period").unwrap_or(60.0);
    if period < 10.0 {
        return Err(invalid("Period must be 10, 20, 30 or a multiple of 60"));
    }
    let definition = AlarmDefinition {
        alarm_name: name.clone(),
        namespace: req_str(input, "Namespace", "MissingParameter")?,
        metric_name: req_str(input, "MetricName", "MissingParameter")?,
        dimensions: dimensions(input),
        statistic: opt_str(input, "Statistic").unwrap_or("Sum").to_string(),
        period_seconds: period as u32,
        evaluation_periods: opt_num(input, "EvaluationPeriods").unwrap_or(1.0) as u32,
        datapoints_to_alarm: opt_num(input, "DatapointsToAlarm").map(|n| n as u32),
        threshold: opt_num(input, "Threshold").ok_or_else(|| invalid("Threshold is required"))?,
        comparison_operator: operator,
        treat_missing_data: opt_str(input, "TreatMissingData").map(str::to_string),
    };
    let now = Clock::now_epoch();
    let mut world = emu.world();
    let (state, reason, updated) = world
        .alarms
        .get(&name)
        .map(|a| (a.state, a.reason.clone(), a.updated))
        .unwrap_or((
            AlarmState::InsufficientData,
            "Unchecked: Initial alarm creation".to_string(),
            now,
        ));
    world.alarms.insert(
        name,
        Alarm {
            definition,
            state,
            reason,
            updated,
            configured: now,
            description: opt_str(input, "AlarmDescription").map(str::to_string),
            actions_enabled: opt_bool(input, "ActionsEnabled").unwrap_or(true),
        },
    );
    Ok(json!({}))
}

fn alarm_json(alarm: &Alarm) -> Value {
    let d = &alarm.definition;
    let mut v = json!({
        "AlarmName": d.alarm_name,
        "AlarmArn": format!("arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{}", d.alarm_name),
        "ActionsEnabled": alarm.actions_enabled,
        "OKActions": [],
        "AlarmActions": [],
        "InsufficientDataActions": [],
        "StateValue": alarm.state.as_str(),
        "StateReason": alarm.reason,
        "StateUpdatedTimestamp": alarm.updated,
        "StateTransitionedTimestamp": alarm.updated,
        "AlarmConfigurationUpdatedTimestamp": alarm.configured,
        "MetricName": d.metric_name,
        "Namespace": d.namespace,
        "Statistic": d.statistic,
        "Dimensions": d.dimensions.iter().map(|(n, v)| json!({"Name": n, "Value": v})).collect::<Vec<_>>(),
        "Period": d.period_seconds,
        "EvaluationPeriods": d.evaluation_periods,
        "Threshold": d.threshold,
        "ComparisonOperator": d.comparison_operator,
    });
    // Threshold is a double on the wire even when whole.
    v["Threshold"] = serde_json::Number::from_f64(d.threshold)
        .map(Value::Number)
        .unwrap_or(json!(0.0));
    if let Some(n) = d.datapoints_to_alarm {
        v["DatapointsToAlarm"] = json!(n);
    }
    if let Some(t) = &d.treat_missing_data {
        v["TreatMissingData"] = json!(t);
    }
    if let Some(desc) = &alarm.description {
        v["AlarmDescription"] = json!(desc);
    }
    v
}

fn describe_alarms(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let names = strings(input, "AlarmNames");
    let prefix = opt_str(input, "AlarmNamePrefix");
    let state = opt_str(input, "StateValue");
    let world = emu.world();
    let found: Vec<Value> = world
        .alarms
        .values()
        .filter(|a| names.is_empty() || names.contains(&a.definition.alarm_name))
        .filter(|a| prefix.is_none_or(|p| a.definition.alarm_name.starts_with(p)))
        .filter(|a| state.is_none_or(|s| a.state.as_str() == s))
        .map(alarm_json)
        .collect();
    let size = opt_num(input, "MaxRecords").unwrap_or(50.0) as usize;
    let (items, next) = page(&found, opt_str(input, "NextToken"), size);
    let mut out = json!({"MetricAlarms": items, "CompositeAlarms": []});
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

fn set_alarm_state(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "AlarmName", "MissingParameter")?;
    let state_word = req_str(input, "StateValue", "MissingParameter")?;
    let state = AlarmState::parse(&state_word)
        .ok_or_else(|| invalid(format!("Invalid StateValue {state_word}")))?;
    let reason = req_str(input, "StateReason", "MissingParameter")?;
    let mut world = emu.world();
    let alarm = world
        .alarms
        .get_mut(&name)
        .ok_or_else(|| alarm_not_found(&name))?;
    alarm.state = state;
    alarm.reason = reason;
    alarm.updated = Clock::now_epoch();
    emu.note(format!("alarm {name} {}", state.as_str()));
    Ok(json!({}))
}

fn delete_alarms(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let names = strings(input, "AlarmNames");
    let mut world = emu.world();
    if let Some(missing) = names.iter().find(|n| !world.alarms.contains_key(*n)) {
        return Err(alarm_not_found(missing));
    }
    for n in names {
        world.alarms.remove(&n);
    }
    Ok(json!({}))
}

fn put_metric_data(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let namespace = req_str(input, "Namespace", "MissingParameter")?;
    let metrics = emu.data().metrics();
    for datum in list(input, "MetricData") {
        let name = req_str(&datum, "MetricName", "MissingParameter")?;
        let value = opt_num(&datum, "Value").unwrap_or(0.0);
        let at = opt_num(&datum, "Timestamp")
            .map(|t| SystemTime::UNIX_EPOCH + Duration::from_secs_f64(t.max(0.0)))
            .unwrap_or_else(SystemTime::now);
        metrics.put(&namespace, &name, &dimensions(&datum), value, at);
    }
    Ok(json!({}))
}

/// Evaluates every alarm on CloudWatch's cadence, for as long as the emulator runs.
pub async fn evaluate_forever(emu: Emu) {
    let interval = emu
        .clock()
        .real(emu.inner.behaviour.alarm_evaluation_interval);
    loop {
        tokio::time::sleep(interval).await;
        let metrics = emu.data().metrics();
        let scale = emu.clock().scale;
        let mut world = emu.world();
        for alarm in world.alarms.values_mut() {
            let evaluation = evaluate(
                &alarm.definition,
                alarm.state,
                &metrics,
                SystemTime::now(),
                scale,
            );
            if evaluation.state != alarm.state {
                tracing::info!(alarm = %alarm.definition.alarm_name, from = alarm.state.as_str(), to = evaluation.state.as_str(), "alarm state changed");
                emu.note(format!(
                    "alarm {} {}",
                    alarm.definition.alarm_name,
                    evaluation.state.as_str()
                ));
                alarm.state = evaluation.state;
                alarm.reason = evaluation.reason;
                alarm.updated = Clock::now_epoch();
            }
        }
    }
}

/// CloudWatch's `ResourceNotFound` is HTTP 404 (botocore cloudwatch/2010-08-01 `ResourceNotFound.error`).
fn alarm_not_found(name: &str) -> ApiError {
    ApiError {
        status: 404,
        ..ApiError::client("ResourceNotFound", format!("Alarm {name} not found"))
    }
}
