//! Redis queue source. Read commands only, each bounded:
//! - `LLEN` of every list, pipelined;
//! - rediswq awareness: `LLEN <q>:processing`, `LRANGE <q>:processing 0 N-1`
//!   (N = `max_leases`), then `GET` and `PTTL` of each item's lease key
//!   `<q>:leased_by_session:<sha224 hex of the item>`, pipelined;
//! - `SCAN ... MATCH <pattern> COUNT 500` for discovery, a few steps per poll,
//!   resuming where the last poll stopped; task frameworks' queues (`discover`)
//!   from their registries (`SRANDMEMBER rq:queues`, `SRANDMEMBER queues`:
//!   Sidekiq) and their keys (`SCAN` for `bull:*:meta`, `_kombu.binding.*`);
//! - Redis Streams (the queues `RedisSpec::layouts` names streams): `XINFO`
//!   and the `XPENDING` summary, in [`super::streams`];
//! - task frameworks' queues (Celery, RQ, BullMQ, Sidekiq): their own keys,
//!   in [`super::tasks`].
//!
//! Never KEYS, never a blocking command, nothing that writes. A list that does
//! not exist is an empty queue (that is how rediswq sees it), not "not found".
//! The connection is a redis `ConnectionManager` (reconnects in the background)
//! with short connect and response timeouts; after a failed poll it is
//! dropped and rebuilt, so a restarted server is picked up either way.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, Value};
use sha2::{Digest, Sha224};

use super::poll::{CONNECT_TIMEOUT, PollResult, Poller};
use model::queue::{Lease, LeaseReading, QueueReading, QueueStatus, RedisSpec, SourceSpec};
use model::redact::mask_url;
use model::sanitize::strip_line;
use model::tasks::{Framework, Layout};

use super::tasks::{self, Registry};

/// SCAN calls per poll; the cursor carries over to the next poll.
const SCAN_STEPS_PER_POLL: usize = 4;
const SCAN_COUNT: usize = 500;
/// Queues found by SCAN, at most (a pattern matching a whole keyspace must not flood the screen).
const MAX_DISCOVERED: usize = 500;
/// Characters of an item or owner shown.
const SHOW_CHARS: usize = 80;

/// The rediswq processing list of a queue.
pub fn processing_key(queue: &str) -> String {
    format!("{queue}:processing")
}

/// The rediswq lease key of an item: `<q>:leased_by_session:<sha224 hex>`.
pub fn lease_key(queue: &str, item: &[u8]) -> String {
    format!("{queue}:leased_by_session:{}", sha224_hex(item))
}

pub fn sha224_hex(item: &[u8]) -> String {
    Sha224::digest(item).iter().fold(String::with_capacity(56), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Bytes made safe and short enough to show.
pub(super) fn shown(bytes: &[u8]) -> String {
    let s = strip_line(bytes);
    match s.char_indices().nth(SHOW_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Queues with their layouts.
type Named = Vec<(String, Layout)>;

/// An incremental SCAN MATCH: a few steps per poll, the cursor carried over.
struct Scan {
    pattern: String,
    cursor: u64,
    /// Queues found in the cycle under way, and in the last full cycle.
    seen: BTreeSet<String>,
    found: BTreeSet<String>,
}

impl Scan {
    fn new(pattern: impl Into<String>) -> Self {
        Self { pattern: pattern.into(), cursor: 0, seen: BTreeSet::new(), found: BTreeSet::new() }
    }

    /// A few SCAN steps; `queue` names the queue a matching key stands for, if any.
    async fn step(
        &mut self,
        conn: &mut ConnectionManager,
        queue: impl Fn(&str) -> Option<String>,
    ) -> Result<(), RedisError> {
        for _ in 0..SCAN_STEPS_PER_POLL {
            let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(self.cursor)
                .arg("MATCH")
                .arg(&self.pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .query_async(conn)
                .await?;
            for key in keys {
                let Some(q) = String::from_utf8(key).ok().as_deref().and_then(&queue) else { continue };
                if self.seen.len() < MAX_DISCOVERED {
                    self.seen.insert(q);
                }
            }
            self.cursor = next;
            if next == 0 {
                self.found = std::mem::take(&mut self.seen);
                break;
            }
        }
        Ok(())
    }

    /// What the last full cycle and the one under way found.
    fn queues(&self) -> impl Iterator<Item = &String> {
        self.found.iter().chain(self.seen.iter())
    }
}

pub struct RedisPoller {
    /// The URL to connect to (credentials included: never shown).
    url: String,
    /// The URL as shown, password masked.
    display: String,
    spec: RedisSpec,
    conn: Option<ConnectionManager>,
    /// The `scan` pattern's progress.
    scan: Option<Scan>,
    /// Task frameworks' queues found by their keys (BullMQ, Celery).
    framework_scans: Vec<(Framework, Scan)>,
    /// Task frameworks' queues found in their registries (RQ, Sidekiq) at the last poll.
    registered: Vec<(String, Layout)>,
}

impl RedisPoller {
    pub fn new(source: &SourceSpec, spec: RedisSpec) -> Self {
        Self {
            url: source.url.clone(),
            display: source.display.clone(),
            scan: spec.scan.clone().map(Scan::new),
            framework_scans: spec
                .discover
                .iter()
                .filter_map(|fw| match tasks::registry(*fw) {
                    Registry::Keys { pattern } => Some((*fw, Scan::new(pattern))),
                    Registry::Set { .. } => None,
                })
                .collect(),
            registered: Vec::new(),
            spec,
            conn: None,
        }
    }

    async fn connection(&mut self) -> Result<ConnectionManager, String> {
        if let Some(c) = &self.conn {
            return Ok(c.clone());
        }
        let client = redis::Client::open(self.url.as_str()).map_err(|e| self.describe(&e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(Duration::from_secs(3)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let conn =
            match tokio::time::timeout(CONNECT_TIMEOUT * 2, ConnectionManager::new_with_config(client, config)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => return Err(self.describe(&e)),
                Err(_) => return Err(format!("connecting to {}: timed out", self.display)),
            };
        self.conn = Some(conn.clone());
        Ok(conn)
    }

    fn describe(&self, e: &RedisError) -> String {
        self.describe_text(e)
    }

    fn describe_text(&self, e: &impl std::fmt::Display) -> String {
        mask_url(&format!("{}: {e}", self.display))
    }

    /// Advances the SCAN cursors a few steps and reads the frameworks' registries of queues.
    async fn discover(&mut self, conn: &mut ConnectionManager) -> Result<(), String> {
        let describe = |e: RedisError| mask_url(&format!("{}: {e}", self.display));
        let rediswq = self.spec.rediswq;
        if let Some(scan) = &mut self.scan {
            let list = |key: &str| {
                let queue = if rediswq { key.strip_suffix(":processing").unwrap_or(key) } else { key };
                (!queue.contains(":leased_by_session:")).then(|| queue.to_string())
            };
            scan.step(conn, list).await.map_err(describe)?;
        }
        for (fw, scan) in &mut self.framework_scans {
            scan.step(conn, |key| tasks::queue_of_key(*fw, key)).await.map_err(describe)?;
        }
        self.registered.clear();
        for fw in &self.spec.discover {
            let Registry::Set { key, member_prefix } = tasks::registry(*fw) else { continue };
            let names: Vec<String> =
                redis::cmd("SRANDMEMBER").arg(key).arg(MAX_DISCOVERED).query_async(conn).await.map_err(describe)?;
            let layout = fw.default_layout();
            let queues = names.iter().map(|n| n.strip_prefix(member_prefix).unwrap_or(n).to_string());
            self.registered.extend(queues.map(|q| (q, layout.clone())));
        }
        Ok(())
    }

    /// Task frameworks' queues their registries and keys show, with the framework's default layout.
    fn discovered_frameworks(&self) -> impl Iterator<Item = (String, Layout)> + '_ {
        let scanned =
            self.framework_scans.iter().flat_map(|(fw, scan)| scan.queues().map(|q| (q.clone(), fw.default_layout())));
        self.registered.iter().cloned().chain(scanned)
    }

    async fn read(&mut self, queues: &BTreeSet<String>) -> PollResult {
        let mut conn = self.connection().await?;
        self.discover(&mut conn).await?;
        // Queues with a layout of their own: as configured (or as a Job's env
        // implies), then those the frameworks' keys show.
        let mut laid_out: std::collections::BTreeMap<String, Layout> =
            queues.iter().filter_map(|q| Some((q.clone(), self.spec.layouts.get(q)?.clone()))).collect();
        for (q, layout) in self.discovered_frameworks() {
            laid_out.entry(q).or_insert(layout);
        }
        let lists = queues.iter().chain(self.scan.iter().flat_map(Scan::queues));
        let names: Vec<String> =
            lists.filter(|q| !laid_out.contains_key(*q)).cloned().collect::<BTreeSet<_>>().into_iter().collect();
        let laid_out: Named = laid_out.into_iter().collect();
        let (streams, frameworks): (Named, Named) =
            laid_out.into_iter().partition(|(_, l)| matches!(l, Layout::Stream { .. }));
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for q in &names {
            pipe.cmd("LLEN").arg(q);
            if self.spec.rediswq {
                let p = processing_key(q);
                pipe.cmd("LLEN").arg(&p);
                pipe.cmd("LRANGE").arg(&p).arg(0).arg(self.spec.max_leases.max(1) as i64 - 1);
            }
        }
        let values: Vec<Value> = if names.is_empty() {
            Vec::new()
        } else {
            pipe.query_async(&mut conn).await.map_err(|e| self.describe(&e))?
        };
        let per = if self.spec.rediswq { 3 } else { 1 };
        let mut readings = Vec::with_capacity(names.len());
        let mut leases_wanted: Vec<(usize, Vec<Vec<u8>>)> = Vec::new();
        for (i, q) in names.iter().enumerate() {
            let chunk = &values[i * per..(i + 1) * per];
            let ready = match redis::from_redis_value::<u64>(chunk[0].clone()) {
                Ok(n) => n,
                Err(e) => {
                    readings.push(QueueReading::with_status(q, QueueStatus::Error(wrong_type(&e))));
                    continue;
                }
            };
            let mut r = QueueReading { ready: Some(ready), ..QueueReading::with_status(q, QueueStatus::Ok) };
            if self.spec.rediswq {
                match (
                    redis::from_redis_value::<u64>(chunk[1].clone()),
                    redis::from_redis_value::<Vec<Vec<u8>>>(chunk[2].clone()),
                ) {
                    (Ok(processing), Ok(items)) => {
                        r.in_flight = Some(processing);
                        r.leases = Some(LeaseReading { processing, items: Vec::new() });
                        if !items.is_empty() {
                            leases_wanted.push((readings.len(), items));
                        }
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        r.status = QueueStatus::Error(format!("{}: {}", processing_key(q), wrong_type(&e)));
                    }
                }
            }
            readings.push(r);
        }
        self.read_leases(&mut conn, &mut readings, leases_wanted).await?;
        let streams: Vec<(String, Duration)> = streams
            .into_iter()
            .filter_map(|(s, l)| match l {
                Layout::Stream { idle_after } => Some((s, idle_after)),
                _ => None,
            })
            .collect();
        readings.extend(super::streams::read(&mut conn, &streams).await.map_err(|e| self.describe_text(&e))?);
        let tasks = super::tasks::read(&mut conn, &frameworks, self.spec.max_leases, self.spec.db);
        readings.extend(tasks.await.map_err(|e| self.describe_text(&e))?);
        readings.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((readings, None))
    }

    /// One pipeline of GET + PTTL for every processing item of every queue.
    async fn read_leases(
        &self,
        conn: &mut ConnectionManager,
        readings: &mut [QueueReading],
        wanted: Vec<(usize, Vec<Vec<u8>>)>,
    ) -> Result<(), String> {
        if wanted.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for (idx, items) in &wanted {
            for item in items {
                let key = lease_key(&readings[*idx].name, item);
                pipe.cmd("GET").arg(&key);
                pipe.cmd("PTTL").arg(&key);
            }
        }
        let values: Vec<Value> = pipe.query_async(conn).await.map_err(|e| self.describe(&e))?;
        let mut v = values.into_iter();
        for (idx, items) in wanted {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let owner: Option<Vec<u8>> = v.next().and_then(|x| redis::from_redis_value(x).ok()).flatten();
                let pttl: i64 = v.next().and_then(|x| redis::from_redis_value(x).ok()).unwrap_or(-2);
                out.push(Lease {
                    item: shown(&item),
                    hash: sha224_hex(&item),
                    ttl_ms: (owner.is_some() && pttl >= 0).then_some(pttl),
                    owner: owner.map(|o| shown(&o)),
                });
            }
            if let Some(l) = readings[idx].leases.as_mut() {
                l.items = out;
            }
        }
        Ok(())
    }
}

/// "WRONGTYPE ..." → a short reason.
fn wrong_type(e: &impl std::fmt::Display) -> String {
    let s = e.to_string();
    if s.contains("WRONGTYPE") { "not a list (WRONGTYPE)".to_string() } else { s }
}

impl Poller for RedisPoller {
    async fn poll(&mut self, queues: &BTreeSet<String>) -> PollResult {
        self.read(queues).await
    }

    fn reset(&mut self) {
        self.conn = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_key_matches_rediswq() {
        // rediswq.py: self._lease_key_prefix + self._itemkey(item), _itemkey = sha224(item).hexdigest()
        assert_eq!(sha224_hex(b""), "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f");
        assert_eq!(lease_key("job2", b"apple"), format!("job2:leased_by_session:{}", sha224_hex(b"apple")));
        assert_eq!(processing_key("job2"), "job2:processing");
    }

    #[test]
    fn shown_items_are_safe_and_short() {
        assert_eq!(shown(b"pear\x1b[2J\x07"), "pear");
        let long = vec![b'a'; 500];
        assert_eq!(shown(&long).chars().count(), SHOW_CHARS + 1);
    }
}
