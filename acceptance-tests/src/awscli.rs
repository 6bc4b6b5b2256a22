//! The AWS CLI as an outside judge of the emulator: installed from PyPI into a virtual environment under
//! `target/` (made once, reused by later runs), run with dummy credentials against one endpoint, and never
//! reading the user's own AWS configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{bail, Context as _};
use serde_json::Value;

use crate::campaign::target_dir;

/// A virtual environment holding the AWS CLI (and the botocore it carries, with AWS's service models).
pub struct Venv {
    dir: PathBuf,
}

/// Written into the environment once `pip install awscli` has finished, so a half-made one is made again.
const READY_MARKER: &str = ".ecsbg-awscli-ready";

impl Venv {
    /// The environment under `target/awscli-venv`, created (`python3 -m venv`, `pip install awscli`) unless a
    /// previous run left a finished one. Tests running at once take turns through a lock file.
    pub fn ensure() -> anyhow::Result<Venv> {
        let root = target_dir();
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        let dir = root.join("awscli-venv");
        let _lock = FileLock::take(&root.join("awscli-venv.lock"))?;
        let venv = Venv { dir };
        if venv.dir.join(READY_MARKER).exists() && venv.aws().exists() {
            return Ok(venv);
        }
        venv.create()?;
        Ok(venv)
    }

    fn create(&self) -> anyhow::Result<()> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .with_context(|| format!("removing the unfinished {}", self.dir.display()))?;
        }
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&self.dir)
            .output()
            .context("running python3 -m venv: the AWS CLI tests need Python 3 with the venv module on PATH")?;
        if !made.status.success() {
            bail!(
                "python3 -m venv {} failed: {}",
                self.dir.display(),
                String::from_utf8_lossy(&made.stderr).trim()
            );
        }
        let pip = self.dir.join("bin").join("pip");
        let installed = Command::new(&pip)
            .args([
                "install",
                "--disable-pip-version-check",
                "--quiet",
                "awscli",
            ])
            .output()
            .with_context(|| format!("running {}", pip.display()))?;
        if !installed.status.success() {
            let stderr = String::from_utf8_lossy(&installed.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
            bail!(
                "could not install the AWS CLI from PyPI (`pip install awscli` into {}): is PyPI reachable? pip said: {}",
                self.dir.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
            );
        }
        std::fs::write(self.dir.join(READY_MARKER), "awscli installed\n")
            .context("marking the AWS CLI environment finished")?;
        Ok(())
    }

    /// The `aws` entry point.
    pub fn aws(&self) -> PathBuf {
        self.dir.join("bin").join("aws")
    }

    /// The environment's Python.
    pub fn python(&self) -> PathBuf {
        self.dir.join("bin").join("python")
    }

    /// The botocore version whose models judge the emulator (for reports).
    pub fn botocore_version(&self) -> anyhow::Result<String> {
        const VERSION: &str = "try:\n    import botocore\n\
except ImportError:\n    from awscli import botocore\n\
print(botocore.__version__)\n";
        let out = Command::new(self.python())
            .args(["-c", VERSION])
            .output()
            .context("asking the environment's botocore for its version")?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// AWS's published model of `service` (botocore's name: `ecs`, `codedeploy`, `elbv2`, `cloudwatch`,
    /// `lambda`, `iam`), newest API version, read by botocore's own loader from the botocore in this
    /// environment (standalone, or the copy the AWS CLI carries), so gzip'd models load as well.
    pub fn service_model(&self, service: &str) -> anyhow::Result<Value> {
        const LOAD: &str = "import json, sys\n\
try:\n    from botocore.loaders import Loader\n\
except ImportError:\n    from awscli.botocore.loaders import Loader\n\
json.dump(Loader().load_service_model(sys.argv[1], 'service-2'), sys.stdout)\n";
        let out = Command::new(self.python())
            .args(["-c", LOAD, service])
            .output()
            .context("running the environment's python to load a botocore model")?;
        if !out.status.success() {
            bail!(
                "botocore could not load the {service} model: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        serde_json::from_slice(&out.stdout)
            .with_context(|| format!("botocore's {service} model is not JSON"))
    }
}

/// An exclusive `flock` held until dropped.
struct FileLock(std::fs::File);

impl FileLock {
    fn take(path: &Path) -> anyhow::Result<FileLock> {
        use std::os::fd::AsRawFd as _;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        // SAFETY: flock on a descriptor this function owns; it blocks until the lock is ours.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            bail!(
                "locking {}: {}",
                path.display(),
                std::io::Error::last_os_error()
            );
        }
        Ok(FileLock(file))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd as _;
        // SAFETY: unlocking the descriptor this value owns.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// The AWS CLI pointed at one endpoint, with a private home: dummy credentials and region from the
/// environment, `AWS_CONFIG_FILE`/`AWS_SHARED_CREDENTIALS_FILE` inside a temporary directory, nothing inherited.
pub struct Cli {
    aws: PathBuf,
    endpoint: String,
    home: tempfile::TempDir,
}

/// What one CLI run printed.
pub struct CliRun {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CliRun {
    fn from(out: Output) -> CliRun {
        CliRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Cli {
    /// The CLI of `venv` talking to `endpoint` (`http://127.0.0.1:<port>`).
    pub fn new(venv: &Venv, endpoint: &str) -> anyhow::Result<Cli> {
        let home = tempfile::tempdir().context("creating the CLI's home")?;
        std::fs::write(
            home.path().join("config"),
            "[default]\nregion = us-east-1\noutput = json\n",
        )?;
        std::fs::write(
            home.path().join("credentials"),
            "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        )?;
        Ok(Cli {
            aws: venv.aws(),
            endpoint: endpoint.to_string(),
            home,
        })
    }

    /// The private home (for files the CLI reads: task definitions, AppSpecs).
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// A command with the private environment. `--endpoint-url` goes on every command, and
    /// `AWS_ENDPOINT_URL` too: `aws ecs deploy` builds its CodeDeploy client without `--endpoint-url`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.aws);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("LANG", "C.UTF-8")
            .env("AWS_CONFIG_FILE", self.home.path().join("config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.home.path().join("credentials"),
            )
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_PAGER", "")
            .args(args)
            .args(["--endpoint-url", &self.endpoint, "--output", "json"]);
        cmd
    }

    /// Runs `aws ARGS…` to the end.
    pub fn run(&self, args: &[&str]) -> anyhow::Result<CliRun> {
        let out = self
            .command(args)
            .output()
            .with_context(|| format!("running aws {}", args.join(" ")))?;
        Ok(CliRun::from(out))
    }

    /// Runs `aws ARGS…`, which must succeed, and parses its JSON output (`null` when it printed nothing).
    pub fn json(&self, args: &[&str]) -> anyhow::Result<Value> {
        let run = self.run(args)?;
        if run.code != 0 {
            bail!(
                "aws {} exited {}: {}",
                args.join(" "),
                run.code,
                run.stderr.trim()
            );
        }
        if run.stdout.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&run.stdout)
            .with_context(|| format!("aws {} printed no JSON: {}", args.join(" "), run.stdout))
    }
}
