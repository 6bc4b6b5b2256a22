//! go-plugin's handshake: the magic cookie that proves Terraform started us, and the one line on stdout
//! that tells Terraform where to connect and which certificate to expect.

use base64::Engine as _;

/// The environment variable Terraform sets to prove it is the one starting the plugin.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Terraform's magic cookie value, shared by every Terraform provider.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's core protocol version.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol major version we speak.
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// What a person sees when they run the binary by hand: what it is and what to do instead.
pub const FRIENDLY_MESSAGE: &str = "\
terraform-provider-ecsbg is a Terraform provider plugin: Terraform starts it, you do not.

To use it, declare it in your configuration and let Terraform install it:

    terraform {
      required_providers {
        ecsbg = { source = \"ecsbg/ecsbg\" }
      }
    }

then run `terraform init` and `terraform plan`.

To attach a debugger, run it with --debug and export the TF_REATTACH_PROVIDERS line it prints
in the shell where you run terraform.
";

/// Why the process refuses to serve.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    /// Not started by Terraform (or by something pretending badly).
    #[error("{FRIENDLY_MESSAGE}")]
    NotStartedByTerraform,
    /// Terraform asked for protocol versions we do not speak.
    #[error("this provider speaks Terraform plugin protocol 6, but Terraform offered only {offered:?}; use Terraform 1.0 or newer")]
    UnsupportedProtocol {
        /// The versions Terraform listed in PLUGIN_PROTOCOL_VERSIONS.
        offered: String,
    },
}

/// Checks the cookie and the offered protocol versions, given a way to read the environment.
pub fn check_environment(get: impl Fn(&str) -> Option<String>) -> Result<(), HandshakeError> {
    if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotStartedByTerraform);
    }
    if let Some(offered) = get("PLUGIN_PROTOCOL_VERSIONS") {
        let speaks_ours = offered
            .split(',')
            .any(|v| v.trim().parse::<u32>().ok() == Some(APP_PROTOCOL_VERSION));
        if !offered.trim().is_empty() && !speaks_ours {
            return Err(HandshakeError::UnsupportedProtocol { offered });
        }
    }
    Ok(())
}

/// The handshake line: `CORE|APP|<network>|<address>|grpc|<server certificate, base64 DER without padding>`,
/// where network and address are `unix` and the socket path, or `tcp` and `127.0.0.1:<port>` (Windows).
pub fn handshake_line(network: &str, address: &str, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|{network}|{address}|grpc|{cert}")
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
    fn refuses_without_cookie() {
        assert_eq!(
            check_environment(env(&[])),
            Err(HandshakeError::NotStartedByTerraform)
        );
        assert_eq!(
            check_environment(env(&[(MAGIC_COOKIE_KEY, "nope")])),
            Err(HandshakeError::NotStartedByTerraform)
        );
    }

    #[test]
    fn accepts_cookie_and_protocol_six() {
        assert!(check_environment(env(&[(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)])).is_ok());
        assert!(check_environment(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        ]))
        .is_ok());
        assert!(matches!(
            check_environment(env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", "5")
            ])),
            Err(HandshakeError::UnsupportedProtocol { .. })
        ));
    }

    #[test]
    fn line_has_go_plugin_shape() {
        let line = handshake_line("unix", "/tmp/x/p.sock", Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|unix|/tmp/x/p.sock|grpc|AQIDBA");
        let line = handshake_line("tcp", "127.0.0.1:10123", Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|tcp|127.0.0.1:10123|grpc|AQIDBA");
    }
}
