//! Exit codes of `watch`: a pipeline step can tell the outcomes apart.

/// The deployment Succeeded.
pub const SUCCEEDED: i32 = 0;
/// Bad arguments (usage printed).
pub const USAGE: i32 = 2;
/// AWS could not be read, or nothing to watch turned up in time.
pub const ERROR: i32 = 3;
/// The deployment Failed and no rollback put the previous version back.
pub const FAILED: i32 = 4;
/// The deployment was Stopped and no rollback put the previous version back.
pub const STOPPED: i32 = 5;
/// The deployment ended and a rollback put the previous version back in production.
pub const ROLLED_BACK: i32 = 6;
