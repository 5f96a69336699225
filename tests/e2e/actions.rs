//! End to end: the console's actions against the sandbox's real API server,
//! controllers and kwok nodes, through the same `Action::execute` the console
//! calls, watched through the same watches and `State` the console shows.
//!
//! Every test works in its own namespace (`e2e-actions-*`) and, for drains,
//! on its own tainted kwok node, so no other test's scenario is disturbed;
//! both are deleted at the end. Copies of the seed's objects are read from
//! the sandbox's scenario namespaces (never written).
//!
//! Needs `eval "$(tests/sandbox/sandbox env)"` (fails with that message otherwise).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::console;

use action::access::{AccessCache, Availability};
use action::drain::DrainEvent;
use action::{Action, ActionId, DrainOptions, Options, ProgressEvent, ProgressSink, Propagation, Writes, offered};
use k8s_openapi::api::batch::v1::{CronJob, Job, JobSpec};
use k8s_openapi::api::core::v1::{Namespace, Node, NodeSpec, Pod, PodTemplateSpec, Toleration};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::Client;
use kube::api::{Api, DeleteParams, PostParams};
use kube::runtime::wait::await_condition;
use model::scope::{Namespaces, Scope};
use model::{Kind, ObjKey, State, Update};
use serde_json::json;
use source::kube::spawn_watches;
use testkit::pty::{Console, Key};
use testkit::sandbox::E2E_NAMESPACE_PREFIX;
use testkit::sandbox::{admin, connect_as};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Upper bound for anything the controllers must do; a test that hits it fails
/// with what it was waiting for (never a pass).
const PATIENCE: Duration = Duration::from_secs(180);
const TAINT_KEY: &str = "batchtop.dev/e2e-actions";

/// A name nobody else uses: tests of this file run in parallel, and a rerun
/// must not meet the leftovers of an earlier one still being deleted.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}-{:x}{:05x}", std::process::id() & 0xfff, nanos & 0xfffff)
}

/// A namespace (and optionally a node) of this test, deleted on drop.
struct Sandbox {
    client: Client,
    ns: String,
    node: Option<String>,
}

impl Sandbox {
    async fn new(client: &Client, what: &str) -> Self {
        let ns = unique(&format!("{E2E_NAMESPACE_PREFIX}actions-{what}"));
        let api: Api<Namespace> = Api::all(client.clone());
        let obj = Namespace {
            metadata: ObjectMeta { name: Some(ns.clone()), ..ObjectMeta::default() },
            ..Namespace::default()
        };
        api.create(&PostParams::default(), &obj).await.expect("create namespace");
        Self { client: client.clone(), ns, node: None }
    }

    /// A kwok node only this test's pods tolerate: draining it touches nothing else.
    async fn with_node(mut self) -> Self {
        let name = unique(&format!("{E2E_NAMESPACE_PREFIX}actions-node"));
        self.node = Some(name);
        self.create_node().await;
        self
    }

    /// Creates this test's node (again, after a delete: a namesake with a new UID).
    async fn create_node(&self) -> Node {
        let name = self.node();
        let node: Node = serde_json::from_value(json!({
            "metadata": {
                "name": name,
                "labels": { "type": "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" },
                "annotations": { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" }
            },
            "spec": { "taints": [{ "key": TAINT_KEY, "value": self.ns, "effect": "NoSchedule" }] }
        }))
        .unwrap();
        Api::<Node>::all(self.client.clone()).create(&PostParams::default(), &node).await.expect("create node")
    }

    fn node(&self) -> &str {
        self.node.as_deref().expect("this test made a node")
    }

    /// Pins a pod template to this test's node.
    fn pin(&self, template: &mut PodTemplateSpec) {
        let spec = template.spec.as_mut().expect("pod spec");
        spec.node_selector = Some(BTreeMap::from([("kubernetes.io/hostname".to_string(), self.node().to_string())]));
        spec.tolerations = Some(vec![Toleration {
            key: Some(TAINT_KEY.into()),
            operator: Some("Equal".into()),
            value: Some(self.ns.clone()),
            effect: Some("NoSchedule".into()),
            ..Toleration::default()
        }]);
    }

    fn key(&self, name: &str) -> ObjKey {
        ObjKey::new(self.ns.clone(), name)
    }

    async fn create_job(&self, job: Job) -> ObjKey {
        let api: Api<Job> = Api::namespaced(self.client.clone(), &self.ns);
        let created = api.create(&PostParams::default(), &job).await.expect("create job");
        self.key(created.metadata.name.as_deref().unwrap())
    }

    /// Watches this namespace (and nodes) exactly as the console does.
    fn watch(&self) -> Watched {
        let scope = Scope {
            namespaces: Namespaces::Only(vec![self.ns.clone()]),
            selector: None,
            kinds: vec![Kind::Job, Kind::Pod, Kind::CronJob, Kind::Node],
            events_of: None,
        };
        let (tx, rx) = mpsc::channel(1024);
        let handles = spawn_watches(&self.client, &scope, tx);
        Watched { state: State::default(), rx, log: Vec::new(), _handles: handles }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let (ns, node) = (self.ns.clone(), self.node.take());
        // Drop cannot await, and the test's runtime (which the test's client
        // lives on) is the one dropping us: clean up from a thread with a
        // runtime and a client of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let client = admin().await.client;
                let bg = DeleteParams::background();
                let _ = Api::<Namespace>::all(client.clone()).delete(&ns, &bg).await;
                if let Some(node) = node {
                    let _ = Api::<Node>::all(client).delete(&node, &bg).await;
                }
            });
        })
        .join();
    }
}

/// The console's state, fed by real watches; waits are on updates, not timers.
struct Watched {
    state: State,
    rx: mpsc::Receiver<Update>,
    /// Every update in arrival order, for tests about ordering.
    log: Vec<Update>,
    _handles: source::kube::WatchHandles,
}

impl Watched {
    /// Applies updates until `done` holds; fails after [`PATIENCE`] naming `what`.
    async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        if std::env::var_os("E2E_DEBUG").is_some() {
            eprintln!("== waiting for: {what}");
        }
        let wait = async {
            while !done(&self.state) {
                let update = self.rx.recv().await.expect("watches ended");
                if std::env::var_os("E2E_DEBUG").is_some() {
                    eprintln!("{update:?}");
                }
                self.log.push(update.clone());
                self.state.apply(update, chrono::Utc::now());
            }
        };
        assert!(tokio::time::timeout(PATIENCE, wait).await.is_ok(), "gave up after {PATIENCE:?} waiting for: {what}");
    }

    fn job(&self, key: &ObjKey) -> &model::JobInfo {
        self.state.jobs.get(key).unwrap_or_else(|| panic!("job {key} not in the state"))
    }
}

fn condition_true(state: &State, job: &ObjKey, type_: &str) -> bool {
    state.jobs.get(job).is_some_and(|j| j.status.conditions.iter().any(|c| c.type_ == type_ && c.is_true()))
}

fn running_pods(state: &State, job: &ObjKey) -> usize {
    state.pods_of_job(job).filter(|p| p.phase == "Running" && !p.deleting).count()
}

/// A Job whose pods run for `run` on kwok (the sandbox's run-duration annotation).
fn job(name: &str, completions: i32, parallelism: i32, run: &str) -> Job {
    serde_json::from_value(json!({
        "metadata": { "name": name },
        "spec": {
            "completions": completions,
            "parallelism": parallelism,
            "template": {
                "metadata": { "annotations": { "sandbox.batchtop.dev/run-duration": run } },
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{ "name": "main", "image": "busybox:1.36", "command": ["sleep", "1"] }]
                }
            }
        }
    }))
    .unwrap()
}

async fn run(action: &Action, client: &Client) -> action::Outcome {
    let outcome = action.execute(client, Writes::Allowed, ProgressSink::silent()).await;
    assert!(outcome.ok(), "{} failed: {}", action.describe(), outcome.summary());
    outcome
}

#[tokio::test]
async fn suspending_a_running_job_stops_its_pods_and_resuming_completes_it() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "suspend").await;
    let mut w = sb.watch();
    let key = sb.create_job(job("worker", 2, 2, "20s")).await;
    w.until("both pods of the Job running", |s| running_pods(s, &key) == 2).await;

    let suspend = Action::new(ActionId::SuspendJob, &conn.context, vec![key.clone()]);
    let words = suspend.confirmation(&w.state, chrono::Utc::now()).to_string();
    assert!(words.contains(&format!("Suspend Job {key} in context {}", conn.context)), "{words}");
    assert!(words.contains("its 2 active pods are terminated"), "{words}");
    run(&suspend, &conn.client).await;

    w.until("Suspended condition and no active pods", |s| {
        condition_true(s, &key, "Suspended")
            && s.jobs.get(&key).is_some_and(|j| j.status.active == 0)
            && s.pods_of_job(&key).all(|p| p.phase != "Running" || p.deleting)
    })
    .await;
    assert_eq!(w.job(&key).status.succeeded, 0, "the suspended pods did not count as succeeded");

    let resume = Action::new(ActionId::ResumeJob, &conn.context, vec![key.clone()]);
    let words = resume.confirmation(&w.state, chrono::Utc::now()).to_string();
    assert!(words.contains("starts up to 2 pods for the 2 remaining of 2 completions"), "{words}");
    run(&resume, &conn.client).await;
    w.until("the resumed Job completes", |s| condition_true(s, &key, "Complete")).await;
    assert_eq!(w.job(&key).status.succeeded, 2);
}

#[tokio::test]
async fn suspending_several_jobs_at_once() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "multi").await;
    let mut w = sb.watch();
    let mut keys = Vec::new();
    for fruit in ["apple", "banana", "cherry"] {
        let mut j = job(&format!("process-item-{fruit}"), 1, 1, "10m");
        j.metadata.labels = Some(BTreeMap::from([("jobgroup".to_string(), "jobexample".to_string())]));
        keys.push(sb.create_job(j).await);
    }
    w.until("the three Jobs running", |s| keys.iter().all(|k| running_pods(s, k) == 1)).await;
    // What the console's multi-select by label hands the action.
    let selected: Vec<ObjKey> = w
        .state
        .jobs
        .in_namespace(&sb.ns)
        .filter(|j| j.labels.get("jobgroup").map(String::as_str) == Some("jobexample"))
        .map(|j| j.key.clone())
        .collect();
    assert_eq!(selected.len(), 3);
    let suspend = Action::new(ActionId::SuspendJob, &conn.context, selected);
    let words = suspend.confirmation(&w.state, chrono::Utc::now()).to_string();
    assert!(
        words.starts_with(&format!(
            "Suspend 3 Jobs in {}: process-item-apple, process-item-banana, process-item-cherry",
            sb.ns
        )),
        "{words}"
    );
    let outcome = run(&suspend, &conn.client).await;
    assert_eq!(outcome.steps.len(), 3);
    w.until("all three suspended", |s| keys.iter().all(|k| condition_true(s, k, "Suspended"))).await;
}

#[tokio::test]
async fn triggering_hello_creates_a_manual_job_owned_by_the_cronjob() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "trigger").await;
    // A copy of the seed's hello, suspended so only the manual run appears.
    let seed: CronJob =
        Api::namespaced(conn.client.clone(), "cronjob").get("hello").await.expect("the sandbox's cronjob/hello");
    let mut copy = CronJob {
        metadata: ObjectMeta { name: Some("hello".into()), ..ObjectMeta::default() },
        spec: seed.spec,
        status: None,
    };
    copy.spec.suspend = Some(true);
    let cronjobs: Api<CronJob> = Api::namespaced(conn.client.clone(), &sb.ns);
    let created = cronjobs.create(&PostParams::default(), &copy).await.expect("create cronjob");
    let uid = created.metadata.uid.unwrap();
    let key = sb.key("hello");
    let mut w = sb.watch();
    w.until("the CronJob in the state", |s| s.cronjobs.get(&key).is_some()).await;

    let trigger = Action::new(ActionId::TriggerCronJob, &conn.context, vec![key.clone()]);
    let words = trigger.confirmation(&w.state, chrono::Utc::now()).to_string();
    assert!(words.contains(&format!("Creates Job hello-manual-<random> in {}", sb.ns)), "{words}");
    assert!(words.contains("The CronJob stays suspended"), "{words}");
    let outcome = run(&trigger, &conn.client).await;
    let made =
        outcome.steps[0].result.as_ref().unwrap().strip_prefix("created Job ").expect("names the Job").to_string();
    assert!(made.starts_with("hello-manual-") && made.len() == "hello-manual-".len() + 5, "{made}");

    let job_key = sb.key(&made);
    w.until("the manual Job in the state", |s| s.jobs.get(&job_key).is_some()).await;
    let owner = w.job(&job_key).owner.clone().expect("owned");
    assert_eq!((owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()), ("CronJob", "hello", uid.as_str()));
    let job: Job = Api::namespaced(conn.client.clone(), &sb.ns).get(&made).await.unwrap();
    assert_eq!(
        job.metadata.annotations.unwrap().get("cronjob.kubernetes.io/instantiate").map(String::as_str),
        Some("manual")
    );
    let cj = w.state.cronjobs.get(&key).unwrap();
    let history = model::cronjob::history(cj, &w.state.jobs);
    assert!(history.iter().any(|(name, _, _)| *name == made), "the manual run is in hello's history: {history:?}");
}

#[tokio::test]
async fn foreground_deletion_removes_the_pods_before_the_job() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "fg").await;
    let mut w = sb.watch();
    let key = sb.create_job(job("doomed", 2, 2, "10m")).await;
    w.until("both pods running", |s| running_pods(s, &key) == 2).await;
    let pods: Vec<ObjKey> = w.state.pods_of_job(&key).map(|p| p.key.clone()).collect();

    let delete = Action::new(ActionId::DeleteJob, &conn.context, vec![key.clone()])
        .with_options(Options::Delete { propagation: Propagation::Foreground });
    let words = delete.confirmation(&w.state, chrono::Utc::now()).to_string();
    assert!(words.contains("Deletes its 2 pods, all running first; the Job stays marked for deletion"), "{words}");
    let outcome = run(&delete, &conn.client).await;
    assert_eq!(outcome.steps[0].result.as_deref(), Ok("marked for deletion: its pods are deleted first"));
    w.until("the Job gone", |s| s.jobs.get(&key).is_none()).await;

    let job_gone_at = deleted_at(&w.log, Kind::Job, &key).expect("saw the Job's deletion");
    for pod in &pods {
        let at = deleted_at(&w.log, Kind::Pod, pod).unwrap_or_else(|| panic!("{pod} was deleted before the Job"));
        assert!(at < job_gone_at, "{pod} went before the Job");
    }
}

#[tokio::test]
async fn orphan_deletion_leaves_the_pods() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "orphan").await;
    let mut w = sb.watch();
    let key = sb.create_job(job("parent", 2, 2, "10m")).await;
    w.until("both pods running", |s| running_pods(s, &key) == 2).await;
    let pods: Vec<ObjKey> = w.state.pods_of_job(&key).map(|p| p.key.clone()).collect();

    let delete = Action::new(ActionId::DeleteJob, &conn.context, vec![key.clone()])
        .with_options(Options::Delete { propagation: Propagation::Orphan });
    assert!(delete.confirmation(&w.state, chrono::Utc::now()).to_string().contains("stay, without an owner"));
    run(&delete, &conn.client).await;
    w.until("the Job gone and its pods orphaned", |s| {
        s.jobs.get(&key).is_none() && pods.iter().all(|p| s.pods.get(p).is_some_and(|p| p.job.is_none()))
    })
    .await;
    for pod in &pods {
        let p = w.state.pods.get(pod).unwrap();
        assert!(p.phase == "Running" && !p.deleting, "{pod} still runs: {} deleting={}", p.phase, p.deleting);
    }
}

/// Position of the first deletion of `key` in the update log.
fn deleted_at(log: &[Update], kind: Kind, key: &ObjKey) -> Option<usize> {
    log.iter().position(|u| matches!(u, Update::Deleted(id, k) if id.kind == kind && k == key))
}

/// The seed's drain experiment: a copy of job-pod-failure-policy-ignore on a
/// node of its own; the drain evicts its pods (DisruptionTarget), the Ignore
/// rule keeps the Job from failing, and it completes after uncordon.
#[tokio::test]
async fn draining_under_the_ignore_rule_does_not_fail_the_job() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "drain").await.with_node().await;
    let mut w = sb.watch();
    let node_key = ObjKey::new("", sb.node());
    w.until("the test node ready", |s| s.nodes.get(&node_key).is_some_and(|n| n.ready == Some(true))).await;

    let seed: Job = Api::namespaced(conn.client.clone(), "failure-policy")
        .get("job-pod-failure-policy-ignore")
        .await
        .expect("the sandbox's failure-policy/job-pod-failure-policy-ignore");
    let key = sb.create_job(copy_of(&seed, &sb)).await;
    w.until("both pods of the Job running on the test node", |s| running_pods(s, &key) == 2).await;
    let running: Vec<ObjKey> =
        w.state.pods_of_job(&key).filter(|p| p.phase == "Running").map(|p| p.key.clone()).collect();

    let drain = Action::new(ActionId::DrainNode, &conn.context, vec![node_key.clone()]).with_options(Options::Drain(
        DrainOptions { grace_period: Some(0), ignore_daemonsets: true, ..DrainOptions::default() },
    ));
    let words = drain.confirmation(&w.state, chrono::Utc::now()).to_string();
    assert!(
        words.contains(&format!("Cordons {}, then evicts its pods through the Eviction API", sb.node())),
        "{words}"
    );
    assert!(words.contains("its podFailurePolicy ignores the disruption"), "{words}");

    let (tx, mut rx) = mpsc::unbounded_channel();
    let outcome = drain.execute(&conn.client, Writes::Allowed, ProgressSink::new(tx, CancellationToken::new())).await;
    assert!(outcome.ok(), "{}", outcome.summary());
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    for pod in &running {
        let name = pod.to_string();
        assert!(
            events.iter().any(|e| matches!(e, ProgressEvent::Drain(DrainEvent::Evicted { pod }) if *pod == name)),
            "progress reported {name} evicted: {events:?}"
        );
    }
    assert!(matches!(events.last(), Some(ProgressEvent::Step(s)) if s.result.is_ok()));

    w.until("the evicted pods gone and replacements waiting for the cordoned node", |s| {
        running.iter().all(|p| s.pods.get(p).is_none())
            && s.pods_of_job(&key).any(|p| p.phase == "Pending" && !p.deleting && !running.contains(&p.key))
    })
    .await;
    for pod in &running {
        assert!(w.log.iter().any(|u| is_disrupted(u, pod)), "the watch saw DisruptionTarget on the evicted {pod}");
    }
    let job = w.job(&key);
    assert_eq!(job.status.failed, 0, "evictions did not count as failures");
    assert!(!condition_true(&w.state, &key, "Failed") && !condition_true(&w.state, &key, "FailureTarget"));
    assert!(w.state.nodes.get(&node_key).unwrap().unschedulable, "the node stays cordoned");

    run(&Action::new(ActionId::UncordonNode, &conn.context, vec![node_key]), &conn.client).await;
    w.until("the Job completes after uncordon", |s| condition_true(s, &key, "Complete")).await;
    assert_eq!(w.job(&key).status.failed, 0);
}

/// Says where a test is when E2E_DEBUG is set (with --nocapture).
fn note(what: &str) {
    if std::env::var_os("E2E_DEBUG").is_some() {
        eprintln!("== {what}");
    }
}

fn is_disrupted(update: &Update, pod: &ObjKey) -> bool {
    matches!(update, Update::Applied(_, model::Object::Pod(p))
        if p.key == *pod && p.conditions.iter().any(|c| c.type_ == "DisruptionTarget" && c.is_true()))
}

/// The seed Job's spec, pinned to the test's node, with fresh labels and selector.
fn copy_of(seed: &Job, sb: &Sandbox) -> Job {
    let spec = seed.spec.clone().expect("job spec");
    let mut template = spec.template.clone();
    let meta = template.metadata.get_or_insert_with(ObjectMeta::default);
    // The controller's labels name the seed Job; the API sets ours.
    meta.labels = None;
    meta.annotations.get_or_insert_with(BTreeMap::new).insert("sandbox.batchtop.dev/run-duration".into(), "20s".into());
    sb.pin(&mut template);
    Job {
        metadata: ObjectMeta { name: seed.metadata.name.clone(), ..ObjectMeta::default() },
        spec: Some(JobSpec {
            completions: spec.completions,
            parallelism: spec.parallelism,
            backoff_limit: spec.backoff_limit,
            pod_failure_policy: spec.pod_failure_policy,
            template,
            ..JobSpec::default()
        }),
        status: None,
    }
}

/// A budget that allows no disruption: the drain says which pod it blocks and why.
#[tokio::test]
async fn a_budget_allowing_no_disruption_blocks_the_drain_and_says_why() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "pdb").await.with_node().await;
    let mut w = sb.watch();
    let node_key = ObjKey::new("", sb.node());
    w.until("the test node ready", |s| s.nodes.get(&node_key).is_some_and(|n| n.ready == Some(true))).await;

    let mut j = job("guarded", 1, 1, "10m");
    let template = &mut j.spec.as_mut().unwrap().template;
    template.metadata.as_mut().unwrap().labels = Some(BTreeMap::from([("app".to_string(), "guarded".to_string())]));
    sb.pin(template);
    let key = sb.create_job(j).await;
    let pdbs: Api<PodDisruptionBudget> = Api::namespaced(conn.client.clone(), &sb.ns);
    let pdb = PodDisruptionBudget {
        metadata: ObjectMeta { name: Some("guard".into()), ..ObjectMeta::default() },
        spec: Some(PodDisruptionBudgetSpec {
            min_available: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([("app".to_string(), "guarded".to_string())])),
                ..LabelSelector::default()
            }),
            ..PodDisruptionBudgetSpec::default()
        }),
        status: None,
    };
    pdbs.create(&PostParams::default(), &pdb).await.expect("create pdb");
    w.until("the guarded pod running", |s| running_pods(s, &key) == 1).await;
    let pod = w.state.pods_of_job(&key).next().unwrap().key.to_string();
    // The disruption controller has counted the pod: the budget now allows 0.
    let counted = await_condition(pdbs.clone(), "guard", |p: Option<&PodDisruptionBudget>| {
        p.and_then(|p| p.status.as_ref())
            .is_some_and(|s| s.current_healthy == Some(1) && s.disruptions_allowed == Some(0))
    });
    note("waiting for the budget's status");
    tokio::time::timeout(PATIENCE, counted).await.expect("the disruption controller counted the pod").unwrap();
    note("previewing the drain");

    // The preview (server-side dry run) already names the blocked pod, and changes nothing.
    let preview = Action::new(ActionId::DrainPreview, &conn.context, vec![node_key.clone()]);
    assert!(!preview.dangerous());
    let outcome = preview.execute(&conn.client, Writes::Allowed, ProgressSink::silent()).await;
    let text = outcome.steps[0].result.clone().unwrap_err();
    assert!(
        text.starts_with("dry run:") && text.contains(&format!("blocked {pod}")) && text.contains("guard"),
        "{text}"
    );
    let node: Node = Api::all(conn.client.clone()).get(sb.node()).await.unwrap();
    assert_ne!(node.spec.and_then(|s: NodeSpec| s.unschedulable), Some(true), "a preview does not cordon");

    note("draining");
    let drain = Action::new(ActionId::DrainNode, &conn.context, vec![node_key])
        .with_options(Options::Drain(DrainOptions { timeout: Duration::from_secs(3), ..DrainOptions::default() }));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let outcome = drain.execute(&conn.client, Writes::Allowed, ProgressSink::new(tx, CancellationToken::new())).await;
    assert!(!outcome.ok());
    let summary = outcome.steps[0].result.clone().unwrap_err();
    assert!(summary.contains(&format!("blocked {pod} (")), "{summary}");
    assert!(summary.contains("disruption budget guard needs 1 healthy pods"), "the budget's own words: {summary}");
    let mut blocked = 0;
    while let Ok(e) = rx.try_recv() {
        if let ProgressEvent::Drain(DrainEvent::Blocked { pod: note, .. }) = e {
            assert_eq!(note.pod, pod);
            blocked += 1;
        }
    }
    assert!(blocked >= 1, "every refusal is reported");
    let still: Pod = Api::namespaced(conn.client.clone(), &sb.ns).get(pod.split('/').nth(1).unwrap()).await.unwrap();
    assert!(still.metadata.deletion_timestamp.is_none(), "the guarded pod was not evicted");

    // A drain waiting on the budget stops when cancelled, saying what it did not do.
    note("draining again, then cancelling");
    let patient =
        drain.clone().with_options(Options::Drain(DrainOptions { timeout: PATIENCE, ..DrainOptions::default() }));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let client = conn.client.clone();
    let running = {
        let cancel = cancel.clone();
        tokio::spawn(async move { patient.execute(&client, Writes::Allowed, ProgressSink::new(tx, cancel)).await })
    };
    while let Some(e) = rx.recv().await {
        if matches!(e, ProgressEvent::Drain(DrainEvent::Blocked { .. })) {
            cancel.cancel();
            break;
        }
    }
    let outcome = tokio::time::timeout(PATIENCE, running).await.expect("the cancelled drain ends").unwrap();
    let summary = outcome.steps[0].result.clone().unwrap_err();
    assert!(summary.contains(&format!("cancelled before evicting {pod}")), "{summary}");
}

#[tokio::test]
async fn readonly_offers_nothing_dangerous_and_rbac_refusals_show_their_reason() {
    for kind in [Kind::Job, Kind::CronJob, Kind::Pod, Kind::Node] {
        assert!(offered(kind, true).all(|s| !s.dangerous), "read-only offers no dangerous action on {kind:?}");
        assert!(offered(kind, false).any(|s| s.dangerous));
    }

    let env = testkit::sandbox::env();
    let (limited_ctx, limited_ns) = (env.limited_context, env.limited_namespace);
    let limited = connect_as(&limited_ctx).await;
    let admin = admin().await;
    let ns = vec![Some(limited_ns.clone())];
    let mut cache = AccessCache::default();
    for spec in
        [ActionId::DeleteJob, ActionId::SuspendJob, ActionId::TriggerCronJob, ActionId::DeletePod].map(ActionId::spec)
    {
        match cache.check(&limited.client, &limited_ctx, spec, &ns).await {
            Availability::Unavailable(reason) => {
                assert!(reason.starts_with("RBAC: cannot "), "{reason}");
                assert!(reason.contains(&format!("in namespace {limited_ns} (context {limited_ctx})")), "{reason}");
            }
            other => panic!("{:?} should be unavailable to the limited user, was {other:?}", spec.id),
        }
        assert_eq!(cache.check(&admin.client, &admin.context, spec, &ns).await, Availability::Available);
    }
    let drain = ActionId::DrainNode.spec();
    assert!(matches!(cache.check(&limited.client, &limited_ctx, drain, &[None]).await,
        Availability::Unavailable(r) if r.contains("patch nodes cluster-wide")));
}

// ---- the whole path through the real console: key → RBAC → confirm → run → history

/// Waits (polling the API, which is the truth here) until `done` holds for the Job `name`.
async fn job_until(jobs: &Api<Job>, name: &str, what: &str, done: impl Fn(Option<&Job>) -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let job = jobs.get_opt(name).await.expect("read the Job");
        if done(job.as_ref()) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "gave up after {PATIENCE:?} waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The Jobs screen of `ns` with the row of `name` showing `status`.
fn job_row_shows(c: &Console, name: &str, status: &str) {
    c.wait_until(&format!("{name} {status}"), PATIENCE, |s| {
        let (_, rows) = s.size();
        (2..rows).map(|r| s.row(r)).find(|l| l.starts_with(name) && l.contains(status))
    });
}

/// Suspend, then delete, as an operator does it: the key opens the
/// confirmation, RBAC is checked and said, `y` runs it, the API shows the
/// change, the screen follows, and the history records how it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_suspends_then_deletes_a_job_through_its_confirmations() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "console").await;
    sb.create_job(job("worker", 2, 2, "10m")).await;
    let jobs: Api<Job> = Api::namespaced(conn.client.clone(), &sb.ns);
    let mut c = console(&["-n", &sb.ns]).spawn();
    job_row_shows(&c, "worker", "Running");

    c.press(&[Key::Char('S')]);
    c.wait_for_all(&["Confirm (changes the cluster)", "RBAC allows: patch", "y do it"]);
    c.press(&[Key::Char('y')]);
    job_until(&jobs, "worker", "spec.suspend true", |j| j.and_then(|j| j.spec.as_ref()?.suspend) == Some(true)).await;
    job_row_shows(&c, "worker", "Suspended");
    c.press(&[Key::Char('H')]);
    let entry = c.wait_until("the suspend in the history", PATIENCE, |s| {
        // The entry's first line ends with its context in brackets (the status bar's flash does not).
        s.text().lines().find(|l| l.contains("suspend Job") && l.contains(" [")).map(str::to_string)
    });
    assert!(entry.contains('✓') && entry.contains(&conn.context), "{entry}");
    c.press(&[Key::Esc]);
    c.wait_gone("Action history");

    c.press(&[Key::Char('D')]);
    c.wait_for_all(&["Confirm (changes the cluster)", "RBAC allows: delete", "propagation"]);
    c.press(&[Key::Char('y')]);
    job_until(&jobs, "worker", "the Job deleted", |j| j.is_none()).await;
    c.wait_for("Jobs [0]");
    c.press(&[Key::Char('H')]);
    // Newest first: the delete, then the suspend, both ended well.
    c.wait_until("both actions in the history, ended well", PATIENCE, |s| {
        let text = s.text();
        let entries: Vec<&str> = text.lines().filter(|l| l.contains("Job ") && l.contains('[')).collect();
        (entries.len() == 2 && entries.iter().all(|l| l.contains('✓'))).then_some(())
    });
}

/// Issue 10: a delete goes to the object the user confirmed. The Job is
/// deleted and recreated under the same name while the dialog is open: `y`
/// deletes nothing (a UID precondition), and the history says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_delete_spares_a_job_recreated_under_the_same_name() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "recreated").await;
    sb.create_job(job("worker", 2, 2, "10m")).await;
    let jobs: Api<Job> = Api::namespaced(conn.client.clone(), &sb.ns);
    let mut c = console(&["-n", &sb.ns]).spawn();
    job_row_shows(&c, "worker", "Running");
    c.press(&[Key::Char('D')]);
    c.wait_for_all(&["Confirm (changes the cluster)", "RBAC allows: delete"]);
    let old_uid = jobs.get("worker").await.unwrap().metadata.uid;
    jobs.delete("worker", &DeleteParams::foreground()).await.expect("delete behind the console's back");
    job_until(&jobs, "worker", "the first Job gone", |j| j.is_none()).await;
    sb.create_job(job("worker", 2, 2, "10m")).await;
    c.press(&[Key::Char('y')]);
    c.press(&[Key::Char('H')]);
    let entry = c.wait_until("the refused delete in the history", PATIENCE, |s| {
        s.text().contains("changed since it was confirmed").then(|| s.text())
    });
    let now = jobs.get_opt("worker").await.unwrap().expect("the new Job is still there");
    assert_ne!(now.metadata.uid, old_uid, "it is the recreated one");
    assert!(entry.contains("delete Job"), "{entry}");
}

/// Text pasted into the terminal (bracketed paste) is never taken for keys: a
/// paste of `Dy` opens nothing, and a pasted `y` does not confirm an open
/// delete. The Job is still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_paste_of_d_and_y_deletes_nothing() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "paste").await;
    sb.create_job(job("worker", 2, 2, "10m")).await;
    let jobs: Api<Job> = Api::namespaced(conn.client.clone(), &sb.ns);
    let mut c = console(&["-n", &sb.ns]).spawn();
    job_row_shows(&c, "worker", "Running");
    let paste = |text: &str| [b"\x1b[200~".as_slice(), text.as_bytes(), b"\x1b[201~"].concat();
    c.write(&paste("Dy"));
    c.wait_for("pasted text ignored");
    assert!(!c.text().contains("Confirm (changes the cluster)"), "a pasted D opens no dialog:\n{}", c.text());
    c.press(&[Key::Char('D')]);
    c.wait_for_all(&["Confirm (changes the cluster)", "RBAC allows: delete"]);
    c.write(&paste("y"));
    c.wait_for("pasted text ignored");
    std::thread::sleep(Duration::from_secs(1));
    assert!(c.text().contains("Confirm (changes the cluster)"), "the dialog is still open:\n{}", c.text());
    assert!(jobs.get_opt("worker").await.unwrap().is_some(), "the Job is still there");
    c.press(&[Key::Esc]);
}

/// A user RBAC refuses: the confirmation says why and offers no `y`; pressing
/// it anyway changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_refused_by_rbac_says_why_and_changes_nothing() {
    let env = testkit::sandbox::env();
    let conn = admin().await;
    let jobs: Api<Job> = Api::namespaced(conn.client.clone(), &env.limited_namespace);
    let mut c = console(&["--context", &env.limited_context, "-n", &env.limited_namespace]).spawn();
    job_row_shows(&c, "indexed-job", "Complete");
    c.press(&[Key::Char('D')]);
    let dialog = c.wait_for("not allowed: RBAC: cannot delete");
    assert!(!dialog.contains("y do it"), "no way to go ahead:\n{dialog}");
    c.press(&[Key::Char('y')]);
    std::thread::sleep(Duration::from_secs(1));
    assert!(jobs.get_opt("indexed-job").await.unwrap().is_some(), "the Job is still there");
    c.press(&[Key::Esc]);
    c.press(&[Key::Char('H')]);
    c.wait_for("No action yet in this session.");
}

/// A drain blocked by a disruption budget shows its progress pod by pod in
/// the history, and `x` cancels it: the node stays cordoned, the pod is not
/// evicted, and the history says what was not done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_drain_shows_progress_and_cancels() {
    let conn = admin().await;
    let sb = guarded_pod_on_a_node_of_its_own(&conn.client, "cdrain").await;
    let mut c = drain_through_the_console(&sb);
    c.press(&[Key::Char('x')]);
    let history = c.wait_for("cancelled before evicting");
    assert!(history.contains('✗'), "a cancelled drain did not end well:\n{history}");
    let node: Node = Api::all(conn.client.clone()).get(sb.node()).await.unwrap();
    assert_eq!(node.spec.and_then(|s: NodeSpec| s.unschedulable), Some(true), "the node stays cordoned");
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &sb.ns);
    let list = pods.list(&kube::api::ListParams::default()).await.unwrap();
    assert!(list.items.iter().all(|p| p.metadata.deletion_timestamp.is_none()), "no pod was evicted");
}

/// A console on `sb`'s namespace that drains its node (`X`, `y`) and waits
/// for the history, which opens by itself and shows the budget's refusal as
/// it happens.
fn drain_through_the_console(sb: &Sandbox) -> Console {
    let mut c = console(&["-n", &sb.ns]).spawn();
    job_row_shows(&c, "guarded", "Running");
    select_node_row(&mut c, sb.node());
    c.press(&[Key::Char('X')]);
    c.wait_for_all(&["Cordons", "RBAC allows", "y do it"]);
    c.press(&[Key::Char('y')]);
    c.wait_for_all(&["Action history", "running (x cancels)", "guard"]);
    c
}

/// On the Nodes screen, filters to `node` and waits for its row.
fn select_node_row(c: &mut Console, node: &str) {
    c.press(&[Key::Char('4'), Key::Char('/')]);
    c.type_text(node);
    c.press(&[Key::Enter]);
    c.wait_until("the test node's row", PATIENCE, |s| {
        let (_, rows) = s.size();
        (2..rows).find(|r| s.row(*r).starts_with(node))
    });
}

/// A namespace and a node of their own, with one running pod (Job `guarded`)
/// on the node that a disruption budget (`guard`) keeps from being evicted:
/// a drain of the node waits on it until cancelled or abandoned.
async fn guarded_pod_on_a_node_of_its_own(client: &Client, what: &str) -> Sandbox {
    let sb = Sandbox::new(client, what).await.with_node().await;
    let mut j = job("guarded", 1, 1, "10m");
    let template = &mut j.spec.as_mut().unwrap().template;
    template.metadata.as_mut().unwrap().labels = Some(BTreeMap::from([("app".to_string(), "guarded".to_string())]));
    sb.pin(template);
    sb.create_job(j).await;
    let pdbs: Api<PodDisruptionBudget> = Api::namespaced(client.clone(), &sb.ns);
    let pdb: PodDisruptionBudget = serde_json::from_value(json!({
        "metadata": {"name": "guard"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "guarded"}}}
    }))
    .unwrap();
    pdbs.create(&PostParams::default(), &pdb).await.expect("create pdb");
    let counted = await_condition(pdbs.clone(), "guard", |p: Option<&PodDisruptionBudget>| {
        p.and_then(|p| p.status.as_ref())
            .is_some_and(|s| s.current_healthy == Some(1) && s.disruptions_allowed == Some(0))
    });
    tokio::time::timeout(PATIENCE, counted).await.expect("the disruption controller counted the pod").unwrap();
    sb
}

/// Issue 10: quitting while a drain runs asks first. The first `q` leaves the
/// console running and says what quitting would abandon; the drain goes on
/// (its refusals still arrive); a second `q` quits, leaving the node cordoned
/// and the guarded pod where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_quitting_during_a_drain_asks_first() {
    let conn = admin().await;
    let sb = guarded_pod_on_a_node_of_its_own(&conn.client, "qdrain").await;
    let mut c = drain_through_the_console(&sb);
    // The history opened by itself; any key but j, k and x closes it.
    c.press(&[Key::Esc]);
    c.wait_gone("Action history");

    c.press(&[Key::Char('q')]);
    c.wait_for("q again quits and abandons it");
    assert!(c.wait_exit(Duration::from_secs(2)).is_none(), "the first q did not quit:\n{}", c.text());
    c.press(&[Key::Char('H')]);
    c.wait_for_all(&["running (x cancels)", "q again quits and abandons it"]);
    c.press(&[Key::Esc]);
    c.wait_gone("Action history");
    c.press(&[Key::Char('q')]);
    let status = c.wait_exit(Duration::from_secs(10)).expect("the second q quits");
    assert!(status.success(), "{status:?}");
    let node: Node = Api::all(conn.client.clone()).get(sb.node()).await.unwrap();
    assert_eq!(node.spec.and_then(|s: NodeSpec| s.unschedulable), Some(true), "abandoned where it was: cordoned");
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &sb.ns);
    let list = pods.list(&kube::api::ListParams::default()).await.unwrap();
    assert!(list.items.iter().all(|p| p.metadata.deletion_timestamp.is_none()), "no pod was evicted");
}

/// What a write by batchtop leaves on an object: its resourceVersion moves,
/// and its field manager appears in the managedFields.
fn written_by_batchtop(object: &serde_json::Value) -> bool {
    object["metadata"]["managedFields"]
        .as_array()
        .is_some_and(|fields| fields.iter().any(|f| f["manager"] == action::job::FIELD_MANAGER))
}

/// Issue 10: `--readonly` through the console. On a suspended Job (nothing
/// moves it) R and D, and on the node C and X, open no dialog and the status
/// bar says why; the drain preview (P) is computed from the view and says
/// nothing was sent. kubectl shows the Job with the same resourceVersion and
/// the node not cordoned, neither with a write of batchtop's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_readonly_writes_nothing_and_says_why() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "readonly").await.with_node().await;
    let mut held = job("held", 1, 1, "10m");
    held.spec.as_mut().unwrap().suspend = Some(true);
    sb.create_job(held).await;
    let get = |kind: &str, name: &str, ns: Option<&str>| {
        let mut args = vec!["get", kind, name];
        args.extend(ns.iter().flat_map(|ns| ["-n", *ns]));
        testkit::sandbox::kubectl_json(&args)
    };
    let job_before = get("job", "held", Some(&sb.ns));

    let mut c = console(&["--readonly", "-n", &sb.ns]).spawn();
    job_row_shows(&c, "held", "Suspended");
    for (key, name) in [('R', "resume"), ('D', "delete")] {
        c.press(&[Key::Char(key)]);
        c.wait_for(&format!("{name}: refused: read-only mode"));
        assert!(!c.text().contains("Confirm (changes the cluster)"), "{key} opened a dialog:\n{}", c.text());
    }
    select_node_row(&mut c, sb.node());
    for (key, name) in [('C', "cordon"), ('X', "drain")] {
        c.press(&[Key::Char(key)]);
        c.wait_for(&format!("{name}: refused: read-only mode"));
        assert!(!c.text().contains("Confirm (changes the cluster)"), "{key} opened a dialog:\n{}", c.text());
    }
    c.press(&[Key::Char('P')]);
    c.wait_for("y do it");
    c.press(&[Key::Char('y')]);
    c.wait_for_all(&["Action history", "nothing sent"]);
    c.press(&[Key::Esc]);
    c.wait_gone("Action history");
    c.press(&[Key::Char('q')]);
    assert!(c.wait_exit(Duration::from_secs(10)).is_some_and(|s| s.success()), "q quits");

    let job_after = get("job", "held", Some(&sb.ns));
    assert_eq!(
        job_after["metadata"]["resourceVersion"], job_before["metadata"]["resourceVersion"],
        "the Job is unchanged"
    );
    assert_eq!(job_after["spec"]["suspend"], true);
    assert!(!written_by_batchtop(&job_after), "{job_after:#}");
    let node = get("node", sb.node(), None);
    assert_ne!(node["spec"]["unschedulable"], true, "the node is not cordoned");
    assert!(!written_by_batchtop(&node), "{node:#}");
}

// ---- preconditions: a patch goes to the object confirmed, not to a namesake

/// Deletes the object `name` and waits until the API no longer has it.
async fn delete_and_wait<K>(api: &Api<K>, name: &str)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.delete(name, &DeleteParams::background()).await.expect("delete behind the action's back");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while api.get_opt(name).await.expect("read it").is_some() {
        assert!(tokio::time::Instant::now() < deadline, "{name} not gone within {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A CronJob that would run once a year: only the test changes it.
fn yearly_cronjob(name: &str) -> CronJob {
    serde_json::from_value(json!({
        "metadata": { "name": name },
        "spec": {
            "schedule": "0 0 1 1 *",
            "jobTemplate": { "spec": { "template": { "spec": {
                "restartPolicy": "Never",
                "containers": [{ "name": "main", "image": "busybox:1.36" }]
            } } } }
        }
    }))
    .unwrap()
}

/// Issue 10: suspend (a Job, a CronJob) and cordon (a node) carry the UID
/// seen when they were confirmed. Each object is deleted and recreated under
/// its name before the action runs: the API server refuses every patch, each
/// refusal is the one line that says why, and the namesakes are unchanged.
/// Confirmed again on what the watches now show, the same actions go through.
#[tokio::test]
async fn patches_confirmed_on_an_object_spare_its_namesake() {
    let conn = admin().await;
    let sb = Sandbox::new(&conn.client, "stale").await.with_node().await;
    let mut w = sb.watch();
    let job_key = sb.create_job(job("worker", 1, 1, "10m")).await;
    let cronjobs: Api<CronJob> = Api::namespaced(conn.client.clone(), &sb.ns);
    cronjobs.create(&PostParams::default(), &yearly_cronjob("yearly")).await.expect("create cronjob");
    let (cj_key, node_key) = (sb.key("yearly"), ObjKey::new("", sb.node()));
    w.until("the Job, the CronJob and the node in view", |s| {
        s.jobs.get(&job_key).is_some() && s.cronjobs.get(&cj_key).is_some() && s.nodes.get(&node_key).is_some()
    })
    .await;
    let confirm = |w: &Watched| {
        [
            Action::new(ActionId::SuspendJob, &conn.context, vec![job_key.clone()]),
            Action::new(ActionId::SuspendCronJob, &conn.context, vec![cj_key.clone()]),
            Action::new(ActionId::CordonNode, &conn.context, vec![node_key.clone()]),
        ]
        .map(|a| a.seen_in(&w.state))
    };
    let stale = confirm(&w);
    assert!(stale.iter().all(|a| a.seen.len() == 1), "each action carries its target's UID: {stale:?}");

    let jobs: Api<Job> = Api::namespaced(conn.client.clone(), &sb.ns);
    let nodes: Api<Node> = Api::all(conn.client.clone());
    delete_and_wait(&jobs, "worker").await;
    sb.create_job(job("worker", 1, 1, "10m")).await;
    delete_and_wait(&cronjobs, "yearly").await;
    cronjobs.create(&PostParams::default(), &yearly_cronjob("yearly")).await.expect("recreate cronjob");
    delete_and_wait(&nodes, sb.node()).await;
    sb.create_node().await;

    for action in &stale {
        let outcome = action.execute(&conn.client, Writes::Allowed, ProgressSink::silent()).await;
        let refusal = outcome.steps[0].result.clone().expect_err("a namesake is not patched");
        assert_eq!(refusal, action::CHANGED_SINCE_CONFIRMED, "{}: one clear line", action.describe());
    }
    let job_now = jobs.get("worker").await.unwrap();
    assert_ne!(job_now.spec.as_ref().unwrap().suspend, Some(true), "the new Job runs on");
    let cj_now = cronjobs.get("yearly").await.unwrap();
    assert_ne!(cj_now.spec.suspend, Some(true), "the new CronJob is not suspended");
    let node_now = nodes.get(sb.node()).await.unwrap();
    assert_ne!(node_now.spec.as_ref().unwrap().unschedulable, Some(true), "the new node is not cordoned");

    let uids = [job_now.metadata.uid, cj_now.metadata.uid, node_now.metadata.uid].map(Option::unwrap);
    w.until("the namesakes in view", |s| {
        s.jobs.get(&job_key).is_some_and(|j| j.uid == uids[0])
            && s.cronjobs.get(&cj_key).is_some_and(|c| c.uid == uids[1])
            && s.nodes.get(&node_key).is_some_and(|n| n.uid == uids[2])
    })
    .await;
    for action in &confirm(&w) {
        run(action, &conn.client).await;
    }
    assert_eq!(jobs.get("worker").await.unwrap().spec.unwrap().suspend, Some(true));
    assert_eq!(cronjobs.get("yearly").await.unwrap().spec.suspend, Some(true));
    assert_eq!(nodes.get(sb.node()).await.unwrap().spec.unwrap().unschedulable, Some(true));
}
