//! The log screen's state: one pod's log, or a Job's pods merged, with
//! follow, search, filter, container choice and save.
//!
//! [`LogView`] is pure: keys and log events go in, and what the source should
//! read is [`LogView::request`] with a generation the runner compares to
//! restart the stream; `ui::logs` draws it.
//!
//! Following: without an anchor the view shows the newest lines and moves as
//! they arrive. Scrolling up (or jumping to a search match) anchors the top
//! line, so the text stays still while lines keep arriving below; scrolling
//! back down to the end (or `G`, or `f`) drops the anchor and follows again.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use model::logs::buffer::{Limits, LogBuffer, LogEvent};
use model::logs::request::{LogRequest, LogTarget};
use model::{JobInfo, PodInfo};

/// What a key does on the log screen (bound in `ui/keys.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogCommand {
    LineUp,
    LineDown,
    PageUp,
    PageDown,
    /// The oldest line kept.
    Top,
    /// The newest line; following again.
    End,
    ToggleFollow,
    Search,
    NextMatch,
    PrevMatch,
    Filter,
    ToggleTimestamps,
    ToggleWrap,
    TogglePrevious,
    ChooseContainer,
    /// Tail lines or since window.
    Range,
    Save,
}

/// A container the chooser offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerChoice {
    pub name: String,
    pub init: bool,
}

/// The containers of a pod (init containers first, as they run).
pub fn containers_of_pod(pod: &PodInfo) -> Vec<ContainerChoice> {
    pod.containers.iter().map(|c| ContainerChoice { name: c.name.clone(), init: c.init }).collect()
}

/// The containers of a Job's pod template.
pub fn containers_of_job(job: &JobInfo) -> Vec<ContainerChoice> {
    let init = job.spec.init_containers.iter().map(|n| ContainerChoice { name: n.clone(), init: true });
    init.chain(job.spec.containers.iter().map(|n| ContainerChoice { name: n.clone(), init: false })).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Search,
    /// A regex; a leading `!` keeps the lines that do not match.
    Filter,
    /// `500` (last lines), `10m` (since), or `all`.
    Range,
    Save,
}

impl InputKind {
    pub fn prompt(self) -> &'static str {
        match self {
            InputKind::Search => "/",
            InputKind::Filter => "filter (regex, !regex inverts): ",
            InputKind::Range => "lines (e.g. 500), since (e.g. 10m) or all: ",
            InputKind::Save => "save to: ",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Input {
        kind: InputKind,
        text: String,
    },
    /// The container chooser; `selected` indexes `LogView::containers` (0 = the default).
    Containers {
        selected: usize,
    },
}

/// A short note on the bottom line: the result of the last action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub error: bool,
}

pub struct LogView {
    /// What to read. Changing it bumps `generation`, which restarts the stream.
    pub request: LogRequest,
    pub generation: u64,
    pub buffer: LogBuffer,
    /// Sequence number of the top line while scrolled; `None` follows the end.
    pub anchor: Option<u64>,
    pub timestamps: bool,
    pub wrap: bool,
    pub mode: Mode,
    pub containers: Vec<ContainerChoice>,
    pub note: Option<Note>,
    /// Line of the current search match (sequence number).
    pub current_match: Option<u64>,
    filter_text: String,
    /// Where the last frame started (visible position) and how many rows the
    /// body had: scrolling from "following" starts there.
    shown_top: usize,
    shown_rows: usize,
}

/// Lines asked for when opening: as many as the buffer keeps.
fn default_tail(limits: Limits) -> i64 {
    limits.max_lines as i64
}

impl LogView {
    pub fn new(mut request: LogRequest, limits: Limits, containers: Vec<ContainerChoice>) -> Self {
        if request.tail_lines.is_none() && request.since_seconds.is_none() {
            request.tail_lines = Some(default_tail(limits));
        }
        let buffer = LogBuffer::new(limits, request.prefix());
        Self {
            request,
            generation: 1,
            buffer,
            anchor: None,
            timestamps: false,
            wrap: true,
            mode: Mode::Normal,
            containers,
            note: None,
            current_match: None,
            filter_text: String::new(),
            shown_top: 0,
            shown_rows: 0,
        }
    }

    pub fn following(&self) -> bool {
        self.anchor.is_none()
    }

    /// Folds a batch of events from the source. True when the screen changes.
    pub fn apply(&mut self, events: Vec<LogEvent>) -> bool {
        let mut changed = false;
        for e in events {
            changed |= self.buffer.apply(e);
        }
        changed
    }

    /// Whether keys go to the view's input line or chooser first.
    pub fn captures_keys(&self) -> bool {
        self.mode != Mode::Normal
    }

    /// Reads the stream again with the current request (new buffer, same
    /// filter and search).
    fn restart(&mut self) {
        let search = self.buffer.search_text().map(String::from);
        let mut buffer = LogBuffer::new(self.buffer.limits(), self.request.prefix());
        if let Some((pattern, invert)) = self.buffer.filter() {
            let _ = buffer.set_filter(pattern, invert);
        }
        if let Some(s) = search {
            buffer.set_search(&s);
        }
        self.buffer = buffer;
        self.anchor = None;
        self.current_match = None;
        self.generation += 1;
    }

    fn note(&mut self, text: impl Into<String>, error: bool) {
        self.note = Some(Note { text: text.into(), error });
    }

    /// Carries out a log screen key. Paging moves by the body's rows as last drawn.
    pub fn command(&mut self, command: LogCommand) -> bool {
        self.note = None;
        let page = self.shown_rows.max(1);
        match command {
            LogCommand::LineUp => self.scroll_by(-1),
            LogCommand::LineDown => self.scroll_by(1),
            LogCommand::PageUp => self.scroll_by(-(page as i64)),
            LogCommand::PageDown => self.scroll_by(page as i64),
            LogCommand::Top => self.anchor = self.buffer.visible_seq(0),
            LogCommand::End => self.anchor = None,
            LogCommand::ToggleFollow => {
                self.anchor = match self.anchor {
                    None => self.buffer.visible_seq(self.shown_top),
                    Some(_) => None,
                }
            }
            LogCommand::Search => self.mode = Mode::Input { kind: InputKind::Search, text: String::new() },
            LogCommand::NextMatch => self.jump_to_match(true),
            LogCommand::PrevMatch => self.jump_to_match(false),
            LogCommand::Filter => self.mode = Mode::Input { kind: InputKind::Filter, text: self.filter_text.clone() },
            LogCommand::Range => self.mode = Mode::Input { kind: InputKind::Range, text: String::new() },
            LogCommand::Save => self.mode = Mode::Input { kind: InputKind::Save, text: self.default_save_path() },
            LogCommand::ToggleTimestamps => self.timestamps = !self.timestamps,
            LogCommand::ToggleWrap => self.wrap = !self.wrap,
            LogCommand::TogglePrevious => {
                self.request.previous = !self.request.previous;
                self.restart();
                let which = if self.request.previous { "previous run" } else { "current run" };
                self.note(format!("showing the {which}"), false);
            }
            LogCommand::ChooseContainer => {
                let selected = match &self.request.container {
                    Some(c) => self.containers.iter().position(|x| &x.name == c).map_or(0, |i| i + 1),
                    None => 0,
                };
                self.mode = Mode::Containers { selected };
            }
        }
        true
    }

    /// Moves the top line by `delta` visible lines; reaching the end follows again.
    fn scroll_by(&mut self, delta: i64) {
        let n = self.buffer.visible_len();
        let rows = self.shown_rows.max(1);
        let current = match self.anchor {
            Some(seq) => self.buffer.position_of_seq(seq),
            None => self.shown_top,
        };
        let last_top = n.saturating_sub(rows);
        let next = (current as i64 + delta).clamp(0, last_top as i64) as usize;
        self.anchor = if delta > 0 && next >= last_top { None } else { self.buffer.visible_seq(next) };
    }

    fn jump_to_match(&mut self, forward: bool) {
        let Some(text) = self.buffer.search_text().map(String::from) else {
            self.note("no search: press / to search", true);
            return;
        };
        let from = self.current_match.map(|seq| self.buffer.position_of_seq(seq));
        let from = from.or(if forward { None } else { Some(self.shown_top) });
        match self.buffer.find_match(from, forward) {
            Some(pos) => {
                self.current_match = self.buffer.visible_seq(pos);
                // Put the match a third of the way down, so what led to it shows too.
                let top = pos.saturating_sub(self.shown_rows / 3);
                self.anchor = self.buffer.visible_seq(top);
            }
            None => self.note(format!("no line matches {text:?}"), true),
        }
    }

    fn default_save_path(&self) -> String {
        let name = match &self.request.target {
            LogTarget::Pod(p) => p.clone(),
            LogTarget::Job { name, index: Some(i) } => format!("{name}-{i}"),
            LogTarget::Job { name, index: None } => name.clone(),
        };
        format!("{}-{name}.log", self.request.namespace)
    }

    /// A key while the input line or the chooser is open. Returns the file
    /// to save the lines to when the key submitted a save (writing it is the
    /// runner's: this stays pure).
    pub fn input_key(&mut self, key: KeyEvent) -> Option<PathBuf> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => {}
            Mode::Input { kind, mut text } => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => return self.submit(kind, text.trim()),
                KeyCode::Backspace => {
                    text.pop();
                    self.mode = Mode::Input { kind, text };
                }
                KeyCode::Char('u') if ctrl => self.mode = Mode::Input { kind, text: String::new() },
                KeyCode::Char(c) if !ctrl && !c.is_control() => {
                    text.push(c);
                    self.mode = Mode::Input { kind, text };
                }
                _ => self.mode = Mode::Input { kind, text },
            },
            Mode::Containers { selected } => {
                let count = self.containers.len() + 1;
                match key.code {
                    KeyCode::Esc => {}
                    KeyCode::Enter => self.choose_container(selected),
                    KeyCode::Up | KeyCode::Char('k') => {
                        self.mode = Mode::Containers { selected: selected.saturating_sub(1) }
                    }
                    KeyCode::Down | KeyCode::Char('j') => {
                        self.mode = Mode::Containers { selected: (selected + 1).min(count - 1) }
                    }
                    _ => self.mode = Mode::Containers { selected },
                }
            }
        }
        None
    }

    fn submit(&mut self, kind: InputKind, text: &str) -> Option<PathBuf> {
        match kind {
            InputKind::Search => {
                self.buffer.set_search(text);
                self.current_match = None;
                if !text.is_empty() {
                    self.jump_to_match(true);
                }
            }
            InputKind::Filter => {
                let (pattern, invert) = match text.strip_prefix('!') {
                    Some(rest) => (rest.trim(), true),
                    None => (text, false),
                };
                match self.buffer.set_filter(pattern, invert) {
                    Ok(()) => {
                        self.filter_text = text.to_string();
                        self.anchor = None;
                    }
                    Err(e) => {
                        self.note(e, true);
                        self.mode = Mode::Input { kind, text: text.to_string() };
                    }
                }
            }
            InputKind::Range => match parse_range(text) {
                Ok((tail, since)) => {
                    self.request.tail_lines = tail;
                    self.request.since_seconds = since;
                    self.restart();
                }
                Err(e) => {
                    self.note(e, true);
                    self.mode = Mode::Input { kind, text: text.to_string() };
                }
            },
            InputKind::Save if text.is_empty() => {}
            InputKind::Save => return Some(PathBuf::from(text)),
        }
        None
    }

    fn choose_container(&mut self, selected: usize) {
        let container = if selected == 0 { None } else { self.containers.get(selected - 1).map(|c| c.name.clone()) };
        if container != self.request.container {
            self.request.container = container;
            self.restart();
        }
    }

    /// The lines a save writes: what is visible (filter applied), with the
    /// prefix and, when shown, the timestamp.
    pub fn lines_to_save(&self) -> Vec<String> {
        self.buffer.plain_lines(self.timestamps).collect()
    }

    /// The first visible line the last frame drew.
    pub fn shown_top(&self) -> usize {
        self.shown_top
    }

    /// What the last frame showed: its first visible line and the body's rows.
    pub fn shown(&mut self, top: usize, rows: usize) {
        self.shown_top = top;
        self.shown_rows = rows;
    }

    /// The runner reports how the save went.
    pub fn saved(&mut self, path: &std::path::Path, result: Result<usize, String>) {
        match result {
            Ok(n) => self.note(format!("saved {n} lines to {}", path.display()), false),
            Err(e) => self.note(format!("cannot save to {}: {e}", path.display()), true),
        }
    }
}

/// `500` → last 500 lines; `10m`/`1h30m` → since; `all` → everything.
pub fn parse_range(text: &str) -> Result<(Option<i64>, Option<i64>), String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("all") {
        return Ok((None, None));
    }
    if let Ok(n) = t.parse::<i64>() {
        return if n > 0 { Ok((Some(n), None)) } else { Err("the number of lines must be above 0".into()) };
    }
    match humantime::parse_duration(t) {
        Ok(d) if d.as_secs() > 0 => Ok((None, Some(d.as_secs() as i64))),
        _ => Err(format!("{t:?}: give a number of lines (500), a duration (10m) or all")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_prompt_parses() {
        assert_eq!(parse_range("500"), Ok((Some(500), None)));
        assert_eq!(parse_range("10m"), Ok((None, Some(600))));
        assert_eq!(parse_range("ALL"), Ok((None, None)));
        assert!(parse_range("0").is_err());
        assert!(parse_range("soon").is_err());
    }
}
