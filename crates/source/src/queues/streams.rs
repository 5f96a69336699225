//! Redis Streams, for the Redis poller: read commands only, two pipelines per
//! poll whatever the number of streams:
//! 1. `XINFO STREAM <s>` (length) and `XINFO GROUPS <s>` of every stream;
//! 2. `XINFO CONSUMERS <s> <g>` and `XPENDING <s> <g>` (the summary form: count,
//!    oldest and newest ID, per-consumer counts; never the range form) of the
//!    first [`MAX_GROUPS`] groups of each stream.
//!
//! Of each group's consumers the first [`MAX_CONSUMERS`] are kept, those
//! holding pending entries first and the idlest first among them, so that a
//! gone consumer is among those looked at. Never `XREADGROUP`, `XACK`,
//! `XCLAIM` or `XAUTOCLAIM`: those move a group's position, its pending
//! entries or a consumer's idle time, which is what is monitored.

use std::collections::BTreeMap;
use std::time::Duration;

use model::queue::{QueueReading, QueueStatus};
use model::sanitize::strip_line;
use model::stream::{ConsumerReading, GroupReading, MAX_CONSUMERS, MAX_GROUPS, StreamReading};
use redis::Value;
use redis::aio::ConnectionManager;

/// Why a stream's reply could not be read as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamError {
    /// `ERR no such key`: the stream does not exist (yet).
    NoSuchKey,
    /// The key holds another type.
    WrongType,
    /// Any other error or an answer of an unexpected shape.
    Unexpected(String),
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::NoSuchKey => f.write_str("no such stream"),
            StreamError::WrongType => f.write_str("not a stream (WRONGTYPE)"),
            StreamError::Unexpected(e) => write!(f, "unexpected XINFO answer: {e}"),
        }
    }
}

/// A server error of a pipelined command, or the value.
fn ok(v: Value) -> Result<Value, StreamError> {
    match v {
        Value::ServerError(e) => {
            let text = format!("{e:?} {}", e.details().unwrap_or_default());
            Err(if text.contains("WRONGTYPE") {
                StreamError::WrongType
            } else if text.contains("no such key") {
                StreamError::NoSuchKey
            } else {
                StreamError::Unexpected(e.details().unwrap_or("server error").to_string())
            })
        }
        v => Ok(v),
    }
}

/// A reply map (RESP3) or flat key/value array (RESP2) by field name.
fn fields(v: Value) -> Result<BTreeMap<String, Value>, StreamError> {
    let pairs: Vec<(Value, Value)> = match ok(v)? {
        Value::Map(m) => m,
        Value::Array(a) => {
            let mut it = a.into_iter();
            let mut out = Vec::new();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            out
        }
        other => return Err(StreamError::Unexpected(format!("{other:?}"))),
    };
    Ok(pairs.into_iter().filter_map(|(k, v)| Some((text(&k)?, v))).collect())
}

fn list(v: Value) -> Result<Vec<Value>, StreamError> {
    match ok(v)? {
        Value::Array(a) | Value::Set(a) => Ok(a),
        Value::Nil => Ok(Vec::new()),
        other => Err(StreamError::Unexpected(format!("{other:?}"))),
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Int(i) => u64::try_from(*i).ok(),
        v => text(v)?.parse().ok(),
    }
}

/// Names from the broker, made safe and short to show.
fn shown(v: Option<&Value>) -> String {
    match v {
        Some(Value::BulkString(b)) => super::redis::shown(b),
        Some(v) => text(v).map(|s| strip_line(s.as_bytes())).unwrap_or_default(),
        None => String::new(),
    }
}

/// The raw bytes of a name, to ask about it again.
fn raw(v: Option<&Value>) -> Vec<u8> {
    match v {
        Some(Value::BulkString(b)) => b.clone(),
        Some(v) => text(v).unwrap_or_default().into_bytes(),
        None => Vec::new(),
    }
}

/// One group of `XINFO GROUPS`, and its name as Redis knows it.
fn group(v: Value) -> Result<(Vec<u8>, GroupReading), StreamError> {
    let f = fields(v)?;
    let name = raw(f.get("name"));
    let g = GroupReading {
        name: shown(f.get("name")),
        // Nil when Redis cannot tell (entries deleted or trimmed past the group's position).
        lag: number(f.get("lag")),
        pending: number(f.get("pending")).unwrap_or(0),
        consumers_total: number(f.get("consumers")).unwrap_or(0),
        consumers: Vec::new(),
        oldest_pending: None,
        last_delivered: shown(f.get("last-delivered-id")),
    };
    Ok((name, g))
}

/// `XINFO CONSUMERS`: the first [`MAX_CONSUMERS`], holders of pending entries and the idlest first.
fn consumers(v: Value) -> Result<Vec<ConsumerReading>, StreamError> {
    let mut out = list(v)?
        .into_iter()
        .map(|c| {
            let f = fields(c)?;
            Ok(ConsumerReading {
                name: shown(f.get("name")),
                pending: number(f.get("pending")).unwrap_or(0),
                idle_ms: number(f.get("idle")).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, StreamError>>()?;
    out.sort_by_key(|c| (c.pending == 0, std::cmp::Reverse(c.idle_ms)));
    out.truncate(MAX_CONSUMERS);
    Ok(out)
}

/// `XPENDING <s> <g>` (summary): the count and the oldest pending ID.
fn pending_summary(v: Value) -> Result<(u64, Option<String>), StreamError> {
    let parts = list(v)?;
    let count = number(parts.first()).unwrap_or(0);
    let oldest = parts.get(1).and_then(text);
    Ok((count, oldest))
}

/// A stream as the first pipeline read it, and the raw names of the groups to ask about.
type Stream = (StreamReading, Vec<Vec<u8>>);

/// `XINFO STREAM` and `XINFO GROUPS` of one stream.
fn stream(info: Value, groups: Value, idle_after: Duration) -> Result<Stream, StreamError> {
    let length = number(fields(info)?.get("length")).unwrap_or(0);
    let all = list(groups)?;
    let groups_total = all.len();
    let (names, groups): (Vec<Vec<u8>>, Vec<GroupReading>) =
        all.into_iter().take(MAX_GROUPS).map(group).collect::<Result<Vec<_>, _>>()?.into_iter().unzip();
    Ok((StreamReading { length, groups_total, groups, idle_after }, names))
}

/// The readings of `streams` (name, idle threshold), in two pipelines.
pub async fn read(conn: &mut ConnectionManager, streams: &[(String, Duration)]) -> Result<Vec<QueueReading>, String> {
    if streams.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for (s, _) in streams {
        pipe.cmd("XINFO").arg("STREAM").arg(s);
        pipe.cmd("XINFO").arg("GROUPS").arg(s);
    }
    let values: Vec<Value> = pipe.query_async(conn).await.map_err(|e| e.to_string())?;
    let mut values = values.into_iter();
    let read: Vec<Result<Stream, StreamError>> = streams
        .iter()
        .map(|(_, idle_after)| {
            stream(values.next().unwrap_or_default(), values.next().unwrap_or_default(), *idle_after)
        })
        .collect();
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    let mut asked = 0;
    for ((s, _), r) in streams.iter().zip(&read) {
        for g in r.iter().flat_map(|(_, names)| names) {
            pipe.cmd("XINFO").arg("CONSUMERS").arg(s).arg(g);
            pipe.cmd("XPENDING").arg(s).arg(g);
            asked += 1;
        }
    }
    let values: Vec<Value> =
        if asked == 0 { Vec::new() } else { pipe.query_async(conn).await.map_err(|e| e.to_string())? };
    let mut values = values.into_iter();
    let mut out = Vec::with_capacity(streams.len());
    for ((name, _), r) in streams.iter().zip(read) {
        let reading = r.and_then(|(mut stream, _)| {
            for g in &mut stream.groups {
                g.consumers = consumers(values.next().unwrap_or_default())?;
                let (pending, oldest) = pending_summary(values.next().unwrap_or_default())?;
                g.pending = pending;
                g.oldest_pending = oldest;
            }
            Ok(stream)
        });
        out.push(match reading {
            Ok(stream) => QueueReading::of_stream(name, stream),
            Err(StreamError::NoSuchKey) => QueueReading::not_found(name),
            Err(e) => QueueReading::with_status(name, QueueStatus::Error(e.to_string())),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn groups_read_from_resp2_pairs_with_a_nil_lag() {
        let v = Value::Array(vec![
            bulk("name"),
            bulk("workers"),
            bulk("consumers"),
            Value::Int(2),
            bulk("pending"),
            Value::Int(3),
            bulk("last-delivered-id"),
            bulk("1700000000000-5"),
            bulk("lag"),
            Value::Nil,
        ]);
        let (raw, g) = group(v).unwrap();
        assert_eq!(raw, b"workers");
        assert_eq!((g.name.as_str(), g.lag, g.pending, g.consumers_total), ("workers", None, 3, 2));
    }

    #[test]
    fn consumers_holding_entries_come_first_and_are_capped() {
        let c = |name: &str, pending: i64, idle: i64| {
            Value::Map(vec![
                (bulk("name"), bulk(name)),
                (bulk("pending"), Value::Int(pending)),
                (bulk("idle"), Value::Int(idle)),
            ])
        };
        let mut all = vec![c("idle-empty", 0, 90_000), c("busy", 1, 10), c("gone", 2, 60_000)];
        all.extend((0..40).map(|i| c(&format!("w{i}"), 0, i)));
        let got = consumers(Value::Array(all)).unwrap();
        assert_eq!(got.len(), MAX_CONSUMERS);
        assert_eq!(
            got[..3].iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["gone", "busy", "idle-empty"],
            "the stuck candidates are never cut"
        );
    }

    /// Every command this module sends is a read: XINFO and the XPENDING
    /// summary (XREADGROUP, XACK, XCLAIM, XAUTOCLAIM would move what is watched).
    #[test]
    fn only_read_commands_are_sent() {
        let code = include_str!("streams.rs");
        let code = &code[..code.find("#[cfg(test)]").unwrap()];
        let sent: std::collections::BTreeSet<&str> =
            code.split("cmd(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        assert_eq!(sent, ["XINFO", "XPENDING"].into());
        for sub in code.split(".arg(\"").skip(1).filter_map(|rest| rest.split('"').next()) {
            assert!(["STREAM", "GROUPS", "CONSUMERS"].contains(&sub), "XINFO {sub}?");
        }
        assert!(!code.contains(".arg(\"-\")") && !code.contains("IDLE"), "XPENDING in its summary form only");
    }

    #[test]
    fn pending_summary_and_errors() {
        let v = Value::Array(vec![Value::Int(2), bulk("1-0"), bulk("1-1"), Value::Array(vec![])]);
        assert_eq!(pending_summary(v).unwrap(), (2, Some("1-0".into())));
        let none = Value::Array(vec![Value::Int(0), Value::Nil, Value::Nil, Value::Nil]);
        assert_eq!(pending_summary(none).unwrap(), (0, None));
        assert!(matches!(fields(Value::Int(3)), Err(StreamError::Unexpected(_))));
    }
}
