//! The action history (the `H` panel): what was done, when, in which
//! context, and how it ended; a running drain's progress pod by pod.

use std::collections::VecDeque;

use action::drain::DrainEvent;
use action::{Outcome, ProgressEvent};
use model::Time;

/// Entries kept; older ones are dropped (the log file keeps them all).
const KEEP: usize = 100;
/// Progress lines kept per entry (a drain of a big node reports many).
const KEEP_PROGRESS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Running,
    Done { ok: bool, summary: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: u64,
    pub started: Time,
    pub context: String,
    /// "suspend 3 Jobs in expansion: ...".
    pub what: String,
    pub status: Status,
    pub progress: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub struct ActionHistory {
    entries: VecDeque<Entry>,
}

impl ActionHistory {
    pub fn start(&mut self, id: u64, started: Time, context: &str, what: String) {
        if self.entries.len() == KEEP {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            id,
            started,
            context: context.into(),
            what,
            status: Status::Running,
            progress: Vec::new(),
        });
    }

    /// Adds a progress line; returns it (for the status line).
    pub fn progress(&mut self, id: u64, event: &ProgressEvent) -> Option<ProgressLine> {
        let line = progress_line(event)?;
        let entry = self.entries.iter_mut().find(|e| e.id == id)?;
        if entry.progress.len() < KEEP_PROGRESS {
            entry.progress.push(line.text.clone());
        }
        Some(line)
    }

    pub fn finish(&mut self, id: u64, outcome: &Outcome) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.id == id) {
            entry.status = Status::Done { ok: outcome.ok(), summary: outcome.summary() };
        }
    }

    /// Newest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().rev()
    }

    pub fn running(&self) -> impl Iterator<Item = &Entry> {
        self.entries().filter(|e| e.status == Status::Running)
    }
}

/// One progress line, and whether it tells of a failure (a step that failed,
/// an eviction refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressLine {
    pub text: String,
    pub failed: bool,
}

/// One line per thing worth telling; the per-target steps of a drain repeat
/// its summary, which the entry already shows when it ends.
fn progress_line(event: &ProgressEvent) -> Option<ProgressLine> {
    let ok = |text: String| ProgressLine { text, failed: false };
    let failed = |text: String| ProgressLine { text, failed: true };
    Some(match event {
        ProgressEvent::Step(step) => match &step.result {
            Ok(done) => ok(format!("{}: {done}", step.target)),
            Err(e) => failed(format!("{}: FAILED: {e}", step.target)),
        },
        ProgressEvent::Drain(e) => match e {
            DrainEvent::Cordoned { node } => ok(format!("{node}: cordoned")),
            DrainEvent::Planned { node, evict, skip, refuse } => {
                let mut s = format!("{node}: {} to evict", evict.len());
                if !skip.is_empty() {
                    s.push_str(&format!(", {} skipped", skip.len()));
                }
                if !refuse.is_empty() {
                    let names: Vec<String> = refuse.iter().map(ToString::to_string).collect();
                    s.push_str(&format!("; cannot evict: {}", names.join(", ")));
                }
                ok(s)
            }
            DrainEvent::Blocked { pod, attempt, retry_in } => failed(match retry_in {
                Some(wait) => {
                    format!("{}: refused (try {attempt}, again in {:.1}s): {}", pod.pod, wait.as_secs_f32(), pod.reason)
                }
                None => format!("{}: refused (try {attempt}, giving up): {}", pod.pod, pod.reason),
            }),
            DrainEvent::Evicted { pod } => ok(format!("{pod}: evicted")),
            DrainEvent::Gone { pod } => ok(format!("{pod}: gone")),
            DrainEvent::Failed { pod } => failed(format!("{}: FAILED: {}", pod.pod, pod.reason)),
            DrainEvent::Done(_) => return None,
        },
    })
}
