//! `make release`'s path with a throwaway GPG key: pack, sign, `release-check`, then install the zip the way
//! a user's Terraform does, through a filesystem mirror, and run it. The cross builds are too slow for every
//! test run, so this packs the binaries that exist: the static musl builds `make release` left under target/
//! when there are any (then the check also proves they are static and run), else the host's debug build.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ecsbg_acceptance::campaign::target_dir;
use ecsbg_acceptance::terraform::{os_arch, provider_version};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const NAME: &str = "terraform-provider-ecsbg";

fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).to_path_buf()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a command to completion and fails with its output when it fails.
fn succeed(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.output()?;
    anyhow::ensure!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
    Ok(text(&out))
}

/// A GnuPG home with one throwaway signing key (ed25519, no passphrase); its agent ends with it.
struct Keyring {
    home: PathBuf,
}

impl Keyring {
    fn new(home: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&home)?;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700))?;
        let keyring = Keyring { home };
        succeed(keyring.gpg().args([
            "--passphrase",
            "",
            "--quick-gen-key",
            "ecsbg release test <release-test@example.invalid>",
            "ed25519",
            "sign",
            "never",
        ]))?;
        Ok(keyring)
    }

    fn gpg(&self) -> Command {
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", &self.home).arg("--batch");
        cmd
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "all"])
            .env("GNUPGHOME", &self.home)
            .output();
    }
}

/// `<os_arch>=<binary>` for every platform to pack, and the platforms whose binary is a dynamic debug build.
/// A scratch directory named `prefix…` under target/tmp (git status stays clean), removed on drop.
fn scratch(prefix: &str) -> anyhow::Result<tempfile::TempDir> {
    let root = target_dir().join("tmp");
    std::fs::create_dir_all(&root)?;
    Ok(tempfile::Builder::new().prefix(prefix).tempdir_in(&root)?)
}

fn binaries() -> (Vec<String>, Vec<String>) {
    let mut pairs = Vec::new();
    for (platform, triple) in [
        ("linux_amd64", "x86_64-unknown-linux-musl"),
        ("linux_arm64", "aarch64-unknown-linux-musl"),
    ] {
        let built = target_dir().join(triple).join("release").join(NAME);
        if built.is_file() {
            pairs.push(format!("{platform}={}", built.display()));
        }
    }
    let host = os_arch();
    let mut dynamic = Vec::new();
    if !pairs.iter().any(|p| p.starts_with(&format!("{host}="))) {
        pairs.push(format!("{host}={PROVIDER}"));
        dynamic.push(host);
    }
    (pairs, dynamic)
}

#[test]
fn a_signed_release_verifies_and_installs_from_a_filesystem_mirror() -> anyhow::Result<()> {
    let scratch = scratch("release")?;
    let keyring = Keyring::new(scratch.path().join("gnupg"))?;
    let key_file = scratch.path().join("secret-key.asc");
    let secret = keyring
        .gpg()
        .args(["--armor", "--export-secret-keys"])
        .output()?;
    anyhow::ensure!(
        secret.status.success() && !secret.stdout.is_empty(),
        "{}",
        text(&secret)
    );
    std::fs::write(&key_file, &secret.stdout)?;

    // make release with the key from a file (imported into its own temporary GNUPGHOME) and these binaries.
    let version = provider_version();
    let dist = scratch.path().join("dist").join(version);
    let (pairs, dynamic) = binaries();
    let release = succeed(
        Command::new("bash")
            .arg(root().join("scripts/release.sh"))
            .env("GPG_KEY_FILE", &key_file)
            .env_remove("GPG_FINGERPRINT")
            .env("RELEASE_BINARIES", pairs.join(" "))
            .env("ALLOW_DYNAMIC", dynamic.join(" "))
            .env("DIST_DIR", &dist),
    )?;
    assert!(
        release.contains(&format!("is a complete signed release of {NAME} {version}")),
        "{release}"
    );

    // The signature verifies with the throwaway key's public half, and not once the sums change.
    let sums = dist.join(format!("{NAME}_{version}_SHA256SUMS"));
    let sig = dist.join(format!("{NAME}_{version}_SHA256SUMS.sig"));
    let verify = keyring
        .gpg()
        .arg("--verify")
        .arg(&sig)
        .arg(&sums)
        .output()?;
    assert!(
        verify.status.success() && text(&verify).contains("Good signature"),
        "{}",
        text(&verify)
    );
    let tampered = scratch.path().join("tampered_SHA256SUMS");
    std::fs::write(
        &tampered,
        std::fs::read_to_string(&sums)?.replacen('a', "b", 1),
    )?;
    let verify = keyring
        .gpg()
        .arg("--verify")
        .arg(&sig)
        .arg(&tampered)
        .output()?;
    assert!(
        !verify.status.success() && text(&verify).contains("BAD signature"),
        "{}",
        text(&verify)
    );

    // SHA256SUMS names every zip and the manifest, with the digest of what is on disk.
    let listed = std::fs::read_to_string(&sums)?;
    let host_zip = format!("{NAME}_{version}_{}.zip", os_arch());
    for pair in &pairs {
        let platform = pair.split('=').next().unwrap_or_default();
        let zip = format!("{NAME}_{version}_{platform}.zip");
        let digest = succeed(Command::new("sha256sum").arg(dist.join(&zip)))?;
        let digest = digest.split_whitespace().next().unwrap_or_default();
        assert!(
            listed.lines().any(|l| l == format!("{digest}  {zip}")),
            "{zip} ({digest}) not in:\n{listed}"
        );
        let names = succeed(Command::new("unzip").arg("-Z1").arg(dist.join(&zip)))?;
        assert!(
            names.lines().any(|n| n == format!("{NAME}_v{version}")),
            "{zip} holds:\n{names}"
        );
    }
    assert!(listed.contains(&format!("  {NAME}_{version}_manifest.json")));
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        dist.join(format!("{NAME}_{version}_manifest.json")),
    )?)?;
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );

    // A packed filesystem mirror holding the zip as released; a normal required_providers block; no overrides.
    let mirror = scratch.path().join("mirror");
    let packed = mirror.join("registry.terraform.io/ecsbg/ecsbg");
    std::fs::create_dir_all(&packed)?;
    std::fs::copy(dist.join(&host_zip), packed.join(&host_zip))?;
    let rc = scratch.path().join("terraformrc");
    std::fs::write(&rc, format!("provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/ecsbg/ecsbg\"]\n  }}\n}}\n", mirror.display()))?;
    let tf = scratch.path().join("tf");
    std::fs::create_dir_all(&tf)?;
    std::fs::write(tf.join("main.tf"), format!("terraform {{\n  required_providers {{\n    ecsbg = {{\n      source  = \"ecsbg/ecsbg\"\n      version = \"{version}\"\n    }}\n  }}\n}}\nprovider \"ecsbg\" {{}}\n"))?;
    let terraform = |args: &[&str]| -> anyhow::Result<String> {
        succeed(
            Command::new("terraform")
                .args(args)
                .current_dir(&tf)
                .env("TF_CLI_CONFIG_FILE", &rc)
                .env("CHECKPOINT_DISABLE", "1"),
        )
    };
    let init = terraform(&["init", "-no-color"])?;
    assert!(
        init.contains(&format!("Installing ecsbg/ecsbg v{version}")),
        "{init}"
    );
    assert!(
        tf.join(format!(
            ".terraform/providers/registry.terraform.io/ecsbg/ecsbg/{version}/{}/{NAME}_v{version}",
            os_arch()
        ))
        .is_file(),
        "terraform init did not unpack the binary from the zip"
    );
    let providers = terraform(&["providers", "-no-color"])?;
    assert!(
        providers.contains(&format!(
            "provider[registry.terraform.io/ecsbg/ecsbg] {version}"
        )),
        "{providers}"
    );
    // Both start the installed binary: the schema comes from the provider itself.
    terraform(&["validate", "-no-color"])?;
    let schema: serde_json::Value =
        serde_json::from_str(&terraform(&["providers", "schema", "-json"])?)?;
    assert!(
        schema["provider_schemas"]["registry.terraform.io/ecsbg/ecsbg"]["resource_schemas"]
            ["ecsbg_deployment"]
            .is_object(),
        "{schema}"
    );
    drop(keyring);
    Ok(())
}

#[test]
fn signing_takes_a_keyring_fingerprint_and_nothing_is_built_without_a_key() -> anyhow::Result<()> {
    let scratch = scratch("signing")?;

    // No key: make release refuses before building anything.
    let refused = Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .env_remove("GPG_KEY_FILE")
        .env_remove("GPG_FINGERPRINT")
        .env("DIST_DIR", scratch.path().join("dist"))
        .output()?;
    assert!(
        !refused.status.success()
            && text(&refused).contains("set GPG_FINGERPRINT or GPG_KEY_FILE first")
            && !scratch.path().join("dist").exists(),
        "{}",
        text(&refused)
    );

    // GPG_FINGERPRINT: a key already in the caller's keyring.
    let keyring = Keyring::new(scratch.path().join("gnupg"))?;
    let listing = succeed(keyring.gpg().args(["--with-colons", "--list-secret-keys"]))?;
    let fingerprint = listing
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .and_then(|l| l.split(':').find(|f| f.len() == 40))
        .ok_or_else(|| anyhow::anyhow!("no fingerprint in:\n{listing}"))?;
    let sums = scratch.path().join("example_SHA256SUMS");
    std::fs::write(&sums, "0000  example.zip\n")?;
    let public = scratch.path().join("example.pub.asc");
    succeed(
        Command::new("bash")
            .arg(root().join("scripts/release/sign.sh"))
            .arg(&sums)
            .arg(&public)
            .env("GNUPGHOME", &keyring.home)
            .env("GPG_FINGERPRINT", fingerprint)
            .env_remove("GPG_KEY_FILE"),
    )?;
    let verify = keyring
        .gpg()
        .arg("--verify")
        .arg(scratch.path().join("example_SHA256SUMS.sig"))
        .arg(&sums)
        .output()?;
    assert!(
        verify.status.success() && text(&verify).contains(fingerprint),
        "{}",
        text(&verify)
    );
    assert!(std::fs::read_to_string(&public)?.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    drop(keyring);
    Ok(())
}
