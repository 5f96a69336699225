//! Task frameworks' queues on Redis (Celery, RQ, BullMQ, Sidekiq): how a
//! queue is laid out ([`Layout`]), what one poll reads of it
//! ([`TaskQueueReading`]) and which of its tasks nobody will finish. Pure:
//! the readers in `source::queues::tasks` fill these in from the framework's
//! own keys; the queue state, its warnings, the console and `--once` read them.
//!
//! Every framework loses work its own way, and each reader reports it as
//! [`LostTask`]s:
//! - Celery (Redis transport): a message a worker reserved sits in the shared
//!   `unacked` hash until acked; one older than the visibility timeout belongs
//!   to a worker that died (a living worker acks or restores it before then);
//! - RQ: a job in the started registry whose worker's key (its heartbeat,
//!   `rq:worker:<name>`) has expired;
//! - BullMQ: a job in the active list whose lock key has expired (stalled);
//! - Sidekiq: work of a process whose heartbeat is older than the threshold
//!   (or whose heartbeat key is gone): nobody will finish it.

use std::time::Duration;

use serde::Serialize;

use crate::stream::DEFAULT_IDLE_AFTER;

/// Workers of one queue listed per poll, at most (the rest are counted).
pub const MAX_WORKERS: usize = 32;
/// Lost tasks named per poll, at most (the rest are counted).
pub const MAX_LOST: usize = 16;
/// Celery's own default visibility timeout (one hour), used unless the config says otherwise.
pub const CELERY_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(3600);
/// A Sidekiq process beats every 10 s and its key expires after 60 s: one
/// silent for 30 s has missed three beats.
pub const SIDEKIQ_BEAT_AFTER: Duration = Duration::from_secs(30);
/// BullMQ's default key prefix.
pub const BULLMQ_PREFIX: &str = "bull";

/// The task frameworks batchtop reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    Celery,
    Rq,
    #[serde(rename = "bullmq")]
    BullMq,
    Sidekiq,
}

impl Framework {
    pub const ALL: [Framework; 4] = [Framework::Celery, Framework::Rq, Framework::BullMq, Framework::Sidekiq];

    /// The name in the config (`kind = "..."`), the console and `--once`.
    pub fn label(self) -> &'static str {
        match self {
            Framework::Celery => "celery",
            Framework::Rq => "rq",
            Framework::BullMq => "bullmq",
            Framework::Sidekiq => "sidekiq",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.label() == s)
    }

    /// The layout with the framework's default thresholds.
    pub fn default_layout(self) -> Layout {
        match self {
            Framework::Celery => Layout::Celery { visibility_timeout: CELERY_VISIBILITY_TIMEOUT },
            Framework::Rq => Layout::Rq,
            Framework::BullMq => Layout::BullMq { prefix: BULLMQ_PREFIX.to_string() },
            Framework::Sidekiq => Layout::Sidekiq { beat_after: SIDEKIQ_BEAT_AFTER },
        }
    }
}

/// How a Redis queue's work is laid out, so which keys a poll reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// A plain list (`LLEN`), with rediswq's processing list and leases when the source checks them.
    List,
    /// A Redis Stream worked by consumer groups; a consumer idle this long holds its pending entries for nobody.
    Stream { idle_after: Duration },
    /// Celery's Redis transport: the queue's list, the `unacked` hash and `unacked_index`.
    Celery { visibility_timeout: Duration },
    /// RQ: `rq:queue:<q>`, its registries and its workers.
    Rq,
    /// BullMQ: `<prefix>:<q>:wait`, `active`, `delayed`, ... and the job locks.
    BullMq { prefix: String },
    /// Sidekiq: `queue:<q>`, the `retry` and `dead` sets and the `processes`.
    Sidekiq { beat_after: Duration },
}

impl Layout {
    /// A stream with the default idle threshold.
    pub fn stream() -> Self {
        Layout::Stream { idle_after: DEFAULT_IDLE_AFTER }
    }

    pub fn framework(&self) -> Option<Framework> {
        match self {
            Layout::List | Layout::Stream { .. } => None,
            Layout::Celery { .. } => Some(Framework::Celery),
            Layout::Rq => Some(Framework::Rq),
            Layout::BullMq { .. } => Some(Framework::BullMq),
            Layout::Sidekiq { .. } => Some(Framework::Sidekiq),
        }
    }

    /// The kind's name as the config, the console and `--once` say it.
    pub fn label(&self) -> &'static str {
        match self {
            Layout::List => "list",
            Layout::Stream { .. } => "stream",
            other => other.framework().map_or("list", Framework::label),
        }
    }
}

/// A task framework's queue as one poll read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskQueueReading {
    pub framework: Framework,
    /// Tasks by state, in the framework's own words and order (`queued`,
    /// `started`, `failed`, ...): the detail screen's breakdown.
    pub states: Vec<StateCount>,
    /// Workers serving the queue (the first [`MAX_WORKERS`]); `None` when the
    /// framework keeps no worker registry in Redis.
    pub workers: Option<Vec<WorkerReading>>,
    /// All workers, when known (the list may hold fewer).
    pub workers_total: Option<u64>,
    /// Tasks nobody will finish (the first [`MAX_LOST`]).
    pub lost: Vec<LostTask>,
    pub lost_total: u64,
    /// The framework's graveyard (Sidekiq's dead set, RQ's failed registry,
    /// BullMQ's failed set): a growing one is a warning of its own.
    pub dead: Option<u64>,
    /// The threshold the lost tasks were judged by (Celery's visibility
    /// timeout, Sidekiq's heartbeat silence); `None` where the framework's
    /// own expiry decides (RQ's worker key, BullMQ's lock).
    #[serde(rename = "thresholdSeconds", serialize_with = "opt_seconds")]
    pub threshold: Option<Duration>,
}

/// How many tasks are in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateCount {
    pub state: &'static str,
    pub count: u64,
}

/// One worker (Celery: none in Redis; RQ: a registered worker; Sidekiq: a process).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerReading {
    /// Its name (made safe to show).
    pub name: String,
    /// What it says it is doing (`busy`, `idle`, `suspended`, ...), if it says.
    pub state: Option<String>,
    /// Tasks it is working on now, if known.
    pub busy: Option<u64>,
    /// Milliseconds since its last heartbeat, if it beats.
    pub beat_age_ms: Option<u64>,
    /// Its heartbeat stopped: its key expired or is older than the threshold.
    pub gone: bool,
}

/// A task nobody will finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LostTask {
    /// The task's id (made safe to show).
    pub id: String,
    /// The worker that held it, if known.
    pub worker: Option<String>,
    /// Milliseconds since it was taken (Celery, Sidekiq) or since its lease
    /// ran out (RQ), if known.
    pub age_ms: Option<u64>,
}

#[allow(clippy::ref_option)] // serde's signature
fn opt_seconds<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_f64(d.as_secs_f64()),
        None => s.serialize_none(),
    }
}

impl TaskQueueReading {
    /// A reading with no tasks, workers or losses yet: readers fill it in.
    pub fn new(framework: Framework) -> Self {
        Self {
            framework,
            states: Vec::new(),
            workers: None,
            workers_total: None,
            lost: Vec::new(),
            lost_total: 0,
            dead: None,
            threshold: None,
        }
    }

    /// Adds a state's count (kept in the order added).
    #[must_use]
    pub fn count(mut self, state: &'static str, count: u64) -> Self {
        self.states.push(StateCount { state, count });
        self
    }

    /// The count of one state, if read.
    pub fn state(&self, state: &str) -> Option<u64> {
        self.states.iter().find(|s| s.state == state).map(|s| s.count)
    }

    /// Records the lost tasks: all of them counted, the first [`MAX_LOST`] kept.
    #[must_use]
    pub fn with_lost(mut self, mut lost: Vec<LostTask>) -> Self {
        self.lost_total = lost.len() as u64;
        lost.truncate(MAX_LOST);
        self.lost = lost;
        self
    }

    /// Records the workers: all of them counted, the first [`MAX_WORKERS`] kept.
    #[must_use]
    pub fn with_workers(mut self, mut workers: Vec<WorkerReading>) -> Self {
        self.workers_total = Some(workers.len() as u64);
        workers.truncate(MAX_WORKERS);
        self.workers = Some(workers);
        self
    }

    /// Workers whose heartbeat is alive, if the framework registers them.
    pub fn live_workers(&self) -> Option<u64> {
        let listed = self.workers.as_ref()?;
        let gone = listed.iter().filter(|w| w.gone).count() as u64;
        Some(self.workers_total.unwrap_or(listed.len() as u64).saturating_sub(gone))
    }

    /// Why the lost tasks are lost, in the framework's terms, for the warning.
    pub fn lost_reason(&self) -> String {
        let threshold = self.threshold.map(|d| crate::text::duration(chrono::Duration::seconds(d.as_secs() as i64)));
        match self.framework {
            Framework::Celery => format!(
                "unacked for longer than the visibility timeout ({}): the worker that reserved {} is gone",
                threshold.unwrap_or_default(),
                self.them()
            ),
            Framework::Rq => {
                format!("started by a worker whose heartbeat key expired: nobody will finish {}", self.them())
            }
            Framework::BullMq => {
                format!("active with an expired lock (stalled): the worker that took {} is gone", self.them())
            }
            Framework::Sidekiq => format!(
                "busy in a process silent for over {}: nobody will finish {}",
                threshold.unwrap_or_default(),
                self.them()
            ),
        }
    }

    fn them(&self) -> &'static str {
        if self.lost_total == 1 { "it" } else { "them" }
    }
}

/// Celery's visibility rule: of the unacked deliveries (tag, time taken in
/// seconds since the epoch), those taken before `now - timeout`.
pub fn celery_overdue(unacked: &[(String, f64)], now_s: f64, timeout: Duration) -> Vec<(String, u64)> {
    let limit = now_s - timeout.as_secs_f64();
    unacked
        .iter()
        .filter(|(_, at)| *at < limit)
        .map(|(tag, at)| (tag.clone(), ((now_s - at).max(0.0) * 1000.0) as u64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_name_their_kind_and_framework() {
        assert_eq!(Layout::List.label(), "list");
        assert_eq!(Layout::stream().label(), "stream");
        for f in Framework::ALL {
            assert_eq!(f.default_layout().framework(), Some(f));
            assert_eq!(f.default_layout().label(), f.label());
            assert_eq!(Framework::parse(f.label()), Some(f));
        }
        assert_eq!(Framework::parse("resque"), None);
    }

    #[test]
    fn only_deliveries_older_than_the_timeout_are_overdue() {
        let unacked = vec![("a".to_string(), 100.0), ("b".to_string(), 150.0), ("c".to_string(), 181.0)];
        let overdue = celery_overdue(&unacked, 200.0, Duration::from_secs(20));
        assert_eq!(overdue, vec![("a".to_string(), 100_000), ("b".to_string(), 50_000)]);
    }

    #[test]
    fn workers_and_lost_tasks_are_counted_in_full_and_listed_bounded() {
        let w =
            |i: usize, gone| WorkerReading { name: format!("w{i}"), state: None, busy: None, beat_age_ms: None, gone };
        let r = TaskQueueReading::new(Framework::Rq)
            .with_workers((0..40).map(|i| w(i, i < 2)).collect())
            .with_lost((0..20).map(|i| LostTask { id: i.to_string(), worker: None, age_ms: None }).collect());
        assert_eq!((r.workers_total, r.workers.as_ref().map(Vec::len)), (Some(40), Some(MAX_WORKERS)));
        assert_eq!(r.live_workers(), Some(38));
        assert_eq!((r.lost_total, r.lost.len()), (20, MAX_LOST));
        assert!(r.lost_reason().contains("them"));
    }
}
