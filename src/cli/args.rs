//! The command line of the binary's own commands (hand-parsed: three flags do not need a parser crate).

use std::time::Duration;

use crate::duration::parse_duration;

/// What was asked.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `--help`.
    Help,
    /// Arguments that make no command; the problem, in a sentence.
    Usage(String),
    /// `watch …`.
    Watch(WatchArgs),
}

/// `watch`'s arguments.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WatchArgs {
    /// `(application, group)` to follow the deployment in flight of.
    pub group: Option<(String, String)>,
    /// A deployment to follow.
    pub deployment: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--progress-file` (else `ECSBG_PROGRESS_FILE`).
    pub progress_file: Option<String>,
    /// `--interval`.
    pub interval: Duration,
    /// `--wait`.
    pub wait: Duration,
    /// `--plain`.
    pub plain: bool,
}

/// Reads `args` (without the program name); `env` is how environment variables are read.
pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Command {
    match args.first().map(String::as_str) {
        Some("--help" | "-help" | "-h" | "help") => Command::Help,
        Some("watch") => parse_watch(&args[1..], env),
        Some(other) => Command::Usage(format!("unknown command or option {other:?}.")),
        None => Command::Usage("no command given.".into()),
    }
}

fn parse_watch(args: &[String], env: impl Fn(&str) -> Option<String>) -> Command {
    let mut out = WatchArgs {
        interval: Duration::from_secs(2),
        wait: Duration::from_secs(30 * 60),
        progress_file: env("ECSBG_PROGRESS_FILE").filter(|p| !p.is_empty()),
        ..WatchArgs::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        if flag == "--plain" {
            out.plain = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Command::Help;
        }
        if !flag.starts_with('-') {
            if out.group.is_some() {
                return Command::Usage(format!(
                    "watch takes one <application>:<group>; {arg:?} is a second."
                ));
            }
            match arg.split_once(':') {
                Some((app, group)) if !app.is_empty() && !group.is_empty() => {
                    out.group = Some((app.to_string(), group.to_string()))
                }
                _ => {
                    return Command::Usage(format!(
                        "{arg:?} is not <application>:<group>, e.g. web:web-prod."
                    ))
                }
            }
            continue;
        }
        let Some(value) = inline.or_else(|| it.next().cloned()) else {
            return Command::Usage(format!("{flag} needs a value."));
        };
        match flag {
            "--deployment" => out.deployment = Some(value),
            "--region" => out.region = Some(value),
            "--profile" => out.profile = Some(value),
            "--endpoint-url" => out.endpoint_url = Some(value),
            "--progress-file" => out.progress_file = Some(value),
            "--interval" | "--wait" => match parse_duration(&value) {
                Ok(d) if flag == "--interval" && d >= Duration::from_millis(200) => {
                    out.interval = d
                }
                Ok(d) if flag == "--wait" => out.wait = d,
                Ok(_) => return Command::Usage("--interval must be at least 200ms.".into()),
                Err(msg) => return Command::Usage(format!("{flag}: {msg}")),
            },
            _ => return Command::Usage(format!("unknown watch option {flag:?}.")),
        }
    }
    if out.group.is_none() && out.deployment.is_none() {
        return Command::Usage(
            "watch needs <application>:<group> or --deployment d-XXXXXXXXX.".into(),
        );
    }
    Command::Watch(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn watch_reads_a_group_and_flags() {
        let Command::Watch(w) = parse(
            &args(&[
                "watch",
                "web:web-prod",
                "--region",
                "eu-west-1",
                "--interval=500ms",
                "--plain",
            ]),
            |_| None,
        ) else {
            panic!("a watch command");
        };
        assert_eq!(w.group, Some(("web".into(), "web-prod".into())));
        assert_eq!(w.region.as_deref(), Some("eu-west-1"));
        assert_eq!(w.interval, Duration::from_millis(500));
        assert!(w.plain);
    }

    #[test]
    fn the_progress_file_comes_from_the_environment_unless_given() {
        let env = |k: &str| (k == "ECSBG_PROGRESS_FILE").then(|| "/tmp/p.log".to_string());
        let Command::Watch(w) = parse(&args(&["watch", "--deployment", "d-1"]), env) else {
            panic!("a watch command");
        };
        assert_eq!(w.progress_file.as_deref(), Some("/tmp/p.log"));
        assert_eq!(w.deployment.as_deref(), Some("d-1"));
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for bad in [
            vec!["watch"],
            vec!["watch", "web"],
            vec!["watch", "web:prod", "--region"],
            vec!["watch", "web:prod", "--colour", "x"],
            vec!["watch", "web:prod", "--interval", "1ms"],
            vec!["frobnicate"],
        ] {
            assert!(
                matches!(parse(&args(&bad), |_| None), Command::Usage(_)),
                "{bad:?}"
            );
        }
        assert_eq!(parse(&args(&["--help"]), |_| None), Command::Help);
    }
}
