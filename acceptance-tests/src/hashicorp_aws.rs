//! Where hashicorp/aws comes from for tests (and `make demo-complete`) that build a whole stage with it:
//! a filesystem mirror found by its layout (`registry.terraform.io/hashicorp/aws/<version>/<os_arch>/`)
//! under a few usual roots, else the Terraform registry. Machines without registry access carry the
//! provider in such a mirror outside Terraform's default search paths, so it is looked for, not assumed.

use std::path::{Path, PathBuf};

use crate::terraform::os_arch;

/// What a test needs when hashicorp/aws can be had neither way.
pub const HOW_TO_INSTALL: &str = "hashicorp/aws 5.x is needed to build the complete example's stage. Either let Terraform reach registry.terraform.io, or put the provider in a filesystem mirror (on a machine with registry access: `terraform providers mirror -platform=linux_amd64 DIR` in a directory whose configuration requires hashicorp/aws 5.x) and set TF_PLUGIN_MIRROR=DIR.";

/// The roots searched, in order: `$TF_PLUGIN_MIRROR`, `/opt/tf-plugins`, Terraform's implied local mirrors
/// (`~/.terraform.d/plugins`, `$XDG_DATA_HOME/terraform/plugins` or `~/.local/share/terraform/plugins`,
/// `/usr/local/share/terraform/plugins`, `/usr/share/terraform/plugins`).
pub fn candidate_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(dir) = std::env::var_os("TF_PLUGIN_MIRROR").filter(|d| !d.is_empty()) {
        roots.push(PathBuf::from(dir));
    }
    roots.push(PathBuf::from("/opt/tf-plugins"));
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        let home = PathBuf::from(home);
        roots.push(home.join(".terraform.d/plugins"));
        match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
            Some(data) => roots.push(PathBuf::from(data).join("terraform/plugins")),
            None => roots.push(home.join(".local/share/terraform/plugins")),
        }
    }
    roots.push(PathBuf::from("/usr/local/share/terraform/plugins"));
    roots.push(PathBuf::from("/usr/share/terraform/plugins"));
    roots
}

/// The first root holding hashicorp/aws 5.x for this platform, in the unpacked filesystem-mirror layout.
pub fn find_mirror() -> Option<PathBuf> {
    candidate_roots().into_iter().find(|root| has_aws_5(root))
}

/// The first root holding a hashicorp/aws of at least `min` (major, minor, patch) for this platform, with
/// the newest such version there: the ECS-native example needs 6.x, which a 5.x-only mirror cannot give.
pub fn find_at_least(min: (u32, u32, u32)) -> Option<(PathBuf, String)> {
    candidate_roots().into_iter().find_map(|root| {
        let newest = versions_in(&root)
            .into_iter()
            .filter(|v| parse_version(v).is_some_and(|n| n >= min))
            .max_by_key(|v| parse_version(v))?;
        Some((root, newest))
    })
}

/// `1.2.3` as numbers; None for anything else (pre-releases included).
pub fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// The hashicorp/aws versions under `root` with a binary for this platform.
fn versions_in(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join("registry.terraform.io/hashicorp/aws")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|version| {
            std::fs::read_dir(version.path().join(os_arch())).is_ok_and(|files| {
                files.flatten().any(|f| {
                    f.file_name()
                        .to_string_lossy()
                        .starts_with("terraform-provider-aws")
                })
            })
        })
        .map(|version| version.file_name().to_string_lossy().into_owned())
        .collect()
}

/// `root/registry.terraform.io/hashicorp/aws/5.*/<os_arch>/terraform-provider-aws*` exists.
fn has_aws_5(root: &Path) -> bool {
    let versions = root.join("registry.terraform.io/hashicorp/aws");
    let Ok(entries) = std::fs::read_dir(&versions) else {
        return false;
    };
    entries.flatten().any(|version| {
        version.file_name().to_string_lossy().starts_with("5.")
            && std::fs::read_dir(version.path().join(os_arch())).is_ok_and(|files| {
                files.flatten().any(|f| {
                    f.file_name()
                        .to_string_lossy()
                        .starts_with("terraform-provider-aws")
                })
            })
    })
}

/// The `provider_installation` block: ecsbg from `ecsbg_mirror`, hashicorp/aws from `aws_mirror` when
/// one was found (else from the registry), nothing else from anywhere.
pub fn provider_installation(ecsbg_mirror: &Path, aws_mirror: Option<&Path>) -> String {
    let mut config = String::from("provider_installation {\n");
    config.push_str(&format!(
        "  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/ecsbg/ecsbg\"]\n  }}\n",
        ecsbg_mirror.display()
    ));
    match aws_mirror {
        Some(aws) => {
            config.push_str(&format!(
                "  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n",
                aws.display()
            ));
            config.push_str("  direct {\n    exclude = [\"registry.terraform.io/ecsbg/ecsbg\", \"registry.terraform.io/hashicorp/aws\"]\n  }\n");
        }
        None => config
            .push_str("  direct {\n    exclude = [\"registry.terraform.io/ecsbg/ecsbg\"]\n  }\n"),
    }
    config.push_str("}\n");
    config
}

/// An override file pointing hashicorp/aws at the emulator at `endpoint` (every service the stage uses),
/// with the checks that would reach AWS itself turned off (the account id is asked of the emulator's STS).
/// Terraform merges it into the configuration's `provider "aws"` block, so the example itself stays as a
/// user would apply it to AWS.
pub fn emulator_override(endpoint: &str) -> String {
    let services = [
        "cloudwatch",
        "codedeploy",
        "ec2",
        "ecs",
        "elbv2",
        "iam",
        "sts",
    ];
    let endpoints: String = services
        .iter()
        .map(|s| format!("    {s:<10} = \"{endpoint}\"\n"))
        .collect();
    format!(
        "provider \"aws\" {{\n  access_key                  = \"emulator\"\n  secret_key                  = \"emulator\"\n  skip_credentials_validation = true\n  skip_metadata_api_check     = true\n  skip_region_validation      = true\n  endpoints {{\n{endpoints}  }}\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mirror_layout_is_recognised_only_with_a_5x_binary_for_this_platform() {
        let root = tempfile::tempdir().expect("a temporary directory");
        assert!(!has_aws_5(root.path()));
        let dir = root
            .path()
            .join("registry.terraform.io/hashicorp/aws/5.100.0")
            .join(os_arch());
        std::fs::create_dir_all(&dir).expect("created");
        assert!(
            !has_aws_5(root.path()),
            "an empty platform directory is no provider"
        );
        std::fs::write(dir.join("terraform-provider-aws_v5.100.0_x5"), b"").expect("written");
        assert!(has_aws_5(root.path()));
        let old = tempfile::tempdir().expect("a temporary directory");
        let dir = old
            .path()
            .join("registry.terraform.io/hashicorp/aws/4.67.0")
            .join(os_arch());
        std::fs::create_dir_all(&dir).expect("created");
        std::fs::write(dir.join("terraform-provider-aws_v4.67.0_x5"), b"").expect("written");
        assert!(!has_aws_5(old.path()), "4.x is not what the example needs");
    }

    #[test]
    fn versions_compare_as_numbers_not_text() {
        assert!(parse_version("6.10.0") > parse_version("6.4.0"));
        assert!(parse_version("5.100.0") < parse_version("6.4.0"));
        assert_eq!(parse_version("6.4.0-beta1"), None);
        let root = tempfile::tempdir().expect("a temporary directory");
        for v in ["5.100.0", "6.30.0"] {
            let dir = root
                .path()
                .join("registry.terraform.io/hashicorp/aws")
                .join(v)
                .join(os_arch());
            std::fs::create_dir_all(&dir).expect("created");
            std::fs::write(dir.join(format!("terraform-provider-aws_v{v}_x5")), b"")
                .expect("written");
        }
        let mut found = versions_in(root.path());
        found.sort();
        assert_eq!(found, ["5.100.0", "6.30.0"]);
    }

    #[test]
    fn without_a_mirror_hashicorp_aws_comes_from_the_registry() {
        let config = provider_installation(Path::new("/m"), None);
        assert!(!config.contains("hashicorp/aws\"]\n  }"), "{config}");
        assert!(
            config.contains("exclude = [\"registry.terraform.io/ecsbg/ecsbg\"]"),
            "{config}"
        );
    }
}
