//! Runs the queue sources: one tokio task per broker, polling at the refresh
//! interval (queues have no watch API; each poll is a few cheap read-only
//! commands), with its own backoff, and recovering by itself when the broker
//! comes back. A broker that hangs or goes away only delays its own task.
//!
//! The app computes a [`Plan`] from the config and the Jobs
//! ([`model::queue::plan`]) whenever Jobs change, and hands it to
//! [`QueueSources::apply`]: new brokers get a task, running ones get their new
//! queue list without reconnecting, brokers no longer needed are stopped.

pub mod poll;
pub mod rabbitmq;
pub mod redis;
pub mod streams;
pub mod tasks;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use model::queue::{BrokerSpec, Plan, QueueUpdate, Queues, SourceSpec};
use model::{JobInfo, Store};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use self::poll::{PollResult, Poller, backoff, poll_with_timeout};
use self::rabbitmq::RabbitPoller;
use self::redis::RedisPoller;

/// The task of one source: poll, report, wait (refresh or backoff), repeat;
/// polls at once when the queue list changes. Ends when the app drops the
/// receiver or the target sender.
pub async fn run<P: Poller>(
    mut poller: P,
    source: String,
    mut targets: watch::Receiver<BTreeSet<String>>,
    tx: mpsc::Sender<QueueUpdate>,
    refresh: Duration,
) {
    let mut failures = 0u32;
    loop {
        let queues = targets.borrow_and_update().clone();
        let result = poll_with_timeout(&mut poller, &queues).await;
        let at = chrono::Utc::now();
        let update = match result {
            Ok((readings, management_error)) => {
                failures = 0;
                QueueUpdate::Polled { source: source.clone(), at, readings, management_error }
            }
            Err(error) => {
                failures += 1;
                poller.reset();
                tracing::warn!(source = %source, failures, "queue poll failed: {error}");
                QueueUpdate::Failed { source: source.clone(), at, error }
            }
        };
        if tx.send(update).await.is_err() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(backoff(refresh, failures)) => {}
            changed = targets.changed() => if changed.is_err() { return },
        }
    }
}

/// The poller of every broker kind, built in one place ([`BrokerPoller::new`]).
// One per source, built once and owned by its task for its life: boxing would save nothing.
#[allow(clippy::large_enum_variant)]
pub enum BrokerPoller {
    Redis(RedisPoller),
    RabbitMq(RabbitPoller),
}

impl BrokerPoller {
    pub fn new(spec: &SourceSpec) -> Self {
        match &spec.broker {
            BrokerSpec::Redis(redis) => Self::Redis(RedisPoller::new(spec, redis.clone())),
            BrokerSpec::RabbitMq(rabbit) => Self::RabbitMq(RabbitPoller::new(spec, rabbit.clone())),
        }
    }
}

impl Poller for BrokerPoller {
    async fn poll(&mut self, queues: &BTreeSet<String>) -> PollResult {
        match self {
            Self::Redis(p) => p.poll(queues).await,
            Self::RabbitMq(p) => p.poll(queues).await,
        }
    }

    fn reset(&mut self) {
        match self {
            Self::Redis(p) => p.reset(),
            Self::RabbitMq(p) => p.reset(),
        }
    }
}

fn spawn_source(
    spec: &SourceSpec,
    targets: watch::Receiver<BTreeSet<String>>,
    tx: mpsc::Sender<QueueUpdate>,
    refresh: Duration,
) -> JoinHandle<()> {
    let source = spec.name.clone();
    let poller = run(BrokerPoller::new(spec), source.clone(), targets, tx.clone(), refresh);
    // A poller that panics or ends shows as failing, not as its last good poll.
    tokio::spawn(async move {
        let error = crate::task::why_it_ended(poller).await;
        tracing::error!(%source, %error, "queue poller ended");
        let _ = tx.send(QueueUpdate::Failed { source, at: chrono::Utc::now(), error }).await;
    })
}

/// The `Started` update announcing a source and the queues it will poll.
fn started(spec: &SourceSpec) -> QueueUpdate {
    QueueUpdate::Started {
        source: spec.name.clone(),
        kind: spec.kind(),
        display: spec.display.clone(),
        queues: spec.queues.iter().cloned().collect(),
    }
}

struct Running {
    /// The spec with its queue list emptied: a change here means reconnecting.
    connection: SourceSpec,
    targets: watch::Sender<BTreeSet<String>>,
    task: JoinHandle<()>,
}

/// The running source tasks. Dropping it stops them all.
pub struct QueueSources {
    tx: mpsc::Sender<QueueUpdate>,
    refresh: Duration,
    running: BTreeMap<String, Running>,
}

impl QueueSources {
    /// Sources will send their updates on `tx`, polling every `refresh`.
    pub fn new(tx: mpsc::Sender<QueueUpdate>, refresh: Duration) -> Self {
        Self { tx, refresh, running: BTreeMap::new() }
    }

    /// Brings the running tasks in line with `plan`. Must run inside a tokio
    /// runtime. Returns the `Started`/`Stopped` updates for the state to apply
    /// now (sources report their polls themselves).
    pub fn apply(&mut self, plan: &Plan) -> Vec<QueueUpdate> {
        let mut out = Vec::new();
        let wanted: BTreeSet<&str> = plan.sources.iter().map(|s| s.name.as_str()).collect();
        let gone: Vec<String> = self.running.keys().filter(|n| !wanted.contains(n.as_str())).cloned().collect();
        for name in gone {
            if let Some(r) = self.running.remove(&name) {
                r.task.abort();
            }
            out.push(QueueUpdate::Stopped { source: name });
        }
        for spec in &plan.sources {
            let connection = SourceSpec { queues: BTreeSet::new(), ..spec.clone() };
            match self.running.get(&spec.name) {
                Some(r) if r.connection == connection && !r.task.is_finished() => {
                    let changed = r.targets.send_if_modified(|q| {
                        let changed = *q != spec.queues;
                        if changed {
                            q.clone_from(&spec.queues);
                        }
                        changed
                    });
                    // New queues show at once, even while the broker is down.
                    if changed {
                        out.push(started(spec));
                    }
                }
                _ => {
                    if let Some(old) = self.running.remove(&spec.name) {
                        old.task.abort();
                    }
                    let (targets, rx) = watch::channel(spec.queues.clone());
                    let task = spawn_source(spec, rx, self.tx.clone(), self.refresh);
                    self.running.insert(spec.name.clone(), Running { connection, targets, task });
                    out.push(started(spec));
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The channel the sources report on (the KEDA ScaledJob watch uses it too).
    pub fn sender(&self) -> mpsc::Sender<QueueUpdate> {
        self.tx.clone()
    }
}

impl Drop for QueueSources {
    fn drop(&mut self) {
        for r in self.running.values() {
            r.task.abort();
        }
    }
}

/// For `--once`: polls every planned source `polls` times, `gap` apart (two
/// polls give rates and confirm orphaned leases), all sources at once, and
/// returns the resulting state with links and warning counts. A source that
/// fails is shown with its error; nothing here waits longer than
/// `polls * (POLL_TIMEOUT + gap)`.
pub async fn snapshot(plan: &Plan, queues: Queues, jobs: &Store<JobInfo>, polls: u32, gap: Duration) -> Queues {
    let mut state = queues;
    state.instant_warnings = true;
    state.set_links(plan.links.clone());
    state.link_notes.clone_from(&plan.notes);
    for spec in &plan.sources {
        state.apply(started(spec));
    }
    let tasks: Vec<_> = plan
        .sources
        .iter()
        .map(|spec| {
            let spec = spec.clone();
            tokio::spawn(async move {
                let mut results = Vec::new();
                poll_n(BrokerPoller::new(&spec), &spec, polls, gap, &mut results).await;
                (spec.name, results)
            })
        })
        .collect();
    let mut per_source = Vec::new();
    for t in tasks {
        if let Ok(r) = t.await {
            per_source.push(r);
        }
    }
    for round in 0..polls as usize {
        for (name, results) in &per_source {
            if let Some((at, result)) = results.get(round) {
                let update = match result.clone() {
                    Ok((readings, management_error)) => {
                        QueueUpdate::Polled { source: name.clone(), at: *at, readings, management_error }
                    }
                    Err(error) => QueueUpdate::Failed { source: name.clone(), at: *at, error },
                };
                state.apply(update);
                state.note_poll(name, jobs);
            }
        }
    }
    for (name, results) in &per_source {
        if results.iter().all(|(_, r)| r.is_err()) {
            state.give_up(name);
        }
    }
    state
}

async fn poll_n<P: Poller>(
    mut p: P,
    spec: &SourceSpec,
    polls: u32,
    gap: Duration,
    out: &mut Vec<(model::Time, PollResult)>,
) {
    for i in 0..polls {
        if i > 0 {
            tokio::time::sleep(gap).await;
        }
        let r = poll_with_timeout(&mut p, &spec.queues).await;
        let failed = r.is_err();
        out.push((chrono::Utc::now(), r));
        if failed {
            p.reset();
        }
    }
}
