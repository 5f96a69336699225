//! Job and pod conditions in plain words: the API's reasons are terse
//! CamelCase, and the operator reading them at 3 a.m. should not need the docs.

use chrono::Duration;

use crate::types::{Condition, Time};

impl Condition {
    /// Time since the condition last changed status.
    pub fn age(&self, now: Time) -> Option<Duration> {
        self.last_transition.map(|t| (now - t).max(Duration::zero()))
    }
}

/// What a condition reason means, for the reasons the Job controller, the
/// scheduler and the eviction machinery set. `None` for reasons we do not
/// know (custom conditions such as the seed's ConfigIssue carry their own).
pub fn explain_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        // Job conditions (Failed / FailureTarget / Complete / SuccessCriteriaMet / Suspended).
        "BackoffLimitExceeded" => "more pods failed than backoffLimit allows",
        "DeadlineExceeded" => "the Job ran longer than activeDeadlineSeconds",
        "PodFailurePolicy" => "a podFailurePolicy rule with action FailJob matched a failed pod",
        "MaxFailedIndexesExceeded" => "more indexes failed than maxFailedIndexes allows",
        "FailedIndexes" => "some indexes failed after their backoffLimitPerIndex",
        "CompletionsReached" => "the required number of pods succeeded",
        "SuccessPolicy" => "the Job's successPolicy was met",
        "JobSuspended" => "spec.suspend is set: pods are removed and none are created",
        "JobResumed" => "spec.suspend was cleared",
        // Pod DisruptionTarget reasons.
        "EvictionByEvictionAPI" => "evicted through the Eviction API (e.g. kubectl drain)",
        "PreemptionByScheduler" => "preempted to make room for a higher-priority pod",
        "DeletionByTaintManager" => "deleted because its node got a NoExecute taint",
        "DeletionByPodGC" => "deleted by the pod garbage collector (its node is gone)",
        "TerminationByKubelet" => "terminated by the kubelet (node pressure or shutdown)",
        // Pod scheduling.
        "Unschedulable" => "no node fits the pod",
        "SchedulingGated" => "scheduling gates hold the pod back",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{cond, t0};

    #[test]
    fn age_since_the_last_transition() {
        let mut c = cond("Failed", "True", "PodFailurePolicy", "");
        assert_eq!(c.age(t0()), None);
        c.last_transition = Some(t0());
        assert_eq!(c.age(t0() + Duration::seconds(90)), Some(Duration::seconds(90)));
        assert_eq!(c.age(t0() - Duration::seconds(5)), Some(Duration::zero()), "clock skew is not negative age");
    }

    #[test]
    fn explains_known_reasons_only() {
        for reason in
            ["BackoffLimitExceeded", "DeadlineExceeded", "PodFailurePolicy", "EvictionByEvictionAPI", "Unschedulable"]
        {
            assert!(explain_reason(reason).is_some_and(|t| !t.is_empty()), "{reason}");
        }
        assert_eq!(explain_reason("NonExistingImage"), None, "custom reasons speak for themselves");
        assert_eq!(explain_reason(""), None);
    }
}
