//! The lines of one log view: a bounded ring buffer fed by [`LogEvent`]s,
//! with a regex filter (optionally inverted) and a search with highlight
//! positions and next/previous.
//!
//! Memory is bounded twice: by a line limit (default 10,000, configurable)
//! and by a byte budget, so neither a chatty pod nor one with enormous lines
//! can grow it. Lines arrive already sanitised (see [`crate::sanitize`]): the
//! sources do that work off the UI thread.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;

use regex::{Regex, RegexBuilder};

use super::explain::Explanation;
use crate::sanitize::{Colour, MAX_LINE_BYTES, StyledText, sanitize_line};
use crate::types::Time;

pub const DEFAULT_MAX_LINES: usize = 10_000;
/// Byte budget of a view's text: 10,000 lines of 3 KiB each.
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// One container's stream in one pod.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId {
    pub pod: String,
    pub container: String,
}

/// What a stream is doing, for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamStatus {
    /// Not readable yet (not scheduled, container not started): waiting for the pod to change.
    Waiting(Explanation),
    Streaming,
    /// The connection broke; reading again from the last line seen.
    Reconnecting(String),
    /// Finished cleanly (container exited, or the whole log was read).
    Ended(String),
    /// Cannot be read; retrying would not help.
    Failed(Explanation),
}

impl StreamStatus {
    pub fn is_final(&self) -> bool {
        matches!(self, StreamStatus::Ended(_) | StreamStatus::Failed(_))
    }
}

/// One line as read from a stream: the kubelet's timestamp and the sanitised text.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadLine {
    pub ts: Option<Time>,
    pub text: StyledText,
}

/// What a log source tells a view.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEvent {
    /// A pod's stream joins the view (before its first status or lines).
    Joined {
        stream: StreamId,
        index: Option<u32>,
    },
    Status {
        stream: StreamId,
        status: StreamStatus,
    },
    Lines {
        stream: StreamId,
        lines: Vec<ReadLine>,
    },
    /// A problem of the whole view (the Job or pod does not exist, listing pods is forbidden).
    ViewFailed(Explanation),
    /// Nothing more will come: not following and everything was read, or every stream ended.
    Done,
}

/// How lines are prefixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// A single pod: no prefix.
    None,
    /// A Job's merged view: completion index (`#3`) when the pod has one, else the pod name.
    PodOrIndex,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    pub id: StreamId,
    pub index: Option<u32>,
    pub label: String,
    pub colour: Colour,
    pub status: StreamStatus,
    pub lines_read: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Position of the stream in [`LogBuffer::streams`].
    pub stream: u32,
    pub ts: Option<Time>,
    pub text: StyledText,
}

impl LogLine {
    fn cost(&self) -> usize {
        std::mem::size_of::<LogLine>() + self.text.heap_bytes()
    }
}

#[derive(Debug, Clone)]
struct Filter {
    regex: Regex,
    invert: bool,
}

impl Filter {
    fn keeps(&self, line: &LogLine) -> bool {
        self.regex.is_match(&line.text.text) != self.invert
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_lines: usize,
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_lines: DEFAULT_MAX_LINES, max_bytes: DEFAULT_MAX_BYTES }
    }
}

#[derive(Debug)]
pub struct LogBuffer {
    limits: Limits,
    prefix: Prefix,
    lines: VecDeque<LogLine>,
    /// Sequence number of `lines[0]`; a line's seq never changes while it is kept.
    first_seq: u64,
    bytes: usize,
    /// Lines dropped at the front to stay within the limits.
    evicted: u64,
    streams: Vec<StreamInfo>,
    stream_pos: BTreeMap<StreamId, u32>,
    filter: Option<Filter>,
    /// Sequence numbers of the lines the filter keeps (used only with a filter).
    kept: VecDeque<u64>,
    search: Option<Regex>,
    search_text: String,
    view_failure: Option<Explanation>,
    done: bool,
}

impl LogBuffer {
    pub fn new(limits: Limits, prefix: Prefix) -> Self {
        Self {
            limits: Limits { max_lines: limits.max_lines.max(1), max_bytes: limits.max_bytes.max(MAX_LINE_BYTES * 8) },
            prefix,
            lines: VecDeque::new(),
            first_seq: 0,
            bytes: 0,
            evicted: 0,
            streams: Vec::new(),
            stream_pos: BTreeMap::new(),
            filter: None,
            kept: VecDeque::new(),
            search: None,
            search_text: String::new(),
            view_failure: None,
            done: false,
        }
    }

    /// Folds one event in. Returns whether anything visible changed.
    pub fn apply(&mut self, event: LogEvent) -> bool {
        match event {
            LogEvent::Joined { stream, index } => {
                self.stream_index(&stream, index);
                true
            }
            LogEvent::Status { stream, status } => {
                let i = self.stream_index(&stream, None) as usize;
                let changed = self.streams[i].status != status;
                self.streams[i].status = status;
                changed
            }
            LogEvent::Lines { stream, lines } => {
                let i = self.stream_index(&stream, None);
                self.streams[i as usize].lines_read += lines.len() as u64;
                let any = !lines.is_empty();
                for l in lines {
                    self.push(LogLine { stream: i, ts: l.ts, text: l.text });
                }
                any
            }
            LogEvent::ViewFailed(e) => {
                self.view_failure = Some(e);
                true
            }
            LogEvent::Done => {
                self.done = true;
                true
            }
        }
    }

    fn stream_index(&mut self, id: &StreamId, index: Option<u32>) -> u32 {
        if let Some(&i) = self.stream_pos.get(id) {
            if index.is_some() {
                self.streams[i as usize].index = index;
            }
            return i;
        }
        let label = match self.prefix {
            Prefix::None => String::new(),
            Prefix::PodOrIndex => stream_label(&id.pod, index),
        };
        let colour = prefix_colour(&label, index);
        let i = self.streams.len() as u32;
        self.streams.push(StreamInfo {
            id: id.clone(),
            index,
            label,
            colour,
            status: StreamStatus::Streaming,
            lines_read: 0,
        });
        self.stream_pos.insert(id.clone(), i);
        i
    }

    /// Appends a line, evicting the oldest beyond the limits.
    pub fn push(&mut self, line: LogLine) {
        let seq = self.first_seq + self.lines.len() as u64;
        if self.filter.as_ref().is_some_and(|f| f.keeps(&line)) {
            self.kept.push_back(seq);
        }
        self.bytes += line.cost();
        self.lines.push_back(line);
        while self.lines.len() > self.limits.max_lines || (self.bytes > self.limits.max_bytes && self.lines.len() > 1) {
            self.evict_front();
        }
    }

    fn evict_front(&mut self) {
        if let Some(old) = self.lines.pop_front() {
            self.bytes -= old.cost();
            if self.kept.front() == Some(&self.first_seq) {
                self.kept.pop_front();
            }
            self.first_seq += 1;
            self.evicted += 1;
        }
    }

    /// Sets (or with an empty pattern clears) the filter. A pattern with no
    /// uppercase letter matches case-insensitively.
    pub fn set_filter(&mut self, pattern: &str, invert: bool) -> Result<(), String> {
        if pattern.is_empty() {
            self.filter = None;
            self.kept.clear();
            return Ok(());
        }
        let regex = smart_case_regex(pattern)?;
        let filter = Filter { regex, invert };
        self.kept = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| filter.keeps(l))
            .map(|(i, _)| self.first_seq + i as u64)
            .collect();
        self.filter = Some(filter);
        Ok(())
    }

    pub fn filter(&self) -> Option<(&str, bool)> {
        self.filter.as_ref().map(|f| (f.regex.as_str(), f.invert))
    }

    /// Sets (or with an empty text clears) the search. The text is literal;
    /// without uppercase letters it matches case-insensitively.
    pub fn set_search(&mut self, text: &str) {
        self.search_text = text.to_string();
        self.search = if text.is_empty() { None } else { smart_case_regex(&regex::escape(text)).ok() };
    }

    pub fn search_text(&self) -> Option<&str> {
        self.search.as_ref().map(|_| self.search_text.as_str())
    }

    /// Byte ranges of the search matches in a line's text (empty without a search).
    pub fn highlights(&self, line: &LogLine) -> Vec<Range<usize>> {
        match &self.search {
            Some(re) => re.find_iter(&line.text.text).map(|m| m.range()).filter(|r| !r.is_empty()).collect(),
            None => Vec::new(),
        }
    }

    /// The next visible line (after `from`, or before it when `forward` is
    /// false) that matches the search, wrapping around. `from` is a visible
    /// position; `None` searches from the end (backwards) or start (forwards).
    pub fn find_match(&self, from: Option<usize>, forward: bool) -> Option<usize> {
        let re = self.search.as_ref()?;
        let n = self.visible_len();
        if n == 0 {
            return None;
        }
        let start = match (from, forward) {
            (Some(f), true) => f.min(n - 1) + 1,
            (Some(f), false) => f.min(n - 1) + n - 1,
            (None, true) => 0,
            (None, false) => n - 1,
        };
        (0..n)
            .map(|k| if forward { (start + k) % n } else { (start + n - k) % n })
            .find(|&i| self.visible(i).is_some_and(|l| re.is_match(&l.text.text)))
    }

    /// How many lines pass the filter.
    pub fn visible_len(&self) -> usize {
        if self.filter.is_some() { self.kept.len() } else { self.lines.len() }
    }

    /// The `i`-th line passing the filter, oldest first.
    pub fn visible(&self, i: usize) -> Option<&LogLine> {
        if self.filter.is_some() {
            let seq = *self.kept.get(i)?;
            self.lines.get((seq - self.first_seq) as usize)
        } else {
            self.lines.get(i)
        }
    }

    /// A stable identity of the `i`-th visible line (its sequence number), so
    /// a scrolled-up view can stay on the same line while new ones arrive.
    pub fn visible_seq(&self, i: usize) -> Option<u64> {
        if self.filter.is_some() {
            self.kept.get(i).copied()
        } else {
            (i < self.lines.len()).then(|| self.first_seq + i as u64)
        }
    }

    /// The visible position of the line with sequence number `seq`, or of the
    /// first visible line after it (when it was filtered out or evicted).
    pub fn position_of_seq(&self, seq: u64) -> usize {
        if self.filter.is_some() {
            self.kept.partition_point(|&s| s < seq)
        } else {
            seq.saturating_sub(self.first_seq).min(self.lines.len() as u64) as usize
        }
    }

    pub fn streams(&self) -> &[StreamInfo] {
        &self.streams
    }

    pub fn stream(&self, line: &LogLine) -> &StreamInfo {
        &self.streams[line.stream as usize]
    }

    pub fn view_failure(&self) -> Option<&Explanation> {
        self.view_failure.as_ref()
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines dropped to stay within the limits.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Approximate bytes held by the lines.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn prefix(&self) -> Prefix {
        self.prefix
    }

    /// The visible lines as plain text (prefix, optional timestamp, text), for
    /// saving to a file.
    pub fn plain_lines(&self, timestamps: bool) -> impl Iterator<Item = String> + '_ {
        (0..self.visible_len()).filter_map(move |i| self.visible(i)).map(move |l| self.plain_line(l, timestamps))
    }

    pub fn plain_line(&self, line: &LogLine, timestamps: bool) -> String {
        let mut out = String::new();
        let label = &self.stream(line).label;
        if !label.is_empty() {
            out.push_str(label);
            out.push(' ');
        }
        if timestamps && let Some(ts) = line.ts {
            out.push_str(&format_timestamp(ts));
            out.push(' ');
        }
        out.push_str(&line.text.text);
        out
    }
}

/// The prefix of a stream in a merged view: `#3` for a completion index, else the pod name.
pub fn stream_label(pod: &str, index: Option<u32>) -> String {
    match index {
        Some(i) => format!("#{i}"),
        None => pod.to_string(),
    }
}

/// Readable foreground colours for prefixes, from the 16 ANSI colours (they
/// look the same on every terminal): no black, white or greys, and no red,
/// which reads as an error.
const PREFIX_PALETTE: [u8; 10] = [2, 3, 4, 5, 6, 10, 11, 12, 13, 14];

/// A stable colour for a prefix: consecutive indexes get different colours,
/// pod names are hashed, so the same pod has the same colour in every view
/// and every run.
pub fn prefix_colour(label: &str, index: Option<u32>) -> Colour {
    let slot = match index {
        Some(i) => i as usize,
        None => fnv1a(label.as_bytes()) as usize,
    };
    Colour::Indexed(PREFIX_PALETTE[slot % PREFIX_PALETTE.len()])
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn smart_case_regex(pattern: &str) -> Result<Regex, String> {
    let insensitive = !pattern.chars().any(char::is_uppercase);
    RegexBuilder::new(pattern)
        .case_insensitive(insensitive)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("invalid regex {pattern:?}: {}", e.to_string().lines().last().unwrap_or_default().trim()))
}

/// Timestamps as shown: RFC 3339 in UTC with milliseconds.
pub fn format_timestamp(ts: Time) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Splits the timestamp the API server prefixes when asked for
/// `timestamps=true` (`2024-05-01T10:00:00.123456789Z text`).
pub fn split_timestamp(raw: &[u8]) -> (Option<Time>, &[u8]) {
    let Some(space) = raw.iter().take(40).position(|&b| b == b' ') else { return (None, raw) };
    let Ok(head) = std::str::from_utf8(&raw[..space]) else { return (None, raw) };
    match chrono::DateTime::parse_from_rfc3339(head) {
        Ok(t) => (Some(t.with_timezone(&chrono::Utc)), &raw[space + 1..]),
        Err(_) => (None, raw),
    }
}

/// Turns one raw line from a stream (timestamp prefix included) into a [`ReadLine`].
pub fn read_line(raw: &[u8], cut: usize) -> ReadLine {
    let (ts, rest) = split_timestamp(raw);
    let mut text = sanitize_line(rest);
    if cut > 0 {
        text.text.push_str(&format!(" … [{cut} more bytes cut]"));
    }
    ReadLine { ts, text }
}

/// Splits a byte stream into lines, keeping at most `MAX_LINE_BYTES` (plus
/// room for a timestamp) of any line, so a line without end cannot grow
/// memory. Yields `(bytes, bytes cut)`.
#[derive(Debug, Default)]
pub struct LineSplitter {
    current: Vec<u8>,
    cut: usize,
}

impl LineSplitter {
    const KEEP: usize = MAX_LINE_BYTES + 64;

    /// Feeds a chunk; complete lines (without `\n`, and without a trailing `\r`) go to `out`.
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<(Vec<u8>, usize)>) {
        while !chunk.is_empty() {
            let (part, rest, complete) = match memchr(b'\n', chunk) {
                Some(n) => (&chunk[..n], &chunk[n + 1..], true),
                None => (chunk, &chunk[chunk.len()..], false),
            };
            let room = Self::KEEP.saturating_sub(self.current.len());
            let take = room.min(part.len());
            self.current.extend_from_slice(&part[..take]);
            self.cut += part.len() - take;
            if complete {
                out.push(self.take_line());
            }
            chunk = rest;
        }
    }

    /// The last line when the stream ends without a newline.
    pub fn finish(&mut self) -> Option<(Vec<u8>, usize)> {
        (!self.current.is_empty() || self.cut > 0).then(|| self.take_line())
    }

    fn take_line(&mut self) -> (Vec<u8>, usize) {
        let mut line = std::mem::take(&mut self.current);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        (line, std::mem::take(&mut self.cut))
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sid(pod: &str) -> StreamId {
        StreamId { pod: pod.into(), container: "main".into() }
    }

    fn lines(texts: &[&str]) -> Vec<ReadLine> {
        texts.iter().map(|t| ReadLine { ts: None, text: StyledText::plain(*t) }).collect()
    }

    fn buf(max_lines: usize) -> LogBuffer {
        LogBuffer::new(Limits { max_lines, max_bytes: DEFAULT_MAX_BYTES }, Prefix::PodOrIndex)
    }

    fn visible_texts(b: &LogBuffer) -> Vec<String> {
        (0..b.visible_len()).map(|i| b.visible(i).unwrap().text.text.clone()).collect()
    }

    #[test]
    fn ring_keeps_the_newest_lines() {
        let mut b = buf(3);
        b.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&["1", "2", "3", "4", "5"]) });
        assert_eq!(visible_texts(&b), ["3", "4", "5"]);
        assert_eq!(b.evicted(), 2);
        assert_eq!(b.visible_seq(0), Some(2));
    }

    #[test]
    fn byte_budget_bounds_memory_too() {
        let limits = Limits { max_lines: 1_000_000, max_bytes: 1 };
        let mut b = LogBuffer::new(limits, Prefix::None);
        let big = "x".repeat(MAX_LINE_BYTES);
        for _ in 0..100 {
            b.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&[&big]) });
        }
        assert!(b.bytes() <= b.limits().max_bytes, "{} > {}", b.bytes(), b.limits().max_bytes);
        assert!(b.len() < 100);
    }

    #[test]
    fn filter_with_invert_and_eviction() {
        let mut b = buf(4);
        b.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&["error a", "ok b", "ERROR c", "ok d"]) });
        b.set_filter("error", false).unwrap();
        assert_eq!(visible_texts(&b), ["error a", "ERROR c"]);
        b.set_filter("error", true).unwrap();
        assert_eq!(visible_texts(&b), ["ok b", "ok d"]);
        // New lines are filtered as they arrive; evicted ones leave the kept set.
        b.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&["ok e", "error f", "ok g"]) });
        assert_eq!(visible_texts(&b), ["ok d", "ok e", "ok g"]);
        // Uppercase in the pattern makes it case-sensitive.
        b.set_filter("ERROR", false).unwrap();
        assert_eq!(visible_texts(&b), Vec::<String>::new());
        assert!(b.set_filter("(", false).unwrap_err().contains("invalid regex"));
        b.set_filter("", false).unwrap();
        assert_eq!(b.visible_len(), 4);
    }

    #[test]
    fn search_highlights_and_wraps() {
        let mut b = buf(100);
        b.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&["a xuq b xuq", "none", "XUQ", "(x)"]) });
        b.set_search("xuq");
        assert_eq!(b.highlights(b.visible(0).unwrap()), vec![2..5, 8..11]);
        assert_eq!(b.find_match(None, true), Some(0));
        assert_eq!(b.find_match(Some(0), true), Some(2));
        assert_eq!(b.find_match(Some(2), true), Some(0), "wraps forward");
        assert_eq!(b.find_match(Some(0), false), Some(2), "wraps backward");
        assert_eq!(b.find_match(None, false), Some(2));
        // Search text is literal, not a regex.
        b.set_search("(x)");
        assert_eq!(b.find_match(None, true), Some(3));
        b.set_search("absent");
        assert_eq!(b.find_match(None, true), None);
    }

    #[test]
    fn labels_and_colours_are_stable() {
        let mut b = buf(10);
        b.apply(LogEvent::Joined { stream: sid("job-abc"), index: Some(3) });
        b.apply(LogEvent::Joined { stream: sid("job-xyz"), index: None });
        assert_eq!(b.streams()[0].label, "#3");
        assert_eq!(b.streams()[1].label, "job-xyz");
        assert_eq!(prefix_colour("job-xyz", None), prefix_colour("job-xyz", None));
        assert_ne!(prefix_colour("#3", Some(3)), prefix_colour("#4", Some(4)));
        let single = LogBuffer::new(Limits::default(), Prefix::None);
        let mut single = single;
        single.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&["x"]) });
        assert_eq!(single.plain_line(single.visible(0).unwrap(), false), "x");
    }

    #[test]
    fn plain_lines_carry_prefix_and_timestamp() {
        let mut b = buf(10);
        b.apply(LogEvent::Joined { stream: sid("p"), index: Some(1) });
        let (ts, rest) = split_timestamp(b"2024-05-01T10:00:00.123456789Z hello");
        assert_eq!(rest, b"hello");
        b.apply(LogEvent::Lines {
            stream: sid("p"),
            lines: vec![read_line(b"2024-05-01T10:00:00.123456789Z hello", 0)],
        });
        assert_eq!(b.visible(0).unwrap().ts, ts);
        let out: Vec<String> = b.plain_lines(true).collect();
        assert_eq!(out, ["#1 2024-05-01T10:00:00.123Z hello"]);
        assert_eq!(b.plain_lines(false).collect::<Vec<_>>(), ["#1 hello"]);
    }

    #[test]
    fn split_timestamp_leaves_other_lines_alone() {
        assert_eq!(split_timestamp(b"no timestamp here"), (None, &b"no timestamp here"[..]));
        assert_eq!(split_timestamp(b""), (None, &b""[..]));
    }

    #[test]
    fn position_of_seq_follows_lines_through_filter_and_eviction() {
        let mut b = buf(5);
        b.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&["a", "b", "c", "d", "e"]) });
        assert_eq!(b.position_of_seq(2), 2);
        b.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&["f", "g"]) });
        assert_eq!(b.position_of_seq(2), 0, "seq 2 is now the oldest line");
        assert_eq!(b.position_of_seq(0), 0, "evicted lines map to the oldest");
        b.set_filter("[dg]", false).unwrap();
        assert_eq!(b.position_of_seq(4), 1, "first kept line at or after seq 4 is g");
    }

    #[test]
    fn status_and_done() {
        let mut b = buf(10);
        assert!(b.apply(LogEvent::Status { stream: sid("p"), status: StreamStatus::Ended("exited".into()) }));
        assert!(b.streams()[0].status.is_final());
        assert!(!b.is_done());
        b.apply(LogEvent::Done);
        assert!(b.is_done());
    }

    #[test]
    fn splitter_bounds_long_lines_and_strips_cr() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        s.feed(b"one\r\ntw", &mut out);
        s.feed(b"o\n", &mut out);
        assert_eq!(out, vec![(b"one".to_vec(), 0), (b"two".to_vec(), 0)]);
        out.clear();
        let long = vec![b'x'; LineSplitter::KEEP + 100];
        s.feed(&long, &mut out);
        s.feed(&long, &mut out);
        s.feed(b"\nlast", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0.len(), LineSplitter::KEEP);
        assert_eq!(out[0].1, LineSplitter::KEEP + 200);
        assert_eq!(s.finish(), Some((b"last".to_vec(), 0)));
        assert_eq!(s.finish(), None);
        let r = read_line(&out[0].0, out[0].1);
        assert!(r.text.text.ends_with("more bytes cut]"));
    }

    proptest! {
        #[test]
        fn splitter_matches_split_regardless_of_chunking(
            text in "[a-c\n]{0,200}",
            cuts in proptest::collection::vec(0usize..200, 0..10),
        ) {
            let bytes = text.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= bytes.len()).collect();
            cuts.sort_unstable();
            let mut s = LineSplitter::default();
            let mut out = Vec::new();
            let mut at = 0;
            for c in cuts.into_iter().chain([bytes.len()]) {
                s.feed(&bytes[at..c], &mut out);
                at = c;
            }
            out.extend(s.finish());
            let got: Vec<Vec<u8>> = out.into_iter().map(|(l, _)| l).collect();
            let mut want: Vec<Vec<u8>> = text.split('\n').map(|l| l.as_bytes().to_vec()).collect();
            if want.last().is_some_and(std::vec::Vec::is_empty) {
                want.pop();
            }
            prop_assert_eq!(got, want);
        }

        #[test]
        fn buffer_never_exceeds_its_limits(
            batches in proptest::collection::vec(proptest::collection::vec("[a-z ]{0,50}", 0..20), 0..30),
            max_lines in 1usize..50,
            filter in proptest::option::of("[a-e]"),
        ) {
            let mut b = buf(max_lines);
            if let Some(f) = &filter {
                b.set_filter(f, false).unwrap();
            }
            let mut all = Vec::new();
            for batch in batches {
                all.extend(batch.clone());
                let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
                b.apply(LogEvent::Lines { stream: sid("p"), lines: lines(&refs) });
                prop_assert!(b.len() <= max_lines);
            }
            // What is visible is exactly the newest lines, filtered.
            let newest = &all[all.len().saturating_sub(max_lines)..];
            let want: Vec<String> = newest
                .iter()
                .filter(|t| filter.as_ref().is_none_or(|f| t.contains(f.as_str())))
                .cloned()
                .collect();
            prop_assert_eq!(visible_texts(&b), want);
        }
    }
}
