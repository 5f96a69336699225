//! Pure functions from k8s-openapi objects to the compact projections of
//! `model::types`. Only what a screen or a rule reads is kept: no managedFields,
//! no full pod specs, env only as literal values of the Job's pod template.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{CronJob, Job, JobCondition, PodFailurePolicyRule};
use k8s_openapi::api::core::v1::{
    ContainerState as K8sContainerState, ContainerStatus, Event, Node, Pod, PodCondition, PodSpec, PodTemplateSpec,
    Service,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time as K8sTime};

use model::{
    Condition, ContainerInfo, ContainerState, CronJobInfo, EnvVar, EventInfo, ExitCodeRule, FailureRule, JobInfo,
    JobSpecInfo, JobStatusInfo, NodeInfo, ObjKey, Owner, PodConditionPattern, PodInfo, ServiceInfo, Time, word,
};

/// The annotation (and, since 1.28, label) the Job controller puts on the pods of
/// an Indexed Job.
pub const COMPLETION_INDEX_KEY: &str = "batch.kubernetes.io/job-completion-index";

/// Converts an API timestamp (jiff) into the model's chrono time.
pub fn time(t: &K8sTime) -> Option<Time> {
    chrono::DateTime::from_timestamp(t.0.as_second(), t.0.subsec_nanosecond().max(0) as u32)
}

fn opt_time(t: Option<&K8sTime>) -> Option<Time> {
    t.and_then(time)
}

/// The key of a namespaced object (an empty namespace for cluster-scoped ones).
pub fn key_of(meta: &ObjectMeta) -> ObjKey {
    ObjKey::new(meta.namespace.clone().unwrap_or_default(), meta.name.clone().unwrap_or_default())
}

fn controller_owner(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references.as_ref()?.iter().find(|o| o.controller == Some(true))
}

fn owner_of(meta: &ObjectMeta) -> Option<Owner> {
    controller_owner(meta).map(|o| Owner { kind: o.kind.clone(), name: o.name.clone(), uid: o.uid.clone() })
}

fn labels(meta: &ObjectMeta) -> BTreeMap<String, String> {
    meta.labels.clone().unwrap_or_default()
}

pub fn job(job: &Job) -> JobInfo {
    let meta = &job.metadata;
    JobInfo {
        key: key_of(meta),
        uid: meta.uid.clone().unwrap_or_default(),
        labels: labels(meta),
        owner: owner_of(meta),
        created: opt_time(meta.creation_timestamp.as_ref()),
        spec: job.spec.as_ref().map(job_spec).unwrap_or_default(),
        status: job_status(job),
    }
}

fn job_spec(spec: &k8s_openapi::api::batch::v1::JobSpec) -> JobSpecInfo {
    let template = &spec.template;
    let pod_spec = template.spec.as_ref();
    JobSpecInfo {
        completions: spec.completions,
        parallelism: spec.parallelism,
        indexed: spec.completion_mode.as_deref() == Some("Indexed"),
        backoff_limit: spec.backoff_limit,
        backoff_limit_per_index: spec.backoff_limit_per_index,
        max_failed_indexes: spec.max_failed_indexes,
        active_deadline_seconds: spec.active_deadline_seconds,
        suspend: spec.suspend.unwrap_or(false),
        failure_rules: spec
            .pod_failure_policy
            .as_ref()
            .map(|p| p.rules.iter().map(failure_rule).collect())
            .unwrap_or_default(),
        subdomain: pod_spec.and_then(|s| s.subdomain.clone()),
        template_labels: template_meta(template).and_then(|m| m.labels.clone()).unwrap_or_default(),
        template_annotations: template_meta(template).and_then(|m| m.annotations.clone()).unwrap_or_default(),
        env: pod_spec.map(literal_env).unwrap_or_default(),
        secret_env: pod_spec.map(secret_env).unwrap_or_default(),
        containers: pod_spec.map(|s| s.containers.iter().map(|c| c.name.clone()).collect()).unwrap_or_default(),
        init_containers: pod_spec
            .and_then(|s| s.init_containers.as_ref())
            .map(|cs| cs.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default(),
    }
}

fn template_meta(template: &PodTemplateSpec) -> Option<&ObjectMeta> {
    template.metadata.as_ref()
}

/// Literal env values of every container (valueFrom is skipped on purpose:
/// batchtop never resolves Secrets or ConfigMaps).
fn literal_env(spec: &PodSpec) -> Vec<EnvVar> {
    let init = spec.init_containers.iter().flatten();
    init.chain(spec.containers.iter())
        .flat_map(|c| {
            c.env.iter().flatten().filter_map(move |e| {
                e.value.as_ref().map(|v| EnvVar { container: c.name.clone(), name: e.name.clone(), value: v.clone() })
            })
        })
        .collect()
}

/// Env vars from `valueFrom.secretKeyRef`: the reference, never the value.
fn secret_env(spec: &PodSpec) -> Vec<model::SecretEnvRef> {
    let init = spec.init_containers.iter().flatten();
    init.chain(spec.containers.iter())
        .flat_map(|c| {
            c.env.iter().flatten().filter_map(move |e| {
                let r = e.value_from.as_ref()?.secret_key_ref.as_ref()?;
                Some(model::SecretEnvRef {
                    container: c.name.clone(),
                    name: e.name.clone(),
                    secret: r.name.clone(),
                    key: r.key.clone(),
                })
            })
        })
        .collect()
}

fn failure_rule(rule: &PodFailurePolicyRule) -> FailureRule {
    FailureRule {
        action: rule.action.clone(),
        on_exit_codes: rule.on_exit_codes.as_ref().map(|r| ExitCodeRule {
            container: r.container_name.clone(),
            operator: r.operator.clone(),
            values: r.values.clone(),
        }),
        on_pod_conditions: rule
            .on_pod_conditions
            .iter()
            .flatten()
            // The API defaults an absent status to "True".
            .map(|p| PodConditionPattern {
                type_: p.type_.clone(),
                status: p.status.clone().unwrap_or_else(|| "True".into()),
            })
            .collect(),
    }
}

fn job_status(job: &Job) -> JobStatusInfo {
    let Some(s) = job.status.as_ref() else { return JobStatusInfo::default() };
    JobStatusInfo {
        active: s.active.unwrap_or(0),
        succeeded: s.succeeded.unwrap_or(0),
        failed: s.failed.unwrap_or(0),
        ready: s.ready,
        terminating: s.terminating,
        start_time: opt_time(s.start_time.as_ref()),
        completion_time: opt_time(s.completion_time.as_ref()),
        completed_indexes: s.completed_indexes.clone().filter(|s| !s.is_empty()),
        failed_indexes: s.failed_indexes.clone().filter(|s| !s.is_empty()),
        conditions: s.conditions.iter().flatten().map(job_condition).collect(),
    }
}

fn job_condition(c: &JobCondition) -> Condition {
    Condition {
        type_: word(&c.type_),
        status: word(&c.status),
        reason: c.reason.as_ref().filter(|s| !s.is_empty()).map(word),
        message: c.message.clone().filter(|s| !s.is_empty()),
        last_transition: opt_time(c.last_transition_time.as_ref()).or(opt_time(c.last_probe_time.as_ref())),
    }
}

fn pod_condition(c: &PodCondition) -> Condition {
    Condition {
        type_: word(&c.type_),
        status: word(&c.status),
        reason: c.reason.as_ref().filter(|s| !s.is_empty()).map(word),
        message: c.message.clone().filter(|s| !s.is_empty()),
        last_transition: opt_time(c.last_transition_time.as_ref()),
    }
}

pub fn pod(pod: &Pod) -> PodInfo {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let job = controller_owner(meta).filter(|o| o.kind == "Job").map(|o| o.name.clone());
    PodInfo {
        key: key_of(meta),
        uid: meta.uid.clone().unwrap_or_default(),
        job,
        completion_index: completion_index(meta),
        phase: status.and_then(|s| s.phase.as_ref()).map_or(word("Pending"), word),
        node: spec.and_then(|s| s.node_name.clone()),
        hostname: spec.and_then(|s| s.hostname.clone()),
        subdomain: spec.and_then(|s| s.subdomain.clone()),
        created: opt_time(meta.creation_timestamp.as_ref()),
        deleting: meta.deletion_timestamp.is_some(),
        conditions: status.and_then(|s| s.conditions.as_ref()).into_iter().flatten().map(pod_condition).collect(),
        containers: pod_containers(pod),
        labels: labels(meta),
    }
}

/// The completion index from the annotation, falling back to the label (both
/// are set by current controllers; older ones set only the annotation).
fn completion_index(meta: &ObjectMeta) -> Option<u32> {
    let from = |m: &Option<BTreeMap<String, String>>| m.as_ref()?.get(COMPLETION_INDEX_KEY)?.trim().parse().ok();
    from(&meta.annotations).or_else(|| from(&meta.labels))
}

/// Init containers then containers, in spec order. A container without a
/// status yet (pod not scheduled) is listed with an unknown state so the pod
/// view still shows what will run.
fn pod_containers(pod: &Pod) -> Vec<ContainerInfo> {
    let status = pod.status.as_ref();
    let init_statuses = status.and_then(|s| s.init_container_statuses.as_deref()).unwrap_or_default();
    let statuses = status.and_then(|s| s.container_statuses.as_deref()).unwrap_or_default();
    let spec = pod.spec.as_ref();
    let init_names = spec.and_then(|s| s.init_containers.as_ref()).into_iter().flatten().map(|c| &c.name);
    let names = spec.into_iter().flat_map(|s| s.containers.iter()).map(|c| &c.name);
    let mut out: Vec<ContainerInfo> = Vec::new();
    for (init, name_list, found) in
        [(true, init_names.collect::<Vec<_>>(), init_statuses), (false, names.collect::<Vec<_>>(), statuses)]
    {
        for name in name_list {
            out.push(match found.iter().find(|s| &s.name == name) {
                Some(s) => container(s, init),
                None => ContainerInfo {
                    name: name.clone(),
                    init,
                    ready: false,
                    restarts: 0,
                    state: ContainerState::Unknown,
                    last_exit_code: None,
                },
            });
        }
        // Statuses whose container is not in the spec (should not happen, but
        // never hide what the API reports).
        let unlisted: Vec<&ContainerStatus> =
            found.iter().filter(|s| !out.iter().any(|c| c.init == init && c.name == s.name)).collect();
        out.extend(unlisted.into_iter().map(|s| container(s, init)));
    }
    // Pushed one by one, the Vec has room for four: 10,000 one-container pods would keep room for 30,000 more.
    out.shrink_to_fit();
    out
}

fn container(s: &ContainerStatus, init: bool) -> ContainerInfo {
    ContainerInfo {
        name: s.name.clone(),
        init,
        ready: s.ready,
        restarts: s.restart_count,
        state: s.state.as_ref().map_or(ContainerState::Unknown, container_state),
        last_exit_code: s.last_state.as_ref().and_then(|l| l.terminated.as_ref()).map(|t| t.exit_code),
    }
}

fn container_state(s: &K8sContainerState) -> ContainerState {
    if let Some(t) = &s.terminated {
        ContainerState::Terminated {
            exit_code: t.exit_code,
            reason: t.reason.clone(),
            message: t.message.clone(),
            finished: opt_time(t.finished_at.as_ref()),
        }
    } else if let Some(r) = &s.running {
        ContainerState::Running { started: opt_time(r.started_at.as_ref()) }
    } else if let Some(w) = &s.waiting {
        ContainerState::Waiting { reason: w.reason.clone(), message: w.message.clone() }
    } else {
        ContainerState::Unknown
    }
}

pub fn cronjob(cj: &CronJob) -> CronJobInfo {
    let meta = &cj.metadata;
    let spec = &cj.spec;
    let status = cj.status.as_ref();
    CronJobInfo {
        key: key_of(meta),
        uid: meta.uid.clone().unwrap_or_default(),
        schedule: spec.schedule.clone(),
        time_zone: spec.time_zone.clone(),
        suspend: spec.suspend.unwrap_or(false),
        concurrency_policy: spec.concurrency_policy.clone().unwrap_or_else(|| "Allow".into()),
        starting_deadline_seconds: spec.starting_deadline_seconds,
        successful_jobs_history_limit: spec.successful_jobs_history_limit,
        failed_jobs_history_limit: spec.failed_jobs_history_limit,
        last_schedule: opt_time(status.and_then(|s| s.last_schedule_time.as_ref())),
        last_successful: opt_time(status.and_then(|s| s.last_successful_time.as_ref())),
        active: status.and_then(|s| s.active.as_ref()).into_iter().flatten().filter_map(|r| r.name.clone()).collect(),
        created: opt_time(meta.creation_timestamp.as_ref()),
    }
}

pub fn node(node: &Node) -> NodeInfo {
    let spec = node.spec.as_ref();
    let status = node.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .and_then(|c| match c.status.as_str() {
            "True" => Some(true),
            "False" => Some(false),
            _ => None,
        });
    NodeInfo {
        name: node.metadata.name.clone().unwrap_or_default(),
        uid: node.metadata.uid.clone().unwrap_or_default(),
        ready,
        unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
        taints: spec
            .and_then(|s| s.taints.as_ref())
            .into_iter()
            .flatten()
            .map(|t| match &t.value {
                Some(v) if !v.is_empty() => format!("{}={}:{}", t.key, v, t.effect),
                _ => format!("{}:{}", t.key, t.effect),
            })
            .collect(),
        created: opt_time(node.metadata.creation_timestamp.as_ref()),
        kubelet_version: status.and_then(|s| s.node_info.as_ref()).map(|i| i.kubelet_version.clone()),
    }
}

/// The kinds of involved object whose events batchtop keeps.
pub const EVENT_KINDS: [&str; 4] = ["Job", "Pod", "CronJob", "Node"];

/// Projects a core/v1 Event, or `None` when it is about an object batchtop
/// does not show (a Deployment, a Lease, ...).
pub fn event(ev: &Event) -> Option<EventInfo> {
    let involved = &ev.involved_object;
    let kind = involved.kind.as_deref()?;
    if !EVENT_KINDS.contains(&kind) {
        return None;
    }
    let micro = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime| {
        chrono::DateTime::from_timestamp(m.0.as_second(), m.0.subsec_nanosecond().max(0) as u32)
    };
    let last_seen = opt_time(ev.last_timestamp.as_ref())
        .or_else(|| ev.series.as_ref().and_then(|s| s.last_observed_time.as_ref()).and_then(micro))
        .or_else(|| ev.event_time.as_ref().and_then(micro))
        .or_else(|| opt_time(ev.first_timestamp.as_ref()))
        .or_else(|| opt_time(ev.metadata.creation_timestamp.as_ref()));
    Some(EventInfo {
        key: key_of(&ev.metadata),
        involved_kind: word(kind),
        involved_name: involved.name.clone().unwrap_or_default(),
        type_: ev.type_.as_ref().map_or(word("Normal"), word),
        reason: ev.reason.as_ref().map_or(word(""), word),
        message: ev.message.clone().unwrap_or_default(),
        count: ev.series.as_ref().and_then(|s| s.count).or(ev.count).unwrap_or(1),
        last_seen,
    })
}

pub fn service(svc: &Service) -> ServiceInfo {
    ServiceInfo {
        key: key_of(&svc.metadata),
        headless: svc.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None"),
    }
}

/// Projections of real objects captured from the sandbox
/// (`crates/testkit/fixtures/capture.sh`). Pod names are random: pods are found by
/// their Job.
#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;

    use super::*;

    fn items() -> &'static [serde_json::Value] {
        static ITEMS: std::sync::OnceLock<Vec<serde_json::Value>> = std::sync::OnceLock::new();
        ITEMS.get_or_init(|| {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/fixtures/sandbox.json");
            let text = std::fs::read_to_string(path)
                .expect("crates/testkit/fixtures/sandbox.json (crates/testkit/fixtures/capture.sh)");
            let list: serde_json::Value = serde_json::from_str(&text).unwrap();
            list["items"].as_array().unwrap().clone()
        })
    }

    fn all<K: DeserializeOwned>(kind: &str) -> Vec<K> {
        items().iter().filter(|i| i["kind"] == kind).map(|i| serde_json::from_value(i.clone()).unwrap()).collect()
    }

    fn one<K: DeserializeOwned>(kind: &str, namespace: &str, name: &str) -> K {
        let found = items()
            .iter()
            .find(|i| i["kind"] == kind && i["metadata"]["namespace"] == namespace && i["metadata"]["name"] == name);
        serde_json::from_value(found.unwrap_or_else(|| panic!("{kind} {namespace}/{name} in the fixture")).clone())
            .unwrap()
    }

    fn pods_of(job: &str) -> Vec<PodInfo> {
        all::<Pod>("Pod").iter().map(pod).filter(|p| p.job.as_deref() == Some(job)).collect()
    }

    #[test]
    fn indexed_job_keeps_what_the_screens_need() {
        let j = job(&one::<Job>("Job", "indexed", "indexed-job"));
        assert_eq!(j.key, ObjKey::new("indexed", "indexed-job"));
        assert!(j.spec.indexed);
        assert_eq!((j.spec.completions, j.spec.parallelism), (Some(5), Some(3)));
        assert_eq!(j.spec.init_containers, ["input"]);
        assert_eq!(j.spec.containers, ["worker"]);
        assert_eq!(j.status.completed_indexes.as_deref(), Some("0-4"));
        assert_eq!(j.status.succeeded, 5);
        assert!(j.status.conditions.iter().any(|c| c.type_ == "Complete" && c.is_true()));
        assert!(j.status.start_time.is_some() && j.status.completion_time.is_some());
        assert!(j.status.failed_indexes.is_none(), "an empty index string is no index");
    }

    #[test]
    fn indexed_pods_carry_index_owner_hostname_and_both_container_kinds() {
        let pods = pods_of("indexed-job");
        let mut indexes: Vec<u32> = pods.iter().filter_map(|p| p.completion_index).collect();
        indexes.sort_unstable();
        assert_eq!(indexes, [0, 1, 2, 3, 4]);
        for p in &pods {
            let i = p.completion_index.unwrap();
            assert_eq!(p.hostname.as_deref(), Some(format!("indexed-job-{i}").as_str()));
            assert_eq!(p.phase, "Succeeded");
            assert!(p.node.as_deref().is_some_and(|n| n.starts_with("kwok-node-")));
            let names: Vec<(&str, bool)> = p.containers.iter().map(|c| (c.name.as_str(), c.init)).collect();
            assert_eq!(names, [("input", true), ("worker", false)], "init containers first");
            for c in &p.containers {
                assert!(matches!(c.state, ContainerState::Terminated { exit_code: 0, .. }), "{c:?}");
            }
        }
    }

    #[test]
    fn failure_policy_rules_are_kept_in_order_with_defaults() {
        let failjob = job(&one::<Job>("Job", "failure-policy", "job-pod-failure-policy-failjob"));
        let rule = &failjob.spec.failure_rules[0];
        assert_eq!(rule.action, "FailJob");
        let codes = rule.on_exit_codes.as_ref().unwrap();
        assert_eq!(
            (codes.container.as_deref(), codes.operator.as_str(), codes.values.as_slice()),
            (Some("main"), "In", &[42][..])
        );
        assert!(failjob.status.conditions.iter().any(|c| c.type_ == "Failed"
            && c.is_true()
            && c.reason.as_deref() == Some("PodFailurePolicy")
            && c.message.as_deref().is_some_and(|m| m.contains("exit code 42"))));
        let failed = pods_of("job-pod-failure-policy-failjob");
        assert!(failed.iter().any(|p| p.phase == "Failed"
            && p.containers.iter().any(|c| matches!(c.state, ContainerState::Terminated { exit_code: 42, .. }))));

        let ignore = job(&one::<Job>("Job", "failure-policy", "job-pod-failure-policy-ignore"));
        let pattern = &ignore.spec.failure_rules[0].on_pod_conditions;
        assert_eq!(ignore.spec.failure_rules[0].action, "Ignore");
        assert_eq!(pattern, &[PodConditionPattern { type_: "DisruptionTarget".into(), status: "True".into() }]);
        assert_eq!(ignore.spec.backoff_limit, Some(0));
        assert_eq!(
            ignore.spec.template_annotations.get("sandbox.batchtop.dev/run-duration").map(String::as_str),
            Some("30s")
        );
    }

    /// The capture runs the seed's ConfigIssue step, which fails the Job and
    /// removes its waiting pods: the pod the step starts from is built here, as
    /// the API server sends it before the step.
    #[test]
    fn pending_pods_show_why_they_wait() {
        let waiting: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "job-pod-failure-policy-config-issue-x7k2p", "namespace": "failure-policy",
                         "labels": {"batch.kubernetes.io/job-name": "job-pod-failure-policy-config-issue"},
                         "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "controller": true,
                                              "name": "job-pod-failure-policy-config-issue", "uid": "u-1"}]},
            "spec": {"containers": [{"name": "main", "image": "non-existing-repo/non-existing-image:example"}]},
            "status": {"phase": "Pending", "containerStatuses": [{
                "name": "main", "image": "non-existing-repo/non-existing-image:example", "imageID": "",
                "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}
            }]}
        }))
        .unwrap();
        let p = pod(&waiting);
        assert_eq!(p.phase, "Pending");
        assert_eq!(p.job.as_deref(), Some("job-pod-failure-policy-config-issue"));
        let main = &p.containers[0];
        assert!(
            matches!(&main.state, ContainerState::Waiting { reason: Some(r), .. } if r == "ImagePullBackOff"),
            "{main:?}"
        );
    }

    #[test]
    fn work_queue_jobs_keep_literal_env_only() {
        let wq1 = job(&one::<Job>("Job", "wq-coarse", "job-wq-1"));
        let env: Vec<(&str, &str)> = wq1.spec.env.iter().map(|e| (e.name.as_str(), e.value.as_str())).collect();
        assert!(env.iter().any(|(n, _)| *n == "BROKER_URL"), "{env:?}");
        assert!(env.contains(&("QUEUE", "job1")), "{env:?}");
        assert!(wq1.spec.env.iter().all(|e| e.container == "c"));
        let wq2 = job(&one::<Job>("Job", "wq-fine", "job-wq-2"));
        assert_eq!((wq2.spec.completions, wq2.spec.parallelism), (None, Some(2)));
    }

    #[test]
    fn cronjob_and_its_jobs() {
        let hello = cronjob(&one::<CronJob>("CronJob", "cronjob", "hello"));
        assert_eq!(hello.schedule, "* * * * *");
        assert_eq!((hello.time_zone.as_deref(), hello.suspend), (None, false));
        assert_eq!(hello.concurrency_policy, "Allow");
        assert!(hello.last_schedule.is_some());
        let jobs: Vec<JobInfo> = all::<Job>("Job").iter().map(job).filter(|j| j.key.namespace == "cronjob").collect();
        assert!(!jobs.is_empty());
        for j in jobs {
            let owner = j.owner.expect("a CronJob's Job has its owner");
            assert_eq!(
                (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
                ("CronJob", "hello", hello.uid.as_str())
            );
        }
    }

    #[test]
    fn nodes_services_and_events() {
        let nodes: Vec<NodeInfo> = all::<Node>("Node").iter().map(node).collect();
        assert!(nodes.iter().filter(|n| n.name.starts_with("kwok-node-")).all(|n| n.ready == Some(true)), "{nodes:?}");
        let svc = service(&one::<Service>("Service", "pod-to-pod", "headless-svc"));
        assert!(svc.headless);
        assert!(!service(&one::<Service>("Service", "default", "kubernetes")).headless);
        let events: Vec<Event> = all("Event");
        let kept: Vec<EventInfo> = events.iter().filter_map(event).collect();
        assert!(!kept.is_empty());
        assert!(kept.iter().all(|e| EVENT_KINDS.contains(&&*e.involved_kind) && e.last_seen.is_some()));
        assert!(kept.iter().any(|e| e.involved_kind == "Job" && e.reason == "SuccessfulCreate"));
    }
}
