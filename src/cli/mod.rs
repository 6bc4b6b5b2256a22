//! The binary's own commands, for people rather than Terraform: `watch` follows a rollout live (Terraform
//! gives providers no output channel during apply). When Terraform starts the binary (its go-plugin magic
//! cookie in the environment) none of this runs: the plugin path is untouched.

mod alarms;
mod args;
pub mod exit;
mod watch;

pub use args::{parse, Command, WatchArgs};

/// The usage text.
pub const USAGE: &str = "\
terraform-provider-ecsbg: the ecsbg Terraform provider. Terraform starts it as a plugin; people can run:

  terraform-provider-ecsbg watch <application>:<group> [options]
  terraform-provider-ecsbg watch --deployment d-XXXXXXXXX [options]
      Follows a CodeDeploy blue/green rollout live: lifecycle events, production traffic on green, gate
      checks, alarms, rollback. A progress bar in a terminal, plain timestamped lines otherwise. Without
      --deployment it follows the group's deployment in flight, waiting for one to start.
      Exit code: 0 Succeeded, 4 Failed, 5 Stopped, 6 rolled back, 3 AWS unreadable or nothing to watch,
      2 bad arguments.

      --region REGION          AWS region (else AWS_REGION or the profile's)
      --profile NAME           shared config profile (else AWS_PROFILE)
      --endpoint-url URL       one endpoint for every service, e.g. a local emulator
                               (else AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CODEDEPLOY, ...)
      --progress-file PATH     read gate checks from the provider's progress_file (else ECSBG_PROGRESS_FILE)
      --interval DURATION      how often to ask CodeDeploy, e.g. 2s (default 2s)
      --wait DURATION          how long to wait for a deployment to start (default 30m)
      --plain                  plain lines even in a terminal

  terraform-provider-ecsbg --version
  terraform-provider-ecsbg --help
";

/// Runs a command; the process exit code.
pub fn run(command: Command) -> i32 {
    match command {
        Command::Help => {
            print!("{USAGE}");
            exit::SUCCEEDED
        }
        Command::Usage(problem) => {
            eprintln!("terraform-provider-ecsbg: {problem}\n\n{USAGE}");
            exit::USAGE
        }
        Command::Watch(args) => {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(err) => {
                    eprintln!("terraform-provider-ecsbg: cannot start the async runtime: {err}");
                    return exit::ERROR;
                }
            };
            runtime.block_on(watch::watch(&args))
        }
    }
}
