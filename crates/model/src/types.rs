//! Compact projections of the Kubernetes objects batchtop shows.
//!
//! Sources convert API objects into these (see `source::kube::project`), so the
//! state holds only what a screen or a rule needs: no managedFields, no full
//! pod specs. Memory then follows what is displayed, not the objects' size.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub type Time = DateTime<Utc>;

/// A word the API repeats on every object (a condition's type and status, a
/// phase, an event's kind, type and reason): the common ones are not copied
/// for each of 10,000 pods and their events (see [`word`]).
pub type Word = std::borrow::Cow<'static, str>;

/// The words [`word`] shares instead of copying.
const KNOWN_WORDS: &[&str] = &[
    "True",
    "False",
    "Unknown",
    "Pending",
    "Running",
    "Succeeded",
    "Failed",
    "Ready",
    "ContainersReady",
    "PodScheduled",
    "Initialized",
    "PodReadyToStartContainers",
    "DisruptionTarget",
    "Complete",
    "Suspended",
    "FailureTarget",
    "SuccessCriteriaMet",
    "Pod",
    "Job",
    "CronJob",
    "Node",
    "Normal",
    "Warning",
    "Scheduled",
    "Pulling",
    "Pulled",
    "Created",
    "Started",
    "Killing",
    "Completed",
    "Error",
    "Evicted",
    "SuccessfulCreate",
    "SuccessfulDelete",
    "SawCompletedJob",
    "BackoffLimitExceeded",
    "PodFailurePolicy",
    "DeadlineExceeded",
    "FailedScheduling",
    "BackOff",
    "PodCompleted",
    "ContainerCreating",
];

/// `text` as a [`Word`]: shared when it is a known one, else owned.
pub fn word(text: impl AsRef<str> + Into<String>) -> Word {
    match KNOWN_WORDS.iter().find(|w| **w == text.as_ref()) {
        Some(known) => Word::Borrowed(known),
        None => Word::Owned(text.into()),
    }
}

/// Namespace and name: how every namespaced object is keyed in the state.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjKey {
    pub namespace: String,
    pub name: String,
}

impl ObjKey {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self { namespace: namespace.into(), name: name.into() }
    }
}

impl std::fmt::Display for ObjKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// A Job or Pod condition, or a Node's Ready condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: Word,
    pub status: Word,
    pub reason: Option<Word>,
    pub message: Option<String>,
    #[serde(skip)]
    pub last_transition: Option<Time>,
}

impl Condition {
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// The owner that matters for batch work: a CronJob owning a Job, a Job owning a Pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub kind: String,
    pub name: String,
    pub uid: String,
}

/// One rule of `spec.podFailurePolicy.rules`, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureRule {
    /// FailJob, FailIndex, Ignore or Count.
    pub action: String,
    pub on_exit_codes: Option<ExitCodeRule>,
    pub on_pod_conditions: Vec<PodConditionPattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitCodeRule {
    pub container: Option<String>,
    /// In or NotIn.
    pub operator: String,
    pub values: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodConditionPattern {
    pub type_: String,
    pub status: String,
}

/// A literal environment variable of the Job's pod template (valueFrom is not
/// resolved: batchtop never reads Secrets or ConfigMaps on its own). Used to
/// link a Job to the queue it works (BROKER_URL + QUEUE and friends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub container: String,
    pub name: String,
    pub value: String,
}

/// An env var of the pod template taken from a Secret (`valueFrom.secretKeyRef`):
/// the reference only. batchtop reads the value only when the config sets
/// `allow_secrets`, and only for the variables that link a Job to its queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEnvRef {
    pub container: String,
    pub name: String,
    pub secret: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobInfo {
    pub key: ObjKey,
    pub uid: String,
    pub labels: BTreeMap<String, String>,
    pub owner: Option<Owner>,
    pub created: Option<Time>,
    pub spec: JobSpecInfo,
    pub status: JobStatusInfo,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobSpecInfo {
    pub completions: Option<i32>,
    pub parallelism: Option<i32>,
    pub indexed: bool,
    pub backoff_limit: Option<i32>,
    pub backoff_limit_per_index: Option<i32>,
    pub max_failed_indexes: Option<i32>,
    pub active_deadline_seconds: Option<i64>,
    pub suspend: bool,
    pub failure_rules: Vec<FailureRule>,
    /// The pod template's subdomain (a headless Service for pod-to-pod DNS).
    pub subdomain: Option<String>,
    pub template_labels: BTreeMap<String, String>,
    pub template_annotations: BTreeMap<String, String>,
    pub env: Vec<EnvVar>,
    /// Env vars from Secrets (references only).
    pub secret_env: Vec<SecretEnvRef>,
    pub containers: Vec<String>,
    pub init_containers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobStatusInfo {
    pub active: i32,
    pub succeeded: i32,
    pub failed: i32,
    pub ready: Option<i32>,
    pub terminating: Option<i32>,
    pub start_time: Option<Time>,
    pub completion_time: Option<Time>,
    /// Interval strings as the API gives them, e.g. `0-2,4,7-9`.
    pub completed_indexes: Option<String>,
    pub failed_indexes: Option<String>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ContainerState {
    Waiting { reason: Option<String>, message: Option<String> },
    Running { started: Option<Time> },
    Terminated { exit_code: i32, reason: Option<String>, message: Option<String>, finished: Option<Time> },
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerInfo {
    pub name: String,
    pub init: bool,
    pub ready: bool,
    pub restarts: i32,
    pub state: ContainerState,
    /// Exit code of the previous run, when the container restarted.
    pub last_exit_code: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodInfo {
    pub key: ObjKey,
    pub uid: String,
    /// The Job that owns it (controller owner reference of kind Job).
    pub job: Option<String>,
    pub completion_index: Option<u32>,
    pub phase: Word,
    pub node: Option<String>,
    pub hostname: Option<String>,
    pub subdomain: Option<String>,
    pub created: Option<Time>,
    pub deleting: bool,
    pub conditions: Vec<Condition>,
    pub containers: Vec<ContainerInfo>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CronJobInfo {
    pub key: ObjKey,
    pub uid: String,
    pub schedule: String,
    pub time_zone: Option<String>,
    pub suspend: bool,
    pub concurrency_policy: String,
    pub starting_deadline_seconds: Option<i64>,
    pub successful_jobs_history_limit: Option<i32>,
    pub failed_jobs_history_limit: Option<i32>,
    pub last_schedule: Option<Time>,
    pub last_successful: Option<Time>,
    /// Names of the Jobs the CronJob lists as active.
    pub active: Vec<String>,
    pub created: Option<Time>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    pub name: String,
    /// Empty when unknown (a hand-built state); an action's precondition then goes without it.
    pub uid: String,
    pub ready: Option<bool>,
    pub unschedulable: bool,
    pub taints: Vec<String>,
    pub created: Option<Time>,
    pub kubelet_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventInfo {
    pub key: ObjKey,
    pub involved_kind: Word,
    pub involved_name: String,
    pub type_: Word,
    pub reason: Word,
    pub message: String,
    pub count: i32,
    pub last_seen: Option<Time>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceInfo {
    pub key: ObjKey,
    pub headless: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_words_are_shared_and_others_owned() {
        assert!(matches!(word("Ready"), Word::Borrowed("Ready")));
        assert!(matches!(word(String::from("True")), Word::Borrowed("True")));
        assert_eq!(word("MyOwnCondition"), "MyOwnCondition");
        assert!(matches!(word("MyOwnCondition"), Word::Owned(_)));
    }
}
