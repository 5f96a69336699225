//! The `--once` report: one serde structure (documented in docs/once-schema.md)
//! built from the [`State`], printed as JSON or as plain-text tables.
//!
//! Every field is computed by the model (pattern, phase, progress, indexes,
//! failure policy, schedules, groups, warnings), so `--once` and the console
//! agree on every word. Later sources add their own top-level arrays (queues)
//! to [`Report`]; keep the serde structs here, in one place.

pub mod once;
pub mod text;

use serde::{Serialize, Serializer};

use model::failure_policy::{self, RuleMatch};
use model::groups::{self, JobGroup};
use model::indexes::{self, IndexState};
use model::job::{JobPhase, Pattern};
use model::queue::{QueueSummary, Queues};
use model::scope::{Namespaces, Scope};
use model::warnings::{self, Warning};
use model::{Condition, CronJobInfo, JobInfo, State, Time, WatchHealth, WatchId};

/// The JSON schema version; bump it when a field changes meaning or goes away
/// (adding fields does not bump it).
pub const SCHEMA_VERSION: u32 = 1;

/// A time in the report. Every time field is one, so one serializer decides
/// the JSON form: RFC 3339 in UTC to the whole second (`2025-05-01T12:00:00Z`),
/// which `jq`'s `fromdateiso8601` reads (it refuses fractions). Kubernetes
/// times are whole seconds already; the rest (`generatedAt`) is truncated, so
/// a time never moves past the instant it names. The text tables use the full time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub Time);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }
}

impl From<Time> for Timestamp {
    fn from(t: Time) -> Self {
        Timestamp(t)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema_version: u32,
    /// The kubeconfig context.
    pub context: String,
    /// When the report was made.
    pub generated_at: Timestamp,
    /// The namespaces watched; `null` for all namespaces.
    pub namespaces: Option<Vec<String>>,
    /// The label selector applied to Jobs and Pods, if any.
    pub selector: Option<String>,
    pub jobs: Vec<JobReport>,
    pub cronjobs: Vec<CronJobReport>,
    pub groups: Vec<GroupReport>,
    pub warnings: Vec<Warning>,
    pub watches: Vec<WatchReport>,
    /// Work queues (Redis, RabbitMQ) and the Jobs they feed; see docs/once-schema.md.
    pub queues: Vec<QueueSummary>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobReport {
    pub namespace: String,
    pub name: String,
    pub pattern: Pattern,
    pub completions: Option<i32>,
    pub parallelism: Option<i32>,
    pub succeeded: i32,
    pub failed: i32,
    pub active: i32,
    pub ready: Option<i32>,
    pub terminating: Option<i32>,
    pub status: JobPhase,
    /// Failing / Completing while the terminal condition waits for pods; else the status.
    pub status_text: String,
    /// Reason of the True Failed (or FailureTarget) condition.
    pub reason: Option<String>,
    pub completed_indexes: Option<String>,
    pub failed_indexes: Option<String>,
    /// Every index of an Indexed Job; `null` for other patterns.
    pub indexes: Option<Vec<IndexReport>>,
    pub conditions: Vec<Condition>,
    pub failure_policy: Option<FailurePolicyReport>,
    pub backoff_limit: Option<i32>,
    pub suspend: bool,
    /// The label groups it belongs to (`key=value` of each shared label).
    pub groups: Vec<String>,
    /// The CronJob that created it, if any.
    pub cronjob: Option<String>,
    pub created: Option<Timestamp>,
    pub start_time: Option<Timestamp>,
    pub completion_time: Option<Timestamp>,
    /// Running time so far, or the duration once finished, in seconds.
    pub elapsed_seconds: Option<i64>,
    /// Seconds until the last completion at the current pace (`model::eta`), or,
    /// for a work-queue Job, until its linked queue is empty; `null` without a basis.
    pub eta_seconds: Option<i64>,
    /// The pace behind `etaSeconds` for Jobs with a completions target, per minute.
    pub completions_per_minute: Option<f64>,
    /// For the text table's bar (the JSON has the same numbers above).
    #[serde(skip)]
    pub progress: model::job::Progress,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexReport {
    pub index: u32,
    /// succeeded | failed | running | pending
    pub state: &'static str,
    /// The pod working on a running index.
    pub pod: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailurePolicyReport {
    pub matched_rule: usize,
    pub action: String,
    pub exit_code: Option<i32>,
    pub pod_condition: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CronJobReport {
    pub namespace: String,
    pub name: String,
    pub schedule: String,
    pub time_zone: Option<String>,
    /// The schedule in words ("every minute"; as written when it cannot be parsed).
    pub description: String,
    pub suspend: bool,
    pub concurrency_policy: String,
    /// How many of its Jobs are active.
    pub active: usize,
    pub active_jobs: Vec<String>,
    pub last_schedule_time: Option<Timestamp>,
    pub last_successful_time: Option<Timestamp>,
    /// The next scheduled run (`null` when suspended or the schedule cannot be read).
    pub next_run_time: Option<Timestamp>,
    /// Its Jobs still in the cluster, oldest first: their status.
    pub history: Vec<HistoryReport>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryReport {
    pub name: String,
    pub status: JobPhase,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupReport {
    /// The shared label, `key=value` (usable as a selector).
    pub label: String,
    /// Member Jobs as `namespace/name`.
    pub jobs: Vec<String>,
    pub total: usize,
    /// Complete Jobs; with `total` this is the group's `3/3`.
    pub complete: usize,
    pub failed: usize,
    pub running: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchReport {
    /// jobs | pods | cronjobs | nodes | services | events
    pub kind: &'static str,
    /// `null` for a cluster-wide watch.
    pub namespace: Option<String>,
    /// Ok | Starting | Retrying | Forbidden
    pub health: &'static str,
    /// Whether its first complete list arrived.
    pub synced: bool,
    /// The error or RBAC message, when not Ok.
    pub message: Option<String>,
}

impl Report {
    /// Builds the report from the state at `now`.
    pub fn build(state: &State, context: &str, scope: &Scope, now: Time, limits: warnings::Limits) -> Report {
        let groups = groups::job_groups(&state.jobs);
        Report {
            schema_version: SCHEMA_VERSION,
            context: context.to_string(),
            generated_at: now.into(),
            namespaces: match &scope.namespaces {
                Namespaces::All => None,
                Namespaces::Only(list) => Some(list.clone()),
            },
            selector: scope.selector.clone(),
            jobs: state.jobs.values().map(|j| job_report(state, j, &groups, now)).collect(),
            cronjobs: state.cronjobs.values().map(|c| cronjob_report(state, c, now)).collect(),
            groups: groups.iter().map(group_report).collect(),
            warnings: warnings::job_warnings_with(state, now, limits),
            watches: state.watches.iter().map(|(id, s)| watch_report(id, &s.health, s.synced)).collect(),
            queues: Vec::new(),
        }
    }

    /// Adds the queues and their warnings (on the Jobs they feed, or on the queue).
    pub fn add_queues(&mut self, queues: &Queues, state: &State) {
        self.queues = queues.summaries();
        for job in self.jobs.iter_mut().filter(|j| j.eta_seconds.is_none() && !j.status.is_finished()) {
            let key = model::ObjKey::new(job.namespace.as_str(), job.name.as_str());
            job.eta_seconds = queues.eta_of_job(&key).map(|d| d.as_secs() as i64);
        }
        self.warnings.extend(warnings::of_queues(queues, state));
        warnings::sort(&mut self.warnings);
    }

    /// Exit code for scripts: 1 when any listed Job failed, else 0. (2, for
    /// "could not reach or list", is decided before a report exists.)
    pub fn exit_code(&self) -> i32 {
        i32::from(self.jobs.iter().any(|j| j.status == JobPhase::Failed))
    }
}

/// One Job as `--once` (and `batchtop wait -o json`) reports it.
pub fn job_report(state: &State, job: &JobInfo, groups: &[JobGroup], now: Time) -> JobReport {
    let pods: Vec<_> = state.pods_of_job(&job.key).collect();
    let progress = job.progress();
    let eta = model::eta::job_eta(job, pods.iter().copied(), now);
    let indexes = job.spec.indexed.then(|| {
        indexes::index_states(job, pods.iter().copied())
            .into_iter()
            .enumerate()
            .map(|(i, s)| IndexReport {
                index: i as u32,
                state: s.as_str(),
                pod: match s {
                    IndexState::Running { pod } => Some(pod),
                    _ => None,
                },
            })
            .collect()
    });
    JobReport {
        namespace: job.key.namespace.clone(),
        name: job.key.name.clone(),
        pattern: job.pattern(),
        completions: job.spec.completions,
        parallelism: job.spec.parallelism,
        succeeded: progress.succeeded,
        failed: progress.failed,
        active: progress.active,
        ready: progress.ready,
        terminating: progress.terminating,
        status: job.phase(),
        status_text: job.status_text().to_string(),
        reason: job.failure_reason().map(|(reason, _)| reason.to_string()),
        completed_indexes: job.status.completed_indexes.clone(),
        failed_indexes: job.status.failed_indexes.clone(),
        indexes,
        conditions: job.status.conditions.clone(),
        failure_policy: failure_policy::matched_rule(job, pods.iter().copied()).map(failure_policy_report),
        backoff_limit: job.spec.backoff_limit,
        suspend: job.spec.suspend,
        groups: groups.iter().filter(|g| g.jobs.contains(&job.key)).map(|g| g.label.clone()).collect(),
        cronjob: job.owner.as_ref().filter(|o| o.kind == "CronJob").map(|o| o.name.clone()),
        created: job.created.map(Timestamp),
        start_time: job.status.start_time.map(Timestamp),
        completion_time: job.status.completion_time.map(Timestamp),
        elapsed_seconds: job.elapsed(now).map(|d| d.num_seconds()),
        eta_seconds: eta.map(|e| e.eta.num_seconds()),
        completions_per_minute: eta.map(|e| (e.per_minute * 100.0).round() / 100.0),
        progress,
    }
}

fn failure_policy_report(m: RuleMatch) -> FailurePolicyReport {
    FailurePolicyReport {
        matched_rule: m.rule_index,
        action: m.action,
        exit_code: m.exit_code,
        pod_condition: m.pod_condition,
        pod: m.pod,
        container: m.container,
    }
}

fn cronjob_report(state: &State, cj: &CronJobInfo, now: Time) -> CronJobReport {
    use model::cronjob;
    CronJobReport {
        namespace: cj.key.namespace.clone(),
        name: cj.key.name.clone(),
        schedule: cj.schedule.clone(),
        time_zone: cj.time_zone.clone(),
        description: cronjob::describe_schedule(&cj.schedule, cj.time_zone.as_deref()),
        suspend: cj.suspend,
        concurrency_policy: cj.concurrency_policy.clone(),
        active: cj.active.len(),
        active_jobs: cj.active.clone(),
        last_schedule_time: cj.last_schedule.map(Timestamp),
        last_successful_time: cj.last_successful.map(Timestamp),
        next_run_time: cronjob::next_run(cj, now).map(Timestamp),
        history: cronjob::history(cj, &state.jobs)
            .into_iter()
            .map(|(name, status, _created)| HistoryReport { name, status })
            .collect(),
    }
}

fn group_report(g: &JobGroup) -> GroupReport {
    GroupReport {
        label: g.label.clone(),
        jobs: g.jobs.iter().map(ToString::to_string).collect(),
        total: g.total,
        complete: g.succeeded,
        failed: g.failed,
        running: g.running,
    }
}

fn watch_report(id: &WatchId, health: &WatchHealth, synced: bool) -> WatchReport {
    let (word, message) = match health {
        WatchHealth::Ok => ("Ok", None),
        WatchHealth::Starting => ("Starting", None),
        WatchHealth::Retrying { error } => ("Retrying", Some(error.clone())),
        WatchHealth::Forbidden { message } => ("Forbidden", Some(message.clone())),
        WatchHealth::Failed { error } => ("Failed", Some(error.clone())),
    };
    WatchReport { kind: id.kind.plural(), namespace: id.namespace.clone(), health: word, synced, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::scope::Scope;
    use testkit::sample;

    /// Every string of the JSON that looks like a time, with its path.
    fn times(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
        let time_like = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:").unwrap();
        match value {
            serde_json::Value::String(s) if time_like.is_match(s) => out.push((path.to_string(), s.clone())),
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    times(v, &format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::Object(fields) => {
                for (k, v) in fields {
                    times(v, &format!("{path}.{k}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_time_in_the_json_is_whole_seconds_utc() {
        // A clock reading with a fraction, as `Utc::now()` gives.
        let now = sample::now() + chrono::Duration::nanoseconds(583_241_716);
        let scope = Scope {
            namespaces: Namespaces::All,
            selector: None,
            kinds: Scope::ONCE_KINDS.to_vec(),
            events_of: Scope::ONCE_EVENTS_OF,
        };
        let report = Report::build(&sample::state(), "sandbox", &scope, now, warnings::Limits::default());
        let json = serde_json::to_value(&report).unwrap();
        let mut found = Vec::new();
        times(&json, "", &mut found);
        let whole = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$").unwrap();
        for (path, t) in &found {
            assert!(whole.is_match(t), "{path} = {t}");
        }
        let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert!(paths.contains(&".generatedAt"), "{paths:?}");
        assert!(paths.iter().any(|p| p.ends_with(".nextRunTime")), "{paths:?}");
        assert!(paths.iter().any(|p| p.ends_with(".startTime")), "{paths:?}");
        assert_eq!(json["generatedAt"], now.format("%Y-%m-%dT%H:%M:%SZ").to_string(), "truncated, not rounded");
    }
}
