//! End-to-end: the real watches (`source::kube`) against the sandbox feed a
//! `State`, and the model reads every seed scenario correctly from it — the
//! same state the console renders.
//!
//! Needs the sandbox: `tests/sandbox/sandbox up --scenarios all` and
//! `eval "$(tests/sandbox/sandbox env)"`. Without KUBECONFIG every test fails
//! with that instruction.

use model::failure_policy::matched_rule;
use model::indexes::{IndexState, index_states};
use model::job::{JobPhase, Pattern};
use model::scope::{Namespaces, Scope};
use model::{Kind, ObjKey, WatchHealth, WatchId};
use testkit::sandbox::*;

fn scope(namespaces: &[&str], kinds: &[Kind]) -> Scope {
    Scope {
        namespaces: if namespaces.is_empty() {
            Namespaces::All
        } else {
            Namespaces::Only(namespaces.iter().map(std::string::ToString::to_string).collect())
        },
        selector: None,
        kinds: kinds.to_vec(),
        events_of: None,
    }
}

fn job_pods_kinds() -> Vec<Kind> {
    vec![Kind::Job, Kind::Pod]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexed_job_completes_with_every_index_succeeded() {
    // All namespaces, every kind the console watches: the -A path.
    let (mut live, _) = Live::start(&env().context, scope(&[], &Scope::CONSOLE_KINDS)).await;
    let key = ObjKey::new("indexed", "indexed-job");
    let states = live
        .until("indexed-job Complete", |s| {
            let job = s.jobs.get(&key).filter(|j| j.phase() == JobPhase::Complete)?;
            Some((job.clone(), index_states(job, s.pods_of_job(&key))))
        })
        .await;
    let (job, indexes) = states;
    assert_eq!(job.pattern(), Pattern::Indexed);
    assert_eq!(job.status.completed_indexes.as_deref(), Some("0-4"));
    assert_eq!(indexes, vec![IndexState::Succeeded; 5], "every index 0-4 succeeded");
    // Every watch of the -A scope lists completely (the admin may list everything).
    let kinds = Scope::CONSOLE_KINDS.len();
    live.until("every watch synced", |s| {
        (s.watches.len() == kinds && s.watches.values().all(|w| w.synced)).then_some(())
    })
    .await;
    assert!(live.state.watches.values().all(|w| w.health == WatchHealth::Ok), "{:#?}", live.state.watches);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failjob_fails_by_rule_0_on_exit_code_42() {
    let (mut live, _) = Live::start(&env().context, scope(&[FAILURE_POLICY_NS], &job_pods_kinds())).await;
    let key = ObjKey::new(FAILURE_POLICY_NS, FAILJOB_JOB);
    let rule = live
        .until("failjob Failed", |s| {
            let job = s.jobs.get(&key).filter(|j| j.phase() == JobPhase::Failed)?;
            Some(matched_rule(job, s.pods_of_job(&key)))
        })
        .await
        .expect("a failure-policy rule matched");
    assert_eq!(rule.rule_index, 0);
    assert_eq!(rule.action, "FailJob");
    assert_eq!(rule.exit_code, Some(42));
    let job = live.state.jobs.get(&key).unwrap();
    assert_eq!(job.failure_reason().map(|(r, _)| r), Some("PodFailurePolicy"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// The experiment guard is held on purpose while the test watches its effects; the test runs on its own runtime.
#[allow(clippy::await_holding_lock)]
async fn config_issue_job_fails_by_its_config_issue_rule() {
    let _experiment = experiment();
    let (mut live, _) = Live::start(&env().context, scope(&[FAILURE_POLICY_NS], &job_pods_kinds())).await;
    tokio::task::spawn_blocking(ensure_config_issue).await.expect("sandbox config-issue");
    let key = ObjKey::new(FAILURE_POLICY_NS, CONFIG_ISSUE_JOB);
    let rule = live
        .until("config-issue Failed", |s| {
            let job = s.jobs.get(&key).filter(|j| j.phase() == JobPhase::Failed)?;
            Some(matched_rule(job, s.pods_of_job(&key)))
        })
        .await
        .expect("a failure-policy rule matched");
    assert_eq!(rule.rule_index, 0);
    assert_eq!(rule.action, "FailJob");
    assert_eq!(rule.pod_condition.as_deref(), Some("ConfigIssue"));
    assert_eq!(live.state.jobs.get(&key).unwrap().failure_reason().map(|(r, _)| r), Some("PodFailurePolicy"));
}

/// How many times the drain experiment may be run before the test gives up.
const DRAIN_ATTEMPTS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// The experiment guard is held on purpose while the test watches its effects; the test runs on its own runtime.
#[allow(clippy::await_holding_lock)]
async fn drained_ignore_job_shows_the_disruption_target_pod_and_does_not_fail() {
    let _experiment = experiment();
    let (mut live, _) = Live::start(&env().context, scope(&[FAILURE_POLICY_NS], &job_pods_kinds())).await;
    live.until("failure-policy pods listed", |s| s.synced(Kind::Pod).then_some(())).await;
    let key = ObjKey::new(FAILURE_POLICY_NS, IGNORE_JOB);
    for attempt in 1..=DRAIN_ATTEMPTS {
        let drain = tokio::task::spawn_blocking(drain_ignore);
        // The evicted pod lives only until the Job controller has counted it, so
        // every update is looked at: the console shows it for exactly that long.
        let (pod, job_phase, job_failed) = live
            .until("an ignore-job pod with DisruptionTarget", |s| {
                let pod = s.pods_of_job(&key).find(|p| p.condition_true("DisruptionTarget") && !p.is_terminal())?;
                let job = s.jobs.get(&key)?;
                Some((pod.key.name.clone(), job.phase(), job.status.failed))
            })
            .await;
        let out = drain.await.expect("drain task");
        // The drain evicts every pod of the Job on that node: the one seen is one of them.
        assert!(out.contains(&format!("evicting pod {FAILURE_POLICY_NS}/{pod}")), "the pod seen was evicted: {out}");
        assert_ne!(job_phase, JobPhase::Failed);
        assert_eq!(job_failed, 0);
        // The evicted pod ends Failed (the eviction stopped it), or Succeeded when
        // its work was done before the eviction landed: then the experiment did
        // not happen and is run again.
        let (phase, rule, job_phase, job_failed) = live
            .until("the evicted pod terminal", |s| {
                let job = s.jobs.get(&key)?;
                let evicted = s.pods_of_job(&key).find(|p| p.key.name == pod && p.is_terminal())?;
                Some((evicted.phase.clone(), matched_rule(job, s.pods_of_job(&key)), job.phase(), job.status.failed))
            })
            .await;
        if phase == "Succeeded" {
            eprintln!("attempt {attempt}: {pod} finished its work before the eviction landed; draining again");
            continue;
        }
        // Once the evicted pod is Failed its Ignore rule (index 0) is what matched,
        // and the Job is still not failed: the eviction is not counted.
        let rule = rule.expect("the Ignore rule matched the evicted pod");
        assert_eq!((rule.rule_index, rule.action.as_str()), (0, "Ignore"));
        assert_eq!(rule.pod_condition.as_deref(), Some("DisruptionTarget"));
        assert_ne!(job_phase, JobPhase::Failed);
        assert_eq!(job_failed, 0);
        return;
    }
    panic!("{DRAIN_ATTEMPTS} drains in a row landed only on pods that had finished their work");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_cronjob_runs_again_within_a_minute() {
    let (mut live, _) = Live::start(&env().context, scope(&["cronjob"], &[Kind::CronJob, Kind::Job])).await;
    let key = ObjKey::new("cronjob", "hello");
    let cj = live.until("CronJob hello", |s| s.cronjobs.get(&key).cloned()).await;
    let now = chrono::Utc::now();
    let next = model::cronjob::next_run(&cj, now).expect("hello has a next run");
    let wait = next - now;
    assert!(wait > chrono::Duration::zero() && wait <= chrono::Duration::seconds(60), "next run in {wait}");
    assert_eq!(model::cronjob::describe_schedule(&cj.schedule, cj.time_zone.as_deref()), "every minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_wq_2_is_a_work_queue() {
    let (mut live, _) = Live::start(&env().context, scope(&["wq-fine"], &[Kind::Job])).await;
    let key = ObjKey::new("wq-fine", "job-wq-2");
    let pattern = live.until("job-wq-2", |s| s.jobs.get(&key).map(model::JobInfo::pattern)).await;
    assert_eq!(pattern, Pattern::WorkQueue);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selector_narrows_jobs_and_pods_to_the_jobexample_group() {
    let mut s = scope(&[], &job_pods_kinds());
    s.selector = Some("jobgroup=jobexample".into());
    let (mut live, _) = Live::start(&env().context, s).await;
    live.until("jobs and pods listed", |s| (s.synced(Kind::Job) && s.synced(Kind::Pod)).then_some(())).await;
    // Other tests running meanwhile make copies of the seed's Jobs in namespaces of their own.
    let names: Vec<String> = live
        .state
        .jobs
        .keys()
        .filter(|k| !k.namespace.starts_with(E2E_NAMESPACE_PREFIX))
        .map(std::string::ToString::to_string)
        .collect();
    assert_eq!(
        names,
        ["expansion/process-item-apple", "expansion/process-item-banana", "expansion/process-item-cherry"],
        "only the labelled Jobs"
    );
    assert!(live.state.pods.values().all(|p| p.labels.get("jobgroup").map(String::as_str) == Some("jobexample")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limited_user_sees_its_namespace_and_forbidden_elsewhere() {
    let env = env();
    let ns = env.limited_namespace.clone();
    let (mut live, conn) =
        Live::start(&env.limited_context, scope(&[&ns, FAILURE_POLICY_NS], &[Kind::Job, Kind::Pod, Kind::Node])).await;
    assert_eq!(conn.context_namespace.as_deref(), Some(ns.as_str()), "the limited context sets its namespace");
    let jobs_in = |ns: &str| WatchId { kind: Kind::Job, namespace: Some(ns.to_string()) };
    let (own, other) = (jobs_in(&ns), jobs_in(FAILURE_POLICY_NS));
    let nodes = WatchId { kind: Kind::Node, namespace: None };
    live.until("own namespace listed, the others refused", |s| {
        let synced = s.watches.get(&own).is_some_and(|w| w.synced);
        let refused =
            |id: &WatchId| s.watches.get(id).is_some_and(|w| matches!(w.health, WatchHealth::Forbidden { .. }));
        (synced && refused(&other) && refused(&nodes)).then_some(())
    })
    .await;
    assert!(live.state.jobs.get(&ObjKey::new(&ns, "indexed-job")).is_some(), "its own Jobs are listed");
    assert!(live.state.jobs.in_namespace(FAILURE_POLICY_NS).next().is_none(), "nothing from a forbidden namespace");
    match &live.state.watches[&other].health {
        WatchHealth::Forbidden { message } => assert!(message.contains("forbidden"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobexample_jobs_are_one_group_of_three_complete() {
    let (mut live, _) = Live::start(&env().context, scope(&["expansion"], &[Kind::Job])).await;
    let group = live
        .until("jobgroup=jobexample 3/3", |s| {
            model::groups::job_groups(&s.jobs)
                .into_iter()
                .find(|g| g.label == "jobgroup=jobexample" && g.succeeded == 3)
        })
        .await;
    assert_eq!(group.total, 3);
    assert_eq!(group.progress_label(), "3/3");
    let names: Vec<String> = group.jobs.iter().map(|k| k.name.clone()).collect();
    assert_eq!(names, ["process-item-apple", "process-item-banana", "process-item-cherry"]);
}
