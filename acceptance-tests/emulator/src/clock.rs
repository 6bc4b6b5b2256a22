//! Emulated time: CodeDeploy minutes pass in real seconds when the scale says so.
//!
//! Timestamps in API answers are real wall-clock times; only durations (waits, canary intervals, alarm
//! periods, poll intervals) are scaled.

use std::time::Duration;

/// Converts emulated durations into real ones.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Emulated seconds per real second (1 = real time, 60 = a minute per second).
    pub scale: f64,
}

impl Clock {
    /// A clock running `scale` times faster than real time.
    pub fn new(scale: f64) -> Self {
        Clock {
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
        }
    }

    /// The real duration of an emulated one.
    pub fn real(&self, emulated: Duration) -> Duration {
        Duration::from_secs_f64(emulated.as_secs_f64() / self.scale)
    }

    /// Sleeps for an emulated duration.
    pub async fn sleep(&self, emulated: Duration) {
        tokio::time::sleep(self.real(emulated)).await;
    }

    /// Now, as epoch seconds (fractional), the form JSON timestamps take.
    pub fn now_epoch() -> f64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        (now.as_secs_f64() * 1000.0).round() / 1000.0
    }
}
