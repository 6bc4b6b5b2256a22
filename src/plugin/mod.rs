//! The Terraform plugin protocol (tfplugin6 over go-plugin), owned by this project.
//!
//! Nothing here knows about AWS or about our resource: [`resource`] is the contract a provider implements,
//! and the rest turns it into a process Terraform can start, talk to, stop and shut down. See
//! `shared/reference/plugin-protocol.md` for the checklist this layer meets.

pub mod diagnostics;
mod go_plugin;
mod grpc;
pub mod handshake;
// Where Terraform connects: a Unix socket, or TCP on loopback where go-plugin uses that (Windows; the TCP
// listener is compiled for the Unix tests too).
#[cfg(any(windows, test))]
mod listen_tcp;
#[cfg(unix)]
mod listen_unix;
pub mod logging;
pub mod proto;
pub mod resource;
pub mod schema;
mod server;
// Ctrl-C, termination and the watch on Terraform's process, one module per platform.
#[cfg(unix)]
mod signals_unix;
#[cfg(windows)]
mod signals_windows;
pub mod stop;
pub mod tls;
mod transport;
pub mod value;
mod wind_down;

pub use server::run;
