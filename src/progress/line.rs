//! One progress line: `<UTC time> <application>:<group> <deployment id or -> [<kind>] <what>`. Plain text
//! a person reads in `tail -f` and `grep` picks apart (`grep '\[gate\]'`); the `watch` command reads gate
//! lines back from a progress file with [`parse`].

use crate::rollout::{EntryKind, ProgressEvent};

/// The line for `event` (no newline).
pub fn format(event: &ProgressEvent) -> String {
    format!(
        "{} {}:{} {} [{}] {}",
        utc(event.at_epoch),
        event.application,
        event.group,
        event.deployment_id.as_deref().unwrap_or("-"),
        event.kind.word(),
        event.what.replace('\n', " ")
    )
}

/// A progress line read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// The time as written.
    pub time: String,
    /// `application:group`.
    pub group: String,
    /// The deployment id, when the line names one.
    pub deployment_id: Option<String>,
    /// The kind.
    pub kind: EntryKind,
    /// The words.
    pub what: String,
}

/// Reads a line written by [`format`]; None for anything else.
pub fn parse(line: &str) -> Option<Parsed> {
    let mut parts = line.splitn(5, ' ');
    let time = parts.next()?.to_string();
    let group = parts.next()?.to_string();
    let id = parts.next()?;
    let kind = parts.next()?.strip_prefix('[')?.strip_suffix(']')?;
    Some(Parsed {
        time,
        group,
        deployment_id: (id != "-").then(|| id.to_string()),
        kind: EntryKind::from_word(kind)?,
        what: parts.next().unwrap_or_default().to_string(),
    })
}

/// Epoch seconds as `2026-11-28T06:30:01.2Z` (tenths: enough to order lines, short enough to read).
pub fn utc(epoch: f64) -> String {
    let tenths = (epoch.max(0.0) * 10.0).round() as i64;
    let secs = tenths.div_euclid(10);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        tenths.rem_euclid(10)
    )
}

/// Reads a time written by [`utc`] back to epoch seconds.
pub fn parse_utc(text: &str) -> Option<f64> {
    let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.splitn(3, '-').map(str::parse::<i64>);
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.splitn(3, ':');
    let (h, min) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let sec = t.next()?.parse::<f64>().ok()?;
    // Days from civil (H. Hinnant), the inverse of civil_from_days.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + min * 60) as f64 + sec)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_calendar_dates() {
        assert_eq!(utc(0.0), "1970-01-01T00:00:00.0Z");
        assert_eq!(utc(951_782_400.25), "2000-02-29T00:00:00.3Z");
        assert_eq!(utc(1_795_847_401.0), "2026-11-28T06:30:01.0Z");
        for epoch in [0.0, 951_782_400.3, 1_795_847_401.7] {
            let back = parse_utc(&utc(epoch)).expect("reads back");
            assert!((back - epoch).abs() < 0.051, "{epoch} → {back}");
        }
    }

    #[test]
    fn a_line_reads_back() {
        let event = ProgressEvent {
            at_epoch: 1_795_847_401.0,
            application: "web".into(),
            group: "web-prod".into(),
            deployment_id: Some("d-ABCDEFGHI".into()),
            kind: EntryKind::Gate,
            what: "gate check http[0] GET /health: passed".into(),
        };
        let line = format(&event);
        assert_eq!(
            line,
            "2026-11-28T06:30:01.0Z web:web-prod d-ABCDEFGHI [gate] gate check http[0] GET /health: passed"
        );
        let parsed = parse(&line).expect("the line parses");
        assert_eq!(parsed.deployment_id.as_deref(), Some("d-ABCDEFGHI"));
        assert_eq!(parsed.kind, EntryKind::Gate);
        assert_eq!(parsed.what, event.what);
        assert_eq!(parse("not a progress line"), None);
    }
}
