//! Paces CodeDeploy calls across every rollout of a provider process.
//!
//! CodeDeploy's request rates are undocumented and low. Fifty rollouts that each create, continue and watch
//! a deployment would, left alone, send their calls in bursts, get throttled, and back off one by one with
//! the SDK's exponential retries, so the slowest rollout waits many seconds for a retry slot. Instead every
//! call a rollout makes to CodeDeploy first takes a turn here (plan-time reads, already batched, do not): a token bucket, first come first served, whose rate starts
//! at ten calls a second and adapts as TCP does — halved (at most twice a second, and the saved-up
//! burst is dropped) when CodeDeploy throttles, raised a
//! little with each call that is not.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The starting rate: ten times what one rollout needs, so only crowds are paced, and low enough that fifty
/// rollouts starting together do not set off a storm of throttling and retries.
const START_RATE: f64 = 10.0;
/// Never slower than this.
const MIN_RATE: f64 = 1.0;
/// Never faster than this.
const MAX_RATE: f64 = 100.0;
/// Calls that may go at once after a quiet spell.
const BURST: f64 = 10.0;
/// Added to the rate per call that was not throttled.
const INCREASE: f64 = 0.2;
/// Multiplied into the rate on throttling.
const DECREASE: f64 = 0.5;
/// At most one decrease per this long (one throttled burst is one signal, not fifty).
const DECREASE_EVERY: Duration = Duration::from_millis(500);

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

struct Rate {
    per_second: f64,
    decreased: Option<Instant>,
}

/// A shared, adaptive pace for one AWS service's calls.
#[derive(Clone)]
pub struct Pacer {
    bucket: Arc<tokio::sync::Mutex<Bucket>>,
    rate: Arc<Mutex<Rate>>,
    /// Set on throttling: the next turn empties the bucket (no burst into a throttled service).
    drain: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer")
            .field("per_second", &self.per_second())
            .finish()
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer {
            bucket: Arc::new(tokio::sync::Mutex::new(Bucket {
                tokens: BURST,
                refilled: Instant::now(),
            })),
            rate: Arc::new(Mutex::new(Rate {
                per_second: START_RATE,
                decreased: None,
            })),
            drain: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }
}

impl Pacer {
    /// Waits for this call's turn. Callers are served in the order they asked (tokio's mutex is fair).
    pub async fn turn(&self) {
        let mut bucket = self.bucket.lock().await;
        if self.drain.swap(false, std::sync::atomic::Ordering::Relaxed) {
            bucket.tokens = bucket.tokens.min(0.0);
            bucket.refilled = Instant::now();
        }
        loop {
            let rate = self.per_second();
            let now = Instant::now();
            bucket.tokens = (bucket.tokens
                + now.duration_since(bucket.refilled).as_secs_f64() * rate)
                .min(BURST.max(1.0));
            bucket.refilled = now;
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                return;
            }
            let wait = (1.0 - bucket.tokens) / rate;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
    }

    /// The current rate, calls per second.
    pub fn per_second(&self) -> f64 {
        self.rate
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .per_second
    }

    /// The service throttled a call: slow down (once per second at most).
    pub fn throttled(&self) {
        self.drain.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut rate = self.rate.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if rate
            .decreased
            .is_none_or(|at| now.duration_since(at) >= DECREASE_EVERY)
        {
            rate.per_second = (rate.per_second * DECREASE).max(MIN_RATE);
            rate.decreased = Some(now);
            tracing::debug!(per_second = rate.per_second, "throttled: slowing down");
        }
    }

    /// A call went through: speed up a little.
    pub fn succeeded(&self) {
        let mut rate = self.rate.lock().unwrap_or_else(|p| p.into_inner());
        rate.per_second = (rate.per_second + INCREASE).min(MAX_RATE);
    }

    /// An interceptor that tells this pacer about every attempt's answer (the SDK's own retries included).
    pub fn interceptor(&self) -> ThrottleWatch {
        ThrottleWatch(self.clone())
    }
}

/// Reports throttled and successful attempts to a [`Pacer`].
#[derive(Clone, Debug)]
pub struct ThrottleWatch(Pacer);

impl Intercept for ThrottleWatch {
    fn name(&self) -> &'static str {
        "ecsbg.ThrottleWatch"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let status = response.status().as_u16();
        let throttled = status == 429
            || (status == 400
                && (response
                    .headers()
                    .get("x-amzn-errortype")
                    .is_some_and(|t| t.contains("Throttl"))
                    || response
                        .body()
                        .bytes()
                        .is_some_and(|b| contains(b, b"Throttl"))));
        if throttled {
            self.0.throttled();
        } else if status < 400 {
            self.0.succeeded();
        }
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn throttling_halves_the_rate_once_per_second_and_successes_raise_it() {
        let pacer = Pacer::default();
        pacer.throttled();
        pacer.throttled();
        assert_eq!(pacer.per_second(), START_RATE * DECREASE);
        pacer.succeeded();
        assert!((pacer.per_second() - (START_RATE * DECREASE + INCREASE)).abs() < 1e-9);
    }

    #[tokio::test(start_paused = true)]
    async fn calls_beyond_the_burst_wait_for_their_turn() {
        let pacer = Pacer::default();
        for _ in 0..3 {
            pacer.throttled();
            tokio::time::advance(DECREASE_EVERY).await;
        }
        let rate = pacer.per_second();
        let started = tokio::time::Instant::now();
        for _ in 0..(BURST as usize + 10) {
            pacer.turn().await;
        }
        let waited = started.elapsed().as_secs_f64();
        // Throttling drained the saved-up burst: every call waits its turn at the lowered rate.
        let expected = (BURST + 10.0) / rate;
        assert!(
            (waited - expected).abs() < 0.05,
            "waited {waited} s at {rate}/s, expected {expected}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_unthrottled_pacer_lets_a_burst_through_at_once() {
        let pacer = Pacer::default();
        let started = tokio::time::Instant::now();
        for _ in 0..(BURST as usize) {
            pacer.turn().await;
        }
        assert!(started.elapsed() < Duration::from_millis(1));
    }
}
