//! A plugin client of our own, speaking to the provider the way Terraform does (magic cookie, handshake
//! line, mutual TLS) — or failing to, on purpose, to prove the provider refuses strangers.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use base64::Engine as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UnixStream;
use tokio::process::{Child, Command};
use tonic::transport::{Channel, Endpoint, Uri};

use ecsbg::plugin::proto::tfplugin6::provider_client::ProviderClient;
use ecsbg::plugin::tls;

/// A client certificate and key, generated as Terraform generates its own (self-signed ECDSA P-521 CA).
pub struct ClientIdentity {
    /// PEM, as Terraform puts it in PLUGIN_CLIENT_CERT.
    pub cert_pem: String,
    /// DER of the same certificate.
    pub cert_der: CertificateDer<'static>,
    key_der: PrivatePkcs8KeyDer<'static>,
}

impl ClientIdentity {
    /// A fresh identity.
    pub fn generate() -> anyhow::Result<Self> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512)?;
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        let cert = params.self_signed(&key)?;
        Ok(Self {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            key_der: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }
}

/// A provider process started as Terraform starts one.
pub struct StartedProvider {
    /// The child; killed on drop.
    pub child: Child,
    /// The Unix socket from the handshake line.
    pub socket: PathBuf,
    /// The server certificate from the handshake line.
    pub server_cert_der: Vec<u8>,
    /// How long from spawn to the handshake line.
    pub handshake_after: Duration,
}

/// Starts `binary` with the magic cookie and `client_cert_pem` and reads its handshake line.
pub async fn start_provider(
    binary: &Path,
    client_cert_pem: &str,
) -> anyhow::Result<StartedProvider> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            ecsbg::plugin::handshake::MAGIC_COOKIE_VALUE,
        )
        .env("PLUGIN_CLIENT_CERT", client_cert_pem)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .context("no handshake line within 30s")??;
    let handshake_after = started.elapsed();
    let (socket, server_cert_der) = parse_handshake(line.trim())?;
    Ok(StartedProvider {
        child,
        socket,
        server_cert_der,
        handshake_after,
    })
}

/// Splits `1|6|unix|<path>|grpc|<cert>` into the socket path and certificate.
pub fn parse_handshake(line: &str) -> anyhow::Result<(PathBuf, Vec<u8>)> {
    let parts: Vec<&str> = line.split('|').collect();
    if parts.len() != 6
        || parts[0] != "1"
        || parts[1] != "6"
        || parts[2] != "unix"
        || parts[4] != "grpc"
    {
        bail!("not a go-plugin handshake line for protocol 6 over unix: {line:?}");
    }
    let cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .context("certificate is not unpadded base64")?;
    Ok((PathBuf::from(parts[3]), cert))
}

/// Connects to the provider's socket over TLS, presenting `client` (or no certificate at all).
pub async fn connect(
    socket: &Path,
    server_cert_der: &[u8],
    client: Option<&ClientIdentity>,
) -> anyhow::Result<ProviderClient<Channel>> {
    // Trusts exactly the certificate from the handshake line, as go-plugin's client does.
    let provider = tls::crypto_provider();
    let verifier = tls::ExactCert::new(
        CertificateDer::from(server_cert_der.to_vec()),
        provider.clone(),
    );
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match client {
        Some(identity) => builder.with_client_auth_cert(
            vec![identity.cert_der.clone()],
            PrivateKeyDer::Pkcs8(identity.key_der.clone_key()),
        )?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let socket = socket.to_path_buf();
    let channel = Endpoint::try_from("http://localhost")?
        .connect_timeout(Duration::from_secs(10))
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let connector = connector.clone();
            let socket = socket.clone();
            async move {
                let stream = UnixStream::connect(&socket).await?;
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                let tls = connector.connect(name, stream).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        }))
        .await?;
    Ok(ProviderClient::new(channel))
}
