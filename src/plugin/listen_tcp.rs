//! Where Terraform connects on Windows: TCP on 127.0.0.1, as go-plugin's `serverListener_tcp` does there.
//!
//! The port is the first free one in `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` when Terraform sets that range, else
//! one the system picks. Only loopback is bound, and mutual TLS (AutoMTLS) guards it exactly as it guards
//! the Unix socket. Compiled on Unix too, for its tests only.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use anyhow::{bail, Context as _};
use tokio::net::{TcpListener, TcpStream};

/// One connection from Terraform, before TLS.
pub type PluginStream = TcpStream;

/// The bound loopback port; connections are taken with [`PluginListener::accept`].
pub struct PluginListener(TcpListener);

impl PluginListener {
    /// Waits for the next connection. Nagle is switched off: gRPC's small frames should not wait for ACKs.
    pub async fn accept(&self) -> io::Result<PluginStream> {
        let (stream, _) = self.0.accept().await?;
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "could not disable Nagle on a plugin connection");
        }
        Ok(stream)
    }
}

/// What the handshake line announces.
pub struct Endpoint {
    /// go-plugin's network name.
    pub network: &'static str,
    /// `127.0.0.1:<port>`.
    pub address: String,
}

/// Binds 127.0.0.1 on a port from Terraform's range, or any free port.
pub fn bind() -> anyhow::Result<(PluginListener, Endpoint)> {
    let range = port_range(|name| std::env::var(name).ok())?;
    let listener = bind_in(range)?;
    let address = listener
        .local_addr()
        .context("reading the plugin listener's address")?
        .to_string();
    let listener = TcpListener::from_std(listener).context("registering the plugin listener")?;
    Ok((
        PluginListener(listener),
        Endpoint {
            network: "tcp",
            address,
        },
    ))
}

/// `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT`; an unset bound is 0, and `0..=0` lets the system choose.
fn port_range(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<(u16, u16)> {
    let bound = |name: &str| -> anyhow::Result<u16> {
        match get(name).filter(|v| !v.trim().is_empty()) {
            None => Ok(0),
            Some(value) => value
                .trim()
                .parse()
                .with_context(|| format!("{name} is {value:?}, which is not a port number")),
        }
    };
    let (min, max) = (bound("PLUGIN_MIN_PORT")?, bound("PLUGIN_MAX_PORT")?);
    if min > max {
        bail!("PLUGIN_MIN_PORT ({min}) is greater than PLUGIN_MAX_PORT ({max})");
    }
    Ok((min, max))
}

/// The first port in the range that binds on loopback.
fn bind_in((min, max): (u16, u16)) -> anyhow::Result<std::net::TcpListener> {
    for port in min..=max {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        if let Ok(listener) = std::net::TcpListener::bind(addr) {
            listener
                .set_nonblocking(true)
                .context("making the plugin listener non-blocking")?;
            return Ok(listener);
        }
    }
    bail!("no port from {min} to {max} on 127.0.0.1 could be bound for the plugin listener")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_range_comes_from_terraform_or_is_left_to_the_system() {
        assert_eq!(port_range(env(&[])).expect("no range"), (0, 0));
        assert_eq!(
            port_range(env(&[
                ("PLUGIN_MIN_PORT", "10000"),
                ("PLUGIN_MAX_PORT", "25000")
            ]))
            .expect("a range"),
            (10000, 25000)
        );
        let reversed =
            port_range(env(&[("PLUGIN_MIN_PORT", "9"), ("PLUGIN_MAX_PORT", "8")])).unwrap_err();
        assert!(reversed
            .to_string()
            .contains("greater than PLUGIN_MAX_PORT"));
        let junk = port_range(env(&[("PLUGIN_MAX_PORT", "lots")])).unwrap_err();
        assert!(format!("{junk:#}").contains("PLUGIN_MAX_PORT is \"lots\""));
    }

    #[test]
    fn a_taken_port_is_skipped_for_the_next_one_in_range() {
        let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
        let port = taken.local_addr().expect("its address").port();
        match bind_in((port, port.saturating_add(1))) {
            Ok(listener) => {
                assert_eq!(listener.local_addr().expect("address").port(), port + 1)
            }
            // The next port may belong to someone else on a busy machine; then nothing in range is free.
            Err(err) => assert!(err.to_string().contains("could be bound")),
        }
        assert!(
            bind_in((port, port)).is_err(),
            "a taken port is not bound twice"
        );
    }

    #[tokio::test]
    async fn serves_loopback_and_announces_it() {
        let (listener, endpoint) = bind().expect("bound");
        assert_eq!(endpoint.network, "tcp");
        assert!(
            endpoint.address.starts_with("127.0.0.1:"),
            "{}",
            endpoint.address
        );
        let client = tokio::net::TcpStream::connect(&endpoint.address);
        let (client, accepted) = tokio::join!(client, listener.accept());
        let (client, accepted) = (client.expect("connected"), accepted.expect("accepted"));
        assert_eq!(
            accepted.peer_addr().expect("peer"),
            client.local_addr().expect("local")
        );
    }
}
