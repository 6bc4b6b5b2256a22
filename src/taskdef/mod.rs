//! Task definitions as reviewers should see them: one canonical form for what the user wrote and what ECS
//! returns, a structural diff, and a per-container summary in words.

mod diff;
mod fields;
mod normalize;
mod parse;
mod register;
mod strict;
mod summary;

pub use diff::{diff, Change};
pub use normalize::{canonical_json, normalize};
pub use parse::{parse_user, TaskDefError};
pub use register::{container_names, container_ports, register_input};
pub use summary::{looks_secret, summarize};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_gen;
#[cfg(test)]
mod tests_issue;
#[cfg(test)]
mod tests_prop;
#[cfg(test)]
mod tests_rules;
#[cfg(test)]
mod tests_rules_lists;
#[cfg(test)]
mod tests_wording;
