//! `batchtop wait`: what the state of each waited-for Job means for the wait.
//!
//! The waiter keeps a [`Waited`] per Job (its key and the UID it had when
//! first seen), asks [`verdict`] after every batch of watch updates, and
//! [`outcome`] says whether the wait is over and with which exit code. Pure:
//! the watches, the clock and the printing are the caller's.

use crate::job::JobPhase;
use crate::{ObjKey, State};

/// What the wait waits for (`--for`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Every Job Complete; the first Failed one ends the wait with 1.
    Complete,
    /// Every Job finished, complete or failed: exit 0 either way.
    Finished,
}

/// One Job waited for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waited {
    pub key: ObjKey,
    /// The UID when first seen; a Job of the same name with another UID is a replacement.
    pub uid: Option<String>,
}

impl Waited {
    pub fn new(key: ObjKey) -> Self {
        Self { key, uid: None }
    }

    /// Records the UID the first time the Job is seen.
    pub fn observe(&mut self, state: &State) {
        if self.uid.is_none() {
            self.uid = state.jobs.get(&self.key).map(|j| j.uid.clone());
        }
    }
}

/// Where one waited-for Job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not in the cluster yet (and never seen).
    NotYet,
    Running,
    /// `spec.suspend`: counts as not finished.
    Suspended,
    Complete,
    Failed,
    /// Seen, then gone.
    Deleted,
    /// Seen, then a Job of the same name with another UID.
    Replaced,
}

impl Verdict {
    pub fn is_finished(self) -> bool {
        matches!(self, Verdict::Complete | Verdict::Failed)
    }

    pub fn word(self) -> &'static str {
        match self {
            Verdict::NotYet => "not created yet",
            Verdict::Running => "running",
            Verdict::Suspended => "suspended",
            Verdict::Complete => "complete",
            Verdict::Failed => "failed",
            Verdict::Deleted => "deleted",
            Verdict::Replaced => "replaced",
        }
    }
}

pub fn verdict(state: &State, waited: &Waited) -> Verdict {
    match (state.jobs.get(&waited.key), &waited.uid) {
        (None, None) => Verdict::NotYet,
        (None, Some(_)) => Verdict::Deleted,
        (Some(job), Some(uid)) if job.uid != *uid => Verdict::Replaced,
        (Some(job), _) => match job.phase() {
            JobPhase::Complete => Verdict::Complete,
            JobPhase::Failed => Verdict::Failed,
            _ if job.spec.suspend => Verdict::Suspended,
            _ => Verdict::Running,
        },
    }
}

/// How a wait ended; the numbers are the exit codes scripts read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every Job reached the goal.
    Done = 0,
    /// A Job failed (goal Complete).
    Failed = 1,
    /// Could not reach the cluster, or RBAC refused (decided by the caller).
    Unreachable = 2,
    /// The timeout passed first (decided by the caller).
    TimedOut = 3,
    /// A Job was deleted or replaced while waited for.
    Gone = 4,
    /// The arguments name nothing that can be waited for (decided by the caller).
    BadArguments = 5,
    /// Ctrl-C, as shells count it (128 + SIGINT).
    Interrupted = 130,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        self as i32
    }
}

/// The wait's end, if the verdicts decide it: a Job gone ends it first, then
/// (goal Complete) a failed one; otherwise it ends when every Job reached the
/// goal. No Job at all (a selector matching nothing yet) is not an end.
pub fn outcome(verdicts: &[Verdict], goal: Goal) -> Option<Outcome> {
    if verdicts.iter().any(|v| matches!(v, Verdict::Deleted | Verdict::Replaced)) {
        return Some(Outcome::Gone);
    }
    if goal == Goal::Complete && verdicts.contains(&Verdict::Failed) {
        return Some(Outcome::Failed);
    }
    let reached = |v: &Verdict| match goal {
        Goal::Complete => *v == Verdict::Complete,
        Goal::Finished => v.is_finished(),
    };
    (!verdicts.is_empty() && verdicts.iter().all(reached)).then_some(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{cond, job};
    use proptest::prelude::*;

    fn state_with(jobs: Vec<crate::JobInfo>) -> State {
        let mut s = State::default();
        for j in jobs {
            s.jobs.upsert(j.key.clone(), j, 0);
        }
        s
    }

    fn finished(name: &str, type_: &str) -> crate::JobInfo {
        let mut j = job("ns", name);
        j.status.conditions.push(cond(type_, "True", "", ""));
        j
    }

    #[test]
    fn a_job_is_followed_by_its_uid() {
        let mut w = Waited::new(ObjKey::new("ns", "a"));
        assert_eq!(verdict(&State::default(), &w), Verdict::NotYet);
        let mut first = job("ns", "a");
        first.uid = "uid-1".into();
        let state = state_with(vec![first.clone()]);
        w.observe(&state);
        assert_eq!(verdict(&state, &w), Verdict::Running);
        let mut second = first.clone();
        second.uid = "uid-2".into();
        assert_eq!(verdict(&state_with(vec![second]), &w), Verdict::Replaced);
        assert_eq!(verdict(&State::default(), &w), Verdict::Deleted);
    }

    #[test]
    fn suspended_complete_and_failed_jobs() {
        let mut suspended = job("ns", "s");
        suspended.spec.suspend = true;
        let state = state_with(vec![suspended, finished("ns-c", "Complete"), finished("ns-f", "Failed")]);
        let v = |name: &str| verdict(&state, &Waited::new(ObjKey::new("ns", name)));
        assert_eq!(v("s"), Verdict::Suspended);
        assert_eq!(v("ns-c"), Verdict::Complete);
        assert_eq!(v("ns-f"), Verdict::Failed);
    }

    #[test]
    fn the_goal_decides_what_a_failure_means() {
        use Verdict::*;
        assert_eq!(outcome(&[Complete, Running], Goal::Complete), None);
        assert_eq!(outcome(&[Complete, Complete], Goal::Complete), Some(Outcome::Done));
        assert_eq!(outcome(&[Failed, Running], Goal::Complete), Some(Outcome::Failed), "the first failure ends it");
        assert_eq!(outcome(&[Failed, Running], Goal::Finished), None);
        assert_eq!(outcome(&[Failed, Complete], Goal::Finished), Some(Outcome::Done));
        assert_eq!(outcome(&[Complete, Deleted], Goal::Complete), Some(Outcome::Gone));
        assert_eq!(outcome(&[Suspended], Goal::Finished), None, "suspended is not finished");
        assert_eq!(outcome(&[], Goal::Complete), None, "nothing to wait for yet is not done");
        assert_eq!(Outcome::TimedOut.exit_code(), 3);
    }

    fn any_verdict() -> impl Strategy<Value = Verdict> {
        use Verdict::*;
        prop_oneof![
            Just(NotYet),
            Just(Running),
            Just(Suspended),
            Just(Complete),
            Just(Failed),
            Just(Deleted),
            Just(Replaced)
        ]
    }

    proptest! {
        #[test]
        fn gone_first_then_failed_then_done_only_when_every_job_reached_the_goal(
            vs in proptest::collection::vec(any_verdict(), 0..8)
        ) {
            let gone = vs.iter().any(|v| matches!(v, Verdict::Deleted | Verdict::Replaced));
            for goal in [Goal::Complete, Goal::Finished] {
                let expected = if gone {
                    Some(Outcome::Gone)
                } else if goal == Goal::Complete && vs.contains(&Verdict::Failed) {
                    Some(Outcome::Failed)
                } else if vs.is_empty() || vs.iter().any(|v| !v.is_finished()) {
                    None
                } else {
                    Some(Outcome::Done)
                };
                prop_assert_eq!(outcome(&vs, goal), expected);
            }
        }
    }
}
