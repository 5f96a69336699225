//! CronJob actions: suspend and resume, trigger now, delete.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Api, PostParams};
use kube::{Client, Error, Resource};
use serde_json::json;

use model::cronjob::next_run;
use model::{CronJobInfo, ObjKey, State};

use super::Propagation;
use super::job::patch_params;
use super::text::{count, list, target_name};

/// The annotation kubectl (`create job --from=cronjob/...`) puts on a manual run;
/// the CronJob controller and people reading the Job both recognise it.
pub const INSTANTIATE_ANNOTATION: &str = "cronjob.kubernetes.io/instantiate";

/// Job names end up in the `job-name` label, whose values are at most 63
/// characters; the API server appends 5 random ones to a generateName.
const MAX_PREFIX: usize = 63 - 5;

/// Sets or clears `spec.suspend`; with `uid`, only on the CronJob of that UID.
pub async fn set_suspend(client: &Client, cronjob: &ObjKey, suspend: bool, uid: Option<&str>) -> Result<String, Error> {
    let api: Api<CronJob> = Api::namespaced(client.clone(), &cronjob.namespace);
    let patch = super::guarded_patch(uid, json!({ "spec": { "suspend": suspend } }));
    api.patch(&cronjob.name, &patch_params(), &patch).await?;
    Ok(if suspend { "suspended" } else { "resumed" }.into())
}

/// Creates a Job from the CronJob's current jobTemplate, as `kubectl create job
/// --from=cronjob/<name>` does: owned by the CronJob (so it shows in its history
/// and goes when the CronJob goes) and annotated as a manual run.
pub async fn trigger(client: &Client, cronjob: &ObjKey) -> Result<String, Error> {
    let cronjobs: Api<CronJob> = Api::namespaced(client.clone(), &cronjob.namespace);
    let cj = cronjobs.get(&cronjob.name).await?;
    let jobs: Api<Job> = Api::namespaced(client.clone(), &cronjob.namespace);
    let created = jobs
        .create(
            &PostParams { field_manager: Some(super::job::FIELD_MANAGER.into()), ..PostParams::default() },
            &manual_job(&cj),
        )
        .await?;
    Ok(format!("created Job {}", created.metadata.name.unwrap_or_default()))
}

/// The Job a manual run creates. Its name is `<cronjob>-manual-` plus a suffix
/// the API server picks, so two quick triggers never collide.
pub fn manual_job(cj: &CronJob) -> Job {
    let template = &cj.spec.job_template;
    let template_meta = template.metadata.as_ref();
    let mut annotations: BTreeMap<String, String> =
        template_meta.and_then(|m| m.annotations.clone()).unwrap_or_default();
    annotations.insert(INSTANTIATE_ANNOTATION.into(), "manual".into());
    let name = cj.metadata.name.clone().unwrap_or_default();
    let mut prefix = format!("{name}-manual-");
    if prefix.len() > MAX_PREFIX {
        // Cut at a char boundary, keeping the name valid (no trailing '.' or '-' issues: the suffix follows).
        let mut cut = MAX_PREFIX;
        while !prefix.is_char_boundary(cut) {
            cut -= 1;
        }
        prefix.truncate(cut);
    }
    Job {
        metadata: ObjectMeta {
            generate_name: Some(prefix),
            namespace: cj.metadata.namespace.clone(),
            labels: template_meta.and_then(|m| m.labels.clone()),
            annotations: Some(annotations),
            owner_references: Some(vec![controller_ref(cj)]),
            ..ObjectMeta::default()
        },
        spec: template.spec.clone(),
        status: None,
    }
}

/// A controller reference to the CronJob, as metav1.NewControllerRef makes it.
fn controller_ref(cj: &CronJob) -> OwnerReference {
    OwnerReference {
        api_version: CronJob::api_version(&()).into_owned(),
        kind: CronJob::kind(&()).into_owned(),
        name: cj.metadata.name.clone().unwrap_or_default(),
        uid: cj.metadata.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Deletes the CronJob; its Jobs (and their pods) go as `propagation` says.
pub async fn delete(
    client: &Client,
    cronjob: &ObjKey,
    propagation: Propagation,
    uid: Option<&str>,
) -> Result<String, Error> {
    super::delete::<CronJob>(client, cronjob, propagation, "Jobs", uid).await
}

/// The Jobs in the state that the CronJob owns.
fn owned_jobs<'a>(state: &'a State, cj: &'a CronJobInfo) -> impl Iterator<Item = &'a model::JobInfo> + 'a {
    state
        .jobs
        .in_namespace(&cj.key.namespace)
        .filter(move |j| j.owner.as_ref().is_some_and(|o| o.kind == "CronJob" && o.uid == cj.uid))
}

pub(super) fn suspend_consequences(state: &State, cronjobs: &[ObjKey]) -> Vec<String> {
    let mut lines: Vec<String> = cronjobs
        .iter()
        .filter_map(|k| state.cronjobs.get(k))
        .map(|cj| {
            if cj.suspend {
                format!("{} is already suspended: nothing changes.", cj.key.name)
            } else {
                let running = match cj.active.len() {
                    0 => String::new(),
                    n => format!(
                        " Its {} running ({}) {} on.",
                        count(n, "Job"),
                        list(&cj.active),
                        if n == 1 { "goes" } else { "go" }
                    ),
                };
                format!(
                    "{}: no new Job starts on its schedule ({}) until it is resumed.{running}",
                    cj.key.name, cj.schedule
                )
            }
        })
        .collect();
    lines.extend(missing(state, cronjobs));
    lines
}

pub(super) fn resume_consequences(state: &State, cronjobs: &[ObjKey], now: model::Time) -> Vec<String> {
    let mut lines: Vec<String> = cronjobs
        .iter()
        .filter_map(|k| state.cronjobs.get(k))
        .map(|cj| {
            if !cj.suspend {
                return format!("{} is not suspended: nothing changes.", cj.key.name);
            }
            // The schedule as it runs once resumed (the model answers None while suspended).
            let resumed = CronJobInfo { suspend: false, ..cj.clone() };
            let next = next_run(&resumed, now).map_or("unknown".to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
            let mut line = format!("{}: Jobs start again on its schedule ({}); next regular run {next}.", cj.key.name, cj.schedule);
            let since = cj.last_schedule.or(cj.created);
            if let Some(missed) = since.and_then(|t| next_run(&resumed, t)).filter(|t| *t <= now) {
                let deadline = match cj.starting_deadline_seconds {
                    Some(s) => format!(" if that time is less than {s}s ago"),
                    None => String::new(),
                };
                line.push_str(&format!(
                    " Runs were missed since {}: the controller starts one Job for the latest missed time at once{deadline}.",
                    missed.format("%Y-%m-%d %H:%M:%S UTC")
                ));
            }
            line
        })
        .collect();
    lines.extend(missing(state, cronjobs));
    lines
}

pub(super) fn trigger_consequences(state: &State, cronjobs: &[ObjKey]) -> Vec<String> {
    let mut lines: Vec<String> = cronjobs
        .iter()
        .filter_map(|k| state.cronjobs.get(k))
        .map(|cj| {
            let mut line = format!(
                "Creates Job {}-manual-<random> in {} from the current jobTemplate of {}, owned by it and annotated {INSTANTIATE_ANNOTATION}=manual.",
                cj.key.name, cj.key.namespace, cj.key.name
            );
            if !cj.active.is_empty() && cj.concurrency_policy != "Allow" {
                line.push_str(&format!(
                    " It runs beside the active {} (concurrencyPolicy {} does not apply to manual runs).",
                    list(&cj.active),
                    cj.concurrency_policy
                ));
            }
            if cj.suspend {
                line.push_str(" The CronJob stays suspended.");
            }
            line
        })
        .collect();
    lines.extend(missing(state, cronjobs));
    lines
}

pub(super) fn delete_consequences(state: &State, cronjobs: &[ObjKey], propagation: Propagation) -> Vec<String> {
    let mut lines: Vec<String> = cronjobs
        .iter()
        .filter_map(|k| state.cronjobs.get(k))
        .map(|cj| {
            let jobs: Vec<&model::JobInfo> = owned_jobs(state, cj).collect();
            let pods: usize = jobs.iter().map(|j| state.pods_of_job(&j.key).count()).sum();
            let dependents = format!("{} and their {}", count(jobs.len(), "Job"), count(pods, "pod"));
            match propagation {
                Propagation::Background => format!(
                    "Deletes {} and its schedule now; the garbage collector then deletes its {dependents}.",
                    cj.key.name
                ),
                Propagation::Foreground => format!(
                    "Deletes the {dependents} of {} first, then the CronJob; nothing is scheduled meanwhile.",
                    cj.key.name
                ),
                Propagation::Orphan => {
                    format!("Deletes {} and its schedule only: its {dependents} stay, without an owner.", cj.key.name)
                }
            }
        })
        .collect();
    lines.extend(missing(state, cronjobs));
    lines
}

fn missing(state: &State, cronjobs: &[ObjKey]) -> Option<String> {
    let gone: Vec<String> = cronjobs.iter().filter(|k| state.cronjobs.get(k).is_none()).map(target_name).collect();
    (!gone.is_empty()).then(|| format!("Not in view any more (may be gone already): {}.", list(&gone)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::{CronJobSpec, JobSpec, JobTemplateSpec};

    fn hello() -> CronJob {
        CronJob {
            metadata: ObjectMeta {
                name: Some("hello".into()),
                namespace: Some("cronjob".into()),
                uid: Some("uid-1".into()),
                ..ObjectMeta::default()
            },
            spec: CronJobSpec {
                schedule: "* * * * *".into(),
                job_template: JobTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some([("app".to_string(), "hello".to_string())].into()),
                        annotations: Some([("team".to_string(), "batch".to_string())].into()),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(JobSpec { backoff_limit: Some(2), ..JobSpec::default() }),
                },
                ..CronJobSpec::default()
            },
            status: None,
        }
    }

    #[test]
    fn manual_job_is_owned_by_the_cronjob_and_marked_manual() {
        let job = manual_job(&hello());
        assert_eq!(job.metadata.generate_name.as_deref(), Some("hello-manual-"));
        assert_eq!(job.metadata.namespace.as_deref(), Some("cronjob"));
        let owner = &job.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!((owner.kind.as_str(), owner.api_version.as_str()), ("CronJob", "batch/v1"));
        assert_eq!((owner.name.as_str(), owner.uid.as_str()), ("hello", "uid-1"));
        assert_eq!((owner.controller, owner.block_owner_deletion), (Some(true), Some(true)));
        let annotations = job.metadata.annotations.unwrap();
        assert_eq!(annotations.get(INSTANTIATE_ANNOTATION).map(String::as_str), Some("manual"));
        assert_eq!(annotations.get("team").map(String::as_str), Some("batch"), "template annotations kept");
        assert_eq!(job.metadata.labels.unwrap().get("app").map(String::as_str), Some("hello"));
        assert_eq!(job.spec.unwrap().backoff_limit, Some(2));
    }

    #[test]
    fn resuming_says_when_it_runs_and_what_it_missed() {
        use model::fixtures::{cronjob, t0};
        use model::{Object, Update, WatchId};
        let mut cj = cronjob("cronjob", "hello", "*/5 * * * *");
        cj.suspend = true;
        cj.last_schedule = Some(t0());
        cj.starting_deadline_seconds = Some(200);
        let key = cj.key.clone();
        let mut state = State::default();
        let id = WatchId { kind: model::Kind::CronJob, namespace: None };
        state.apply(Update::Applied(id, Object::CronJob(cj)), t0());
        let now = t0() + chrono::Duration::minutes(12);
        let lines = resume_consequences(&state, &[key], now);
        // t0 is 07:46:51 and now 07:58:51: the runs of 07:50 and 07:55 were missed.
        assert!(lines[0].contains("next regular run 2024-11-04 08:00:00 UTC"), "{lines:?}");
        assert!(lines[0].contains("Runs were missed since 2024-11-04 07:50:00 UTC"), "{lines:?}");
        assert!(lines[0].contains("less than 200s ago"), "{lines:?}");
    }

    #[test]
    fn manual_job_name_fits_a_label_value() {
        let mut cj = hello();
        cj.metadata.name = Some("x".repeat(60));
        let prefix = manual_job(&cj).metadata.generate_name.unwrap();
        assert_eq!(prefix.len(), MAX_PREFIX);
    }
}
