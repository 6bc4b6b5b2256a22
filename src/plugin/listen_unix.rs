//! Where Terraform connects on Unix: a socket in a fresh directory, as go-plugin's server does there.

use std::io;
use std::path::PathBuf;

use anyhow::Context as _;
use tokio::net::{UnixListener, UnixStream};

/// One connection from Terraform, before TLS.
pub type PluginStream = UnixStream;

/// The bound socket; connections are taken with [`PluginListener::accept`].
pub struct PluginListener(UnixListener);

impl PluginListener {
    /// Waits for the next connection.
    pub async fn accept(&self) -> io::Result<PluginStream> {
        self.0.accept().await.map(|(stream, _)| stream)
    }
}

/// What the handshake line announces; the socket's directory is removed when this is dropped.
pub struct Endpoint {
    /// go-plugin's network name.
    pub network: &'static str,
    /// The socket path.
    pub address: String,
    _dir: tempfile::TempDir,
}

/// Binds `provider.sock` in a new directory: under go-plugin's `PLUGIN_UNIX_SOCKET_DIR` when Terraform sets
/// it, else under the temp dir.
pub fn bind() -> anyhow::Result<(PluginListener, Endpoint)> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("ecsbg-plugin");
    let dir = match std::env::var_os("PLUGIN_UNIX_SOCKET_DIR") {
        Some(dir) if !dir.is_empty() => builder.tempdir_in(dir),
        _ => builder.tempdir(),
    }
    .context("creating a directory for the plugin socket")?;
    let path: PathBuf = dir.path().join("provider.sock");
    let listener = UnixListener::bind(&path)
        .with_context(|| format!("binding the plugin socket {}", path.display()))?;
    let endpoint = Endpoint {
        network: "unix",
        address: path.display().to_string(),
        _dir: dir,
    };
    Ok((PluginListener(listener), endpoint))
}
