//! Fault injection: throttling, errors, latency and dropped connections, per service and operation, with a
//! deterministic random source so a seeded run repeats.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// One rule, as posted to `/_emulator/faults`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct FaultRule {
    /// `codedeploy`, `ecs`, `elbv2`, `cloudwatch` or `*`.
    pub service: String,
    /// Operation name or `*`.
    pub operation: String,
    /// What happens.
    pub kind: FaultKind,
    /// Apply to the next N matching calls only.
    #[serde(default)]
    pub count: Option<u32>,
    /// Apply with this probability (0..1).
    #[serde(default)]
    pub probability: Option<f64>,
}

/// What a fault does.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// Calls above this rate get the service's throttling error.
    Throttle {
        /// Allowed calls per second.
        per_second: f64,
    },
    /// A chosen error.
    Error {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: String,
        /// Message.
        message: String,
    },
    /// Added latency.
    Latency {
        /// Milliseconds.
        millis: u64,
    },
    /// The connection is closed without an answer.
    DropConnection,
}

/// What the router does with a call.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultDecision {
    /// Handle it.
    Proceed,
    /// Wait, then handle it.
    Delay(Duration),
    /// Answer with this error.
    Fail {
        /// HTTP status.
        status: u16,
        /// Error code (`Throttling` becomes the service's own throttling code).
        code: String,
        /// Message.
        message: String,
    },
    /// Close the connection.
    Drop,
}

struct Active {
    rule: FaultRule,
    remaining: Option<u32>,
    tokens: f64,
    refilled: Instant,
}

struct State {
    rules: Vec<Active>,
    rng: u64,
}

/// The fault registry; cheap to clone.
#[derive(Clone)]
pub struct Faults {
    state: Arc<Mutex<State>>,
}

impl Faults {
    /// No faults; `seed` makes probabilistic rules repeatable.
    pub fn new(seed: u64) -> Self {
        Faults {
            state: Arc::new(Mutex::new(State {
                rules: Vec::new(),
                rng: seed ^ 0x9E37_79B9_7F4A_7C15,
            })),
        }
    }

    /// Adds a rule.
    pub fn add(&self, rule: FaultRule) {
        let tokens = match rule.kind {
            FaultKind::Throttle { per_second } => per_second.max(0.0),
            _ => 0.0,
        };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.rules.push(Active {
            remaining: rule.count,
            rule,
            tokens,
            refilled: Instant::now(),
        });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .rules
            .clear();
    }

    /// The rules in force.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .rules
            .iter()
            .map(|a| a.rule.clone())
            .collect()
    }

    /// Decides the fate of one call.
    pub fn decide(&self, service: &str, operation: &str, throttling_code: &str) -> FaultDecision {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut delay = Duration::ZERO;
        let mut decision = None;
        let State { rules, rng } = &mut *state;
        for active in rules.iter_mut() {
            let r = &active.rule;
            if !(r.service == "*" || r.service == service)
                || !(r.operation == "*" || r.operation == operation)
            {
                continue;
            }
            if active.remaining == Some(0) {
                continue;
            }
            if let Some(p) = r.probability {
                *rng = splitmix64(*rng);
                if (*rng >> 11) as f64 / (1u64 << 53) as f64 >= p {
                    continue;
                }
            }
            let outcome = match &r.kind {
                FaultKind::Throttle { per_second } => {
                    let now = Instant::now();
                    let burst = per_second.max(1.0);
                    active.tokens = (active.tokens
                        + now.duration_since(active.refilled).as_secs_f64() * per_second)
                        .min(burst);
                    active.refilled = now;
                    if active.tokens >= 1.0 {
                        active.tokens -= 1.0;
                        None
                    } else {
                        Some(FaultDecision::Fail {
                            status: 400,
                            code: throttling_code.to_string(),
                            message: "Rate exceeded".into(),
                        })
                    }
                }
                FaultKind::Error {
                    status,
                    code,
                    message,
                } => Some(FaultDecision::Fail {
                    status: *status,
                    code: code.clone(),
                    message: message.clone(),
                }),
                FaultKind::Latency { millis } => {
                    delay += Duration::from_millis(*millis);
                    None
                }
                FaultKind::DropConnection => Some(FaultDecision::Drop),
            };
            if let Some(n) = active.remaining.as_mut() {
                *n = n.saturating_sub(1);
            }
            if decision.is_none() {
                decision = outcome;
            }
        }
        rules.retain(|a| a.remaining != Some(0));
        match decision {
            Some(d) => d,
            None if delay > Duration::ZERO => FaultDecision::Delay(delay),
            None => FaultDecision::Proceed,
        }
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_limited_errors_then_proceed() {
        let f = Faults::new(1);
        f.add(FaultRule {
            service: "codedeploy".into(),
            operation: "GetDeployment".into(),
            kind: FaultKind::Error {
                status: 500,
                code: "InternalFailure".into(),
                message: "boom".into(),
            },
            count: Some(2),
            probability: None,
        });
        assert!(matches!(
            f.decide("codedeploy", "GetDeployment", "ThrottlingException"),
            FaultDecision::Fail { status: 500, .. }
        ));
        assert_eq!(
            f.decide("ecs", "GetDeployment", "ThrottlingException"),
            FaultDecision::Proceed
        );
        assert!(matches!(
            f.decide("codedeploy", "GetDeployment", "ThrottlingException"),
            FaultDecision::Fail { .. }
        ));
        assert_eq!(
            f.decide("codedeploy", "GetDeployment", "ThrottlingException"),
            FaultDecision::Proceed
        );
        assert!(f.rules().is_empty());
    }

    #[test]
    fn throttle_allows_the_rate_then_refuses_with_the_service_code() {
        let f = Faults::new(1);
        f.add(FaultRule {
            service: "*".into(),
            operation: "*".into(),
            kind: FaultKind::Throttle { per_second: 2.0 },
            count: None,
            probability: None,
        });
        let results: Vec<FaultDecision> = (0..4)
            .map(|_| f.decide("codedeploy", "GetDeployment", "ThrottlingException"))
            .collect();
        assert_eq!(results[0], FaultDecision::Proceed);
        assert_eq!(results[1], FaultDecision::Proceed);
        assert!(
            matches!(&results[2], FaultDecision::Fail { code, .. } if code == "ThrottlingException")
        );
    }

    #[test]
    fn probability_is_deterministic_per_seed() {
        let run = |seed| {
            let f = Faults::new(seed);
            f.add(FaultRule {
                service: "*".into(),
                operation: "*".into(),
                kind: FaultKind::DropConnection,
                count: None,
                probability: Some(0.5),
            });
            (0..32)
                .map(|_| f.decide("ecs", "X", "T") == FaultDecision::Drop)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        let drops = run(7).iter().filter(|d| **d).count();
        assert!(drops > 4 && drops < 28, "{drops}");
    }
}
