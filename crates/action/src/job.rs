//! Job actions: delete with a propagation choice, suspend and resume.

use k8s_openapi::api::batch::v1::Job;
use kube::api::{Api, PatchParams};
use kube::{Client, Error};
use serde_json::json;

use model::indexes::IndexSet;
use model::{JobInfo, ObjKey, PodInfo, State};

use super::Propagation;
use super::text::{count, list, target_name};

/// The field manager batchtop's patches are recorded under.
pub const FIELD_MANAGER: &str = "batchtop";

pub(crate) fn patch_params() -> PatchParams {
    PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() }
}

/// Sets or clears `spec.suspend`; with `uid`, only on the Job of that UID.
pub async fn set_suspend(client: &Client, job: &ObjKey, suspend: bool, uid: Option<&str>) -> Result<String, Error> {
    let api: Api<Job> = Api::namespaced(client.clone(), &job.namespace);
    api.patch(&job.name, &patch_params(), &super::guarded_patch(uid, json!({ "spec": { "suspend": suspend } })))
        .await?;
    Ok(if suspend { "suspended" } else { "resumed" }.into())
}

/// Deletes the Job, its pods going as `propagation` says.
pub async fn delete(
    client: &Client,
    job: &ObjKey,
    propagation: Propagation,
    uid: Option<&str>,
) -> Result<String, Error> {
    super::delete::<Job>(client, job, propagation, "pods", uid).await
}

/// A pod still doing (or about to do) work: not finished, not already going.
pub(crate) fn is_active(pod: &PodInfo) -> bool {
    !pod.deleting && !matches!(&*pod.phase, "Succeeded" | "Failed")
}

/// How many pods the Jobs have, and how many of them are active.
fn pod_counts(state: &State, jobs: &[ObjKey]) -> (usize, usize) {
    jobs.iter()
        .flat_map(|j| state.pods_of_job(j))
        .fold((0, 0), |(all, active), p| (all + 1, active + usize::from(is_active(p))))
}

/// "3 pods (2 running)", "no pods".
fn pods_phrase(all: usize, active: usize) -> String {
    match (all, active) {
        (0, _) => "no pods".into(),
        (n, 0) => format!("{} (none running)", count(n, "pod")),
        (n, a) if n == a => format!("{}, all running", count(n, "pod")),
        (n, a) => format!("{} ({a} running)", count(n, "pod")),
    }
}

fn owner_word(jobs: &[ObjKey]) -> &'static str {
    if jobs.len() == 1 { "its" } else { "their" }
}

pub(super) fn delete_consequences(state: &State, jobs: &[ObjKey], propagation: Propagation) -> Vec<String> {
    let (all, active) = pod_counts(state, jobs);
    let pods = pods_phrase(all, active);
    let its = owner_word(jobs);
    let mut lines = vec![match propagation {
        Propagation::Background => {
            format!("Deletes {} now; the garbage collector then deletes {its} {pods}.", what(jobs))
        }
        Propagation::Foreground => format!(
            "Deletes {its} {pods} first; {} marked for deletion until they are gone.",
            if jobs.len() == 1 { "the Job stays" } else { "the Jobs stay" }
        ),
        Propagation::Orphan => {
            format!("Deletes {} only: {its} {pods} stay, without an owner, and run to their end.", what(jobs))
        }
    }];
    let unfinished: Vec<&JobInfo> = jobs.iter().filter_map(|k| state.jobs.get(k)).filter(|j| !finished(j)).collect();
    if !unfinished.is_empty() {
        let names: Vec<String> = unfinished.iter().map(|j| j.key.name.clone()).collect();
        lines.push(format!("Unfinished work is lost: {} has not completed.", list(&names)));
    }
    lines.extend(missing(state, jobs));
    lines
}

pub(super) fn suspend_consequences(state: &State, jobs: &[ObjKey]) -> Vec<String> {
    let mut lines = Vec::new();
    for key in jobs {
        let Some(job) = state.jobs.get(key) else { continue };
        if job.spec.suspend {
            lines.push(format!("{} is already suspended: nothing changes.", key.name));
            continue;
        }
        if finished(job) {
            lines.push(format!("{} has already finished: suspending it changes nothing.", key.name));
            continue;
        }
        let active: Vec<&PodInfo> = state.pods_of_job(key).filter(|p| is_active(p)).collect();
        let mut line = match active.len() {
            0 => format!("{}: no pod is running; no new pods start until it is resumed.", key.name),
            n => format!(
                "{}: its {} terminated (counted neither failed nor succeeded); no new pods start until it is resumed.",
                key.name,
                if n == 1 { "active pod is".to_string() } else { format!("{n} active pods are") }
            ),
        };
        if job.spec.indexed {
            let running =
                IndexSet::from_ranges(active.iter().filter_map(|p| p.completion_index).map(|i| (i, i)).collect());
            if !running.is_empty() {
                line.push_str(&format!(" Indexes {running} will rerun from the start on resume"));
                match job.status.completed_indexes.as_deref().filter(|s| !s.is_empty()) {
                    Some(done) => line.push_str(&format!("; completed {done} stay done.")),
                    None => line.push('.'),
                }
            }
        }
        if job.spec.active_deadline_seconds.is_some() {
            line.push_str(" Its activeDeadlineSeconds clock restarts on resume.");
        }
        lines.push(line);
    }
    lines.extend(missing(state, jobs));
    lines
}

pub(super) fn resume_consequences(state: &State, jobs: &[ObjKey]) -> Vec<String> {
    let mut lines = Vec::new();
    for key in jobs {
        let Some(job) = state.jobs.get(key) else { continue };
        if !job.spec.suspend {
            lines.push(format!("{} is not suspended: nothing changes.", key.name));
            continue;
        }
        let parallelism = job.spec.parallelism.unwrap_or(1);
        let mut line = match job.spec.completions {
            Some(c) => format!(
                "{}: the Job controller starts up to {} for the {} remaining of {c} completions",
                key.name,
                count(parallelism.max(0) as usize, "pod"),
                (c - job.status.succeeded).max(0)
            ),
            None => {
                format!("{}: the Job controller starts up to {}", key.name, count(parallelism.max(0) as usize, "pod"))
            }
        };
        if job.spec.indexed {
            match job.status.completed_indexes.as_deref().filter(|s| !s.is_empty()) {
                Some(done) => line.push_str(&format!(" (every index but the completed {done})")),
                None => line.push_str(" (every index)"),
            }
        }
        line.push('.');
        lines.push(line);
    }
    lines.extend(missing(state, jobs));
    lines
}

/// A Job that has a Complete or Failed condition.
pub(crate) fn finished(job: &JobInfo) -> bool {
    job.phase().is_finished()
}

/// "the Job" or "the 3 Jobs".
fn what(jobs: &[ObjKey]) -> String {
    if jobs.len() == 1 { "the Job".into() } else { format!("the {} Jobs", jobs.len()) }
}

/// Targets that left the view since they were selected: the API decides what happens to them.
pub(super) fn missing(state: &State, jobs: &[ObjKey]) -> Option<String> {
    let gone: Vec<String> = jobs.iter().filter(|k| state.jobs.get(k).is_none()).map(target_name).collect();
    (!gone.is_empty()).then(|| format!("Not in view any more (may be gone already): {}.", list(&gone)))
}
