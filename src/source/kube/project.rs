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

use crate::model::{
    Condition, ContainerInfo, ContainerState, CronJobInfo, EnvVar, EventInfo, ExitCodeRule, FailureRule, JobInfo,
    JobSpecInfo, JobStatusInfo, NodeInfo, ObjKey, Owner, PodConditionPattern, PodInfo, ServiceInfo, Time,
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
        type_: c.type_.clone(),
        status: c.status.clone(),
        reason: c.reason.clone().filter(|s| !s.is_empty()),
        message: c.message.clone().filter(|s| !s.is_empty()),
        last_transition: opt_time(c.last_transition_time.as_ref()).or(opt_time(c.last_probe_time.as_ref())),
    }
}

fn pod_condition(c: &PodCondition) -> Condition {
    Condition {
        type_: c.type_.clone(),
        status: c.status.clone(),
        reason: c.reason.clone().filter(|s| !s.is_empty()),
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
        phase: status.and_then(|s| s.phase.clone()).unwrap_or_else(|| "Pending".into()),
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
    out
}

fn container(s: &ContainerStatus, init: bool) -> ContainerInfo {
    ContainerInfo {
        name: s.name.clone(),
        init,
        ready: s.ready,
        restarts: s.restart_count,
        state: s.state.as_ref().map(container_state).unwrap_or(ContainerState::Unknown),
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
        involved_kind: kind.to_string(),
        involved_name: involved.name.clone().unwrap_or_default(),
        type_: ev.type_.clone().unwrap_or_else(|| "Normal".into()),
        reason: ev.reason.clone().unwrap_or_default(),
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
