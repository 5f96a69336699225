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
//!
//! The same answer gives each queue's type (classic, quorum, stream), its
//! delivery limit and its dead-letter exchange (from its arguments, else its
//! policy). The queues that exchange routes to (one GET of its bindings per
//! poll, at most [`MAX_DLX_PER_POLL`] exchanges) are read as well, and how many
//! messages wait in them is told on the source queue: its dead letters.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ErrorKind};

use model::queue::{
    BrokerStats, MAX_DEAD_LETTER_QUEUES, QueueReading, QueueStatus, RabbitQueueInfo, RabbitSpec, SourceSpec,
};
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
message_stats.get_no_ack_details.rate,message_stats.redeliver,type,arguments,effective_policy_definition";
/// Dead-letter exchanges whose bindings are read per poll, at most.
const MAX_DLX_PER_POLL: usize = 8;

pub struct RabbitPoller {
    /// The AMQP URL to connect to (credentials included: never shown).
    url: String,
    /// The URL as shown, password masked.
    display: String,
    spec: RabbitSpec,
    conn: Option<Connection>,
    /// Channels opened on `conn` so far (see [`Self::read`]).
    channels_opened: u32,
    http: Option<reqwest::Client>,
    regex: Option<regex::Regex>,
}

impl RabbitPoller {
    pub fn new(source: &SourceSpec, spec: RabbitSpec) -> Self {
        let regex = spec.queue_regex.as_deref().and_then(|r| regex::Regex::new(r).ok());
        Self {
            url: source.url.clone(),
            display: source.display.clone(),
            spec,
            conn: None,
            channels_opened: 0,
            http: None,
            regex,
        }
    }

    async fn connection(&mut self) -> Result<&Connection, String> {
        let alive = self.conn.as_ref().is_some_and(|c| c.status().connected());
        if !alive {
            self.close_connection();
            let props = ConnectionProperties::default().with_connection_name(CONNECTION_NAME.into());
            let conn = match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(&self.url, props)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => return Err(mask_url(&format!("{}: {e}", self.display))),
                Err(_) => return Err(format!("connecting to {}: timed out", self.display)),
            };
            self.conn = Some(conn);
            self.channels_opened = 0;
        }
        Ok(self.conn.as_ref().expect("just connected"))
    }

    /// Closes the connection, if any, without waiting for the broker's answer.
    /// Dropping a lapin `Connection` does not close it: its I/O thread, its
    /// socket and its buffers (8 MB) lived on, and the broker listed one more
    /// batchtop connection after every failed poll (a console left polling
    /// for an hour held seven).
    fn close_connection(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                // A broker that does not answer: lapin's heartbeat ends the I/O loop.
                let _ = tokio::time::timeout(CONNECT_TIMEOUT, conn.close(200, "batchtop: reconnecting".into())).await;
            });
        }
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

    fn http(&mut self) -> Result<reqwest::Client, String> {
        if let Some(h) = &self.http {
            return Ok(h.clone());
        }
        let h = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(Duration::from_secs(4))
            .build()
            .map_err(|e| e.to_string())?;
        self.http = Some(h.clone());
        Ok(h)
    }

    /// One GET of the management API under `/api/`, as JSON.
    async fn get_json(&mut self, m: &Management, path: &str, columns: &str) -> Result<serde_json::Value, String> {
        let http = self.http()?;
        let resp = http
            .get(format!("{}/api/{path}", m.url))
            .query(&[("columns", columns), ("disable_stats", "false")])
            .basic_auth(&m.username, Some(&m.password))
            .send()
            .await
            .map_err(|e| mask_url(&format!("management API {}: {}", m.url, without_url(&e))))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("management API {}: HTTP {status}", m.url));
        }
        resp.json().await.map_err(|e| format!("management API {}: {}", m.url, without_url(&e)))
    }

    /// The vhost as a path segment of the management API.
    fn vhost_segment(&self) -> String {
        percent_encoding::utf8_percent_encode(&self.spec.vhost, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    async fn management(&mut self, m: &Management) -> Result<BTreeMap<String, ManagementQueue>, String> {
        let body = self.get_json(m, &format!("queues/{}", self.vhost_segment()), COLUMNS).await?;
        Ok(parse_management(&body))
    }

    /// The queue bindings (queue, routing key) of each dead-letter exchange
    /// the queues `watched` name (not the default exchange: it routes by key).
    async fn dead_letter_bindings(
        &mut self,
        m: &Management,
        watched: &[&ManagementQueue],
    ) -> BTreeMap<String, Vec<(String, String)>> {
        let exchanges: BTreeSet<String> =
            watched.iter().filter_map(|q| q.dead_letter.as_ref()).map(|d| d.exchange.clone()).collect();
        let vhost = self.vhost_segment();
        let mut out = BTreeMap::new();
        for x in exchanges.into_iter().filter(|x| !x.is_empty()).take(MAX_DLX_PER_POLL) {
            let name = percent_encoding::utf8_percent_encode(&x, percent_encoding::NON_ALPHANUMERIC);
            let path = format!("exchanges/{vhost}/{name}/bindings/source");
            // A failed look-up leaves the target unknown; the counts still show.
            if let Ok(body) = self.get_json(m, &path, "destination,destination_type,routing_key").await {
                out.insert(x, queue_bindings(&body));
            }
        }
        out
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
        // Where the watched queues' dead letters go: those queues are read too.
        let mut targets: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let (Some(m), Some(mgmt)) = (self.spec.management.clone(), &mgmt) {
            let watched: Vec<&ManagementQueue> = names.iter().filter_map(|n| mgmt.get(n)).collect();
            let bindings = self.dead_letter_bindings(&m, &watched).await;
            for name in &names {
                if let Some(dl) = mgmt.get(name).and_then(|q| q.dead_letter.as_ref()) {
                    targets.insert(name.clone(), dl.queues(name, &bindings));
                }
            }
        }
        names.extend(targets.values().flatten().cloned());
        // A connection is used for as many channels as it may have open at
        // once (its channel_max, 2,047 by default), then replaced: lapin then
        // hands out the ids again from the lowest free one, and an open on an
        // id whose channel the broker had closed with a 404 (a missing queue)
        // failed with that 404, failing the whole poll, every ~10 minutes.
        let per_poll = u32::try_from(names.len()).unwrap_or(u32::MAX);
        let channel_max = self.conn.as_ref().map_or(u32::MAX, |c| u32::from(c.configuration().channel_max()));
        if self.channels_opened.saturating_add(per_poll) >= channel_max {
            self.close_connection();
        }
        self.connection().await?;
        self.channels_opened = self.channels_opened.saturating_add(per_poll);
        let conn = self.conn.as_ref().expect("just connected");
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
                r.rabbit = Some(m.info.clone());
            }
            readings.push(r);
        }
        let ready: BTreeMap<String, Option<u64>> = readings.iter().map(|r| (r.name.clone(), r.ready)).collect();
        for r in &mut readings {
            let (Some(info), Some(dlqs)) = (r.rabbit.as_mut(), targets.get(&r.name)) else { continue };
            info.dead_letter_queues.clone_from(dlqs);
            info.dead_lettered = dlqs.iter().map(|q| ready.get(q).copied().flatten()).sum();
        }
        Ok((readings, management_error))
    }
}

/// A poller that goes (its source left the plan, the console ends) closes its connection too.
impl Drop for RabbitPoller {
    fn drop(&mut self) {
        self.close_connection();
    }
}

impl Poller for RabbitPoller {
    async fn poll(&mut self, queues: &BTreeSet<String>) -> PollResult {
        self.read(queues).await
    }

    fn reset(&mut self) {
        self.close_connection();
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
    /// Type, delivery limit, redeliveries (the dead-letter queues are filled in by the poll).
    pub info: RabbitQueueInfo,
    pub dead_letter: Option<DeadLetter>,
}

/// A queue's dead-letter exchange and routing key, from its arguments or its policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub exchange: String,
    pub routing_key: Option<String>,
}

impl DeadLetter {
    /// The queues dead letters of `queue` reach: through the default exchange
    /// the one the routing key names; otherwise the queues bound to the
    /// exchange, with the dead-letter routing key (or the queue's own name,
    /// the message's original key) where a binding has a key, as a direct
    /// exchange routes; a fanout's bindings have none.
    pub fn queues(&self, queue: &str, bindings: &BTreeMap<String, Vec<(String, String)>>) -> Vec<String> {
        let key = self.routing_key.as_deref().unwrap_or(queue);
        if self.exchange.is_empty() {
            return vec![key.to_string()];
        }
        let mut out: Vec<String> = bindings
            .get(&self.exchange)
            .into_iter()
            .flatten()
            .filter(|(_, k)| k.is_empty() || k == key || k == "#")
            .map(|(q, _)| q.clone())
            .filter(|q| q != queue)
            .collect();
        out.sort();
        out.dedup();
        out.truncate(MAX_DEAD_LETTER_QUEUES);
        out
    }
}

/// The queue destinations of `GET /api/exchanges/<vhost>/<x>/bindings/source`, as (queue, routing key).
pub fn queue_bindings(body: &serde_json::Value) -> Vec<(String, String)> {
    body.as_array()
        .into_iter()
        .flatten()
        .filter(|b| b.get("destination_type").and_then(|t| t.as_str()) == Some("queue"))
        .filter_map(|b| {
            let q = b.get("destination")?.as_str()?;
            let k = b.get("routing_key").and_then(|k| k.as_str()).unwrap_or("");
            Some((q.to_string(), k.to_string()))
        })
        .collect()
}

/// A queue's setting `name` from its arguments (`x-<name>`), else from its effective policy (`<name>`).
fn setting<'a>(q: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    q.pointer(&format!("/arguments/x-{name}")).or_else(|| q.pointer(&format!("/effective_policy_definition/{name}")))
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
        let dead_letter = setting(q, "dead-letter-exchange").and_then(|x| x.as_str()).map(|x| DeadLetter {
            exchange: x.to_string(),
            routing_key: setting(q, "dead-letter-routing-key").and_then(|k| k.as_str()).map(str::to_string),
        });
        out.insert(
            name.to_string(),
            ManagementQueue {
                ready: q.get("messages_ready").and_then(serde_json::Value::as_u64),
                unacked: q.get("messages_unacknowledged").and_then(serde_json::Value::as_u64),
                consumers: q.get("consumers").and_then(serde_json::Value::as_u64),
                stats,
                info: RabbitQueueInfo {
                    queue_type: q.get("type").and_then(|t| t.as_str()).unwrap_or("classic").to_string(),
                    delivery_limit: setting(q, "delivery-limit").and_then(serde_json::Value::as_u64),
                    redelivered: q.pointer("/message_stats/redeliver").and_then(serde_json::Value::as_u64),
                    dead_letter_exchange: dead_letter.as_ref().map(|d| d.exchange.clone()),
                    dead_letter_queues: Vec::new(),
                    dead_lettered: None,
                },
                dead_letter,
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quorum_queue_says_its_type_limit_redeliveries_and_where_its_dead_letters_go() {
        let body = serde_json::json!([
            {"name": "dlq-tasks", "type": "quorum", "messages_ready": 0,
             "arguments": {"x-queue-type": "quorum", "x-delivery-limit": 2, "x-dead-letter-exchange": "dlq-tasks.dlx"},
             "message_stats": {"redeliver": 6}},
            {"name": "by-policy", "type": "classic", "arguments": {},
             "effective_policy_definition": {"dead-letter-exchange": "", "dead-letter-routing-key": "parked"}},
            {"name": "events", "type": "stream", "arguments": {"x-queue-type": "stream"}}
        ]);
        let m = parse_management(&body);
        let q = &m["dlq-tasks"];
        assert_eq!(
            (q.info.queue_type.as_str(), q.info.delivery_limit, q.info.redelivered),
            ("quorum", Some(2), Some(6))
        );
        let dl = q.dead_letter.as_ref().expect("a dead-letter exchange");
        let bindings: BTreeMap<String, Vec<(String, String)>> = [(
            "dlq-tasks.dlx".to_string(),
            queue_bindings(&serde_json::json!([
                {"destination": "dlq-tasks.dead", "destination_type": "queue", "routing_key": ""},
                {"destination": "audit", "destination_type": "exchange", "routing_key": ""},
                {"destination": "other.dead", "destination_type": "queue", "routing_key": "other"}
            ])),
        )]
        .into();
        assert_eq!(dl.queues("dlq-tasks", &bindings), ["dlq-tasks.dead"], "fanout binding kept, others' keys not");
        let p = m["by-policy"].dead_letter.as_ref().expect("from the policy");
        assert_eq!(p.queues("by-policy", &bindings), ["parked"], "the default exchange routes by key");
        assert_eq!((m["events"].info.queue_type.as_str(), m["events"].dead_letter.is_none()), ("stream", true));
    }

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
        assert_eq!(j.info.queue_type, "classic", "no type: an old broker's classic queue");
        let i = &m["idle"];
        assert_eq!(i.stats.out_rate, None, "no message_stats: no rates rather than made-up zeros");
        assert_eq!(i.stats.idle_since.as_deref(), Some("2026-01-01T10:00:00.000+00:00"));
    }
}
