//! End-to-end: the console's queue screens against the sandbox's real Redis
//! and RabbitMQ, beside the real watches. Each test starts the real batchtop
//! binary in a pseudo-terminal with a config of its own and reads what it
//! shows: linking, depths, leases, warnings, reconnects.
//!
//! Needs the sandbox: `tests/sandbox/sandbox up --scenarios all` and
//! `eval "$(tests/sandbox/sandbox env)"`. Without its environment every test
//! fails with that instruction.
//!
//! The seed scenarios may have finished long before these tests run, so each
//! test makes its own fresh namespace, Jobs and queues (names carry the
//! process id), and removes them at the end: the tests do not depend on
//! each other or on their order. The broker-restart test stops Redis and
//! RabbitMQ; it holds the brokers' lock exclusive (`testkit::sandbox::brokers_lock`,
//! a file lock across test processes) so the other tests of this file do not
//! run meanwhile.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use crate::support::*;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::{DeleteParams, PostParams};
use lapin::options::{BasicGetOptions, BasicPublishOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection as Amqp, ConnectionProperties};
use source::cluster::Cluster;
use testkit::pty::{Console, DEADLINE as SCREEN_DEADLINE, Key, Screen};
use testkit::sandbox::*;

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

/// A config like the sandbox's, with the given queues, in TOML as users write
/// it. `top` goes before the tables (e.g. `allow_secrets = true`).
fn test_config(
    b: &Brokers,
    top: &str,
    redis_lists: &[&str],
    rabbit_queues: &[&str],
    links: &[(&str, &str, &str, &str)],
) -> String {
    let list = |xs: &[&str]| xs.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", ");
    let mut text = format!(
        "refresh = \"500ms\"\n{top}\n\
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
    text
}

/// A config file for one console, removed at the end of the test.
struct ConfigFile(PathBuf);

impl ConfigFile {
    fn new(text: &str) -> Self {
        let path = std::env::temp_dir().join(format!("{}.toml", unique(&format!("config-{}", config_number()))));
        std::fs::write(&path, text).expect("write the test config");
        Self(path)
    }
}

fn config_number() -> u32 {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The polls an hour of the console makes at the default 2 s refresh.
const POLLS_PER_HOUR: usize = 1800;

/// An hour of queue polls (1,800 at the default refresh) back to back: the
/// source `source` of `config_text`, read by the pollers the console runs
/// (`source::queues::BrokerPoller`), only without the wait between polls, so
/// the read-only checks see an hour's reads in seconds. Each poll must read
/// every queue of `queues`.
async fn poll_an_hour(config_text: &str, source: &str, queues: &[&str]) {
    use source::queues::poll::Poller;
    let env = |n: &str| std::env::var(n).ok();
    let (config, problems) = config::parse(config_text, std::path::Path::new("test.toml"), &env);
    assert!(problems.is_empty(), "{problems:?}");
    let plan = model::queue::plan(&config, std::iter::empty());
    let spec = plan.sources.iter().find(|s| s.name == source).expect("the source in the config");
    let mut poller = source::queues::BrokerPoller::new(spec);
    let names: BTreeSet<String> = spec.queues.iter().cloned().chain(queues.iter().map(|q| (*q).to_string())).collect();
    for i in 0..POLLS_PER_HOUR {
        let (readings, _) = poller.poll(&names).await.unwrap_or_else(|e| panic!("poll {i}: {e}"));
        for q in queues {
            let r = readings.iter().find(|r| r.name == *q).unwrap_or_else(|| panic!("poll {i} read no {q}"));
            assert_eq!(r.status, model::queue::QueueStatus::Ok, "poll {i} of {q}");
        }
    }
}

/// The real console on a test config, showing the Queues screen.
struct QueueScreen {
    c: Console,
    _config: ConfigFile,
}

impl QueueScreen {
    fn start(config: &str, namespaces: &[&str]) -> Self {
        let file = ConfigFile::new(config);
        let path = file.0.to_string_lossy().to_string();
        let mut args = vec!["--config", path.as_str()];
        for ns in namespaces {
            args.extend(["-n", ns]);
        }
        let mut c = console(&args).spawn();
        c.wait_for("watches");
        c.press(&[Key::Char('5')]);
        c.wait_for("Queues [");
        Self { c, _config: file }
    }

    /// Filters the list to `name` and opens that queue's detail. The first
    /// row: the selection stays on the row it was on, and the tests' names
    /// are prefixes of the others that contain them (sorted after them).
    fn open(&mut self, source: &str, name: &str) -> String {
        self.c.press(&[Key::Char('x'), Key::Char('/')]);
        self.c.type_text(name);
        self.c.press(&[Key::Enter]);
        self.c.wait_until(&format!("the row of {name}"), SCREEN_DEADLINE, |s| row_of(s, name));
        self.c.press(&[Key::Home, Key::Enter]);
        self.c.wait_for(&format!("Queue {source}/{name} ─"))
    }

    /// From a queue's detail back to the whole list.
    fn back(&mut self) {
        self.c.press(&[Key::Esc, Key::Char('x')]);
        self.c.wait_for("Queues [");
    }

    /// Waits until the open detail shows every one of `texts`.
    fn until_shown(&self, texts: &[&str]) -> String {
        self.c.wait_for_all(texts)
    }
}

/// The list row of queue `name`, if on screen.
fn row_of(s: &Screen, name: &str) -> Option<String> {
    let (_, rows) = s.size();
    (0..rows).map(|r| s.row(r)).find(|line| line.split_whitespace().any(|w| w == name))
}

/// The READY cell of a list row (SOURCE QUEUE KIND READY ...).
fn ready_cell(row: &str) -> Option<&str> {
    row.split_whitespace().nth(3)
}

/// Queue `name` reads `ready` items and its source is ok.
fn reads(s: &Screen, name: &str, ready: &str) -> bool {
    row_of(s, name).is_some_and(|r| ready_cell(&r) == Some(ready) && r.trim_end().ends_with("ok"))
}

/// The row of queue `name` while its source is reconnecting (or down).
fn reconnecting(s: &Screen, name: &str) -> Option<String> {
    row_of(s, name).filter(|r| ["reconnect", "unreachable", "retry", "down"].iter().any(|w| r.contains(w)))
}

/// `fault`, then `repair`, on the line to (or the broker of) queue `name`,
/// which reads `ready` items before and after: how long until its row said
/// reconnecting, and until it read as before after the repair.
pub fn queue_fault_and_heal(
    c: &Console,
    name: &str,
    ready: &str,
    fault: impl FnOnce(),
    repair: impl FnOnce(),
) -> crate::faults::Recovery {
    let start = std::time::Instant::now();
    fault();
    c.wait_until(&format!("{name} reconnecting"), DEADLINE, |s| reconnecting(s, name));
    let noticed = start.elapsed();
    let repaired = std::time::Instant::now();
    repair();
    c.wait_until(&format!("{name} read again"), DEADLINE, |s| reads(s, name, ready).then_some(()));
    crate::faults::Recovery { noticed, healed: repaired.elapsed() }
}

/// `ready N` of a queue's detail.
fn ready_in(detail: &str) -> Option<u64> {
    let line = detail.lines().find(|l| l.trim_start().starts_with("ready "))?;
    line.trim_start().strip_prefix("ready ")?.split(' ').next()?.parse().ok()
}

/// `max M, now N` of a queue's detail history.
fn history_max_now(detail: &str) -> Option<(u64, u64)> {
    let line = detail.lines().find(|l| l.contains(", max "))?;
    let max = line.split(", max ").nth(1)?.split(',').next()?.trim().parse().ok()?;
    let now = line.split("now ").nth(1)?.trim().parse().ok()?;
    Some((max, now))
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
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("drain");
    let (q1, q2) = (unique("job1"), unique("job2"));
    let items: Vec<&[u8]> = vec![b"apple", b"banana", b"cherry", b"date", b"fig", b"grape", b"lemon", b"melon"];
    publish(&b, &q1, &items, true).await;
    let mut r = redis_conn(&b).await;
    let _: () = redis::cmd("DEL").arg(&q2).arg(format!("{q2}:processing")).query_async(&mut r).await.unwrap();
    let fruit = ["apple", "banana", "cherry", "date", "fig", "grape", "lemon", "melon", "orange"];
    let _: () = redis::cmd("RPUSH").arg(&q2).arg(&fruit[..]).query_async(&mut r).await.unwrap();

    let conn = admin().await;
    namespace(&conn, &ns).await;
    let mut q = QueueScreen::start(&test_config(&b, "", &[], &[], &[(&ns, "job-wq-2", "redis", &q2)]), &[&ns]);
    create_job(&conn, &ns, amqp_job("job-wq-1", &q1, 8, true)).await;
    create_job(&conn, &ns, rediswq_job("job-wq-2", &q2)).await;

    for (source, queue, job, start) in [("rabbitmq", &q1, "job-wq-1", 8), ("redis", &q2, "job-wq-2", 9)] {
        q.open(source, queue);
        // Linked, drained, complete; and the history saw the depth fall from the start.
        let detail = q.c.wait_until(&format!("{queue} drained by {job}"), DEADLINE, |s| {
            let text = s.text();
            let linked = text.lines().skip_while(|l| !l.starts_with("JOBS FED")).any(|l| l.contains(job));
            let (max, now) = history_max_now(&text)?;
            let done = text.lines().any(|l| l.contains(job) && l.contains("Complete"));
            (linked && done && text.contains("ready 0 · in flight 0") && max >= 1 && now == 0).then_some(text)
        });
        let (max, _) = history_max_now(&detail).unwrap();
        assert!(max <= start, "{queue}: the history's highest depth {max} is at most what was queued ({start})");
        assert!(!detail.contains("WARNINGS"), "no warning about a drained queue:\n{detail}");
        q.back();
    }
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &q1).await;
    let _: () = redis::cmd("DEL").arg(&q2).query_async(&mut r).await.unwrap();
}

/// An item in `<q>:processing` with no lease key is flagged stuck and named;
/// an item with a lease shows its owner and the time it has left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphaned_lease_is_flagged_stuck_with_the_item_named() {
    let _brokers = brokers_lock(false);
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

    let mut screen = QueueScreen::start(&test_config(&b, "", &[&q], &[], &[]), &["default"]);
    screen.c.wait_until("the list row says stuck", SCREEN_DEADLINE, |s| row_of(s, &q).filter(|r| r.contains("stuck")));
    screen.open("redis", &q);
    let detail = screen.until_shown(&["ready 2 · in flight 2", "WARNINGS", "ORPHANED", "owner session-1"]);
    let warning = detail.lines().find(|l| l.trim_start().starts_with("! stuck")).expect("the stuck warning");
    assert!(warning.contains("\"kiwi\""), "the warning names the orphaned item: {warning}");
    let kiwi = detail.lines().find(|l| l.trim_start().starts_with("kiwi")).expect("kiwi's lease line");
    assert!(kiwi.contains("ORPHANED"), "{kiwi}");
    let pear = detail.lines().find(|l| l.trim_start().starts_with("pear")).expect("pear's lease line");
    assert!(pear.contains("owner session-1") && pear.contains("s left") && !pear.contains("ORPHANED"), "{pear}");
    let _: () = redis::cmd("DEL").arg(&q).arg(&processing).arg(&lease_key).query_async(&mut r).await.unwrap();
}

/// A configured queue that does not exist shows "not found" while the other
/// queues of the same connection keep updating, and the connection stays ok.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_queue_is_not_found_while_the_others_update() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let (present, missing) = (unique("present"), unique("missing"));
    delete_queue(&b, &missing).await;
    publish(&b, &present, &[b"one"], true).await;
    let mut q = QueueScreen::start(&test_config(&b, "", &[], &[&missing, &present], &[]), &["default"]);
    q.open("rabbitmq", &missing);
    q.until_shown(&["health not found", "ready -"]);
    q.back();
    q.open("rabbitmq", &present);
    q.until_shown(&["health ok", "ready 1 "]);
    publish(&b, &present, &[b"two", b"three"], false).await;
    let detail = q.until_shown(&["health ok", "ready 3 "]);
    assert!(detail.contains("polled"), "the source polls on: {detail}");
    q.back();
    let row = q.c.wait_until("the missing queue's row", SCREEN_DEADLINE, |s| row_of(s, &missing));
    assert!(row.contains("not found") || row.contains("missing"), "{row}");
    delete_queue(&b, &present).await;
}

/// The established TCP connections this test process holds to `port` on
/// loopback (its own sockets, matched by inode in the kernel's table).
fn own_connections_to(port: u16) -> usize {
    let inodes: BTreeSet<String> = std::fs::read_dir("/proc/self/fd")
        .expect("list /proc/self/fd")
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().to_string();
            Some(target.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect();
    ["/proc/self/net/tcp", "/proc/self/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| text.lines().skip(1).map(str::to_string).collect::<Vec<_>>())
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let remote_port =
                fields.get(2).and_then(|a| a.rsplit(':').next()).and_then(|p| u16::from_str_radix(p, 16).ok());
            // State 01: established.
            remote_port == Some(port)
                && fields.get(3) == Some(&"01")
                && fields.get(9).is_some_and(|i| inodes.contains(*i))
        })
        .count()
}

/// A missing queue polled past the wrap of a connection's channel ids (2,047)
/// is "not found" at every poll and the other queue is read every time: once
/// lapin handed out ids again, an open failed with the 404 of a missing
/// queue's earlier channel and the whole poll failed (poll 1,023 here; every
/// ~10 minutes in a console, which then left that connection open). Resets
/// (what a failed poll does) leave one connection open, not one more each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_queue_polled_past_the_channel_ids_wrap_and_resets_keep_one_connection() {
    use source::queues::poll::Poller;
    let _brokers = brokers_lock(false);
    let b = brokers();
    let (present, missing) = (unique("present"), unique("missing"));
    delete_queue(&b, &missing).await;
    publish(&b, &present, &[b"one"], true).await;
    // AMQP only: the management API adds nothing to what is checked here.
    let text = test_config(&b, "", &[], &[&missing, &present], &[])
        .replace("management_url_env = \"BATCHTOP_RABBITMQ_API\"\n", "");
    let env = |n: &str| std::env::var(n).ok();
    let (config, problems) = config::parse(&text, std::path::Path::new("test.toml"), &env);
    assert!(problems.is_empty(), "{problems:?}");
    let plan = model::queue::plan(&config, std::iter::empty());
    let spec = plan.sources.iter().find(|s| s.name == "rabbitmq").expect("the rabbitmq source");
    let names: BTreeSet<String> = spec.queues.iter().cloned().collect();
    let port = url::Url::parse(&b.amqp_url).unwrap().port().unwrap();
    let mut poller = source::queues::BrokerPoller::new(spec);
    // Two channels a poll: 2,100 polls open 4,200, twice round the ids.
    for i in 0..2100 {
        let (readings, _) = poller.poll(&names).await.unwrap_or_else(|e| panic!("poll {i}: {e}"));
        let status = |q: &str| readings.iter().find(|r| r.name == q).map(|r| r.status.clone());
        assert_eq!(status(&missing), Some(model::queue::QueueStatus::NotFound), "poll {i}");
        assert_eq!(status(&present), Some(model::queue::QueueStatus::Ok), "poll {i}");
    }
    assert_eq!(own_connections_to(port), 1, "one connection after 2,100 polls");
    for _ in 0..3 {
        poller.reset();
        poller.poll(&names).await.expect("a poll after a reset");
    }
    // The old connections are closed in the background: give them a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while own_connections_to(port) > 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(own_connections_to(port), 1, "the connections reset away are closed");
    drop(poller);
    delete_queue(&b, &present).await;
}

/// Completions 5 fed by 8 items, and completions 10 fed by 8: each raises
/// its warning, on the queue's screen and on the Job in `--once`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_mismatches_raise_their_warnings() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("mismatch");
    let (short, long) = (unique("short"), unique("long"));
    let eight: Vec<&[u8]> = vec![b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8"];
    publish(&b, &short, &eight, true).await;
    publish(&b, &long, &eight, true).await;
    let conn = admin().await;
    namespace(&conn, &ns).await;
    let config = test_config(&b, "", &[], &[], &[]);
    let mut q = QueueScreen::start(&config, &[&ns]);
    create_job(&conn, &ns, amqp_job("job-short", &short, 5, false)).await;
    create_job(&conn, &ns, amqp_job("job-long", &long, 10, false)).await;
    q.open("rabbitmq", &short);
    q.until_shown(&["WARNINGS", "3 item(s) will never be processed", "job-short"]);
    q.back();
    q.open("rabbitmq", &long);
    q.until_shown(&["WARNINGS", "2 pod(s) will block waiting for work", "job-long"]);
    // The same in --once, on the Job.
    let file = ConfigFile::new(&config);
    let path = file.0.to_string_lossy().to_string();
    let (_, report) = once_until(&["--config", &path, "-n", &ns], "the mismatch warning on the Job", |r| {
        r["warnings"].as_array().is_some_and(|ws| ws.iter().any(|w| w["object"] == format!("Job {ns}/job-short")))
    });
    assert!(report.to_string().contains("will never be processed"), "{report:#}");
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

/// Every key matching `pattern` (SCAN: a read).
async fn scan_keys(r: &mut redis::aio::MultiplexedConnection, pattern: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut cursor = 0u64;
    loop {
        let (next, found): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(r)
            .await
            .unwrap();
        keys.extend(found);
        cursor = next;
        if cursor == 0 {
            return keys;
        }
    }
}

async fn contents(b: &Brokers, prefix: &str, rabbit_queue: &str) -> Contents {
    let mut r = redis_conn(b).await;
    let keys: Vec<String> = scan_keys(&mut r, &format!("{prefix}*")).await.into_iter().collect();
    let redis = dumps(&mut r, &keys).await;
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

/// After the console showed three queues for a while, and an hour of polls
/// of each source ([`poll_an_hour`]), every queue's contents
/// are byte for byte what they were: the Redis keys (DUMP: for the stream its
/// entries, its group's position, pending entries with their delivery times
/// and counts, and each consumer's last-seen time), the RabbitMQ queue's
/// counts and message counters, and finally its messages themselves, in
/// order and never delivered before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_leaves_every_queue_byte_for_byte_unchanged() {
    let _brokers = brokers_lock(false);
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
    // A stream worked by group "workers": c1 holds two entries, c2 acknowledged its one.
    let stream = format!("{prefix}-stream");
    fresh_stream(&mut r, &stream, 4).await;
    let _: () =
        redis::cmd("XGROUP").arg("CREATE").arg(&stream).arg("workers").arg("0").query_async(&mut r).await.unwrap();
    let read = |consumer: &str, count: usize| {
        redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("workers")
            .arg(consumer)
            .arg("COUNT")
            .arg(count)
            .arg("STREAMS")
            .arg(&stream)
            .arg(">")
            .clone()
    };
    let _: redis::Value = read("c1", 2).query_async(&mut r).await.unwrap();
    let _: redis::Value = read("c2", 1).query_async(&mut r).await.unwrap();
    let entries: Vec<(String, Vec<String>)> =
        redis::cmd("XRANGE").arg(&stream).arg("-").arg("+").query_async(&mut r).await.unwrap();
    let id = entries[2].0.clone();
    let _: () = redis::cmd("XACK").arg(&stream).arg("workers").arg(id).query_async(&mut r).await.unwrap();
    publish(&b, &rabbit_q, &items, true).await;
    // The management API samples every few seconds: wait until it counts the
    // messages, then one more sample, so the snapshot does not move by itself.
    // (Its message_stats may be missing altogether, e.g. after a broker restart.)
    let start = std::time::Instant::now();
    while contents(&b, &prefix, &rabbit_q).await.rabbit["messages"] != items.len() {
        assert!(start.elapsed() < DEADLINE, "the management API never counted the {} messages", items.len());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    let before = contents(&b, &prefix, &rabbit_q).await;
    assert_eq!(before.redis.len(), 4, "{:?}", before.redis.keys());

    let config = with_stream(&test_config(&b, "", &[&list], &[&rabbit_q], &[]), &stream, "1s");
    let mut q = QueueScreen::start(&config, &["default"]);
    q.open("redis", &list);
    // The orphan seen while reading, and several polls' worth of history (500 ms refresh).
    q.c.wait_until("the list read for a while", DEADLINE, |s| {
        let text = s.text();
        (text.contains("ORPHANED") && text.contains("ready 4 · in flight 2") && history_span_secs(&text)? >= 4)
            .then_some(())
    });
    q.back();
    q.open("rabbitmq", &rabbit_q);
    q.c.wait_until("the RabbitMQ queue read for a while", DEADLINE, |s| {
        let text = s.text();
        (ready_in(&text) == Some(4) && history_span_secs(&text)? >= 4).then_some(())
    });
    q.back();
    q.open("redis", &stream);
    q.c.wait_until("the stream read for a while", DEADLINE, |s| {
        let text = s.text();
        (text.contains("ABANDONED") && workers_group(&text)? == (1, 2) && history_span_secs(&text)? >= 4).then_some(())
    });
    drop(q);
    // And an hour of polls of each source, back to back.
    poll_an_hour(&config, "redis", &[&list, &stream]).await;
    poll_an_hour(&config, "rabbitmq", &[&rabbit_q]).await;
    // Let the management API sample again after the monitoring.
    tokio::time::sleep(Duration::from_secs(6)).await;
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
    let _: () =
        redis::cmd("DEL").arg(&list).arg(&processing).arg(&lease_key).arg(&stream).query_async(&mut r).await.unwrap();
}

/// `last 12s` of a queue's detail history, in seconds.
fn history_span_secs(detail: &str) -> Option<u64> {
    let line = detail.lines().find(|l| l.contains(", max "))?;
    let span = line.trim().strip_prefix("last ")?.split(',').next()?;
    let d = humantime::parse_duration(span).ok()?;
    Some(d.as_secs())
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

/// Stopping Redis, then RabbitMQ: the source's queues show the source
/// reconnecting, then recover by themselves when the broker is back, and the
/// queue reads as before. Nothing is restarted on batchtop's side, and the
/// other source keeps working meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_reconnect_after_a_broker_restart() {
    let _brokers = brokers_lock(true);
    let b = brokers();
    let (list, rq) = (unique("restart-list"), unique("restart-q"));
    let mut r = redis_conn(&b).await;
    let _: () = redis::cmd("DEL").arg(&list).query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("RPUSH").arg(&list).arg("a").arg("b").arg("c").query_async(&mut r).await.unwrap();
    publish(&b, &rq, &[b"x", b"y"], true).await;
    redis_keeps_data_across_restart(&b).await;

    let q = QueueScreen::start(&test_config(&b, "", &[&list], &[&rq], &[]), &["default"]);
    q.c.wait_until("both queues read", SCREEN_DEADLINE, |s| (reads(s, &list, "3") && reads(s, &rq, "2")).then_some(()));

    for (component, name, ready, other, other_ready) in
        [("redis", &list, "3", &rq, "2"), ("rabbitmq", &rq, "2", &list, "3")]
    {
        let c = &q.c;
        let down = || {
            sandbox(&["stop", component]);
            c.wait_until(&format!("{component} reconnecting"), DEADLINE, |s| reconnecting(s, name));
            // The other source keeps working meanwhile; no password is shown.
            c.wait_until("the other source still ok", SCREEN_DEADLINE, |s| reads(s, other, other_ready).then_some(()));
            assert!(!c.text().contains("guest:guest"), "credentials masked:\n{}", c.text());
        };
        // Back up: the sandbox's `up` restarts what is stopped.
        let up = || drop(sandbox(&["up"]));
        tokio::task::block_in_place(|| queue_fault_and_heal(c, name, ready, down, up));
    }
    drop(q);
    let _: () = redis::cmd("DEL").arg(&list).query_async(&mut redis_conn(&b).await).await.unwrap();
    delete_queue(&b, &rq).await;
}

/// The sandbox's own config (BATCHTOP_CONFIG): the seed Jobs are linked
/// (job-wq-1 from its env, job-wq-2 and job-wq-3 by [[link]]), the missing
/// queue reads "not found", the orphan and the wq-mismatch warnings show in
/// `--once -o json`, and no password is printed.
#[test]
fn once_reports_the_sandbox_queues() {
    let _brokers = brokers_lock(false);
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
/// (an env var of the Job holding the AMQP URL), a Redis list by address and
/// a Redis Stream (`redis-streams`, read as a stream). Its env alone names no queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keda_scaledjob_triggers_link_its_jobs() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("keda");
    let (rq, list) = (unique("keda-q"), unique("keda-list"));
    publish(&b, &rq, &[b"a", b"b", b"c"], true).await;
    let mut r = redis_conn(&b).await;
    let _: () = redis::cmd("DEL").arg(&list).query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("RPUSH").arg(&list).arg("x").arg("y").query_async(&mut r).await.unwrap();
    let kstream = unique("keda-stream");
    fresh_stream(&mut r, &kstream, 2).await;
    let conn = admin().await;
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
                {"type": "redis", "metadata": {"listName": list, "address": "redis:6379", "listLength": "5"}},
                {"type": "redis-streams", "metadata": {"stream": kstream, "consumerGroup": "workers", "address": "redis:6379", "pendingEntriesCount": "5"}}
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
    let mut q = QueueScreen::start(&test_config(&b, "", &[], &[], &[]), &[&ns]);
    create_job(&conn, &ns, job).await;
    for (source, queue, ready, kind) in [
        ("rabbitmq", &rq, "ready 3 ", "kind rabbitmq"),
        ("redis", &list, "ready 2 ", "kind redis rediswq ·"),
        ("redis", &kstream, "ready 2 ", "kind redis stream"),
    ] {
        q.open(source, queue);
        let detail = q.until_shown(&[ready, kind, &format!("{ns}/consumer-x7k2p")]);
        let linked = detail.lines().skip_while(|l| !l.starts_with("JOBS FED")).any(|l| l.contains("consumer-x7k2p"));
        assert!(linked, "{queue} feeds the ScaledJob's Job:\n{detail}");
        q.back();
    }
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &rq).await;
    let _: () = redis::cmd("DEL").arg(&list).arg(&kstream).query_async(&mut r).await.unwrap();
}

/// Queues found rather than named: RabbitMQ queues matching `queue_regex`
/// (listed through the management API) and rediswq queues found by SCAN of
/// their `:processing` lists, each listed once by its name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_are_discovered_by_regex_and_scan() {
    let _brokers = brokers_lock(false);
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
    let mut q = QueueScreen::start(&text, &["default"]);
    let ready = |s: &Screen, name: &str| row_of(s, name).and_then(|r| ready_cell(&r).map(str::to_string));
    q.c.wait_until("both regex queues and the scanned list", SCREEN_DEADLINE, |s| {
        (ready(s, &qa)? == "1" && ready(s, &qb)? == "2" && ready(s, &list)? == "3").then_some(())
    });
    assert!(!q.c.text().contains(":processing"), "a rediswq queue is listed once, by its name:\n{}", q.c.text());
    q.open("redis", &list);
    q.until_shown(&["ready 3 · in flight 1"]);
    drop(q);
    delete_queue(&b, &qa).await;
    delete_queue(&b, &qb).await;
    let _: () = redis::cmd("DEL").arg(&list).arg(&processing).query_async(&mut r).await.unwrap();
}

/// The seed's other caution: a queue that is empty while the Job's pods still
/// run (amqp-consume pods block waiting for a message that never comes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_queue_with_running_pods_is_warned_about() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("empty");
    let q = unique("empty-q");
    publish(&b, &q, &[], true).await;
    let conn = admin().await;
    namespace(&conn, &ns).await;
    let mut screen = QueueScreen::start(&test_config(&b, "", &[], &[], &[]), &[&ns]);
    create_job(&conn, &ns, amqp_job("job-waiting", &q, 2, true)).await;
    screen.open("rabbitmq", &q);
    let detail = screen.until_shown(&["queue empty but", "still running", "will block waiting for work"]);
    assert!(detail.contains("job-waiting"), "{detail}");
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &q).await;
}

/// A BROKER_URL given by `secretKeyRef`: not linked (and the Secret not read)
/// by default; linked once the config sets `allow_secrets`, and its password
/// is not shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_broker_url_is_read_only_when_allowed() {
    use k8s_openapi::api::core::v1::Secret;
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("secret");
    let q = unique("secret-q");
    publish(&b, &q, &[b"1", b"2"], true).await;
    let conn = admin().await;
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

    // Default config: the Job is on screen, but nothing links it (no URL without the Secret).
    let mut c =
        console(&["--config", &ConfigFile::new(&test_config(&b, "", &[], &[], &[])).0.to_string_lossy(), "-n", &ns])
            .spawn();
    c.wait_for("job-secret");
    c.press(&[Key::Char('5')]);
    // The queue is not configured, and without the Secret nothing names it.
    c.wait_for("Queues [");
    std::thread::sleep(Duration::from_secs(3));
    assert!(!c.text().contains(&q), "not linked without allow_secrets:\n{}", c.text());
    drop(c);

    // The queue is configured: the Job's link resolves to a configured source,
    // so its Secret may be read (a Job author does not choose what is read).
    let mut screen = QueueScreen::start(&test_config(&b, "allow_secrets = true", &[], &[&q], &[]), &[&ns]);
    screen.open("rabbitmq", &q);
    let detail = screen.until_shown(&["ready 2 ", "job-secret"]);
    assert!(!detail.contains("guest:guest"), "{detail}");
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &q).await;
}

/// Issue 10: Job env passwords holding `/`, `@`, `#` and spaces leak nowhere
/// (`--once` text and JSON, stderr, the log file), and an env URL that does
/// not parse is a warning naming the Job and the variable instead of a
/// silently missing link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_passwords_of_any_characters_leak_nowhere_and_unparsable_urls_are_named() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("masking");
    let conn = admin().await;
    namespace(&conn, &ns).await;
    let passwords = [("job-slash", "pa/ss-S3CRET1"), ("job-at", "p@ss-S3CRET2"), ("job-space", "pa ss#S3CRET3")];
    for (name, password) in passwords {
        let mut job = amqp_job(name, "masked-q", 1, false);
        job["spec"]["suspend"] = serde_json::json!(true);
        job["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] =
            serde_json::json!(format!("amqp://guest:{password}@rabbitmq-service:5672"));
        create_job(&conn, &ns, job).await;
    }
    let config = ConfigFile::new(&test_config(&b, "", &[], &[], &[]));
    let log = std::env::temp_dir().join(format!("{}.log", unique("masking")));
    let _ = std::fs::remove_file(&log);
    let (config_path, log_path) = (config.0.to_string_lossy().to_string(), log.to_string_lossy().to_string());
    let args = ["--once", "-n", &ns, "--config", &config_path, "--log-file", &log_path];
    let mut shown = String::new();
    for output in [&[][..], &["-o", "json"][..]] {
        let out = batchtop(&[&args[..], output].concat());
        shown.push_str(&String::from_utf8_lossy(&out.stdout));
        shown.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    shown.push_str(&std::fs::read_to_string(&log).unwrap_or_default());
    for (_, password) in passwords {
        let secret = &password[password.len() - 7..];
        assert!(!shown.contains(secret), "{secret} leaked:\n{shown}");
    }
    for job in ["job-slash", "job-space"] {
        let warned = shown.lines().any(|l| l.contains(job) && l.contains("BROKER_URL") && l.contains("not a valid"));
        assert!(warned, "no warning names {job} and BROKER_URL:\n{shown}");
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&log).expect("the log file").permissions());
    assert_eq!(mode & 0o777, 0o600);
    let _ = std::fs::remove_file(&log);
    drop_namespace(&conn, &ns).await;
}

/// Every line to a broker cut once, under one console: the line to Redis and
/// both of RabbitMQ's (AMQP and management) closed, reset and black-holed
/// through the test kit's fault proxy. Each time the queue's row says it is
/// reconnecting (a black hole is caught by the poll's deadline), and it reads
/// as before once the line is back, with nothing restarted. The fault bench
/// runs the same scenarios ten times, and the restarts of both brokers.
#[test]
fn broker_lines_closed_reset_and_black_holed_recover() {
    for (what, results) in broker_faults(1, false) {
        assert!(results.iter().all(Option::is_some), "{what}: the queue row did not recover (its panic is above)");
    }
}

/// A copy of job-wq-2 working a list of 40 items (1-2 s each, two workers):
/// while it drains, `--once` gives the Job an ETA from its queue (depth over
/// the drain rate), and the console's Jobs list shows one in its ETA column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_work_queue_job_gets_its_eta_from_its_queue() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("eta");
    let list = unique("eta-list");
    let mut r = redis_conn(&b).await;
    let items: Vec<String> = (0..40).map(|i| format!("item-{i}")).collect();
    let _: () = redis::cmd("DEL").arg(&list).arg(format!("{list}:processing")).query_async(&mut r).await.unwrap();
    let _: () = redis::cmd("RPUSH").arg(&list).arg(&items).query_async(&mut r).await.unwrap();
    let conn = admin().await;
    namespace(&conn, &ns).await;
    let config = ConfigFile::new(&test_config(&b, "", &[], &[], &[(&ns, "job-wq-2", "redis", &list)]));
    let path = config.0.to_string_lossy().to_string();
    let mut c = crate::support::console(&["--config", path.as_str(), "-n", ns.as_str()]).spawn();
    create_job(&conn, &ns, rediswq_job("job-wq-2", &list)).await;
    let args = ["--config", path.as_str(), "-n", ns.as_str()];
    let (_, report) = once_until(&args, "an ETA from the queue", |r| {
        crate::support::report_job(r, &ns, "job-wq-2").is_some_and(|j| j["etaSeconds"].as_i64().is_some_and(|s| s > 0))
    });
    let eta = crate::support::report_job(&report, &ns, "job-wq-2").unwrap()["etaSeconds"].as_i64().unwrap();
    assert!(eta <= 120, "40 items at 1-2 s with two workers take well under two minutes, not {eta} s");
    c.wait_until("an ETA in the Jobs list", SCREEN_DEADLINE, |s| {
        let text = s.text();
        let header = text.lines().find(|l| l.contains("ETA"))?;
        let row = text.lines().find(|l| l.contains("job-wq-2") && l.contains("Running"))?;
        let col = header.find("ETA")?;
        let cell: String = row.chars().skip(header[..col].chars().count()).take(6).collect();
        (cell.trim() != "-" && !cell.trim().is_empty()).then_some(())
    });
    c.key(Key::Char('q'));
    drop_namespace(&conn, &ns).await;
    let _: () = redis::cmd("DEL").arg(&list).arg(format!("{list}:processing")).query_async(&mut r).await.unwrap();
}

/// `url` with its host and port replaced by `addr` (credentials and path kept).
fn through(url: &str, addr: std::net::SocketAddr) -> String {
    let mut u = url::Url::parse(url).expect("broker URL");
    u.set_ip_host(addr.ip()).expect("an IP host");
    u.set_port(Some(addr.port())).expect("a port");
    u.to_string()
}

/// A Redis list and a RabbitMQ queue, each read through the test kit's fault
/// proxy (RabbitMQ's AMQP and management lines both), under one real console:
/// each line closed, reset and black-holed `n` times, then, with `restarts`,
/// each broker restarted `n` times (which needs the brokers to itself). The
/// recoveries of each scenario, by name; a try that panicked is `None`.
pub fn broker_faults(n: usize, restarts: bool) -> Vec<(String, Vec<Option<crate::faults::Recovery>>)> {
    use testkit::proxy::{Fault, Proxy};
    let _brokers = brokers_lock(restarts);
    let b = brokers();
    let (list, rq) = (unique("fault-list"), unique("fault-q"));
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let mut r = redis_conn(&b).await;
        let _: () = redis::cmd("DEL").arg(&list).query_async(&mut r).await.unwrap();
        let _: () = redis::cmd("RPUSH").arg(&list).arg("a").arg("b").query_async(&mut r).await.unwrap();
        publish(&b, &rq, &[b"x", b"y"], true).await;
        if restarts {
            redis_keeps_data_across_restart(&b).await;
        }
    });
    let addr = |url: &str| host_port(url).parse().expect("a broker host:port");
    let (redis, amqp, api) =
        (Proxy::start(addr(&b.redis_url)), Proxy::start(addr(&b.amqp_url)), Proxy::start(addr(&b.api_url)));
    let config = format!(
        "refresh = \"500ms\"\n[[redis]]\nname = \"redis\"\nurl = \"redis://{}/0\"\nlists = [{list:?}]\n\
         [[rabbitmq]]\nname = \"rabbitmq\"\nurl = {:?}\nmanagement_url = {:?}\nqueues = [{rq:?}]\n",
        redis.addr(),
        through(&b.amqp_url, amqp.addr()),
        through(&b.api_url, api.addr()),
    );
    let q = QueueScreen::start(&config, &["default"]);
    q.c.wait_until("both queues read", SCREEN_DEADLINE, |s| (reads(s, &list, "2") && reads(s, &rq, "2")).then_some(()));
    let tries = |attempt: &dyn Fn() -> crate::faults::Recovery| -> Vec<Option<crate::faults::Recovery>> {
        (0..n).map(|_| std::panic::catch_unwind(std::panic::AssertUnwindSafe(attempt)).ok()).collect()
    };
    let mut out = Vec::new();
    for (fault, what) in
        [(Fault::Close, "line closed (FIN)"), (Fault::Reset, "line reset (RST)"), (Fault::Stall, "black hole")]
    {
        let results = tries(&|| queue_fault_and_heal(&q.c, &list, "2", || redis.inject(fault), || redis.heal()));
        out.push((format!("Redis: {what}, proxy"), results));
        let both = |f: Fault| {
            amqp.inject(f);
            api.inject(f);
        };
        let results = tries(&|| queue_fault_and_heal(&q.c, &rq, "2", || both(fault), || both(Fault::None)));
        out.push((format!("RabbitMQ: {what} (AMQP and management), proxy"), results));
    }
    if restarts {
        for (component, name) in [("redis", &list), ("rabbitmq", &rq)] {
            let restart = || {
                queue_fault_and_heal(&q.c, name, "2", || drop(sandbox(&["stop", component])), || drop(sandbox(&["up"])))
            };
            out.push((format!("{component} restart (`sandbox stop {component}`, `up`)"), tries(&restart)));
        }
    }
    drop(q);
    rt.block_on(async {
        let _: () = redis::cmd("DEL").arg(&list).query_async(&mut redis_conn(&b).await).await.unwrap();
        delete_queue(&b, &rq).await;
    });
    out
}

// ---- Redis Streams worked by consumer groups ---------------------------------------

/// `test_config` with `stream` read as a Redis Stream on source `redis`
/// (`[[redis.queues]]` right after the `[[redis]]` table it belongs to).
fn stream_config(b: &Brokers, stream: &str, idle_after: &str) -> String {
    with_stream(&test_config(b, "", &[], &[], &[]), stream, idle_after)
}

/// A `test_config` text with `stream` added to its `[[redis]]` source as a stream.
fn with_stream(base: &str, stream: &str, idle_after: &str) -> String {
    let table = format!("[[redis.queues]]\nname = {stream:?}\nkind = \"stream\"\nidle_after = {idle_after:?}\n");
    let at = base.find("rediswq = true\n").expect("the [[redis]] table") + "rediswq = true\n".len();
    format!("{}{table}{}", &base[..at], &base[at..])
}

/// A Job of stream workers (the worker simulator's `redis-stream` mode), whose
/// env names the broker and the stream as such workers' env does: batchtop
/// links it from there (REDIS_HOST + STREAM), with no [[link]].
fn stream_job(name: &str, stream: &str, parallelism: i32) -> serde_json::Value {
    serde_json::json!({
        "metadata": {"name": name},
        "spec": {
            "parallelism": parallelism,
            "template": {
                "metadata": {"labels": {"sandbox.batchtop.dev/worker": "redis-stream"}},
                "spec": {
                    "containers": [{
                        "name": "c",
                        "image": "gcr.io/myproject/stream-worker",
                        "env": [
                            {"name": "REDIS_HOST", "value": "redis"},
                            {"name": "STREAM", "value": stream},
                            {"name": "GROUP", "value": "workers"}
                        ]
                    }],
                    "restartPolicy": "OnFailure"
                }
            }
        }
    })
}

/// A fresh stream holding `n` entries `task=task-<i>` (the test as producer).
async fn fresh_stream(r: &mut redis::aio::MultiplexedConnection, stream: &str, n: usize) {
    let _: () = redis::cmd("DEL").arg(stream).query_async(r).await.unwrap();
    let mut pipe = redis::pipe();
    for i in 1..=n {
        pipe.cmd("XADD").arg(stream).arg("*").arg("task").arg(format!("task-{i}")).ignore();
    }
    let _: () = pipe.query_async(r).await.unwrap();
}

/// `XINFO CONSUMERS` of group `workers`, as (name, pending, idle ms).
async fn stream_consumers(r: &mut redis::aio::MultiplexedConnection, stream: &str) -> Vec<(String, u64, u64)> {
    let v: redis::Value = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(stream)
        .arg("workers")
        .query_async(r)
        .await
        .unwrap_or(redis::Value::Nil);
    let redis::Value::Array(consumers) = v else { return Vec::new() };
    consumers
        .into_iter()
        .filter_map(|c| {
            let m: BTreeMap<String, redis::Value> = redis::from_redis_value(c).ok()?;
            let name = redis::from_redis_value::<String>(m.get("name")?.clone()).ok()?;
            let pending = redis::from_redis_value::<u64>(m.get("pending")?.clone()).ok()?;
            let idle = redis::from_redis_value::<u64>(m.get("idle")?.clone()).ok()?;
            Some((name, pending, idle))
        })
        .collect()
}

/// `lag N · pending M` of group `workers` in a stream's detail.
fn workers_group(detail: &str) -> Option<(u64, u64)> {
    let line = detail.lines().find(|l| l.trim_start().starts_with("workers ") && l.contains(" lag "))?;
    let lag = line.split(" lag ").nth(1)?.split(' ').next()?.parse().ok()?;
    let pending = line.split(" pending ").nth(1)?.split(' ').next()?.parse().ok()?;
    Some((lag, pending))
}

/// A Redis Stream worked by a consumer group of two real workers (go-redis
/// XREADGROUP/XACK in the worker simulator), linked to their Job from its env:
/// the queue's ready (the group's lag) is seen part-way down while the Job
/// runs, then lag and pending reach 0 as the Job completes, with no warning;
/// the stream keeps its entries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_lag_falls_to_zero_in_step_with_its_job() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("stream-drain");
    let stream = unique("stream-drain");
    let mut r = redis_conn(&b).await;
    fresh_stream(&mut r, &stream, 24).await;
    let conn = admin().await;
    namespace(&conn, &ns).await;
    let mut q = QueueScreen::start(&stream_config(&b, &stream, "30s"), &[&ns]);
    q.open("redis", &stream);
    q.until_shown(&["kind redis stream", "ready 24 · in flight 0", "no consumer group yet"]);
    create_job(&conn, &ns, stream_job("job-wq-stream", &stream, 2)).await;
    // Part-way: the group reads, the Job runs.
    let mid = q.c.wait_until("the group part-way through, the Job running", DEADLINE, |s| {
        let text = s.text();
        let (lag, _) = workers_group(&text)?;
        let running = text.lines().any(|l| l.contains("job-wq-stream") && l.contains("Running"));
        (running && (1..24).contains(&ready_in(&text)?) && lag < 24).then_some(text)
    });
    assert!(mid.contains("job-wq-stream-"), "the consumers are the pods:\n{mid}");
    let detail = q.c.wait_until("the stream drained by job-wq-stream", DEADLINE, |s| {
        let text = s.text();
        let done = text.lines().any(|l| l.contains("job-wq-stream") && l.contains("Complete"));
        let (max, now) = history_max_now(&text)?;
        (done && workers_group(&text)? == (0, 0) && text.contains("ready 0 · in flight 0") && max >= 1 && now == 0)
            .then_some(text)
    });
    let (max, _) = history_max_now(&detail).unwrap();
    assert!(max <= 24, "the history's highest depth {max} is at most the 24 entries");
    assert!(detail.contains("stream length 24"), "acknowledged entries stay in the stream:\n{detail}");
    assert!(!detail.contains("WARNINGS"), "no warning about a drained stream:\n{detail}");
    let len: u64 = redis::cmd("XLEN").arg(&stream).query_async(&mut r).await.unwrap();
    assert_eq!(len, 24);
    drop(q);
    drop_namespace(&conn, &ns).await;
    let _: () = redis::cmd("DEL").arg(&stream).query_async(&mut r).await.unwrap();
}

/// A stream worker's pod deleted while it holds an entry (read, not yet
/// acknowledged): once the consumer has been idle for the stream's
/// `idle_after`, the queue is stuck within two polls, naming the consumer,
/// in the console (row and detail) and in `--once` (on the Job, as an error);
/// the other worker finishes the rest and the entry stays pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_worker_killed_mid_task_is_stuck_within_two_polls() {
    use k8s_openapi::api::core::v1::Pod;
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("stream-kill");
    let stream = unique("stream-kill");
    let idle_after = Duration::from_secs(3);
    let refresh = Duration::from_millis(500);
    let mut r = redis_conn(&b).await;
    fresh_stream(&mut r, &stream, 16).await;
    let conn = admin().await;
    namespace(&conn, &ns).await;
    let config = stream_config(&b, &stream, "3s");
    let mut q = QueueScreen::start(&config, &[&ns]);
    create_job(&conn, &ns, stream_job("job-wq-stream", &stream, 2)).await;

    // A consumer holding an entry, whose pod is running: delete it at once.
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &ns);
    let start = std::time::Instant::now();
    let (victim, killed_at) = loop {
        assert!(start.elapsed() < DEADLINE, "no worker ever held an entry");
        let holding =
            stream_consumers(&mut r, &stream).await.into_iter().find(|(_, pending, idle)| *pending > 0 && *idle < 500);
        if let Some((name, _, _)) = holding
            && pods
                .delete(&name, &DeleteParams { grace_period_seconds: Some(0), ..DeleteParams::default() })
                .await
                .is_ok()
        {
            break (name, std::time::Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // It died holding its entry: the entry stays pending and the consumer falls idle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held = stream_consumers(&mut r, &stream).await.into_iter().find(|(n, _, _)| *n == victim);
    let (_, pending, idle_ms) = held.expect("the killed consumer stays in the group");
    assert_eq!(pending, 1, "{victim} was killed mid-task: its entry is still pending");
    // When its idle time crossed the threshold (measured by Redis).
    let crossed = std::time::Instant::now() + idle_after.saturating_sub(Duration::from_millis(idle_ms));

    let row =
        q.c.wait_until("the stream's row stuck", DEADLINE, |s| row_of(s, &stream).filter(|r| r.contains("stuck")));
    let noticed = std::time::Instant::now().saturating_duration_since(crossed);
    eprintln!(
        "killed {victim}; row stuck {noticed:?} after its idle time passed {idle_after:?} ({:?} after the kill)",
        killed_at.elapsed()
    );
    // Two polls, and a second for the harness (redraw, the screen read back) on a busy machine.
    assert!(
        noticed <= refresh * 2 + Duration::from_secs(1),
        "stuck {noticed:?} after the threshold: more than two polls ({refresh:?} each): {row}"
    );
    q.open("redis", &stream);
    let detail = q.until_shown(&["WARNINGS", "ABANDONED", &victim]);
    let warning = detail.lines().find(|l| l.trim_start().starts_with("! stuck")).expect("the stuck warning");
    assert!(warning.contains("pending"), "{warning}");
    let line = detail.lines().find(|l| l.contains(&victim) && l.contains("ABANDONED")).expect("the consumer's line");
    assert!(line.contains("pending 1"), "{line}");

    // --once: the same, on the Job, as an error, and the queue stuck.
    let file = ConfigFile::new(&config);
    let path = file.0.to_string_lossy().to_string();
    let (_, report) = once_until(&["--config", &path, "-n", &ns], "the abandoned entry on the Job", |r| {
        r["warnings"].as_array().is_some_and(|ws| {
            ws.iter().any(|w| {
                w["object"] == format!("Job {ns}/job-wq-stream")
                    && w["severity"] == "error"
                    && w["message"].as_str().is_some_and(|m| m.contains(&victim))
            })
        })
    });
    let queue = report["queues"].as_array().unwrap().iter().find(|x| x["name"] == stream.as_str()).expect("the stream");
    assert_eq!((&queue["health"], &queue["abandoned"]), (&"stuck".into(), &1.into()), "{queue:#}");
    let consumers = &queue["stream"]["groups"][0]["consumers"];
    assert!(
        consumers.as_array().unwrap().iter().any(|c| c["name"] == victim.as_str() && c["pending"] == 1),
        "{queue:#}"
    );
    drop(q);
    drop_namespace(&conn, &ns).await;
    let _: () = redis::cmd("DEL").arg(&stream).query_async(&mut r).await.unwrap();
}

// ---- Task frameworks: Celery, RQ, BullMQ, Sidekiq ----------------------------------

/// A task framework as these tests drive it: the worker simulator runs its
/// real workers (Sidekiq: its documented layout, from Go) for pods labelled
/// `kind`, the sandbox's producer sends its tasks with the framework's own
/// client (`sandbox produce`), and batchtop links the Job from the env the
/// framework's workers conventionally carry.
struct Framework {
    kind: &'static str,
    /// The `[[redis.queues]]` fields beyond name and kind (the thresholds the sandbox's workers use).
    fields: &'static str,
    /// How long after its worker died a task is lost at the latest: Celery's
    /// visibility timeout (15 s in the sandbox), RQ's started-registry deadline
    /// and worker key TTL while a job runs (90 s), BullMQ's lock (10 s), the
    /// Sidekiq silence this config allows (15 s).
    lost_after: Duration,
}

const CELERY: Framework =
    Framework { kind: "celery", fields: "visibility_timeout = \"15s\"\n", lost_after: Duration::from_secs(15) };
const RQ: Framework = Framework { kind: "rq", fields: "", lost_after: Duration::from_secs(90) };
const BULLMQ: Framework = Framework { kind: "bullmq", fields: "", lost_after: Duration::from_secs(10) };
const SIDEKIQ: Framework =
    Framework { kind: "sidekiq", fields: "beat_after = \"15s\"\n", lost_after: Duration::from_secs(15) };

/// A config text with `queue` added to its `[[redis]]` source as a queue of `kind`.
fn with_redis_queue(base: &str, queue: &str, kind: &str, fields: &str) -> String {
    let table = format!("[[redis.queues]]\nname = {queue:?}\nkind = {kind:?}\n{fields}");
    let at = base.find("rediswq = true\n").expect("the [[redis]] table") + "rediswq = true\n".len();
    format!("{}{table}{}", &base[..at], &base[at..])
}

/// The env a framework's workers carry, naming the broker (as the cluster
/// knows it: `redis:6379`, mapped to the sandbox) and the queue.
fn framework_env(kind: &str, queue: &str) -> serde_json::Value {
    let url = "redis://redis:6379/0";
    let pairs: Vec<(&str, &str)> = match kind {
        "celery" => vec![("CELERY_BROKER_URL", url), ("CELERY_QUEUE", queue)],
        "rq" => vec![("RQ_REDIS_URL", url), ("RQ_QUEUE", queue)],
        // Stalled jobs are checked for once a minute (BullMQ: 30 s), so one
        // stays stalled long enough to be seen before a worker moves it back.
        "bullmq" => vec![
            ("REDIS_HOST", "redis"),
            ("REDIS_PORT", "6379"),
            ("BULLMQ_QUEUE", queue),
            ("BULLMQ_STALLED_INTERVAL_MS", "60000"),
        ],
        "sidekiq" => vec![("REDIS_URL", url), ("SIDEKIQ_QUEUE", queue)],
        other => panic!("no framework {other}"),
    };
    pairs.into_iter().map(|(name, value)| serde_json::json!({"name": name, "value": value})).collect()
}

/// A Job of three workers of `fw` on `queue`.
fn framework_job(name: &str, fw: &Framework, queue: &str) -> serde_json::Value {
    serde_json::json!({
        "metadata": {"name": name},
        "spec": {
            "parallelism": 3,
            "template": {
                "metadata": {"labels": {"sandbox.batchtop.dev/worker": fw.kind}},
                "spec": {
                    "containers": [{
                        "name": "c",
                        "image": format!("gcr.io/myproject/{}-worker", fw.kind),
                        "env": framework_env(fw.kind, queue)
                    }],
                    "restartPolicy": "OnFailure"
                }
            }
        }
    })
}

/// The keys a framework shares between its queues (only this test's workers use them meanwhile).
fn shared_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "celery" => &["unacked", "unacked_index"],
        "rq" => &["rq:workers", "rq:queues"],
        "sidekiq" => &["processes", "queues", "retry", "dead", "schedule"],
        _ => &[],
    }
}

/// Every Redis key a framework keeps for `queue` (its name is in each).
async fn framework_keys(r: &mut redis::aio::MultiplexedConnection, queue: &str) -> Vec<String> {
    scan_keys(r, &format!("*{queue}*")).await.into_iter().collect()
}

/// Redis: key → (TYPE, DUMP bytes, PTTL) of every key in `keys`, read with read commands only.
async fn dumps(r: &mut redis::aio::MultiplexedConnection, keys: &[String]) -> BTreeMap<String, (String, Vec<u8>, i64)> {
    let mut out = BTreeMap::new();
    for k in keys {
        let t: String = redis::cmd("TYPE").arg(k).query_async(r).await.unwrap();
        let d: Option<Vec<u8>> = redis::cmd("DUMP").arg(k).query_async(r).await.unwrap();
        let p: i64 = redis::cmd("PTTL").arg(k).query_async(r).await.unwrap();
        if let Some(d) = d {
            out.insert(k.clone(), (t, d, p));
        }
    }
    out
}

/// Removes a test's framework queue: its keys, and its name from the frameworks' registries of queues.
async fn forget_framework_queue(r: &mut redis::aio::MultiplexedConnection, queue: &str) {
    let keys = framework_keys(r, queue).await;
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL").arg(&keys).query_async(r).await.unwrap();
    }
    let _: () = redis::cmd("SREM").arg("rq:queues").arg(format!("rq:queue:{queue}")).query_async(r).await.unwrap();
    let _: () = redis::cmd("SREM").arg("queues").arg(queue).query_async(r).await.unwrap();
}

/// Running pods of Job `job`, oldest first.
async fn running_pods(conn: &Cluster, ns: &str, job: &str) -> Vec<String> {
    use k8s_openapi::api::core::v1::Pod;
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
    let list = pods.list(&kube::api::ListParams::default().labels(&format!("job-name={job}"))).await.unwrap();
    let mut running: Vec<(Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>, String)> = list
        .items
        .into_iter()
        .filter(|p| {
            p.metadata.deletion_timestamp.is_none()
                && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
        })
        .map(|p| (p.status.and_then(|s| s.start_time), p.metadata.name.unwrap_or_default()))
        .collect();
    running.sort_by(|a, b| a.0.as_ref().map(|t| t.0).cmp(&b.0.as_ref().map(|t| t.0)));
    running.into_iter().map(|(_, name)| name).collect()
}

/// One framework end to end: a real producer sends 40 tasks, a Job of three
/// real workers linked from its env works them; the queue reads part-way down
/// while the Job runs; two workers killed mid-task (their pods deleted: the
/// framework's own way to lose work) make the queue stuck no later than two
/// polls after the framework's expiry could have passed, in the console (row,
/// detail, warning) and in `--once` (an error on the Job); then the queue
/// reads 0 ready as the Job completes. Last, the contents the framework left
/// are byte for byte the same after an hour's worth of polls ([`poll_an_hour`]).
async fn framework_end_to_end(fw: &Framework) {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique(&format!("{}-e2e", fw.kind));
    let queue = unique(&format!("{}-tasks", fw.kind));
    let job = format!("job-wq-{}", fw.kind);
    let refresh = Duration::from_millis(500);
    let mut r = redis_conn(&b).await;
    let conn = admin().await;
    namespace(&conn, &ns).await;
    sandbox(&["produce", fw.kind, &queue, "40"]);
    let config = with_redis_queue(&test_config(&b, "", &[], &[], &[]), &queue, fw.kind, fw.fields);
    let mut q = QueueScreen::start(&config, &[&ns]);
    q.open("redis", &queue);
    q.until_shown(&[&format!("kind redis {}", fw.kind), "ready 40 · in flight 0"]);
    create_job(&conn, &ns, framework_job(&job, fw, &queue)).await;

    // Part-way: the workers took some, the Job runs, and it is linked from its env.
    q.c.wait_until("the queue part-way down, the Job running", DEADLINE, |s| {
        let text = s.text();
        let running = text.lines().any(|l| l.contains(&job) && l.contains("Running"));
        (running && (1..=34).contains(&ready_in(&text)?)).then_some(())
    });
    // Two workers, each busy with a task, killed at once.
    let mut victims = running_pods(&conn, &ns, &job).await;
    victims.truncate(2);
    assert!(!victims.is_empty(), "no running worker to kill");
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(conn.client.clone(), &ns);
    for v in &victims {
        pods.delete(v, &DeleteParams { grace_period_seconds: Some(0), ..DeleteParams::default() }).await.unwrap();
    }
    let killed = std::time::Instant::now();
    let row = q.c.wait_until("the queue stuck", DEADLINE, |s| {
        let text = s.text();
        text.lines().find(|l| l.contains("LOST TASKS (") && !l.contains("LOST TASKS (0)")).map(str::to_string)
    });
    let seen = killed.elapsed();
    eprintln!("{}: killed {victims:?}; lost tasks shown {seen:?} after the kill: {row}", fw.kind);
    // Two polls after the latest time the framework's expiry could pass, and two seconds for
    // the harness (the screen redrawn and read back, on a busy machine).
    assert!(seen <= fw.lost_after + refresh * 2 + Duration::from_secs(2), "{seen:?}: {row}");
    let detail = q.until_shown(&["WARNINGS", "! stuck", &format!("{} {}", fw.kind, "task")]);
    assert!(detail.contains(&format!("{} TASKS", fw.kind.to_uppercase())), "{detail}");

    // --once: the same, on the Job, as an error, and the queue stuck with its lost tasks.
    let file = ConfigFile::new(&config);
    let path = file.0.to_string_lossy().to_string();
    let (_, report) = once_until(&["--config", &path, "-n", &ns], "the lost task on the Job", |r| {
        r["warnings"].as_array().is_some_and(|ws| {
            ws.iter().any(|w| {
                w["object"] == format!("Job {ns}/{job}")
                    && w["severity"] == "error"
                    && w["message"].as_str().is_some_and(|m| m.contains("stuck") && m.contains(fw.kind))
            })
        })
    });
    let reading = report["queues"].as_array().unwrap().iter().find(|x| x["name"] == queue.as_str()).expect("the queue");
    assert_eq!((&reading["health"], &reading["layout"]), (&"stuck".into(), &fw.kind.into()), "{reading:#}");
    assert!(reading["lost"].as_u64().is_some_and(|n| n >= 1), "{reading:#}");
    assert_eq!(reading["tasks"]["framework"], fw.kind, "{reading:#}");
    assert_eq!(reading["linkedJobs"], serde_json::json!([format!("{ns}/{job}")]), "{reading:#}");

    // The rest is done: nothing waits and the Job completes.
    q.c.wait_until("the queue drained and the Job complete", Duration::from_secs(240), |s| {
        let text = s.text();
        let done = text.lines().any(|l| l.contains(&job) && l.contains("Complete"));
        (done && ready_in(&text)? == 0).then_some(())
    });
    drop(q);

    // Read-only: what the framework left, before and after an hour of polls.
    let shared = shared_keys(fw.kind).iter().map(|k| (*k).to_string());
    let keys: Vec<String> = framework_keys(&mut r, &queue).await.into_iter().chain(shared.clone()).collect();
    let before = dumps(&mut r, &keys).await;
    let started = std::time::Instant::now();
    poll_an_hour(&config, "redis", &[&queue]).await;
    let keys: Vec<String> = framework_keys(&mut r, &queue).await.into_iter().chain(shared).collect();
    let after = dumps(&mut r, &keys).await;
    let elapsed = started.elapsed().as_millis() as i64;
    for (key, (kind, dump, pttl)) in &before {
        match after.get(key) {
            Some((k, d, _)) => assert!(k == kind && d == dump, "{key} changed"),
            // Only a key with an expiry may go, and only once it ran out.
            None => assert!(*pttl >= 0 && *pttl <= elapsed, "{key} went (PTTL was {pttl} ms)"),
        }
    }
    let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert!(new.is_empty(), "keys appeared: {new:?}");

    drop_namespace(&conn, &ns).await;
    forget_framework_queue(&mut r, &queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn celery_drains_with_its_job_and_a_killed_worker_leaves_a_task_unacked_past_its_visibility_timeout() {
    framework_end_to_end(&CELERY).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rq_drains_with_its_job_and_a_killed_worker_leaves_a_started_job_nobody_finishes() {
    framework_end_to_end(&RQ).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bullmq_drains_with_its_job_and_a_killed_worker_leaves_a_stalled_job() {
    framework_end_to_end(&BULLMQ).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sidekiq_drains_with_its_job_and_a_killed_process_leaves_its_work_behind() {
    framework_end_to_end(&SIDEKIQ).await;
}

// ---- RabbitMQ quorum queues, streams and dead-letter queues -------------------------

/// A Job of the wq-dlq scenario's workers on `queue`: each acks a message, or
/// rejects a poison one with requeue until the quorum queue's delivery limit
/// dead-letters it. Linked from its env (`BROKER_URL` + `QUEUE`).
fn rejecting_job(name: &str, queue: &str) -> serde_json::Value {
    serde_json::json!({
        "metadata": {"name": name},
        "spec": {
            "parallelism": 3,
            "template": {
                "metadata": {"labels": {"sandbox.batchtop.dev/worker": "amqp-reject"}},
                "spec": {
                    "containers": [{
                        "name": "c",
                        "image": "gcr.io/myproject/amqp-reject-worker",
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

/// The wq-dlq pattern in queues of this test: a quorum queue (delivery limit
/// 2, dead-letter exchange `<q>.dlx` bound to quorum queue `<q>.dead`) of 20
/// messages, 3 of them poison, worked by a Job that rejects the poison ones,
/// and a stream queue nobody consumes. The console shows each queue's type,
/// the quorum queue's limit, redeliveries and where its dead letters went,
/// the dead-letter queue (read though not configured) naming its source, and
/// a warning on the Job once the 3 are there; `--once` says the same. The
/// three queues' counts and message counters are unchanged by an hour of polls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quorum_queues_poison_messages_pile_up_in_its_dead_letter_queue_linked_to_its_job() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("dlq");
    let queue = unique("dlq-tasks");
    let (dead, events, job) = (format!("{queue}.dead"), format!("{queue}-events"), "job-wq-dlq");
    let conn = admin().await;
    namespace(&conn, &ns).await;
    sandbox(&["produce", "dlq", &queue, "20"]);
    // The quorum queue comes from the Job's env, the stream from the config; the dead-letter queue from neither.
    let config = test_config(&b, "", &[], &[&events], &[]);
    let mut q = QueueScreen::start(&config, &[&ns]);
    create_job(&conn, &ns, rejecting_job(job, &queue)).await;
    q.open("rabbitmq", &queue);
    q.until_shown(&["kind rabbitmq quorum", "delivery limit 2", &format!("dead letters → {dead}")]);
    // Each poison message was delivered 3 times: 6 redeliveries, once the
    // management API's next stats sample (every 5 s) counts them all.
    let redelivered = |text: &str| text.split(" redelivered ").nth(1)?.split(' ').next()?.parse::<u64>().ok();
    let detail = q.c.wait_until("the Job done and its poison messages dead-lettered", DEADLINE, |s| {
        let text = s.text();
        let done = text.lines().any(|l| l.contains(job) && l.contains("Complete"));
        let dead_lettered = text.contains(&format!("dead letters → {dead} (3)"));
        (done && ready_in(&text)? == 0 && dead_lettered && redelivered(&text)? >= 6).then_some(text)
    });
    let warning = detail.lines().find(|l| l.contains("dead-lettered into")).expect("the dead-letter warning");
    assert!(warning.contains("3 message(s)") && warning.contains("delivery limit 2"), "{warning}");
    q.back();
    let rows = q.c.wait_until("the dead-letter queue and the stream listed", DEADLINE, |s| {
        let (d, e) = (row_of(s, &dead)?, row_of(s, &events)?);
        (d.contains(" quorum ") && ready_cell(&d)? == "3" && e.contains(" stream ") && ready_cell(&e)? == "5")
            .then_some((d, e))
    });
    eprintln!("{rows:?}");
    q.open("rabbitmq", &dead);
    q.until_shown(&[&format!("dead-letter queue of {queue}")]);
    drop(q);

    // --once: the warning on the Job, the queues' types and the link back.
    let file = ConfigFile::new(&config);
    let path = file.0.to_string_lossy().to_string();
    let (_, report) = once_until(&["--config", &path, "-n", &ns], "the dead letters on the Job", |r| {
        r["warnings"].as_array().is_some_and(|ws| {
            ws.iter().any(|w| {
                w["object"] == format!("Job {ns}/{job}")
                    && w["message"].as_str().is_some_and(|m| m.contains(&format!("dead-lettered into {dead}")))
            })
        })
    });
    let find = |name: &str| report["queues"].as_array().unwrap().iter().find(|x| x["name"] == name).cloned().unwrap();
    let (source, target, stream) = (find(&queue), find(&dead), find(&events));
    assert_eq!(source["layout"], "quorum", "{source:#}");
    assert_eq!(source["rabbitmq"]["deadLetterQueues"], serde_json::json!([dead]), "{source:#}");
    assert_eq!((&source["rabbitmq"]["deadLettered"], &source["rabbitmq"]["deliveryLimit"]), (&3.into(), &2.into()));
    assert_eq!(source["linkedJobs"], serde_json::json!([format!("{ns}/{job}")]), "{source:#}");
    assert_eq!((&target["deadLetterOf"], &target["ready"]), (&serde_json::json!([queue]), &3.into()), "{target:#}");
    assert_eq!((&stream["layout"], &stream["ready"]), (&"stream".into(), &5.into()), "{stream:#}");

    // Read-only: the three queues' counts and counters, after the broker's next stats sample.
    let none = unique("no-redis-keys");
    let snapshot = || async {
        let mut out = Vec::new();
        for name in [&queue, &dead, &events] {
            out.push(contents(&b, &none, name).await.rabbit);
        }
        out
    };
    tokio::time::sleep(Duration::from_secs(6)).await;
    let before = snapshot().await;
    poll_an_hour(&config, "rabbitmq", &[&queue, &events]).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(before, snapshot().await, "a RabbitMQ queue changed");

    drop_namespace(&conn, &ns).await;
    let (amqp, ch) = amqp_channel(&b).await;
    for name in [&queue, &dead, &events] {
        let _ = ch.queue_delete(name.as_str().into(), QueueDeleteOptions::default()).await;
    }
    let _ = ch
        .exchange_delete(format!("{queue}.dlx").as_str().into(), lapin::options::ExchangeDeleteOptions::default())
        .await;
    let _ = amqp.close(200, "bye".into()).await;
}

/// `discover = [...]`: a queue of each framework, with tasks sent by its own
/// client and no Job or config naming it, is found from the framework's own
/// keys (RQ's and Sidekiq's registries of queues, BullMQ's meta key, kombu's
/// binding) and read as its kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frameworks_queues_are_discovered_from_their_own_keys() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let mut r = redis_conn(&b).await;
    let kinds = ["celery", "rq", "bullmq", "sidekiq"];
    let queues: Vec<String> = kinds.iter().map(|k| unique(&format!("found-{k}"))).collect();
    for (kind, queue) in kinds.iter().zip(&queues) {
        sandbox(&["produce", kind, queue, "3"]);
    }
    let base = test_config(&b, "", &[], &[], &[]);
    let config = base.replacen(
        "rediswq = true\n",
        "rediswq = true\ndiscover = [\"celery\", \"rq\", \"bullmq\", \"sidekiq\"]\n",
        1,
    );
    let q = QueueScreen::start(&config, &["default"]);
    let rows = q.c.wait_until("every framework's queue found", DEADLINE, |s| {
        kinds
            .iter()
            .zip(&queues)
            .map(|(kind, queue)| {
                let row = row_of(s, queue)?;
                (row.split_whitespace().nth(2) == Some(*kind) && ready_cell(&row) == Some("3")).then_some(row)
            })
            .collect::<Option<Vec<_>>>()
    });
    eprintln!("{rows:#?}");
    drop(q);
    for queue in &queues {
        forget_framework_queue(&mut r, queue).await;
    }
}

/// Celery on RabbitMQ: a queue of 24 tasks sent by Celery's own client over
/// AMQP and a Job of three real Celery workers whose env names the broker
/// (`CELERY_BROKER_URL=amqp://...`) and the queue: linked from that env to the
/// configured RabbitMQ source, the queue reads part-way down with consumers
/// while the Job runs, then 0 as it completes. (RabbitMQ gives a dead
/// consumer's unacked message back itself: Celery on RabbitMQ loses no work
/// the way the Redis transport's visibility timeout does.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn celery_on_rabbitmq_drains_with_its_job() {
    let _brokers = brokers_lock(false);
    let b = brokers();
    let ns = unique("celery-amqp");
    let queue = unique("celery-amqp-tasks");
    let job = "job-wq-celery";
    let conn = admin().await;
    namespace(&conn, &ns).await;
    sandbox(&["produce", "celery-amqp", &queue, "24"]);
    let mut q = QueueScreen::start(&test_config(&b, "", &[], &[], &[]), &[&ns]);
    let mut spec = framework_job(job, &CELERY, &queue);
    spec["spec"]["template"]["spec"]["containers"][0]["env"] = serde_json::json!([
        {"name": "CELERY_BROKER_URL", "value": "amqp://guest:guest@rabbitmq-service:5672//"},
        {"name": "CELERY_QUEUE", "value": queue}
    ]);
    create_job(&conn, &ns, spec).await;
    q.open("rabbitmq", &queue);
    q.c.wait_until("the queue part-way down with consumers, the Job running", DEADLINE, |s| {
        let text = s.text();
        let running = text.lines().any(|l| l.contains(job) && l.contains("Running"));
        let consumers = text.contains("consumers 1 ") || text.contains("consumers 2 ") || text.contains("consumers 3 ");
        (running && consumers && (1..24).contains(&ready_in(&text)?)).then_some(())
    });
    let detail = q.c.wait_until("the queue drained and the Job complete", DEADLINE, |s| {
        let text = s.text();
        let done = text.lines().any(|l| l.contains(job) && l.contains("Complete"));
        (done && text.contains("ready 0 · in flight 0")).then_some(text)
    });
    assert!(detail.contains("kind rabbitmq classic"), "{detail}");
    let linked = detail.lines().skip_while(|l| !l.starts_with("JOBS FED")).any(|l| l.contains(job));
    assert!(linked, "linked from CELERY_BROKER_URL and CELERY_QUEUE:\n{detail}");
    drop(q);
    drop_namespace(&conn, &ns).await;
    delete_queue(&b, &queue).await;
}
