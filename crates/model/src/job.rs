//! What a Job is doing: its pattern, phase, progress, timing and failure.
//!
//! Everything here reads the compact [`JobInfo`] projection only, so the Jobs
//! screen, the detail screen and `--once` agree on every word they print.

use chrono::Duration;

use crate::types::{Condition, JobInfo, Time};

/// The Job patterns of the seed's table (Kubernetes "Job patterns").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pattern {
    /// One pod; the Job is done when it succeeds.
    NonParallel,
    /// `completions` successful pods, in any order.
    FixedCompletions,
    /// `completionMode: Indexed`: one success per index 0..completions.
    Indexed,
    /// `completions` unset, `parallelism` set: the workers drain a queue and
    /// the Job is done once any worker succeeds and all have ended.
    WorkQueue,
}

impl Pattern {
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::NonParallel => "non-parallel",
            Pattern::FixedCompletions => "fixed-completions",
            Pattern::Indexed => "indexed",
            Pattern::WorkQueue => "work-queue",
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The status batchtop reports for a Job, derived from its conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobPhase {
    /// Started (or has active pods) and not finished.
    Running,
    /// The `Complete` condition is True.
    Complete,
    /// The `Failed` condition is True.
    Failed,
    /// `spec.suspend` is set or the `Suspended` condition is True.
    Suspended,
    /// Not started yet: no start time and no active pods.
    Pending,
}

impl JobPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            JobPhase::Running => "Running",
            JobPhase::Complete => "Complete",
            JobPhase::Failed => "Failed",
            JobPhase::Suspended => "Suspended",
            JobPhase::Pending => "Pending",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobPhase::Complete | JobPhase::Failed)
    }
}

impl std::fmt::Display for JobPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for JobPhase {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Succeeded / failed / active pods against the target, for bars and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub succeeded: i32,
    pub failed: i32,
    pub active: i32,
    /// `status.ready`; absent on servers older than 1.24.
    pub ready: Option<i32>,
    /// `status.terminating`; absent on servers older than 1.28.
    pub terminating: Option<i32>,
    /// Successes needed (`completions`); `None` for work-queue Jobs, which have no count.
    pub target: Option<i32>,
    pub parallelism: Option<i32>,
    /// The Job's `Complete` condition is True: its bar is full whatever the
    /// counts say (a work queue has no target to reach; any worker's success ends it).
    pub complete: bool,
    /// With `backoffLimitPerIndex`, how many indexes failed (`status.failedIndexes`).
    /// Each index retries on its own, so one index can fail many pods: the bar
    /// counts indexes, not pods, or a Job still making progress looks dead.
    pub failed_indexes: Option<i32>,
}

impl Progress {
    /// Share of the target reached, in 0.0..=1.0, for a completion bar.
    /// `None` when there is no target (work-queue Jobs): draw an activity
    /// indicator instead of a bar that would lie.
    pub fn fraction(&self) -> Option<f64> {
        let target = self.target?;
        if target <= 0 {
            // completions: 0 is complete as soon as it starts.
            return Some(1.0);
        }
        Some((f64::from(self.succeeded.max(0)) / f64::from(target)).clamp(0.0, 1.0))
    }

    /// Share of the target that failed pods stand for, so a bar can show
    /// failures beside successes (clamped so both together never exceed 1).
    pub fn failed_fraction(&self) -> Option<f64> {
        let target = self.target.filter(|t| *t > 0)?;
        let done = self.fraction().unwrap_or(0.0);
        Some((f64::from(self.failed_units().max(0)) / f64::from(target)).clamp(0.0, 1.0 - done))
    }

    /// What the bar's failed segment counts: failed indexes when the budget is
    /// per index, failed pods otherwise.
    pub fn failed_units(&self) -> i32 {
        self.failed_indexes.unwrap_or(self.failed)
    }

    /// Compact text like kubectl's COMPLETIONS column: `3/5` for a counted Job.
    /// A work-queue Job has no count to reach (any worker's success ends it),
    /// so it shows how many of its workers finished: `1 of 2 done` (`1 done`
    /// without parallelism). ASCII only: not every bastion terminal draws `∞`.
    pub fn label(&self) -> String {
        match (self.target, self.parallelism) {
            (Some(target), _) => format!("{}/{}", self.succeeded, target),
            (None, Some(p)) => format!("{} of {} done", self.succeeded, p),
            (None, None) => format!("{} done", self.succeeded),
        }
    }
}

impl JobInfo {
    /// The Job's pattern, by the seed's table. The API server defaults both
    /// `completions` and `parallelism` to 1 when both are unset, and never
    /// defaults `completions` alone. So as stored: completions=1 with
    /// parallelism unset or 1 is non-parallel (not a fixed count of one); a
    /// set `completions` otherwise is a fixed count; unset `completions` means
    /// the author wrote `parallelism` alone, which is the work-queue pattern
    /// whatever its value (the wq-orphan scenario's job-wq-3 is a queue of one
    /// worker, and a queue scaled to 0 is still a queue). Both unset only
    /// comes from an undefaulted object and is non-parallel. Indexed wins
    /// over everything.
    pub fn pattern(&self) -> Pattern {
        let spec = &self.spec;
        match (spec.completions, spec.parallelism) {
            _ if spec.indexed => Pattern::Indexed,
            (None, Some(_)) => Pattern::WorkQueue,
            (None, None) => Pattern::NonParallel,
            (Some(1), p) if p.is_none_or(|p| p <= 1) => Pattern::NonParallel,
            (Some(_), _) => Pattern::FixedCompletions,
        }
    }

    /// The Job's status. Terminal conditions win: `Failed` only once the
    /// `Failed` condition is True, `Complete` once `Complete` is True. Between
    /// `FailureTarget`/`SuccessCriteriaMet` and the terminal condition the
    /// controller waits for pods to end: the Job is still Running then, and
    /// [`JobInfo::terminal_pending`] says where it is heading.
    pub fn phase(&self) -> JobPhase {
        if self.condition_true("Failed") {
            JobPhase::Failed
        } else if self.condition_true("Complete") {
            JobPhase::Complete
        } else if self.spec.suspend || self.condition_true("Suspended") {
            JobPhase::Suspended
        } else if self.status.start_time.is_none() && self.status.active == 0 {
            JobPhase::Pending
        } else {
            JobPhase::Running
        }
    }

    /// The terminal phase the Job is heading for while its pods terminate:
    /// `Failed` after `FailureTarget`, `Complete` after `SuccessCriteriaMet`.
    /// `None` when the Job is already finished or not heading anywhere yet.
    pub fn terminal_pending(&self) -> Option<JobPhase> {
        if self.phase().is_finished() {
            None
        } else if self.condition_true("FailureTarget") {
            Some(JobPhase::Failed)
        } else if self.condition_true("SuccessCriteriaMet") {
            Some(JobPhase::Complete)
        } else {
            None
        }
    }

    /// The status word for screens: the phase, or `Failing` / `Completing`
    /// while the terminal condition waits for pods to end.
    pub fn status_text(&self) -> &'static str {
        match self.terminal_pending() {
            Some(JobPhase::Failed) => "Failing",
            Some(_) => "Completing",
            None => self.phase().as_str(),
        }
    }

    pub fn progress(&self) -> Progress {
        let status = &self.status;
        // A non-parallel Job from a server that did not default completions
        // still needs exactly one success.
        let target = match self.pattern() {
            Pattern::WorkQueue => None,
            Pattern::NonParallel => Some(self.spec.completions.unwrap_or(1)),
            _ => self.spec.completions,
        };
        Progress {
            succeeded: status.succeeded,
            failed: status.failed,
            active: status.active,
            ready: status.ready,
            terminating: status.terminating,
            target,
            parallelism: self.spec.parallelism,
            complete: self.condition_true("Complete"),
            failed_indexes: self
                .spec
                .backoff_limit_per_index
                .map(|_| i32::try_from(crate::indexes::JobIndexes::of(self).failed.len()).unwrap_or(i32::MAX)),
        }
    }

    /// When the Job finished: `completionTime` (set for successful Jobs only),
    /// else the moment its terminal condition turned True.
    pub fn finished_at(&self) -> Option<Time> {
        let terminal = match self.phase() {
            JobPhase::Complete => "Complete",
            JobPhase::Failed => "Failed",
            _ => return None,
        };
        self.status.completion_time.or_else(|| self.condition(terminal).and_then(|c| c.last_transition))
    }

    /// Running time so far while running; the duration once finished; the time
    /// it ran before a suspension. `None` before it starts. Never negative
    /// (a clock skew between us and the API server must not print "-3s").
    pub fn elapsed(&self, now: Time) -> Option<Duration> {
        let start = self.status.start_time?;
        let end = match self.phase() {
            JobPhase::Complete | JobPhase::Failed => self.finished_at()?,
            JobPhase::Suspended => self.condition("Suspended").and_then(|c| c.last_transition).unwrap_or(now),
            JobPhase::Running | JobPhase::Pending => now,
        };
        Some((end - start).max(Duration::zero()))
    }

    /// `(failed, backoffLimit)`: how much of the retry budget is used. `None`
    /// when there is no global budget to show: with backoffLimitPerIndex the
    /// budget is per index (and backoffLimit is defaulted to MaxInt32).
    pub fn backoff_usage(&self) -> Option<(i32, i32)> {
        if self.spec.backoff_limit_per_index.is_some() {
            return None;
        }
        let limit = self.spec.backoff_limit.filter(|l| *l < i32::MAX)?;
        Some((self.status.failed, limit))
    }

    /// The first condition of this type (the API keeps one per type).
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.status.conditions.iter().find(|c| c.type_ == type_)
    }

    pub fn condition_true(&self, type_: &str) -> bool {
        self.condition(type_).is_some_and(Condition::is_true)
    }

    /// Why the Job failed or is failing: `(reason, message)` of the `Failed`
    /// condition, else of a True `FailureTarget` (set first, while pods still
    /// terminate). Reason falls back to the condition type, message to "".
    pub fn failure_reason(&self) -> Option<(&str, &str)> {
        let c = ["Failed", "FailureTarget"].into_iter().filter_map(|t| self.condition(t)).find(|c| c.is_true())?;
        Some((c.reason.as_deref().unwrap_or(&c.type_), c.message.as_deref().unwrap_or("")))
    }

    /// Age since creation.
    pub fn age(&self, now: Time) -> Option<Duration> {
        self.created.map(|c| (now - c).max(Duration::zero()))
    }
}

/// A duration the way kubectl prints AGE and DURATION (`45s`, `3m12s`, `2h5m`,
/// `3d4h`, `2y30d`), so numbers look familiar next to kubectl output.
pub fn human_duration(d: Duration) -> String {
    HumanDuration::of(d).to_string()
}

/// A duration in the console's words ("45s", "3m12s", "2h", "3d4h"): a number
/// and unit, and a remainder in the next unit down when that is not zero. Its
/// width is known without writing it out (a column of 2,000 ages is measured
/// every second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration {
    major: (i64, &'static str),
    minor: (i64, &'static str),
}

impl HumanDuration {
    pub fn of(d: Duration) -> Self {
        let secs = d.num_seconds().max(0);
        let (mins, hours, days) = (secs / 60, secs / 3600, secs / 86_400);
        let (major, minor) = match () {
            () if secs < 120 => ((secs, "s"), (0, "")),
            () if mins < 10 => ((mins, "m"), (secs % 60, "s")),
            () if mins < 180 => ((mins, "m"), (0, "")),
            () if hours < 8 => ((hours, "h"), (mins % 60, "m")),
            () if hours < 48 => ((hours, "h"), (0, "")),
            () if hours < 24 * 8 => ((days, "d"), (hours % 24, "h")),
            () if days < 365 * 2 => ((days, "d"), (0, "")),
            () if days < 365 * 8 => ((days / 365, "y"), (days % 365, "d")),
            () => ((days / 365, "y"), (0, "")),
        };
        Self { major, minor }
    }

    /// The cells it takes ("3m12s": 5).
    pub fn width(self) -> usize {
        let part = |(n, unit): (i64, &str)| digits(n) + unit.len();
        part(self.major) + if self.minor.0 == 0 { 0 } else { part(self.minor) }
    }
}

/// Decimal digits of a non-negative number.
fn digits(n: i64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

impl std::fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (major, unit) = self.major;
        write!(f, "{major}{unit}")?;
        match self.minor {
            (0, _) => Ok(()),
            (minor, unit) => write!(f, "{minor}{unit}"),
        }
    }
}

#[cfg(test)]
mod duration_props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The width a column is measured by is the width of what it shows.
        #[test]
        fn the_width_is_what_is_written(secs in prop_oneof![0i64..100_000, 0i64..1_000_000_000, -10i64..0]) {
            let d = HumanDuration::of(Duration::seconds(secs));
            prop_assert_eq!(d.width(), d.to_string().len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{cond, job, t0};

    #[test]
    fn pattern_follows_the_seed_table() {
        use Pattern::*;
        let pattern = |completions, parallelism, indexed| {
            let mut j = job("ns", "j");
            (j.spec.completions, j.spec.parallelism, j.spec.indexed) = (completions, parallelism, indexed);
            j.pattern()
        };
        // The seed's Jobs as the API stores them, and the edge cases around them.
        let cases = [
            ("process-item-apple: both unset, API defaults 1/1", pattern(Some(1), Some(1), false), NonParallel),
            ("hello's template", pattern(Some(1), Some(1), false), NonParallel),
            ("both unset, not defaulted", pattern(None, None, false), NonParallel),
            ("job-wq-1", pattern(Some(8), Some(2), false), FixedCompletions),
            ("failjob", pattern(Some(8), Some(2), false), FixedCompletions),
            ("fixed count, serial", pattern(Some(3), Some(1), false), FixedCompletions),
            ("fixed count, parallelism unset", pattern(Some(3), None, false), FixedCompletions),
            ("one completion, several pods", pattern(Some(1), Some(3), false), FixedCompletions),
            ("zero completions", pattern(Some(0), Some(1), false), FixedCompletions),
            ("job-wq-2", pattern(None, Some(2), false), WorkQueue),
            ("job-wq-3 (wq-orphan): a queue of one worker", pattern(None, Some(1), false), WorkQueue),
            ("a work queue scaled to zero", pattern(None, Some(0), false), WorkQueue),
            ("indexed-job", pattern(Some(5), Some(3), true), Indexed),
            ("example-job (pod-to-pod)", pattern(Some(3), Some(3), true), Indexed),
            ("indexed with one index", pattern(Some(1), Some(1), true), Indexed),
        ];
        for (name, got, expected) in cases {
            assert_eq!(got, expected, "{name}");
        }
        let names = [NonParallel, FixedCompletions, Indexed, WorkQueue].map(Pattern::as_str);
        assert_eq!(names, ["non-parallel", "fixed-completions", "indexed", "work-queue"]);
    }

    /// A Job in some state, for the phase table below.
    fn job_in(start: Option<Time>, active: i32, suspend: bool, conditions: Vec<Condition>) -> JobInfo {
        let mut j = job("ns", "j");
        j.status.start_time = start;
        j.status.active = active;
        j.spec.suspend = suspend;
        j.status.conditions = conditions;
        j
    }

    #[test]
    fn phase_and_terminal_pending_from_conditions() {
        use JobPhase::*;
        let s = Some(t0());
        let failjob_msg =
            "Container main for pod failure-policy/x failed with exit code 42 matching FailJob rule at index 0";
        // (case, job, phase, heading to, status text)
        let cases = [
            ("just created", job_in(None, 0, false, vec![]), Pending, None, "Pending"),
            ("pods created, no start time yet", job_in(None, 2, false, vec![]), Running, None, "Running"),
            ("running", job_in(s, 2, false, vec![]), Running, None, "Running"),
            (
                "complete",
                job_in(
                    s,
                    0,
                    false,
                    vec![
                        cond("SuccessCriteriaMet", "True", "CompletionsReached", ""),
                        cond("Complete", "True", "CompletionsReached", ""),
                    ],
                ),
                Complete,
                None,
                "Complete",
            ),
            (
                "failjob while its pods terminate",
                job_in(s, 1, false, vec![cond("FailureTarget", "True", "PodFailurePolicy", failjob_msg)]),
                Running,
                Some(Failed),
                "Failing",
            ),
            (
                "failjob failed",
                job_in(
                    s,
                    0,
                    false,
                    vec![
                        cond("FailureTarget", "True", "PodFailurePolicy", failjob_msg),
                        cond("Failed", "True", "PodFailurePolicy", failjob_msg),
                    ],
                ),
                Failed,
                None,
                "Failed",
            ),
            (
                "success policy met, pods still ending",
                job_in(s, 1, false, vec![cond("SuccessCriteriaMet", "True", "SuccessPolicy", "")]),
                Running,
                Some(Complete),
                "Completing",
            ),
            ("suspended by spec", job_in(None, 0, true, vec![]), Suspended, None, "Suspended"),
            (
                "suspended condition",
                job_in(s, 0, false, vec![cond("Suspended", "True", "JobSuspended", "")]),
                Suspended,
                None,
                "Suspended",
            ),
            (
                "resumed",
                job_in(s, 1, false, vec![cond("Suspended", "False", "JobResumed", "")]),
                Running,
                None,
                "Running",
            ),
            (
                "failed wins over suspend",
                job_in(s, 0, true, vec![cond("Failed", "True", "DeadlineExceeded", "")]),
                Failed,
                None,
                "Failed",
            ),
            (
                "a False Failed condition is no failure",
                job_in(s, 1, false, vec![cond("Failed", "False", "", "")]),
                Running,
                None,
                "Running",
            ),
        ];
        for (name, j, phase, heading, text) in cases {
            assert_eq!(j.phase(), phase, "{name}: phase");
            assert_eq!(j.terminal_pending(), heading, "{name}: heading to");
            assert_eq!(j.status_text(), text, "{name}: status text");
        }
    }

    #[test]
    fn progress_and_labels() {
        let mut wq1 = job("wq-coarse", "job-wq-1");
        (wq1.spec.completions, wq1.spec.parallelism) = (Some(8), Some(2));
        (wq1.status.succeeded, wq1.status.failed, wq1.status.active, wq1.status.ready) = (3, 1, 2, Some(1));
        let p = wq1.progress();
        assert_eq!(p.label(), "3/8");
        assert_eq!(p.fraction(), Some(3.0 / 8.0));
        assert_eq!(p.failed_fraction(), Some(1.0 / 8.0));
        assert_eq!((p.active, p.ready, p.parallelism), (2, Some(1), Some(2)));

        let mut wq2 = job("wq-fine", "job-wq-2");
        wq2.spec.parallelism = Some(2);
        wq2.status.succeeded = 1;
        let p = wq2.progress();
        assert_eq!(p.target, None);
        assert_eq!(p.fraction(), None, "no bar for a work queue");
        assert_eq!(p.failed_fraction(), None);
        assert_eq!(p.label(), "1 of 2 done");
        assert_eq!(Progress { succeeded: 4, ..Progress::default() }.label(), "4 done");

        let undefaulted = job("expansion", "process-item-apple");
        assert_eq!(undefaulted.progress().label(), "0/1", "non-parallel needs one success");

        let zero = Progress { target: Some(0), ..Progress::default() };
        assert_eq!(zero.fraction(), Some(1.0));
        let over = Progress { target: Some(2), succeeded: 5, failed: 3, ..Progress::default() };
        assert_eq!(over.fraction(), Some(1.0), "clamped");
        assert_eq!(over.failed_fraction(), Some(0.0), "never past the end of the bar");
    }

    #[test]
    fn a_complete_condition_marks_the_progress_complete() {
        let mut wq2 = job("wq-fine", "job-wq-2");
        wq2.spec.parallelism = Some(2);
        wq2.status.succeeded = 2;
        assert!(!wq2.progress().complete);
        wq2.status.conditions = vec![cond("Complete", "True", "CompletionsReached", "")];
        assert!(wq2.progress().complete);
    }

    #[test]
    fn per_index_budgets_count_failed_indexes_not_failed_pods() {
        let mut j = job("indexed", "per-index");
        (j.spec.indexed, j.spec.completions, j.spec.parallelism) = (true, Some(6), Some(6));
        j.spec.backoff_limit_per_index = Some(1);
        (j.status.succeeded, j.status.failed, j.status.active) = (2, 4, 2);
        j.status.completed_indexes = Some("0,2".into());
        j.status.failed_indexes = Some("1,4".into());
        let p = j.progress();
        assert_eq!((p.failed, p.failed_indexes, p.failed_units()), (4, Some(2), 2));
        assert_eq!(p.failed_fraction(), Some(2.0 / 6.0));
        j.spec.backoff_limit_per_index = None;
        assert_eq!(j.progress().failed_units(), 4, "a global budget counts pods");
    }

    #[test]
    fn elapsed_while_running_and_duration_when_finished() {
        let start = t0();
        let now = start + Duration::seconds(100);
        let mut j = job("indexed", "indexed-job");
        assert_eq!(j.elapsed(now), None, "not started");

        j.status.start_time = Some(start);
        j.status.active = 3;
        assert_eq!(j.elapsed(now), Some(Duration::seconds(100)));

        // Completed: completionTime - startTime (the seed's indexed-job took 10s).
        j.status.completion_time = Some(start + Duration::seconds(10));
        j.status.conditions = vec![cond("Complete", "True", "CompletionsReached", "")];
        assert_eq!(j.elapsed(now), Some(Duration::seconds(10)));
        assert_eq!(j.finished_at(), Some(start + Duration::seconds(10)));

        // Failed Jobs have no completionTime: the Failed condition's transition ends them.
        let mut f = job("failure-policy", "job-pod-failure-policy-failjob");
        f.status.start_time = Some(start);
        let mut failed = cond("Failed", "True", "PodFailurePolicy", "");
        failed.last_transition = Some(start + Duration::seconds(34));
        f.status.conditions = vec![failed];
        assert_eq!(f.elapsed(now), Some(Duration::seconds(34)));

        // Suspended after running 40s: the clock stops at the suspension.
        let mut s = job("ns", "s");
        s.status.start_time = Some(start);
        s.spec.suspend = true;
        let mut susp = cond("Suspended", "True", "JobSuspended", "");
        susp.last_transition = Some(start + Duration::seconds(40));
        s.status.conditions = vec![susp];
        assert_eq!(s.elapsed(now), Some(Duration::seconds(40)));

        // Our clock behind the server's: zero, not negative.
        let mut skew = job("ns", "skew");
        skew.status.start_time = Some(now + Duration::seconds(5));
        assert_eq!(skew.elapsed(now), Some(Duration::zero()));
    }

    #[test]
    fn backoff_usage() {
        let mut j = job("failure-policy", "job-pod-failure-policy-failjob");
        j.spec.backoff_limit = Some(6);
        j.status.failed = 2;
        assert_eq!(j.backoff_usage(), Some((2, 6)));
        j.spec.backoff_limit = None;
        assert_eq!(j.backoff_usage(), None);
        j.spec.backoff_limit = Some(i32::MAX);
        assert_eq!(j.backoff_usage(), None, "MaxInt32 means no global limit");
        j.spec.backoff_limit = Some(6);
        j.spec.backoff_limit_per_index = Some(1);
        assert_eq!(j.backoff_usage(), None, "per-index budget");
    }

    #[test]
    fn failure_reason_prefers_failed_then_failure_target() {
        let msg = "Container main for pod failure-policy/job-pod-failure-policy-failjob-xpbn6 failed with exit code 42 matching FailJob rule at index 0";
        let mut j = job("failure-policy", "job-pod-failure-policy-failjob");
        assert_eq!(j.failure_reason(), None);
        j.status.conditions = vec![cond("FailureTarget", "True", "PodFailurePolicy", msg)];
        assert_eq!(j.failure_reason(), Some(("PodFailurePolicy", msg)));
        j.status.conditions.push(cond(
            "Failed",
            "True",
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
        ));
        assert_eq!(j.failure_reason(), Some(("BackoffLimitExceeded", "Job has reached the specified backoff limit")));
        j.status.conditions = vec![Condition { reason: None, message: None, ..cond("Failed", "True", "", "") }];
        assert_eq!(j.failure_reason(), Some(("Failed", "")));
        j.status.conditions = vec![cond("Complete", "True", "CompletionsReached", "")];
        assert_eq!(j.failure_reason(), None);
    }

    #[test]
    fn human_duration_matches_kubectl() {
        let cases = [
            (0, "0s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (192, "3m12s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600 + 5 * 60, "3h5m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (3 * 86_400 + 4 * 3600, "3d4h"),
            (9 * 86_400, "9d"),
            (800 * 86_400, "2y70d"),
            (9 * 365 * 86_400, "9y"),
            (-5, "0s"),
        ];
        for (secs, text) in cases {
            assert_eq!(human_duration(Duration::seconds(secs)), text, "{secs}s");
        }
    }
}
