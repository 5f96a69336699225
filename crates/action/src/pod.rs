//! Pod actions: delete with a grace period.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams};
use kube::{Client, Error};

use model::{ObjKey, PodInfo, State};

use super::job::{finished, is_active};
use super::text::{list, target_name};

/// Deletes the pod; `grace_period` in seconds, `None` for the pod's own.
pub async fn delete(
    client: &Client,
    pod: &ObjKey,
    grace_period: Option<u32>,
    uid: Option<&str>,
) -> Result<String, Error> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &pod.namespace);
    let params = DeleteParams {
        grace_period_seconds: grace_period,
        preconditions: super::uid_precondition(uid),
        ..DeleteParams::default()
    };
    api.delete(&pod.name, &params).await?;
    Ok("deleted".into())
}

pub(super) fn delete_consequences(state: &State, pods: &[ObjKey], grace_period: Option<u32>) -> Vec<String> {
    let mut lines = vec![match grace_period {
        None => "Each pod gets its own terminationGracePeriodSeconds to stop.".to_string(),
        Some(0) => "Grace period 0: the pods are removed at once, without waiting for them to stop.".to_string(),
        Some(s) => format!("Each pod gets {s}s to stop before it is killed."),
    }];
    lines.extend(pods.iter().filter_map(|k| state.pods.get(k)).map(|p| pod_consequence(state, p)));
    let gone: Vec<String> = pods.iter().filter(|k| state.pods.get(k).is_none()).map(target_name).collect();
    if !gone.is_empty() {
        lines.push(format!("Not in view any more (may be gone already): {}.", list(&gone)));
    }
    lines
}

/// What deleting this one pod does to the Job that owns it.
fn pod_consequence(state: &State, pod: &PodInfo) -> String {
    let name = &pod.key.name;
    if !is_active(pod) {
        return format!("{name} has finished: only its record and its logs go.");
    }
    let Some(job) = pod.job.as_ref().and_then(|j| state.jobs.get(&ObjKey::new(pod.key.namespace.clone(), j.clone())))
    else {
        return format!("{name} is running and no Job in view owns it: nothing replaces it.");
    };
    if finished(job) {
        return format!("{name} stops; its Job {} has already finished.", job.key.name);
    }
    if !job.spec.failure_rules.is_empty() {
        return format!(
            "{name} stops and fails; Job {}'s podFailurePolicy decides whether that counts (a plain delete adds no DisruptionTarget condition).",
            job.key.name
        );
    }
    match job.backoff_usage() {
        Some((failed, limit)) if failed + 1 > limit => format!(
            "{name} stops and counts as failed: Job {} then has {} failures, over its backoffLimit {limit}, and fails.",
            job.key.name,
            failed + 1
        ),
        Some((failed, limit)) => format!(
            "{name} stops and counts as failed ({} of backoffLimit {limit} for Job {}); the Job starts a replacement.",
            failed + 1,
            job.key.name
        ),
        None => format!(
            "{name} stops and counts as a failure of its index in Job {}; the index is retried within its limit.",
            job.key.name
        ),
    }
}
