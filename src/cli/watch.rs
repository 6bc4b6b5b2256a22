//! `watch`: follows a deployment through CodeDeploy's own answers (GetDeployment, GetDeploymentTarget) and
//! shows each lifecycle event with CodeDeploy's times, production traffic on green, alarms, the rollback,
//! and the gate checks a provider's progress file reports. It exits with the rollout's outcome.

use std::collections::HashSet;
use std::io::{IsTerminal, Read, Seek, SeekFrom};
use std::time::{Duration, Instant};

use super::alarms::AlarmWatch;
use super::args::WatchArgs;
use super::exit;
use crate::aws::settings::{AwsSettings, Endpoints};
use crate::aws::transport::{
    Timeouts, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT,
};
use crate::aws::{Aws, AwsError, ErrorKind, Status, TargetView};
use crate::progress::line;
use crate::progress::terminal::{Display, Plain, Standing, Terminal};
use crate::rollout::progress::now_epoch;
use crate::rollout::timeline::{lifecycle_happenings, Said, TRAFFIC_FULL};
use crate::rollout::{EntryKind, ProgressEvent};

/// How long a Failed or Stopped deployment is given for CodeDeploy to record its rollback.
const ROLLBACK_APPEARS_WITHIN: Duration = Duration::from_secs(60);
/// Attempts per AWS call: a person watching wants a wrong endpoint named soon, and the next look retries.
const MAX_RETRIES: u32 = 3;

/// True for an AWS error that looking again will not cure (a wrong name, missing permission or
/// credentials); throttling and an unreachable endpoint are retried at the next look.
fn hopeless(err: &AwsError) -> bool {
    !matches!(err.kind, ErrorKind::Throttled | ErrorKind::Unreachable)
}

/// Runs `watch`; the exit code.
pub async fn watch(args: &WatchArgs) -> i32 {
    let all = args.endpoint_url.clone();
    let settings = AwsSettings {
        region: args.region.clone(),
        profile: args.profile.clone(),
        max_retries: MAX_RETRIES,
        endpoints: Endpoints {
            codedeploy: all.clone(),
            ecs: all.clone(),
            cloudwatch: all.clone(),
            elbv2: all.clone(),
            lambda: all,
        },
        timeouts: Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            attempt: DEFAULT_ATTEMPT_TIMEOUT,
            read: DEFAULT_READ_TIMEOUT,
        },
        ..AwsSettings::default()
    };
    let aws = Aws::connect(&settings).await;
    let stdout = std::io::stdout();
    let display: Box<dyn Display> = if !args.plain && stdout.is_terminal() {
        Box::new(Terminal::new(stdout))
    } else {
        Box::new(Plain(stdout))
    };
    let id = match find(&aws, args).await {
        Ok(id) => id,
        Err(problem) => {
            eprintln!("terraform-provider-ecsbg watch: {problem}");
            return exit::ERROR;
        }
    };
    eprintln!("watching deployment {id}: {}", aws.console_link(&id));
    let mut watcher = Watcher {
        aws: &aws,
        args,
        display,
        said: Said::default(),
        tail: args.progress_file.as_deref().map(Tail::new),
        target_id: None,
        alarms: AlarmWatch::default(),
        shown: HashSet::new(),
    };
    let code = watcher.outcome(&id).await;
    watcher.display.finish();
    code
}

/// The deployment to follow: the one named, else the group's in flight (waiting for one to start).
async fn find(aws: &Aws, args: &WatchArgs) -> Result<String, String> {
    if let Some(id) = &args.deployment {
        return Ok(id.clone());
    }
    let Some((app, group)) = &args.group else {
        return Err("nothing to watch".into());
    };
    let until = Instant::now() + args.wait;
    let mut told = false;
    // What existed before we looked: a fast rollout can start and end between two looks, so a deployment
    // not in this set is followed even when it is no longer in flight.
    let known: Option<HashSet<String>> = match aws.group_deployment_ids(app, group).await {
        Ok(ids) => Some(ids.into_iter().collect()),
        Err(err) if hopeless(&err) => {
            return Err(format!(
                "the deployments of {app}:{group} cannot be read: {err}."
            ))
        }
        // Unread (throttled, unreachable): only deployments in flight are followed.
        Err(_) => None,
    };
    loop {
        match aws.deployments_in_flight(app, group, false).await {
            Ok(found) => {
                if let Some(d) = found.first() {
                    return Ok(d.id.clone());
                }
            }
            Err(err) if hopeless(&err) => {
                return Err(format!(
                    "the deployments of {app}:{group} cannot be read: {err}."
                ))
            }
            Err(err) => {
                eprintln!("reading the deployments of {app}:{group} failed: {err}; trying again")
            }
        }
        if let Some(known) = &known {
            if let Ok(Some(id)) = aws.deployment_started_since(app, group, known).await {
                return Ok(id);
            }
        }
        if Instant::now() >= until {
            return Err(format!(
                "no deployment of {app}:{group} started within the wait."
            ));
        }
        if !told {
            eprintln!("waiting for a deployment of {app}:{group} to start…");
            told = true;
        }
        tokio::time::sleep(args.interval).await;
    }
}

struct Watcher<'a> {
    aws: &'a Aws,
    args: &'a WatchArgs,
    display: Box<dyn Display>,
    said: Said,
    tail: Option<Tail>,
    target_id: Option<String>,
    alarms: AlarmWatch,
    /// Gate and rollback lines shown so far (deployment, words): the progress file and CodeDeploy may tell
    /// the same thing.
    shown: HashSet<(Option<String>, String)>,
}

/// How a followed deployment ended.
struct Ended {
    status: Status,
    rollback: Option<String>,
}

impl Watcher<'_> {
    /// Follows `id` and, when it ends in a rollback, the rollback: the exit code.
    async fn outcome(&mut self, id: &str) -> i32 {
        let ended = match self.follow(id, false).await {
            Ok(ended) => ended,
            Err(problem) => {
                eprintln!("terraform-provider-ecsbg watch: {problem}");
                return exit::ERROR;
            }
        };
        let unrolled = match ended.status {
            Status::Succeeded => return exit::SUCCEEDED,
            Status::Stopped => exit::STOPPED,
            _ => exit::FAILED,
        };
        let Some(rollback) = ended.rollback else {
            return unrolled;
        };
        match self.follow(&rollback, true).await {
            Ok(Ended {
                status: Status::Succeeded,
                ..
            }) => exit::ROLLED_BACK,
            Ok(_) => unrolled,
            Err(problem) => {
                eprintln!("terraform-provider-ecsbg watch: {problem}");
                exit::ERROR
            }
        }
    }

    /// Follows one deployment to its end (and, if it failed, until CodeDeploy names its rollback).
    async fn follow(&mut self, id: &str, rollback: bool) -> Result<Ended, String> {
        let mut last_status: Option<Status> = None;
        let mut last_weight: Option<f64> = None;
        let mut ended_at: Option<Instant> = None;
        let mut saw_running = false;
        let mut names = (String::new(), String::new());
        loop {
            let view = match self.aws.deployment(id).await {
                Ok(Some(view)) => view,
                Ok(None) => return Err(format!("CodeDeploy returned no deployment {id}.")),
                Err(err) if hopeless(&err) => {
                    return Err(format!("deployment {id} cannot be read: {err}."))
                }
                Err(err) => {
                    eprintln!("reading deployment {id} failed: {err}; trying again");
                    tokio::time::sleep(self.args.interval).await;
                    continue;
                }
            };
            names = (
                view.application.clone().unwrap_or(names.0),
                view.group.clone().unwrap_or(names.1),
            );
            let say = |kind, at_epoch, what: String| ProgressEvent {
                at_epoch,
                application: names.0.clone(),
                group: names.1.clone(),
                deployment_id: Some(id.to_string()),
                kind,
                what,
            };
            // One look's lines are shown in time order: CodeDeploy's times for what it reports, now for the rest.
            let mut batch: Vec<ProgressEvent> = Vec::new();
            saw_running |= !view.status.is_terminal();
            if last_status.as_ref() != Some(&view.status) {
                let what = format!("deployment {id} is {}", view.status.as_str());
                batch.push(say(EntryKind::Status, now_epoch(), what));
                if view.status == Status::Ready {
                    let what = "CodeDeploy holds production traffic in the Ready wait: the test gate checks green on the test listener".to_string();
                    batch.push(say(EntryKind::Gate, now_epoch(), what));
                }
                last_status = Some(view.status.clone());
            }
            let target = self.target(id, &view.status).await;
            if let Some(target) = &target {
                for h in lifecycle_happenings(id, target, rollback, &mut self.said) {
                    batch.push(say(h.kind, h.at_epoch, h.what));
                }
                if target.green_weight != last_weight {
                    if let Some(w) = target.green_weight.filter(|w| {
                        *w < 100.0 || self.said.first(id, TRAFFIC_FULL.0, TRAFFIC_FULL.1)
                    }) {
                        let what = format!("production traffic on green: {w}%");
                        batch.push(say(EntryKind::Traffic, now_epoch(), what));
                    }
                    last_weight = target.green_weight;
                }
            }
            if !rollback {
                for what in self.alarms.look(self.aws, &view).await {
                    batch.push(say(EntryKind::Alarm, now_epoch(), what));
                }
            }
            for (at, kind, what) in self.tail.as_mut().map(|t| t.read(id)).unwrap_or_default() {
                batch.push(say(kind, at, what));
            }
            if view.status.is_terminal() {
                if view.error_code.as_deref() == Some("ALARM_ACTIVE")
                    && self.said.first(id, "alarm", "stopped")
                {
                    let what = format!(
                        "CodeDeploy stopped {id} for an alarm: {}",
                        view.error_message.as_deref().unwrap_or("ALARM_ACTIVE")
                    );
                    batch.push(say(EntryKind::Alarm, now_epoch(), what));
                }
                let ended_since = *ended_at.get_or_insert_with(Instant::now);
                // A deployment that was over at the first look had its rollback recorded long ago.
                let waiting_for_rollback = !rollback
                    && saw_running
                    && view.status != Status::Succeeded
                    && view.rollback_deployment_id.is_none()
                    && ended_since.elapsed() < ROLLBACK_APPEARS_WITHIN;
                if !waiting_for_rollback {
                    if let Some(rb) = &view.rollback_deployment_id {
                        let what = format!("CodeDeploy rolls back with deployment {rb}");
                        batch.push(say(EntryKind::Rollback, now_epoch(), what));
                    }
                    self.show(batch, id, &view.status, target.as_ref());
                    return Ok(Ended {
                        status: view.status,
                        rollback: view.rollback_deployment_id.filter(|_| !rollback),
                    });
                }
            }
            self.show(batch, id, &view.status, target.as_ref());
            tokio::time::sleep(self.args.interval).await;
        }
    }

    /// Shows one look's lines in time order, then where the deployment stands.
    fn show(
        &mut self,
        mut batch: Vec<ProgressEvent>,
        id: &str,
        status: &Status,
        target: Option<&TargetView>,
    ) {
        batch.sort_by(|a, b| a.at_epoch.total_cmp(&b.at_epoch));
        for event in &batch {
            // Statuses, weights and alarms may rightly come back (InProgress after Ready); a gate or rollback
            // line told by both the progress file and CodeDeploy is shown once.
            let may_repeat = matches!(
                event.kind,
                EntryKind::Status | EntryKind::Traffic | EntryKind::Alarm | EntryKind::Lifecycle
            );
            if may_repeat
                || self
                    .shown
                    .insert((event.deployment_id.clone(), event.what.clone()))
            {
                self.display.line(event);
            }
        }
        self.display.standing(&standing(id, status, target));
    }

    /// The deployment's ECS target, once CodeDeploy has started it.
    async fn target(&mut self, id: &str, status: &Status) -> Option<TargetView> {
        if matches!(status, Status::Created | Status::Queued) {
            return None;
        }
        if self.target_id.is_none() {
            self.target_id = self.aws.first_target_id(id).await.ok().flatten();
        }
        let target_id = self.target_id.clone()?;
        self.aws
            .deployment_target(id, &target_id)
            .await
            .ok()
            .flatten()
    }
}

/// Where the deployment stands, for the bar.
fn standing(id: &str, status: &Status, target: Option<&TargetView>) -> Standing {
    let events = target.map(|t| t.events.as_slice()).unwrap_or_default();
    Standing {
        deployment_id: id.to_string(),
        events_done: events
            .iter()
            .filter(|e| matches!(e.status.as_str(), "Succeeded" | "Failed" | "Skipped"))
            .count(),
        events_total: if events.is_empty() { 8 } else { events.len() },
        current_event: events
            .iter()
            .find(|e| e.status == "InProgress")
            .map(|e| e.name.clone()),
        green_weight: target.and_then(|t| t.green_weight),
        status: status.as_str().to_string(),
    }
}

/// The provider's progress file, read as it grows: its gate, alarm and rollback lines for the deployment
/// watched are what CodeDeploy cannot show.
struct Tail {
    path: String,
    offset: u64,
    partial: String,
}

impl Tail {
    fn new(path: &str) -> Tail {
        Tail {
            path: path.to_string(),
            offset: 0,
            partial: String::new(),
        }
    }

    /// New gate, alarm and rollback lines about deployment `id`: (time, kind, words).
    fn read(&mut self, id: &str) -> Vec<(f64, EntryKind, String)> {
        let mut text = String::new();
        let read = std::fs::File::open(&self.path).and_then(|mut f| {
            f.seek(SeekFrom::Start(self.offset))?;
            f.read_to_string(&mut text)
        });
        let Ok(n) = read else {
            return Vec::new();
        };
        self.offset += n as u64;
        self.partial.push_str(&text);
        let mut out = Vec::new();
        while let Some(end) = self.partial.find('\n') {
            let whole: String = self.partial.drain(..=end).collect();
            let Some(parsed) = line::parse(whole.trim_end()) else {
                continue;
            };
            if parsed.deployment_id.as_deref() == Some(id)
                && matches!(
                    parsed.kind,
                    EntryKind::Gate | EntryKind::Alarm | EntryKind::Rollback
                )
            {
                let at = line::parse_utc(&parsed.time).unwrap_or_else(now_epoch);
                out.push((at, parsed.kind, parsed.what));
            }
        }
        out
    }
}
