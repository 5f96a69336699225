//! Work queues beside the Jobs they feed: pure state, no I/O.
//!
//! Queue sources (`source::redis`, `source::rabbitmq`) poll their broker at
//! the refresh interval and send one [`QueueUpdate`] per poll; [`Queues::apply`]
//! folds it in. Which queues to poll, and which Job each one feeds, comes from
//! [`plan`]: configured sources and links, plus queues discovered from the
//! Jobs' pod template env (`BROKER_URL` + `QUEUE`, Redis host + list name).
//!
//! Rates and ETA: every poll appends a sample (ready, in flight) to a bounded
//! history. Over the last `rate_window` of samples, the increases of the
//! items left (ready + in flight) are summed as the in-rate and the decreases
//! as the out-rate, each divided by the time the samples span. Between two
//! polls only the net change is visible, so on a busy queue both are lower
//! bounds; when the RabbitMQ management API is configured its own publish and
//! ack rates are used instead. ETA to empty = items left / (out - in), shown
//! only while the queue is draining.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::redact::mask_url;
use crate::settings::{Config, DEFAULT_MAX_LEASES, Discovery, DiscoveryConnect, HostMap, Management, vhost_of};
use crate::stream::StreamReading;
use crate::tasks::{Layout, TaskQueueReading};
use crate::types::{EnvVar, JobInfo, ObjKey, Time};

/// Consecutive failed polls after which a source is shown unreachable rather
/// than reconnecting. One failed poll is only a blip.
pub const UNREACHABLE_AFTER: u32 = 3;
/// Consecutive polls a Job/queue mismatch must persist before it is a warning:
/// a queue poll and the Job's status never change at the same instant.
pub const WARN_AFTER_POLLS: u32 = 2;
/// "Queue empty but pods still running" waits longer: the last workers need a
/// moment to notice the empty queue and exit.
pub const EMPTY_WARN_AFTER_POLLS: u32 = 3;
/// A dead set that grew stays a warning this long after its last growth.
pub const DEAD_GROWTH_HOLD: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BrokerKind {
    Redis,
    #[serde(rename = "rabbitmq")]
    RabbitMq,
}

impl BrokerKind {
    pub fn label(self) -> &'static str {
        match self {
            BrokerKind::Redis => "redis",
            BrokerKind::RabbitMq => "rabbitmq",
        }
    }
}

/// A queue: the source it lives on (by name) and its name there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct QueueKey {
    pub source: String,
    pub name: String,
}

impl QueueKey {
    pub fn new(source: impl Into<String>, name: impl Into<String>) -> Self {
        Self { source: source.into(), name: name.into() }
    }
}

impl std::fmt::Display for QueueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.source, self.name)
    }
}

// ---- what sources send ------------------------------------------------------

/// What a queue source tells the state.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueUpdate {
    /// A source started (or was reconfigured): show it and the queues it will
    /// poll before its first poll (and if that never succeeds).
    Started { source: String, kind: BrokerKind, display: String, queues: Vec<String> },
    /// One successful poll: the complete set of this source's queues right now.
    Polled { source: String, at: Time, readings: Vec<QueueReading>, management_error: Option<String> },
    /// A poll or connection attempt failed; the source retries with backoff.
    Failed { source: String, at: Time, error: String },
    /// The source is no longer wanted (no configured or linked queue left).
    Stopped { source: String },
    /// Every KEDA ScaledJob in the watched scope, after any change (they are few).
    ScaledJobs(Vec<ScaledJobInfo>),
    /// Env values read from Secrets (only with `allow_secrets`).
    Secrets(BTreeMap<SecretRef, SecretValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueReading {
    pub name: String,
    pub status: QueueStatus,
    /// Items waiting (LLEN, or RabbitMQ's message count).
    pub ready: Option<u64>,
    /// Items taken but not finished (rediswq processing list, RabbitMQ unacked).
    pub in_flight: Option<u64>,
    pub consumers: Option<u64>,
    pub broker: Option<BrokerStats>,
    pub leases: Option<LeaseReading>,
    /// A Redis Stream's groups and consumers; `None` for lists and RabbitMQ queues.
    pub stream: Option<StreamReading>,
    /// A task framework's states, workers and lost tasks; `None` for other queues.
    pub tasks: Option<TaskQueueReading>,
    /// RabbitMQ with the management API: the queue's type, delivery limit and dead-lettering.
    pub rabbit: Option<RabbitQueueInfo>,
}

impl QueueReading {
    pub fn not_found(name: impl Into<String>) -> Self {
        Self::with_status(name, QueueStatus::NotFound)
    }

    /// A stream's reading: ready, in flight and consumers as [`StreamReading`] counts them.
    pub fn of_stream(name: impl Into<String>, stream: StreamReading) -> Self {
        Self {
            ready: stream.ready(),
            in_flight: Some(stream.in_flight()),
            consumers: Some(stream.consumers()),
            stream: Some(stream),
            ..Self::with_status(name, QueueStatus::Ok)
        }
    }

    /// A task framework's reading: `ready` waiting, `in_flight` taken and not
    /// finished, the live workers as consumers.
    pub fn of_tasks(name: impl Into<String>, ready: u64, in_flight: u64, tasks: TaskQueueReading) -> Self {
        Self {
            ready: Some(ready),
            in_flight: Some(in_flight),
            consumers: tasks.live_workers(),
            tasks: Some(tasks),
            ..Self::with_status(name, QueueStatus::Ok)
        }
    }

    pub fn with_status(name: impl Into<String>, status: QueueStatus) -> Self {
        Self {
            name: name.into(),
            status,
            ready: None,
            in_flight: None,
            consumers: None,
            broker: None,
            leases: None,
            stream: None,
            tasks: None,
            rabbit: None,
        }
    }
}

/// What RabbitMQ's management API says of a queue beyond its counts: its
/// type, its delivery limit and where its rejected or expired messages go.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RabbitQueueInfo {
    /// `classic`, `quorum` or `stream`.
    #[serde(rename = "type")]
    pub queue_type: String,
    /// Deliveries after which a quorum queue dead-letters (or drops) a
    /// message: `x-delivery-limit`, or the policy's `delivery-limit`.
    pub delivery_limit: Option<u64>,
    /// Messages delivered again (a consumer died or rejected them with requeue), as the broker counts them.
    pub redelivered: Option<u64>,
    /// `x-dead-letter-exchange` (or the policy's): `""` is the default exchange.
    pub dead_letter_exchange: Option<String>,
    /// The queues that exchange routes dead letters to (its bindings; at most [`MAX_DEAD_LETTER_QUEUES`]).
    pub dead_letter_queues: Vec<String>,
    /// Messages waiting in those queues, when they were read.
    pub dead_lettered: Option<u64>,
}

/// Dead-letter queues named per source queue, at most.
pub const MAX_DEAD_LETTER_QUEUES: usize = 4;

impl RabbitQueueInfo {
    /// The type as the KIND column says it.
    pub fn kind_label(&self) -> &'static str {
        match self.queue_type.as_str() {
            "quorum" => "quorum",
            "stream" => "stream",
            "classic" => "classic",
            _ => "queue",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state", content = "message")]
pub enum QueueStatus {
    /// Not polled yet.
    Pending,
    Ok,
    /// The broker says the queue does not exist (RabbitMQ 404; Redis: a configured key that is absent
    /// is simply empty, as rediswq treats it).
    NotFound,
    /// The queue could be asked but the answer is unusable (e.g. the Redis key is not a list).
    Error(String),
}

/// Figures only the RabbitMQ management API has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrokerStats {
    pub publish_rate: Option<f64>,
    /// Acks plus no-ack deliveries per second: items finished.
    pub out_rate: Option<f64>,
    pub consumer_utilisation: Option<f64>,
    pub idle_since: Option<String>,
}

/// rediswq leases of the processing list, as read in one poll.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseReading {
    /// LLEN of `<q>:processing`.
    pub processing: u64,
    /// The first items of the processing list (bounded), with their lease key state.
    pub items: Vec<Lease>,
}

/// One item of a rediswq processing list and its lease key, as a poll read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lease {
    /// The item, made safe to show (control characters removed, truncated).
    pub item: String,
    /// sha224 hex of the raw item: its identity and lease key suffix.
    pub hash: String,
    /// The lease key's value (the worker's session id); `None` if the key is missing.
    pub owner: Option<String>,
    /// Milliseconds left on the lease; `None` if the key is missing or has no expiry.
    pub ttl_ms: Option<i64>,
}

// ---- state -------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceHealth {
    Connecting,
    Ok,
    /// A poll failed; retrying with backoff. The figures shown are the last known.
    Reconnecting {
        error: String,
        failures: u32,
    },
    /// Several polls in a row failed.
    Unreachable {
        error: String,
        failures: u32,
    },
}

impl SourceHealth {
    pub fn label(&self) -> &'static str {
        match self {
            SourceHealth::Connecting => "connecting",
            SourceHealth::Ok => "ok",
            SourceHealth::Reconnecting { .. } => "reconnecting",
            SourceHealth::Unreachable { .. } => "unreachable",
        }
    }

    pub fn error(&self) -> Option<&str> {
        match self {
            SourceHealth::Reconnecting { error, .. } | SourceHealth::Unreachable { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceState {
    pub name: String,
    pub kind: BrokerKind,
    /// The broker URL with its password masked.
    pub display: String,
    pub health: SourceHealth,
    pub last_ok: Option<Time>,
    /// The management API failed while AMQP worked: rates and unacked are missing.
    pub management_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub at: Time,
    pub ready: u64,
    pub in_flight: u64,
}

impl Sample {
    pub fn left(&self) -> u64 {
        self.ready + self.in_flight
    }
}

/// A queue as the console and `--once` know it: its last reading, the depth
/// history, and the rediswq leases confirmed orphaned.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueState {
    pub key: QueueKey,
    pub kind: BrokerKind,
    /// The last poll's reading (`Pending` before the first).
    pub reading: QueueReading,
    pub history: VecDeque<Sample>,
    pub last_poll: Option<Time>,
    /// Items seen without a lease in the last poll (by hash), to confirm orphans on the next.
    unleased: BTreeSet<String>,
    /// Items whose lease key was missing in this poll and the previous one (by
    /// hash): nobody will ever finish them.
    orphans: BTreeSet<String>,
    /// Task frameworks: when the dead set (or failed registry) last grew.
    dead_grew: Option<Time>,
}

impl QueueState {
    fn new(key: QueueKey, kind: BrokerKind) -> Self {
        let reading = QueueReading::with_status(key.name.clone(), QueueStatus::Pending);
        Self {
            key,
            kind,
            reading,
            history: VecDeque::new(),
            last_poll: None,
            unleased: BTreeSet::new(),
            orphans: BTreeSet::new(),
            dead_grew: None,
        }
    }

    /// Items not finished: ready plus in flight (in flight counted as 0 when unknown).
    pub fn items_left(&self) -> Option<u64> {
        self.reading.ready.map(|r| r + self.reading.in_flight.unwrap_or(0))
    }

    /// rediswq: the processing items checked in the last poll.
    pub fn leases(&self) -> &[Lease] {
        self.reading.leases.as_ref().map_or(&[], |l| l.items.as_slice())
    }

    /// rediswq: LLEN of the processing list (the leases may list fewer).
    pub fn processing(&self) -> Option<u64> {
        self.reading.leases.as_ref().map(|l| l.processing)
    }

    /// Whether `lease` is confirmed orphaned (missing in two polls in a row).
    pub fn is_orphaned(&self, lease: &Lease) -> bool {
        self.orphans.contains(&lease.hash)
    }

    pub fn orphaned(&self) -> usize {
        self.orphans.len()
    }

    /// Redis Streams: entries pending for consumers idle beyond the stream's threshold.
    pub fn abandoned(&self) -> u64 {
        self.reading.stream.as_ref().map_or(0, StreamReading::abandoned_entries)
    }

    /// What kind of queue it is, as its last reading shows: `stream`, a task
    /// framework (`celery`, `rq`, `bullmq`, `sidekiq`), `rediswq` (a list
    /// with a processing list), `list`, a RabbitMQ queue's type (`classic`,
    /// `quorum`, `stream`) or `queue` (RabbitMQ without the management API).
    pub fn kind_label(&self) -> &'static str {
        if let Some(t) = &self.reading.tasks {
            return t.framework.label();
        }
        if let Some(r) = &self.reading.rabbit {
            return r.kind_label();
        }
        match (self.kind, &self.reading.stream, &self.reading.leases) {
            (_, Some(_), _) => "stream",
            (BrokerKind::Redis, None, Some(_)) => "rediswq",
            (BrokerKind::Redis, None, None) => "list",
            (BrokerKind::RabbitMq, ..) => "queue",
        }
    }

    /// Task frameworks: tasks nobody will finish (all of them, not only those listed).
    pub fn lost(&self) -> u64 {
        self.reading.tasks.as_ref().map_or(0, |t| t.lost_total)
    }

    /// Items its workers will never finish, of every kind: orphaned rediswq
    /// items, abandoned stream entries, lost framework tasks (what makes it stuck).
    pub fn unfinishable(&self) -> u64 {
        self.orphaned() as u64 + self.abandoned() + self.lost()
    }

    /// Task frameworks: the dead set grew within [`DEAD_GROWTH_HOLD`] of the last poll.
    pub fn dead_growing(&self) -> bool {
        match (self.dead_grew, self.last_poll) {
            (Some(grew), Some(last)) => (last - grew).to_std().is_ok_and(|d| d <= DEAD_GROWTH_HOLD),
            _ => false,
        }
    }

    /// The health the console's HEALTH column and `--once` show: the source's
    /// and the queue's state ([`queue_health`]), and whether it is stuck.
    pub fn health(&self, source: Option<&SourceState>) -> Health {
        let (state, error) = queue_health(self, source);
        Health { state, orphaned: self.orphaned(), abandoned: self.abandoned(), lost: self.lost(), error }
    }

    /// rediswq: the leases checked in the last poll, each with its holder, its
    /// time left and whether it is confirmed orphaned (what the Queue detail
    /// screen lists); `None` for a queue without a processing list.
    pub fn lease_summaries(&self) -> Option<Vec<LeaseSummary>> {
        self.reading.leases.as_ref()?;
        Some(
            self.leases()
                .iter()
                .map(|l| LeaseSummary {
                    item: l.item.clone(),
                    owner: l.owner.clone(),
                    time_left_seconds: l.ttl_ms.map(|ms| ms as f64 / 1000.0),
                    orphaned: self.is_orphaned(l),
                })
                .collect(),
        )
    }

    /// Rates over the window ending at the last sample; the broker's own rates when it has them.
    pub fn rates(&self, window: Duration) -> Option<Rates> {
        let broker = self.reading.broker.as_ref().filter(|b| b.publish_rate.is_some() || b.out_rate.is_some());
        if let Some(b) = broker {
            return Some(Rates { rate_in: b.publish_rate.unwrap_or(0.0), rate_out: b.out_rate.unwrap_or(0.0) });
        }
        rates(self.history.iter().copied(), window)
    }

    /// Time to empty at the current rates, while the queue drains.
    pub fn eta(&self, window: Duration) -> Option<Duration> {
        eta(self.items_left()?, self.rates(window)?)
    }

    fn apply_reading(&mut self, r: QueueReading, at: Time, capacity: usize) {
        self.last_poll = Some(at);
        let unleased: BTreeSet<String> =
            r.leases.iter().flat_map(|l| &l.items).filter(|i| i.owner.is_none()).map(|i| i.hash.clone()).collect();
        self.orphans = unleased.intersection(&self.unleased).cloned().collect();
        self.unleased = unleased;
        let dead = |r: &QueueReading| r.tasks.as_ref().and_then(|t| t.dead);
        if let (Some(before), Some(now)) = (dead(&self.reading), dead(&r))
            && now > before
        {
            self.dead_grew = Some(at);
        }
        self.reading = r;
        if let (QueueStatus::Ok, Some(ready)) = (&self.reading.status, self.reading.ready) {
            if self.history.len() >= capacity.max(1) {
                self.history.pop_front();
            }
            self.history.push_back(Sample { at, ready, in_flight: self.reading.in_flight.unwrap_or(0) });
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Items arriving per second.
    pub rate_in: f64,
    /// Items finished per second.
    pub rate_out: f64,
}

/// Rates from depth samples (oldest first) within `window` of the newest one.
/// `None` with fewer than two samples or no time between them.
pub fn rates(samples: impl DoubleEndedIterator<Item = Sample> + Clone, window: Duration) -> Option<Rates> {
    let newest = samples.clone().next_back()?;
    let window = chrono::Duration::from_std(window).ok()?;
    let in_window: Vec<Sample> = samples.filter(|s| newest.at - s.at <= window).collect();
    let (first, last) = (in_window.first()?, in_window.last()?);
    let secs = (last.at - first.at).num_milliseconds() as f64 / 1000.0;
    if secs <= 0.0 {
        return None;
    }
    let (mut up, mut down) = (0u64, 0u64);
    for w in in_window.windows(2) {
        let (a, b) = (w[0].left(), w[1].left());
        if b > a {
            up += b - a;
        } else {
            down += a - b;
        }
    }
    Some(Rates { rate_in: up as f64 / secs, rate_out: down as f64 / secs })
}

/// Time to empty `left` items at `rates`; `None` unless the queue is draining.
pub fn eta(left: u64, rates: Rates) -> Option<Duration> {
    if left == 0 {
        return Some(Duration::ZERO);
    }
    let drain = rates.rate_out - rates.rate_in;
    if drain <= f64::EPSILON {
        return None;
    }
    let secs = left as f64 / drain;
    (secs.is_finite() && secs < 1e9).then(|| Duration::from_secs_f64(secs))
}

/// The queues, their sources, which Jobs they feed, and warnings.
#[derive(Debug, Clone)]
pub struct Queues {
    pub sources: BTreeMap<String, SourceState>,
    /// Every queue shown, by source and name.
    pub by_key: BTreeMap<QueueKey, QueueState>,
    /// Jobs fed by each queue.
    pub links: BTreeMap<QueueKey, BTreeSet<ObjKey>>,
    pub rate_window: Duration,
    /// Samples kept per queue.
    pub capacity: usize,
    /// Consecutive polls each instantaneous warning has held for.
    held: BTreeMap<WarningId, u32>,
    /// Show warnings as soon as they hold (`--once`: one look, no history to wait for).
    pub instant_warnings: bool,
    /// KEDA ScaledJobs by key: their triggers link the Jobs they create to queues.
    pub scaled_jobs: BTreeMap<ObjKey, ScaledJobInfo>,
    /// Env values read from Secrets for linking (`allow_secrets`); never shown.
    pub secrets: BTreeMap<SecretRef, SecretValue>,
    /// Why some Jobs' env did not link them, from the last plan.
    pub link_notes: Vec<LinkNote>,
}

impl Default for Queues {
    fn default() -> Self {
        let c = Config::default();
        Self::new(c.rate_window, c.history, c.refresh)
    }
}

impl Queues {
    pub fn new(rate_window: Duration, history: Duration, refresh: Duration) -> Self {
        let capacity = (history.as_millis() / refresh.as_millis().max(1)).clamp(2, 3600) as usize;
        Self {
            sources: BTreeMap::new(),
            by_key: BTreeMap::new(),
            links: BTreeMap::new(),
            rate_window,
            capacity,
            held: BTreeMap::new(),
            instant_warnings: false,
            scaled_jobs: BTreeMap::new(),
            secrets: BTreeMap::new(),
            link_notes: Vec::new(),
        }
    }

    pub fn from_config(c: &Config) -> Self {
        Self::new(c.rate_window, c.history, c.refresh)
    }

    /// Folds one source update in. Returns whether anything visible changed.
    pub fn apply(&mut self, update: QueueUpdate) -> bool {
        match update {
            QueueUpdate::Started { source, kind, display, queues } => {
                for name in queues {
                    let key = QueueKey::new(source.clone(), name);
                    self.by_key.entry(key.clone()).or_insert_with(|| QueueState::new(key, kind));
                }
                let s = self.sources.entry(source.clone()).or_insert_with(|| SourceState {
                    name: source,
                    kind,
                    display: display.clone(),
                    health: SourceHealth::Connecting,
                    last_ok: None,
                    management_error: None,
                });
                s.display = display;
                true
            }
            QueueUpdate::Polled { source, at, readings, management_error } => {
                let Some(s) = self.sources.get_mut(&source) else { return false };
                s.health = SourceHealth::Ok;
                s.last_ok = Some(at);
                // Masked here, as a failed poll's error is: every screen shows what the model holds.
                s.management_error = management_error.map(|e| mask_url(&e));
                let kind = s.kind;
                let seen: BTreeSet<String> = readings.iter().map(|r| r.name.clone()).collect();
                self.by_key.retain(|k, _| k.source != source || seen.contains(&k.name));
                for r in readings {
                    let key = QueueKey::new(source.clone(), r.name.clone());
                    let capacity = self.capacity;
                    self.by_key
                        .entry(key.clone())
                        .or_insert_with(|| QueueState::new(key, kind))
                        .apply_reading(r, at, capacity);
                }
                true
            }
            QueueUpdate::Failed { source, error, .. } => {
                let Some(s) = self.sources.get_mut(&source) else { return false };
                let failures = match &s.health {
                    SourceHealth::Reconnecting { failures, .. } | SourceHealth::Unreachable { failures, .. } => {
                        failures + 1
                    }
                    _ => 1,
                };
                let error = mask_url(&error);
                s.health = if failures >= UNREACHABLE_AFTER {
                    SourceHealth::Unreachable { error, failures }
                } else {
                    SourceHealth::Reconnecting { error, failures }
                };
                true
            }
            QueueUpdate::Stopped { source } => {
                self.by_key.retain(|k, _| k.source != source);
                self.sources.remove(&source).is_some()
            }
            QueueUpdate::Secrets(values) => {
                let changed = values.iter().any(|(k, v)| self.secrets.get(k) != Some(v));
                self.secrets.extend(values);
                changed
            }
            QueueUpdate::ScaledJobs(list) => {
                let map: BTreeMap<ObjKey, ScaledJobInfo> = list.into_iter().map(|s| (s.key.clone(), s)).collect();
                let changed = map != self.scaled_jobs;
                self.scaled_jobs = map;
                changed
            }
        }
    }

    /// A source whose every attempt failed (`--once` has no time to retry):
    /// unreachable, not merely reconnecting.
    pub fn give_up(&mut self, source: &str) {
        if let Some(s) = self.sources.get_mut(source)
            && let SourceHealth::Reconnecting { error, failures } = &s.health
        {
            s.health = SourceHealth::Unreachable { error: error.clone(), failures: *failures };
        }
    }

    /// Replaces the Job links (from [`plan`]). Returns whether they changed.
    pub fn set_links(&mut self, links: BTreeMap<QueueKey, BTreeSet<ObjKey>>) -> bool {
        let changed = self.links != links;
        self.links = links;
        changed
    }

    pub fn linked_jobs(&self, queue: &QueueKey) -> impl Iterator<Item = &ObjKey> {
        self.links.get(queue).into_iter().flatten()
    }

    /// The queues a Job works, in key order.
    pub fn queues_of_job<'a>(&'a self, job: &'a ObjKey) -> impl Iterator<Item = &'a QueueKey> + 'a {
        self.links.iter().filter(move |(_, jobs)| jobs.contains(job)).map(|(q, _)| q)
    }

    /// The queues of the same source that dead-letter into `queue`.
    pub fn dead_letter_of<'a>(&'a self, queue: &'a QueueKey) -> impl Iterator<Item = &'a QueueKey> + 'a {
        self.by_key
            .values()
            .filter(move |q| {
                q.key.source == queue.source
                    && q.reading.rabbit.as_ref().is_some_and(|r| r.dead_letter_queues.contains(&queue.name))
            })
            .map(|q| &q.key)
    }

    pub fn source_of(&self, queue: &QueueKey) -> Option<&SourceState> {
        self.sources.get(&queue.source)
    }

    /// A work-queue Job's ETA: when the first of its queues with a drain rate is empty.
    pub fn eta_of_job(&self, job: &ObjKey) -> Option<Duration> {
        self.queues_of_job(job).find_map(|k| self.by_key.get(k)?.eta(self.rate_window))
    }
}

// ---- linking Jobs to queues ----------------------------------------------------

/// A source to poll: configured, or discovered from a Job's env.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    pub name: String,
    /// The URL to connect to: host map applied, credentials included. Never show it: use `display`.
    pub url: String,
    /// The URL as the user wrote it (before host mapping), password masked.
    pub display: String,
    /// Queues to poll: configured, linked, discovered.
    pub queues: BTreeSet<String>,
    /// What only this kind of broker needs.
    pub broker: BrokerSpec,
}

impl SourceSpec {
    pub fn kind(&self) -> BrokerKind {
        match self.broker {
            BrokerSpec::Redis(_) => BrokerKind::Redis,
            BrokerSpec::RabbitMq(_) => BrokerKind::RabbitMq,
        }
    }
}

/// The settings of one kind of broker.
#[derive(Debug, Clone, PartialEq)]
pub enum BrokerSpec {
    Redis(RedisSpec),
    RabbitMq(RabbitSpec),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSpec {
    /// Redis database (from the config, else the URL's path).
    pub db: i64,
    /// A SCAN MATCH pattern that finds more lists.
    pub scan: Option<String>,
    /// Task frameworks whose queues are found from their own keys.
    pub discover: Vec<crate::tasks::Framework>,
    /// Check `<list>:processing` and the lease keys (rediswq protocol).
    pub rediswq: bool,
    /// At most this many processing items get their lease checked per poll.
    pub max_leases: usize,
    /// The queues that are not plain lists: Redis Streams (read with XINFO and
    /// XPENDING) and task frameworks' queues, each with its layout.
    pub layouts: BTreeMap<String, Layout>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RabbitSpec {
    pub vhost: String,
    /// Also poll every queue whose name matches (listed through the management API).
    pub queue_regex: Option<String>,
    /// Management API, its URL host-mapped.
    pub management: Option<Management>,
}

/// Everything the queue sources need to run, and which Job each queue feeds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub sources: Vec<SourceSpec>,
    pub links: BTreeMap<QueueKey, BTreeSet<ObjKey>>,
    /// Why some Jobs' env did not link them (or was not contacted).
    pub notes: Vec<LinkNote>,
}

/// A Job whose env names a queue that batchtop did not link or does not poll,
/// and why. Names the Job and the variable, never the value (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkNote {
    pub job: ObjKey,
    pub variable: String,
    pub reason: LinkNoteReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LinkNoteReason {
    /// The value starts like a broker URL but does not parse.
    Unparsable,
    /// Its host is neither a configured source nor in the host map (and
    /// `discovery.connect` is not "any"): Job env is not trusted to pick hosts.
    UntrustedHost,
    /// More discovered endpoints than `discovery.max_endpoints`.
    OverCap,
}

impl fmt::Display for LinkNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            LinkNoteReason::Unparsable => "is not a valid broker URL: the Job is not linked to its queue",
            LinkNoteReason::UntrustedHost => {
                "names a host that is neither configured nor in [hosts]: not contacted (discovery.connect = \"any\" allows it)"
            }
            LinkNoteReason::OverCap => "names one endpoint too many (discovery.max_endpoints): not polled",
        };
        write!(f, "Job {}: {} {why}", self.job, self.variable)
    }
}

/// A queue a Job's env points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvQueueRef {
    pub kind: BrokerKind,
    /// Broker URL from the env (credentials included), not host-mapped.
    pub url: String,
    pub queue: String,
    /// How the queue is laid out: a stream (named by a stream variable or a KEDA
    /// `redis-streams` trigger), a task framework's queue (named by its
    /// conventional variables), or a list.
    pub layout: Layout,
    /// Where the URL came from (`BROKER_URL`, `REDIS_HOST`, `KEDA trigger host`),
    /// for warnings about it: they name it, never its value.
    pub variable: String,
}

/// The queues a Job's pod template env names, per the discovery rules: a URL
/// variable (amqp/redis scheme) with a queue variable in the same container,
/// or a Redis host variable with a queue variable. A stream variable
/// (`STREAM`, ...) beside a Redis URL or host names a Redis Stream; a task
/// framework's conventional variables (`CELERY_BROKER_URL`, `RQ_REDIS_URL`,
/// `BULLMQ_QUEUE`, `SIDEKIQ_QUEUE`, ...) name its queue.
pub fn env_queue_refs(job: &JobInfo, rules: &crate::settings::Discovery) -> Vec<EnvQueueRef> {
    queue_refs_in_env(&job.spec.env, rules)
}

/// [`env_queue_refs`] over any env (the literal one plus values read from Secrets).
pub fn queue_refs_in_env(env: &[EnvVar], rules: &crate::settings::Discovery) -> Vec<EnvQueueRef> {
    if !rules.enabled {
        return Vec::new();
    }
    let mut containers: Vec<&str> = env.iter().map(|e| e.container.as_str()).collect();
    containers.dedup();
    let mut out = Vec::new();
    let mut push = |r: EnvQueueRef| {
        if !out.contains(&r) {
            out.push(r);
        }
    };
    for c in containers {
        let vars = ContainerEnv { env, container: c };
        let generic = vars.broker_url(&rules.url_env).or_else(|| vars.redis_host(rules));
        if let Some((kind, url, variable)) = &generic {
            for (names, layout) in [(&rules.queue_env, Layout::List), (&rules.stream_env, Layout::stream())] {
                let Some(queue) = vars.get(names) else { continue };
                if layout != Layout::List && *kind != BrokerKind::Redis {
                    continue;
                }
                push(EnvQueueRef {
                    kind: *kind,
                    url: url.clone(),
                    queue: queue.value.clone(),
                    layout,
                    variable: variable.clone(),
                });
            }
        }
        for f in &rules.frameworks {
            for r in vars.framework_refs(f, generic.as_ref()) {
                push(r);
            }
        }
    }
    out
}

/// The env of one container, for the discovery rules.
struct ContainerEnv<'a> {
    env: &'a [EnvVar],
    container: &'a str,
}

impl<'a> ContainerEnv<'a> {
    /// The first of `names` set (non-empty) in this container.
    fn get(&self, names: &[String]) -> Option<&'a EnvVar> {
        names.iter().find_map(|n| {
            self.env.iter().find(|e| e.container == self.container && e.name == *n && !e.value.is_empty())
        })
    }

    /// The first of `names` holding an amqp or redis URL: kind, URL, variable.
    fn broker_url(&self, names: &[String]) -> Option<(BrokerKind, String, String)> {
        names.iter().find_map(|n| {
            self.env
                .iter()
                .filter(|e| e.container == self.container && e.name == *n)
                .find_map(|e| broker_kind(&e.value).map(|k| (k, e.value.clone(), e.name.clone())))
        })
    }

    /// A Redis host variable (and its port variable) as a URL.
    fn redis_host(&self, rules: &Discovery) -> Option<(BrokerKind, String, String)> {
        let host = self.get(&rules.redis_host_env)?;
        let port = self.get(&rules.redis_port_env).and_then(|p| p.value.parse::<u16>().ok()).unwrap_or(6379);
        Some((BrokerKind::Redis, format!("redis://{}:{port}", host.value), host.name.clone()))
    }

    /// A framework's queues: its own broker variable (with its default queue
    /// when no queue variable is set), or a generic Redis URL or host beside
    /// its queue variable. A comma-separated queue variable names several.
    fn framework_refs(
        &self,
        f: &crate::settings::FrameworkEnv,
        generic: Option<&(BrokerKind, String, String)>,
    ) -> Vec<EnvQueueRef> {
        let own = self.broker_url(&f.url_env);
        let queue_var = self.get(&f.queue_env);
        let queues: Vec<String> = match (queue_var, &own, &f.default_queue) {
            (Some(v), _, _) => v.value.split(',').map(str::trim).filter(|q| !q.is_empty()).map(String::from).collect(),
            (None, Some(_), Some(default)) => vec![default.clone()],
            _ => return Vec::new(),
        };
        let Some((kind, url, variable)) = own.or_else(|| generic.filter(|g| g.0 == BrokerKind::Redis).cloned()) else {
            return Vec::new();
        };
        // A framework on RabbitMQ (Celery with an amqp URL) keeps its queue
        // as a plain RabbitMQ queue: the broker counts it.
        let layout = if kind == BrokerKind::Redis { f.framework.default_layout() } else { Layout::List };
        queues
            .into_iter()
            .map(|queue| EnvQueueRef {
                kind,
                url: url.clone(),
                queue,
                layout: layout.clone(),
                variable: variable.clone(),
            })
            .collect()
    }
}

/// A key of a Secret an env var of a Job refers to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretRef {
    pub namespace: String,
    pub secret: String,
    pub key: String,
}

/// A value read from a Secret. Its Debug form never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(pub String);

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue(***)")
    }
}

/// The Secret keys worth reading to link these Jobs: only with
/// `allow_secrets`, only for the env vars linking looks at (URL, host, port
/// and queue variables of the discovery rules), and only of Jobs whose link
/// resolves to a configured source ([`link_is_trusted`]): a Job author does
/// not choose which Secret keys the operator's credentials read.
pub fn secrets_wanted<'a>(config: &Config, jobs: impl IntoIterator<Item = &'a JobInfo>) -> BTreeSet<SecretRef> {
    if !config.allow_secrets || !config.discovery.enabled {
        return BTreeSet::new();
    }
    let d = &config.discovery;
    let linking = |name: &str| d.linking_vars().any(|n| n == name);
    jobs.into_iter()
        .filter(|j| link_is_trusted(config, j))
        .flat_map(|j| {
            j.spec.secret_env.iter().filter(|r| linking(&r.name)).map(|r| SecretRef {
                namespace: j.key.namespace.clone(),
                secret: r.secret.clone(),
                key: r.key.clone(),
            })
        })
        .collect()
}

/// Does what the Job's literal env (or the config) says of its queue lead to a
/// configured source? A `[[link]]` names it; its literal broker URL or Redis
/// host is a configured source or in `[hosts]`; or its literal queue variable
/// names a queue or list of a configured source. With `discovery.connect =
/// "any"` every Job's link is trusted.
fn link_is_trusted(config: &Config, job: &JobInfo) -> bool {
    let d = &config.discovery;
    let configured_queue = |q: &str| {
        config.rabbitmq.iter().any(|r| r.queues.iter().any(|x| x == q))
            || config.redis.iter().any(|r| r.queue_names().any(|x| x == q))
    };
    d.connect == DiscoveryConnect::Any
        || config.links.iter().any(|l| l.matches(&job.key.namespace, &job.key.name))
        || queue_refs_in_env(&job.spec.env, d)
            .iter()
            .any(|r| may_contact(d, &config.hosts, &r.url) || is_configured_endpoint(config, r))
        || job.spec.env.iter().any(|e| d.queue_vars().any(|n| *n == e.name) && configured_queue(&e.value))
}

fn is_configured_endpoint(config: &Config, r: &EnvQueueRef) -> bool {
    let Some((ep, _)) = resolve(r.kind, &r.url, &config.hosts, None) else { return false };
    let redis = config.redis.iter().filter_map(|s| resolve(BrokerKind::Redis, &s.url, &config.hosts, s.db));
    let rabbit = config.rabbitmq.iter().filter_map(|s| resolve(BrokerKind::RabbitMq, &s.url, &config.hosts, None));
    redis.chain(rabbit).any(|(configured, _)| configured == ep)
}

/// A Job's env for linking: its literal values plus those read from Secrets.
pub fn effective_env(job: &JobInfo, secrets: &BTreeMap<SecretRef, SecretValue>) -> Vec<EnvVar> {
    let mut env = job.spec.env.clone();
    for r in &job.spec.secret_env {
        let key = SecretRef { namespace: job.key.namespace.clone(), secret: r.secret.clone(), key: r.key.clone() };
        if let Some(v) = secrets.get(&key) {
            env.push(EnvVar { container: r.container.clone(), name: r.name.clone(), value: v.0.clone() });
        }
    }
    env
}

/// The label KEDA puts on the Jobs a ScaledJob creates.
pub const KEDA_JOB_LABEL: &str = "scaledjob.keda.sh/name";

/// A KEDA ScaledJob, as far as linking needs it: its triggers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaledJobInfo {
    pub key: ObjKey,
    pub triggers: Vec<KedaTrigger>,
}

/// One entry of `spec.triggers`: its type (`rabbitmq`, `redis`, ...) and its
/// metadata, string values only (authenticationRef is never followed: it points at Secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KedaTrigger {
    pub type_: String,
    pub metadata: BTreeMap<String, String>,
}

/// The queues a ScaledJob's triggers name, for one of its Jobs. `*FromEnv`
/// fields name an env var of the Job's containers, as KEDA resolves them.
/// - rabbitmq: `queueName` + `host` (or `hostFromEnv`), when it is an amqp URL
///   (with `protocol: http` the host is the management API: only the queue name links);
/// - redis (and redis-cluster, redis-sentinel): `listName` + `address`
///   (or `addressFromEnv`), or `host`/`hostFromEnv` + `port`/`portFromEnv`;
/// - redis-streams (and redis-cluster-streams, redis-sentinel-streams): `stream`
///   and the address as for redis (its `consumerGroup` is read like every group).
pub fn keda_queue_refs(sj: &ScaledJobInfo, job_env: &[EnvVar]) -> Vec<EnvQueueRef> {
    let env = |name: &str| job_env.iter().find(|e| e.name == name).map(|e| e.value.clone());
    let field = |m: &BTreeMap<String, String>, key: &str| {
        m.get(key).filter(|v| !v.is_empty()).cloned().or_else(|| m.get(&format!("{key}FromEnv")).and_then(|n| env(n)))
    };
    let mut out = Vec::new();
    for t in &sj.triggers {
        let m = &t.metadata;
        let r = match t.type_.as_str() {
            "rabbitmq" => {
                let (Some(queue), Some(url)) = (field(m, "queueName"), field(m, "host")) else { continue };
                if broker_kind(&url) != Some(BrokerKind::RabbitMq) {
                    continue;
                }
                EnvQueueRef {
                    kind: BrokerKind::RabbitMq,
                    url,
                    queue,
                    layout: Layout::List,
                    variable: "KEDA trigger host".into(),
                }
            }
            "redis"
            | "redis-cluster"
            | "redis-sentinel"
            | "redis-streams"
            | "redis-cluster-streams"
            | "redis-sentinel-streams" => {
                let stream = t.type_.ends_with("-streams");
                let Some(queue) = field(m, if stream { "stream" } else { "listName" }) else { continue };
                let address = field(m, "address").or_else(|| {
                    let host = field(m, "host")?;
                    Some(format!("{host}:{}", field(m, "port").unwrap_or_else(|| "6379".into())))
                });
                let Some(address) = address else { continue };
                let url = if address.contains("://") { address } else { format!("redis://{address}") };
                let layout = if stream { Layout::stream() } else { Layout::List };
                EnvQueueRef { kind: BrokerKind::Redis, url, queue, layout, variable: "KEDA trigger address".into() }
            }
            _ => continue,
        };
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

fn broker_kind(url: &str) -> Option<BrokerKind> {
    let scheme = url.split_once("://")?.0.to_ascii_lowercase();
    match scheme.as_str() {
        "amqp" | "amqps" => Some(BrokerKind::RabbitMq),
        "redis" | "rediss" => Some(BrokerKind::Redis),
        _ => None,
    }
}

/// Where a broker URL really goes: kind, host and port after host mapping, and
/// the vhost (RabbitMQ) or db (Redis). Two URLs with one endpoint are one source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Endpoint {
    kind: BrokerKind,
    host: String,
    port: u16,
    scope: String,
}

/// Parses a broker URL, applies the host map. Returns the endpoint and the URL to connect to.
fn resolve(kind: BrokerKind, raw: &str, hosts: &HostMap, db: Option<i64>) -> Option<(Endpoint, url::Url)> {
    let mut u = url::Url::parse(raw).ok()?;
    let default_port = match u.scheme() {
        "amqp" => 5672,
        "amqps" => 5671,
        _ => 6379,
    };
    let host = u.host_str()?.trim_matches(|c| c == '[' || c == ']').to_string();
    let (host, port) = hosts.map(&host, u.port().unwrap_or(default_port));
    u.set_host(Some(&host)).ok()?;
    u.set_port(Some(port)).ok()?;
    let scope = match kind {
        BrokerKind::RabbitMq => vhost_of(&u),
        BrokerKind::Redis => {
            let db = db.or_else(|| u.path().trim_start_matches('/').parse().ok()).unwrap_or(0);
            u.set_path(&format!("/{db}"));
            db.to_string()
        }
    };
    Some((Endpoint { kind, host: host.to_ascii_lowercase(), port, scope }, u))
}

/// Works out which sources to run and which queues feed which Jobs, from the
/// config and the Jobs' env. Pure: the app calls it when Jobs change.
pub fn plan<'a>(config: &Config, jobs: impl IntoIterator<Item = &'a JobInfo>) -> Plan {
    plan_with_keda(config, jobs, &BTreeMap::new())
}

/// [`plan`], plus the queues named by the triggers of the KEDA ScaledJob that
/// made each Job (label `scaledjob.keda.sh/name`).
pub fn plan_with_keda<'a>(
    config: &Config,
    jobs: impl IntoIterator<Item = &'a JobInfo>,
    scaled_jobs: &BTreeMap<ObjKey, ScaledJobInfo>,
) -> Plan {
    plan_full(config, jobs, scaled_jobs, &BTreeMap::new())
}

/// [`plan_with_keda`], with env values read from Secrets (`allow_secrets`).
pub fn plan_full<'a>(
    config: &Config,
    jobs: impl IntoIterator<Item = &'a JobInfo>,
    scaled_jobs: &BTreeMap<ObjKey, ScaledJobInfo>,
    secrets: &BTreeMap<SecretRef, SecretValue>,
) -> Plan {
    let mut sources: Vec<(Endpoint, SourceSpec)> = Vec::new();
    for r in &config.redis {
        if let Some((ep, url)) = resolve(BrokerKind::Redis, &r.url, &config.hosts, r.db) {
            let spec = SourceSpec {
                name: r.name.clone(),
                display: mask_url(&r.url),
                url: url.to_string(),
                queues: r.queue_names().cloned().collect(),
                broker: BrokerSpec::Redis(RedisSpec {
                    db: ep.scope.parse().unwrap_or(0),
                    scan: r.scan.clone(),
                    discover: r.discover.clone(),
                    rediswq: r.rediswq,
                    max_leases: r.max_leases,
                    layouts: r.queues.iter().map(|q| (q.name.clone(), q.layout.clone())).collect(),
                }),
            };
            sources.push((ep, spec));
        }
    }
    for r in &config.rabbitmq {
        if let Some((ep, url)) = resolve(BrokerKind::RabbitMq, &r.url, &config.hosts, None) {
            let management =
                r.management.as_ref().map(|m| Management { url: map_http_url(&m.url, &config.hosts), ..m.clone() });
            let spec = SourceSpec {
                name: r.name.clone(),
                display: mask_url(&r.url),
                url: url.to_string(),
                queues: r.queues.iter().cloned().collect(),
                broker: BrokerSpec::RabbitMq(RabbitSpec {
                    vhost: r.vhost.clone(),
                    queue_regex: r.queue_regex.as_ref().map(|x| x.as_str().to_string()),
                    management,
                }),
            };
            sources.push((ep, spec));
        }
    }
    let mut links: BTreeMap<QueueKey, BTreeSet<ObjKey>> = BTreeMap::new();
    let mut notes = Vec::new();
    let configured = sources.len();
    for job in jobs {
        for l in config.links.iter().filter(|l| l.matches(&job.key.namespace, &job.key.name)) {
            if let Some((_, spec)) = sources.iter_mut().find(|(_, s)| s.name == l.source) {
                spec.queues.insert(l.queue.clone());
                links.entry(QueueKey::new(&spec.name, &l.queue)).or_default().insert(job.key.clone());
            }
        }
        let env = effective_env(job, secrets);
        let keda = job
            .labels
            .get(KEDA_JOB_LABEL)
            .and_then(|name| scaled_jobs.get(&ObjKey::new(job.key.namespace.clone(), name.clone())))
            .map(|sj| keda_queue_refs(sj, &env))
            .unwrap_or_default();
        for r in queue_refs_in_env(&env, &config.discovery).into_iter().chain(keda) {
            let note = |reason| LinkNote { job: job.key.clone(), variable: r.variable.clone(), reason };
            let Some((ep, url)) = resolve(r.kind, &r.url, &config.hosts, None) else {
                notes.push(note(LinkNoteReason::Unparsable));
                continue;
            };
            let idx = if let Some(i) = sources.iter().position(|(e, _)| *e == ep) {
                i
            } else if !may_contact(&config.discovery, &config.hosts, &r.url) {
                notes.push(note(LinkNoteReason::UntrustedHost));
                continue;
            } else if sources.len() - configured >= config.discovery.max_endpoints {
                notes.push(note(LinkNoteReason::OverCap));
                continue;
            } else {
                sources.push((ep, discovered_spec(&r, &url, config)));
                sources.len() - 1
            };
            let spec = &mut sources[idx].1;
            spec.queues.insert(r.queue.clone());
            // A configured layout (and its thresholds) wins over the one the env implies.
            if let (false, BrokerSpec::Redis(redis)) = (r.layout == Layout::List, &mut spec.broker) {
                redis.layouts.entry(r.queue.clone()).or_insert_with(|| r.layout.clone());
            }
            links.entry(QueueKey::new(&spec.name, &r.queue)).or_default().insert(job.key.clone());
        }
    }
    notes.sort();
    notes.dedup();
    Plan { sources: sources.into_iter().map(|(_, s)| s).collect(), links, notes }
}

/// May batchtop connect to the endpoint a Job's env names, which is not a
/// configured source? Only when its host is in the host map (the operator
/// named it) or with `discovery.connect = "any"`: anyone who can create a Job
/// in the watched scope would otherwise choose where the operator's machine
/// connects to.
fn may_contact(rules: &Discovery, hosts: &HostMap, raw: &str) -> bool {
    if rules.connect == DiscoveryConnect::Any {
        return true;
    }
    let Ok(u) = url::Url::parse(raw) else { return false };
    let Some(host) = u.host_str() else { return false };
    let default_port = if u.scheme().starts_with("amqp") { 5672 } else { 6379 };
    hosts.maps(host.trim_matches(|c| c == '[' || c == ']'), u.port().unwrap_or(default_port))
}

fn discovered_spec(r: &EnvQueueRef, url: &url::Url, config: &Config) -> SourceSpec {
    let shown = url::Url::parse(&r.url).ok();
    let host_port = shown
        .as_ref()
        .and_then(|u| {
            Some(match u.port() {
                Some(p) => format!("{}:{p}", u.host_str()?),
                None => u.host_str()?.to_string(),
            })
        })
        .unwrap_or_default();
    let broker = match r.kind {
        BrokerKind::Redis => BrokerSpec::Redis(RedisSpec {
            db: url.path().trim_start_matches('/').parse().unwrap_or(0),
            scan: None,
            discover: Vec::new(),
            rediswq: config.discovery.rediswq,
            max_leases: DEFAULT_MAX_LEASES,
            layouts: BTreeMap::new(),
        }),
        BrokerKind::RabbitMq => {
            BrokerSpec::RabbitMq(RabbitSpec { vhost: vhost_of(url), queue_regex: None, management: None })
        }
    };
    SourceSpec {
        name: format!("{}@{host_port}", r.kind.label()),
        display: mask_url(&r.url),
        url: url.to_string(),
        queues: BTreeSet::new(),
        broker,
    }
}

/// Applies the host map to an http(s) URL's host and port.
fn map_http_url(raw: &str, hosts: &HostMap) -> String {
    let Ok(mut u) = url::Url::parse(raw) else { return raw.to_string() };
    let Some(host) = u.host_str().map(str::to_string) else { return raw.to_string() };
    let default_port = if u.scheme() == "https" { 443 } else { 80 };
    let (h, p) = hosts.map(&host, u.port().unwrap_or(default_port));
    if u.set_host(Some(&h)).is_err() || u.set_port(Some(p)).is_err() {
        return raw.to_string();
    }
    u.to_string().trim_end_matches('/').to_string()
}

// ---- warnings -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WarningKind {
    /// Completions left < items left: some items will never be processed.
    CompletionsBelowItems,
    /// Completions left > items left: pods will block waiting for work.
    CompletionsAboveItems,
    /// The queue is empty but the Job's pods still run.
    EmptyButRunning,
    /// rediswq items without a lease: workers spin forever, the Job never completes.
    OrphanedLease,
    /// Redis Stream entries pending for a consumer idle beyond the threshold: nobody will acknowledge them.
    AbandonedPending,
    /// A Redis Stream group with entries to deliver and no live consumer.
    LagWithoutConsumers,
    /// A task framework's tasks that nobody will finish (a dead worker's
    /// unacked, started, active or busy tasks).
    LostTasks,
    /// A task framework's dead set (failed registry) grew lately.
    DeadGrowing,
    /// RabbitMQ: messages wait in the queue's dead-letter queue (they failed for good).
    DeadLettered,
}

impl WarningKind {
    pub const ALL: [WarningKind; 9] = [
        WarningKind::CompletionsBelowItems,
        WarningKind::CompletionsAboveItems,
        WarningKind::EmptyButRunning,
        WarningKind::OrphanedLease,
        WarningKind::AbandonedPending,
        WarningKind::LagWithoutConsumers,
        WarningKind::LostTasks,
        WarningKind::DeadGrowing,
        WarningKind::DeadLettered,
    ];

    /// Work that can never be finished by the workers themselves: an error, not a warning.
    pub fn is_lost_work(self) -> bool {
        matches!(self, WarningKind::OrphanedLease | WarningKind::AbandonedPending | WarningKind::LostTasks)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct WarningId {
    kind: WarningKind,
    queue: QueueKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueWarning {
    pub kind: WarningKind,
    pub queue: QueueKey,
    /// The Jobs concerned (empty for an orphaned lease on an unlinked queue).
    pub jobs: Vec<ObjKey>,
    pub message: String,
}

impl QueueWarning {
    /// "stuck" for warnings that mean the work can never finish by itself.
    pub fn is_stuck(&self) -> bool {
        matches!(
            self.kind,
            WarningKind::OrphanedLease
                | WarningKind::AbandonedPending
                | WarningKind::LostTasks
                | WarningKind::CompletionsAboveItems
                | WarningKind::EmptyButRunning
        )
    }
}

/// The warnings that hold right now for one queue, without hysteresis.
fn instant_warnings(q: &QueueState, jobs: &[&JobInfo]) -> Vec<QueueWarning> {
    let mut out = Vec::new();
    let orphans: Vec<&Lease> = q.leases().iter().filter(|l| q.is_orphaned(l)).collect();
    let job_keys: Vec<ObjKey> = jobs.iter().map(|j| j.key.clone()).collect();
    if !orphans.is_empty() {
        let names: Vec<String> = orphans.iter().take(3).map(|l| format!("{:?}", l.item)).collect();
        let more = if orphans.len() > 3 { format!(" and {} more", orphans.len() - 3) } else { String::new() };
        out.push(QueueWarning {
            kind: WarningKind::OrphanedLease,
            queue: q.key.clone(),
            jobs: job_keys.clone(),
            message: format!(
                "stuck: {}{more} in {}:processing {} no lease (orphaned); rediswq workers will wait for it forever",
                names.join(", "),
                q.key.name,
                if orphans.len() == 1 { "has" } else { "have" },
            ),
        });
    }
    if let Some(stream) = &q.reading.stream {
        out.extend(stream_warnings(q, stream, &job_keys));
    }
    if let Some(tasks) = &q.reading.tasks {
        out.extend(task_warnings(q, tasks, &job_keys));
    }
    if let Some(rabbit) = &q.reading.rabbit {
        out.extend(dead_letter_warning(q, rabbit, &job_keys));
    }
    if q.reading.status != QueueStatus::Ok {
        return out;
    }
    let Some(ready) = q.reading.ready else { return out };
    let running: Vec<&&JobInfo> = jobs.iter().filter(|j| !j.phase().is_finished()).collect();
    if running.is_empty() {
        return out;
    }
    let running_keys: Vec<ObjKey> = running.iter().map(|j| j.key.clone()).collect();
    let active: u64 = running.iter().map(|j| j.status.active.max(0) as u64).sum();
    // Items left: known exactly when in-flight is known; otherwise somewhere in
    // [ready, ready + active pods] (each active pod may hold one item).
    let (left_lo, left_hi) = match q.reading.in_flight {
        Some(f) => (ready + f, ready + f),
        None => (ready, ready + active),
    };
    let counted: Vec<&&&JobInfo> = running.iter().filter(|j| j.spec.completions.is_some() && !j.spec.indexed).collect();
    if !counted.is_empty() {
        let remaining: u64 =
            counted.iter().map(|j| (j.spec.completions.unwrap_or(0) - j.status.succeeded).max(0) as u64).sum();
        let keys: Vec<ObjKey> = counted.iter().map(|j| j.key.clone()).collect();
        if remaining < left_lo {
            out.push(QueueWarning {
                kind: WarningKind::CompletionsBelowItems,
                queue: q.key.clone(),
                jobs: keys.clone(),
                message: format!(
                    "completions left ({remaining}) < items left ({left_lo}): {} item(s) will never be processed",
                    left_lo - remaining
                ),
            });
        } else if remaining > left_hi {
            out.push(QueueWarning {
                kind: WarningKind::CompletionsAboveItems,
                queue: q.key.clone(),
                jobs: keys,
                message: format!(
                    "completions left ({remaining}) > items left ({left_hi}): {} pod(s) will block waiting for work",
                    remaining - left_hi
                ),
            });
        }
    }
    if left_hi == 0 && active > 0 && q.reading.in_flight.is_some() {
        out.push(QueueWarning {
            kind: WarningKind::EmptyButRunning,
            queue: q.key.clone(),
            jobs: running_keys,
            message: format!("queue empty but {active} pod(s) still running"),
        });
    }
    out
}

/// A stream's stuck work: entries pending for idle consumers (first three
/// consumers named), and groups with lag but no live consumer.
fn stream_warnings(q: &QueueState, s: &StreamReading, jobs: &[ObjKey]) -> Vec<QueueWarning> {
    let mut out = Vec::new();
    let threshold = crate::text::duration(chrono::Duration::milliseconds(s.idle_after.as_millis() as i64));
    let abandoned: Vec<_> = s.abandoned().collect();
    if !abandoned.is_empty() {
        let entries = s.abandoned_entries();
        let names: Vec<String> = abandoned
            .iter()
            .take(3)
            .map(|(g, c)| {
                let idle = crate::text::duration(chrono::Duration::milliseconds(c.idle_ms as i64));
                format!("{} for {:?} of group {:?} (idle {idle})", c.pending, c.name, g.name)
            })
            .collect();
        let more =
            if abandoned.len() > 3 { format!(" and {} more consumer(s)", abandoned.len() - 3) } else { String::new() };
        out.push(QueueWarning {
            kind: WarningKind::AbandonedPending,
            queue: q.key.clone(),
            jobs: jobs.to_vec(),
            message: format!(
                "stuck: {entries} stream {} pending: {}{more}, idle over {threshold}; nobody will acknowledge {}",
                if entries == 1 { "entry" } else { "entries" },
                names.join(", "),
                if entries == 1 { "it" } else { "them" },
            ),
        });
    }
    for g in s.unserved() {
        let lag = g.lag.unwrap_or(0);
        let why = if g.consumers_total == 0 {
            "no consumer".to_string()
        } else {
            format!("no consumer read in the last {threshold}")
        };
        out.push(QueueWarning {
            kind: WarningKind::LagWithoutConsumers,
            queue: q.key.clone(),
            jobs: jobs.to_vec(),
            message: format!("group {:?}: {lag} stream entries not yet delivered and {why}", g.name),
        });
    }
    out
}

/// A task framework's lost tasks (the first three named, with their worker
/// and age) and a dead set that grew lately.
fn task_warnings(q: &QueueState, t: &TaskQueueReading, jobs: &[ObjKey]) -> Vec<QueueWarning> {
    let mut out = Vec::new();
    if t.lost_total > 0 {
        let names: Vec<String> = t
            .lost
            .iter()
            .take(3)
            .map(|l| {
                let worker = l.worker.as_ref().map(|w| format!(" of {w:?}")).unwrap_or_default();
                let age = l
                    .age_ms
                    .map(|ms| format!(" ({} ago)", crate::text::duration(chrono::Duration::milliseconds(ms as i64))))
                    .unwrap_or_default();
                format!("{:?}{worker}{age}", l.id)
            })
            .collect();
        let more = if t.lost_total > 3 { format!(" and {} more", t.lost_total - 3) } else { String::new() };
        out.push(QueueWarning {
            kind: WarningKind::LostTasks,
            queue: q.key.clone(),
            jobs: jobs.to_vec(),
            message: format!(
                "stuck: {} {} {} {}{more} {}",
                t.lost_total,
                t.framework.label(),
                if t.lost_total == 1 { "task" } else { "tasks" },
                names.join(", "),
                t.lost_reason(),
            ),
        });
    }
    if let (true, Some(dead)) = (q.dead_growing(), t.dead) {
        let what = match t.framework {
            crate::tasks::Framework::Sidekiq => "dead set",
            crate::tasks::Framework::Rq => "failed registry",
            _ => "failed set",
        };
        out.push(QueueWarning {
            kind: WarningKind::DeadGrowing,
            queue: q.key.clone(),
            jobs: jobs.to_vec(),
            message: format!("the {} {what} is growing: {dead} task(s) that will not be retried", t.framework.label()),
        });
    }
    out
}

/// Messages waiting in a queue's dead-letter queue: work that failed for good
/// (rejected, expired, or over the delivery limit), said on the source queue
/// and its Jobs, where the operator looks.
fn dead_letter_warning(q: &QueueState, r: &RabbitQueueInfo, jobs: &[ObjKey]) -> Option<QueueWarning> {
    let n = r.dead_lettered.filter(|n| *n > 0)?;
    let limit = r.delivery_limit.map(|l| format!(" (delivery limit {l})")).unwrap_or_default();
    Some(QueueWarning {
        kind: WarningKind::DeadLettered,
        queue: q.key.clone(),
        jobs: jobs.to_vec(),
        message: format!(
            "{n} message(s) dead-lettered into {}{limit}: they failed and will not be retried",
            r.dead_letter_queues.join(", ")
        ),
    })
}

fn hold_needed(kind: WarningKind) -> u32 {
    match kind {
        // Orphans are already confirmed across two polls; an idle consumer's
        // idle time, an unacked message's age, an expired worker key or lock
        // is itself a duration held; the dead set's growth is history.
        WarningKind::OrphanedLease
        | WarningKind::AbandonedPending
        | WarningKind::LostTasks
        | WarningKind::DeadGrowing
        | WarningKind::DeadLettered => 1,
        WarningKind::EmptyButRunning => EMPTY_WARN_AFTER_POLLS,
        _ => WARN_AFTER_POLLS,
    }
}

impl Queues {
    fn jobs_of<'a>(&self, key: &QueueKey, jobs: &'a super::Store<JobInfo>) -> Vec<&'a JobInfo> {
        self.linked_jobs(key).filter_map(|k| jobs.get(k)).collect()
    }

    /// Counts, for the queues of `source` that were just polled, how long each
    /// warning has held. Call after applying a `Polled` update.
    pub fn note_poll(&mut self, source: &str, jobs: &super::Store<JobInfo>) {
        let polled: Vec<QueueKey> = self.by_key.keys().filter(|k| k.source == source).cloned().collect();
        for key in polled {
            let now: BTreeSet<WarningKind> =
                instant_warnings(&self.by_key[&key], &self.jobs_of(&key, jobs)).into_iter().map(|w| w.kind).collect();
            for kind in WarningKind::ALL {
                let id = WarningId { kind, queue: key.clone() };
                if now.contains(&kind) {
                    *self.held.entry(id).or_insert(0) += 1;
                } else {
                    self.held.remove(&id);
                }
            }
        }
        self.held.retain(|id, _| self.by_key.contains_key(&id.queue));
    }

    /// The warnings to show: those that hold now and have held for enough polls.
    pub fn warnings(&self, jobs: &super::Store<JobInfo>) -> Vec<QueueWarning> {
        let mut out = Vec::new();
        for (key, q) in &self.by_key {
            for w in instant_warnings(q, &self.jobs_of(key, jobs)) {
                let held = self.held.get(&WarningId { kind: w.kind, queue: key.clone() }).copied().unwrap_or(0);
                if self.instant_warnings || held >= hold_needed(w.kind) {
                    out.push(w);
                }
            }
        }
        out
    }
}

/// Queue warnings as the report's warnings: one per Job concerned (object
/// `Job ns/name`), or one on the queue (`Queue source/name`) when no Job is.
/// Lost work (orphaned leases, stream entries pending for a gone consumer)
/// is an error, the rest warnings.
/// Link notes as the report's warnings, on the Job concerned.
pub fn note_warnings(notes: &[LinkNote]) -> Vec<super::warnings::Warning> {
    use super::warnings::Subject;
    let severity = super::warnings::Severity::Warn;
    notes.iter().map(|n| super::warnings::Warning::new(severity, Subject::Job(n.job.clone()), n.to_string())).collect()
}

pub fn as_warnings(ws: &[QueueWarning]) -> Vec<super::warnings::Warning> {
    use super::warnings::{Severity, Subject, Warning};
    let mut out = Vec::new();
    for w in ws {
        let severity = if w.kind.is_lost_work() { Severity::Error } else { Severity::Warn };
        let message = format!("queue {}: {}", w.queue, w.message);
        if w.jobs.is_empty() {
            out.push(Warning::new(severity, Subject::Queue(w.queue.clone()), message));
        } else {
            out.extend(w.jobs.iter().map(|j| Warning::new(severity, Subject::Job(j.clone()), message.clone())));
        }
    }
    out
}

// ---- summaries for screens and --once ---------------------------------------------

/// One queue as `--once` prints it (JSON field names are the documented schema).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueSummary {
    pub source: String,
    pub kind: BrokerKind,
    /// What kind of queue ([`QueueState::kind_label`]).
    pub layout: &'static str,
    pub name: String,
    pub ready: Option<u64>,
    pub in_flight: Option<u64>,
    pub consumers: Option<u64>,
    pub rate_in: Option<f64>,
    pub rate_out: Option<f64>,
    pub eta_seconds: Option<u64>,
    pub orphaned: usize,
    /// rediswq: the leases of the processing list (the first `max_leases`); `None` for other queues.
    pub leases: Option<Vec<LeaseSummary>>,
    /// Redis Streams: entries pending for consumers idle beyond the threshold.
    pub abandoned: u64,
    /// Redis Streams: the length, groups and consumers read; `None` for other queues.
    pub stream: Option<StreamReading>,
    /// Task frameworks: tasks nobody will finish.
    pub lost: u64,
    /// Task frameworks: the framework, tasks by state, workers, lost tasks; `None` for other queues.
    pub tasks: Option<TaskQueueReading>,
    /// RabbitMQ with the management API: type, delivery limit, redeliveries, dead-lettering; `None` otherwise.
    pub rabbitmq: Option<RabbitQueueInfo>,
    /// The queues whose dead letters this one receives (on the same source).
    pub dead_letter_of: Vec<String>,
    pub linked_jobs: Vec<String>,
    /// JSON `health` (ok | stuck | pending | not found | error | connecting |
    /// reconnecting | unreachable) and `error` (credentials masked).
    #[serde(flatten)]
    pub health: Health,
}

/// One rediswq lease as `--once` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaseSummary {
    /// The item (control characters removed, truncated).
    pub item: String,
    /// The lease holder: the lease key's value (the worker's session id); `None` without a lease key.
    pub owner: Option<String>,
    /// Seconds left on the lease; `None` without a lease key or without an expiry.
    pub time_left_seconds: Option<f64>,
    /// No lease key in two polls in a row: nobody will ever finish the item.
    pub orphaned: bool,
}

impl Queues {
    pub fn summaries(&self) -> Vec<QueueSummary> {
        self.by_key.values().map(|q| self.summary(q)).collect()
    }

    pub fn summary(&self, q: &QueueState) -> QueueSummary {
        let rates = q.rates(self.rate_window);
        let round = |x: f64| (x * 100.0).round() / 100.0;
        QueueSummary {
            source: q.key.source.clone(),
            kind: q.kind,
            layout: q.kind_label(),
            name: q.key.name.clone(),
            ready: q.reading.ready,
            in_flight: q.reading.in_flight,
            consumers: q.reading.consumers,
            rate_in: rates.map(|r| round(r.rate_in)),
            rate_out: rates.map(|r| round(r.rate_out)),
            eta_seconds: q.eta(self.rate_window).map(|d| d.as_secs()),
            orphaned: q.orphaned(),
            leases: q.lease_summaries(),
            abandoned: q.abandoned(),
            stream: q.reading.stream.clone(),
            lost: q.lost(),
            tasks: q.reading.tasks.clone(),
            rabbitmq: q.reading.rabbit.clone(),
            dead_letter_of: self.dead_letter_of(&q.key).map(|k| k.name.clone()).collect(),
            linked_jobs: self.linked_jobs(&q.key).map(std::string::ToString::to_string).collect(),
            health: q.health(self.source_of(&q.key)),
        }
    }
}

/// How a queue stands: the source's trouble first, then the queue's own
/// status. Serialised as the one word `--once` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueHealth {
    /// The source has not connected yet and the queue was never read.
    Connecting,
    /// Not polled yet.
    Pending,
    Ok,
    /// The broker says the queue does not exist.
    #[serde(rename = "not found")]
    NotFound,
    /// The source's last polls failed; it retries (the figures are the last known).
    Reconnecting,
    /// The source has failed for a while.
    Unreachable,
    /// The queue could be asked but the answer is unusable.
    Error,
}

impl QueueHealth {
    /// The one word `--once` and the Queues screen show.
    pub fn word(self) -> &'static str {
        match self {
            QueueHealth::Connecting => "connecting",
            QueueHealth::Pending => "pending",
            QueueHealth::Ok => "ok",
            QueueHealth::NotFound => "not found",
            QueueHealth::Reconnecting => "reconnecting",
            QueueHealth::Unreachable => "unreachable",
            QueueHealth::Error => "error",
        }
    }
}

impl QueueHealth {
    /// The word a narrow table column shows, never cut (seven cells at most):
    /// "missing" for not found, "retry" while reconnecting, "down" when unreachable.
    pub fn short_word(self) -> &'static str {
        match self {
            QueueHealth::Connecting => "waiting",
            QueueHealth::NotFound => "missing",
            QueueHealth::Reconnecting => "retry",
            QueueHealth::Unreachable => "down",
            QueueHealth::Pending | QueueHealth::Ok | QueueHealth::Error => self.word(),
        }
    }
}

impl std::fmt::Display for QueueHealth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// A queue's health as the console's HEALTH column and `--once` (text and
/// JSON) show it, from [`QueueState::health`]: whether the source and the
/// queue can be read ([`QueueHealth`]) and, when they can, whether the work
/// behind it is stuck on orphaned rediswq leases. An orphan is confirmed over
/// two polls, in the console as in `--once` (which polls twice), so the word
/// and the `orphaned` count always come from the same reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub state: QueueHealth,
    /// Confirmed orphaned leases ([`QueueState::orphaned`]).
    pub orphaned: usize,
    /// Stream entries pending for idle consumers ([`QueueState::abandoned`]).
    pub abandoned: u64,
    /// Task frameworks' tasks nobody will finish ([`QueueState::lost`]).
    pub lost: u64,
    /// The error behind `state`, credentials masked.
    pub error: Option<String>,
}

/// How bad a [`Health`] is, worst first: colours and the health sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tone {
    /// Stuck, not found, unreachable, unusable.
    Bad,
    /// Reconnecting: the figures shown are the last known.
    Degraded,
    /// Not read yet.
    Waiting,
    Good,
}

impl Health {
    /// A readable queue holding confirmed orphaned leases, or stream entries
    /// pending for a gone consumer: work its Jobs will never finish.
    pub fn is_stuck(&self) -> bool {
        self.state == QueueHealth::Ok && (self.orphaned > 0 || self.abandoned > 0 || self.lost > 0)
    }

    /// The one word of JSON `health`: `stuck`, or the state's word.
    pub fn word(&self) -> &'static str {
        if self.is_stuck() { "stuck" } else { self.state.word() }
    }

    /// The word a table column shows, never cut: `stuck`, or the state's short word.
    pub fn short_word(&self) -> &'static str {
        if self.is_stuck() { "stuck" } else { self.state.short_word() }
    }

    /// What is behind the word: `: connection refused`, `: 1 orphaned`, or nothing.
    /// Not sanitised (the output decides how).
    pub fn detail(&self) -> String {
        match &self.error {
            Some(e) => format!(": {e}"),
            None if self.orphaned > 0 && self.is_stuck() => format!(": {} orphaned", self.orphaned),
            None if self.abandoned > 0 && self.is_stuck() => format!(": {} abandoned", self.abandoned),
            None if self.is_stuck() => format!(": {} lost", self.lost),
            None => String::new(),
        }
    }

    /// The health as a line shows it: `ok`, `stuck: 1 orphaned`,
    /// `reconnecting: connection refused`. Not sanitised (the output decides how).
    pub fn text(&self) -> String {
        format!("{}{}", self.word(), self.detail())
    }

    pub fn tone(&self) -> Tone {
        match self.state {
            QueueHealth::Ok if self.is_stuck() => Tone::Bad,
            QueueHealth::Ok => Tone::Good,
            QueueHealth::Pending | QueueHealth::Connecting => Tone::Waiting,
            QueueHealth::Reconnecting => Tone::Degraded,
            QueueHealth::NotFound | QueueHealth::Unreachable | QueueHealth::Error => Tone::Bad,
        }
    }
}

/// The same word: a stuck queue equals no [`QueueHealth`].
impl PartialEq<QueueHealth> for Health {
    fn eq(&self, other: &QueueHealth) -> bool {
        self.word() == other.word()
    }
}

/// Two JSON fields, flattened into the queue: `health` (the word) and `error`.
impl Serialize for Health {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Health", 2)?;
        s.serialize_field("health", self.word())?;
        s.serialize_field("error", &self.error)?;
        s.end()
    }
}

/// The state of queue `q` on `source` (without the orphans: see [`QueueState::health`]),
/// and the error behind it (credentials masked).
pub fn queue_health(q: &QueueState, source: Option<&SourceState>) -> (QueueHealth, Option<String>) {
    match source.map(|s| &s.health) {
        Some(SourceHealth::Reconnecting { error, .. }) => return (QueueHealth::Reconnecting, Some(error.clone())),
        Some(SourceHealth::Unreachable { error, .. }) => return (QueueHealth::Unreachable, Some(error.clone())),
        Some(SourceHealth::Connecting) if q.reading.status == QueueStatus::Pending => {
            return (QueueHealth::Connecting, None);
        }
        _ => {}
    }
    match &q.reading.status {
        QueueStatus::Pending => (QueueHealth::Pending, None),
        QueueStatus::Ok => (QueueHealth::Ok, None),
        QueueStatus::NotFound => (QueueHealth::NotFound, None),
        QueueStatus::Error(e) => (QueueHealth::Error, Some(mask_url(e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Discovery, HostMap, Link, RabbitSource, RedisSource};
    use crate::types::{Condition, EnvVar, JobSpecInfo, JobStatusInfo};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(s: i64) -> Time {
        chrono::Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    fn job(ns: &str, name: &str, env: &[(&str, &str)], completions: Option<i32>) -> JobInfo {
        JobInfo {
            key: ObjKey::new(ns, name),
            uid: format!("uid-{name}"),
            labels: BTreeMap::new(),
            owner: None,
            created: None,
            spec: JobSpecInfo {
                completions,
                parallelism: Some(2),
                env: env
                    .iter()
                    .map(|(n, v)| EnvVar { container: "c".into(), name: n.to_string(), value: v.to_string() })
                    .collect(),
                ..Default::default()
            },
            status: JobStatusInfo::default(),
        }
    }

    fn sandbox_config() -> Config {
        Config {
            hosts: HostMap::new([
                ("rabbitmq-service".to_string(), "127.0.0.1:16672".to_string()),
                ("redis".to_string(), "127.0.0.1:16379".to_string()),
            ]),
            redis: vec![RedisSource {
                name: "redis".into(),
                url: "redis://127.0.0.1:16379".into(),
                db: None,
                lists: vec![],
                scan: Some("*:processing".into()),
                discover: vec![],
                rediswq: true,
                max_leases: 100,
                queues: vec![],
                line: 1,
            }],
            rabbitmq: vec![RabbitSource {
                name: "rabbitmq".into(),
                url: "amqp://guest:guest@127.0.0.1:16672".into(),
                vhost: "/".into(),
                queues: vec!["missing".into()],
                queue_regex: None,
                management: None,
                line: 1,
            }],
            links: vec![Link { namespace: None, job: "job-wq-2".into(), source: "redis".into(), queue: "job2".into() }],
            ..Config::default()
        }
    }

    #[test]
    fn job1_links_from_env_to_the_configured_source() {
        let j1 = job(
            "wq-coarse",
            "job-wq-1",
            &[("BROKER_URL", "amqp://guest:guest@rabbitmq-service:5672"), ("QUEUE", "job1")],
            Some(8),
        );
        let j2 = job("wq-fine", "job-wq-2", &[], None);
        let p = plan(&sandbox_config(), [&j1, &j2]);
        assert_eq!(p.sources.len(), 2, "{:#?}", p.sources);
        let rabbit = p.sources.iter().find(|s| s.name == "rabbitmq").unwrap();
        assert_eq!(rabbit.queues, ["job1", "missing"].iter().map(std::string::ToString::to_string).collect());
        let redis = p.sources.iter().find(|s| s.name == "redis").unwrap();
        assert!(redis.queues.contains("job2"));
        assert_eq!(p.links[&QueueKey::new("rabbitmq", "job1")], [j1.key.clone()].into());
        assert_eq!(p.links[&QueueKey::new("redis", "job2")], [j2.key.clone()].into());
    }

    #[test]
    fn unconfigured_broker_becomes_a_discovered_source() {
        let j = job("a", "w", &[("REDIS_HOST", "redis"), ("QUEUE", "jobs")], None);
        let p = plan(&Config { hosts: sandbox_config().hosts, ..Config::default() }, [&j]);
        assert_eq!(p.sources.len(), 1);
        let s = &p.sources[0];
        assert_eq!(
            (s.name.as_str(), s.kind(), s.url.as_str()),
            ("redis@redis:6379", BrokerKind::Redis, "redis://127.0.0.1:16379/0")
        );
        assert!(matches!(&s.broker, BrokerSpec::Redis(r) if r.rediswq));
        let j = job("a", "w", &[("BROKER_URL", "amqp://u:pw@mq:5672/%2f"), ("QUEUE", "q")], None);
        let mut any = Config::default();
        any.discovery.connect = DiscoveryConnect::Any;
        let p = plan(&any, [&j]);
        assert_eq!(p.sources[0].display, "amqp://u:***@mq:5672/%2f");
        assert!(matches!(&p.sources[0].broker, BrokerSpec::RabbitMq(r) if r.vhost == "/"));
    }

    #[test]
    fn keda_scaledjob_triggers_link_the_jobs_it_makes() {
        let trig = |t: &str, kv: &[(&str, &str)]| KedaTrigger {
            type_: t.into(),
            metadata: kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        let sj = ScaledJobInfo {
            key: ObjKey::new("ns", "consumer"),
            triggers: vec![
                trig("rabbitmq", &[("queueName", "orders"), ("hostFromEnv", "RABBIT_URL"), ("mode", "QueueLength")]),
                trig("redis", &[("listName", "jobs"), ("address", "redis:6379")]),
                trig("redis", &[("listName", "more"), ("hostFromEnv", "RH"), ("port", "6380")]),
                trig("rabbitmq", &[("queueName", "x"), ("host", "http://mgmt:15672/vhost"), ("protocol", "http")]),
                trig("cpu", &[("value", "50")]),
            ],
        };
        let mut j =
            job("ns", "consumer-abc12", &[("RABBIT_URL", "amqp://u:p@rabbitmq-service:5672"), ("RH", "redis")], None);
        j.labels.insert(KEDA_JOB_LABEL.into(), "consumer".into());
        let refs = keda_queue_refs(&sj, &j.spec.env);
        assert_eq!(
            refs.iter().map(|r| (r.kind, r.url.as_str(), r.queue.as_str())).collect::<Vec<_>>(),
            vec![
                (BrokerKind::RabbitMq, "amqp://u:p@rabbitmq-service:5672", "orders"),
                (BrokerKind::Redis, "redis://redis:6379", "jobs"),
                (BrokerKind::Redis, "redis://redis:6380", "more"),
            ]
        );
        let scaled = [(sj.key.clone(), sj.clone())].into();
        let p = plan_with_keda(&sandbox_config(), [&j], &scaled);
        assert!(p.links[&QueueKey::new("rabbitmq", "orders")].contains(&j.key), "mapped to the configured source");
        assert!(p.links[&QueueKey::new("redis", "jobs")].contains(&j.key));
        // A Job without the label, or of another ScaledJob, is not linked by it.
        let other = job("ns", "plain", &[], None);
        assert!(plan_with_keda(&sandbox_config(), [&other], &scaled).links.is_empty());
    }

    /// Issue 10: a URL that does not parse was a silently missing link.
    #[test]
    fn an_unparsable_env_url_is_a_note_naming_the_job_and_variable_not_the_value() {
        let j = job("ns", "w", &[("BROKER_URL", "amqp://u:pa/ss@rabbitmq-service:5672"), ("QUEUE", "q")], None);
        let p = plan(&sandbox_config(), [&j]);
        assert!(p.links.is_empty());
        let note = LinkNote { job: j.key.clone(), variable: "BROKER_URL".into(), reason: LinkNoteReason::Unparsable };
        assert_eq!(p.notes, std::slice::from_ref(&note));
        let shown = format!("{note} {:?}", note_warnings(&p.notes));
        assert!(shown.contains("ns/w") && shown.contains("BROKER_URL") && !shown.contains("pa/ss"), "{shown}");
    }

    #[test]
    fn discovered_hosts_are_contacted_only_when_mapped_or_allowed() {
        let env = |host: &str| [("BROKER_URL", format!("amqp://u:p@{host}:5672")), ("QUEUE", "q".to_string())];
        let jobs: Vec<JobInfo> = ["attacker.example", "rabbitmq-service", "other"]
            .iter()
            .map(|h| {
                let e = env(h);
                job("ns", h, &e.iter().map(|(n, v)| (*n, v.as_str())).collect::<Vec<_>>(), None)
            })
            .collect();
        let mut config = sandbox_config();
        config.rabbitmq.clear();
        let p = plan(&config, &jobs);
        let names: Vec<&str> = p.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["redis", "rabbitmq@rabbitmq-service:5672"], "only the host-mapped one");
        let untrusted: Vec<&str> =
            p.notes.iter().filter(|n| n.reason == LinkNoteReason::UntrustedHost).map(|n| n.job.name.as_str()).collect();
        assert_eq!(untrusted, ["attacker.example", "other"]);

        config.discovery.connect = DiscoveryConnect::Any;
        config.discovery.max_endpoints = 2;
        let p = plan(&config, &jobs);
        assert_eq!(p.sources.len(), 3, "the configured one and two discovered: the cap");
        assert_eq!(p.notes.iter().filter(|n| n.reason == LinkNoteReason::OverCap).count(), 1, "{:?}", p.notes);
    }

    #[test]
    fn secrets_are_wanted_only_when_allowed_and_only_for_linking_vars() {
        let mut j = job("ns", "w", &[("QUEUE", "q")], Some(1));
        for (name, secret, key) in [("BROKER_URL", "mq", "url"), ("DB_PASSWORD", "db", "pw")] {
            j.spec.secret_env.push(crate::SecretEnvRef {
                container: "c".into(),
                name: name.into(),
                secret: secret.into(),
                key: key.into(),
            });
        }
        let mut config = sandbox_config();
        assert!(secrets_wanted(&config, [&j]).is_empty(), "allow_secrets is off by default");
        assert!(plan(&config, [&j]).links.is_empty(), "no URL without the Secret");
        config.allow_secrets = true;
        assert!(
            secrets_wanted(&config, [&j]).is_empty(),
            "queue q is not configured: nothing says the link is trusted"
        );
        config.rabbitmq[0].queues.push("q".into());
        let wanted = secrets_wanted(&config, [&j]);
        let url = SecretRef { namespace: "ns".into(), secret: "mq".into(), key: "url".into() };
        assert_eq!(wanted, [url.clone()].into(), "DB_PASSWORD is not read: linking does not need it");
        let values = [(url, SecretValue("amqp://u:s3cret@rabbitmq-service:5672".into()))].into();
        let p = plan_full(&config, [&j], &BTreeMap::new(), &values);
        assert!(p.links[&QueueKey::new("rabbitmq", "q")].contains(&j.key));
        assert!(!format!("{values:?}").contains("s3cret"));
    }

    #[test]
    fn secrets_of_jobs_pointing_elsewhere_are_not_read() {
        let mut j = job("ns", "w", &[("BROKER_URL", "amqp://u@attacker.example:5672"), ("QUEUE", "missing")], None);
        j.spec.secret_env.push(crate::SecretEnvRef {
            container: "c".into(),
            name: "QUEUE_NAME".into(),
            secret: "s".into(),
            key: "k".into(),
        });
        let mut config = Config { allow_secrets: true, ..sandbox_config() };
        config.rabbitmq[0].queues.clear();
        assert!(secrets_wanted(&config, [&j]).is_empty(), "an unmapped host and no configured queue");
        config.links.push(Link { namespace: None, job: "w".into(), source: "redis".into(), queue: "x".into() });
        assert_eq!(secrets_wanted(&config, [&j]).len(), 1, "a [[link]] names the Job");
    }

    #[test]
    fn env_names_are_configurable_and_need_a_queue() {
        let j = job("a", "w", &[("MY_AMQP", "amqp://h"), ("MY_Q", "q"), ("QUEUE", "other")], None);
        let d = Discovery { url_env: vec!["MY_AMQP".into()], queue_env: vec!["MY_Q".into()], ..Discovery::default() };
        assert_eq!(
            env_queue_refs(&j, &d),
            vec![EnvQueueRef {
                kind: BrokerKind::RabbitMq,
                url: "amqp://h".into(),
                queue: "q".into(),
                layout: Layout::List,
                variable: "MY_AMQP".into()
            }]
        );
        let j = job("a", "w", &[("BROKER_URL", "amqp://h")], None);
        assert!(env_queue_refs(&j, &Discovery::default()).is_empty());
        let off = Discovery { enabled: false, ..Discovery::default() };
        let j = job("a", "w", &[("BROKER_URL", "amqp://h"), ("QUEUE", "q")], None);
        assert!(env_queue_refs(&j, &off).is_empty());
    }

    #[test]
    fn a_stream_variable_beside_a_redis_host_links_a_stream_and_amqp_streams_are_not_a_thing() {
        let j = job("ns", "w", &[("REDIS_HOST", "redis"), ("STREAM", "tasks"), ("GROUP", "workers")], None);
        let p = plan(&sandbox_config(), [&j]);
        assert!(p.links[&QueueKey::new("redis", "tasks")].contains(&j.key), "the configured source, by the host map");
        let redis = p.sources.iter().find(|s| s.name == "redis").unwrap();
        assert!(redis.queues.contains("tasks"));
        assert!(
            matches!(&redis.broker, BrokerSpec::Redis(r) if r.layouts.get("tasks") == Some(&Layout::stream())),
            "read as a stream with the default threshold: {:?}",
            redis.broker
        );
        let j = job("ns", "w", &[("BROKER_URL", "amqp://rabbitmq-service"), ("STREAM", "tasks")], None);
        assert!(env_queue_refs(&j, &Discovery::default()).is_empty());
        // A configured stream keeps its own threshold when a Job's env names it too.
        let mut config = sandbox_config();
        let idle_after = Duration::from_secs(9);
        config.redis[0]
            .queues
            .push(crate::settings::RedisQueue { name: "tasks".into(), layout: Layout::Stream { idle_after } });
        let j = job("ns", "w", &[("REDIS_URL", "redis://redis:6379"), ("REDIS_STREAM", "tasks")], None);
        let p = plan(&config, [&j]);
        let redis = p.sources.iter().find(|s| s.name == "redis").unwrap();
        assert!(matches!(&redis.broker, BrokerSpec::Redis(r) if r.layouts["tasks"] == Layout::Stream { idle_after }));
        assert!(p.links[&QueueKey::new("redis", "tasks")].contains(&j.key));
    }

    #[test]
    fn keda_redis_streams_triggers_link_a_stream() {
        let sj = ScaledJobInfo {
            key: ObjKey::new("ns", "sj"),
            triggers: vec![KedaTrigger {
                type_: "redis-streams".into(),
                metadata: [("stream", "orders"), ("consumerGroup", "workers"), ("addressFromEnv", "ADDR")]
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }],
        };
        let mut j = job("ns", "sj-x1", &[("ADDR", "redis:6379")], None);
        j.labels.insert(KEDA_JOB_LABEL.into(), "sj".into());
        let refs = keda_queue_refs(&sj, &j.spec.env);
        assert_eq!(
            refs.iter().map(|r| (r.url.as_str(), r.queue.as_str(), r.layout.clone())).collect::<Vec<_>>(),
            [("redis://redis:6379", "orders", Layout::stream())]
        );
        let p = plan_with_keda(&sandbox_config(), [&j], &[(sj.key.clone(), sj)].into());
        assert!(p.links[&QueueKey::new("redis", "orders")].contains(&j.key));
        let redis = p.sources.iter().find(|s| s.name == "redis").unwrap();
        assert!(matches!(&redis.broker, BrokerSpec::Redis(r) if r.layouts.contains_key("orders")));
    }

    fn stream_poll(qs: &mut Queues, at: i64, lag: u64, consumers: Vec<crate::stream::ConsumerReading>) {
        use crate::stream::GroupReading;
        let pending = consumers.iter().map(|c| c.pending).sum();
        let total = consumers.len() as u64;
        let stream = StreamReading {
            length: 40,
            groups_total: 1,
            groups: vec![GroupReading {
                name: "workers".into(),
                lag: Some(lag),
                pending,
                consumers_total: total,
                consumers,
                oldest_pending: None,
                last_delivered: "1-0".into(),
            }],
            idle_after: Duration::from_secs(10),
        };
        let r = QueueReading::of_stream("tasks", stream);
        qs.apply(QueueUpdate::Polled { source: "r".into(), at: t(at), readings: vec![r], management_error: None });
    }

    #[test]
    fn a_stream_consumer_gone_with_pending_entries_is_stuck_at_once_and_lag_without_consumers_after_two_polls() {
        use crate::stream::ConsumerReading;
        let c =
            |name: &str, pending, idle_s: u64| ConsumerReading { name: name.into(), pending, idle_ms: idle_s * 1000 };
        let mut qs = Queues::default();
        started(&mut qs, "r");
        let jobs = crate::Store::default();
        stream_poll(&mut qs, 0, 5, vec![c("pod-a", 1, 2), c("pod-b", 1, 1)]);
        qs.note_poll("r", &jobs);
        assert!(qs.warnings(&jobs).is_empty());
        stream_poll(&mut qs, 2, 3, vec![c("pod-a", 1, 12), c("pod-b", 1, 0)]);
        qs.note_poll("r", &jobs);
        let w = qs.warnings(&jobs);
        assert_eq!(w.iter().map(|w| w.kind).collect::<Vec<_>>(), [WarningKind::AbandonedPending]);
        assert!(
            w[0].message.starts_with("stuck: 1 stream entry pending: 1 for \"pod-a\" of group \"workers\" (idle 12s)"),
            "{}",
            w[0].message
        );
        assert_eq!(as_warnings(&w)[0].severity, crate::warnings::Severity::Error);
        let s = qs.summaries().remove(0);
        assert_eq!(
            (s.health.text(), s.abandoned, s.ready, s.in_flight),
            ("stuck: 1 abandoned".into(), 1, Some(3), Some(2))
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!((&json["health"], &json["abandoned"]), (&"stuck".into(), &1.into()));
        assert_eq!(json["stream"]["groups"][0]["consumers"][0]["name"], "pod-a");
        // Nobody reads: a warning once it held for two polls.
        stream_poll(&mut qs, 4, 3, vec![]);
        qs.note_poll("r", &jobs);
        assert!(qs.warnings(&jobs).is_empty());
        stream_poll(&mut qs, 6, 3, vec![]);
        qs.note_poll("r", &jobs);
        let w = qs.warnings(&jobs);
        assert_eq!(w.iter().map(|w| w.kind).collect::<Vec<_>>(), [WarningKind::LagWithoutConsumers]);
        assert_eq!(w[0].message, "group \"workers\": 3 stream entries not yet delivered and no consumer");
        assert!(!w[0].is_stuck());
    }

    #[test]
    fn task_frameworks_link_from_their_conventional_variables() {
        use crate::tasks::Framework;
        let layouts = |env: &[(&str, &str)]| {
            env_queue_refs(&job("ns", "w", env, None), &Discovery::default())
                .into_iter()
                .map(|r| (r.kind, r.queue, r.layout.label()))
                .collect::<Vec<_>>()
        };
        // Celery's own URL with no queue variable: its default queue.
        assert_eq!(
            layouts(&[("CELERY_BROKER_URL", "redis://redis:6379/0")]),
            [(BrokerKind::Redis, "celery".to_string(), "celery")]
        );
        assert_eq!(
            layouts(&[("RQ_REDIS_URL", "redis://redis"), ("RQ_QUEUES", "high, low")]),
            [(BrokerKind::Redis, "high".to_string(), "rq"), (BrokerKind::Redis, "low".to_string(), "rq")]
        );
        // BullMQ and Sidekiq name a queue beside a generic Redis host or URL.
        assert_eq!(
            layouts(&[("REDIS_HOST", "redis"), ("BULLMQ_QUEUE", "mail")]),
            [(BrokerKind::Redis, "mail".to_string(), "bullmq")]
        );
        assert_eq!(
            layouts(&[("REDIS_URL", "redis://redis"), ("SIDEKIQ_QUEUE", "default")]),
            [(BrokerKind::Redis, "default".to_string(), "sidekiq")]
        );
        // Celery on RabbitMQ is a RabbitMQ queue; a bare generic URL names nothing.
        assert_eq!(
            layouts(&[("CELERY_BROKER_URL", "amqp://guest:guest@rabbitmq-service"), ("CELERY_QUEUE", "q")]),
            [(BrokerKind::RabbitMq, "q".to_string(), "list")]
        );
        assert!(layouts(&[("REDIS_URL", "redis://redis")]).is_empty());
        let j = job("ns", "w", &[("RQ_REDIS_URL", "redis://redis:6379"), ("RQ_QUEUE", "jobs")], None);
        let p = plan(&sandbox_config(), [&j]);
        assert!(p.links[&QueueKey::new("redis", "jobs")].contains(&j.key));
        let redis = p.sources.iter().find(|s| s.name == "redis").unwrap();
        assert!(matches!(&redis.broker, BrokerSpec::Redis(r) if r.layouts["jobs"].framework() == Some(Framework::Rq)));
    }

    #[test]
    fn messages_in_a_dead_letter_queue_warn_on_the_source_queue_which_the_dead_letter_queue_names() {
        let mut qs = Queues::default();
        started(&mut qs, "mq");
        let jobs = crate::Store::default();
        let info = |queue_type: &str| RabbitQueueInfo { queue_type: queue_type.into(), ..RabbitQueueInfo::default() };
        let poll = |qs: &mut Queues, dead: u64| {
            let tasks = RabbitQueueInfo {
                delivery_limit: Some(2),
                dead_letter_exchange: Some("tasks.dlx".into()),
                dead_letter_queues: vec!["tasks.dead".into()],
                dead_lettered: Some(dead),
                ..info("quorum")
            };
            let readings = vec![
                QueueReading {
                    ready: Some(0),
                    rabbit: Some(tasks),
                    ..QueueReading::with_status("tasks", QueueStatus::Ok)
                },
                QueueReading {
                    ready: Some(dead),
                    rabbit: Some(info("quorum")),
                    ..QueueReading::with_status("tasks.dead", QueueStatus::Ok)
                },
            ];
            qs.apply(QueueUpdate::Polled { source: "mq".into(), at: t(0), readings, management_error: None });
            qs.note_poll("mq", &jobs);
        };
        poll(&mut qs, 0);
        assert!(qs.warnings(&jobs).is_empty(), "an empty dead-letter queue is no news");
        poll(&mut qs, 3);
        let w = qs.warnings(&jobs);
        assert_eq!(
            w.iter().map(|w| (w.kind, w.queue.name.as_str())).collect::<Vec<_>>(),
            [(WarningKind::DeadLettered, "tasks")]
        );
        assert_eq!(
            w[0].message,
            "3 message(s) dead-lettered into tasks.dead (delivery limit 2): they failed and will not be retried"
        );
        assert_eq!(as_warnings(&w)[0].severity, crate::warnings::Severity::Warn);
        let dead = QueueKey::new("mq", "tasks.dead");
        assert_eq!(qs.dead_letter_of(&dead).map(|k| k.name.as_str()).collect::<Vec<_>>(), ["tasks"]);
        let s = qs.summary(&qs.by_key[&dead]);
        assert_eq!((s.layout, s.dead_letter_of), ("quorum", vec!["tasks".to_string()]));
    }

    #[test]
    fn lost_tasks_are_stuck_at_once_and_a_growing_dead_set_warns() {
        use crate::tasks::{Framework, LostTask};
        let mut qs = Queues::default();
        started(&mut qs, "r");
        let jobs = crate::Store::default();
        let poll = |qs: &mut Queues, at: i64, dead: u64, lost: Vec<LostTask>| {
            let mut tasks = TaskQueueReading::new(Framework::Sidekiq).count("enqueued", 3).with_lost(lost);
            tasks.dead = Some(dead);
            tasks.threshold = Some(Duration::from_secs(30));
            let r = QueueReading::of_tasks("default", 3, 1, tasks);
            qs.apply(QueueUpdate::Polled { source: "r".into(), at: t(at), readings: vec![r], management_error: None });
            qs.note_poll("r", &jobs);
        };
        poll(&mut qs, 0, 2, vec![]);
        assert!(qs.warnings(&jobs).is_empty(), "a dead set seen once has not grown");
        let lost = LostTask { id: "j1".into(), worker: Some("host:1:abc".into()), age_ms: Some(45_000) };
        poll(&mut qs, 2, 3, vec![lost]);
        let w = qs.warnings(&jobs);
        assert_eq!(w.iter().map(|w| w.kind).collect::<Vec<_>>(), [WarningKind::LostTasks, WarningKind::DeadGrowing]);
        assert_eq!(
            w[0].message,
            "stuck: 1 sidekiq task \"j1\" of \"host:1:abc\" (45s ago) busy in a process silent for over 30s: nobody will finish it"
        );
        assert_eq!(as_warnings(&w)[0].severity, crate::warnings::Severity::Error);
        let s = qs.summaries().remove(0);
        assert_eq!((s.health.text(), s.lost), ("stuck: 1 lost".into(), 1));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["tasks"]["framework"], "sidekiq");
        assert_eq!(json["tasks"]["lost"][0]["id"], "j1");
        assert_eq!(json["tasks"]["thresholdSeconds"], 30.0);
        // Growth is remembered for a while, then forgotten.
        poll(&mut qs, 4, 3, vec![]);
        assert_eq!(qs.warnings(&jobs).iter().map(|w| w.kind).collect::<Vec<_>>(), [WarningKind::DeadGrowing]);
        poll(&mut qs, 2 + DEAD_GROWTH_HOLD.as_secs() as i64 + 2, 3, vec![]);
        assert!(qs.warnings(&jobs).is_empty());
    }

    fn reading(name: &str, ready: u64, in_flight: Option<u64>) -> QueueReading {
        QueueReading {
            ready: Some(ready),
            in_flight,
            consumers: Some(1),
            ..QueueReading::with_status(name, QueueStatus::Ok)
        }
    }

    fn started(qs: &mut Queues, source: &str) {
        qs.apply(QueueUpdate::Started {
            source: source.into(),
            kind: BrokerKind::Redis,
            display: "redis://x".into(),
            queues: vec![],
        });
    }

    #[test]
    fn rates_and_eta_from_draining_samples() {
        let mut qs = Queues::new(Duration::from_secs(60), Duration::from_secs(600), Duration::from_secs(2));
        started(&mut qs, "r");
        for (i, depth) in [9u64, 8, 7, 6].iter().enumerate() {
            qs.apply(QueueUpdate::Polled {
                source: "r".into(),
                at: t(2 * i as i64),
                readings: vec![reading("q", *depth, Some(1))],
                management_error: None,
            });
        }
        let q = &qs.by_key[&QueueKey::new("r", "q")];
        let r = q.rates(qs.rate_window).unwrap();
        assert!((r.rate_out - 0.5).abs() < 1e-9 && r.rate_in == 0.0, "{r:?}");
        assert_eq!(q.eta(qs.rate_window), Some(Duration::from_secs(14)));
    }

    #[test]
    fn one_failure_is_reconnecting_three_unreachable_and_a_poll_recovers() {
        let mut qs = Queues::default();
        started(&mut qs, "r");
        let fail = |qs: &mut Queues| {
            qs.apply(QueueUpdate::Failed { source: "r".into(), at: t(0), error: "refused redis://:pw@h".into() })
        };
        fail(&mut qs);
        assert_eq!(
            qs.sources["r"].health,
            SourceHealth::Reconnecting { error: "refused redis://:***@h".into(), failures: 1 }
        );
        fail(&mut qs);
        fail(&mut qs);
        assert_eq!(qs.sources["r"].health.label(), "unreachable");
        qs.apply(QueueUpdate::Polled { source: "r".into(), at: t(1), readings: vec![], management_error: None });
        assert_eq!(qs.sources["r"].health, SourceHealth::Ok);
    }

    #[test]
    fn queues_show_before_the_first_poll_and_when_it_fails() {
        let mut qs = Queues::default();
        qs.apply(QueueUpdate::Started {
            source: "r".into(),
            kind: BrokerKind::Redis,
            display: "x".into(),
            queues: vec!["q".into()],
        });
        assert_eq!(qs.summaries()[0].health, QueueHealth::Connecting);
        qs.apply(QueueUpdate::Failed { source: "r".into(), at: t(0), error: "refused".into() });
        let s = &qs.summaries()[0];
        assert_eq!(
            (s.name.as_str(), s.health.word(), s.health.error.as_deref()),
            ("q", "reconnecting", Some("refused"))
        );
        qs.give_up("r");
        assert_eq!(qs.summaries()[0].health, QueueHealth::Unreachable);
    }

    #[test]
    fn history_is_bounded() {
        let mut qs = Queues::new(Duration::from_secs(60), Duration::from_secs(20), Duration::from_secs(2));
        started(&mut qs, "r");
        for i in 0..50 {
            qs.apply(QueueUpdate::Polled {
                source: "r".into(),
                at: t(i),
                readings: vec![reading("q", 1, None)],
                management_error: None,
            });
        }
        assert_eq!(qs.by_key[&QueueKey::new("r", "q")].history.len(), 10);
    }

    fn lease_poll(qs: &mut Queues, at: i64, owner: Option<&str>) {
        let items = vec![Lease {
            item: "pear".into(),
            hash: "h1".into(),
            owner: owner.map(str::to_string),
            ttl_ms: owner.map(|_| 5000),
        }];
        let r = QueueReading { leases: Some(LeaseReading { processing: 1, items }), ..reading("job2", 0, Some(1)) };
        qs.apply(QueueUpdate::Polled { source: "r".into(), at: t(at), readings: vec![r], management_error: None });
    }

    #[test]
    fn orphan_needs_two_polls_and_is_named() {
        let mut qs = Queues::default();
        started(&mut qs, "r");
        let jobs = crate::Store::default();
        lease_poll(&mut qs, 0, None);
        qs.note_poll("r", &jobs);
        assert!(qs.warnings(&jobs).is_empty(), "a lease written a moment after the lease move is not an orphan");
        lease_poll(&mut qs, 2, None);
        qs.note_poll("r", &jobs);
        let w = qs.warnings(&jobs);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].kind, WarningKind::OrphanedLease);
        assert!(w[0].message.contains("\"pear\"") && w[0].message.starts_with("stuck"), "{}", w[0].message);
        lease_poll(&mut qs, 4, Some("session"));
        assert_eq!(qs.by_key[&QueueKey::new("r", "job2")].orphaned(), 0);
    }

    #[test]
    fn health_is_stuck_once_the_orphan_is_confirmed_and_agrees_with_the_count() {
        let mut qs = Queues::default();
        started(&mut qs, "r");
        let summary = |qs: &Queues| qs.summaries().into_iter().next().unwrap();
        lease_poll(&mut qs, 0, None);
        let first = summary(&qs);
        assert_eq!((first.orphaned, first.health.word(), first.health.tone()), (0, "ok", Tone::Good));
        let lease = &first.leases.as_ref().unwrap()[0];
        assert_eq!((lease.item.as_str(), lease.owner.as_deref(), lease.orphaned), ("pear", None, false));
        lease_poll(&mut qs, 2, None);
        let second = summary(&qs);
        assert_eq!(
            (second.orphaned, second.health.word(), second.health.text()),
            (1, "stuck", "stuck: 1 orphaned".into())
        );
        assert_eq!(second.health.tone(), Tone::Bad);
        assert_ne!(second.health, QueueHealth::Ok, "a stuck queue is not ok");
        let json = serde_json::to_value(&second).unwrap();
        assert_eq!(
            (&json["health"], &json["error"], &json["orphaned"]),
            (&"stuck".into(), &serde_json::Value::Null, &1.into())
        );
        assert_eq!(
            json["leases"],
            serde_json::json!([{ "item": "pear", "owner": null, "timeLeftSeconds": null, "orphaned": true }])
        );
        lease_poll(&mut qs, 4, Some("session"));
        let held = summary(&qs);
        assert_eq!((held.orphaned, held.health.word()), (0, "ok"));
        let lease = &held.leases.unwrap()[0];
        assert_eq!(
            (lease.owner.as_deref(), lease.time_left_seconds, lease.orphaned),
            (Some("session"), Some(5.0), false)
        );
        // A source in trouble says so first, whatever the last reading held.
        qs.apply(QueueUpdate::Failed { source: "r".into(), at: t(6), error: "refused".into() });
        assert_eq!(summary(&qs).health.text(), "reconnecting: refused");
    }

    #[test]
    fn queues_without_a_processing_list_have_no_leases() {
        let mut qs = Queues::default();
        started(&mut qs, "r");
        qs.apply(QueueUpdate::Polled {
            source: "r".into(),
            at: t(0),
            readings: vec![reading("q", 3, None)],
            management_error: None,
        });
        let s = &qs.summaries()[0];
        assert_eq!(s.leases, None);
        assert_eq!(serde_json::to_value(s).unwrap()["leases"], serde_json::Value::Null);
    }

    #[test]
    fn tones_sort_worst_first() {
        let h = |state, orphaned| Health { state, orphaned, abandoned: 0, lost: 0, error: None };
        let mut all =
            [h(QueueHealth::Ok, 0), h(QueueHealth::Pending, 0), h(QueueHealth::Reconnecting, 0), h(QueueHealth::Ok, 2)];
        all.sort_by_key(Health::tone);
        assert_eq!(all.iter().map(Health::word).collect::<Vec<_>>(), ["stuck", "reconnecting", "pending", "ok"]);
    }

    fn mismatch(completions: i32, items: u64, in_flight: Option<u64>) -> Vec<WarningKind> {
        let mut qs = Queues::default();
        started(&mut qs, "r");
        let mut j = job("ns", "j", &[], Some(completions));
        j.status.active = 2;
        let mut jobs = crate::Store::default();
        jobs.upsert(j.key.clone(), j.clone(), 1);
        qs.set_links([(QueueKey::new("r", "q"), [j.key.clone()].into())].into());
        for at in 0..3 {
            qs.apply(QueueUpdate::Polled {
                source: "r".into(),
                at: t(at),
                readings: vec![reading("q", items, in_flight)],
                management_error: None,
            });
            qs.note_poll("r", &jobs);
        }
        qs.warnings(&jobs).into_iter().map(|w| w.kind).collect()
    }

    #[test]
    fn completion_mismatch_warnings() {
        assert_eq!(mismatch(5, 8, Some(0)), vec![WarningKind::CompletionsBelowItems]);
        assert_eq!(mismatch(10, 8, Some(0)), vec![WarningKind::CompletionsAboveItems]);
        assert_eq!(mismatch(8, 8, Some(0)), vec![]);
        // Without an in-flight count, active pods may hold items: no false alarm.
        assert_eq!(mismatch(8, 6, None), vec![]);
        assert_eq!(mismatch(1, 0, Some(0)), vec![WarningKind::CompletionsAboveItems, WarningKind::EmptyButRunning]);
    }

    #[test]
    fn finished_jobs_raise_nothing() {
        let mut qs = Queues::default();
        started(&mut qs, "r");
        let mut j = job("ns", "j", &[], Some(5));
        j.status.conditions.push(Condition {
            type_: "Complete".into(),
            status: "True".into(),
            reason: None,
            message: None,
            last_transition: None,
        });
        let mut jobs = crate::Store::default();
        jobs.upsert(j.key.clone(), j.clone(), 1);
        qs.set_links([(QueueKey::new("r", "q"), [j.key.clone()].into())].into());
        for at in 0..3 {
            qs.apply(QueueUpdate::Polled {
                source: "r".into(),
                at: t(at),
                readings: vec![reading("q", 8, Some(0))],
                management_error: None,
            });
            qs.note_poll("r", &jobs);
        }
        assert!(qs.warnings(&jobs).is_empty());
    }

    #[test]
    fn missing_queue_is_not_found_and_others_update() {
        let mut qs = Queues::default();
        started(&mut qs, "r");
        qs.apply(QueueUpdate::Polled {
            source: "r".into(),
            at: t(0),
            readings: vec![QueueReading::not_found("nope"), reading("q", 3, None)],
            management_error: None,
        });
        let s = qs.summaries();
        assert_eq!(
            s.iter().map(|s| (s.name.as_str(), s.health.word())).collect::<Vec<_>>(),
            vec![("nope", "not found"), ("q", "ok")]
        );
    }

    proptest! {
        #[test]
        fn rates_are_nonnegative_and_net_matches(depths in proptest::collection::vec(0u64..1000, 2..40), step in 1i64..10) {
            let samples: Vec<Sample> = depths.iter().enumerate().map(|(i, d)| Sample { at: t(i as i64 * step), ready: *d, in_flight: 0 }).collect();
            let r = rates(samples.iter().copied(), Duration::from_secs(100_000)).unwrap();
            prop_assert!(r.rate_in >= 0.0 && r.rate_out >= 0.0);
            let secs = ((depths.len() - 1) as i64 * step) as f64;
            let net = (*depths.last().unwrap() as f64 - depths[0] as f64) / secs;
            prop_assert!(((r.rate_in - r.rate_out) - net).abs() < 1e-6);
        }

        #[test]
        fn rates_only_see_the_window(depths in proptest::collection::vec(0u64..1000, 2..40), window in 1u64..30) {
            let samples: Vec<Sample> = depths.iter().enumerate().map(|(i, d)| Sample { at: t(i as i64), ready: *d, in_flight: 0 }).collect();
            let got = rates(samples.iter().copied(), Duration::from_secs(window));
            let skip = samples.len().saturating_sub(window as usize + 1);
            let expected = rates(samples[skip..].iter().copied(), Duration::from_secs(100_000));
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn eta_empties_the_queue(left in 1u64..100_000, out in 0.01f64..1000.0, inn in 0.0f64..1000.0) {
            let r = Rates { rate_in: inn, rate_out: out };
            match eta(left, r) {
                Some(d) => prop_assert!(((out - inn) * d.as_secs_f64() - left as f64).abs() < 1e-3 * left as f64 + 1e-6),
                None => prop_assert!(out <= inn + f64::EPSILON),
            }
        }

        #[test]
        fn linking_is_symmetric(n in 1usize..6) {
            let jobs: Vec<JobInfo> = (0..n).map(|i| job("ns", &format!("j{i}"), &[("BROKER_URL", "amqp://rabbitmq-service"), ("QUEUE", &format!("q{}", i % 2))], Some(1))).collect();
            let p = plan(&sandbox_config(), jobs.iter());
            let mut qs = Queues::default();
            qs.set_links(p.links.clone());
            for j in &jobs {
                let qk: Vec<_> = qs.queues_of_job(&j.key).collect();
                prop_assert_eq!(qk.len(), 1);
                prop_assert!(qs.linked_jobs(qk[0]).any(|k| *k == j.key));
            }
        }
    }
}
