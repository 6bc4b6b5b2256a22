//! Runs the real `terraform` binary in a throwaway directory, with our provider installed the way a developer
//! (dev_overrides) or a user (a filesystem mirror laid out like `make install`) would install it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{bail, Context as _};

/// The provider's source address and the version the tests install.
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/ecsbg/ecsbg";

/// How the provider is made available to Terraform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Install {
    /// A `dev_overrides` CLI configuration pointing at a directory holding the binary (no `terraform init`).
    DevOverrides,
    /// Installed as `make install` installs it (the implied local mirror under `$HOME/.terraform.d/plugins`),
    /// used through a normal `required_providers` block and `terraform init`.
    MakeInstall,
    /// In a private filesystem mirror, beside hashicorp/aws from the mirror
    /// [`hashicorp_aws::find_mirror`](crate::hashicorp_aws::find_mirror) finds (else the registry): for
    /// configurations that build their stage with hashicorp/aws (`terraform init` installs both).
    WithHashicorpAws,
}

/// A temporary Terraform working directory wired to one provider binary.
pub struct Workspace {
    root: tempfile::TempDir,
    /// Where the `.tf` files go and Terraform runs.
    pub dir: PathBuf,
    cli_config: PathBuf,
    extra_env: Vec<(String, String)>,
}

/// What one terraform command did.
pub struct Run {
    /// Exit status code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// stdout and stderr together, for assertions on what the user saw.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Fails with the whole output unless the command succeeded.
    pub fn success(self) -> anyhow::Result<Run> {
        if self.code != 0 {
            bail!("terraform exited with {}:\n{}", self.code, self.output());
        }
        Ok(self)
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The version `make install` would install, from the workspace manifest.
pub fn provider_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

impl Workspace {
    /// A new workspace with `provider_binary` installed as `install` says.
    pub fn new(provider_binary: &Path, install: Install) -> anyhow::Result<Self> {
        let root = tempfile::Builder::new().prefix("ecsbg-tf").tempdir()?;
        let dir = root.path().join("work");
        std::fs::create_dir_all(&dir)?;
        let cli_config = root.path().join("terraformrc");
        let mut extra_env = Vec::new();
        let config = match install {
            Install::DevOverrides => {
                let bin_dir = root.path().join("dev-bin");
                std::fs::create_dir_all(&bin_dir)?;
                link_binary(provider_binary, &bin_dir.join("terraform-provider-ecsbg"))?;
                format!(
                    "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                    bin_dir.display()
                )
            }
            Install::MakeInstall => {
                // Exactly where `make install` puts it, under a private HOME: Terraform's implied local
                // mirror (~/.terraform.d/plugins), found with no provider_installation block at all.
                let home = root.path().join("home");
                let target = home
                    .join(".terraform.d/plugins/registry.terraform.io/ecsbg/ecsbg")
                    .join(provider_version())
                    .join(os_arch());
                std::fs::create_dir_all(&target)?;
                link_binary(
                    provider_binary,
                    &target.join(format!("terraform-provider-ecsbg_v{}", provider_version())),
                )?;
                extra_env.push(("HOME".to_string(), home.display().to_string()));
                String::new()
            }
            Install::WithHashicorpAws => {
                let mirror = root.path().join("mirror");
                let target = mirror
                    .join(PROVIDER_SOURCE)
                    .join(provider_version())
                    .join(os_arch());
                std::fs::create_dir_all(&target)?;
                link_binary(
                    provider_binary,
                    &target.join(format!("terraform-provider-ecsbg_v{}", provider_version())),
                )?;
                crate::hashicorp_aws::provider_installation(
                    &mirror,
                    crate::hashicorp_aws::find_mirror().as_deref(),
                )
            }
        };
        std::fs::write(&cli_config, config)?;
        Ok(Self {
            root,
            dir,
            cli_config,
            extra_env,
        })
    }

    /// Takes hashicorp/aws from the filesystem mirror at `aws_root` instead of the one
    /// [`find_mirror`](crate::hashicorp_aws::find_mirror) found (a workspace made with
    /// [`Install::WithHashicorpAws`]), for a configuration needing a version only that mirror has.
    pub fn use_hashicorp_aws_mirror(&self, aws_root: &Path) -> anyhow::Result<()> {
        let config = crate::hashicorp_aws::provider_installation(
            &self.root.path().join("mirror"),
            Some(aws_root),
        );
        std::fs::write(&self.cli_config, config).context("writing the CLI configuration")
    }

    /// The workspace's scratch root (for marker files and logs).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// Adds an environment variable to every terraform command.
    pub fn env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.to_string(), value.to_string()));
    }

    /// Copies an example directory (recursively) into the working directory.
    pub fn copy_example(&self, example: &Path) -> anyhow::Result<()> {
        copy_tree(example, &self.dir)
    }

    /// Writes `main.tf`.
    pub fn write_main(&self, hcl: &str) -> anyhow::Result<()> {
        std::fs::write(self.dir.join("main.tf"), hcl).context("writing main.tf")
    }

    /// A terraform command ready to run (or spawn) in this workspace.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("terraform");
        cmd.args(args)
            .current_dir(&self.dir)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .env_remove("TF_LOG_PROVIDER")
            .stdin(Stdio::null());
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs terraform with `args` (plus `-no-color`) and returns what it did.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<Run> {
        let mut all: Vec<&str> = args.to_vec();
        all.push("-no-color");
        let out = self
            .command(&all)
            .output()
            .context("running terraform (is it on PATH?)")?;
        Ok(Run::from(out))
    }

    /// Writes `hcl` as `main.tf` and applies it; fails with Terraform's whole output unless it succeeds (the
    /// step most tests take to reach the state they test from).
    pub fn apply(&self, hcl: &str) -> anyhow::Result<Run> {
        self.try_apply(hcl)?.success()
    }

    /// Writes `hcl` as `main.tf` and applies it, returning what happened (for applies meant to fail).
    pub fn try_apply(&self, hcl: &str) -> anyhow::Result<Run> {
        self.try_apply_with(hcl, &[])
    }

    /// Like [`try_apply`](Self::try_apply), with more arguments for `terraform apply` (`-parallelism=20`).
    pub fn try_apply_with(&self, hcl: &str, args: &[&str]) -> anyhow::Result<Run> {
        self.write_main(hcl)?;
        let mut all = vec!["apply", "-auto-approve"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// `terraform apply -auto-approve` with its output piped, ready to spawn, so a test can act (send
    /// traffic, signals, faults) while it runs and read [`Run::from`] its output afterwards.
    pub fn apply_command(&self) -> Command {
        let mut cmd = self.command(&["apply", "-auto-approve", "-no-color"]);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd
    }

    /// Writes `hcl` as `main.tf` and starts [`apply_command`](Self::apply_command) in the background.
    pub fn spawn_apply(&self, hcl: &str) -> anyhow::Result<std::process::Child> {
        self.write_main(hcl)?;
        self.apply_command()
            .spawn()
            .context("starting terraform apply (is it on PATH?)")
    }

    /// `terraform show -json` of the state, parsed.
    pub fn state_json(&self) -> anyhow::Result<serde_json::Value> {
        let run = self.run(&["show", "-json"])?.success()?;
        serde_json::from_str(&run.stdout).context("terraform show -json is not JSON")
    }

    /// The `values` of one resource in the state, by address.
    pub fn resource_values(&self, address: &str) -> anyhow::Result<serde_json::Value> {
        let state = self.state_json()?;
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
            .with_context(|| format!("{address} is not in the state"))
    }
}

/// Terraform's platform directory name for this machine.
pub fn os_arch() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

impl Workspace {
    /// Puts another binary where `dev_overrides` looks (a workspace made with [`Install::DevOverrides`]),
    /// so the next command runs it in the provider's place.
    pub fn replace_provider(&self, provider_binary: &Path) -> anyhow::Result<()> {
        let installed = self
            .root
            .path()
            .join("dev-bin")
            .join("terraform-provider-ecsbg");
        anyhow::ensure!(
            installed.symlink_metadata().is_ok(),
            "this workspace does not install the provider through dev_overrides"
        );
        std::fs::remove_file(&installed)?;
        link_binary(provider_binary, &installed)
    }
}

fn link_binary(from: &Path, to: &Path) -> anyhow::Result<()> {
    let from = from
        .canonicalize()
        .with_context(|| format!("provider binary {} not found", from.display()))?;
    let from = from.as_path();
    std::os::unix::fs::symlink(from, to)
        .or_else(|_| std::fs::copy(from, to).map(|_| ()))
        .with_context(|| format!("installing {} as {}", from.display(), to.display()))
}

/// The `terraform` and `provider` blocks every configuration against the emulator starts with (endpoints
/// and credentials come from the environment, as `AWS_ENDPOINT_URL_*`).
pub const PROVIDER_HEADER: &str = "terraform {\n  required_providers {\n    ecsbg = { source = \"ecsbg/ecsbg\" }\n  }\n}\nprovider \"ecsbg\" {}\n";

/// One `ecsbg_deployment` shaped like the emulator seeds' web services: resource `name`, task definition
/// `family`, deployment group `group` (application `web`), image tag and greeting at `version`, and `extra`
/// HCL inside the block.
pub fn web_resource(name: &str, family: &str, group: &str, version: &str, extra: &str) -> String {
    web_resource_with_env(name, family, group, version, &[], extra)
}

/// [`web_resource`] with `env` added to the container's environment after `MESSAGE` (the emulator's
/// `EMULATOR_*` switches make a version unhealthy, slow, failing or exiting).
pub fn web_resource_with_env(
    name: &str,
    family: &str,
    group: &str,
    version: &str,
    env: &[(&str, &str)],
    extra: &str,
) -> String {
    let env: String = env
        .iter()
        .map(|(k, v)| format!(", {{ name = \"{k}\", value = \"{v}\" }}"))
        .collect();
    format!(
        r#"resource "ecsbg_deployment" "{name}" {{
  application_name      = "web"
  deployment_group_name = "{group}"
  task_definition = jsonencode({{
    family = "{family}", networkMode = "awsvpc", requiresCompatibilities = ["FARGATE"], cpu = "256", memory = "512"
    containerDefinitions = [{{ name = "web", image = "ghcr.io/acme/web:{version}", portMappings = [{{ containerPort = 80 }}],
      environment = [{{ name = "MESSAGE", value = "Hello from {version}" }}{env}] }}]
  }})
{extra}}}
"#
    )
}

/// A whole configuration: the provider header and the demo seed's `web` service at `version`, with `extra`
/// inside the resource block.
pub fn web_deployment(version: &str, extra: &str) -> String {
    format!(
        "{PROVIDER_HEADER}{}",
        web_resource("web", "web", "web-prod", version, extra)
    )
}

/// A whole configuration for the emulator's native demo seed: service `demo/web` (ECS controller) at
/// `version`, with `extra` inside the resource block.
pub fn native_web_deployment(version: &str, extra: &str) -> String {
    format!(
        r#"{PROVIDER_HEADER}resource "ecsbg_deployment" "web" {{
  cluster_name = "demo"
  service_name = "web"
  task_definition = jsonencode({{
    family = "web", networkMode = "awsvpc", requiresCompatibilities = ["FARGATE"], cpu = "256", memory = "512"
    containerDefinitions = [{{ name = "web", image = "ghcr.io/acme/web:{version}", portMappings = [{{ containerPort = 80 }}],
      environment = [{{ name = "MESSAGE", value = "Hello from {version}" }}] }}]
  }})
{extra}}}
"#
    )
}

/// A whole configuration with one resource per service of the emulator's `many_services_seed(n)`
/// (`web{i}` in group `web{i}-prod`), all at `version`.
pub fn many_web_deployments(n: usize, version: &str) -> String {
    let mut hcl = PROVIDER_HEADER.to_string();
    for i in 0..n {
        hcl.push_str(&web_resource(
            &format!("web{i}"),
            &format!("web{i}"),
            &format!("web{i}-prod"),
            version,
            "",
        ));
    }
    hcl
}

/// Terraform wraps diagnostics at 80 columns; assertions compare text with whitespace collapsed.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
