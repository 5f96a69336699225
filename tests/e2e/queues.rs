//! End-to-end: the queue sources against the sandbox's real Redis and
//! RabbitMQ, beside the real watches, as the console runs them.
//!
//! Needs the sandbox: `tests/sandbox/sandbox up --scenarios all` and
//! `eval "$(tests/sandbox/sandbox env)"`. Without its environment every test
//! fails with that instruction.
//!
//! The seed scenarios may have finished long before these tests run, so each
//! test makes its own fresh namespace, Jobs and queues (names carry the
//! process id), and removes them at the end: the tests do not depend on
//! each other or on their order. The broker-restart test stops Redis and
//! RabbitMQ; it holds the write side of [`BROKERS`] so the other tests of this
//! file do not run meanwhile.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::*;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::{DeleteParams, PostParams};
use lapin::options::{BasicGetOptions, BasicPublishOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection as Amqp, ConnectionProperties};
use model::queue::{self, QueueHealth, QueueKey, QueueStatus, QueueUpdate, Queues, SourceHealth, WarningKind};
use model::scope::{Namespaces, Scope};
use model::settings::Config;
use model::{Kind, ObjKey, State, Update};
use source::cluster::Cluster;
use source::kube::{WatchHandles, spawn_watches};
use source::queues::QueueSources;
use testkit::sandbox::*;
use tokio::sync::mpsc;

/// The broker-restart test stops the brokers: it takes the write side.
static BROKERS: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// The sandbox's broker addresses, or a panic saying how to get them.
// They are all URLs, named like the variables they come from: dropping `_url` would hide that.
#[allow(clippy::struct_field_names)]
struct Brokers {
    redis_url: String,
    amqp_url: String,
    /// Management API base URL (with credentials).
    api_url: String,
}

fn brokers() -> Brokers {
    env(); // KUBECONFIG first, with its instructions
    let var = |name: &str| {
        std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| {
            panic!("{name} is not set: run `eval \"$(tests/sandbox/sandbox env)\"` with the sandbox up")
        })
    };
    Brokers {
        redis_url: var("BATCHTOP_REDIS_URL"),
        amqp_url: var("BATCHTOP_AMQP_URL"),
        api_url: var("BATCHTOP_RABBITMQ_API"),
    }
}

fn host_port(url: &str) -> String {
    let u = url::Url::parse(url).expect("broker URL");
    format!("{}:{}", u.host_str().unwrap(), u.port().unwrap())
}

/// A config like the sandbox's, with the given queues, written in TOML so the
/// test goes through the same parser users do.
fn test_config(
    b: &Brokers,
    redis_lists: &[&str],
    rabbit_queues: &[&str],
    links: &[(&str, &str, &str, &str)],
) -> Config {
    let list = |xs: &[&str]| xs.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", ");
    let mut text = format!(
        "refresh = \"500ms\"\n\
         [hosts]\n\"rabbitmq-service:5672\" = \"{}\"\n\"redis:6379\" = \"{}\"\n\
         [[rabbitmq]]\nname = \"rabbitmq\"\nurl_env = \"BATCHTOP_AMQP_URL\"\nmanagement_url_env = \"BATCHTOP_RABBITMQ_API\"\nqueues = [{}]\n\
         [[redis]]\nname = \"redis\"\nurl_env = \"BATCHTOP_REDIS_URL\"\nlists = [{}]\nrediswq = true\n",
        host_port(&b.amqp_url),
        host_port(&b.redis_url),
        list(rabbit_queues),
        list(redis_lists),
    );
    for (ns, job, source, queue) in links {
        text.push_str(&format!(
            "[[link]]\nnamespace = {ns:?}\njob = {job:?}\nsource = {source:?}\nqueue = {queue:?}\n"
        ));
    }
    let (config, problems) = config::parse(&text, Path::new("e2e.toml"), &|n| std::env::var(n).ok());
    assert!(problems.is_empty(), "{problems:?}\n{text}");
    config
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The console's loop, minus the terminal: watches and queue sources feed a
/// State and a Queues; Jobs changing re-plans the queue sources.
struct Monitor {
    state: State,
    queues: Queues,
    config: Config,
    kube_rx: mpsc::Receiver<Update>,
    queue_rx: mpsc::Receiver<QueueUpdate>,
    sources: QueueSources,
    _watches: WatchHandles,
    _keda: AbortOnDrop,
    client: kube::Client,
    /// Successful polls per source.
    polls: BTreeMap<String, u64>,
    /// Every update seen, in order, per source: for "reconnecting, then ok".
    history: Vec<(String, &'static str)>,
}

impl Monitor {
    async fn start(config: Config, namespaces: &[&str]) -> (Monitor, Cluster) {
        let (live, conn) =
            Live::start(&env().context, Scope { namespaces: Namespaces::All, selector: None, kinds: vec![] }).await;
        drop(live);
        let scope = Scope {
            namespaces: Namespaces::Only(namespaces.iter().map(std::string::ToString::to_string).collect()),
            selector: None,
            kinds: vec![Kind::Job, Kind::Pod],
        };
        let (tx, kube_rx) = mpsc::channel(4096);
        let watches = spawn_watches(&conn.client, &scope, tx);
        let (qtx, queue_rx) = mpsc::channel(64);
        let keda = source::keda::spawn(conn.client.clone(), scope.namespaces.clone(), qtx.clone());
        let mut m = Monitor {
            state: State::default(),
            queues: Queues::from_config(&config),
            sources: QueueSources::new(qtx, config.refresh),
            config,
            kube_rx,
            queue_rx,
            _watches: watches,
            _keda: AbortOnDrop(keda),
            client: conn.client.clone(),
            polls: BTreeMap::new(),
            history: Vec::new(),
        };
        m.replan();
        (m, conn)
    }

    /// As the console: plan, and with `allow_secrets` read the Secret keys linking needs, then plan again.
    async fn replan_reading_secrets(&mut self) {
        self.replan();
        let wanted = queue::secrets_wanted(&self.config, self.state.jobs.values());
        if wanted.iter().any(|k| !self.queues.secrets.contains_key(k)) {
            let values = source::secrets::read(&self.client, &wanted).await;
            if !values.is_empty() && self.queues.apply(QueueUpdate::Secrets(values)) {
                self.replan();
            }
        }
    }

    fn replan(&mut self) {
        let q = &self.queues;
        let plan = queue::plan_full(&self.config, self.state.jobs.values(), &q.scaled_jobs, &q.secrets);
        for u in self.sources.apply(&plan) {
            self.queues.apply(u);
        }
        self.queues.set_links(plan.links);
    }

    /// Applies updates until `ready` holds, or panics at the deadline with the queues.
    async fn until<T>(&mut self, what: &str, mut ready: impl FnMut(&Monitor) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if let Some(found) = ready(self) {
                return found;
            }
            tokio::select! {
                Some(u) = self.kube_rx.recv() => {
                    let job = matches!(&u, Update::Applied(id, _) | Update::Deleted(id, _) | Update::ListDone(id) if id.kind == Kind::Job);
                    self.state.apply(u, chrono::Utc::now());
                    if job {
                        self.replan_reading_secrets().await;
                    }
                }
                Some(u) = self.queue_rx.recv() => self.queue_update(u),
                () = tokio::time::sleep_until(deadline) => {
                    panic!("{what}: not reached within {DEADLINE:?}\nsources: {:#?}\nqueues: {:#?}", self.queues.sources, self.queues.summaries())
                }
            }
        }
    }

    fn queue_update(&mut self, u: QueueUpdate) {
        let (source, word) = match &u {
            QueueUpdate::Polled { source, .. } => (source.clone(), "polled"),
            QueueUpdate::Failed { source, .. } => (source.clone(), "failed"),
            QueueUpdate::Started { source, .. } => (source.clone(), "started"),
            QueueUpdate::Stopped { source } => (source.clone(), "stopped"),
            QueueUpdate::ScaledJobs(_) => ("keda".to_string(), "scaledjobs"),
            QueueUpdate::Secrets(_) => ("secrets".to_string(), "secrets"),
        };
        let keda = matches!(u, QueueUpdate::ScaledJobs(_));
        self.queues.apply(u);
        if keda {
            self.replan();
        }
        if word == "polled" {
            *self.polls.entry(source.clone()).or_default() += 1;
            self.queues.note_poll(&source, &self.state.jobs);
        }
        self.history.push((source, word));
    }

    fn poll_count(&self, source: &str) -> u64 {
        self.polls.get(source).copied().unwrap_or(0)
    }

    /// Waits for `n` more successful polls of `source`.
    async fn polls(&mut self, source: &str, n: u64) {
        let target = self.poll_count(source) + n;
        self.until(&format!("{n} polls of {source}"), |m| (m.poll_count(source) >= target).then_some(())).await;
    }

    fn queue(&self, source: &str, name: &str) -> Option<&queue::QueueState> {
        self.queues.by_key.get(&QueueKey::new(source, name))
    }

    fn warnings(&self) -> Vec<queue::QueueWarning> {
        self.queues.warnings(&self.state.jobs)
    }
}

// ---- brokers, as a test harness writes them (batchtop never does) -------------

async fn redis_conn(b: &Brokers) -> redis::aio::MultiplexedConnection {
    redis::Client::open(b.redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("connect to the sandbox's Redis")
}

async fn amqp_channel(b: &Brokers) -> (Amqp, lapin::Channel) {
    let conn =
        Amqp::connect(&b.amqp_url, ConnectionProperties::default()).await.expect("connect to the sandbox's RabbitMQ");
    let ch = conn.create_channel().await.unwrap();
    (conn, ch)
}

/// Declares `queue` (durable) afresh and publishes `bodies` persistently.
async fn publish(b: &Brokers, queue: &str, bodies: &[&[u8]], fresh: bool) {
    let (conn, ch) = amqp_channel(b).await;
    if fresh {
        let _ = ch.queue_delete(queue.into(), QueueDeleteOptions::default()).await;
    }
    ch.queue_declare(queue.into(), QueueDeclareOptions { durable: true, ..Default::default() }, FieldTable::default())
        .await
        .unwrap();
    for body in bodies {
        ch.basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            body,
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    }
    let _ = conn.close(200, "bye".into()).await;
}

async fn delete_queue(b: &Brokers, queue: &str) {
    let (conn, ch) = amqp_channel(b).await;
    let _ = ch.queue_delete(queue.into(), QueueDeleteOptions::default()).await;
    let _ = conn.close(200, "bye".into()).await;
}

/// A fresh namespace for one test, deleted at the end.
async fn namespace(conn: &Cluster, name: &str) {
    let api: Api<Namespace> = Api::all(conn.client.clone());
    let _ = api.delete(name, &DeleteParams::background()).await;
    // Wait for a previous run's namespace to go away.
    for _ in 0..120 {
        match api.get_opt(name).await.unwrap() {
            None => break,
            Some(_) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
        }
    }
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap();
    api.create(&PostParams::default(), &ns).await.expect("create the test namespace");
}

async fn drop_namespace(conn: &Cluster, name: &str) {
    let api: Api<Namespace> = Api::all(conn.client.clone());
    let _ = api.delete(name, &DeleteParams::background()).await;
}

/// A Job in the seed's shape (job-wq-1 or job-wq-2), for the worker simulator.
async fn create_job(conn: &Cluster, ns: &str, job: serde_json::Value) {
    let api: Api<Job> = Api::namespaced(conn.client.clone(), ns);
    let job: Job = serde_json::from_value(job).unwrap();
    api.create(&PostParams::default(), &job).await.expect("create Job");
}

fn amqp_job(name: &str, queue: &str, completions: i32, consume: bool) -> serde_json::Value {
    let (labels, annotations) = if consume {
        (serde_json::json!({"sandbox.batchtop.dev/worker": "amqp-consume"}), serde_json::json!({}))
    } else {
        // Pods that run for an hour and consume nothing: the mismatch stays.
        (serde_json::json!({}), serde_json::json!({"sandbox.batchtop.dev/run-duration": "1h"}))
    };
    serde_json::json!({
        "metadata": {"name": name},
        "spec": {
            "completions": completions,
            "parallelism": 2,
            "template": {
                "metadata": {"labels": labels, "annotations": annotations},
                "spec": {
                    "containers": [{
                        "name": "c",
                        "image": "gcr.io/project/job-wq-1",
                        "env": [
                            {"name": "BROKER_URL", "value": "amqp://guest:guest@rabbitmq-service:5672"},
                            {"name": "QUEUE", "value": queue}
                        ]
                    }],
                    "restartPolicy": "OnFailure"
                }
            }
        }
    })
}

fn rediswq_job(name: &str, list: &str) -> serde_json::Value {
    serde_json::json!({
        "metadata": {"name": name},
        "spec": {
            "parallelism": 2,
            "template": {
                "metadata": {
                    "labels": {"sandbox.batchtop.dev/worker": "rediswq"},
                    "annotations": {"sandbox.batchtop.dev/redis-queue": list, "sandbox.batchtop.dev/redis-host": "redis"}
                },
                "spec": {
                    "containers": [{"name": "c", "image": "gcr.io/myproject/job-wq-2"}],
                    "restartPolicy": "OnFailure"
                }
            }
        }
    })
}

fn unique(name: &str) -> String {
    format!("{E2E_NAMESPACE_PREFIX}{}-{name}", std::process::id())
}

// ---- the tests ------------------------------------------------------------------

/// Copies of job-wq-1 (RabbitMQ, linked from its own pod env through the host
/// map, no [[link]]) and job-wq-2 (rediswq, linked by [[link]]): both linked,
/// their depths fall while the worker simulator works, and reach 0 when the
/// Jobs complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_queues_link_to_their_jobs_and_drain_to_zero() {
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let ns = unique("drain");
    let (q1, q2) = (unique("job1"), unique("job2"));
    let items: Vec<&[u8]> = vec![b"apple", b"banana", b"cherry", b"date", b"fig", b"grape", b"lemon", b"melon"];
    publish(&b, &q1, &items, true).await;
    let mut r = redis_conn(&b).await;
    let _: () = redis::cmd("DEL").arg(&q2).arg(format!("{q2}:processing")).query_async(&mut r).await.unwrap();
    let fruit = ["apple", "banana", "cherry", "date", "fig", "grape", "lemon", "melon", "orange"];
    let _: () = redis::cmd("RPUSH").arg(&q2).arg(&fruit[..]).query_async(&mut r).await.unwrap();

    let config = test_config(&b, &[], &[], &[(&ns, "job-wq-2", "redis", &q2)]);
    let (mut m, conn) = Monitor::start(config, &[&ns]).await;
    // Before the Jobs exist, the queues are full (and not yet polled: no links).
    namespace(&conn, &ns).await;
    create_job(&conn, &ns, amqp_job("job-wq-1", &q1, 8, true)).await;
    create_job(&conn, &ns, rediswq_job("job-wq-2", &q2)).await;
    let (j1, j2) = (ObjKey::new(&ns, "job-wq-1"), ObjKey::new(&ns, "job-wq-2"));
    let (k1, k2) = (QueueKey::new("rabbitmq", &q1), QueueKey::new("redis", &q2));

    m.until("both Jobs linked to their queues", |m| {
        (m.queues.linked_jobs(&k1).any(|j| *j == j1) && m.queues.linked_jobs(&k2).any(|j| *j == j2)).then_some(())
    })
    .await;
    assert_eq!(
        m.queues.queues_of_job(&j1).collect::<Vec<_>>(),
        vec![&k1],
        "job1 linked from its env to the configured source"
    );
    let first = |m: &Monitor, k: &QueueKey| m.queues.by_key[k].history.front().map(model::queue::Sample::left);
    let (start1, start2) = m
        .until("first samples", |m| {
            let a = m.queues.by_key.get(&k1).and_then(|q| q.history.front().map(model::queue::Sample::left))?;
            let b = m.queues.by_key.get(&k2).and_then(|q| q.history.front().map(model::queue::Sample::left))?;
            Some((a, b))
        })
        .await;
    assert!(start1 > 0 && start2 > 0, "the queues start with work: {start1} {start2}");
    m.until("job1's depth falls", |m| (m.queue("rabbitmq", &q1)?.items_left()? < start1).then_some(())).await;
    m.until("job2's depth falls", |m| (m.queue("redis", &q2)?.items_left()? < start2).then_some(())).await;
    m.until("both Jobs complete with empty queues", |m| {
        let done = |k: &ObjKey| m.state.jobs.get(k).is_some_and(|j| j.condition_true("Complete"));
        let empty = |s: &str, q: &str| {
            m.queue(s, q).is_some_and(|q| q.reading.ready == Some(0) && q.reading.in_flight == Some(0))
        };
        (done(&j1) && done(&j2) && empty("rabbitmq", &q1) && empty("redis", &q2)).then_some(())
    })
    .await;
    // The history saw them fall: oldest sample above the newest.
    assert!(first(&m, &k1).unwrap() >= m.queues.by_key[&k1].history.back().unwrap().left());
    assert!(m.warnings().iter().all(|w| w.queue != k1 && w.queue != k2), "{:#?}", m.warnings());
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &q1).await;
    let _: () = redis::cmd("DEL").arg(&q2).query_async(&mut r).await.unwrap();
}

/// An item in `<q>:processing` with no lease key is flagged stuck and named;
/// an item with a lease is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphaned_lease_is_flagged_stuck_with_the_item_named() {
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let q = unique("orphan");
    let processing = format!("{q}:processing");
    let mut r = redis_conn(&b).await;
    let leased = b"pear".to_vec();
    let lease_key = source::queues::redis::lease_key(&q, &leased);
    let _: () = redis::cmd("DEL").arg(&q).arg(&processing).arg(&lease_key).query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("RPUSH").arg(&q).arg("mango").arg("papaya").query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("LPUSH").arg(&processing).arg("kiwi").arg(&leased).query_async(&mut r).await.unwrap();
    let _: () =
        redis::cmd("SET").arg(&lease_key).arg("session-1").arg("EX").arg(600).query_async(&mut r).await.unwrap();

    let (mut m, _conn) = Monitor::start(test_config(&b, &[&q], &[], &[]), &["default"]).await;
    let key = QueueKey::new("redis", &q);
    let w = m
        .until("the orphaned lease warning", |m| {
            m.warnings().into_iter().find(|w| w.queue == key && w.kind == WarningKind::OrphanedLease)
        })
        .await;
    assert!(w.message.contains("\"kiwi\"") && w.message.starts_with("stuck"), "{}", w.message);
    assert!(w.is_stuck());
    let state = m.queue("redis", &q).unwrap();
    assert_eq!((state.reading.ready, state.reading.in_flight, state.orphaned()), (Some(2), Some(2), 1));
    let pear = state.leases().iter().find(|l| l.item == "pear").expect("the leased item is listed");
    assert_eq!(pear.owner.as_deref(), Some("session-1"));
    assert!(!state.is_orphaned(pear) && pear.ttl_ms.is_some_and(|t| t > 0));
    let summary = m.queues.summaries().into_iter().find(|s| s.name == q).unwrap();
    assert_eq!(summary.orphaned, 1);
    let _: () = redis::cmd("DEL").arg(&q).arg(&processing).arg(&lease_key).query_async(&mut r).await.unwrap();
}

/// A configured queue that does not exist shows "not found" in every poll
/// while the other queues of the same connection keep updating.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_queue_is_not_found_while_the_others_update() {
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let (present, missing) = (unique("present"), unique("missing"));
    delete_queue(&b, &missing).await;
    publish(&b, &present, &[b"one"], true).await;
    let (mut m, _conn) = Monitor::start(test_config(&b, &[], &[&missing, &present], &[]), &["default"]).await;
    m.until("present has 1, missing not found", |m| {
        let p = m.queue("rabbitmq", &present)?;
        let x = m.queue("rabbitmq", &missing)?;
        (p.reading.ready == Some(1) && x.reading.status == QueueStatus::NotFound).then_some(())
    })
    .await;
    publish(&b, &present, &[b"two", b"three"], false).await;
    m.until("present updates to 3", |m| (m.queue("rabbitmq", &present)?.reading.ready == Some(3)).then_some(())).await;
    assert_eq!(m.queue("rabbitmq", &missing).unwrap().reading.status, QueueStatus::NotFound);
    assert_eq!(m.queues.sources["rabbitmq"].health, SourceHealth::Ok, "a 404 must not disturb the connection");
    assert!(!m.history.iter().any(|(s, w)| s == "rabbitmq" && *w == "failed"), "no poll failed: {:?}", m.history);
    let health = m.queues.summaries().into_iter().find(|s| s.name == missing).unwrap().health;
    assert_eq!(health, QueueHealth::NotFound);
    delete_queue(&b, &present).await;
}

/// Completions 5 fed by 8 items, and completions 10 fed by 8: each raises
/// its warning, on the Job and the queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_mismatches_raise_their_warnings() {
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let ns = unique("mismatch");
    let (short, long) = (unique("short"), unique("long"));
    let eight: Vec<&[u8]> = vec![b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8"];
    publish(&b, &short, &eight, true).await;
    publish(&b, &long, &eight, true).await;
    let (mut m, conn) = Monitor::start(test_config(&b, &[], &[], &[]), &[&ns]).await;
    namespace(&conn, &ns).await;
    create_job(&conn, &ns, amqp_job("job-short", &short, 5, false)).await;
    create_job(&conn, &ns, amqp_job("job-long", &long, 10, false)).await;
    let (js, jl) = (ObjKey::new(&ns, "job-short"), ObjKey::new(&ns, "job-long"));
    let (below, above) = m
        .until("both mismatch warnings", |m| {
            let ws = m.warnings();
            let find = |kind, job: &ObjKey| ws.iter().find(|w| w.kind == kind && w.jobs.contains(job)).cloned();
            Some((find(WarningKind::CompletionsBelowItems, &js)?, find(WarningKind::CompletionsAboveItems, &jl)?))
        })
        .await;
    assert_eq!(below.queue, QueueKey::new("rabbitmq", &short));
    assert!(below.message.contains("3 item(s) will never be processed"), "{}", below.message);
    assert_eq!(above.queue, QueueKey::new("rabbitmq", &long));
    assert!(above.message.contains("2 pod(s) will block waiting for work"), "{}", above.message);
    // The same in --once's report form: on the Jobs.
    let report = queue::as_warnings(&m.warnings());
    assert!(report.iter().any(|w| w.object == format!("Job {js}")));
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &short).await;
    delete_queue(&b, &long).await;
}

/// Snapshot of everything a test queue holds, with read commands only.
#[derive(Debug, PartialEq)]
struct Contents {
    /// Redis: key → (TYPE, DUMP bytes, PTTL).
    redis: BTreeMap<String, (String, Vec<u8>, i64)>,
    /// RabbitMQ (management API): counts, bytes and message counters.
    rabbit: serde_json::Value,
}

async fn contents(b: &Brokers, prefix: &str, rabbit_queue: &str) -> Contents {
    let mut r = redis_conn(b).await;
    let mut keys = BTreeSet::new();
    let mut cursor = 0u64;
    loop {
        let (next, found): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut r)
            .await
            .unwrap();
        keys.extend(found);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let mut redis = BTreeMap::new();
    for k in keys {
        let t: String = redis::cmd("TYPE").arg(&k).query_async(&mut r).await.unwrap();
        let d: Vec<u8> = redis::cmd("DUMP").arg(&k).query_async(&mut r).await.unwrap();
        let p: i64 = redis::cmd("PTTL").arg(&k).query_async(&mut r).await.unwrap();
        redis.insert(k, (t, d, p));
    }
    let api = url::Url::parse(&b.api_url).unwrap();
    let base = b.api_url.trim_end_matches('/').trim_end_matches("/api").to_string();
    let base = url::Url::parse(&base).unwrap();
    let mut plain = base.clone();
    let _ = plain.set_username("");
    let _ = plain.set_password(None);
    let columns = "messages,messages_ready,messages_unacknowledged,message_bytes,message_bytes_ready,\
        message_stats.publish,message_stats.deliver_get,message_stats.redeliver,message_stats.ack,message_stats.get";
    let rabbit = reqwest::Client::new()
        .get(format!("{}/api/queues/%2F/{rabbit_queue}", plain.as_str().trim_end_matches('/')))
        .query(&[("columns", columns)])
        .basic_auth(api.username(), api.password())
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    Contents { redis, rabbit }
}

/// After monitoring for a while, every queue's contents are byte for byte
/// what they were: the Redis keys (DUMP), the RabbitMQ queue's counts and
/// message counters, and finally its messages themselves, in order and never
/// delivered before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_leaves_every_queue_byte_for_byte_unchanged() {
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let prefix = unique("same");
    let (list, rabbit_q) = (format!("{prefix}-list"), format!("{prefix}-rabbit"));
    let processing = format!("{list}:processing");
    let leased: &[u8] = b"\x00leased\xff";
    let lease_key = source::queues::redis::lease_key(&list, leased);
    let mut r = redis_conn(&b).await;
    let _: () = redis::cmd("DEL").arg(&list).arg(&processing).arg(&lease_key).query_async(&mut r).await.unwrap();
    let items: Vec<&[u8]> = vec![b"plain", b"\x1b[2J\x07hostile", "ünïcode ✓".as_bytes(), b"\x00\x01\xfe\xff"];
    let _: () = redis::cmd("RPUSH").arg(&list).arg(&items[..]).query_async(&mut r).await.unwrap();
    let _: () =
        redis::cmd("LPUSH").arg(&processing).arg(leased).arg(b"orphan".as_slice()).query_async(&mut r).await.unwrap();
    // No expiry, so the snapshot does not move by itself.
    let _: () = redis::cmd("SET").arg(&lease_key).arg("session-x").query_async(&mut r).await.unwrap();
    publish(&b, &rabbit_q, &items, true).await;
    // The management API samples every few seconds: wait until it has seen the messages.
    let before = loop {
        let c = contents(&b, &prefix, &rabbit_q).await;
        if c.rabbit["messages"] == items.len() && c.rabbit.pointer("/message_stats/publish").is_some() {
            break c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    assert_eq!(before.redis.len(), 3, "{:?}", before.redis.keys());

    let (mut m, _conn) = Monitor::start(test_config(&b, &[&list], &[&rabbit_q], &[]), &["default"]).await;
    m.polls("redis", 8).await;
    m.polls("rabbitmq", 8).await;
    assert_eq!(m.queue("redis", &list).unwrap().orphaned(), 1, "the monitor saw the orphan while reading");
    drop(m);
    // Let the management API sample again after the monitoring.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let after = contents(&b, &prefix, &rabbit_q).await;
    assert_eq!(before.redis, after.redis, "Redis keys changed");
    assert_eq!(before.rabbit, after.rabbit, "RabbitMQ queue changed");

    // The messages themselves: taken now by the test, in order, none redelivered.
    let (conn, ch) = amqp_channel(&b).await;
    let mut got = Vec::new();
    while let Some(msg) = ch.basic_get(rabbit_q.as_str().into(), BasicGetOptions { no_ack: true }).await.unwrap() {
        assert!(!msg.delivery.redelivered, "a message was delivered before: batchtop consumed it");
        got.push(msg.delivery.data.clone());
    }
    let want: Vec<Vec<u8>> = items.iter().map(|i| i.to_vec()).collect();
    assert_eq!(got, want);
    let _ = ch.queue_delete(rabbit_q.as_str().into(), QueueDeleteOptions::default()).await;
    let _ = conn.close(200, "bye".into()).await;
    let _: () = redis::cmd("DEL").arg(&list).arg(&processing).arg(&lease_key).query_async(&mut r).await.unwrap();
}

/// Makes sure Redis writes an append-only file, so stopping it keeps the
/// sandbox's queues (sandboxes started before the AOF setting have it off).
async fn redis_keeps_data_across_restart(b: &Brokers) {
    let mut r = redis_conn(b).await;
    let on: Vec<String> = redis::cmd("CONFIG").arg("GET").arg("appendonly").query_async(&mut r).await.unwrap();
    if on.get(1).map(String::as_str) != Some("yes") {
        let _: () = redis::cmd("CONFIG").arg("SET").arg("appendonly").arg("yes").query_async(&mut r).await.unwrap();
    }
    loop {
        let info: String = redis::cmd("INFO").arg("persistence").query_async(&mut r).await.unwrap();
        if info.contains("aof_enabled:1")
            && info.contains("aof_rewrite_in_progress:0")
            && !info.contains("aof_rewrite_scheduled:1")
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Stopping Redis, then RabbitMQ: the source shows reconnecting (with the
/// error), then recovers by itself when the broker is back, and the queue
/// reads as before. Nothing is restarted on batchtop's side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_reconnect_after_a_broker_restart() {
    let _brokers = BROKERS.write().await;
    let b = brokers();
    let (list, rq) = (unique("restart-list"), unique("restart-q"));
    let mut r = redis_conn(&b).await;
    let _: () = redis::cmd("DEL").arg(&list).query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("RPUSH").arg(&list).arg("a").arg("b").arg("c").query_async(&mut r).await.unwrap();
    publish(&b, &rq, &[b"x", b"y"], true).await;
    redis_keeps_data_across_restart(&b).await;

    let (mut m, _conn) = Monitor::start(test_config(&b, &[&list], &[&rq], &[]), &["default"]).await;
    m.until("both queues read", |m| {
        (m.queue("redis", &list)?.reading.ready == Some(3) && m.queue("rabbitmq", &rq)?.reading.ready == Some(2))
            .then_some(())
    })
    .await;

    for (component, source) in [("redis", "redis"), ("rabbitmq", "rabbitmq")] {
        sandbox(&["stop", component]);
        let error = m
            .until(&format!("{source} reconnecting"), |m| {
                let h = &m.queues.sources[source].health;
                matches!(h, SourceHealth::Reconnecting { .. } | SourceHealth::Unreachable { .. })
                    .then(|| h.error().unwrap_or("").to_string())
            })
            .await;
        assert!(!error.is_empty(), "the source says why");
        assert!(!error.contains("guest:guest"), "credentials masked: {error}");
        // The other source keeps working meanwhile.
        let other = if source == "redis" { "rabbitmq" } else { "redis" };
        m.polls(other, 1).await;
        assert_eq!(m.queues.sources[other].health, SourceHealth::Ok);
        // Back up (the sandbox's `up` restarts what is stopped).
        let _ = tokio::task::spawn_blocking(|| sandbox(&["up"])).await.unwrap();
        m.until(&format!("{source} recovered"), |m| {
            (m.queues.sources[source].health == SourceHealth::Ok).then_some(())
        })
        .await;
        let first_failure = m.history.iter().position(|(s, w)| s == source && *w == "failed").unwrap();
        assert!(
            m.history[first_failure..].iter().any(|(s, w)| s == source && *w == "polled"),
            "recovered by polling again"
        );
    }
    m.until("both queues read again", |m| {
        (m.queue("redis", &list)?.reading.ready == Some(3) && m.queue("rabbitmq", &rq)?.reading.ready == Some(2))
            .then_some(())
    })
    .await;
    let _: () = redis::cmd("DEL").arg(&list).query_async(&mut redis_conn(&b).await).await.unwrap();
    delete_queue(&b, &rq).await;
}

/// The sandbox's own config (BATCHTOP_CONFIG): the seed Jobs are linked
/// (job-wq-1 from its env, job-wq-2 and job-wq-3 by [[link]]), the missing
/// queue reads "not found", the orphan and the wq-mismatch warnings show in
/// `--once -o json`, and no password is printed.
#[test]
fn once_reports_the_sandbox_queues() {
    let _brokers = BROKERS.blocking_read();
    brokers();
    assert!(
        std::env::var_os("BATCHTOP_CONFIG").is_some(),
        "BATCHTOP_CONFIG is not set: eval \"$(tests/sandbox/sandbox env)\""
    );
    let args = ["-n", "wq-coarse", "-n", "wq-fine", "-n", "wq-orphan", "-n", "wq-mismatch"];
    let (_, report) = once_until(&args, "queues linked and warned about", |r| {
        let queues = r["queues"].as_array().cloned().unwrap_or_default();
        let linked = |name: &str, job: &str| {
            queues
                .iter()
                .any(|q| q["name"] == name && q["linkedJobs"].as_array().is_some_and(|j| j.iter().any(|x| x == job)))
        };
        let warned = |object: &str, text: &str| {
            r["warnings"].as_array().is_some_and(|ws| {
                ws.iter().any(|w| w["object"] == object && w["message"].as_str().is_some_and(|m| m.contains(text)))
            })
        };
        linked("job1", "wq-coarse/job-wq-1")
            && linked("job2", "wq-fine/job-wq-2")
            && linked("job3", "wq-orphan/job-wq-3")
            && warned("Job wq-orphan/job-wq-3", "\"kiwi\"")
            && warned("Job wq-mismatch/job-wq-short", "will never be processed")
            && warned("Job wq-mismatch/job-wq-long", "will block waiting for work")
    });
    let queues = report["queues"].as_array().unwrap();
    let missing =
        queues.iter().find(|q| q["name"] == "does-not-exist").expect("the configured missing queue is listed");
    assert_eq!(missing["health"], "not found");
    let job3 = queues.iter().find(|q| q["name"] == "job3").unwrap();
    assert_eq!(job3["orphaned"], 1);
    for field in
        ["source", "name", "ready", "inFlight", "consumers", "rateIn", "rateOut", "orphaned", "linkedJobs", "health"]
    {
        assert!(job3.get(field).is_some(), "queues[] has {field}");
    }
    let out = batchtop(&["--once", "-n", "wq-coarse"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SOURCE") && text.contains("job1"), "{text}");
    assert!(!report.to_string().contains("guest:guest") && !text.contains("guest:guest"), "passwords masked");
}

/// Installs a minimal `scaledjobs.keda.sh` CRD (KEDA itself is not needed:
/// batchtop only reads ScaledJobs) and waits until the API serves it.
async fn install_keda_crd(conn: &Cluster) {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let api: Api<CustomResourceDefinition> = Api::all(conn.client.clone());
    let crd: CustomResourceDefinition = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "scaledjobs.keda.sh"},
        "spec": {
            "group": "keda.sh",
            "names": {"kind": "ScaledJob", "listKind": "ScaledJobList", "plural": "scaledjobs", "singular": "scaledjob"},
            "scope": "Namespaced",
            "versions": [{
                "name": "v1alpha1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
            }]
        }
    }))
    .unwrap();
    if api.get_opt("scaledjobs.keda.sh").await.unwrap().is_none() {
        api.create(&PostParams::default(), &crd).await.expect("create the ScaledJob CRD");
    }
    for _ in 0..120 {
        if source::keda::scaled_job_api(&conn.client).await.is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("the ScaledJob CRD was not served");
}

/// A Job made by a KEDA ScaledJob (label `scaledjob.keda.sh/name`) is linked
/// to the queues of the ScaledJob's triggers: RabbitMQ through `hostFromEnv`
/// (an env var of the Job holding the AMQP URL) and a Redis list by address.
/// Its env alone names no queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keda_scaledjob_triggers_link_its_jobs() {
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let ns = unique("keda");
    let (rq, list) = (unique("keda-q"), unique("keda-list"));
    publish(&b, &rq, &[b"a", b"b", b"c"], true).await;
    let mut r = redis_conn(&b).await;
    let _: () = redis::cmd("DEL").arg(&list).query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("RPUSH").arg(&list).arg("x").arg("y").query_async(&mut r).await.unwrap();
    let (_, conn) =
        Live::start(&env().context, Scope { namespaces: Namespaces::All, selector: None, kinds: vec![] }).await;
    install_keda_crd(&conn).await;
    namespace(&conn, &ns).await;
    let ar = source::keda::scaled_job_api(&conn.client).await.unwrap();
    let sj_api: Api<kube::api::DynamicObject> = Api::namespaced_with(conn.client.clone(), &ns, &ar);
    let sj: kube::api::DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledJob",
        "metadata": {"name": "consumer", "namespace": ns},
        "spec": {
            "jobTargetRef": {"template": {"spec": {"containers": [{"name": "c", "image": "worker"}]}}},
            "triggers": [
                {"type": "rabbitmq", "metadata": {"queueName": rq, "hostFromEnv": "RABBITMQ_URL", "mode": "QueueLength", "value": "1"}},
                {"type": "redis", "metadata": {"listName": list, "address": "redis:6379", "listLength": "5"}}
            ]
        }
    }))
    .unwrap();
    sj_api.create(&PostParams::default(), &sj).await.expect("create the ScaledJob");
    let mut job = serde_json::json!({
        "metadata": {"name": "consumer-x7k2p", "labels": {"scaledjob.keda.sh/name": "consumer"}},
        "spec": {
            "parallelism": 1,
            "template": {
                "metadata": {"annotations": {"sandbox.batchtop.dev/run-duration": "1h"}},
                "spec": {
                    "containers": [{"name": "c", "image": "worker",
                        "env": [{"name": "RABBITMQ_URL", "value": "amqp://guest:guest@rabbitmq-service:5672"}]}],
                    "restartPolicy": "Never"
                }
            }
        }
    });
    job["metadata"]["namespace"] = serde_json::json!(ns);
    let (mut m, _) = Monitor::start(test_config(&b, &[], &[], &[]), &[&ns]).await;
    create_job(&conn, &ns, job).await;
    let j = ObjKey::new(&ns, "consumer-x7k2p");
    let (kq, kl) = (QueueKey::new("rabbitmq", &rq), QueueKey::new("redis", &list));
    m.until("the ScaledJob's Job linked to both trigger queues, and read", |m| {
        let linked = m.queues.linked_jobs(&kq).any(|x| *x == j) && m.queues.linked_jobs(&kl).any(|x| *x == j);
        (linked
            && m.queue("rabbitmq", &rq)?.reading.ready == Some(3)
            && m.queue("redis", &list)?.reading.ready == Some(2))
        .then_some(())
    })
    .await;
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &rq).await;
    let _: () = redis::cmd("DEL").arg(&list).query_async(&mut r).await.unwrap();
}

/// Queues found rather than named: RabbitMQ queues matching `queue_regex`
/// (listed through the management API) and rediswq queues found by SCAN of
/// their `:processing` lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_are_discovered_by_regex_and_scan() {
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let prefix = unique("found");
    let (qa, qb, list) = (format!("{prefix}-a"), format!("{prefix}-b"), format!("{prefix}-list"));
    publish(&b, &qa, &[b"1"], true).await;
    publish(&b, &qb, &[b"1", b"2"], true).await;
    let mut r = redis_conn(&b).await;
    let processing = format!("{list}:processing");
    let _: () = redis::cmd("DEL").arg(&list).arg(&processing).query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("RPUSH").arg(&list).arg("p").arg("q").arg("r").query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("LPUSH").arg(&processing).arg("s").query_async(&mut r).await.unwrap();
    let text = format!(
        "refresh = \"500ms\"\n\
         [[rabbitmq]]\nname = \"rabbitmq\"\nurl_env = \"BATCHTOP_AMQP_URL\"\nmanagement_url_env = \"BATCHTOP_RABBITMQ_API\"\nqueue_regex = \"^{prefix}-\"\n\
         [[redis]]\nname = \"redis\"\nurl_env = \"BATCHTOP_REDIS_URL\"\nscan = \"{prefix}*:processing\"\n"
    );
    let (config, problems) = config::parse(&text, Path::new("e2e.toml"), &|n| std::env::var(n).ok());
    assert!(problems.is_empty(), "{problems:?}");
    let (mut m, _conn) = Monitor::start(config, &["default"]).await;
    m.until("both regex queues and the scanned list", |m| {
        let a = m.queue("rabbitmq", &qa)?.reading.ready == Some(1);
        let b = m.queue("rabbitmq", &qb)?.reading.ready == Some(2);
        let l = m.queue("redis", &list)?;
        (a && b && l.reading.ready == Some(3) && l.reading.in_flight == Some(1)).then_some(())
    })
    .await;
    assert!(
        m.queues.by_key.keys().all(|k| !k.name.contains(":processing")),
        "a rediswq queue is listed once, by its name"
    );
    delete_queue(&b, &qa).await;
    delete_queue(&b, &qb).await;
    let _: () = redis::cmd("DEL").arg(&list).arg(&processing).query_async(&mut r).await.unwrap();
}

/// The seed's other caution: a queue that is empty while the Job's pods still
/// run (amqp-consume pods block waiting for a message that never comes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_queue_with_running_pods_is_warned_about() {
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let ns = unique("empty");
    let q = unique("empty-q");
    publish(&b, &q, &[], true).await;
    let (mut m, conn) = Monitor::start(test_config(&b, &[], &[], &[]), &[&ns]).await;
    namespace(&conn, &ns).await;
    create_job(&conn, &ns, amqp_job("job-waiting", &q, 2, true)).await;
    let j = ObjKey::new(&ns, "job-waiting");
    let w = m
        .until("queue empty but pods running", |m| {
            m.warnings().into_iter().find(|w| w.kind == WarningKind::EmptyButRunning && w.jobs.contains(&j))
        })
        .await;
    assert!(w.message.starts_with("queue empty but") && w.message.contains("still running"), "{}", w.message);
    assert!(m.warnings().iter().any(|w| w.kind == WarningKind::CompletionsAboveItems && w.jobs.contains(&j)));
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &q).await;
}

/// A BROKER_URL given by `secretKeyRef`: not linked (and the Secret not read)
/// by default; linked once the config sets `allow_secrets`, and its password
/// is not shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_broker_url_is_read_only_when_allowed() {
    use k8s_openapi::api::core::v1::Secret;
    let _brokers = BROKERS.read().await;
    let b = brokers();
    let ns = unique("secret");
    let q = unique("secret-q");
    publish(&b, &q, &[b"1", b"2"], true).await;
    let (_, conn) =
        Live::start(&env().context, Scope { namespaces: Namespaces::All, selector: None, kinds: vec![] }).await;
    namespace(&conn, &ns).await;
    let secret: Secret = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "broker", "namespace": ns},
        "stringData": {"url": "amqp://guest:guest@rabbitmq-service:5672"}
    }))
    .unwrap();
    Api::<Secret>::namespaced(conn.client.clone(), &ns).create(&PostParams::default(), &secret).await.unwrap();
    let mut job = amqp_job("job-secret", &q, 2, false);
    job["spec"]["template"]["spec"]["containers"][0]["env"][0] =
        serde_json::json!({"name": "BROKER_URL", "valueFrom": {"secretKeyRef": {"name": "broker", "key": "url"}}});
    create_job(&conn, &ns, job).await;
    let j = ObjKey::new(&ns, "job-secret");
    let key = QueueKey::new("rabbitmq", &q);

    // Default config: the Job is seen, but nothing links it (no URL without the Secret).
    let (mut m, _) = Monitor::start(test_config(&b, &[], &[], &[]), &[&ns]).await;
    m.until("the Job, with its secret env reference", |m| {
        m.state.jobs.get(&j).filter(|job| job.spec.secret_env.iter().any(|r| r.name == "BROKER_URL")).map(|_| ())
    })
    .await;
    m.polls("rabbitmq", 2).await;
    assert!(m.queues.queues_of_job(&j).next().is_none(), "not linked without allow_secrets");
    assert!(m.queues.secrets.is_empty(), "no Secret was read");
    drop(m);

    let mut config = test_config(&b, &[], &[], &[]);
    config.allow_secrets = true;
    let (mut m, _) = Monitor::start(config, &[&ns]).await;
    m.until("linked through the Secret's URL, and read", |m| {
        (m.queues.linked_jobs(&key).any(|x| *x == j) && m.queue("rabbitmq", &q)?.reading.ready == Some(2)).then_some(())
    })
    .await;
    let shown = format!("{:?}{:?}", m.queues.summaries(), m.queues.sources);
    assert!(!shown.contains("guest:guest"), "{shown}");
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &q).await;
}
