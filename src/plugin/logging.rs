//! Logs as Terraform wants them: one hclog JSON object per line on stderr.
//!
//! go-plugin reads the provider's stderr and re-emits every line that parses as hclog JSON at that line's own
//! level, so `TF_LOG=debug` or `TF_LOG_PROVIDER=info` show our `tracing` events with the right level and
//! their fields as key/value pairs. The filter follows the same variables, so a quiet Terraform costs us nothing.

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The `@module` Terraform shows in front of our lines.
const MODULE: &str = "provider.terraform-provider-ecsbg";

/// Installs the hclog JSON writer as the global subscriber; the level comes from Terraform's own variables.
pub fn init() {
    let level = level_from_env(|name| std::env::var(name).ok());
    // A second init (tests running several servers in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(HclogLayer.with_filter(level))
        .try_init();
}

/// `TF_LOG_PROVIDER` wins over `TF_LOG`, as in Terraform; unset means warnings and errors only.
pub fn level_from_env(get: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let raw = get("TF_LOG_PROVIDER")
        .filter(|v| !v.is_empty())
        .or_else(|| get("TF_LOG").filter(|v| !v.is_empty()));
    match raw.map(|v| v.to_ascii_lowercase()).as_deref() {
        Some("trace") | Some("json") => LevelFilter::TRACE,
        Some("debug") => LevelFilter::DEBUG,
        Some("info") => LevelFilter::INFO,
        Some("warn") => LevelFilter::WARN,
        Some("error") => LevelFilter::ERROR,
        Some("off") => LevelFilter::OFF,
        _ => LevelFilter::WARN,
    }
}

/// Formats each event as one hclog JSON line.
struct HclogLayer;

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = format_event(event);
        // stderr is unbuffered; one write per line keeps lines whole when tasks log concurrently.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// Renders one event; public to the crate so the format can be tested without a subscriber.
fn format_event(event: &Event<'_>) -> String {
    let mut fields = JsonFields::default();
    event.record(&mut fields);
    let mut object = serde_json::Map::new();
    object.insert(
        "@level".into(),
        hclog_level(event.metadata().level()).into(),
    );
    object.insert("@message".into(), fields.message.unwrap_or_default().into());
    object.insert("@module".into(), MODULE.into());
    object.insert(
        "@timestamp".into(),
        hclog_timestamp(chrono::Utc::now()).into(),
    );
    for (key, value) in fields.pairs {
        object.insert(key, value);
    }
    let mut line = serde_json::Value::Object(object).to_string();
    line.push('\n');
    line
}

/// hclog's level words.
fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// go-plugin parses `@timestamp` with Go's layout `2006-01-02T15:04:05.000000Z07:00`; any other shape makes it
/// drop our JSON and print the raw line.
fn hclog_timestamp(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[derive(Default)]
struct JsonFields {
    message: Option<String>,
    pairs: Vec<(String, serde_json::Value)>,
}

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.put(field, text.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
}

impl JsonFields {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.pairs.push((field.name().to_string(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_variable_wins_over_global() {
        let env = |name: &str| match name {
            "TF_LOG" => Some("ERROR".to_string()),
            "TF_LOG_PROVIDER" => Some("debug".to_string()),
            _ => None,
        };
        assert_eq!(level_from_env(env), LevelFilter::DEBUG);
        assert_eq!(level_from_env(|_| None), LevelFilter::WARN);
        assert_eq!(
            level_from_env(|n| (n == "TF_LOG").then(|| "JSON".into())),
            LevelFilter::TRACE
        );
    }

    #[test]
    fn timestamp_matches_go_layout() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-24T21:40:00.5Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("valid time");
        assert_eq!(hclog_timestamp(t), "2026-11-24T21:40:00.500000Z");
    }

    #[test]
    fn event_renders_as_hclog_json() {
        use std::sync::{Arc, Mutex};
        struct Capture(Arc<Mutex<Vec<String>>>);
        impl<S: Subscriber> Layer<S> for Capture {
            fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
                self.0.lock().expect("lock").push(format_event(event));
            }
        }
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(
                deployment_id = "d-ABCDEFGHI",
                weight = 10,
                "traffic shifted"
            );
        });
        let lines = lines.lock().expect("lock");
        let parsed: serde_json::Value = serde_json::from_str(&lines[0]).expect("json line");
        assert_eq!(parsed["@level"], "info");
        assert_eq!(parsed["@message"], "traffic shifted");
        assert_eq!(parsed["@module"], MODULE);
        assert_eq!(parsed["deployment_id"], "d-ABCDEFGHI");
        assert_eq!(parsed["weight"], 10);
        assert!(lines[0].ends_with('\n') && !lines[0].trim_end().contains('\n'));
    }
}
