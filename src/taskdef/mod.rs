//! Task definitions as reviewers should see them: one canonical form for what the user wrote and what ECS
//! returns, a structural diff, and a per-container summary in words.

mod diff;
mod normalize;

pub use diff::{diff, summarize, Change};
pub use normalize::{
    canonical_json, container_names, container_ports, normalize, parse_user, register_input,
    TaskDefError,
};

#[cfg(test)]
mod tests;
