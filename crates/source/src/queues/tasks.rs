//! Task frameworks' queues on Redis, for the Redis poller: Celery, RQ,
//! BullMQ and Sidekiq, each read from the framework's own keys with read
//! commands only, in at most three pipelines per queue, every list or set
//! read bounded by `max_items` (the source's `max_leases`):
//!
//! | framework | counts | items inspected | lost when |
//! | --- | --- | --- | --- |
//! | Celery | `LLEN <q>` (and its priority lists), `ZCARD unacked_index`, `PUBSUB NUMSUB` of the pidbox | the oldest `unacked_index` entries, `HMGET unacked` | unacked longer than the visibility timeout |
//! | RQ | `LLEN rq:queue:<q>`, `ZCARD` of its registries, `SMEMBERS rq:workers:<q>` | `ZRANGE rq:wip:<q>`, `HGET rq:job:<id> worker_name`, `HGETALL`-free `HMGET rq:worker:<w>` | the job's worker key is gone, or its lease ran out |
//! | BullMQ | `LLEN` wait/active/paused, `ZCARD` delayed/prioritized/failed/completed | `LRANGE <p>:<q>:active`, `EXISTS <p>:<q>:<id>:lock`, `HGET <p>:<q>:<id> processedOn` | its lock key expired (stalled) |
//! | Sidekiq | `LLEN queue:<q>`, `ZCARD` retry/dead/schedule, `SMEMBERS processes` | `HMGET <identity> beat busy info`, `HGETALL <identity>:work` (bounded by `HLEN`) | its process stopped beating |
//!
//! Server time comes from `TIME`, so ages do not depend on this machine's clock.
//! Never a command that takes, acks, claims, requeues, moves or deletes.

use std::collections::BTreeMap;
use std::time::Duration;

use model::queue::{QueueReading, QueueStatus};
use model::tasks::{BULLMQ_PREFIX, Framework, Layout, LostTask, TaskQueueReading, WorkerReading, celery_overdue};
use redis::aio::ConnectionManager;
use redis::{FromRedisValue, Value};

use super::redis::shown;

/// The readings of `queues` (name, layout), one framework reader each.
pub async fn read(
    conn: &mut ConnectionManager,
    queues: &[(String, Layout)],
    max_items: usize,
    db: i64,
) -> Result<Vec<QueueReading>, String> {
    let mut out = Vec::with_capacity(queues.len());
    let max = max_items.max(1);
    for (name, layout) in queues {
        let r = match layout {
            Layout::Celery { visibility_timeout } => celery(conn, db, name, *visibility_timeout, max).await,
            Layout::Rq => rq(conn, name, max).await,
            Layout::BullMq { prefix } => bullmq(conn, prefix, name, max).await,
            Layout::Sidekiq { beat_after } => sidekiq(conn, name, *beat_after, max).await,
            Layout::List | Layout::Stream { .. } => continue,
        };
        out.push(match r {
            Ok(reading) => reading,
            Err(Answer::Connection(e)) => return Err(e),
            Err(Answer::Shape(e)) => QueueReading::with_status(name, QueueStatus::Error(e)),
        });
    }
    Ok(out)
}

/// Why a reader stopped: the connection failed (the whole poll fails), or
/// the keys do not hold what the framework puts there (this queue's error).
enum Answer {
    Connection(String),
    Shape(String),
}

type Read<T> = Result<T, Answer>;

async fn run(conn: &mut ConnectionManager, pipe: &redis::Pipeline) -> Read<Vec<Value>> {
    pipe.query_async(conn).await.map_err(|e| Answer::Connection(e.to_string()))
}

/// One pipelined answer as `T`; a WRONGTYPE or odd answer is the queue's error.
fn take<T: FromRedisValue>(values: &mut impl Iterator<Item = Value>, what: &str) -> Read<T> {
    let v = values.next().unwrap_or_default();
    redis::from_redis_value(v).map_err(|e| {
        let e = e.to_string();
        Answer::Shape(if e.contains("WRONGTYPE") {
            format!("{what}: wrong type (WRONGTYPE)")
        } else {
            format!("{what}: {e}")
        })
    })
}

/// `TIME` as milliseconds since the epoch.
fn server_ms(values: &mut impl Iterator<Item = Value>) -> Read<u64> {
    let (s, us): (u64, u64) = take(values, "TIME")?;
    Ok(s * 1000 + us / 1000)
}

// ---- where each framework lists its queues (`discover`) --------------------------

/// Where a framework's queues can be found without being told their names.
pub enum Registry {
    /// A set of the queues (RQ's `rq:queues`, members `rq:queue:<q>`; Sidekiq's `queues`).
    Set { key: &'static str, member_prefix: &'static str },
    /// One key per queue, found by SCAN (BullMQ's `bull:<q>:meta`, kombu's `_kombu.binding.<q>`).
    Keys { pattern: String },
}

/// kombu's own exchanges (worker control, events), not task queues.
const KOMBU_INTERNAL: [&str; 3] = ["celery.pidbox", "reply.celery.pidbox", "celeryev"];

pub fn registry(fw: Framework) -> Registry {
    match fw {
        Framework::Rq => Registry::Set { key: "rq:queues", member_prefix: "rq:queue:" },
        Framework::Sidekiq => Registry::Set { key: "queues", member_prefix: "" },
        Framework::BullMq => Registry::Keys { pattern: format!("{BULLMQ_PREFIX}:*:meta") },
        Framework::Celery => Registry::Keys { pattern: "_kombu.binding.*".into() },
    }
}

/// The queue a key that [`Registry::Keys`] found stands for, if it is one.
pub fn queue_of_key(fw: Framework, key: &str) -> Option<String> {
    let queue = match fw {
        Framework::BullMq => key.strip_prefix(BULLMQ_PREFIX)?.strip_prefix(':')?.strip_suffix(":meta")?,
        Framework::Celery => key.strip_prefix("_kombu.binding.").filter(|x| !KOMBU_INTERNAL.contains(x))?,
        Framework::Rq | Framework::Sidekiq => return None,
    };
    Some(queue.to_string())
}

// ---- Celery ------------------------------------------------------------------

/// kombu's Redis transport puts priority `p` messages of queue `q` in
/// `q\x06\x16p` (priority 0 in `q` itself); its default steps are 0, 3, 6, 9.
fn celery_lists(queue: &str) -> Vec<String> {
    std::iter::once(queue.to_string()).chain([3, 6, 9].iter().map(|p| format!("{queue}\x06\x16{p}"))).collect()
}

/// The pidbox every worker of the app listens on (kombu fanout: `/<db>.celery.pidbox`).
fn celery_pidbox(db: i64) -> String {
    format!("/{db}.celery.pidbox")
}

/// What the `unacked` hash holds per delivery tag: `[message, exchange,
/// routing_key]`; the task's id is in the message's headers (protocol 2) or
/// its correlation id.
pub fn celery_unacked_entry(raw: &[u8]) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(raw).ok()?;
    let routing_key = v
        .get(2)
        .and_then(|r| r.as_str())
        .map(str::to_string)
        .or_else(|| v.get(0)?.pointer("/properties/delivery_info/routing_key")?.as_str().map(str::to_string))?;
    let msg = v.get(0)?;
    let id = msg
        .pointer("/headers/id")
        .or_else(|| msg.pointer("/properties/correlation_id"))
        .and_then(|i| i.as_str())
        .unwrap_or("?");
    Some((routing_key, id.to_string()))
}

async fn celery(
    conn: &mut ConnectionManager,
    db: i64,
    queue: &str,
    timeout: Duration,
    max: usize,
) -> Read<QueueReading> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    pipe.cmd("TIME");
    for l in celery_lists(queue) {
        pipe.cmd("LLEN").arg(l);
    }
    pipe.cmd("ZCARD").arg("unacked_index");
    pipe.cmd("ZRANGE").arg("unacked_index").arg(0).arg(max as i64 - 1).arg("WITHSCORES");
    pipe.cmd("PUBSUB").arg("NUMSUB").arg(celery_pidbox(db));
    let mut v = run(conn, &pipe).await?.into_iter();
    let now = server_ms(&mut v)?;
    let mut ready = 0;
    for _ in 0..4 {
        ready += take::<u64>(&mut v, queue)?;
    }
    let unacked_total: u64 = take(&mut v, "unacked_index")?;
    let oldest: Vec<(String, f64)> = take(&mut v, "unacked_index")?;
    let (_, workers): (String, u64) = take(&mut v, "PUBSUB NUMSUB")?;
    // Which queue each inspected delivery belongs to: the hash holds its routing key.
    let mut mine: Vec<(String, f64, String)> = Vec::new();
    if !oldest.is_empty() {
        let mut cmd = redis::cmd("HMGET");
        cmd.arg("unacked");
        for (tag, _) in &oldest {
            cmd.arg(tag);
        }
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        pipe.add_command(cmd);
        let mut v = run(conn, &pipe).await?.into_iter();
        let entries: Vec<Option<Vec<u8>>> = take(&mut v, "unacked")?;
        for ((tag, at), raw) in oldest.iter().zip(entries) {
            let Some((routing_key, id)) = raw.as_deref().and_then(celery_unacked_entry) else { continue };
            if routing_key == queue {
                mine.push((tag.clone(), *at, id));
            }
        }
    }
    let in_flight = mine.len() as u64;
    let times: Vec<(String, f64)> = mine.iter().map(|(tag, at, _)| (tag.clone(), *at)).collect();
    let overdue = celery_overdue(&times, now as f64 / 1000.0, timeout);
    let lost = overdue
        .iter()
        .filter_map(|(tag, age)| {
            let (_, _, id) = mine.iter().find(|(t, _, _)| t == tag)?;
            Some(LostTask { id: shown(id.as_bytes()), worker: None, age_ms: Some(*age) })
        })
        .collect();
    let mut tasks = TaskQueueReading::new(Framework::Celery)
        .count("ready", ready)
        .count("unacked", in_flight)
        .count("unacked (all queues)", unacked_total)
        .count("workers (app)", workers)
        .with_lost(lost);
    tasks.threshold = Some(timeout);
    let mut r = QueueReading::of_tasks(queue, ready, in_flight, tasks);
    // Celery on Redis registers no worker by name; the pidbox listeners are the app's workers.
    r.consumers = Some(workers);
    Ok(r)
}

// ---- RQ ------------------------------------------------------------------------

/// RQ's registries of a queue, as the detail shows them.
const RQ_REGISTRIES: [(&str, &str); 5] = [
    ("started", "rq:wip:"),
    ("failed", "rq:failed:"),
    ("deferred", "rq:deferred:"),
    ("scheduled", "rq:scheduled:"),
    ("finished", "rq:finished:"),
];

/// A started registry member is `<job id>` (RQ 1.x) or `<job id>:<execution id>` (RQ 2.x).
pub fn rq_job_id(member: &str) -> &str {
    member.split_once(':').map_or(member, |(id, _)| id)
}

async fn rq(conn: &mut ConnectionManager, queue: &str, max: usize) -> Read<QueueReading> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    pipe.cmd("TIME");
    pipe.cmd("LLEN").arg(format!("rq:queue:{queue}"));
    for (_, prefix) in RQ_REGISTRIES {
        pipe.cmd("ZCARD").arg(format!("{prefix}{queue}"));
    }
    pipe.cmd("ZRANGE").arg(format!("rq:wip:{queue}")).arg(0).arg(max as i64 - 1).arg("WITHSCORES");
    pipe.cmd("SCARD").arg(format!("rq:workers:{queue}"));
    pipe.cmd("SRANDMEMBER").arg(format!("rq:workers:{queue}")).arg(max as i64);
    let mut v = run(conn, &pipe).await?.into_iter();
    let now = server_ms(&mut v)?;
    let queued: u64 = take(&mut v, "rq:queue")?;
    let mut tasks = TaskQueueReading::new(Framework::Rq).count("queued", queued);
    let mut counts = BTreeMap::new();
    for (state, prefix) in RQ_REGISTRIES {
        let n: u64 = take(&mut v, prefix.trim_end_matches(':'))?;
        counts.insert(state, n);
        tasks = tasks.count(state, n);
    }
    let started: Vec<(String, f64)> = take(&mut v, "rq:wip")?;
    let workers_total: u64 = take(&mut v, "rq:workers")?;
    let mut worker_keys: Vec<String> = take(&mut v, "rq:workers")?;
    worker_keys.sort();
    // Who holds each started job, and whether each worker still beats.
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for (member, _) in &started {
        pipe.cmd("HGET").arg(format!("rq:job:{}", rq_job_id(member))).arg("worker_name");
    }
    for w in &worker_keys {
        pipe.cmd("HMGET").arg(w).arg("state").arg("last_heartbeat").arg("current_job");
    }
    let mut holders: Vec<Option<String>> = Vec::new();
    let mut workers: Vec<WorkerReading> = Vec::new();
    if !started.is_empty() || !worker_keys.is_empty() {
        let mut v = run(conn, &pipe).await?.into_iter();
        for _ in &started {
            holders.push(take(&mut v, "rq:job")?);
        }
        for key in &worker_keys {
            let (state, beat, job): (Option<String>, Option<String>, Option<String>) = take(&mut v, "rq:worker")?;
            let gone = state.is_none() && beat.is_none();
            workers.push(WorkerReading {
                name: shown(key.trim_start_matches("rq:worker:").as_bytes()),
                state: state.map(|s| shown(s.as_bytes())),
                busy: Some(u64::from(job.is_some_and(|j| !j.is_empty()))),
                beat_age_ms: beat.as_deref().and_then(rq_time_ms).map(|at| now.saturating_sub(at)),
                gone,
            });
        }
    }
    // The holders' worker keys, to know which are gone (a worker may have left the set already).
    let names: Vec<String> =
        holders.iter().flatten().cloned().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut alive: BTreeMap<String, bool> = BTreeMap::new();
    if !names.is_empty() {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for n in &names {
            pipe.cmd("EXISTS").arg(format!("rq:worker:{n}"));
        }
        let mut v = run(conn, &pipe).await?.into_iter();
        for n in names {
            let exists: u64 = take(&mut v, "rq:worker")?;
            alive.insert(n, exists > 0);
        }
    }
    let lost = started
        .iter()
        .zip(&holders)
        .filter_map(|((member, expires), holder)| {
            let lease_over = (*expires as u64).saturating_mul(1000) < now && *expires >= 0.0;
            let worker_gone = holder.as_ref().is_some_and(|h| !alive.get(h).copied().unwrap_or(false));
            (worker_gone || lease_over).then(|| LostTask {
                id: shown(rq_job_id(member).as_bytes()),
                worker: holder.as_ref().map(|h| shown(h.as_bytes())),
                age_ms: lease_over.then(|| now.saturating_sub((*expires * 1000.0) as u64)),
            })
        })
        .collect();
    let in_flight = counts.get("started").copied().unwrap_or(0);
    let mut tasks = tasks.with_workers(workers).with_lost(lost);
    tasks.workers_total = Some(workers_total);
    tasks.dead = counts.get("failed").copied();
    Ok(QueueReading::of_tasks(queue, queued, in_flight, tasks))
}

/// RQ writes times as `2026-12-06T13:01:02.123456Z` (UTC).
fn rq_time_ms(s: &str) -> Option<u64> {
    let t = chrono::NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    u64::try_from(t.and_utc().timestamp_millis()).ok()
}

// ---- BullMQ ------------------------------------------------------------------------

async fn bullmq(conn: &mut ConnectionManager, prefix: &str, queue: &str, max: usize) -> Read<QueueReading> {
    let key = |part: &str| format!("{prefix}:{queue}:{part}");
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    pipe.cmd("TIME");
    for list in ["wait", "paused", "active"] {
        pipe.cmd("LLEN").arg(key(list));
    }
    for set in ["prioritized", "delayed", "waiting-children", "failed", "completed"] {
        pipe.cmd("ZCARD").arg(key(set));
    }
    pipe.cmd("LRANGE").arg(key("active")).arg(0).arg(max as i64 - 1);
    pipe.cmd("EXISTS").arg(key("meta")).arg(key("id"));
    let mut v = run(conn, &pipe).await?.into_iter();
    let now = server_ms(&mut v)?;
    let mut n = BTreeMap::new();
    for state in ["wait", "paused", "active", "prioritized", "delayed", "waiting-children", "failed", "completed"] {
        n.insert(state, take::<u64>(&mut v, &key(state))?);
    }
    let active: Vec<String> = take(&mut v, &key("active"))?;
    let known: u64 = take(&mut v, &key("meta"))?;
    let mut lost = Vec::new();
    if !active.is_empty() {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for id in &active {
            pipe.cmd("EXISTS").arg(key(&format!("{id}:lock")));
            pipe.cmd("HGET").arg(key(id)).arg("processedOn");
        }
        let mut v = run(conn, &pipe).await?.into_iter();
        for id in &active {
            let locked: u64 = take(&mut v, "lock")?;
            let processed_on: Option<u64> = take::<Option<String>>(&mut v, "processedOn")?.and_then(|s| s.parse().ok());
            if locked == 0 {
                lost.push(LostTask {
                    id: shown(id.as_bytes()),
                    worker: None,
                    age_ms: processed_on.map(|at| now.saturating_sub(at)),
                });
            }
        }
    }
    let ready = n["wait"] + n["paused"] + n["prioritized"];
    let in_flight = n["active"];
    let mut tasks = TaskQueueReading::new(Framework::BullMq)
        .count("waiting", n["wait"] + n["paused"])
        .count("prioritized", n["prioritized"])
        .count("active", n["active"])
        .count("delayed", n["delayed"])
        .count("waiting-children", n["waiting-children"])
        .count("failed", n["failed"])
        .count("completed", n["completed"])
        .with_lost(lost);
    tasks.dead = Some(n["failed"]);
    let total: u64 = n.values().sum();
    if total == 0 && known == 0 {
        return Ok(QueueReading::not_found(queue));
    }
    Ok(QueueReading::of_tasks(queue, ready, in_flight, tasks))
}

// ---- Sidekiq -------------------------------------------------------------------------

/// One entry of a process's `<identity>:work` hash: the queue and the job's
/// id and the time it started (seconds or milliseconds since the epoch).
/// Sidekiq 7 writes `{"queue", "payload", "run_at"}` with `payload` a JSON
/// string (older versions an object).
pub fn sidekiq_work(raw: &[u8]) -> Option<(String, String, Option<f64>)> {
    let v: serde_json::Value = serde_json::from_slice(raw).ok()?;
    let queue = v.get("queue")?.as_str()?.to_string();
    let payload = match v.get("payload")? {
        serde_json::Value::String(s) => serde_json::from_str(s).ok()?,
        other => other.clone(),
    };
    let jid = payload.get("jid").and_then(|j| j.as_str()).unwrap_or("?").to_string();
    Some((queue, jid, v.get("run_at").and_then(serde_json::Value::as_f64)))
}

/// A process's `info` names the queues it works.
fn sidekiq_queues(info: &str) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(info).ok()?;
    let qs = v.get("queues")?.as_array()?;
    Some(qs.iter().filter_map(|q| q.as_str().map(str::to_string)).collect())
}

/// Seconds since the epoch → milliseconds, whichever unit Sidekiq wrote.
fn epoch_ms(t: f64) -> u64 {
    if t > 1e11 { t as u64 } else { (t * 1000.0) as u64 }
}

/// A Sidekiq process as its heartbeat hash has it: identity, beat, busy, info, quiet, work entries.
type Process = (String, Option<f64>, Option<u64>, Option<String>, Option<String>, u64);

/// `HMGET <identity> beat busy info quiet` and `HLEN <identity>:work` of each process.
async fn sidekiq_processes(conn: &mut ConnectionManager, identities: &[String]) -> Read<Vec<Process>> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for id in identities {
        pipe.cmd("HMGET").arg(id).arg("beat").arg("busy").arg("info").arg("quiet");
        pipe.cmd("HLEN").arg(format!("{id}:work"));
    }
    let mut procs = Vec::new();
    if !identities.is_empty() {
        let mut v = run(conn, &pipe).await?.into_iter();
        for id in identities {
            let (beat, busy, info, quiet): (Option<f64>, Option<u64>, Option<String>, Option<String>) =
                take(&mut v, id)?;
            let work: u64 = take(&mut v, "work")?;
            procs.push((id.clone(), beat, busy, info, quiet, work));
        }
    }
    Ok(procs)
}

/// The work entries of this queue (job id, start time) of each process,
/// read only from processes with at most `max` entries (a process runs a few threads).
async fn sidekiq_work_of(
    conn: &mut ConnectionManager,
    serving: &[Process],
    queue: &str,
    max: usize,
) -> Read<BTreeMap<String, Vec<(String, Option<f64>)>>> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    let mut asked = Vec::new();
    for (id, _, _, _, _, work) in serving {
        if *work > 0 && (*work as usize) <= max {
            pipe.cmd("HVALS").arg(format!("{id}:work"));
            asked.push(id.clone());
        }
    }
    let mut work_of: BTreeMap<String, Vec<(String, Option<f64>)>> = BTreeMap::new();
    if !asked.is_empty() {
        let mut v = run(conn, &pipe).await?.into_iter();
        for id in asked {
            let entries: Vec<Vec<u8>> = take(&mut v, "work")?;
            let mine = entries
                .iter()
                .filter_map(|e| sidekiq_work(e))
                .filter(|(q, _, _)| q == queue)
                .map(|(_, jid, at)| (jid, at))
                .collect();
            work_of.insert(id, mine);
        }
    }
    Ok(work_of)
}

async fn sidekiq(conn: &mut ConnectionManager, queue: &str, beat_after: Duration, max: usize) -> Read<QueueReading> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    pipe.cmd("TIME");
    pipe.cmd("LLEN").arg(format!("queue:{queue}"));
    for set in ["retry", "dead", "schedule"] {
        pipe.cmd("ZCARD").arg(set);
    }
    pipe.cmd("SRANDMEMBER").arg("processes").arg(max as i64);
    pipe.cmd("SISMEMBER").arg("queues").arg(queue);
    let mut v = run(conn, &pipe).await?.into_iter();
    let now = server_ms(&mut v)?;
    let enqueued: u64 = take(&mut v, "queue")?;
    let retry: u64 = take(&mut v, "retry")?;
    let dead: u64 = take(&mut v, "dead")?;
    let scheduled: u64 = take(&mut v, "schedule")?;
    let mut identities: Vec<String> = take(&mut v, "processes")?;
    identities.sort();
    let known: u64 = take(&mut v, "queues")?;
    let procs = sidekiq_processes(conn, &identities).await?;
    // The work of each process serving this queue (bounded: a process runs a few threads).
    let serving: Vec<_> = procs
        .into_iter()
        .filter(|(_, _, _, info, _, _)| {
            info.as_deref().and_then(sidekiq_queues).is_none_or(|qs| qs.iter().any(|q| q == queue))
        })
        .collect();
    let work_of = sidekiq_work_of(conn, &serving, queue, max).await?;
    let mut workers = Vec::new();
    let mut lost = Vec::new();
    let mut busy_here = 0;
    for (id, beat, busy, _, quiet, _) in &serving {
        let beat_age = beat.map(|b| now.saturating_sub(epoch_ms(b)));
        let gone = beat_age.is_none_or(|a| a > beat_after.as_millis() as u64);
        let work = work_of.get(id).map(Vec::as_slice).unwrap_or_default();
        busy_here += work.len() as u64;
        if gone {
            lost.extend(work.iter().map(|(jid, at)| LostTask {
                id: shown(jid.as_bytes()),
                worker: Some(shown(id.as_bytes())),
                age_ms: at.map(|t| now.saturating_sub(epoch_ms(t))),
            }));
        }
        workers.push(WorkerReading {
            name: shown(id.as_bytes()),
            state: Some(
                if gone {
                    "silent"
                } else if quiet.as_deref() == Some("true") {
                    "quiet"
                } else {
                    "running"
                }
                .into(),
            ),
            busy: *busy,
            beat_age_ms: beat_age,
            gone,
        });
    }
    let mut tasks = TaskQueueReading::new(Framework::Sidekiq)
        .count("enqueued", enqueued)
        .count("busy", busy_here)
        .count("retry (all queues)", retry)
        .count("scheduled (all queues)", scheduled)
        .count("dead (all queues)", dead)
        .with_workers(workers)
        .with_lost(lost);
    tasks.dead = Some(dead);
    tasks.threshold = Some(beat_after);
    if enqueued == 0 && known == 0 && busy_here == 0 {
        return Ok(QueueReading::not_found(queue));
    }
    Ok(QueueReading::of_tasks(queue, enqueued, busy_here, tasks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_found_by_scan_name_their_queues_and_kombus_own_exchanges_are_left_out() {
        assert_eq!(queue_of_key(Framework::BullMq, "bull:mail:meta").as_deref(), Some("mail"));
        assert_eq!(queue_of_key(Framework::BullMq, "bull:mail:wait"), None);
        assert_eq!(queue_of_key(Framework::Celery, "_kombu.binding.celery-tasks").as_deref(), Some("celery-tasks"));
        assert_eq!(queue_of_key(Framework::Celery, "_kombu.binding.celery.pidbox"), None);
    }

    #[test]
    fn celery_unacked_entries_name_their_queue_and_task() {
        let raw = br#"[{"body":"W10=","headers":{"id":"5f1c","task":"tasks.work"},"properties":{"delivery_info":{"exchange":"","routing_key":"celery-tasks"},"delivery_tag":"d1"}},"","celery-tasks"]"#;
        assert_eq!(celery_unacked_entry(raw), Some(("celery-tasks".into(), "5f1c".into())));
        let no_key = br#"[{"headers":{"id":"x"},"properties":{"delivery_info":{"routing_key":"q"}}},""]"#;
        assert_eq!(celery_unacked_entry(no_key), Some(("q".into(), "x".into())));
        assert_eq!(celery_unacked_entry(b"not json"), None);
        assert_eq!(celery_lists("q")[3], "q\x06\x169");
    }

    #[test]
    fn rq_started_members_of_both_versions_name_the_job() {
        assert_eq!(rq_job_id("4c3a"), "4c3a");
        assert_eq!(rq_job_id("4c3a:9f2e"), "4c3a");
        assert_eq!(rq_time_ms("1970-01-01T00:00:01.500000Z"), Some(1500));
        assert_eq!(rq_time_ms("soon"), None);
    }

    #[test]
    fn sidekiq_work_entries_with_a_string_or_an_object_payload() {
        let v7 = br#"{"queue":"default","payload":"{\"jid\":\"abc\",\"class\":\"W\"}","run_at":1700000000}"#;
        assert_eq!(sidekiq_work(v7), Some(("default".into(), "abc".into(), Some(1_700_000_000.0))));
        let old = br#"{"queue":"q","payload":{"jid":"j1"},"run_at":1700000000.5}"#;
        assert_eq!(sidekiq_work(old).map(|w| w.1), Some("j1".into()));
        assert_eq!(epoch_ms(1_700_000_000.5), 1_700_000_000_500);
        assert_eq!(epoch_ms(1_700_000_000_500.0), 1_700_000_000_500);
        assert_eq!(sidekiq_queues(r#"{"queues":["a","b"]}"#), Some(vec!["a".into(), "b".into()]));
    }

    /// Every command this module sends reads: counts, ranges, hash fields,
    /// set members, `PUBSUB NUMSUB` and `TIME`. Nothing that pops, moves,
    /// acks, claims, requeues or deletes.
    #[test]
    fn only_read_commands_are_sent() {
        let code = include_str!("tasks.rs");
        let code = &code[..code.find("#[cfg(test)]").unwrap()];
        let sent: std::collections::BTreeSet<&str> =
            code.split("cmd(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        let reads = [
            "EXISTS",
            "HGET",
            "HLEN",
            "HMGET",
            "HVALS",
            "LLEN",
            "LRANGE",
            "PUBSUB",
            "SCARD",
            "SISMEMBER",
            "SRANDMEMBER",
            "TIME",
            "ZCARD",
            "ZRANGE",
        ];
        assert_eq!(sent, reads.into());
        for sub in code.split(".arg(\"").skip(1).filter_map(|rest| rest.split('"').next()) {
            assert!(
                [
                    "NUMSUB",
                    "unacked_index",
                    "unacked",
                    "WITHSCORES",
                    "processes",
                    "queues",
                    "beat",
                    "busy",
                    "info",
                    "quiet",
                    "state",
                    "last_heartbeat",
                    "current_job",
                    "worker_name",
                    "processedOn",
                    "retry",
                    "dead",
                    "schedule"
                ]
                .contains(&sub),
                "an argument to check: {sub}"
            );
        }
    }
}
