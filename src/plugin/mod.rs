//! The Terraform plugin protocol (tfplugin6 over go-plugin), owned by this project.
//!
//! Nothing here knows about AWS or about our resource: [`resource`] is the contract a provider implements,
//! and the rest turns it into a process Terraform can start, talk to, stop and shut down. See
//! `shared/reference/plugin-protocol.md` for the checklist this layer meets.

pub mod diagnostics;
mod go_plugin;
mod grpc;
pub mod handshake;
// Where Terraform connects: a Unix socket, or TCP on loopback where go-plugin uses that (Windows).
#[cfg(unix)]
#[path = "listen_unix.rs"]
mod listen;
#[cfg(windows)]
#[path = "listen_tcp.rs"]
mod listen;
// The Windows listener, tested on Unix as well.
#[cfg(all(test, unix))]
mod listen_tcp;
pub mod logging;
pub mod proto;
pub mod resource;
pub mod schema;
mod server;
#[cfg(unix)]
#[path = "signals_unix.rs"]
mod signals;
#[cfg(windows)]
#[path = "signals_windows.rs"]
mod signals;
pub mod stop;
pub mod tls;
mod transport;
pub mod value;

pub use server::run;
