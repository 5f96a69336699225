//! Drain a node as `kubectl drain` does: cordon it, then evict its pods
//! through the Eviction API so PodDisruptionBudgets are honoured.
//!
//! An eviction a budget refuses (429) is tried again with backoff until the
//! timeout; every refusal is reported with the budget's own words, so nothing
//! is retried silently. Pods that cannot be evicted safely (no controller,
//! emptyDir data, DaemonSet pods) make the drain stop before evicting
//! anything unless the matching option allows them, as kubectl does.
//! Cancelling stops the evictions still waiting; the node stays cordoned.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use futures::future::join_all;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, EvictParams, ListParams, PostParams};
use kube::runtime::wait::{await_condition, conditions};
use kube::{Client, Error};
use tokio::time::Instant;

use model::{ObjKey, State};

use super::job::{finished, is_active};
use super::node::set_unschedulable;
use super::text::{api_error, count, list};
use super::{ProgressSink, Step, bounded};

/// kubectl's annotation on mirror pods (static pods the kubelet manages).
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// First wait after a refused eviction; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// kubectl waits 5 s between eviction attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The choices kubectl drain offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainOptions {
    /// Leave DaemonSet pods alone (their controller would put them back anyway).
    pub ignore_daemonsets: bool,
    /// Evict pods with emptyDir volumes, losing that data.
    pub delete_emptydir_data: bool,
    /// Seconds each pod gets to stop; `None` keeps the pod's own.
    pub grace_period: Option<u32>,
    /// How long to keep trying evictions a disruption budget refuses, and to
    /// wait for evicted pods to be gone.
    pub timeout: Duration,
    /// Evict pods that no controller would recreate.
    pub force: bool,
    /// Send every write as a server-side dry run: nothing changes.
    pub dry_run: bool,
}

impl Default for DrainOptions {
    fn default() -> Self {
        Self {
            ignore_daemonsets: true,
            delete_emptydir_data: false,
            grace_period: None,
            timeout: Duration::from_secs(60),
            force: false,
            dry_run: false,
        }
    }
}

/// A pod and why something happened (or did not) to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodNote {
    /// `namespace/name`.
    pub pod: String,
    pub reason: String,
}

impl fmt::Display for PodNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.pod, self.reason)
    }
}

/// What a drain reports while it runs, pod by pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainEvent {
    Cordoned {
        node: String,
    },
    /// The pods found on the node and what will happen to each.
    Planned {
        node: String,
        evict: Vec<String>,
        skip: Vec<PodNote>,
        refuse: Vec<PodNote>,
    },
    /// A disruption budget (or the API) refused an eviction; it is tried again in `retry_in`.
    Blocked {
        pod: PodNote,
        attempt: u32,
        retry_in: Option<Duration>,
    },
    /// The eviction was accepted (in a dry run: would be).
    Evicted {
        pod: String,
    },
    /// The evicted pod is gone from the API.
    Gone {
        pod: String,
    },
    Failed {
        pod: PodNote,
    },
    Done(DrainSummary),
}

/// How a drain of one node ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DrainSummary {
    pub node: String,
    pub dry_run: bool,
    /// Why the cordon failed, if it did (then nothing else was tried).
    pub cordon_error: Option<String>,
    /// Pods that stopped the drain before any eviction (kubectl's "cannot delete").
    pub refused: Vec<PodNote>,
    pub skipped: Vec<PodNote>,
    pub evicted: Vec<String>,
    /// Evictions still refused when the timeout came, with the last reason.
    pub blocked: Vec<PodNote>,
    /// Evicted, but still terminating when the timeout came.
    pub not_gone: Vec<String>,
    pub failed: Vec<PodNote>,
    pub cancelled: Vec<String>,
}

impl DrainSummary {
    pub fn ok(&self) -> bool {
        self.cordon_error.is_none()
            && self.refused.is_empty()
            && self.blocked.is_empty()
            && self.not_gone.is_empty()
            && self.failed.is_empty()
            && self.cancelled.is_empty()
    }
}

impl fmt::Display for DrainSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let would = if self.dry_run { "dry run: " } else { "" };
        if let Some(e) = &self.cordon_error {
            return write!(f, "{would}cordon of {} failed: {e}", self.node);
        }
        if !self.refused.is_empty() {
            return write!(f, "{would}{} cordoned, nothing evicted: cannot evict {}", self.node, notes(&self.refused));
        }
        let mut parts = vec![format!(
            "{would}{} cordoned, {} {}",
            self.node,
            count(self.evicted.len(), "pod"),
            if self.dry_run { "would be evicted" } else { "evicted" }
        )];
        if !self.skipped.is_empty() {
            parts.push(format!("skipped {}", notes(&self.skipped)));
        }
        if !self.blocked.is_empty() {
            parts.push(format!("blocked {}", notes(&self.blocked)));
        }
        if !self.not_gone.is_empty() {
            parts.push(format!("still terminating {}", list(&self.not_gone)));
        }
        if !self.failed.is_empty() {
            parts.push(format!("failed {}", notes(&self.failed)));
        }
        if !self.cancelled.is_empty() {
            parts.push(format!("cancelled before evicting {}", list(&self.cancelled)));
        }
        f.write_str(&parts.join("; "))
    }
}

fn notes(notes: &[PodNote]) -> String {
    let shown: Vec<String> = notes.iter().map(ToString::to_string).collect();
    list(&shown)
}

/// What the drain does with one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Evict,
    Skip(String),
    /// The drain may not go on while this pod is there (an option would allow it).
    Refuse(String),
}

/// kubectl drain's filters, in its order: DaemonSet, mirror, local storage, unreplicated.
pub fn classify(pod: &Pod, opts: &DrainOptions) -> Disposition {
    let meta = &pod.metadata;
    let controller = meta.owner_references.iter().flatten().find(|o| o.controller == Some(true));
    if controller.is_some_and(|c| c.kind == "DaemonSet") {
        return if opts.ignore_daemonsets {
            Disposition::Skip("DaemonSet pod".into())
        } else {
            Disposition::Refuse("DaemonSet pod; enable ignore DaemonSets".into())
        };
    }
    if meta.annotations.as_ref().is_some_and(|a| a.contains_key(MIRROR_ANNOTATION)) {
        return Disposition::Skip("mirror pod, managed by its kubelet".into());
    }
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Succeeded" | "Failed")) {
        return Disposition::Evict;
    }
    let empty_dirs: Vec<&str> = pod
        .spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter(|v| v.empty_dir.is_some())
        .map(|v| v.name.as_str())
        .collect();
    if !empty_dirs.is_empty() && !opts.delete_emptydir_data {
        return Disposition::Refuse(format!(
            "emptyDir {} would be lost; enable delete emptyDir data",
            empty_dirs.join(", ")
        ));
    }
    if controller.is_none() && !opts.force {
        return Disposition::Refuse("no controller would recreate it; enable force".into());
    }
    Disposition::Evict
}

/// Drains each node in turn; one step per node.
/// `seen` holds the UIDs of the nodes as the user saw them: the cordon goes
/// only to those nodes.
pub(super) async fn execute_all(
    client: &Client,
    nodes: &[ObjKey],
    seen: &BTreeMap<ObjKey, String>,
    opts: &DrainOptions,
    progress: &ProgressSink,
) -> Vec<Step> {
    let mut steps = Vec::with_capacity(nodes.len());
    for node in nodes {
        let uid = seen.get(node).map(String::as_str);
        let summary = drain(client, &node.name, uid, opts, progress).await;
        let text = summary.to_string();
        let step = Step { target: node.name.clone(), result: if summary.ok() { Ok(text) } else { Err(text) } };
        progress.step(&step);
        steps.push(step);
    }
    steps
}

/// Cordons `node` (only the node of `uid`, when given), then evicts its pods,
/// reporting over `progress`.
pub async fn drain(
    client: &Client,
    node: &str,
    uid: Option<&str>,
    opts: &DrainOptions,
    progress: &ProgressSink,
) -> DrainSummary {
    let mut summary = DrainSummary { node: node.into(), dry_run: opts.dry_run, ..DrainSummary::default() };
    let deadline = Instant::now() + opts.timeout;
    let cordon = bounded(&progress.cancel, set_unschedulable(client, node, true, opts.dry_run, uid)).await;
    if let Err(e) = cordon.and_then(|answer| answer.map_err(|e| api_error(&e))) {
        summary.cordon_error = Some(e);
        return finish(progress, summary);
    }
    progress.drain(DrainEvent::Cordoned { node: node.into() });

    let pods = match bounded(&progress.cancel, pods_on(client, node)).await.and_then(|a| a.map_err(|e| api_error(&e))) {
        Ok(pods) => pods,
        Err(e) => {
            summary.failed.push(PodNote { pod: format!("(pods on {node})"), reason: format!("cannot list: {e}") });
            return finish(progress, summary);
        }
    };
    let mut evict = Vec::new();
    for pod in pods {
        let name = pod_name(&pod);
        match classify(&pod, opts) {
            Disposition::Evict => evict.push(pod),
            Disposition::Skip(reason) => summary.skipped.push(PodNote { pod: name, reason }),
            Disposition::Refuse(reason) => summary.refused.push(PodNote { pod: name, reason }),
        }
    }
    progress.drain(DrainEvent::Planned {
        node: node.into(),
        evict: evict.iter().map(pod_name).collect(),
        skip: summary.skipped.clone(),
        refuse: summary.refused.clone(),
    });
    if !summary.refused.is_empty() {
        return finish(progress, summary);
    }

    let results = join_all(evict.iter().map(|pod| evict_one(client, pod, opts, deadline, progress))).await;
    for (pod, result) in evict.iter().zip(results) {
        let name = pod_name(pod);
        match result {
            PodResult::Evicted => summary.evicted.push(name),
            PodResult::NotGone => {
                summary.evicted.push(name.clone());
                summary.not_gone.push(name);
            }
            PodResult::Blocked(reason) => summary.blocked.push(PodNote { pod: name, reason }),
            PodResult::Failed(reason) => summary.failed.push(PodNote { pod: name, reason }),
            PodResult::Cancelled => summary.cancelled.push(name),
        }
    }
    finish(progress, summary)
}

fn finish(progress: &ProgressSink, summary: DrainSummary) -> DrainSummary {
    progress.drain(DrainEvent::Done(summary.clone()));
    summary
}

/// Every pod bound to the node, in every namespace (fresh from the API: the
/// view may not watch them all).
async fn pods_on(client: &Client, node: &str) -> Result<Vec<Pod>, Error> {
    let api: Api<Pod> = Api::all(client.clone());
    let list = api.list(&ListParams::default().fields(&format!("spec.nodeName={node}"))).await?;
    Ok(list.items)
}

fn pod_name(pod: &Pod) -> String {
    format!(
        "{}/{}",
        pod.metadata.namespace.as_deref().unwrap_or_default(),
        pod.metadata.name.as_deref().unwrap_or_default()
    )
}

enum PodResult {
    Evicted,
    NotGone,
    Blocked(String),
    Failed(String),
    Cancelled,
}

/// Evicts one pod, trying again while a disruption budget refuses, until the
/// deadline; then waits for it to be gone.
async fn evict_one(
    client: &Client,
    pod: &Pod,
    opts: &DrainOptions,
    deadline: Instant,
    progress: &ProgressSink,
) -> PodResult {
    let name = pod_name(pod);
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    let pod_name_only = pod.metadata.name.as_deref().unwrap_or_default();
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    let params = EvictParams {
        // The pod listed, not a namesake recreated since (a StatefulSet's).
        delete_options: Some(DeleteParams {
            dry_run: opts.dry_run,
            grace_period_seconds: opts.grace_period,
            preconditions: super::uid_precondition(pod.metadata.uid.as_deref()),
            ..DeleteParams::default()
        }),
        post_options: PostParams { dry_run: opts.dry_run, ..PostParams::default() },
    };
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 0;
    loop {
        if progress.cancel.is_cancelled() {
            return PodResult::Cancelled;
        }
        attempt += 1;
        let answer = match bounded(&progress.cancel, api.evict(pod_name_only, &params)).await {
            Ok(answer) => answer,
            Err(given_up) => {
                progress.drain(DrainEvent::Failed { pod: PodNote { pod: name.clone(), reason: given_up.clone() } });
                return PodResult::Failed(given_up);
            }
        };
        match answer {
            Ok(_) => break,
            // Already gone: nothing left to evict.
            Err(Error::Api(s)) if s.code == 404 => {
                progress.drain(DrainEvent::Gone { pod: name.clone() });
                return PodResult::Evicted;
            }
            Err(Error::Api(s)) if s.code == 429 => {
                let reason = refusal(&s);
                let now = Instant::now();
                // A dry run reports what would block without waiting for it to clear.
                let retry_in = (!opts.dry_run && now + backoff < deadline).then_some(backoff);
                progress.drain(DrainEvent::Blocked {
                    pod: PodNote { pod: name.clone(), reason: reason.clone() },
                    attempt,
                    retry_in,
                });
                let Some(wait) = retry_in else { return PodResult::Blocked(reason) };
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = progress.cancel.cancelled() => return PodResult::Cancelled,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(e) => {
                let reason = api_error(&e);
                progress.drain(DrainEvent::Failed { pod: PodNote { pod: name.clone(), reason: reason.clone() } });
                return PodResult::Failed(reason);
            }
        }
    }
    progress.drain(DrainEvent::Evicted { pod: name.clone() });
    if opts.dry_run {
        return PodResult::Evicted;
    }
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    tokio::select! {
        gone = await_condition(api, pod_name_only, conditions::is_deleted(&uid)) => match gone {
            Ok(_) => {
                progress.drain(DrainEvent::Gone { pod: name });
                PodResult::Evicted
            }
            Err(e) => PodResult::Failed(format!("evicted, but watching for it to go failed: {e}")),
        },
        () = tokio::time::sleep_until(deadline) => PodResult::NotGone,
        () = progress.cancel.cancelled() => PodResult::NotGone,
    }
}

/// The API's reason for a 429: the budget's own words when a budget refused.
fn refusal(status: &kube::core::Status) -> String {
    let causes: Vec<&str> = status
        .details
        .iter()
        .flat_map(|d| d.causes.iter())
        .map(|c| c.message.as_str())
        .filter(|m| !m.is_empty())
        .collect();
    match causes.as_slice() {
        [] => status.message.clone(),
        causes => format!("{} {}", status.message, causes.join("; ")),
    }
}

/// A drain preview in read-only mode: nothing is sent to the server (not even
/// dry runs); each node's step lists the pods the view shows on it, which a
/// drain would evict.
pub(super) fn preview_from_view(state: &State, nodes: &[ObjKey], opts: &DrainOptions) -> Vec<Step> {
    nodes
        .iter()
        .map(|node| {
            let names: Vec<String> = pods_in_view(state, &node.name).iter().map(|p| p.key.to_string()).collect();
            let pods = if names.is_empty() { String::new() } else { format!(": {}", list(&names)) };
            let result = format!(
                "read-only preview from the view (nothing sent to the server): {} would be cordoned, {} in view would be evicted{pods}{}",
                node.name,
                count(names.len(), "running pod"),
                if opts.force { "" } else { "; pods without a controller would stop the drain" },
            );
            Step { target: node.name.clone(), result: Ok(result) }
        })
        .collect()
}

fn pods_in_view<'a>(state: &'a State, node: &str) -> Vec<&'a model::PodInfo> {
    state.pods.values().filter(|p| p.node.as_deref() == Some(node) && is_active(p)).collect()
}

/// What the drain will do, as far as the view shows the node's pods.
pub(super) fn consequences(state: &State, nodes: &[ObjKey], opts: &DrainOptions) -> Vec<String> {
    let mut lines = Vec::new();
    if opts.dry_run {
        lines.push("Nothing changes: every request is a server-side dry run, to show what would be evicted and what a PodDisruptionBudget would block.".into());
    }
    for node in nodes {
        let pods = pods_in_view(state, &node.name);
        let names: Vec<String> = pods.iter().map(|p| p.key.to_string()).collect();
        lines.push(format!(
            "Cordons {}, then evicts its pods through the Eviction API{}{}.",
            node.name,
            if names.is_empty() {
                String::new()
            } else {
                format!(": {} in view ({})", count(names.len(), "running pod"), list(&names))
            },
            if opts.dry_run { "" } else { "; it stays cordoned afterwards" }
        ));
        let jobs: BTreeSet<ObjKey> = pods
            .iter()
            .filter_map(|p| p.job.as_ref().map(|j| ObjKey::new(p.key.namespace.clone(), j.clone())))
            .collect();
        lines.extend(jobs.iter().filter_map(|k| state.jobs.get(k)).filter(|j| !finished(j)).map(|job| {
            if ignores_disruption(job) {
                format!("Job {}: its podFailurePolicy ignores the disruption: evicted pods do not count as failed and are recreated.", job.key.name)
            } else {
                let budget = job.backoff_usage().map_or(String::new(), |(failed, limit)| format!(" ({failed} of backoffLimit {limit} used)"));
                format!("Job {}: each evicted pod counts as failed{budget}.", job.key.name)
            }
        }));
    }
    lines.push(if opts.dry_run {
        "PodDisruptionBudgets are honoured: a preview reports each eviction a budget would refuse, without waiting."
            .to_string()
    } else {
        format!(
            "PodDisruptionBudgets are honoured: a refused eviction is tried again for up to {}, each refusal shown.",
            humantime::format_duration(opts.timeout)
        )
    });
    lines.push(format!(
        "DaemonSet pods: {}. emptyDir data: {}. Pods without a controller: {}. Grace period: {}.",
        if opts.ignore_daemonsets { "left alone" } else { "stop the drain" },
        if opts.delete_emptydir_data { "deleted" } else { "stops the drain" },
        if opts.force { "evicted (force)" } else { "stop the drain" },
        opts.grace_period.map_or("each pod's own".to_string(), |s| format!("{s}s"))
    ));
    lines
}

/// A Job whose podFailurePolicy has an Ignore rule on the DisruptionTarget condition.
fn ignores_disruption(job: &model::JobInfo) -> bool {
    job.spec
        .failure_rules
        .iter()
        .any(|r| r.action == "Ignore" && r.on_pod_conditions.iter().any(|c| c.type_ == "DisruptionTarget"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{EmptyDirVolumeSource, PodSpec, PodStatus, Volume};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

    fn pod(owner: Option<&str>, empty_dir: bool, phase: &str) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some("p".into()),
                namespace: Some("ns".into()),
                owner_references: owner.map(|kind| {
                    vec![OwnerReference {
                        kind: kind.into(),
                        name: "o".into(),
                        controller: Some(true),
                        ..OwnerReference::default()
                    }]
                }),
                ..ObjectMeta::default()
            },
            spec: Some(PodSpec {
                volumes: empty_dir.then(|| {
                    vec![Volume {
                        name: "scratch".into(),
                        empty_dir: Some(EmptyDirVolumeSource::default()),
                        ..Volume::default()
                    }]
                }),
                ..PodSpec::default()
            }),
            status: Some(PodStatus { phase: Some(phase.into()), ..PodStatus::default() }),
        }
    }

    #[test]
    fn job_pods_are_evicted() {
        assert_eq!(classify(&pod(Some("Job"), false, "Running"), &DrainOptions::default()), Disposition::Evict);
    }

    #[test]
    fn daemonset_pods_are_skipped_or_refused() {
        let p = pod(Some("DaemonSet"), false, "Running");
        assert!(matches!(classify(&p, &DrainOptions::default()), Disposition::Skip(_)));
        let strict = DrainOptions { ignore_daemonsets: false, ..DrainOptions::default() };
        assert!(matches!(classify(&p, &strict), Disposition::Refuse(r) if r.contains("ignore DaemonSets")));
    }

    #[test]
    fn unowned_pods_need_force() {
        let p = pod(None, false, "Running");
        assert!(matches!(classify(&p, &DrainOptions::default()), Disposition::Refuse(r) if r.contains("force")));
        let force = DrainOptions { force: true, ..DrainOptions::default() };
        assert_eq!(classify(&p, &force), Disposition::Evict);
    }

    #[test]
    fn empty_dir_data_needs_consent_unless_the_pod_finished() {
        let p = pod(Some("Job"), true, "Running");
        assert!(matches!(classify(&p, &DrainOptions::default()), Disposition::Refuse(r) if r.contains("scratch")));
        let consent = DrainOptions { delete_emptydir_data: true, ..DrainOptions::default() };
        assert_eq!(classify(&p, &consent), Disposition::Evict);
        assert_eq!(classify(&pod(None, true, "Succeeded"), &DrainOptions::default()), Disposition::Evict);
    }

    #[test]
    fn summary_names_the_blocked_pod_and_the_budget() {
        let s = DrainSummary {
            node: "n1".into(),
            blocked: vec![PodNote {
                pod: "ns/p".into(),
                reason: "The disruption budget pdb needs 1 healthy pods".into(),
            }],
            ..DrainSummary::default()
        };
        assert!(!s.ok());
        assert_eq!(
            s.to_string(),
            "n1 cordoned, 0 pods evicted; blocked ns/p (The disruption budget pdb needs 1 healthy pods)"
        );
    }
}
