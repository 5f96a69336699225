//! `batchtop wait`: blocks until Jobs finish, on a watch (no polling), with
//! live progress, the reason when one fails, and an exit code CI can trust
//! (`model::wait::Outcome`: 0 done, 1 failed, 2 unreachable or refused,
//! 3 timed out, 4 deleted or replaced, 5 bad arguments, 130 interrupted).
//!
//! What each Job's state means is `model::wait`; this module watches,
//! prints and fetches the failed pods' last log lines.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::time::{Duration, Instant};

use action::{Action, ActionId, ProgressSink, Writes};
use clap::{Args, ValueEnum};
use model::logs::buffer::LogEvent;
use model::logs::request::{LogRequest, LogTarget};
use model::scope::{Namespaces, Scope};
use model::text as format;
use model::wait::{Goal, Outcome, Verdict, Waited, outcome, verdict};
use model::{JobInfo, Kind, ObjKey, State, WatchHealth, WatchId};
use serde::Serialize;
use source::cluster::Cluster;
use source::kube::spawn_watches;
use tokio::sync::mpsc;

use crate::cli::Output;
use crate::logging;
use crate::report::{self, JobReport};

#[derive(Debug, Clone, Args, PartialEq, Eq)]
pub struct WaitArgs {
    /// What to wait for: job/NAME (repeatable; a bare NAME is a Job), or
    /// cronjob/NAME (its next run); or nothing, with -l SELECTOR (every
    /// matching Job, done when all are).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Give up after this long (exit 3).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::cli::parse_duration)]
    pub timeout: Duration,

    /// complete: every Job Complete, the first failure ends the wait (exit 1);
    /// finished: every Job finished, complete or failed (exit 0).
    #[arg(long = "for", value_enum, default_value_t = GoalArg::Complete, value_name = "GOAL")]
    pub goal: GoalArg,

    /// Whose last log lines to print at the end.
    #[arg(long, value_enum, default_value_t = LogsArg::Failed, value_name = "WHICH")]
    pub logs: LogsArg,

    /// text: progress and the result; json: one object per Job at the end (the --once Job shape plus the outcome).
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// No progress, only the result.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// With cronjob/NAME: create the run now (as the console's trigger does) instead of waiting for the schedule.
    #[arg(long)]
    pub trigger: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GoalArg {
    Complete,
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogsArg {
    Failed,
    All,
    None,
}

/// What the arguments name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Jobs(Vec<String>),
    Selector(String),
    NextRunOf(String),
}

/// Reads the targets and `-l`; an error is a sentence for stderr (exit 5).
pub fn parse_targets(targets: &[String], selector: Option<&str>) -> Result<Target, String> {
    let mut jobs = Vec::new();
    let mut cronjobs = Vec::new();
    for t in targets {
        match t.split_once('/') {
            Some(("job" | "jobs" | "job.batch", name)) if !name.is_empty() => jobs.push(name.to_string()),
            Some(("cronjob" | "cronjobs" | "cj" | "cronjob.batch", name)) if !name.is_empty() => {
                cronjobs.push(name.to_string());
            }
            None if !t.is_empty() => jobs.push(t.clone()),
            _ => return Err(format!("cannot wait for {t:?}: give job/NAME, cronjob/NAME, or -l SELECTOR")),
        }
    }
    match (jobs.is_empty(), cronjobs.as_slice(), selector) {
        (true, [], Some(sel)) => Ok(Target::Selector(sel.to_string())),
        (true, [], None) => Err("nothing to wait for: give job/NAME, cronjob/NAME, or -l SELECTOR".into()),
        (_, _, Some(_)) => Err("give either targets or -l SELECTOR, not both".into()),
        (false, [], None) => Ok(Target::Jobs(jobs)),
        (true, [one], None) => Ok(Target::NextRunOf(one.clone())),
        _ => Err("cronjob/NAME waits for one CronJob's next run, alone".into()),
    }
}

/// Runs the wait in `namespace`; returns the exit code.
pub async fn run(conn: &Cluster, namespace: &str, args: &WaitArgs, selector: Option<&str>, readonly: bool) -> i32 {
    let target = match parse_targets(&args.targets, selector) {
        Ok(t) => t,
        Err(e) => return fail(Outcome::BadArguments, &e),
    };
    if args.trigger && !matches!(target, Target::NextRunOf(_)) {
        return fail(Outcome::BadArguments, "--trigger applies to cronjob/NAME");
    }
    if args.trigger && readonly {
        return fail(Outcome::BadArguments, "--trigger creates a Job, and --readonly forbids writing");
    }
    let goal = match args.goal {
        GoalArg::Complete => Goal::Complete,
        GoalArg::Finished => Goal::Finished,
    };
    let writes = if readonly { Writes::ReadOnly } else { Writes::Allowed };
    let mut waiter = Waiter::new(conn, namespace, target, args.clone(), writes);
    waiter.run(goal).await.exit_code()
}

fn fail(outcome: Outcome, message: &str) -> i32 {
    logging::to_stderr(format_args!("wait: {message}"));
    outcome.exit_code()
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    /// Nothing until the result (`--quiet`, `-o json`).
    Quiet,
    /// One line per Job, redrawn in place (a terminal).
    InPlace,
    /// One plain line per change, at most one per Job every few seconds (a pipe, a CI log).
    Lines,
}

/// The least time between two progress lines of one Job in a pipe.
const LINE_GAP: Duration = Duration::from_secs(5);
/// How many of a failed pod's last lines are printed.
const LOG_TAIL: i64 = 20;
/// How many failed pods of one Job have their logs printed.
const MAX_LOGGED_PODS: usize = 3;

struct Waiter<'a> {
    conn: &'a Cluster,
    namespace: String,
    target: Target,
    args: WaitArgs,
    state: State,
    waited: BTreeMap<ObjKey, Waited>,
    /// `cronjob/NAME`: the CronJob's Jobs there before the wait began (not its next run).
    earlier_runs: Option<BTreeSet<ObjKey>>,
    progress: Progress,
    /// In place: lines drawn last time. In a pipe: each Job's last line and when.
    drawn: usize,
    printed: BTreeMap<ObjKey, (String, Instant)>,
    jobs_watch: WatchId,
    /// `--trigger`'s write, refused again where it happens under `--readonly`.
    writes: Writes,
}

impl<'a> Waiter<'a> {
    fn new(conn: &'a Cluster, namespace: &str, target: Target, args: WaitArgs, writes: Writes) -> Self {
        let progress = if args.quiet || args.output == Output::Json {
            Progress::Quiet
        } else if in_place_possible() {
            Progress::InPlace
        } else {
            Progress::Lines
        };
        let waited = match &target {
            Target::Jobs(names) => {
                names.iter().map(|n| ObjKey::new(namespace, n.as_str())).map(|k| (k.clone(), Waited::new(k))).collect()
            }
            _ => BTreeMap::new(),
        };
        Self {
            conn,
            namespace: namespace.to_string(),
            target,
            args,
            state: State::default(),
            waited,
            earlier_runs: None,
            progress,
            drawn: 0,
            printed: BTreeMap::new(),
            jobs_watch: WatchId { kind: Kind::Job, namespace: Some(namespace.to_string()) },
            writes,
        }
    }

    /// Jobs with `-l` (server-side), their pods without (a pod need not carry the
    /// Job's labels), and CronJobs for `cronjob/NAME`.
    fn scopes(&self) -> Vec<Scope> {
        let ns = Namespaces::Only(vec![self.namespace.clone()]);
        let selector = match &self.target {
            Target::Selector(s) => Some(s.clone()),
            _ => None,
        };
        let mut scopes = vec![
            Scope { namespaces: ns.clone(), selector, kinds: vec![Kind::Job], events_of: None },
            Scope { namespaces: ns.clone(), selector: None, kinds: vec![Kind::Pod], events_of: None },
        ];
        if matches!(self.target, Target::NextRunOf(_)) {
            scopes.push(Scope { namespaces: ns, selector: None, kinds: vec![Kind::CronJob], events_of: None });
        }
        scopes
    }

    async fn run(&mut self, goal: Goal) -> Outcome {
        let (tx, mut rx) = mpsc::channel(4096);
        let handles: Vec<_> = self.scopes().iter().map(|s| spawn_watches(&self.conn.client, s, tx.clone())).collect();
        drop(tx);
        let watches: Vec<WatchId> = handles.iter().flat_map(|h| h.ids().iter().cloned()).collect();
        let deadline = tokio::time::Instant::now() + self.args.timeout;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let interrupted = tokio::signal::ctrl_c();
        tokio::pin!(interrupted);
        let mut triggered = false;
        loop {
            tokio::select! {
                batch = source::batch::next_batch(&mut rx, 2048) => {
                    let Some(batch) = batch else { return self.finish(Outcome::Unreachable).await };
                    let now = chrono::Utc::now();
                    for update in batch {
                        self.state.apply(update, now);
                    }
                }
                _ = tick.tick() => {}
                () = tokio::time::sleep_until(deadline) => {
                    let outcome = if self.listed(&watches) { Outcome::TimedOut } else { Outcome::Unreachable };
                    return self.finish(outcome).await;
                }
                _ = &mut interrupted => {
                    self.clear_progress();
                    return Outcome::Interrupted;
                }
            }
            if let Some(refused) = self.jobs_refused() {
                self.clear_progress();
                return self.refused(&refused);
            }
            // Decide only on complete lists: a failed Job's pods must be known to tell why.
            if !self.listed(&watches) {
                continue;
            }
            if self.args.trigger && !triggered {
                triggered = true;
                if let Err(e) = self.trigger().await {
                    self.clear_progress();
                    logging::to_stderr(format_args!("wait: {e}"));
                    return Outcome::Unreachable;
                }
            }
            self.track();
            let verdicts: Vec<Verdict> = self.waited.values().map(|w| verdict(&self.state, w)).collect();
            if let Some(outcome) = outcome(&verdicts, goal) {
                return self.finish(outcome).await;
            }
            self.show_progress();
        }
    }

    /// Every watch listed once, or refused (the pods' refusal only costs the logs).
    fn listed(&self, watches: &[WatchId]) -> bool {
        watches.iter().all(|id| {
            self.state.watches.get(id).is_some_and(|w| w.synced || matches!(w.health, WatchHealth::Forbidden { .. }))
        })
    }

    fn jobs_refused(&self) -> Option<String> {
        match self.state.watches.get(&self.jobs_watch).map(|w| &w.health) {
            Some(WatchHealth::Forbidden { message }) => Some(message.clone()),
            _ => None,
        }
    }

    fn refused(&self, message: &str) -> Outcome {
        logging::to_stderr(format_args!("wait: RBAC refuses to list jobs in namespace {}: {message}", self.namespace));
        Outcome::Unreachable
    }

    /// Adds the Jobs the target names now (a selector's new matches, a CronJob's new run)
    /// and records each one's UID when first seen.
    fn track(&mut self) {
        match &self.target {
            Target::Jobs(_) => {}
            Target::Selector(_) => {
                for key in self.state.jobs.keys() {
                    self.waited.entry(key.clone()).or_insert_with(|| Waited::new(key.clone()));
                }
            }
            Target::NextRunOf(cronjob) => {
                let owned = |j: &&JobInfo| j.owner.as_ref().is_some_and(|o| o.kind == "CronJob" && o.name == *cronjob);
                let earlier = self
                    .earlier_runs
                    .get_or_insert_with(|| self.state.jobs.values().filter(owned).map(|j| j.key.clone()).collect());
                if self.waited.is_empty() {
                    let next = self
                        .state
                        .jobs
                        .values()
                        .filter(owned)
                        .filter(|j| !earlier.contains(&j.key))
                        .min_by_key(|j| j.created);
                    if let Some(job) = next {
                        self.waited.insert(job.key.clone(), Waited::new(job.key.clone()));
                    }
                }
            }
        }
        for w in self.waited.values_mut() {
            w.observe(&self.state);
        }
    }

    /// `--trigger`: a manual run of the CronJob, through the action the console uses.
    async fn trigger(&self) -> Result<(), String> {
        let Target::NextRunOf(name) = &self.target else { return Ok(()) };
        let key = ObjKey::new(self.namespace.as_str(), name.as_str());
        let action = Action::new(ActionId::TriggerCronJob, &self.conn.context, vec![key]);
        let outcome = action.execute(&self.conn.client, self.writes, ProgressSink::silent()).await;
        if outcome.ok() { Ok(()) } else { Err(outcome.summary()) }
    }

    // ---- progress -----------------------------------------------------------------

    fn lines(&self) -> Vec<(ObjKey, String)> {
        let now = chrono::Utc::now();
        if self.waited.is_empty() {
            let what = match &self.target {
                Target::NextRunOf(name) => format!("cronjob/{name}: waiting for its next run"),
                _ => "no Job matches yet".to_string(),
            };
            return vec![(ObjKey::new(self.namespace.as_str(), ""), what)];
        }
        self.waited.values().map(|w| (w.key.clone(), progress_line(&self.state, w, now))).collect()
    }

    fn show_progress(&mut self) {
        match self.progress {
            Progress::Quiet => {}
            Progress::InPlace => {
                let lines = self.lines();
                let mut out = String::new();
                if self.drawn > 0 {
                    out.push_str(&format!("\x1b[{}A", self.drawn));
                }
                for (_, line) in &lines {
                    out.push_str("\r\x1b[2K");
                    out.push_str(&format::fit(line, terminal_width()));
                    out.push('\n');
                }
                self.drawn = lines.len();
                print_now(&out);
            }
            Progress::Lines => {
                let now = Instant::now();
                let mut out = String::new();
                for (key, line) in self.lines() {
                    let changed = self.printed.get(&key).is_none_or(|(last, at)| {
                        without_elapsed(last) != without_elapsed(&line) && now.duration_since(*at) >= LINE_GAP
                    });
                    if changed {
                        out.push_str(&line);
                        out.push('\n');
                        self.printed.insert(key, (line, now));
                    }
                }
                print_now(&out);
            }
        }
    }

    /// Takes the in-place lines away before the result is printed under them.
    fn clear_progress(&mut self) {
        if self.progress == Progress::InPlace && self.drawn > 0 {
            print_now(&format!("\x1b[{}A\r\x1b[J", self.drawn));
            self.drawn = 0;
        }
    }

    // ---- the result ---------------------------------------------------------------

    async fn finish(&mut self, outcome: Outcome) -> Outcome {
        self.clear_progress();
        let now = chrono::Utc::now();
        let groups = model::groups::job_groups(&self.state.jobs);
        let mut results = Vec::new();
        for w in self.waited.values() {
            let v = verdict(&self.state, w);
            let job = self.state.jobs.get(&w.key);
            let wants_logs = matches!((self.args.logs, v), (LogsArg::All, _) | (LogsArg::Failed, Verdict::Failed));
            let pod_logs = match job {
                Some(_) if wants_logs => last_lines(self.conn, &self.state, &w.key).await,
                _ => Vec::new(),
            };
            results.push(JobResult {
                target: format!("job/{}", w.key.name),
                outcome: v.word(),
                job: job.map(|j| report::job_report(&self.state, j, &groups, now)),
                pod_logs,
                key: w.key.clone(),
            });
        }
        self.report(outcome, &results)
    }

    fn report(&self, outcome: Outcome, results: &[JobResult]) -> Outcome {
        match self.args.output {
            Output::Json => {
                let mut out = std::io::stdout().lock();
                for r in results {
                    let _ = serde_json::to_writer(&mut out, r);
                    let _ = writeln!(out);
                }
            }
            Output::Text => print_now(&self.result_text(outcome, results)),
        }
        if outcome == Outcome::Unreachable && self.jobs_refused().is_none() {
            let error = match self.state.watches.get(&self.jobs_watch).map(|w| &w.health) {
                Some(WatchHealth::Retrying { error }) => format!(": {error}"),
                _ => String::new(),
            };
            logging::to_stderr(format_args!(
                "wait: could not list jobs in namespace {} within {}{error}",
                self.namespace,
                humantime::format_duration(self.args.timeout)
            ));
        }
        outcome
    }

    fn result_text(&self, outcome: Outcome, results: &[JobResult]) -> String {
        let mut out = String::new();
        for r in results {
            let job = self.state.jobs.get(&r.key);
            out.push_str(&result_line(r, job, chrono::Utc::now()));
            out.push('\n');
            if let (Some(job), "failed") = (job, r.outcome) {
                for line in failure_lines(&self.state, job) {
                    out.push_str(&format!("  {line}\n"));
                }
            }
            for pod in &r.pod_logs {
                out.push_str(&format!("  last lines of pod/{} ({}):\n", pod.pod, pod.container));
                for l in &pod.lines {
                    out.push_str(&format!("    {l}\n"));
                }
                if let Some(note) = &pod.note {
                    out.push_str(&format!("    ({note})\n"));
                }
            }
        }
        match outcome {
            Outcome::TimedOut => {
                out.push_str(&format!("timed out after {}\n", humantime::format_duration(self.args.timeout)));
            }
            Outcome::Gone => out.push_str("a Job waited for was deleted or replaced\n"),
            _ => {}
        }
        if results.is_empty() {
            match &self.target {
                Target::NextRunOf(name) => out.push_str(&format!("cronjob/{name}: no new run appeared\n")),
                _ => out.push_str("no Job matched\n"),
            }
        }
        out
    }
}

/// One Job's line in the result and in `-o json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JobResult {
    target: String,
    outcome: &'static str,
    #[serde(flatten)]
    job: Option<JobReport>,
    /// The last lines of failed pods (or every pod with `--logs all`).
    pod_logs: Vec<PodLog>,
    #[serde(skip)]
    key: ObjKey,
}

#[derive(Debug, Serialize)]
struct PodLog {
    pod: String,
    container: String,
    lines: Vec<String>,
    /// Why there are no lines (RBAC, the kubelet), when there are none.
    note: Option<String>,
}

/// `job/indexed-job  [######....] 3/5  Running  1m20s  indexes done 0-2, failed 4`.
fn progress_line(state: &State, w: &Waited, now: model::Time) -> String {
    let name = format!("job/{}", w.key.name);
    let Some(job) = state.jobs.get(&w.key) else {
        return format!("{name}  {}", verdict(state, w).word());
    };
    let progress = job.progress();
    let mut line = format!("{name}  {} {}", report::text::text_bar(&progress), job.status_text());
    if job.spec.suspend {
        line.push_str(" (suspended)");
    }
    if let Some(e) = job.elapsed(now) {
        line.push_str(&format!("  {}", format::duration(e)));
    }
    if let Some(eta) = model::eta::job_eta(job, state.pods_of_job(&job.key), now) {
        line.push_str(&format!("  eta {}", format::duration(eta.eta)));
    }
    if let Some(indexes) = index_summary(job) {
        line.push_str(&format!("  {indexes}"));
    }
    format::sanitize(&line)
}

/// The line without its times (elapsed, eta), to tell a change from the clock ticking.
fn without_elapsed(line: &str) -> String {
    line.split("  ")
        .filter(|part| !part.chars().next().is_some_and(|c| c.is_ascii_digit()) && !part.starts_with("eta "))
        .collect()
}

fn index_summary(job: &JobInfo) -> Option<String> {
    if !job.spec.indexed {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(done) = job.status.completed_indexes.as_deref().filter(|s| !s.is_empty()) {
        parts.push(format!("done {done}"));
    }
    if let Some(failed) = job.status.failed_indexes.as_deref().filter(|s| !s.is_empty()) {
        parts.push(format!("failed {failed}"));
    }
    (!parts.is_empty()).then(|| format!("indexes {}", parts.join(", ")))
}

/// `job/x: complete (5/5) in 42s`, `job/y: failed (BackoffLimitExceeded)`, `job/z: deleted`.
fn result_line(r: &JobResult, job: Option<&JobInfo>, now: model::Time) -> String {
    let mut line = format!("{}: {}", r.target, r.outcome);
    if let Some(job) = job {
        line.push_str(&format!(" ({})", job.progress().label()));
        if let Some((reason, _)) = job.failure_reason() {
            line.push_str(&format!(", {reason}"));
        }
        if let Some(e) = job.elapsed(now) {
            line.push_str(&format!(" after {}", format::duration(e)));
        }
    }
    format::sanitize(&line)
}

/// Why a Job failed: the failure-policy rule that fired and what matched it,
/// the condition's message, the failed indexes.
fn failure_lines(state: &State, job: &JobInfo) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(m) = model::failure_policy::matched_rule(job, state.pods_of_job(&job.key)) {
        let mut what = format!("pod failure policy: rule {} ({})", m.rule_index, m.action);
        match (&m.exit_code, &m.pod_condition) {
            (Some(code), _) => {
                what.push_str(&format!(
                    " matched: container {} exited with code {code}",
                    m.container.as_deref().unwrap_or("?")
                ));
            }
            (None, Some(cond)) => what.push_str(&format!(" matched: pod condition {cond}")),
            (None, None) => {}
        }
        if let Some(pod) = &m.pod {
            what.push_str(&format!(" (pod {pod})"));
        }
        lines.push(what);
    }
    if let Some((_, message)) = job.failure_reason().filter(|(_, m)| !m.is_empty()) {
        lines.push(message.to_string());
    }
    if let Some(failed) = job.status.failed_indexes.as_deref().filter(|s| !s.is_empty()) {
        lines.push(format!("failed indexes: {failed}"));
    }
    lines.into_iter().map(|l| format::sanitize(&l)).collect()
}

/// The last lines of a Job's failed pods (the newest few), main container.
async fn last_lines(conn: &Cluster, state: &State, job: &ObjKey) -> Vec<PodLog> {
    let mut pods: Vec<_> = state.pods_of_job(job).filter(|p| p.phase == "Failed").collect();
    if pods.is_empty() {
        pods = state.pods_of_job(job).collect();
    }
    pods.sort_by_key(|p| std::cmp::Reverse(p.created));
    let mut out = Vec::new();
    for pod in pods.into_iter().take(MAX_LOGGED_PODS) {
        let container = pod.containers.first().map_or_else(String::new, |c| c.name.clone());
        let mut request = LogRequest::new(job.namespace.as_str(), LogTarget::Pod(pod.key.name.clone()));
        request.follow = false;
        request.tail_lines = Some(LOG_TAIL);
        let mut session = source::logs::spawn(conn.client.clone(), request);
        let (mut lines, mut note) = (Vec::new(), None);
        let read = async {
            while let Some(events) = session.next_batch(256).await {
                for e in events {
                    match e {
                        LogEvent::Lines { lines: got, .. } => lines.extend(got.into_iter().map(|l| l.text.text)),
                        LogEvent::Status { status: model::logs::buffer::StreamStatus::Failed(f), .. } => {
                            note = Some(f.to_string());
                        }
                        LogEvent::ViewFailed(e) => note = Some(e.to_string()),
                        LogEvent::Done => return,
                        _ => {}
                    }
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(10), read).await.is_err() {
            note = Some("the log did not arrive within 10 s".into());
        }
        let note = note.filter(|_| lines.is_empty()).map(|n| format::sanitize(&n));
        out.push(PodLog { pod: pod.key.name.clone(), container, lines, note });
    }
    out
}

/// In place needs a terminal that moves its cursor: not a pipe, not `TERM=dumb`.
fn in_place_possible() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var("TERM").is_ok_and(|t| !t.is_empty() && t != "dumb")
}

fn terminal_width() -> usize {
    crossterm::terminal::size().map_or(80, |(w, _)| w as usize).max(20) - 1
}

fn print_now(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(args: &[&str], selector: Option<&str>) -> Result<Target, String> {
        parse_targets(&args.iter().map(std::string::ToString::to_string).collect::<Vec<_>>(), selector)
    }

    #[test]
    fn targets_name_jobs_a_selector_or_one_cronjob() {
        assert_eq!(targets(&["job/a", "b"], None), Ok(Target::Jobs(vec!["a".into(), "b".into()])));
        assert_eq!(targets(&[], Some("jobgroup=x")), Ok(Target::Selector("jobgroup=x".into())));
        assert_eq!(targets(&["cronjob/hello"], None), Ok(Target::NextRunOf("hello".into())));
        for bad in
            [&["pod/x"][..], &["job/"][..], &["cronjob/a", "cronjob/b"][..], &["cronjob/a", "job/b"][..], &[][..]]
        {
            assert!(targets(bad, None).is_err(), "{bad:?}");
        }
        assert!(targets(&["job/a"], Some("x=y")).is_err(), "targets or a selector, not both");
    }

    #[test]
    fn a_line_changes_only_when_more_than_the_clock_moved() {
        let a = "job/x  [###.......] 1/3 Running  12s";
        let b = "job/x  [###.......] 1/3 Running  13s";
        let c = "job/x  [######....] 2/3 Running  14s";
        assert_eq!(without_elapsed(a), without_elapsed(b));
        assert_ne!(without_elapsed(b), without_elapsed(c));
    }
}
