//! Request ids: the query renderer writes them into bodies, the server into headers.

use std::sync::atomic::{AtomicU64, Ordering};

/// A request id in AWS's shape.
pub fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("00000000-0000-4000-8000-{n:012x}")
}
