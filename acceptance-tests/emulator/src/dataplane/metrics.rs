//! The metrics listeners record, as CloudWatch's AWS/ApplicationELB namespace would hold them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Datapoints older than this are dropped.
const RETENTION: Duration = Duration::from_secs(2 * 3600);

#[derive(Clone, Debug)]
struct Datapoint {
    at: SystemTime,
    namespace: String,
    name: String,
    dimensions: Vec<(String, String)>,
    value: f64,
}

/// Shared, cheap to clone.
#[derive(Clone, Default)]
pub struct Metrics {
    points: Arc<Mutex<Vec<Datapoint>>>,
}

/// Statistics over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Statistics {
    /// Number of datapoints.
    pub sample_count: f64,
    /// Their sum.
    pub sum: f64,
    /// Smallest value.
    pub minimum: Option<f64>,
    /// Largest value.
    pub maximum: Option<f64>,
}

fn sorted(dimensions: &[(String, String)]) -> Vec<(String, String)> {
    let mut d = dimensions.to_vec();
    d.sort();
    d
}

impl Metrics {
    /// Records one datapoint.
    pub fn put(
        &self,
        namespace: &str,
        name: &str,
        dimensions: &[(String, String)],
        value: f64,
        at: SystemTime,
    ) {
        let mut points = self.points.lock().unwrap_or_else(|p| p.into_inner());
        if points.len() % 1024 == 0 {
            let horizon = SystemTime::now() - RETENTION;
            points.retain(|p| p.at >= horizon);
        }
        points.push(Datapoint {
            at,
            namespace: namespace.to_string(),
            name: name.to_string(),
            dimensions: sorted(dimensions),
            value,
        });
    }

    /// Statistics of one metric with exactly these dimensions in `[from, to)`.
    pub fn statistics(
        &self,
        namespace: &str,
        name: &str,
        dimensions: &[(String, String)],
        from: SystemTime,
        to: SystemTime,
    ) -> Statistics {
        let wanted = sorted(dimensions);
        let points = self.points.lock().unwrap_or_else(|p| p.into_inner());
        let mut stats = Statistics::default();
        for p in points.iter().filter(|p| {
            p.at >= from
                && p.at < to
                && p.name == name
                && p.namespace == namespace
                && p.dimensions == wanted
        }) {
            stats.sample_count += 1.0;
            stats.sum += p.value;
            stats.minimum = Some(stats.minimum.map_or(p.value, |m| m.min(p.value)));
            stats.maximum = Some(stats.maximum.map_or(p.value, |m| m.max(p.value)));
        }
        stats
    }
}
