//! When will a Job be done: a completion rate and an ETA.
//!
//! For Jobs with a completions target (fixed-count and Indexed), the rate
//! comes from when its pods succeeded (their containers' finish times), not
//! from when batchtop happened to look. It is a sliding window over the last
//! [`WINDOW`] completions, measured up to now: `k` completions since the
//! completion before the window (or the Job's start) divided by the time
//! since then. Measuring to now rather than to the last completion makes a
//! stalled Job's rate fall and its ETA grow, instead of promising the last
//! burst's pace forever; the window keeps one fast pod from swinging it.
//!
//! Work-queue Jobs have no target: their ETA is the linked queue's (depth
//! over drain rate, `queue::QueueState::eta`), chosen by the caller.

use chrono::Duration;

use crate::job::JobPhase;
use crate::types::{ContainerState, JobInfo, PodInfo, Time};

/// Completions the rate is measured over.
pub const WINDOW: usize = 10;

/// A Job's pace and what it predicts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobEta {
    /// Completions per minute over the window.
    pub per_minute: f64,
    /// Completions the rate was measured over.
    pub window: usize,
    /// Completions still to come.
    pub remaining: i32,
    /// How long until the last one, at this rate.
    pub eta: Duration,
}

impl JobEta {
    /// `6m (1.0/min over the last 4)`: the ETA and what it rests on.
    pub fn text(&self) -> String {
        format!("{} ({:.1}/min over the last {})", crate::text::duration(self.eta), self.per_minute, self.window)
    }
}

/// The ETA of a running Job with a completions target, from its succeeded
/// pods; `None` when it has no target, is finished or suspended, or nothing
/// succeeded yet (no basis).
pub fn job_eta<'a>(job: &JobInfo, pods: impl IntoIterator<Item = &'a PodInfo>, now: Time) -> Option<JobEta> {
    let target = job.spec.completions?;
    if job.phase().is_finished() || job.phase() == JobPhase::Suspended {
        return None;
    }
    let remaining = target - job.status.succeeded;
    if remaining <= 0 {
        return None;
    }
    let mut finished: Vec<Time> = pods.into_iter().filter(|p| p.phase == "Succeeded").filter_map(finish_time).collect();
    finished.sort_unstable();
    let since = job.status.start_time.or(job.created)?;
    rate(&finished, since, now).map(|(per_minute, window)| JobEta {
        per_minute,
        window,
        remaining,
        eta: Duration::milliseconds((f64::from(remaining) / per_minute * 60_000.0) as i64),
    })
}

/// How long until `job` is done, as the Jobs list shows it: from its pods
/// ([`job_eta`]) when it has a completions target, else from the queue it
/// works (depth over drain rate); `None` without a basis.
pub fn remaining<'a>(
    job: &JobInfo,
    pods: impl IntoIterator<Item = &'a PodInfo>,
    queues: &crate::queue::Queues,
    now: Time,
) -> Option<Duration> {
    if job.phase().is_finished() {
        return None;
    }
    job_eta(job, pods, now)
        .map(|e| e.eta)
        .or_else(|| queues.eta_of_job(&job.key).and_then(|d| Duration::from_std(d).ok()))
}

/// Completions per minute over the last [`WINDOW`] of `finished` (sorted),
/// measured from the completion before them (or `start`) to `now`.
fn rate(finished: &[Time], start: Time, now: Time) -> Option<(f64, usize)> {
    let n = finished.len();
    if n == 0 {
        return None;
    }
    let k = n.min(WINDOW);
    let from = if n > k { finished[n - k - 1] } else { start };
    let minutes = (now - from).num_milliseconds() as f64 / 60_000.0;
    (minutes > 0.0).then(|| (k as f64 / minutes, k))
}

/// When a succeeded pod's last main container finished.
pub(crate) fn finish_time(pod: &PodInfo) -> Option<Time> {
    pod.containers
        .iter()
        .filter(|c| !c.init)
        .filter_map(|c| match &c.state {
            ContainerState::Terminated { finished, .. } => *finished,
            _ => None,
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use proptest::prelude::*;

    fn minutes(m: i64) -> Time {
        t0() + Duration::minutes(m)
    }

    fn succeeded_at(job: &JobInfo, i: usize, at: Time) -> PodInfo {
        let mut p = job_pod(job, &format!("p{i}"), "Succeeded", terminated(0, "Completed"));
        if let Some(c) = p.containers.first_mut() {
            c.state = ContainerState::Terminated { exit_code: 0, reason: None, message: None, finished: Some(at) };
        }
        p
    }

    fn fixed(completions: i32, succeeded: i32) -> JobInfo {
        let mut j = job("ns", "work");
        j.spec.completions = Some(completions);
        j.status.succeeded = succeeded;
        j.status.active = 1;
        j.status.start_time = Some(t0());
        j
    }

    #[test]
    fn a_steady_job_predicts_its_end() {
        // One completion a minute, 4 of 10 done at minute 4: 6 minutes to go.
        let j = fixed(10, 4);
        let pods: Vec<_> = (1..=4).map(|i| succeeded_at(&j, i, minutes(i as i64))).collect();
        let eta = job_eta(&j, &pods, minutes(4)).unwrap();
        assert!((eta.per_minute - 1.0).abs() < 1e-9, "{eta:?}");
        assert_eq!((eta.remaining, eta.window, eta.eta), (6, 4, Duration::minutes(6)));
    }

    #[test]
    fn a_stall_lowers_the_rate_and_pushes_the_eta_out() {
        let j = fixed(10, 4);
        let pods: Vec<_> = (1..=4).map(|i| succeeded_at(&j, i, minutes(i as i64))).collect();
        let later = job_eta(&j, &pods, minutes(20)).unwrap();
        assert!(later.per_minute < 0.25 && later.eta > Duration::minutes(20), "{later:?}");
    }

    #[test]
    fn no_basis_no_target_or_finished_means_no_eta() {
        let j = fixed(10, 0);
        assert_eq!(job_eta(&j, &[], minutes(3)), None, "nothing succeeded yet");
        let mut queue = fixed(10, 3);
        queue.spec.completions = None;
        assert_eq!(job_eta(&queue, &[succeeded_at(&queue, 1, minutes(1))], minutes(3)), None);
        let mut done = fixed(1, 1);
        done.status.conditions.push(cond("Complete", "True", "", ""));
        assert_eq!(job_eta(&done, &[succeeded_at(&done, 1, minutes(1))], minutes(3)), None);
    }

    #[test]
    fn the_window_forgets_old_completions() {
        // 10 slow completions (one every 10 min), then 10 fast ones (one a minute).
        let j = fixed(40, 20);
        let mut pods: Vec<_> = (1..=10).map(|i| succeeded_at(&j, i, minutes(i as i64 * 10))).collect();
        pods.extend((1..=10).map(|i| succeeded_at(&j, 10 + i, minutes(100 + i as i64))));
        let eta = job_eta(&j, &pods, minutes(110)).unwrap();
        assert!((eta.per_minute - 1.0).abs() < 1e-9, "the window is the last ten: {eta:?}");
    }

    proptest! {
        #[test]
        fn the_eta_is_remaining_over_the_rate(
            gaps in proptest::collection::vec(1i64..600, 1..30),
            extra in 0i64..600,
            target_more in 1i32..50,
        ) {
            let mut at = 0;
            let times: Vec<i64> = gaps.iter().map(|g| { at += g; at }).collect();
            let j = fixed(times.len() as i32 + target_more, times.len() as i32);
            let pods: Vec<_> = times.iter().enumerate().map(|(i, s)| succeeded_at(&j, i, t0() + Duration::seconds(*s))).collect();
            let now = t0() + Duration::seconds(at + extra);
            let eta = job_eta(&j, &pods, now).unwrap();
            prop_assert!(eta.per_minute > 0.0 && eta.window <= WINDOW && eta.window >= 1);
            let expected = f64::from(eta.remaining) / eta.per_minute * 60.0;
            prop_assert!((eta.eta.num_milliseconds() as f64 / 1000.0 - expected).abs() < 0.01);
        }
    }
}
