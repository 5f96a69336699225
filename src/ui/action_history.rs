//! The action history panel (`H`): what was done, when, in which context,
//! and how it ended; a running drain shows its progress pod by pod here.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use model::text::sanitize;
use super::theme::Theme;
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
    pub fn progress(&mut self, id: u64, event: &ProgressEvent) -> Option<String> {
        let line = progress_line(event)?;
        let entry = self.entries.iter_mut().find(|e| e.id == id)?;
        if entry.progress.len() < KEEP_PROGRESS {
            entry.progress.push(line.clone());
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

/// One line per thing worth telling; the per-target steps of a drain repeat
/// its summary, which the entry already shows when it ends.
fn progress_line(event: &ProgressEvent) -> Option<String> {
    Some(match event {
        ProgressEvent::Step(step) => match &step.result {
            Ok(done) => format!("{}: {done}", step.target),
            Err(e) => format!("{}: FAILED: {e}", step.target),
        },
        ProgressEvent::Drain(e) => match e {
            DrainEvent::Cordoned { node } => format!("{node}: cordoned"),
            DrainEvent::Planned { node, evict, skip, refuse } => {
                let mut s = format!("{node}: {} to evict", evict.len());
                if !skip.is_empty() {
                    s.push_str(&format!(", {} skipped", skip.len()));
                }
                if !refuse.is_empty() {
                    let names: Vec<String> = refuse.iter().map(ToString::to_string).collect();
                    s.push_str(&format!("; cannot evict: {}", names.join(", ")));
                }
                s
            }
            DrainEvent::Blocked { pod, attempt, retry_in } => match retry_in {
                Some(wait) => {
                    format!("{}: refused (try {attempt}, again in {:.1}s): {}", pod.pod, wait.as_secs_f32(), pod.reason)
                }
                None => format!("{}: refused (try {attempt}, giving up): {}", pod.pod, pod.reason),
            },
            DrainEvent::Evicted { pod } => format!("{pod}: evicted"),
            DrainEvent::Gone { pod } => format!("{pod}: gone"),
            DrainEvent::Failed { pod } => format!("{}: FAILED: {}", pod.pod, pod.reason),
            DrainEvent::Done(_) => return None,
        },
    })
}

pub fn render(frame: &mut Frame, area: Rect, theme: &Theme, history: &ActionHistory, scroll: u16) {
    let mut lines: Vec<Line> = Vec::new();
    for e in history.entries() {
        let (mark, style, summary) = match &e.status {
            Status::Running => ("…", theme.busy, "running (x cancels)".to_string()),
            Status::Done { ok: true, summary } => ("✓", theme.ok, summary.clone()),
            Status::Done { ok: false, summary } => ("✗", theme.bad, summary.clone()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} {} ", e.started.format("%H:%M:%S")), style),
            Span::styled(sanitize(&e.what), theme.title),
            Span::styled(format!("  [{}]", sanitize(&e.context)), theme.dim),
        ]));
        lines.push(Line::styled(format!("    {}", sanitize(&summary)), style));
        for p in &e.progress {
            lines.push(Line::styled(format!("      {}", sanitize(p)), theme.dim));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("No action yet in this session.", theme.dim));
    }
    let rect = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(" Action history ", theme.title))
        .title_bottom(Span::styled(" j/k scroll · x cancel running · any other key closes ", theme.dim));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)), rect);
}
