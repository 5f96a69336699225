//! Builders for model tests: minimal projections shaped like the seed's
//! objects, which each test then adjusts to the case it checks.

use std::collections::BTreeMap;

use chrono::TimeZone;

use crate::types::{
    Condition, ContainerInfo, ContainerState, CronJobInfo, JobInfo, JobSpecInfo, JobStatusInfo, NodeInfo, ObjKey,
    PodInfo, Time,
};

/// A fixed instant, so tests never depend on the clock.
pub fn t0() -> Time {
    chrono::Utc.with_ymd_and_hms(2024, 11, 4, 7, 46, 51).unwrap()
}

pub fn cond(type_: &str, status: &str, reason: &str, message: &str) -> Condition {
    Condition {
        type_: crate::word(type_),
        status: crate::word(status),
        reason: Some(crate::types::word(reason)).filter(|r| !r.is_empty()),
        message: Some(message.into()).filter(|m: &String| !m.is_empty()),
        last_transition: None,
    }
}

/// A Job as `kubectl create` leaves it before the controller acts: nothing
/// set in spec (no API defaulting), empty status.
pub fn job(namespace: &str, name: &str) -> JobInfo {
    JobInfo {
        key: ObjKey::new(namespace, name),
        uid: format!("uid-{name}"),
        labels: BTreeMap::from([
            ("batch.kubernetes.io/controller-uid".into(), format!("uid-{name}")),
            ("batch.kubernetes.io/job-name".into(), name.into()),
            ("controller-uid".into(), format!("uid-{name}")),
            ("job-name".into(), name.into()),
        ]),
        owner: None,
        created: Some(t0()),
        spec: JobSpecInfo::default(),
        status: JobStatusInfo::default(),
    }
}

pub fn indexed_job(namespace: &str, name: &str, completions: i32) -> JobInfo {
    let mut j = job(namespace, name);
    j.spec.indexed = true;
    j.spec.completions = Some(completions);
    j.spec.parallelism = Some(completions.min(3));
    j
}

/// A pod with no container statuses yet.
pub fn pod(namespace: &str, name: &str, phase: &str) -> PodInfo {
    PodInfo {
        key: ObjKey::new(namespace, name),
        uid: format!("uid-{name}"),
        job: None,
        completion_index: None,
        phase: crate::types::word(phase),
        node: None,
        hostname: None,
        subdomain: None,
        created: Some(t0()),
        deleting: false,
        conditions: Vec::new(),
        containers: Vec::new(),
        labels: BTreeMap::new(),
    }
}

/// A pod of `job` with one container in `state`.
pub fn job_pod(job: &JobInfo, suffix: &str, phase: &str, state: ContainerState) -> PodInfo {
    let mut p = pod(&job.key.namespace, &format!("{}-{suffix}", job.key.name), phase);
    p.job = Some(job.key.name.clone());
    p.containers.push(container("main", state));
    p
}

pub fn container(name: &str, state: ContainerState) -> ContainerInfo {
    let ready = matches!(state, ContainerState::Running { .. });
    ContainerInfo { name: name.into(), init: false, ready, restarts: 0, state, last_exit_code: None }
}

pub fn init_container(name: &str, state: ContainerState) -> ContainerInfo {
    ContainerInfo { init: true, ready: false, ..container(name, state) }
}

pub fn running() -> ContainerState {
    ContainerState::Running { started: Some(t0()) }
}

pub fn waiting(reason: &str) -> ContainerState {
    ContainerState::Waiting { reason: Some(reason.into()), message: None }
}

pub fn terminated(exit_code: i32, reason: &str) -> ContainerState {
    ContainerState::Terminated {
        exit_code,
        reason: Some(reason.into()).filter(|r: &String| !r.is_empty()),
        message: None,
        finished: Some(t0()),
    }
}

pub fn cronjob(namespace: &str, name: &str, schedule: &str) -> CronJobInfo {
    CronJobInfo {
        key: ObjKey::new(namespace, name),
        uid: format!("uid-{name}"),
        schedule: schedule.into(),
        time_zone: None,
        suspend: false,
        concurrency_policy: "Allow".into(),
        starting_deadline_seconds: None,
        successful_jobs_history_limit: Some(3),
        failed_jobs_history_limit: Some(1),
        last_schedule: None,
        last_successful: None,
        active: Vec::new(),
        created: Some(t0()),
    }
}

/// A ready, schedulable node with no taints.
pub fn node(name: &str) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        uid: format!("uid-{name}"),
        ready: Some(true),
        unschedulable: false,
        taints: Vec::new(),
        created: Some(t0()),
        kubelet_version: None,
    }
}
