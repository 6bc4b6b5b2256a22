//! The task definition normaliser and differ on whatever a user might write: never a panic, normalising is
//! idempotent, a definition never differs from itself, and the summary of a change is never empty.
#![no_main]

use ecsbg::taskdef::{diff, normalize, parse_user, summarize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Two definitions per input (split at the first NUL) so the differ sees real pairs.
    let (a, b) = text.split_once('\0').unwrap_or((text, text));
    let (Ok(a), Ok(b)) = (parse_user(a), parse_user(b)) else {
        return;
    };
    let na = normalize(&a);
    assert_eq!(normalize(&na), na, "normalising twice changes the result");
    assert!(diff(&a, &a).is_empty(), "a definition differs from itself");
    let changes = diff(&a, &b);
    let summary = summarize(&a, &b, &[]);
    assert_eq!(changes.is_empty(), summary.is_empty(), "changes without a summary or the reverse");
});
