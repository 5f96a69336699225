//! Label groups of Jobs: Jobs expanded from one template (the seed's
//! `jobgroup=jobexample` over process-item-apple|banana|cherry) are one piece
//! of work to the operator, so they are shown together with their combined
//! progress.

use std::collections::BTreeMap;

use crate::job::JobPhase;
use crate::store::Store;
use crate::types::{JobInfo, ObjKey};

/// Jobs sharing one `key=value` label, with how many of them are where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobGroup {
    /// `key=value`, usable as a label selector.
    pub label: String,
    /// Member Jobs in namespace/name order (a group may span namespaces, like
    /// `kubectl get jobs -A -l key=value`).
    pub jobs: Vec<ObjKey>,
    pub total: usize,
    /// Jobs whose Complete condition is True.
    pub succeeded: usize,
    /// Jobs whose Failed condition is True.
    pub failed: usize,
    /// Jobs running (including those whose terminal condition waits for pods).
    pub running: usize,
}

impl JobGroup {
    /// `3/3`: complete Jobs of all Jobs in the group.
    pub fn progress_label(&self) -> String {
        format!("{}/{}", self.succeeded, self.total)
    }

    /// Share of complete Jobs, for a bar.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 { 0.0 } else { self.succeeded as f64 / self.total as f64 }
    }

    /// Jobs neither finished nor running: pending or suspended.
    pub fn waiting(&self) -> usize {
        self.total - self.succeeded - self.failed - self.running
    }
}

/// Labels Kubernetes puts on every Job (or that tools manage): they identify
/// one Job or a controller's bookkeeping, never a user's grouping.
pub fn is_system_label(key: &str) -> bool {
    matches!(key, "controller-uid" | "job-name")
        || key.starts_with("batch.kubernetes.io/")
        || key.contains("kubernetes.io/")
        || key.contains("k8s.io/")
}

/// Groups of Jobs sharing a user label, sorted by label. A label on a single
/// Job is not a group (that also drops per-Job unique labels such as a run id).
///
/// Under churn the Jobs change many times a second and this runs again each
/// time at 2,000 Jobs: Jobs are gathered under the label's borrowed key and
/// value (the `key=value` text is written once per group, not once per Job)
/// with their phase worked out once (not once per group they are in).
pub fn job_groups(jobs: &Store<JobInfo>) -> Vec<JobGroup> {
    let mut members: BTreeMap<(&str, &str), Vec<(&JobInfo, JobPhase)>> = BTreeMap::new();
    for job in jobs.values() {
        let mut labels = job.labels.iter().filter(|(k, _)| !is_system_label(k)).peekable();
        if labels.peek().is_none() {
            continue;
        }
        let phase = job.phase();
        for (key, value) in labels {
            members.entry((key, value)).or_default().push((job, phase));
        }
    }
    let mut groups: Vec<JobGroup> = members
        .into_iter()
        .filter(|(_, js)| js.len() >= 2)
        .map(|((key, value), js)| group(format!("{key}={value}"), &js))
        .collect();
    // By the label's text (`a-b=1` before `a=1`), as the groups have always been listed.
    groups.sort_by(|a, b| a.label.cmp(&b.label));
    groups
}

fn group(label: String, jobs: &[(&JobInfo, JobPhase)]) -> JobGroup {
    let count = |p: JobPhase| jobs.iter().filter(|(_, q)| *q == p).count();
    JobGroup {
        label,
        jobs: jobs.iter().map(|(j, _)| j.key.clone()).collect(),
        total: jobs.len(),
        succeeded: count(JobPhase::Complete),
        failed: count(JobPhase::Failed),
        running: count(JobPhase::Running),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{cond, job, t0};

    fn store(jobs: Vec<JobInfo>) -> Store<JobInfo> {
        let mut s = Store::default();
        for j in jobs {
            s.upsert(j.key.clone(), j, 1);
        }
        s
    }

    fn labelled(namespace: &str, name: &str, labels: &[(&str, &str)]) -> JobInfo {
        let mut j = job(namespace, name);
        j.labels.extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        j
    }

    fn complete(mut j: JobInfo) -> JobInfo {
        j.status.start_time = Some(t0());
        j.status.conditions = vec![cond("Complete", "True", "CompletionsReached", "")];
        j
    }

    #[test]
    // fraction() is exactly 1.0 (3/3) or 0.0 (no jobs): the constants compare exactly.
    #[allow(clippy::float_cmp)]
    fn the_seed_expansion_is_one_group_of_three() {
        let jobs = store(vec![
            complete(labelled("expansion", "process-item-apple", &[("jobgroup", "jobexample")])),
            complete(labelled("expansion", "process-item-banana", &[("jobgroup", "jobexample")])),
            complete(labelled("expansion", "process-item-cherry", &[("jobgroup", "jobexample")])),
            // The seed's other Jobs only carry the labels Kubernetes adds.
            job("indexed", "indexed-job"),
            job("wq-fine", "job-wq-2"),
        ]);
        let groups = job_groups(&jobs);
        assert_eq!(
            groups,
            vec![JobGroup {
                label: "jobgroup=jobexample".into(),
                jobs: ["apple", "banana", "cherry"]
                    .map(|i| ObjKey::new("expansion", format!("process-item-{i}")))
                    .into(),
                total: 3,
                succeeded: 3,
                failed: 0,
                running: 0,
            }]
        );
        assert_eq!(groups[0].progress_label(), "3/3");
        assert_eq!(groups[0].fraction(), 1.0);
    }

    #[test]
    fn groups_are_listed_by_their_label_text_and_a_job_counts_in_each_of_its_groups() {
        let jobs = store(vec![
            labelled("ns", "a", &[("a", "1"), ("a-b", "1")]),
            complete(labelled("ns", "b", &[("a", "1"), ("a-b", "1")])),
            labelled("ns", "c", &[("a", "2")]),
        ]);
        let groups = job_groups(&jobs);
        // `-` sorts before `=`: "a-b=1" comes first, as a label selector reads.
        let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(labels, ["a-b=1", "a=1"]);
        for g in &groups {
            assert_eq!((g.total, g.succeeded), (2, 1), "{}", g.label);
        }
    }

    #[test]
    fn counts_each_phase() {
        let mut running = labelled("ns", "b", &[("team", "fruit")]);
        running.status.start_time = Some(t0());
        running.status.active = 1;
        let mut failed = labelled("ns", "c", &[("team", "fruit")]);
        failed.status.conditions = vec![cond("Failed", "True", "BackoffLimitExceeded", "")];
        let pending = labelled("ns", "d", &[("team", "fruit")]);
        let mut suspended = labelled("ns", "e", &[("team", "fruit")]);
        suspended.spec.suspend = true;
        let jobs =
            store(vec![complete(labelled("ns", "a", &[("team", "fruit")])), running, failed, pending, suspended]);
        let g = &job_groups(&jobs)[0];
        assert_eq!((g.total, g.succeeded, g.failed, g.running, g.waiting()), (5, 1, 1, 1, 2));
        assert_eq!(g.progress_label(), "1/5");
    }

    #[test]
    fn system_and_unique_labels_make_no_groups() {
        let shared_system = [
            ("controller-uid", "same"),
            ("job-name", "same"),
            ("batch.kubernetes.io/job-name", "same"),
            ("app.kubernetes.io/managed-by", "Helm"),
            ("kueue.x-k8s.io/queue-name", "q"),
            ("example.k8s.io/thing", "x"),
        ];
        let jobs = store(vec![
            labelled("ns", "a", &shared_system),
            labelled("ns", "b", &shared_system),
            labelled("ns", "c", &[("run-id", "1")]),
            labelled("ns", "d", &[("run-id", "2")]),
        ]);
        assert_eq!(job_groups(&jobs), vec![]);
        for (key, _) in shared_system {
            assert!(is_system_label(key), "{key}");
        }
        for key in ["jobgroup", "app", "team", "example.com/owner"] {
            assert!(!is_system_label(key), "{key}");
        }
    }

    #[test]
    fn a_job_can_be_in_several_groups_and_groups_span_namespaces() {
        let jobs = store(vec![
            labelled("a", "x", &[("jobgroup", "one"), ("team", "t")]),
            labelled("a", "y", &[("jobgroup", "one")]),
            labelled("b", "z", &[("team", "t")]),
        ]);
        let groups = job_groups(&jobs);
        let summary: Vec<(&str, Vec<String>)> =
            groups.iter().map(|g| (g.label.as_str(), g.jobs.iter().map(ObjKey::to_string).collect())).collect();
        assert_eq!(
            summary,
            vec![("jobgroup=one", vec!["a/x".into(), "a/y".into()]), ("team=t", vec!["a/x".into(), "b/z".into()])]
        );
    }

    #[test]
    // fraction() is exactly 1.0 (3/3) or 0.0 (no jobs): the constants compare exactly.
    #[allow(clippy::float_cmp)]
    fn empty_store_has_no_groups() {
        assert!(job_groups(&Store::default()).is_empty());
        let empty = JobGroup { label: "k=v".into(), jobs: vec![], total: 0, succeeded: 0, failed: 0, running: 0 };
        assert_eq!(empty.fraction(), 0.0);
    }
}
