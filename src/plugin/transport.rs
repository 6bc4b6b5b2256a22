//! The plugin listener (a Unix socket, or loopback TCP on Windows) whose connections must complete mutual TLS before gRPC sees them.
//!
//! Handshakes run in their own tasks so one slow or hostile client cannot hold up Terraform's connection.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

#[cfg(windows)]
use super::listen_tcp::{PluginListener, PluginStream};
#[cfg(unix)]
use super::listen_unix::{PluginListener, PluginStream};

/// One accepted connection: TLS in normal operation, plaintext only in `--debug` mode.
pub enum PluginConnection {
    /// A mutually authenticated connection from Terraform.
    Tls(Box<TlsStream<PluginStream>>),
    /// A debug-mode connection (Terraform attached through TF_REATTACH_PROVIDERS).
    Plain(PluginStream),
}

impl Connected for PluginConnection {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for PluginConnection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginConnection::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            PluginConnection::Plain(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for PluginConnection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            PluginConnection::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            PluginConnection::Plain(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginConnection::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            PluginConnection::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginConnection::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            PluginConnection::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// Accepts connections forever, yielding only those that pass the TLS handshake (or all, without TLS).
pub fn incoming(
    listener: PluginListener,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> ReceiverStream<io::Result<PluginConnection>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok(stream) => stream,
                Err(err) => {
                    tracing::warn!(error = %err, "accepting a plugin connection failed");
                    continue;
                }
            };
            let tx = tx.clone();
            match &tls {
                None => {
                    if tx.send(Ok(PluginConnection::Plain(stream))).await.is_err() {
                        return;
                    }
                }
                Some(config) => {
                    let acceptor = TlsAcceptor::from(config.clone());
                    tokio::spawn(async move {
                        match acceptor.accept(stream).await {
                            Ok(tls_stream) => {
                                let _ = tx
                                    .send(Ok(PluginConnection::Tls(Box::new(tls_stream))))
                                    .await;
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "refused a plugin connection that failed mutual TLS");
                            }
                        }
                    });
                }
            }
        }
    });
    ReceiverStream::new(rx)
}
