//! Things an operator should look at, derived from the state: the same list
//! feeds the console's warning panel and `--once`'s `warnings[]`.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;
use serde::Serialize;

use crate::cronjob::schedule_error;
use crate::indexes::{IndexSet, JobIndexes};
use crate::job::{JobPhase, human_duration};
use crate::queue::Queues;
use crate::types::{CronJobInfo, EventInfo, JobInfo, ObjKey, PodInfo, Time};
use crate::{State, WatchHealth, WatchId, indexes};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}

/// What a warning is about, typed, so the console can mark the row and open
/// the object; [`Subject::describe`] is the `object` text `--once` prints.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Job(ObjKey),
    Pod(ObjKey),
    CronJob(ObjKey),
    /// A work queue.
    Queue(crate::queue::QueueKey),
    /// A watch, as `jobs in ns` or `pods in all namespaces`.
    Watch(String),
}

impl Subject {
    /// `Job ns/name`, `Pod ns/name`, `CronJob ns/name`, `Queue source/name`, `watch jobs in ns`.
    pub fn describe(&self) -> String {
        match self {
            Subject::Job(k) => format!("Job {k}"),
            Subject::Pod(k) => format!("Pod {k}"),
            Subject::CronJob(k) => format!("CronJob {k}"),
            Subject::Queue(q) => format!("Queue {q}"),
            Subject::Watch(w) => format!("watch {w}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub severity: Severity,
    #[serde(skip)]
    pub subject: Subject,
    /// [`Subject::describe`] of `subject`.
    pub object: String,
    pub message: String,
}

impl Warning {
    pub fn new(severity: Severity, subject: Subject, message: String) -> Warning {
        Warning { severity, object: subject.describe(), subject, message }
    }
}

/// Most severe first, then by object and message, so a list is stable from
/// one frame (or one `--once` run) to the next.
pub fn sort(list: &mut [Warning]) {
    list.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| a.object.cmp(&b.object)).then_with(|| a.message.cmp(&b.message))
    });
}

/// Whether `update`, about to be folded into `state`, can change what [`all`]
/// finds. Of the events, the warnings read only those about CronJobs; a busy
/// cluster's pod events (a few a second at 10,000 pods, their expiry as many)
/// would otherwise have the warnings derived again at every tick.
pub fn read_by_warnings(update: &crate::Update, state: &State) -> bool {
    use crate::{Kind, Object, Update};
    let about_cronjob = |e: &EventInfo| e.involved_kind == "CronJob";
    match update {
        Update::Applied(_, Object::Event(e)) => about_cronjob(e),
        Update::Deleted(id, key) if id.kind == Kind::Event => state.events.get(key).is_some_and(about_cronjob),
        _ => true,
    }
}

/// Every warning the console and `--once` show: the state's ([`job_warnings_with`])
/// and the queues' (stuck work, and Jobs that could not be linked), sorted.
pub fn all(state: &State, queues: &Queues, now: Time, limits: Limits) -> Vec<Warning> {
    merged(job_warnings_with(state, now, limits), &of_queues(queues, state))
}

/// The state's warnings (`of_state`, from [`job_warnings_with`]) and the
/// queues' ([`of_queues`]), sorted: the console keeps each part until it
/// changes (the state's is the costly one).
pub fn merged(mut of_state: Vec<Warning>, of_queues: &[Warning]) -> Vec<Warning> {
    of_state.extend_from_slice(of_queues);
    sort(&mut of_state);
    of_state
}

/// The queues' warnings, unsorted: stuck or lost work, and the link notes.
pub fn of_queues(queues: &Queues, state: &State) -> Vec<Warning> {
    let mut out = crate::queue::as_warnings(&queues.warnings(&state.jobs));
    out.extend(crate::queue::note_warnings(&queues.link_notes));
    out
}

/// The worst warning of each Job, Pod and CronJob, for the row marks: looked
/// up by key for every row drawn, so kept per kind (no key is built to ask).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marks {
    jobs: HashMap<ObjKey, Severity>,
    pods: HashMap<ObjKey, Severity>,
    cronjobs: HashMap<ObjKey, Severity>,
}

impl Marks {
    pub fn of(list: &[Warning]) -> Marks {
        let mut marks = Marks::default();
        for w in list {
            let (map, key) = match &w.subject {
                Subject::Job(k) => (&mut marks.jobs, k),
                Subject::Pod(k) => (&mut marks.pods, k),
                Subject::CronJob(k) => (&mut marks.cronjobs, k),
                Subject::Queue(_) | Subject::Watch(_) => continue,
            };
            let worst = map.entry(key.clone()).or_insert(w.severity);
            *worst = (*worst).max(w.severity);
        }
        marks
    }

    /// The worst severity of the warnings about this Job, if any.
    pub fn job(&self, key: &ObjKey) -> Option<Severity> {
        self.jobs.get(key).copied()
    }

    pub fn pod(&self, key: &ObjKey) -> Option<Severity> {
        self.pods.get(key).copied()
    }

    pub fn cronjob(&self, key: &ObjKey) -> Option<Severity> {
        self.cronjobs.get(key).copied()
    }
}

/// How long a pod may wait on something that is not progress (an image that
/// will not pull, no node) before it counts as stuck: long enough to skip the
/// normal first ErrImagePull/backoff blips, short enough to matter on-call.
pub const STUCK_AFTER: Duration = Duration::seconds(60);

/// A running Job is stalled after at least this long without a completion...
pub const STALL_FLOOR: Duration = Duration::minutes(10);
/// ...or this many times its median pod duration, whichever is longer.
pub const STALL_FACTOR: i32 = 5;
/// This many failed runs in a row make a CronJob's failing streak.
pub const FAILING_STREAK: usize = 3;
/// How late a CronJob's run may be (without `startingDeadlineSeconds`) before
/// it counts as missed: the controller checks every 10 s.
pub const MISSED_GRACE: Duration = Duration::minutes(2);
/// A suspended CronJob whose last run is older than this is pointed out.
pub const LONG_SUSPENDED: Duration = Duration::days(1);

/// What the thresholds are (the config may set the stall one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Stalled after this long without a completion; `None`: [`STALL_FACTOR`] x median, at least [`STALL_FLOOR`].
    pub stall_after: Option<Duration>,
}

impl Limits {
    /// The thresholds the config sets.
    pub fn of(config: &crate::settings::Config) -> Limits {
        Limits { stall_after: config.stall_after.and_then(|d| Duration::from_std(d).ok()) }
    }
}

/// Every warning about the batch work in the state, sorted ([`sort`]).
pub fn job_warnings(state: &State, now: Time) -> Vec<Warning> {
    job_warnings_with(state, now, Limits::default())
}

/// [`job_warnings`] with the thresholds given.
pub fn job_warnings_with(state: &State, now: Time, limits: Limits) -> Vec<Warning> {
    let mut out: Vec<Warning> = state.watches.iter().filter_map(|(id, s)| watch_warning(id, &s.health)).collect();
    for job in state.jobs.values() {
        job_warnings_of(job, state, &mut out);
        if let Some(m) = stalled(job, state, now, limits) {
            out.push(Warning::new(Severity::Warn, Subject::Job(job.key.clone()), m));
        }
    }
    out.extend(state.pods.values().filter_map(|p| stuck_pod(p, now)));
    for cj in state.cronjobs.values() {
        let found = [schedule_error(cj), missed_runs(cj, now), failing_streak(cj, state), long_suspended(cj, now)];
        out.extend(
            found.into_iter().flatten().map(|m| Warning::new(Severity::Warn, Subject::CronJob(cj.key.clone()), m)),
        );
    }
    out.extend(state.events.values().filter_map(|e| cronjob_event(e, state, now)));
    out.extend(
        state
            .cronjobs
            .values()
            .filter_map(overlapping_runs)
            .map(|(key, m)| Warning::new(Severity::Warn, Subject::CronJob(key), m)),
    );
    sort(&mut out);
    out
}

/// What the CronJob controller said went wrong, from its events about a
/// CronJob batchtop lists: too many missed start times, a start missed past
/// its deadline, a run skipped under `Forbid`, a Job it could not create.
/// Events expire (an hour by default), so these fade once the cause is gone.
fn cronjob_event(event: &EventInfo, state: &State, now: Time) -> Option<Warning> {
    if event.involved_kind != "CronJob" {
        return None;
    }
    let key = ObjKey::new(event.key.namespace.clone(), event.involved_name.clone());
    state.cronjobs.get(&key)?;
    let (severity, what) = match &*event.reason {
        "TooManyMissedTimes" => (Severity::Warn, "too many missed start times"),
        "MissSchedule" => (Severity::Warn, "missed a start past its deadline"),
        "JobAlreadyActive" => {
            (Severity::Warn, "skipped a run: the previous one was still running (concurrencyPolicy Forbid)")
        }
        "FailedCreate" => (Severity::Error, "could not create its Job"),
        _ => return None,
    };
    let times = if event.count > 1 { format!(", {} times", event.count) } else { String::new() };
    let when = event.last_seen.map(|t| format!(", last {} ago", human_duration(now - t))).unwrap_or_default();
    let detail = if event.message.is_empty() { String::new() } else { format!(": {}", event.message) };
    Some(Warning::new(severity, Subject::CronJob(key), format!("{what}{times}{when}{detail}")))
}

/// Runs of an `Allow` CronJob running at the same time: each new run starts
/// before the last ends, so they pile up (and compete for the same work).
fn overlapping_runs(cj: &CronJobInfo) -> Option<(ObjKey, String)> {
    (cj.concurrency_policy == "Allow" && cj.active.len() > 1).then(|| {
        (
            cj.key.clone(),
            format!("{} runs overlap (concurrencyPolicy Allow): {}", cj.active.len(), cj.active.join(", ")),
        )
    })
}

/// A watch RBAC refused (Error: nothing will show until permissions change)
/// or one that is retrying (Warn: rows are the last known) or failed (Error:
/// its rows will not change again).
fn watch_warning(id: &WatchId, health: &WatchHealth) -> Option<Warning> {
    let scope = match &id.namespace {
        Some(ns) => format!("in {ns}"),
        None => "in all namespaces".into(),
    };
    let object = Subject::Watch(format!("{} {scope}", id.kind.plural()));
    match health {
        WatchHealth::Forbidden { message } => {
            Some(Warning::new(Severity::Error, object, format!("forbidden: {message}")))
        }
        WatchHealth::Retrying { error } => Some(Warning::new(Severity::Warn, object, format!("retrying: {error}"))),
        WatchHealth::Failed { error } => Some(Warning::new(Severity::Error, object, format!("failed: {error}"))),
        WatchHealth::Starting | WatchHealth::Ok => None,
    }
}

fn job_warnings_of(job: &JobInfo, state: &State, out: &mut Vec<Warning>) {
    let object = Subject::Job(job.key.clone());
    let mut push = |severity, message| out.push(Warning::new(severity, object.clone(), message));
    if let Some(m) = failure(job) {
        push(Severity::Error, m);
    }
    if let Some(m) = backoff_nearly_exhausted(job) {
        push(Severity::Warn, m);
    }
    if let Some(m) = failed_indexes(job) {
        push(Severity::Warn, m);
    }
    for e in JobIndexes::parse_errors(job) {
        push(Severity::Warn, format!("cannot read the index status: {e}"));
    }
    if job.phase() == JobPhase::Suspended && job.status.active > 0 {
        push(Severity::Warn, format!("suspended, but {} pods are still active", job.status.active));
    }
    if indexes::headless_service_present(job, &state.services) == Some(false) {
        let subdomain = job.spec.subdomain.as_deref().unwrap_or_default();
        push(
            Severity::Warn,
            format!("no headless Service {subdomain:?} for the pod subdomain: pod hostnames will not resolve"),
        );
    }
}

/// `failed: Reason: message`, or `failing` while the controller waits for
/// pods to end after FailureTarget.
fn failure(job: &JobInfo) -> Option<String> {
    let (reason, message) = job.failure_reason()?;
    let verb = if job.phase() == JobPhase::Failed { "failed" } else { "failing (pods still terminating)" };
    Some(if message.is_empty() { format!("{verb}: {reason}") } else { format!("{verb}: {reason}: {message}") })
}

/// A running Job close to its backoffLimit: the controller fails it once
/// `failed > backoffLimit`. Warn when at most a fifth of the retries (and at
/// least the last one) remain.
fn backoff_nearly_exhausted(job: &JobInfo) -> Option<String> {
    if job.phase().is_finished() || job.terminal_pending().is_some() {
        return None;
    }
    let (failed, limit) = job.backoff_usage()?;
    let left = limit - failed;
    let near = failed > 0 && left >= 0 && left <= (limit / 5).max(1);
    near.then(|| format!("backoff nearly exhausted: {failed} pods failed, backoffLimit {limit} ({left} retries left)"))
}

/// Indexes that failed for good (backoffLimitPerIndex), against maxFailedIndexes.
fn failed_indexes(job: &JobInfo) -> Option<String> {
    let failed = IndexSet::parse(job.status.failed_indexes.as_deref()?).ok().filter(|s| !s.is_empty())?;
    let budget = job.spec.max_failed_indexes.map(|m| format!(" (maxFailedIndexes {m})")).unwrap_or_default();
    Some(format!("{} indexes failed: {failed}{budget}", failed.len()))
}

/// A running Job with active pods whose last completion (or start) is older
/// than the stall threshold: five times its median pod duration, at least
/// ten minutes, unless the config sets it.
fn stalled(job: &JobInfo, state: &State, now: Time, limits: Limits) -> Option<String> {
    if job.phase().is_finished() || job.spec.suspend || job.status.active == 0 || job.terminal_pending().is_some() {
        return None;
    }
    let succeeded: Vec<&PodInfo> = state.pods_of_job(&job.key).filter(|p| p.phase == "Succeeded").collect();
    let last = succeeded.iter().filter_map(|p| crate::eta::finish_time(p)).max().or(job.status.start_time)?;
    let threshold = limits.stall_after.unwrap_or_else(|| (median_run(&succeeded) * STALL_FACTOR).max(STALL_FLOOR));
    let quiet = now - last;
    (quiet > threshold).then(|| {
        format!(
            "stalled: no pod has succeeded for {} while {} are active (threshold {})",
            human_duration(quiet),
            job.status.active,
            human_duration(threshold)
        )
    })
}

/// The median time from creation to finish of succeeded pods (zero without any).
fn median_run(succeeded: &[&PodInfo]) -> Duration {
    let mut runs: Vec<Duration> =
        succeeded.iter().filter_map(|p| Some(crate::eta::finish_time(p)? - p.created?)).collect();
    runs.sort_unstable();
    runs.get(runs.len() / 2).copied().unwrap_or_else(Duration::zero)
}

/// Runs the schedule called for that did not happen: the first run due after
/// the last one (or the CronJob's creation) is older than its starting
/// deadline (or [`MISSED_GRACE`]).
fn missed_runs(cj: &CronJobInfo, now: Time) -> Option<String> {
    let since = cj.last_schedule.or(cj.created)?;
    let grace = cj.starting_deadline_seconds.map_or(MISSED_GRACE, Duration::seconds);
    let due = crate::cronjob::next_run(cj, since)?;
    if due + grace >= now {
        return None;
    }
    // Count a few more, not all: an every-minute schedule stopped for a week is "10+".
    let mut missed = 1;
    let mut at = due;
    while missed < 10 {
        match crate::cronjob::next_run(cj, at) {
            Some(next) if next + grace < now => (missed, at) = (missed + 1, next),
            _ => break,
        }
    }
    let count = if missed == 10 { "10+".to_string() } else { missed.to_string() };
    Some(format!("missed schedule: {count} run(s) did not start, the first due {} ago", human_duration(now - due)))
}

/// The last [`FAILING_STREAK`] finished runs all failed. The runs are the
/// CronJob's Jobs still in the cluster and, for the ones its history limit
/// already deleted (`failedJobsHistoryLimit` keeps one failed Job by
/// default), the controller's "Saw completed job" events, which outlive them.
fn failing_streak(cj: &CronJobInfo, state: &State) -> Option<String> {
    let mut finished: BTreeMap<String, (Option<Time>, bool)> = BTreeMap::new();
    for e in state.events.in_namespace(&cj.key.namespace) {
        if e.involved_kind == "CronJob"
            && e.involved_name == cj.key.name
            && e.reason == "SawCompletedJob"
            && let Some((job, failed)) = completed_run(&e.message)
        {
            finished.insert(job, (e.last_seen, failed));
        }
    }
    for (name, phase, created) in crate::cronjob::history(cj, &state.jobs) {
        if phase.is_finished() {
            finished.insert(name, (created, phase == JobPhase::Failed));
        }
    }
    let mut runs: Vec<(Option<Time>, bool)> = finished.into_values().collect();
    runs.sort_by_key(|(at, _)| *at);
    let last: Vec<_> = runs.iter().rev().take(FAILING_STREAK).collect();
    (last.len() == FAILING_STREAK && last.iter().all(|(_, failed)| *failed))
        .then(|| format!("failing streak: the last {FAILING_STREAK} runs failed"))
}

/// The Job and whether it failed, from the CronJob controller's
/// `Saw completed job: NAME, condition: Failed` (which the API server's event
/// aggregation may prefix with `(combined from similar events): `).
fn completed_run(message: &str) -> Option<(String, bool)> {
    let message = message.strip_prefix("(combined from similar events): ").unwrap_or(message);
    let rest = message.strip_prefix("Saw completed job: ")?;
    let (job, condition) = rest.split_once(", condition: ")?;
    Some((job.to_string(), condition.trim() == "Failed"))
}

/// Suspended, and the last run is long ago.
fn long_suspended(cj: &CronJobInfo, now: Time) -> Option<String> {
    if !cj.suspend {
        return None;
    }
    let since = cj.last_schedule.or(cj.created)?;
    (now - since > LONG_SUSPENDED).then(|| format!("suspended; the last run was {} ago", human_duration(now - since)))
}

/// A live pod of a Job blocked for longer than [`STUCK_AFTER`]. Only the
/// creation time is known, so the message says how old the pod is rather
/// than claiming how long it has been blocked.
fn stuck_pod(pod: &PodInfo, now: Time) -> Option<Warning> {
    pod.job.as_ref()?;
    if pod.deleting {
        return None;
    }
    let reason = pod.blocking_reason()?;
    let age = now - pod.created?;
    // The scheduler says why in its condition's message ("0/3 nodes are available: ...").
    let why = pod
        .conditions
        .iter()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        .and_then(|c| c.message.as_deref())
        .filter(|m| !m.is_empty())
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    (age > STUCK_AFTER).then(|| {
        let message = format!("{reason}{why} for a pod created {} ago", human_duration(age));
        Warning::new(Severity::Warn, Subject::Pod(pod.key.clone()), message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use crate::types::ServiceInfo;
    use crate::{Kind, Object, Update};

    fn state_with(objects: Vec<Object>) -> State {
        let mut s = State::default();
        for o in objects {
            let id = WatchId { kind: o.kind(), namespace: None };
            s.apply(Update::Applied(id, o), t0());
        }
        s
    }

    fn messages(ws: &[Warning]) -> Vec<(Severity, &str, &str)> {
        ws.iter().map(|w| (w.severity, w.object.as_str(), w.message.as_str())).collect()
    }

    #[test]
    fn a_healthy_cluster_has_no_warnings() {
        let mut done = job("indexed", "indexed-job");
        done.status.conditions = vec![cond("Complete", "True", "CompletionsReached", "")];
        // An hour in: the Job started five minutes ago, hello ran a minute ago.
        let now = t0() + Duration::hours(1);
        let mut running = job("wq-fine", "job-wq-2");
        running.status.start_time = Some(now - Duration::minutes(5));
        running.status.active = 2;
        running.spec.backoff_limit = Some(6);
        let mut p = job_pod(&running, "lglf8", "Running", crate::fixtures::running());
        p.created = Some(t0());
        let mut hello = cronjob("cronjob", "hello", "* * * * *");
        hello.last_schedule = Some(now - Duration::minutes(1));
        let s = state_with(vec![Object::Job(done), Object::Job(running), Object::Pod(p), Object::CronJob(hello)]);
        assert_eq!(job_warnings(&s, now), vec![]);
    }

    fn minutes(m: i64) -> Time {
        t0() + Duration::minutes(m)
    }

    /// A fixed Job of 10 whose pods each ran two minutes; `done` of them succeeded, the last at minute `last`.
    fn working(done: usize, last: i64) -> Vec<Object> {
        let mut j = job("batch", "work");
        j.spec.completions = Some(10);
        j.status.start_time = Some(t0());
        j.status.active = 2;
        j.status.succeeded = done as i32;
        let mut out = Vec::new();
        for i in 0..done {
            let finished = minutes(last - (done - 1 - i) as i64);
            let mut p = job_pod(&j, &format!("p{i}"), "Succeeded", terminated(0, "Completed"));
            p.created = Some(finished - Duration::minutes(2));
            p.containers[0].state = crate::ContainerState::Terminated {
                exit_code: 0,
                reason: None,
                message: None,
                finished: Some(finished),
            };
            out.push(Object::Pod(p));
        }
        out.push(Object::Job(j));
        out
    }

    #[test]
    fn a_job_without_completions_for_long_is_stalled() {
        let s = state_with(working(3, 5));
        let stalled = |now, limits| {
            job_warnings_with(&s, now, limits).into_iter().filter(|w| w.message.starts_with("stalled")).count()
        };
        // Pods take 2 min: 5 x 2 = 10 min, the floor too.
        assert_eq!(stalled(minutes(14), Limits::default()), 0, "nine quiet minutes are not a stall");
        assert_eq!(stalled(minutes(16), Limits::default()), 1);
        let short = Limits { stall_after: Some(Duration::seconds(30)) };
        assert_eq!(stalled(minutes(6), short), 1, "the config's threshold wins");
        let w = job_warnings_with(&s, minutes(16), Limits::default());
        let m = &w.iter().find(|w| w.message.starts_with("stalled")).unwrap().message;
        assert_eq!(m, "stalled: no pod has succeeded for 11m while 2 are active (threshold 10m)");
    }

    #[test]
    fn only_events_about_cronjobs_are_read_by_the_warnings() {
        use crate::{Kind, Object, Update};
        let watch = WatchId { kind: Kind::Event, namespace: None };
        let mut state = State::default();
        let cj = cronjob("ns", "hello", "* * * * *");
        let about_cronjob = cronjob_event_of(&cj, "MissSchedule", "missed", 1, t0());
        let mut about_pod = about_cronjob.clone();
        about_pod.key.name = "pod-event".into();
        about_pod.involved_kind = crate::word("Pod");
        for e in [&about_cronjob, &about_pod] {
            state.apply(Update::Applied(watch.clone(), Object::Event((*e).clone())), t0());
        }
        assert!(read_by_warnings(&Update::Applied(watch.clone(), Object::Event(about_cronjob.clone())), &state));
        assert!(!read_by_warnings(&Update::Applied(watch.clone(), Object::Event(about_pod.clone())), &state));
        assert!(read_by_warnings(&Update::Deleted(watch.clone(), about_cronjob.key.clone()), &state));
        assert!(!read_by_warnings(&Update::Deleted(watch.clone(), about_pod.key.clone()), &state));
        assert!(read_by_warnings(&Update::ListStarted(watch), &state), "a relist may drop anything");
        let job_watch = WatchId { kind: Kind::Job, namespace: None };
        assert!(read_by_warnings(&Update::Applied(job_watch, Object::Job(job("ns", "j"))), &state));
    }

    #[test]
    fn cronjob_missed_runs_failing_streaks_and_long_suspensions() {
        let mut hello = cronjob("cronjob", "hello", "*/5 * * * *");
        hello.last_schedule = Some(t0());
        let warned = |cj: &CronJobInfo, extra: Vec<Object>, now| {
            let mut objects = vec![Object::CronJob(cj.clone())];
            objects.extend(extra);
            job_warnings(&state_with(objects), now).into_iter().map(|w| w.message).collect::<Vec<_>>()
        };
        let due = crate::cronjob::next_run(&hello, t0()).unwrap();
        assert_eq!(warned(&hello, vec![], due + Duration::minutes(1)), Vec::<String>::new(), "within the grace");
        assert_eq!(
            warned(&hello, vec![], due + Duration::minutes(13)),
            vec!["missed schedule: 3 run(s) did not start, the first due 13m ago".to_string()]
        );
        let mut deadline = hello.clone();
        deadline.starting_deadline_seconds = Some(3600);
        let late = due + Duration::minutes(13);
        assert_eq!(warned(&deadline, vec![], late), Vec::<String>::new(), "startingDeadlineSeconds allows it");

        let runs: Vec<Object> = (0..3)
            .map(|i| {
                let mut j = job("cronjob", &format!("hello-{i}"));
                j.created = Some(minutes(i));
                j.owner =
                    Some(crate::types::Owner { kind: "CronJob".into(), name: "hello".into(), uid: hello.uid.clone() });
                j.status.conditions = vec![cond("Failed", "True", "BackoffLimitExceeded", "")];
                Object::Job(j)
            })
            .collect();
        hello.last_schedule = Some(minutes(4));
        let soon = crate::cronjob::next_run(&hello, minutes(4)).unwrap();
        let streak = warned(&hello, runs, soon);
        assert!(streak.contains(&"failing streak: the last 3 runs failed".to_string()), "{streak:?}");

        let mut suspended = cronjob("cronjob", "weekly", "0 0 * * 0");
        suspended.suspend = true;
        suspended.last_schedule = Some(t0());
        assert_eq!(warned(&suspended, vec![], minutes(60)), Vec::<String>::new());
        assert_eq!(
            warned(&suspended, vec![], t0() + Duration::days(3)),
            vec!["suspended; the last run was 3d ago".to_string()]
        );
    }

    #[test]
    fn failed_and_failing_jobs() {
        let msg = "Container main for pod failure-policy/job-pod-failure-policy-failjob-xpbn6 failed with exit code 42 matching FailJob rule at index 0";
        let mut failed = job("failure-policy", "job-pod-failure-policy-failjob");
        failed.status.conditions = vec![
            cond("FailureTarget", "True", "PodFailurePolicy", msg),
            cond("Failed", "True", "PodFailurePolicy", msg),
        ];
        let mut failing = job("failure-policy", "job-pod-failure-policy-config-issue");
        failing.status.start_time = Some(t0());
        failing.status.active = 1;
        failing.spec.backoff_limit = Some(6);
        failing.status.failed = 6; // near the limit, but already failing: one warning, not two
        failing.status.conditions =
            vec![cond("FailureTarget", "True", "PodFailurePolicy", "Pod x has condition ConfigIssue")];
        let mut deadline = job("ns", "slow");
        deadline.status.conditions = vec![cond("Failed", "True", "DeadlineExceeded", "")];
        let s = state_with(vec![Object::Job(failed), Object::Job(failing), Object::Job(deadline)]);
        assert_eq!(
            messages(&job_warnings(&s, t0())),
            vec![
                (
                    Severity::Error,
                    "Job failure-policy/job-pod-failure-policy-config-issue",
                    "failing (pods still terminating): PodFailurePolicy: Pod x has condition ConfigIssue"
                ),
                (
                    Severity::Error,
                    "Job failure-policy/job-pod-failure-policy-failjob",
                    &*format!("failed: PodFailurePolicy: {msg}")
                ),
                (Severity::Error, "Job ns/slow", "failed: DeadlineExceeded"),
            ]
        );
    }

    #[test]
    fn backoff_nearly_exhausted_thresholds() {
        // (backoffLimit, failed, warns)
        let cases = [
            (6, 0, false),
            (6, 4, false),
            (6, 5, true),
            (6, 6, true),
            (0, 0, false),
            (1, 1, true),
            (10, 7, false),
            (10, 8, true),
        ];
        for (limit, failed, warns) in cases {
            let mut j = job("ns", "j");
            j.status.start_time = Some(t0());
            j.status.active = 1;
            j.spec.backoff_limit = Some(limit);
            j.status.failed = failed;
            assert_eq!(backoff_nearly_exhausted(&j).is_some(), warns, "limit {limit}, failed {failed}");
        }
        let mut j = job("ns", "j");
        j.status.start_time = Some(t0());
        j.spec.backoff_limit = Some(6);
        j.status.failed = 5;
        assert_eq!(
            backoff_nearly_exhausted(&j).as_deref(),
            Some("backoff nearly exhausted: 5 pods failed, backoffLimit 6 (1 retries left)")
        );
        j.status.conditions = vec![cond("Complete", "True", "", "")];
        assert_eq!(backoff_nearly_exhausted(&j), None, "finished Jobs are past worrying");
    }

    #[test]
    fn indexes_suspension_and_subdomain() {
        let mut per_index = indexed_job("indexed", "per-index", 5);
        per_index.status.start_time = Some(t0());
        per_index.status.active = 1;
        per_index.spec.backoff_limit_per_index = Some(1);
        per_index.spec.max_failed_indexes = Some(3);
        per_index.status.failed_indexes = Some("1,3-4".into());
        per_index.status.completed_indexes = Some("0-x".into());
        let mut suspended = job("ns", "paused");
        suspended.spec.suspend = true;
        suspended.status.active = 2;
        let mut p2p = indexed_job("pod-to-pod", "example-job", 3);
        p2p.spec.subdomain = Some("headless-svc".into());
        let mut p2p_ok = indexed_job("pod-to-pod-ok", "example-job", 3);
        p2p_ok.spec.subdomain = Some("headless-svc".into());
        let svc = ServiceInfo { key: crate::ObjKey::new("pod-to-pod-ok", "headless-svc"), headless: true };
        let s = state_with(vec![
            Object::Job(per_index),
            Object::Job(suspended),
            Object::Job(p2p),
            Object::Job(p2p_ok),
            Object::Service(svc),
        ]);
        assert_eq!(
            messages(&job_warnings(&s, t0())),
            vec![
                (Severity::Warn, "Job indexed/per-index", "3 indexes failed: 1,3-4 (maxFailedIndexes 3)"),
                (
                    Severity::Warn,
                    "Job indexed/per-index",
                    "cannot read the index status: \"0-x\" in index list \"0-x\" is not an index (expected a number from 0 to 4294967295)"
                ),
                (Severity::Warn, "Job ns/paused", "suspended, but 2 pods are still active"),
                (
                    Severity::Warn,
                    "Job pod-to-pod/example-job",
                    "no headless Service \"headless-svc\" for the pod subdomain: pod hostnames will not resolve"
                ),
            ]
        );
    }

    #[test]
    fn stuck_pods_after_a_short_while() {
        let j = job("failure-policy", "job-pod-failure-policy-config-issue");
        let stuck = job_pod(&j, "k6pvp", "Pending", waiting("ImagePullBackOff"));
        let creating = job_pod(&j, "aaaaa", "Pending", waiting("ContainerCreating"));
        let mut deleting = job_pod(&j, "bbbbb", "Pending", waiting("ImagePullBackOff"));
        deleting.deleting = true;
        let mut not_a_job_pod = pod("default", "temp", "Pending");
        not_a_job_pod.containers.push(container("c", waiting("ImagePullBackOff")));
        let s = state_with(vec![
            Object::Pod(stuck),
            Object::Pod(creating),
            Object::Pod(deleting),
            Object::Pod(not_a_job_pod),
        ]);
        assert_eq!(job_warnings(&s, t0() + Duration::seconds(30)), vec![], "not yet: backoff blips are normal");
        assert_eq!(
            messages(&job_warnings(&s, t0() + Duration::seconds(150))),
            vec![(
                Severity::Warn,
                "Pod failure-policy/job-pod-failure-policy-config-issue-k6pvp",
                "ImagePullBackOff for a pod created 2m30s ago"
            )]
        );
    }

    #[test]
    fn forbidden_and_retrying_watches_and_bad_schedules() {
        let mut s = state_with(vec![Object::CronJob(cronjob("cronjob", "bad", "every day"))]);
        let forbidden =
            WatchHealth::Forbidden { message: "jobs.batch is forbidden: User \"limited\" cannot list".into() };
        s.apply(Update::Health(WatchId { kind: Kind::Job, namespace: Some("indexed".into()) }, forbidden), t0());
        let retrying = WatchHealth::Retrying { error: "connection refused".into() };
        s.apply(Update::Health(WatchId { kind: Kind::Pod, namespace: None }, retrying), t0());
        assert_eq!(
            messages(&job_warnings(&s, t0())),
            vec![
                (
                    Severity::Error,
                    "watch jobs in indexed",
                    "forbidden: jobs.batch is forbidden: User \"limited\" cannot list"
                ),
                (Severity::Warn, "CronJob cronjob/bad", "cannot parse schedule \"every day\""),
                (Severity::Warn, "watch pods in all namespaces", "retrying: connection refused"),
            ]
        );
    }

    #[test]
    fn severity_serialises_lowercase() {
        let w = Warning::new(Severity::Warn, Subject::Job(ObjKey::new("a", "b")), "m".into());
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"severity":"warn","object":"Job a/b","message":"m"}"#);
        assert!(Severity::Error > Severity::Warn && Severity::Warn > Severity::Info);
        assert_eq!(Severity::Info.as_str(), "info");
    }

    fn cronjob_event_of(cj: &CronJobInfo, reason: &str, message: &str, count: i32, at: Time) -> EventInfo {
        EventInfo {
            key: ObjKey::new(cj.key.namespace.clone(), format!("{}.{reason}", cj.key.name)),
            involved_kind: "CronJob".into(),
            involved_name: cj.key.name.clone(),
            type_: "Warning".into(),
            reason: crate::word(reason),
            message: message.into(),
            count,
            last_seen: Some(at),
        }
    }

    #[test]
    fn the_cronjob_controllers_complaints_become_warnings_on_the_cronjob() {
        let mut cj = cronjob("cronjob", "hello", "* * * * *");
        cj.last_schedule = Some(t0());
        let now = t0() + Duration::seconds(30);
        let events = vec![
            cronjob_event_of(&cj, "TooManyMissedTimes", "too many missed start times: 101", 1, t0()),
            cronjob_event_of(&cj, "JobAlreadyActive", "Not starting job because prior execution is running", 3, t0()),
            // Routine events and events about CronJobs not listed say nothing.
            cronjob_event_of(&cj, "SuccessfulCreate", "Created job hello-1", 1, t0()),
            cronjob_event_of(&cronjob("other", "gone", "* * * * *"), "TooManyMissedTimes", "x", 1, t0()),
        ];
        let mut objects = vec![Object::CronJob(cj)];
        objects.extend(events.into_iter().map(Object::Event));
        let ws = job_warnings(&state_with(objects), now);
        assert_eq!(
            messages(&ws),
            vec![
                (
                    Severity::Warn,
                    "CronJob cronjob/hello",
                    "skipped a run: the previous one was still running (concurrencyPolicy Forbid), 3 times, last 30s ago: Not starting job because prior execution is running"
                ),
                (
                    Severity::Warn,
                    "CronJob cronjob/hello",
                    "too many missed start times, last 30s ago: too many missed start times: 101"
                ),
            ]
        );
        assert!(ws.iter().all(|w| w.subject == Subject::CronJob(ObjKey::new("cronjob", "hello"))));
    }

    #[test]
    fn overlapping_runs_of_an_allow_cronjob_are_pointed_out() {
        let mut cj = cronjob("cronjob", "hello", "* * * * *");
        cj.last_schedule = Some(t0());
        cj.active = vec!["hello-1".into(), "hello-2".into()];
        let mut forbid = cj.clone();
        forbid.key.name = "forbid".into();
        forbid.concurrency_policy = "Forbid".into();
        let ws = job_warnings(&state_with(vec![Object::CronJob(cj), Object::CronJob(forbid)]), t0());
        assert_eq!(
            messages(&ws),
            vec![(
                Severity::Warn,
                "CronJob cronjob/hello",
                "2 runs overlap (concurrencyPolicy Allow): hello-1, hello-2"
            )]
        );
    }

    #[test]
    fn marks_keep_the_worst_severity_of_each_subject() {
        let job = Subject::Job(ObjKey::new("a", "b"));
        let list = vec![
            Warning::new(Severity::Warn, job.clone(), "m".into()),
            Warning::new(Severity::Error, job.clone(), "n".into()),
            Warning::new(Severity::Warn, Subject::Pod(ObjKey::new("a", "p")), "o".into()),
        ];
        let marks = Marks::of(&list);
        assert_eq!(marks.job(&ObjKey::new("a", "b")), Some(Severity::Error));
        assert_eq!(marks.pod(&ObjKey::new("a", "p")), Some(Severity::Warn));
        assert_eq!(marks.cronjob(&ObjKey::new("a", "b")), None);
    }

    #[test]
    fn a_failing_streak_counts_runs_the_history_limit_deleted_from_the_controllers_events() {
        let mut cj = cronjob("cronjob", "hello", "* * * * *");
        cj.last_schedule = Some(t0());
        let saw = |job: &str, condition: &str, minute: i64| {
            let mut e = cronjob_event_of(&cj, "SawCompletedJob", "", 1, t0() + Duration::minutes(minute));
            e.key.name = format!("hello.{job}");
            e.message = format!("Saw completed job: {job}, condition: {condition}");
            Object::Event(e)
        };
        let two_failed = vec![
            Object::CronJob(cj.clone()),
            saw("hello-1", "Complete", 1),
            saw("hello-2", "Failed", 2),
            saw("hello-3", "Failed", 3),
        ];
        assert!(
            !messages(&job_warnings(&state_with(two_failed.clone()), t0()))
                .iter()
                .any(|m| m.2.starts_with("failing streak"))
        );
        let mut three_failed = two_failed;
        three_failed.push(saw("hello-4", "Failed", 4));
        assert!(messages(&job_warnings(&state_with(three_failed), t0())).contains(&(
            Severity::Warn,
            "CronJob cronjob/hello",
            "failing streak: the last 3 runs failed"
        )));
        assert_eq!(completed_run("Saw completed job: a-1, condition: Failed"), Some(("a-1".into(), true)));
        assert_eq!(completed_run("Created job a-1"), None);
        let combined = "(combined from similar events): Saw completed job: a-2, condition: Complete";
        assert_eq!(completed_run(combined), Some(("a-2".into(), false)));
    }
}
