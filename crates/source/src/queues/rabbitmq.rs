//! RabbitMQ queue source.
//!
//! Over AMQP 0-9-1, each queue is probed with a passive `queue.declare` on its
//! own short-lived channel: the answer carries the ready count and the
//! consumer count. A queue that does not exist makes the broker close that
//! channel with 404 NOT_FOUND: the queue is shown "not found", and since the
//! channel was a throwaway, the connection and the other queues carry on.
//! Nothing else is ever sent: no consume, get, ack, purge, or non-passive
//! declare.
//!
//! With the management API configured, one GET of `/api/queues/<vhost>`
//! trimmed with `columns=` adds unacked, publish/ack rates, consumer
//! utilisation and idle time, and lists queues for `queue_regex`. Its stats
//! are sampled by the broker every 5 s by default, so they lag the AMQP figures.
//! If only the management API fails, the AMQP figures are still shown and the
//! source says why the rest is missing.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ErrorKind};

use model::queue::{BrokerStats, QueueReading, QueueStatus, RabbitSpec, SourceSpec};
use model::redact::mask_url;
use model::settings::Management;

use super::poll::{CONNECT_TIMEOUT, PollResult, Poller};

/// One passive declare under way.
type ProbeFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<QueueReading, String>> + Send + 'a>>;

/// Passive declares in flight at once (each on its own channel).
const PROBES_AT_ONCE: usize = 8;
/// The connection name the broker shows for batchtop.
const CONNECTION_NAME: &str = "batchtop (read-only queue monitor)";
/// The fields batchtop reads from the management API, nothing more.
const COLUMNS: &str = "name,messages_ready,messages_unacknowledged,consumers,consumer_utilisation,idle_since,\
message_stats.publish_details.rate,message_stats.ack_details.rate,message_stats.deliver_no_ack_details.rate,\
message_stats.get_no_ack_details.rate";

pub struct RabbitPoller {
    /// The AMQP URL to connect to (credentials included: never shown).
    url: String,
    /// The URL as shown, password masked.
    display: String,
    spec: RabbitSpec,
    conn: Option<Connection>,
    http: Option<reqwest::Client>,
    regex: Option<regex::Regex>,
}

impl RabbitPoller {
    pub fn new(source: &SourceSpec, spec: RabbitSpec) -> Self {
        let regex = spec.queue_regex.as_deref().and_then(|r| regex::Regex::new(r).ok());
        Self { url: source.url.clone(), display: source.display.clone(), spec, conn: None, http: None, regex }
    }

    async fn connection(&mut self) -> Result<&Connection, String> {
        let alive = self.conn.as_ref().is_some_and(|c| c.status().connected());
        if !alive {
            self.conn = None;
            let props = ConnectionProperties::default().with_connection_name(CONNECTION_NAME.into());
            let conn = match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(&self.url, props)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => return Err(mask_url(&format!("{}: {e}", self.display))),
                Err(_) => return Err(format!("connecting to {}: timed out", self.display)),
            };
            self.conn = Some(conn);
        }
        Ok(self.conn.as_ref().expect("just connected"))
    }

    /// Passive declare on a throwaway channel. `Err` only for connection-level trouble.
    async fn probe(conn: &Connection, name: &str) -> Result<QueueReading, String> {
        let channel = conn.create_channel().await.map_err(|e| format!("opening a channel: {e}"))?;
        let options = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        match channel.queue_declare(name.into(), options, FieldTable::default()).await {
            Ok(q) => {
                // Best effort: the broker frees the channel with the connection anyway.
                let _ = channel.close(200, "done".into()).await;
                Ok(QueueReading {
                    ready: Some(u64::from(q.message_count())),
                    consumers: Some(u64::from(q.consumer_count())),
                    ..QueueReading::with_status(name, QueueStatus::Ok)
                })
            }
            Err(e) => match e.kind() {
                ErrorKind::ProtocolError(amqp) if amqp.get_id() == 404 => Ok(QueueReading::not_found(name)),
                // Another channel-level refusal (e.g. 403 access refused) concerns this queue only.
                ErrorKind::ProtocolError(amqp) if conn.status().connected() => {
                    Ok(QueueReading::with_status(name, QueueStatus::Error(amqp.to_string())))
                }
                _ => Err(format!("declaring {name:?} passively: {e}")),
            },
        }
    }

    async fn management(&mut self, m: &Management) -> Result<BTreeMap<String, ManagementQueue>, String> {
        let http = if let Some(h) = &self.http {
            h.clone()
        } else {
            let h = reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(Duration::from_secs(4))
                .build()
                .map_err(|e| e.to_string())?;
            self.http = Some(h.clone());
            h
        };
        let vhost = percent_encoding::utf8_percent_encode(&self.spec.vhost, percent_encoding::NON_ALPHANUMERIC);
        let url = format!("{}/api/queues/{vhost}", m.url);
        let resp = http
            .get(&url)
            .query(&[("columns", COLUMNS), ("disable_stats", "false")])
            .basic_auth(&m.username, Some(&m.password))
            .send()
            .await
            .map_err(|e| mask_url(&format!("management API {}: {}", m.url, without_url(&e))))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("management API {}: HTTP {status}", m.url));
        }
        let body: serde_json::Value =
            resp.json().await.map_err(|e| format!("management API {}: {}", m.url, without_url(&e)))?;
        Ok(parse_management(&body))
    }

    async fn read(&mut self, queues: &BTreeSet<String>) -> PollResult {
        let (mgmt, management_error) = match self.spec.management.clone() {
            Some(m) => match self.management(&m).await {
                Ok(x) => (Some(x), None),
                Err(e) => (None, Some(e)),
            },
            None => (None, None),
        };
        let mut names = queues.clone();
        if let (Some(re), Some(mgmt)) = (&self.regex, &mgmt) {
            names.extend(mgmt.keys().filter(|n| re.is_match(n)).cloned());
        }
        let conn = self.connection().await?;
        // A few probes at a time, each on its own channel: a poll of many
        // queues over a slow link stays well inside the poll timeout.
        let probes: Vec<ProbeFuture<'_>> =
            names.iter().map(|name| Box::pin(Self::probe(conn, name)) as ProbeFuture<'_>).collect();
        let probed: Vec<Result<QueueReading, String>> =
            futures::stream::iter(probes).buffered(PROBES_AT_ONCE).collect().await;
        let mut readings = Vec::with_capacity(names.len());
        for r in probed {
            let mut r = r?;
            if let (QueueStatus::Ok, Some(m)) = (&r.status, mgmt.as_ref().and_then(|m| m.get(&r.name))) {
                r.in_flight = m.unacked;
                r.broker = Some(m.stats.clone());
            }
            readings.push(r);
        }
        Ok((readings, management_error))
    }
}

impl Poller for RabbitPoller {
    async fn poll(&mut self, queues: &BTreeSet<String>) -> PollResult {
        self.read(queues).await
    }

    fn reset(&mut self) {
        self.conn = None;
    }
}

/// reqwest errors print the URL; say what went wrong without it (it is shown once, masked, by the caller).
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(i) = e.find(" for url (") {
        e.truncate(i);
    }
    e
}

/// What the management API says about one queue.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagementQueue {
    pub ready: Option<u64>,
    pub unacked: Option<u64>,
    pub consumers: Option<u64>,
    pub stats: BrokerStats,
}

/// Parses `GET /api/queues/<vhost>?columns=...` (an array of queue objects).
pub fn parse_management(body: &serde_json::Value) -> BTreeMap<String, ManagementQueue> {
    let rate = |q: &serde_json::Value, field: &str| {
        q.pointer(&format!("/message_stats/{field}/rate")).and_then(serde_json::Value::as_f64)
    };
    let mut out = BTreeMap::new();
    for q in body.as_array().into_iter().flatten() {
        let Some(name) = q.get("name").and_then(|n| n.as_str()) else { continue };
        let acked: Vec<f64> =
            ["ack_details", "deliver_no_ack_details", "get_no_ack_details"].iter().filter_map(|f| rate(q, f)).collect();
        let stats = BrokerStats {
            publish_rate: rate(q, "publish_details").or(q.get("message_stats").map(|_| 0.0)),
            out_rate: if acked.is_empty() { q.get("message_stats").map(|_| 0.0) } else { Some(acked.iter().sum()) },
            consumer_utilisation: q.get("consumer_utilisation").and_then(serde_json::Value::as_f64),
            idle_since: q.get("idle_since").and_then(|v| v.as_str()).map(str::to_string),
        };
        out.insert(
            name.to_string(),
            ManagementQueue {
                ready: q.get("messages_ready").and_then(serde_json::Value::as_u64),
                unacked: q.get("messages_unacknowledged").and_then(serde_json::Value::as_u64),
                consumers: q.get("consumers").and_then(serde_json::Value::as_u64),
                stats,
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn management_answer_is_read_field_by_field() {
        let body = serde_json::json!([
            {"name": "job1", "messages_ready": 5, "messages_unacknowledged": 2, "consumers": 2,
             "consumer_utilisation": 0.5,
             "message_stats": {"publish_details": {"rate": 0.0}, "ack_details": {"rate": 0.4}}},
            {"name": "idle", "messages_ready": 0, "messages_unacknowledged": 0, "consumers": 0,
             "consumer_utilisation": null, "idle_since": "2026-01-01T10:00:00.000+00:00"},
            {"messages_ready": 1}
        ]);
        let m = parse_management(&body);
        assert_eq!(m.len(), 2);
        let j = &m["job1"];
        assert_eq!((j.ready, j.unacked, j.consumers), (Some(5), Some(2), Some(2)));
        assert_eq!(j.stats.out_rate, Some(0.4));
        assert_eq!(j.stats.publish_rate, Some(0.0));
        assert_eq!(j.stats.consumer_utilisation, Some(0.5));
        let i = &m["idle"];
        assert_eq!(i.stats.out_rate, None, "no message_stats: no rates rather than made-up zeros");
        assert_eq!(i.stats.idle_since.as_deref(), Some("2026-01-01T10:00:00.000+00:00"));
    }
}
