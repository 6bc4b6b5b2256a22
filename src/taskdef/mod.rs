//! Task definitions as reviewers should see them: one canonical form for what the user wrote and what ECS
//! returns, a structural diff, and a per-container summary in words.

mod diff;
mod fields;
mod normalize;
mod parse;
mod register;
mod strict;

pub use diff::{diff, summarize, Change};
pub use normalize::{canonical_json, normalize};
pub use parse::{parse_user, TaskDefError};
pub use register::{container_names, container_ports, register_input};

#[cfg(test)]
mod tests;
