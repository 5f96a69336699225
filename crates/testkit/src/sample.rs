//! A hand-built State shaped like the sandbox's seed scenarios (one namespace
//! each), for unit and snapshot tests that need exact, stable values (the
//! sandbox capture in [`crate::capture`] has real ones). Values follow what
//! the real controllers write: condition reasons and messages, index
//! strings, pod names, exit codes.

use std::collections::BTreeMap;

use chrono::Duration;

use model::fixtures::{cond, cronjob, indexed_job, job, job_pod, running, t0, terminated, waiting};
use model::queue::{
    BrokerKind, BrokerStats, Lease, LeaseReading, QueueKey, QueueReading, QueueStatus, QueueUpdate, Queues,
};
use model::{
    Condition, CronJobInfo, EventInfo, ExitCodeRule, FailureRule, JobInfo, Kind, NodeInfo, ObjKey, Object, Owner,
    PodConditionPattern, PodInfo, ServiceInfo, State, Store, Time, Update, WatchId,
};

/// The instant every snapshot is rendered at.
pub fn now() -> Time {
    t0() + Duration::minutes(10)
}

fn at(secs: i64) -> Time {
    t0() + Duration::seconds(secs)
}

fn with_time(mut c: Condition, secs: i64) -> Condition {
    c.last_transition = Some(at(secs));
    c
}

fn started(mut j: JobInfo, secs: i64) -> JobInfo {
    j.status.start_time = Some(at(secs));
    j
}

fn owned(mut p: PodInfo, node: &str, index: Option<u32>) -> PodInfo {
    p.node = Some(node.into());
    p.completion_index = index;
    p
}

fn applied(state: &mut State, kind: Kind, objects: Vec<Object>) {
    let id = WatchId { kind, namespace: None };
    state.apply(Update::ListStarted(id.clone()), now());
    for o in objects {
        state.apply(Update::Applied(id.clone(), o), now());
    }
    state.apply(Update::ListDone(id), now());
}

// A fixture builder: one long list of sample objects, read top to bottom.
#[allow(clippy::too_many_lines)]
pub fn jobs_and_pods() -> (Vec<JobInfo>, Vec<PodInfo>) {
    let mut jobs = Vec::new();
    let mut pods = Vec::new();

    // indexed: indexed-job, 5 completions, done.
    let mut j = started(indexed_job("indexed", "indexed-job", 5), 2);
    j.spec.parallelism = Some(3);
    j.status.succeeded = 5;
    j.status.ready = Some(0);
    j.status.terminating = Some(0);
    j.status.completed_indexes = Some("0-4".into());
    j.status.completion_time = Some(at(40));
    j.status.conditions = vec![
        with_time(
            cond("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
            40,
        ),
        with_time(cond("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods"), 40),
    ];
    for i in 0..5u32 {
        let p = job_pod(&j, &format!("{i}-x{i}k2p"), "Succeeded", terminated(0, "Completed"));
        pods.push(owned(p, &format!("kwok-node-{}", i % 3), Some(i)));
    }
    jobs.push(j);

    // failure-policy: failjob, FailJob on exit 42.
    let mut j = started(job("failure-policy", "job-pod-failure-policy-failjob"), 5);
    j.spec.completions = Some(8);
    j.spec.parallelism = Some(2);
    j.spec.backoff_limit = Some(6);
    j.spec.failure_rules = vec![FailureRule {
        action: "FailJob".into(),
        on_exit_codes: Some(ExitCodeRule { container: Some("main".into()), operator: "In".into(), values: vec![42] }),
        on_pod_conditions: vec![],
    }];
    let msg = "Container main for pod failure-policy/job-pod-failure-policy-failjob-xpbn6 failed with exit code 42 matching FailJob rule at index 0";
    j.status.failed = 2;
    j.status.ready = Some(0);
    j.status.terminating = Some(0);
    j.status.conditions = vec![
        with_time(cond("FailureTarget", "True", "PodFailurePolicy", msg), 40),
        with_time(cond("Failed", "True", "PodFailurePolicy", msg), 41),
    ];
    for suffix in ["xpbn6", "q7wz2"] {
        let p = job_pod(&j, suffix, "Failed", terminated(42, "Error"));
        pods.push(owned(p, "kwok-node-1", None));
    }
    jobs.push(j);

    // failure-policy: ignore, a pod disrupted by a drain, the Job carries on.
    let mut j = started(job("failure-policy", "job-pod-failure-policy-ignore"), 8);
    j.spec.completions = Some(4);
    j.spec.parallelism = Some(2);
    j.spec.backoff_limit = Some(0);
    j.spec.failure_rules = vec![FailureRule {
        action: "Ignore".into(),
        on_exit_codes: None,
        on_pod_conditions: vec![PodConditionPattern { type_: "DisruptionTarget".into(), status: "True".into() }],
    }];
    j.status.succeeded = 1;
    j.status.active = 2;
    j.status.ready = Some(2);
    j.status.terminating = Some(0);
    let mut evicted = job_pod(&j, "h2k9d", "Failed", terminated(137, "Error"));
    evicted
        .conditions
        .push(with_time(cond("DisruptionTarget", "True", "EvictionByEvictionAPI", "Eviction API: evicting"), 60));
    pods.push(owned(evicted, "kwok-node-0", None));
    pods.push(owned(job_pod(&j, "m4v8r", "Succeeded", terminated(0, "Completed")), "kwok-node-1", None));
    pods.push(owned(job_pod(&j, "p3j6t", "Running", running()), "kwok-node-1", None));
    pods.push(owned(job_pod(&j, "z8c1n", "Running", running()), "kwok-node-2", None));
    jobs.push(j);

    // failure-policy: config-issue, failed by a custom pod condition.
    let mut j = started(job("failure-policy", "job-pod-failure-policy-config-issue"), 9);
    j.spec.completions = Some(8);
    j.spec.parallelism = Some(2);
    j.spec.backoff_limit = Some(6);
    j.spec.failure_rules = vec![FailureRule {
        action: "FailJob".into(),
        on_exit_codes: None,
        on_pod_conditions: vec![PodConditionPattern { type_: "ConfigIssue".into(), status: "True".into() }],
    }];
    let msg = "Pod failure-policy/job-pod-failure-policy-config-issue-k6pvp has condition ConfigIssue matching FailJob rule at index 0";
    j.status.failed = 2;
    j.status.conditions = vec![
        with_time(cond("FailureTarget", "True", "PodFailurePolicy", msg), 120),
        with_time(cond("Failed", "True", "PodFailurePolicy", msg), 121),
    ];
    let mut p = job_pod(&j, "k6pvp", "Failed", waiting("ImagePullBackOff"));
    p.conditions.push(with_time(cond("ConfigIssue", "True", "", ""), 110));
    pods.push(owned(p, "kwok-node-2", None));
    jobs.push(j);

    // wq-coarse: job-wq-1, fixed completions 8, parallelism 2, running.
    let mut j = started(job("wq-coarse", "job-wq-1"), 30);
    j.spec.completions = Some(8);
    j.spec.parallelism = Some(2);
    j.spec.backoff_limit = Some(6);
    j.status.succeeded = 3;
    j.status.active = 2;
    j.status.ready = Some(2);
    for (i, s) in ["a1", "b2", "c3"].iter().enumerate() {
        pods.push(owned(job_pod(&j, s, "Succeeded", terminated(0, "Completed")), &format!("kwok-node-{i}"), None));
    }
    pods.push(owned(job_pod(&j, "d4", "Running", running()), "kwok-node-0", None));
    pods.push(owned(job_pod(&j, "e5", "Running", running()), "kwok-node-1", None));
    jobs.push(j);

    // wq-fine: job-wq-2, work queue (parallelism 2, no completions).
    let mut j = started(job("wq-fine", "job-wq-2"), 35);
    j.spec.parallelism = Some(2);
    j.spec.backoff_limit = Some(6);
    j.status.succeeded = 1;
    j.status.active = 1;
    j.status.ready = Some(1);
    pods.push(owned(job_pod(&j, "f6", "Succeeded", terminated(0, "Completed")), "kwok-node-0", None));
    pods.push(owned(job_pod(&j, "g7", "Running", running()), "kwok-node-2", None));
    jobs.push(j);

    // expansion: three Jobs from one template, grouped by jobgroup=jobexample.
    for (i, item) in ["apple", "banana", "cherry"].iter().enumerate() {
        let mut j = started(job("expansion", &format!("process-item-{item}")), 50 + i as i64);
        j.labels.insert("jobgroup".into(), "jobexample".into());
        j.spec.completions = Some(1);
        j.spec.parallelism = Some(1);
        j.status.succeeded = 1;
        j.status.completion_time = Some(at(70 + i as i64));
        j.status.conditions = vec![with_time(cond("Complete", "True", "CompletionsReached", ""), 70 + i as i64)];
        let mut p = job_pod(&j, "w9", "Succeeded", terminated(0, "Completed"));
        p.labels = BTreeMap::from([("jobgroup".into(), "jobexample".into())]);
        pods.push(owned(p, "kwok-node-0", None));
        jobs.push(j);
    }

    // pod-to-pod: an Indexed Job whose pods talk through a headless Service, mid-run.
    let mut j = started(indexed_job("pod-to-pod", "example-job", 3), 200);
    j.spec.subdomain = Some("headless-svc".into());
    j.status.succeeded = 1;
    j.status.active = 2;
    j.status.completed_indexes = Some("0".into());
    pods.push(owned(job_pod(&j, "0-a1b2c", "Succeeded", terminated(0, "Completed")), "kwok-node-0", Some(0)));
    pods.push(owned(job_pod(&j, "1-d3e4f", "Running", running()), "kwok-node-1", Some(1)));
    pods.push(owned(job_pod(&j, "2-g5h6i", "Pending", waiting("ContainerCreating")), "kwok-node-2", Some(2)));
    jobs.push(j);

    // cronjob: hello, one finished run and one running.
    for (n, secs, done) in [(28_894_120u64, 480i64, true), (28_894_121, 540, false)] {
        let mut j = started(job("cronjob", &format!("hello-{n}")), secs);
        j.owner = Some(Owner { kind: "CronJob".into(), name: "hello".into(), uid: "uid-hello".into() });
        j.created = Some(at(secs));
        j.spec.completions = Some(1);
        j.spec.parallelism = Some(1);
        if done {
            j.status.succeeded = 1;
            j.status.completion_time = Some(at(secs + 5));
            j.status.conditions = vec![with_time(cond("Complete", "True", "CompletionsReached", ""), secs + 5)];
            pods.push(owned(job_pod(&j, "r2d2", "Succeeded", terminated(0, "Completed")), "kwok-node-1", None));
        } else {
            j.status.active = 1;
            pods.push(owned(job_pod(&j, "c3po", "Running", running()), "kwok-node-0", None));
        }
        jobs.push(j);
    }
    (jobs, pods)
}

pub fn cronjobs() -> Vec<CronJobInfo> {
    let mut hello = cronjob("cronjob", "hello", "* * * * *");
    hello.last_schedule = Some(at(540));
    hello.last_successful = Some(at(485));
    hello.active = vec!["hello-28894121".into()];
    let mut nightly = cronjob("cronjob", "nightly-report", "30 2 * * *");
    nightly.time_zone = Some("Europe/Berlin".into());
    nightly.suspend = true;
    nightly.concurrency_policy = "Forbid".into();
    vec![hello, nightly]
}

pub fn nodes() -> Vec<NodeInfo> {
    (0..3)
        .map(|i| NodeInfo {
            name: format!("kwok-node-{i}"),
            uid: format!("uid-kwok-node-{i}"),
            ready: Some(i != 2),
            unschedulable: i == 1,
            taints: if i == 1 { vec!["node.kubernetes.io/unschedulable:NoSchedule".into()] } else { vec![] },
            created: Some(t0() - Duration::hours(2)),
            kubelet_version: Some("v1.36.3".into()),
        })
        .collect()
}

pub fn events() -> Vec<EventInfo> {
    let ev = |ns: &str, name: &str, kind: &str, obj: &str, type_: &str, reason: &str, message: &str, secs| EventInfo {
        key: ObjKey::new(ns, name),
        involved_kind: model::word(kind),
        involved_name: obj.into(),
        type_: model::word(type_),
        reason: model::word(reason),
        message: message.into(),
        count: 1,
        last_seen: Some(at(secs)),
    };
    vec![
        ev(
            "failure-policy",
            "e1",
            "Job",
            "job-pod-failure-policy-failjob",
            "Normal",
            "SuccessfulCreate",
            "Created pod: job-pod-failure-policy-failjob-xpbn6",
            5,
        ),
        ev(
            "failure-policy",
            "e2",
            "Job",
            "job-pod-failure-policy-failjob",
            "Warning",
            "PodFailurePolicy",
            "Container main for pod failure-policy/job-pod-failure-policy-failjob-xpbn6 failed with exit code 42 matching FailJob rule at index 0",
            41,
        ),
        ev("indexed", "e3", "Job", "indexed-job", "Normal", "Completed", "Job completed", 40),
        ev(
            "pod-to-pod",
            "e4",
            "Pod",
            "example-job-2-g5h6i",
            "Normal",
            "Scheduled",
            "Successfully assigned pod-to-pod/example-job-2-g5h6i to kwok-node-2",
            210,
        ),
    ]
}

/// Every seed scenario, as one cluster-wide watch per kind would list it.
pub fn state() -> State {
    let mut state = State::default();
    let (jobs, pods) = jobs_and_pods();
    applied(&mut state, Kind::Job, jobs.into_iter().map(Object::Job).collect());
    applied(&mut state, Kind::Pod, pods.into_iter().map(Object::Pod).collect());
    applied(&mut state, Kind::CronJob, cronjobs().into_iter().map(Object::CronJob).collect());
    applied(&mut state, Kind::Node, nodes().into_iter().map(Object::Node).collect());
    applied(&mut state, Kind::Event, events().into_iter().map(Object::Event).collect());
    let svc = ServiceInfo { key: ObjKey::new("pod-to-pod", "headless-svc"), headless: true };
    applied(&mut state, Kind::Service, vec![Object::Service(svc)]);
    state
}

/// The sandbox's queues as the console would hold them after a minute of
/// polls: job1 (RabbitMQ, draining, linked from job-wq-1's env), job2
/// (Redis, rediswq, one live lease), job3 (an orphaned lease), a configured
/// queue that does not exist, and a Redis source that went away.
pub fn queues(jobs: &Store<JobInfo>) -> Queues {
    let now = now();
    let mut queues = Queues::default();
    let q = &mut queues;
    for (source, kind, url) in [
        ("rabbitmq", BrokerKind::RabbitMq, "amqp://guest:***@127.0.0.1:16672/%2f"),
        ("redis", BrokerKind::Redis, "redis://127.0.0.1:16379/0"),
        ("redis-old", BrokerKind::Redis, "redis://127.0.0.1:1/0"),
    ] {
        q.apply(QueueUpdate::Started { source: source.into(), kind, display: url.into(), queues: vec![] });
    }
    q.set_links(
        [
            (QueueKey::new("rabbitmq", "job1"), [ObjKey::new("wq-coarse", "job-wq-1")].into()),
            (QueueKey::new("redis", "job2"), [ObjKey::new("wq-fine", "job-wq-2")].into()),
        ]
        .into(),
    );
    for i in 0..30i64 {
        let at = now - chrono::Duration::seconds(60 - 2 * i);
        let left = (8 - i / 6).max(3) as u64;
        let job1 = QueueReading {
            ready: Some(left - 2),
            in_flight: Some(2),
            consumers: Some(2),
            broker: Some(BrokerStats {
                publish_rate: Some(0.0),
                out_rate: Some(0.1),
                consumer_utilisation: Some(1.0),
                idle_since: None,
            }),
            ..QueueReading::with_status("job1", QueueStatus::Ok)
        };
        let lease = |item: &str, owner: Option<&str>| Lease {
            item: item.into(),
            hash: format!("hash-{item}"),
            owner: owner.map(str::to_string),
            ttl_ms: owner.map(|_| 7400),
        };
        let job2 = QueueReading {
            ready: Some(((20 - i) / 3).max(0) as u64),
            in_flight: Some(1),
            consumers: None,
            leases: Some(LeaseReading {
                processing: 1,
                items: vec![lease("melon", Some("8c1f0d2e-5a0b-4c7e-9f1e-2b3c4d5e6f70"))],
            }),
            ..QueueReading::with_status("job2", QueueStatus::Ok)
        };
        let job3 = QueueReading {
            ready: Some(0),
            in_flight: Some(1),
            leases: Some(LeaseReading { processing: 1, items: vec![lease("kiwi", None)] }),
            ..QueueReading::with_status("job3", QueueStatus::Ok)
        };
        q.apply(QueueUpdate::Polled {
            source: "rabbitmq".into(),
            at,
            readings: vec![job1, QueueReading::not_found("missing")],
            management_error: None,
        });
        q.note_poll("rabbitmq", jobs);
        q.apply(QueueUpdate::Polled { source: "redis".into(), at, readings: vec![job2, job3], management_error: None });
        q.note_poll("redis", jobs);
    }
    q.apply(QueueUpdate::Polled {
        source: "redis-old".into(),
        at: now - chrono::Duration::seconds(90),
        readings: vec![QueueReading { ready: Some(4), ..QueueReading::with_status("jobs", QueueStatus::Ok) }],
        management_error: None,
    });
    q.apply(QueueUpdate::Failed {
        source: "redis-old".into(),
        at: now,
        error: "Connection refused (os error 111)".into(),
    });
    queues
}

/// On top of [`queues`]: stream `tasks` on source `redis`, worked by group
/// `workers` (one consumer live, one gone for 95 s holding an entry: abandoned,
/// over `idle_after` 30 s) and group `audit` with lag and no consumer; shown
/// as soon as they hold (`instant_warnings`), as one poll of the source.
pub fn add_stream(queues: &mut Queues) {
    use model::stream::{ConsumerReading, GroupReading, StreamReading};
    let consumer = |name: &str, pending, idle_ms| ConsumerReading { name: name.into(), pending, idle_ms };
    let group = |name: &str, lag, consumers: Vec<ConsumerReading>, oldest: Option<&str>, last: &str| GroupReading {
        name: name.into(),
        lag: Some(lag),
        pending: consumers.iter().map(|c| c.pending).sum(),
        consumers_total: consumers.len() as u64,
        consumers,
        oldest_pending: oldest.map(str::to_string),
        last_delivered: last.into(),
    };
    let workers = vec![consumer("job-wq-stream-7xk2p", 1, 95_000), consumer("job-wq-stream-m4q9z", 1, 800)];
    let stream = StreamReading {
        length: 40,
        groups_total: 2,
        groups: vec![
            group("workers", 12, workers, Some("1764680000000-3"), "1764680000000-28"),
            group("audit", 40, vec![], None, "0-0"),
        ],
        idle_after: std::time::Duration::from_secs(30),
    };
    poll_adding(queues, "redis", vec![QueueReading::of_stream("tasks", stream)]);
}

/// One poll of `source` now: the queues it already has, read as before, and `added`;
/// warnings shown as soon as they hold (`instant_warnings`).
fn poll_adding(queues: &mut Queues, source: &str, added: Vec<QueueReading>) {
    let mut readings: Vec<QueueReading> =
        queues.by_key.values().filter(|q| q.key.source == source).map(|q| q.reading.clone()).collect();
    readings.extend(added);
    queues.apply(QueueUpdate::Polled { source: source.into(), at: now(), readings, management_error: None });
    queues.instant_warnings = true;
}

/// On top of [`queues`]: one queue of each task framework on source `redis`,
/// as the sandbox's framework scenarios leave them mid-run: Celery
/// `celery-tasks` with one task unacked past its visibility timeout (its
/// worker was killed), RQ `rq-tasks` with two workers working, BullMQ
/// `bull-tasks` with a stalled job (its lock expired), and Sidekiq
/// `sidekiq-tasks` with a growing dead set and a process that stopped
/// beating holding one job. Shown as soon as they hold (`instant_warnings`).
pub fn add_tasks(queues: &mut Queues) {
    use model::tasks::{Framework, LostTask, TaskQueueReading, WorkerReading};
    let lost = |id: &str, worker: Option<&str>, age_ms| LostTask {
        id: id.into(),
        worker: worker.map(str::to_string),
        age_ms: Some(age_ms),
    };
    let worker = |name: &str, state: Option<&str>, busy, beat_ms, gone| WorkerReading {
        name: name.into(),
        state: state.map(str::to_string),
        busy,
        beat_age_ms: beat_ms,
        gone,
    };
    let mut celery = TaskQueueReading::new(Framework::Celery)
        .count("ready", 18)
        .count("unacked", 2)
        .count("unacked (all queues)", 2)
        .count("workers (app)", 1)
        .with_lost(vec![lost("5f0c2a9e-7d41-4b8e-a1c3-9e2f6d8b7a10", None, 41_000)]);
    celery.threshold = Some(std::time::Duration::from_secs(15));
    let mut rq = TaskQueueReading::new(Framework::Rq)
        .count("queued", 11)
        .count("started", 2)
        .count("failed", 0)
        .count("deferred", 0)
        .count("scheduled", 0)
        .count("finished", 17)
        .with_workers(vec![
            worker("job-wq-rq-5d8kq.1", Some("busy"), None, Some(2_000), false),
            worker("job-wq-rq-x7c2m.1", Some("busy"), None, Some(4_000), false),
        ]);
    let mut bullmq = TaskQueueReading::new(Framework::BullMq)
        .count("waiting", 7)
        .count("prioritized", 0)
        .count("active", 2)
        .count("delayed", 0)
        .count("waiting-children", 0)
        .count("failed", 1)
        .count("completed", 30)
        .with_lost(vec![lost("23", None, 12_000)]);
    let mut sidekiq = TaskQueueReading::new(Framework::Sidekiq)
        .count("enqueued", 5)
        .count("busy", 2)
        .count("retry (all queues)", 1)
        .count("scheduled (all queues)", 0)
        .count("dead (all queues)", 3)
        .with_workers(vec![
            worker("job-wq-sidekiq-9tq4v:1:4f2a9c1e", Some("quiet"), Some(1), Some(3_000), false),
            worker("job-wq-sidekiq-k2r8d:1:0b7e5d3a", None, Some(1), Some(47_000), true),
        ])
        .with_lost(vec![lost("b41c9e07d2a35f68", Some("job-wq-sidekiq-k2r8d:1:0b7e5d3a"), 52_000)]);
    sidekiq.threshold = Some(model::tasks::SIDEKIQ_BEAT_AFTER);
    (rq.dead, bullmq.dead, sidekiq.dead) = (Some(0), Some(1), Some(3));
    poll_adding(
        queues,
        "redis",
        vec![
            // Celery registers no worker by name: the reader counts the app's pidbox listeners.
            QueueReading { consumers: Some(1), ..QueueReading::of_tasks("celery-tasks", 18, 2, celery) },
            QueueReading::of_tasks("rq-tasks", 11, 2, rq),
            QueueReading::of_tasks("bull-tasks", 7, 2, bullmq),
            QueueReading::of_tasks("sidekiq-tasks", 5, 2, sidekiq),
        ],
    );
}

/// On top of [`queues`]: RabbitMQ's other kinds on source `rabbitmq`, as the
/// sandbox's wq-dlq scenario leaves them: quorum queue `dlq-tasks` (delivery
/// limit 2, linked to job-wq-dlq) whose poison messages went to its
/// dead-letter queue `dlq-tasks.dead` (3 messages), and stream `dlq-events`.
pub fn add_rabbit_kinds(queues: &mut Queues) {
    use model::queue::RabbitQueueInfo;
    let info = |queue_type: &str| RabbitQueueInfo { queue_type: queue_type.into(), ..RabbitQueueInfo::default() };
    let reading = |name: &str, ready, info| QueueReading {
        ready: Some(ready),
        in_flight: Some(0),
        consumers: Some(0),
        rabbit: Some(info),
        ..QueueReading::with_status(name, QueueStatus::Ok)
    };
    let tasks = RabbitQueueInfo {
        delivery_limit: Some(2),
        redelivered: Some(6),
        dead_letter_exchange: Some("dlq-tasks.dlx".into()),
        dead_letter_queues: vec!["dlq-tasks.dead".into()],
        dead_lettered: Some(3),
        ..info("quorum")
    };
    let added = vec![
        reading("dlq-tasks", 0, tasks),
        reading("dlq-tasks.dead", 3, info("quorum")),
        reading("dlq-events", 5, info("stream")),
    ];
    let mut links = queues.links.clone();
    links.insert(QueueKey::new("rabbitmq", "dlq-tasks"), [ObjKey::new("wq-dlq", "job-wq-dlq")].into());
    queues.set_links(links);
    poll_adding(queues, "rabbitmq", added);
}
