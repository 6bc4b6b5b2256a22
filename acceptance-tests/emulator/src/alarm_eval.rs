//! CloudWatch metric alarm evaluation as a pure function of the alarm, the metrics and the time.

use std::time::{Duration, SystemTime};

use crate::dataplane::Metrics;

/// What PutMetricAlarm defines.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmDefinition {
    /// Name.
    pub alarm_name: String,
    /// Metric namespace.
    pub namespace: String,
    /// Metric name.
    pub metric_name: String,
    /// Metric dimensions.
    pub dimensions: Vec<(String, String)>,
    /// SampleCount, Average, Sum, Minimum or Maximum.
    pub statistic: String,
    /// Period in (emulated) seconds.
    pub period_seconds: u32,
    /// How many periods are evaluated.
    pub evaluation_periods: u32,
    /// How many of them must breach (default: all).
    pub datapoints_to_alarm: Option<u32>,
    /// The threshold.
    pub threshold: f64,
    /// GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold.
    pub comparison_operator: String,
    /// missing (default), ignore, breaching, notBreaching.
    pub treat_missing_data: Option<String>,
}

/// An alarm state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmState {
    /// Within the threshold.
    Ok,
    /// Breaching.
    Alarm,
    /// Not enough data.
    InsufficientData,
}

impl AlarmState {
    /// CloudWatch's word.
    pub fn as_str(&self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }

    /// Parses CloudWatch's word.
    pub fn parse(word: &str) -> Option<AlarmState> {
        match word {
            "OK" => Some(AlarmState::Ok),
            "ALARM" => Some(AlarmState::Alarm),
            "INSUFFICIENT_DATA" => Some(AlarmState::InsufficientData),
            _ => None,
        }
    }
}

/// The result of one evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The state the alarm should be in.
    pub state: AlarmState,
    /// CloudWatch-style reason.
    pub reason: String,
}

fn compare(op: &str, value: f64, threshold: f64) -> bool {
    match op {
        "GreaterThanOrEqualToThreshold" => value >= threshold,
        "GreaterThanThreshold" => value > threshold,
        "LessThanThreshold" => value < threshold,
        "LessThanOrEqualToThreshold" => value <= threshold,
        _ => false,
    }
}

fn words(op: &str) -> &'static str {
    match op {
        "GreaterThanOrEqualToThreshold" => "greater than or equal to",
        "GreaterThanThreshold" => "greater than",
        "LessThanThreshold" => "less than",
        "LessThanOrEqualToThreshold" => "less than or equal to",
        _ => "compared with",
    }
}

/// Evaluates the last `evaluation_periods` periods ending at `now`. `time_scale` = emulated seconds per real
/// second, so a 60 s period at scale 60 covers one real second.
pub fn evaluate(
    def: &AlarmDefinition,
    previous: AlarmState,
    metrics: &Metrics,
    now: SystemTime,
    time_scale: f64,
) -> Evaluation {
    let period =
        Duration::from_secs_f64(f64::from(def.period_seconds.max(1)) / time_scale.max(1e-6));
    let mut breaching = 0u32;
    let mut present = 0u32;
    let mut shown = Vec::new();
    for i in 0..def.evaluation_periods.max(1) {
        let to = now - period * i;
        let from = to - period;
        let stats = metrics.statistics(&def.namespace, &def.metric_name, &def.dimensions, from, to);
        let value = if stats.sample_count == 0.0 {
            None
        } else {
            Some(match def.statistic.as_str() {
                "SampleCount" => stats.sample_count,
                "Average" => stats.sum / stats.sample_count,
                "Minimum" => stats.minimum.unwrap_or(0.0),
                "Maximum" => stats.maximum.unwrap_or(0.0),
                _ => stats.sum,
            })
        };
        let breach = match (value, def.treat_missing_data.as_deref()) {
            (Some(v), _) => {
                present += 1;
                shown.push(format!("{v:.1}"));
                compare(&def.comparison_operator, v, def.threshold)
            }
            (None, Some("breaching")) => {
                present += 1;
                true
            }
            (None, Some("notBreaching")) => {
                present += 1;
                false
            }
            (None, _) => false,
        };
        if breach {
            breaching += 1;
        }
    }
    let needed = def
        .datapoints_to_alarm
        .unwrap_or(def.evaluation_periods)
        .max(1);
    if present == 0 {
        let state = match def.treat_missing_data.as_deref() {
            Some("ignore") | None | Some("missing") => previous,
            _ => AlarmState::InsufficientData,
        };
        return Evaluation {
            state,
            reason: "Insufficient Data: no datapoints were received for the evaluated periods."
                .into(),
        };
    }
    if breaching >= needed {
        Evaluation {
            state: AlarmState::Alarm,
            reason: format!(
                "Threshold Crossed: {breaching} out of the last {} datapoints [{}] was {} the threshold ({:.1}).",
                def.evaluation_periods.max(1),
                shown.join(", "),
                words(&def.comparison_operator),
                def.threshold
            ),
        }
    } else {
        Evaluation {
            state: AlarmState::Ok,
            reason: format!(
                "Threshold Crossed: {breaching} out of the last {} datapoints [{}] was {} the threshold ({:.1}) (minimum {needed} datapoints for OK -> ALARM transition).",
                def.evaluation_periods.max(1),
                shown.join(", "),
                words(&def.comparison_operator),
                def.threshold
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(op: &str, threshold: f64) -> AlarmDefinition {
        AlarmDefinition {
            alarm_name: "web-404s".into(),
            namespace: "AWS/ApplicationELB".into(),
            metric_name: "HTTPCode_Target_4XX_Count".into(),
            dimensions: vec![("LoadBalancer".into(), "app/web/1".into())],
            statistic: "Sum".into(),
            period_seconds: 60,
            evaluation_periods: 1,
            datapoints_to_alarm: None,
            threshold,
            comparison_operator: op.into(),
            treat_missing_data: None,
        }
    }

    fn with_points(n: usize) -> Metrics {
        let m = Metrics::default();
        for _ in 0..n {
            m.put(
                "AWS/ApplicationELB",
                "HTTPCode_Target_4XX_Count",
                &[("LoadBalancer".into(), "app/web/1".into())],
                1.0,
                SystemTime::now(),
            );
        }
        m
    }

    #[test]
    fn operators() {
        let now = SystemTime::now() + Duration::from_millis(1);
        let m = with_points(5);
        assert_eq!(
            evaluate(
                &def("GreaterThanOrEqualToThreshold", 5.0),
                AlarmState::Ok,
                &m,
                now,
                60.0
            )
            .state,
            AlarmState::Alarm
        );
        assert_eq!(
            evaluate(
                &def("GreaterThanThreshold", 5.0),
                AlarmState::Ok,
                &m,
                now,
                60.0
            )
            .state,
            AlarmState::Ok
        );
        assert_eq!(
            evaluate(
                &def("LessThanThreshold", 6.0),
                AlarmState::Ok,
                &m,
                now,
                60.0
            )
            .state,
            AlarmState::Alarm
        );
        assert_eq!(
            evaluate(
                &def("LessThanOrEqualToThreshold", 4.0),
                AlarmState::Ok,
                &m,
                now,
                60.0
            )
            .state,
            AlarmState::Ok
        );
        let reason = evaluate(
            &def("GreaterThanOrEqualToThreshold", 5.0),
            AlarmState::Ok,
            &m,
            now,
            60.0,
        )
        .reason;
        assert!(
            reason.contains("[5.0]")
                && reason.contains("greater than or equal to the threshold (5.0)"),
            "{reason}"
        );
    }

    #[test]
    fn missing_data_keeps_state_unless_told_otherwise() {
        let m = Metrics::default();
        let now = SystemTime::now();
        let mut d = def("GreaterThanOrEqualToThreshold", 5.0);
        assert_eq!(
            evaluate(&d, AlarmState::Alarm, &m, now, 60.0).state,
            AlarmState::Alarm
        );
        assert_eq!(
            evaluate(&d, AlarmState::InsufficientData, &m, now, 60.0).state,
            AlarmState::InsufficientData
        );
        d.treat_missing_data = Some("breaching".into());
        assert_eq!(
            evaluate(&d, AlarmState::Ok, &m, now, 60.0).state,
            AlarmState::Alarm
        );
        d.treat_missing_data = Some("notBreaching".into());
        assert_eq!(
            evaluate(&d, AlarmState::Alarm, &m, now, 60.0).state,
            AlarmState::Ok
        );
    }

    #[test]
    fn m_of_n() {
        let m = with_points(7);
        let now = SystemTime::now() + Duration::from_millis(1);
        let mut d = def("GreaterThanOrEqualToThreshold", 5.0);
        d.evaluation_periods = 3;
        d.treat_missing_data = Some("notBreaching".into());
        // Only the newest period holds data: 1 of 3 breaches.
        assert_eq!(
            evaluate(&d, AlarmState::Ok, &m, now, 60.0).state,
            AlarmState::Ok
        );
        d.datapoints_to_alarm = Some(1);
        assert_eq!(
            evaluate(&d, AlarmState::Ok, &m, now, 60.0).state,
            AlarmState::Alarm
        );
    }
}
