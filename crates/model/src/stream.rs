//! Redis Streams worked by consumer groups: what one poll reads of a stream
//! (`XINFO STREAM`, `XINFO GROUPS`, `XINFO CONSUMERS`, the `XPENDING`
//! summary) and what it means for the work behind it. Pure: the poller in
//! `source::queues::redis` fills these in, the queue state and its warnings
//! read them.
//!
//! The queue row of a stream counts work, not entries: a stream keeps its
//! entries after they are acknowledged, so its length never falls as the
//! work is done. `ready` is the entries not yet delivered to the groups
//! (their lag, summed), `in flight` the entries delivered but not
//! acknowledged (their pending, summed). A stream without a group has
//! delivered nothing: all of its length is ready.
//!
//! Two ways a stream's work is lost or stuck, each a warning:
//! - entries pending for a consumer that has been idle beyond the stream's
//!   threshold (`idle_after`): that consumer is gone and nobody will
//!   acknowledge them unless another claims them;
//! - a group with lag and no live consumer: nobody is reading.

use std::time::Duration;

use serde::Serialize;

/// Groups of one stream inspected per poll, at most (the rest are counted only).
pub const MAX_GROUPS: usize = 8;
/// Consumers of one group inspected per poll, at most (the rest are counted only).
pub const MAX_CONSUMERS: usize = 32;
/// How long a consumer holding pending entries may be idle before they count as
/// stuck, unless the config says otherwise: longer than most tasks take.
pub const DEFAULT_IDLE_AFTER: Duration = Duration::from_secs(300);

/// A stream and its consumer groups, as one poll read them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamReading {
    /// `XINFO STREAM` length: entries in the stream, acknowledged or not.
    pub length: u64,
    /// Groups on the stream (`XINFO GROUPS`); `groups` holds the first [`MAX_GROUPS`].
    pub groups_total: usize,
    pub groups: Vec<GroupReading>,
    /// A consumer idle this long while holding pending entries holds them for nobody.
    #[serde(rename = "idleAfterSeconds", serialize_with = "seconds")]
    pub idle_after: Duration,
}

/// One consumer group of a stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupReading {
    /// The group's name (made safe to show).
    pub name: String,
    /// Entries not yet delivered to the group; `None` when Redis cannot tell
    /// (entries were deleted or trimmed between the group's position and the end).
    pub lag: Option<u64>,
    /// Entries delivered to the group's consumers and not acknowledged (its PEL).
    pub pending: u64,
    /// Consumers of the group (`XINFO GROUPS`); `consumers` holds the first [`MAX_CONSUMERS`].
    pub consumers_total: u64,
    pub consumers: Vec<ConsumerReading>,
    /// `XPENDING` summary: the ID of the oldest pending entry.
    pub oldest_pending: Option<String>,
    /// The ID of the last entry delivered to the group.
    pub last_delivered: String,
}

/// One consumer of a group (`XINFO CONSUMERS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerReading {
    /// The consumer's name (made safe to show).
    pub name: String,
    /// Entries delivered to it and not acknowledged.
    pub pending: u64,
    /// Milliseconds since it last read from the group.
    pub idle_ms: u64,
}

// Durations in the JSON are seconds, as everywhere in `--once`.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl ConsumerReading {
    pub fn idle(&self) -> Duration {
        Duration::from_millis(self.idle_ms)
    }
}

impl StreamReading {
    /// Entries not yet delivered: the groups' lag summed, the whole length
    /// without a group; `None` when a group's lag is unknown.
    pub fn ready(&self) -> Option<u64> {
        if self.groups_total == 0 {
            return Some(self.length);
        }
        self.groups.iter().map(|g| g.lag).sum()
    }

    /// Entries delivered and not acknowledged, over the groups inspected.
    pub fn in_flight(&self) -> u64 {
        self.groups.iter().map(|g| g.pending).sum()
    }

    /// Consumers of the groups inspected.
    pub fn consumers(&self) -> u64 {
        self.groups.iter().map(|g| g.consumers_total).sum()
    }

    /// Is this consumer idle beyond the threshold?
    pub fn is_idle(&self, c: &ConsumerReading) -> bool {
        c.idle() >= self.idle_after
    }

    /// Consumers holding pending entries while idle beyond the threshold, with their group.
    pub fn abandoned(&self) -> impl Iterator<Item = (&GroupReading, &ConsumerReading)> {
        self.groups
            .iter()
            .flat_map(|g| g.consumers.iter().map(move |c| (g, c)))
            .filter(|(_, c)| c.pending > 0 && self.is_idle(c))
    }

    /// Entries pending for consumers idle beyond the threshold.
    pub fn abandoned_entries(&self) -> u64 {
        self.abandoned().map(|(_, c)| c.pending).sum()
    }

    /// Groups with entries to deliver and no live consumer: none at all, or
    /// every one idle beyond the threshold (when all of them were inspected).
    pub fn unserved(&self) -> impl Iterator<Item = &GroupReading> {
        self.groups.iter().filter(|g| {
            let all_seen = g.consumers.len() as u64 >= g.consumers_total;
            g.lag.unwrap_or(0) > 0
                && (g.consumers_total == 0 || (all_seen && g.consumers.iter().all(|c| self.is_idle(c))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumer(name: &str, pending: u64, idle_s: u64) -> ConsumerReading {
        ConsumerReading { name: name.into(), pending, idle_ms: idle_s * 1000 }
    }

    fn group(name: &str, lag: Option<u64>, consumers: Vec<ConsumerReading>) -> GroupReading {
        GroupReading {
            name: name.into(),
            lag,
            pending: consumers.iter().map(|c| c.pending).sum(),
            consumers_total: consumers.len() as u64,
            consumers,
            oldest_pending: None,
            last_delivered: "0-0".into(),
        }
    }

    fn stream(groups: Vec<GroupReading>) -> StreamReading {
        StreamReading { length: 30, groups_total: groups.len(), groups, idle_after: Duration::from_secs(10) }
    }

    #[test]
    fn ready_is_the_lag_and_the_whole_length_without_a_group() {
        assert_eq!(stream(vec![]).ready(), Some(30));
        let s = stream(vec![group("a", Some(4), vec![consumer("w1", 2, 0)]), group("b", Some(1), vec![])]);
        assert_eq!((s.ready(), s.in_flight(), s.consumers()), (Some(5), 2, 1));
        assert_eq!(stream(vec![group("a", None, vec![])]).ready(), None, "an unknown lag is not 0");
    }

    #[test]
    fn pending_on_an_idle_consumer_is_abandoned_and_a_busy_one_is_not() {
        let s = stream(vec![group(
            "g",
            Some(0),
            vec![consumer("dead", 2, 11), consumer("live", 1, 1), consumer("old", 0, 99)],
        )]);
        let abandoned: Vec<&str> = s.abandoned().map(|(_, c)| c.name.as_str()).collect();
        assert_eq!(abandoned, ["dead"]);
        assert_eq!(s.abandoned_entries(), 2);
    }

    #[test]
    fn a_group_with_lag_and_no_live_consumer_is_unserved() {
        let s = stream(vec![
            group("nobody", Some(3), vec![]),
            group("all-idle", Some(3), vec![consumer("x", 0, 60)]),
            group("served", Some(3), vec![consumer("y", 0, 1)]),
            group("done", Some(0), vec![]),
        ]);
        let names: Vec<&str> = s.unserved().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["nobody", "all-idle"]);
        // Consumers not inspected (over the cap) may be live: no claim about them.
        let mut capped = group("capped", Some(3), vec![consumer("x", 0, 60)]);
        capped.consumers_total = 40;
        assert_eq!(stream(vec![capped]).unserved().count(), 0);
    }

    #[test]
    fn json_names_and_seconds() {
        let s = stream(vec![group("g", Some(1), vec![consumer("w", 1, 2)])]);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["idleAfterSeconds"], 10.0);
        assert_eq!(v["groupsTotal"], 1);
        assert_eq!(v["groups"][0]["consumers"][0], serde_json::json!({"name": "w", "pending": 1, "idleMs": 2000}));
        assert_eq!(v["groups"][0]["lastDelivered"], "0-0");
    }
}
