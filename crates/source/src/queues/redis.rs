//! Redis queue source. Read commands only, each bounded:
//! - `LLEN` of every list, pipelined;
//! - rediswq awareness: `LLEN <q>:processing`, `LRANGE <q>:processing 0 N-1`
//!   (N = `max_leases`), then `GET` and `PTTL` of each item's lease key
//!   `<q>:leased_by_session:<sha224 hex of the item>`, pipelined;
//! - `SCAN ... MATCH <pattern> COUNT 500` for discovery, a few steps per poll,
//!   resuming where the last poll stopped;
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
use model::tasks::Layout;

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

pub struct RedisPoller {
    /// The URL to connect to (credentials included: never shown).
    url: String,
    /// The URL as shown, password masked.
    display: String,
    spec: RedisSpec,
    conn: Option<ConnectionManager>,
    /// SCAN progress: the cursor, the queues found in the cycle under way, those of the last full cycle.
    scan_cursor: u64,
    scan_seen: BTreeSet<String>,
    discovered: BTreeSet<String>,
}

impl RedisPoller {
    pub fn new(source: &SourceSpec, spec: RedisSpec) -> Self {
        Self {
            url: source.url.clone(),
            display: source.display.clone(),
            spec,
            conn: None,
            scan_cursor: 0,
            scan_seen: BTreeSet::new(),
            discovered: BTreeSet::new(),
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

    /// Advances the SCAN cursor a few steps and returns the queues discovered so far.
    async fn discover(&mut self, conn: &mut ConnectionManager) -> Result<(), String> {
        let Some(pattern) = self.spec.scan.clone() else { return Ok(()) };
        for _ in 0..SCAN_STEPS_PER_POLL {
            let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(self.scan_cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .query_async(conn)
                .await
                .map_err(|e| self.describe(&e))?;
            for key in keys {
                let Ok(key) = String::from_utf8(key) else { continue };
                let queue =
                    if self.spec.rediswq { key.strip_suffix(":processing").unwrap_or(&key).to_string() } else { key };
                if self.scan_seen.len() < MAX_DISCOVERED && !queue.contains(":leased_by_session:") {
                    self.scan_seen.insert(queue);
                }
            }
            self.scan_cursor = next;
            if next == 0 {
                self.discovered = std::mem::take(&mut self.scan_seen);
                break;
            }
        }
        Ok(())
    }

    async fn read(&mut self, queues: &BTreeSet<String>) -> PollResult {
        let mut conn = self.connection().await?;
        self.discover(&mut conn).await?;
        let (laid_out, names): (Vec<String>, Vec<String>) = queues
            .iter()
            .chain(self.discovered.iter().chain(self.scan_seen.iter()))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .partition(|q| self.spec.layouts.contains_key(q));
        let (streams, frameworks): (Named, Named) = laid_out
            .into_iter()
            .map(|q| {
                let layout = self.spec.layouts[&q].clone();
                (q, layout)
            })
            .partition(|(_, l)| matches!(l, Layout::Stream { .. }));
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
