//! How a Job's pods ran over time: one lane per pod, or per index for an
//! Indexed Job (its retries on the same lane), each run a span from the pod's
//! creation to its end (or now), on an axis shared by every lane.
//!
//! Pods the cluster has already deleted are still drawn: [`State`] keeps a
//! [`PodRun`] of each pod of a listed Job when it goes ([`Remembered`]), at
//! most [`REMEMBERED_PER_JOB`] per Job, for as long as the Job is listed.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::types::{ContainerState, JobInfo, ObjKey, PodInfo, Time};

/// Runs kept per Job after their pods are deleted: enough for a retry
/// history of a large indexed Job's visible lanes, bounded so that a Job with
/// thousands of short pods costs a few tens of kilobytes.
pub const REMEMBERED_PER_JOB: usize = 256;

/// How a run ended, or where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// `why` is the exit code (`exit 42`) or the reason (`DeadlineExceeded`).
    Failed {
        why: String,
    },
    /// Evicted, preempted or drained (a DisruptionTarget condition).
    Disrupted {
        why: String,
    },
    Running,
    Pending,
}

impl Outcome {
    /// The cell a run of this outcome is drawn with: distinct without colour.
    pub fn glyph(&self) -> char {
        match self {
            Outcome::Succeeded => '█',
            Outcome::Failed { .. } => '✗',
            Outcome::Disrupted { .. } => '!',
            Outcome::Running => '▶',
            Outcome::Pending => '·',
        }
    }

    /// One word for the legend and the run list.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed { .. } => "failed",
            Outcome::Disrupted { .. } => "disrupted",
            Outcome::Running => "running",
            Outcome::Pending => "pending",
        }
    }
}

/// One pod's run, compact: what the timeline needs and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRun {
    pub pod: String,
    pub index: Option<u32>,
    pub created: Option<Time>,
    /// When its main containers started running (the end of its pending part).
    pub started: Option<Time>,
    /// When it finished; `None` while it runs.
    pub ended: Option<Time>,
    pub outcome: Outcome,
}

impl PodRun {
    pub fn of(pod: &PodInfo) -> PodRun {
        let main = || pod.containers.iter().filter(|c| !c.init);
        let started = main()
            .filter_map(|c| match c.state {
                ContainerState::Running { started } => started,
                _ => None,
            })
            .min();
        let ended = pod.is_terminal().then(|| crate::eta::finish_time(pod)).flatten();
        PodRun {
            pod: pod.key.name.clone(),
            index: pod.completion_index,
            created: pod.created,
            started,
            ended,
            outcome: outcome(pod),
        }
    }

    /// A run the cluster deleted before it ended: it ended when batchtop saw it go.
    fn gone_at(mut self, now: Time) -> PodRun {
        if self.ended.is_none() {
            self.ended = Some(now);
            if matches!(self.outcome, Outcome::Running | Outcome::Pending) {
                self.outcome = Outcome::Disrupted { why: "deleted".into() };
            }
        }
        self
    }
}

fn outcome(pod: &PodInfo) -> Outcome {
    if let Some(c) = pod.conditions.iter().find(|c| c.type_ == "DisruptionTarget" && c.is_true()) {
        return Outcome::Disrupted {
            why: c.reason.as_deref().filter(|r| !r.is_empty()).unwrap_or(&c.type_).to_string(),
        };
    }
    match &*pod.phase {
        "Succeeded" => Outcome::Succeeded,
        "Failed" => {
            let why = match pod.exit_code() {
                Some(code) if code != 0 => format!("exit {code}"),
                _ => pod.main_reason().unwrap_or_else(|| "Failed".into()),
            };
            Outcome::Failed { why }
        }
        "Running" if pod.containers.iter().any(|c| !c.init && matches!(c.state, ContainerState::Running { .. })) => {
            Outcome::Running
        }
        _ => Outcome::Pending,
    }
}

/// The runs of deleted pods, per Job, bounded per Job.
#[derive(Debug, Default, Clone)]
pub struct Remembered {
    runs: HashMap<ObjKey, VecDeque<PodRun>>,
}

impl Remembered {
    /// Keeps `pod`'s run (seen deleted at `now`) under its Job, dropping the oldest past the bound.
    pub fn keep(&mut self, pod: &PodInfo, now: Time) {
        let Some(job) = &pod.job else { return };
        let runs = self.runs.entry(ObjKey::new(pod.key.namespace.clone(), job.clone())).or_default();
        if runs.len() == REMEMBERED_PER_JOB {
            runs.pop_front();
        }
        runs.push_back(PodRun::of(pod).gone_at(now));
    }

    /// Forgets a Job's runs (the Job is gone).
    pub fn forget(&mut self, job: &ObjKey) {
        self.runs.remove(job);
    }

    /// Forgets the runs of every Job `listed` says is gone.
    pub fn retain(&mut self, mut listed: impl FnMut(&ObjKey) -> bool) {
        self.runs.retain(|k, _| listed(k));
    }

    pub fn of_job<'a>(&'a self, job: &ObjKey) -> impl Iterator<Item = &'a PodRun> + 'a {
        self.runs.get(job).into_iter().flatten()
    }
}

/// One row of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// `#3` for an index, else the pod's name.
    pub label: String,
    /// Oldest first: a retry is drawn over the run before it.
    pub runs: Vec<PodRun>,
}

/// A Job's timeline: lanes on the axis from `from` to `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub from: Time,
    pub to: Time,
    /// The Job's start and end (complete or failed), to mark on the axis.
    pub job_start: Option<Time>,
    pub job_end: Option<Time>,
    pub parallelism: Option<i32>,
    /// The most runs that were ever running at the same moment.
    pub peak: usize,
    pub lanes: Vec<Lane>,
}

/// The timeline of `job` from its live pods and the remembered runs of its
/// deleted ones; `None` when it has no pod yet.
pub fn of_job<'a>(
    job: &JobInfo,
    live: impl IntoIterator<Item = &'a PodInfo>,
    remembered: impl IntoIterator<Item = &'a PodRun>,
    now: Time,
) -> Option<Timeline> {
    let mut runs: Vec<PodRun> = remembered.into_iter().cloned().collect();
    runs.extend(live.into_iter().map(PodRun::of));
    runs.sort_by(|a, b| (a.created, &a.pod).cmp(&(b.created, &b.pod)));
    runs.dedup_by(|a, b| a.pod == b.pod);
    let from = runs.iter().filter_map(|r| r.created).chain(job.status.start_time).min()?;
    let job_end = job.finished_at();
    // Up to now while anything runs, else to the last end.
    let last_end = runs.iter().filter_map(|r| r.ended).chain(job_end).max();
    let to = if runs.iter().any(|r| r.ended.is_none()) { now } else { last_end.unwrap_or(now) };
    Some(Timeline {
        from,
        to: to.max(from + chrono::Duration::seconds(1)),
        job_start: job.status.start_time,
        job_end,
        parallelism: job.spec.parallelism,
        peak: peak(&runs, now),
        lanes: lanes(runs, job.spec.indexed),
    })
}

/// Runs grouped into lanes: by index (in index order) for an Indexed Job,
/// else one per pod in creation order.
fn lanes(runs: Vec<PodRun>, indexed: bool) -> Vec<Lane> {
    if !indexed {
        return runs.into_iter().map(|r| Lane { label: r.pod.clone(), runs: vec![r] }).collect();
    }
    let mut by_index: BTreeMap<Option<u32>, Vec<PodRun>> = BTreeMap::new();
    for r in runs {
        by_index.entry(r.index).or_default().push(r);
    }
    by_index
        .into_iter()
        .map(|(index, runs)| Lane { label: index.map_or_else(|| "#?".into(), |i| format!("#{i}")), runs })
        .collect()
}

/// The most runs whose spans overlap at one moment (from their starts and ends).
fn peak(runs: &[PodRun], now: Time) -> usize {
    let mut edges: Vec<(Time, i32)> = Vec::new();
    for r in runs {
        let Some(start) = r.started.or(r.created) else { continue };
        edges.push((start, 1));
        edges.push((r.ended.unwrap_or(now), -1));
    }
    // Ends before starts at the same instant: a pod replacing another is not overlap.
    edges.sort_by_key(|&(t, d)| (t, d));
    let (mut now_running, mut most) = (0i32, 0i32);
    for (_, d) in edges {
        now_running += d;
        most = most.max(now_running);
    }
    most as usize
}

impl Timeline {
    /// Where `t` falls on an axis of `width` cells, in cells from its start.
    fn position(&self, t: Time, width: usize) -> f64 {
        let span = (self.to - self.from).num_milliseconds().max(1) as f64;
        ((t - self.from).num_milliseconds() as f64 / span * width as f64).clamp(0.0, width as f64)
    }

    /// The cell of `width` that `t` falls in.
    pub fn cell_of(&self, t: Time, width: usize) -> usize {
        (self.position(t, width) as usize).min(width.saturating_sub(1))
    }

    /// The lane drawn in `width` cells: each cell the outcome of the latest
    /// run covering it (a run covers at least one cell), `None` where nothing ran.
    pub fn cells<'a>(&self, lane: &'a Lane, width: usize, now: Time) -> Vec<Option<&'a Outcome>> {
        let mut out = vec![None; width];
        if width == 0 {
            return out;
        }
        for run in &lane.runs {
            let Some(created) = run.created else { continue };
            let end = run.ended.unwrap_or(now);
            let first = self.cell_of(created, width);
            // The cell the run ends at the start of is not its own: runs back to back do not overlap.
            let last = ((self.position(end, width).ceil() as usize).saturating_sub(1)).min(width - 1).max(first);
            let running_from = run.started.map(|s| self.cell_of(s, width));
            for (c, slot) in out.iter_mut().enumerate().take(last + 1).skip(first) {
                let pending_part = run.ended.is_none() && running_from.is_none_or(|r| c < r);
                *slot = Some(if pending_part && run.outcome == Outcome::Running {
                    &Outcome::Pending
                } else {
                    &run.outcome
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn minutes(m: i64) -> Time {
        t0() + Duration::minutes(m)
    }

    fn run(pod: &str, index: Option<u32>, from: i64, to: Option<i64>, outcome: Outcome) -> PodRun {
        PodRun {
            pod: pod.into(),
            index,
            created: Some(minutes(from)),
            started: Some(minutes(from)),
            ended: to.map(minutes),
            outcome,
        }
    }

    /// The first lane in `width` cells, a glyph per cell.
    fn drawn(t: &Timeline, width: usize, now: Time) -> String {
        t.cells(&t.lanes[0], width, now).iter().map(|c| c.map_or(' ', Outcome::glyph)).collect()
    }

    fn indexed_job() -> JobInfo {
        let mut j = job("indexed", "indexed-job");
        j.spec.indexed = true;
        j.spec.completions = Some(3);
        j.spec.parallelism = Some(2);
        j.status.start_time = Some(minutes(0));
        j
    }

    #[test]
    fn an_indexed_jobs_retries_share_their_indexs_lane() {
        let j = indexed_job();
        let failed = Outcome::Failed { why: "exit 42".into() };
        let remembered = [run("a-0-x", Some(0), 0, Some(2), failed.clone())];
        let live = run("a-0-y", Some(0), 2, Some(4), Outcome::Succeeded);
        let other = run("a-1-x", Some(1), 0, None, Outcome::Running);
        let t = of_job(&j, [], remembered.iter().chain([&live, &other]), minutes(10)).unwrap();
        assert_eq!((t.from, t.to, t.peak), (minutes(0), minutes(10), 2));
        let labels: Vec<_> = t.lanes.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["#0", "#1"]);
        assert_eq!(t.lanes[0].runs.iter().map(|r| r.pod.as_str()).collect::<Vec<_>>(), ["a-0-x", "a-0-y"]);
        // Ten cells, a minute each: failed for two, succeeded for two, then nothing.
        let cells = drawn(&t, 10, minutes(10));
        assert_eq!(cells, "✗✗██      ");
    }

    #[test]
    fn a_running_pod_is_pending_until_its_container_starts() {
        let j = indexed_job();
        let mut r = run("a-0-x", Some(0), 0, None, Outcome::Running);
        r.started = Some(minutes(5));
        let t = of_job(&j, [], [&r], minutes(10)).unwrap();
        let cells = drawn(&t, 10, minutes(10));
        assert_eq!(cells, "·····▶▶▶▶▶");
    }

    #[test]
    fn a_pod_deleted_while_running_counts_as_disrupted_and_the_bound_holds() {
        let j = indexed_job();
        let mut p = job_pod(&j, "p0", "Running", running());
        p.created = Some(minutes(0));
        let mut kept = Remembered::default();
        for _ in 0..REMEMBERED_PER_JOB + 5 {
            kept.keep(&p, minutes(3));
        }
        let runs: Vec<_> = kept.of_job(&j.key).collect();
        assert_eq!(runs.len(), REMEMBERED_PER_JOB);
        assert_eq!(
            (runs[0].ended, &runs[0].outcome),
            (Some(minutes(3)), &Outcome::Disrupted { why: "deleted".into() })
        );
        kept.forget(&j.key);
        assert_eq!(kept.of_job(&j.key).count(), 0);
    }

    #[test]
    fn failed_pods_say_their_exit_code_and_disruptions_their_reason() {
        let j = indexed_job();
        let failed = job_pod(&j, "p0", "Failed", terminated(42, "Error"));
        assert_eq!(PodRun::of(&failed).outcome, Outcome::Failed { why: "exit 42".into() });
        let mut evicted = job_pod(&j, "p1", "Failed", terminated(137, "Error"));
        evicted.conditions.push(cond("DisruptionTarget", "True", "EvictionByEvictionAPI", ""));
        assert_eq!(PodRun::of(&evicted).outcome, Outcome::Disrupted { why: "EvictionByEvictionAPI".into() });
    }

    #[test]
    fn no_pod_no_timeline() {
        let mut j = indexed_job();
        j.status.start_time = None;
        assert_eq!(of_job(&j, [], [], minutes(1)), None);
    }

    proptest! {
        /// Any runs at any width: one cell per column, every run visible
        /// (at least one cell of its lane is drawn), nothing outside the axis.
        #[test]
        fn every_run_shows_at_any_width(
            spans in proptest::collection::vec((0i64..600, 0i64..600, any::<bool>()), 1..20),
            width in 1usize..120,
        ) {
            let j = job("ns", "work");
            let runs: Vec<PodRun> = spans.iter().enumerate().map(|(i, &(a, len, done))| {
                run(&format!("p{i}"), None, a, done.then_some(a + len), if done { Outcome::Succeeded } else { Outcome::Running })
            }).collect();
            let now = minutes(1300);
            let t = of_job(&j, [], &runs, now).unwrap();
            prop_assert_eq!(t.lanes.len(), runs.len());
            for lane in &t.lanes {
                let cells = t.cells(lane, width, now);
                prop_assert_eq!(cells.len(), width);
                prop_assert!(cells.iter().any(Option::is_some));
            }
        }
    }
}
