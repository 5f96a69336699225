//! The log screen: one pod's log, or a Job's pods merged, with follow,
//! search, filter, container choice and save.
//!
//! [`LogView`] is the screen's state (the bounded buffer, scroll position,
//! toggles, the input line); it is pure: keys and log events go in, and what
//! the source should read is [`LogView::request`] with a generation the
//! runner compares to restart the stream. [`render`] draws it.
//!
//! Following: without an anchor the view shows the newest lines and moves as
//! they arrive. Scrolling up (or jumping to a search match) anchors the top
//! line, so the text stays still while lines keep arriving below; scrolling
//! back down to the end (or `G`, or `f`) drops the anchor and follows again.

use std::cell::Cell;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph};
use unicode_width::UnicodeWidthChar;

use super::theme::Theme;
use crate::console::app::{App, Screen, View};
use model::logs::explain::Explanation;
use model::logs::buffer::{Limits, LogBuffer, LogEvent, LogLine, StreamStatus, format_timestamp};
use model::sanitize::{Colour, SgrStyle};
use model::{JobInfo, ObjKey, PodInfo};
use model::logs::request::{LogRequest, LogTarget};

/// What a key does on the log screen (bound in `ui/keys.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogAction {
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
    fn prompt(self) -> &'static str {
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
    /// A save the runner should carry out.
    pub pending_save: Option<PathBuf>,
    filter_text: String,
    /// Where the last frame started (visible position) and how many rows the
    /// body had: scrolling from "following" starts there.
    shown_top: Cell<usize>,
    shown_rows: Cell<usize>,
}

/// Lines asked for when opening: as many as the buffer keeps.
fn default_tail(limits: Limits) -> Option<i64> {
    Some(limits.max_lines as i64)
}

impl LogView {
    pub fn new(mut request: LogRequest, limits: Limits, containers: Vec<ContainerChoice>) -> Self {
        if request.tail_lines.is_none() && request.since_seconds.is_none() {
            request.tail_lines = default_tail(limits);
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
            pending_save: None,
            filter_text: String::new(),
            shown_top: Cell::new(0),
            shown_rows: Cell::new(0),
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

    /// Carries out a key's action. `page` is the body's height in rows.
    pub fn action(&mut self, action: LogAction) -> bool {
        self.note = None;
        let page = self.shown_rows.get().max(1);
        match action {
            LogAction::LineUp => self.scroll_by(-1),
            LogAction::LineDown => self.scroll_by(1),
            LogAction::PageUp => self.scroll_by(-(page as i64)),
            LogAction::PageDown => self.scroll_by(page as i64),
            LogAction::Top => self.anchor = self.buffer.visible_seq(0),
            LogAction::End => self.anchor = None,
            LogAction::ToggleFollow => {
                self.anchor = match self.anchor {
                    None => self.buffer.visible_seq(self.shown_top.get()),
                    Some(_) => None,
                }
            }
            LogAction::Search => self.mode = Mode::Input { kind: InputKind::Search, text: String::new() },
            LogAction::NextMatch => self.jump_to_match(true),
            LogAction::PrevMatch => self.jump_to_match(false),
            LogAction::Filter => self.mode = Mode::Input { kind: InputKind::Filter, text: self.filter_text.clone() },
            LogAction::Range => self.mode = Mode::Input { kind: InputKind::Range, text: String::new() },
            LogAction::Save => self.mode = Mode::Input { kind: InputKind::Save, text: self.default_save_path() },
            LogAction::ToggleTimestamps => self.timestamps = !self.timestamps,
            LogAction::ToggleWrap => self.wrap = !self.wrap,
            LogAction::TogglePrevious => {
                self.request.previous = !self.request.previous;
                self.restart();
                let which = if self.request.previous { "previous run" } else { "current run" };
                self.note(format!("showing the {which}"), false);
            }
            LogAction::ChooseContainer => {
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
        let rows = self.shown_rows.get().max(1);
        let current = match self.anchor {
            Some(seq) => self.buffer.position_of_seq(seq),
            None => self.shown_top.get(),
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
        let from = from.or_else(|| if forward { None } else { Some(self.shown_top.get()) });
        match self.buffer.find_match(from, forward) {
            Some(pos) => {
                self.current_match = self.buffer.visible_seq(pos);
                // Put the match a third of the way down, so what led to it shows too.
                let top = pos.saturating_sub(self.shown_rows.get() / 3);
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

    /// A key while the input line or the chooser is open.
    pub fn input_key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => return false,
            Mode::Input { kind, mut text } => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => self.submit(kind, text.trim()),
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
        true
    }

    fn submit(&mut self, kind: InputKind, text: &str) {
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
            InputKind::Save => self.pending_save = Some(PathBuf::from(text)),
        }
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

    /// The runner reports how the save went.
    pub fn saved(&mut self, path: &std::path::Path, result: Result<usize, String>) {
        match result {
            Ok(n) => self.note(format!("saved {n} lines to {}", path.display()), false),
            Err(e) => self.note(format!("cannot save to {}: {e}", path.display()), true),
        }
    }
}

// ---------------------------------------------------------------- the console's side

/// Opens the log screen for what is selected: a pod, a Job (merged), or with
/// `by_index` all pods of the selected pod's completion index.
pub fn open(app: &mut App, by_index: bool) {
    match request_for_selection(app, by_index) {
        Ok((request, containers)) => {
            app.logs = Some(LogView::new(request, app.log_limits, containers));
            app.details.push(View::new(Screen::Logs));
        }
        Err(e) => app.flash(e, true),
    }
}

fn request_for_selection(app: &App, by_index: bool) -> Result<(LogRequest, Vec<ContainerChoice>), String> {
    let screen = app.view().screen.clone();
    let selected = match &screen {
        Screen::JobDetail(key) => Some(key.clone()),
        _ => app.selected_key(),
    };
    let job_request = |key: &ObjKey, index: Option<u32>| -> Result<(LogRequest, Vec<ContainerChoice>), String> {
        let containers = app.state.jobs.get(key).map(containers_of_job).unwrap_or_default();
        Ok((LogRequest::new(key.namespace.clone(), LogTarget::Job { name: key.name.clone(), index }), containers))
    };
    match (&screen, selected) {
        (Screen::Pods { .. }, Some(key)) => {
            let pod = app.state.pods.get(&key).ok_or("the pod is gone")?;
            match (by_index, &pod.job, pod.completion_index) {
                (true, Some(job), Some(index)) => {
                    job_request(&ObjKey::new(key.namespace.clone(), job.clone()), Some(index))
                }
                (true, _, _) => {
                    Err("this pod has no completion index (not an Indexed Job's pod); l shows its logs".into())
                }
                (false, _, _) => Ok((
                    LogRequest::new(key.namespace.clone(), LogTarget::Pod(key.name.clone())),
                    containers_of_pod(pod),
                )),
            }
        }
        (Screen::Jobs | Screen::JobDetail(_) | Screen::CronJobDetail(_), Some(key)) if !by_index => {
            job_request(&key, None)
        }
        (Screen::Jobs | Screen::JobDetail(_) | Screen::CronJobDetail(_), Some(_)) => {
            Err("i shows one completion index: open the Job's pods (p) and select a pod of that index".into())
        }
        _ => Err("logs: select a Job or a Pod first".into()),
    }
}

/// Keys for the log screen's input line or container chooser, when open.
pub fn capture_key(app: &mut App, key: &KeyEvent) -> Option<bool> {
    if app.view().screen != Screen::Logs {
        return None;
    }
    let view = app.logs.as_mut().filter(|v| v.captures_keys())?;
    Some(view.input_key(*key))
}

/// A log screen key.
pub fn act(app: &mut App, action: LogAction) {
    if let Some(view) = app.logs.as_mut() {
        view.action(action);
    }
}

/// Folds a batch of the log source's events, unless they belong to an older stream.
pub fn apply_events(app: &mut App, generation: u64, events: Vec<LogEvent>) -> bool {
    match app.logs.as_mut() {
        Some(view) if view.generation == generation => view.apply(events),
        _ => false,
    }
}

/// Drops the log view once its screen is closed (Esc, another tab, a new context).
pub fn close_if_hidden(app: &mut App) {
    if app.logs.is_some() && !app.details.iter().any(|v| v.screen == Screen::Logs) {
        app.logs = None;
    }
}

/// Draws the log screen from the app.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    match &app.logs {
        Some(view) => render_view(frame, area, view, &app.theme),
        None => frame.render_widget(Paragraph::new(Line::styled(" no log open", app.theme.dim)), area),
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

/// Draws the log screen for `view` in `area`.
pub fn render_view(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    // Problems (waiting, failed, reconnecting streams) go above the lines, in
    // at most a third of the screen; with no lines at all they fill the body.
    let problems: Vec<Line<'static>> =
        problem_lines(view, theme).into_iter().flat_map(|l| wrap_line(l, area.width as usize)).collect();
    let no_lines = view.buffer.visible_len() == 0;
    let problem_rows = if no_lines { 0 } else { (problems.len() as u16).min(area.height.saturating_sub(2) / 3) };
    let [title, problem_area, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(problem_rows),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(title_line(view, theme)), title);
    if no_lines {
        let mut lines = problems;
        lines.extend(empty_message(view, theme));
        frame.render_widget(Paragraph::new(lines), body);
        view.shown_top.set(0);
        view.shown_rows.set(body.height as usize);
    } else {
        frame.render_widget(Paragraph::new(problems), problem_area);
        render_body(frame, body, view, theme);
    }
    frame.render_widget(Paragraph::new(bottom_line(view, theme)), bottom);
    if let Mode::Containers { selected } = view.mode {
        render_chooser(frame, body, view, theme, selected);
    }
}

fn title_line(view: &LogView, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!(" logs: {}", view.request.title()), theme.title)];
    let mut info: Vec<String> = Vec::new();
    if view.request.previous {
        info.push("previous run".into());
    }
    info.push(match (view.request.tail_lines, view.request.since_seconds) {
        (Some(n), _) => format!("last {n}"),
        (None, Some(s)) => format!("since {}", humantime::format_duration(std::time::Duration::from_secs(s as u64))),
        (None, None) => "all".into(),
    });
    let shown = view.buffer.visible_len();
    let kept = view.buffer.len();
    info.push(if shown == kept { format!("{kept} lines") } else { format!("{shown}/{kept} lines") });
    if view.buffer.evicted() > 0 {
        info.push(format!("{} older dropped", view.buffer.evicted()));
    }
    spans.push(Span::styled(format!("  {}", info.join(" · ")), theme.dim));
    let state = if view.buffer.is_done() {
        Span::styled("  ended", theme.dim)
    } else if view.following() {
        Span::styled("  ● following", theme.ok)
    } else {
        Span::styled("  ‖ paused (G follows)", theme.warn)
    };
    spans.push(state);
    Line::from(spans)
}

/// One row per stream that is not streaming happily, plus the view's own failure.
fn problem_lines(view: &LogView, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    // Pods failing the same way share one hint (shown once, after the first).
    let mut hints_shown: Vec<String> = Vec::new();
    let mut explain = |e: &Explanation, style: Style, out: &mut Vec<Line<'static>>| {
        out.push(Line::styled(format!(" {}", e.summary), style));
        if let Some(h) = e.hint.as_ref().filter(|h| !hints_shown.contains(h)) {
            out.push(Line::styled(format!("   {h}"), theme.dim));
            hints_shown.push(h.clone());
        }
    };
    if let Some(e) = view.buffer.view_failure() {
        explain(e, theme.bad, &mut out);
    }
    for s in view.buffer.streams() {
        match &s.status {
            StreamStatus::Failed(e) => explain(e, theme.bad, &mut out),
            StreamStatus::Waiting(e) => explain(e, theme.warn, &mut out),
            StreamStatus::Reconnecting(why) => {
                out.push(Line::styled(format!(" {}: reconnecting: {why}", s.id.pod), theme.warn))
            }
            StreamStatus::Streaming | StreamStatus::Ended(_) => {}
        }
    }
    out
}

fn bottom_line(view: &LogView, theme: &Theme) -> Line<'static> {
    if let Mode::Input { kind, text } = &view.mode {
        let mut spans =
            vec![Span::styled(kind.prompt(), theme.key), Span::raw(text.clone()), Span::styled("█", theme.dim)];
        if let Some(n) = view.note.as_ref().filter(|n| n.error) {
            spans.push(Span::styled(format!("  {}", n.text), theme.bad));
        }
        return Line::from(spans);
    }
    if let Some(n) = &view.note {
        return Line::styled(format!(" {}", n.text), if n.error { theme.bad } else { theme.ok });
    }
    let mut spans = Vec::new();
    if let Some(s) = view.buffer.search_text() {
        spans.push(Span::styled(format!(" search: {s} (n/N) "), theme.highlight));
    }
    if let Some((f, invert)) = view.buffer.filter() {
        let not = if invert { "not " } else { "" };
        spans.push(Span::styled(format!(" filter: {not}{f} "), theme.warn));
    }
    let hints = [
        ("/", "search"),
        ("&", "filter"),
        ("f", "follow"),
        ("t", "time"),
        ("w", "wrap"),
        ("c", "container"),
        ("p", "previous"),
        ("r", "range"),
        ("s", "save"),
    ];
    for (k, what) in hints {
        spans.push(Span::styled(format!(" {k}"), theme.key));
        spans.push(Span::styled(format!(" {what}"), theme.dim));
    }
    Line::from(spans)
}

fn render_body(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    let rows = area.height as usize;
    let width = area.width as usize;
    view.shown_rows.set(rows);
    let n = view.buffer.visible_len();
    if n == 0 || rows == 0 || width == 0 {
        return;
    }
    let label_width = view.buffer.streams().iter().map(|s| text_width(&s.label)).max().unwrap_or(0);
    let render_line = |i: usize| -> Vec<Line<'static>> {
        let Some(line) = view.buffer.visible(i) else { return Vec::new() };
        let spans = line_spans(view, line, theme, label_width, view.current_match == view.buffer.visible_seq(i));
        if view.wrap { wrap_spans(spans, width) } else { vec![Line::from(spans)] }
    };
    let mut lines: Vec<Line<'static>> = Vec::with_capacity(rows);
    match view.anchor {
        // Anchored: from the top line down.
        Some(seq) => {
            let top = view.buffer.position_of_seq(seq).min(n - 1);
            view.shown_top.set(top);
            let mut i = top;
            while lines.len() < rows && i < n {
                lines.extend(render_line(i));
                i += 1;
            }
            lines.truncate(rows);
        }
        // Following: from the newest line up, so the last line is always shown.
        None => {
            let mut i = n;
            let mut stacked: Vec<Vec<Line<'static>>> = Vec::new();
            let mut used = 0;
            while used < rows && i > 0 {
                i -= 1;
                let l = render_line(i);
                used += l.len();
                stacked.push(l);
            }
            view.shown_top.set(i);
            lines = stacked.into_iter().rev().flatten().collect();
            let extra = lines.len().saturating_sub(rows);
            lines.drain(..extra);
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn empty_message(view: &LogView, theme: &Theme) -> Vec<Line<'static>> {
    let failed = view.buffer.view_failure().is_some()
        || view.buffer.streams().iter().any(|s| matches!(s.status, StreamStatus::Failed(_)));
    if failed {
        return vec![Line::styled(" no log lines could be read", theme.bad)];
    }
    if view.buffer.len() > 0 {
        return vec![Line::styled(
            " no line matches the filter (& then Enter on an empty filter clears it)",
            theme.dim,
        )];
    }
    if view.buffer.is_done() {
        return vec![Line::styled(" the log is empty", theme.dim)];
    }
    vec![Line::styled(" waiting for log lines…", theme.dim)]
}

/// The spans of one line: prefix, timestamp, text with its own colours and
/// the search highlights.
fn line_spans(view: &LogView, line: &LogLine, theme: &Theme, label_width: usize, current: bool) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let stream = view.buffer.stream(line);
    if !stream.label.is_empty() {
        let pad = label_width.saturating_sub(text_width(&stream.label));
        let style = if theme.monochrome { theme.dim } else { Style::new().fg(ratatui_colour(stream.colour)) };
        spans.push(Span::styled(format!("{}{} ", stream.label, " ".repeat(pad)), style));
    }
    if view.timestamps {
        let ts = line.ts.map(format_timestamp).unwrap_or_else(|| "-".repeat(24));
        spans.push(Span::styled(format!("{ts} "), theme.dim));
    }
    let highlights = view.buffer.highlights(line);
    let mark = if current { theme.selected } else { theme.highlight.add_modifier(Modifier::REVERSED) };
    for (range, style) in line.text.pieces() {
        let base = sgr_to_style(style, theme.monochrome);
        // Split the piece at highlight edges.
        let mut at = range.start;
        for h in highlights.iter().filter(|h| h.end > range.start && h.start < range.end) {
            let (hs, he) = (h.start.max(range.start), h.end.min(range.end));
            if hs > at {
                spans.push(Span::styled(line.text.text[at..hs].to_string(), base));
            }
            spans.push(Span::styled(line.text.text[hs..he].to_string(), mark));
            at = he;
        }
        if at < range.end {
            spans.push(Span::styled(line.text.text[at..range.end].to_string(), base));
        }
    }
    spans
}

/// Breaks spans into rows of at most `width` cells (character wrapping, as
/// `less` does), so the height of every line is known before drawing.
fn wrap_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width && used > 0 {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut row)));
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(Line::from(row));
    }
    rows
}

fn text_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// A one-style line of prose wrapped at spaces to `width` cells, the
/// continuation indented like the first row.
fn wrap_line(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let style = line.spans.first().map_or(line.style, |s| line.style.patch(s.style));
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let indent = text.len() - text.trim_start().len();
    let mut rows: Vec<String> = Vec::new();
    let mut row = " ".repeat(indent);
    for word in text.split_whitespace() {
        let fits = text_width(&row) + 1 + text_width(word) <= width;
        if !fits && row.trim().len() > 0 {
            rows.push(std::mem::replace(&mut row, " ".repeat(indent + 1)));
        } else if row.trim().len() > 0 {
            row.push(' ');
        }
        row.push_str(word);
    }
    rows.push(row);
    // Words longer than a row are cut into rows of characters.
    rows.into_iter().flat_map(|r| wrap_spans(vec![Span::styled(r, style)], width.max(1))).collect()
}

/// A log line's own style on screen. Without colour (NO_COLOR) only bold,
/// underline and reverse are kept.
fn sgr_to_style(s: SgrStyle, monochrome: bool) -> Style {
    let mut style = Style::new();
    if !monochrome {
        if let Some(c) = s.fg {
            style = style.fg(ratatui_colour(c));
        }
        if let Some(c) = s.bg {
            style = style.bg(ratatui_colour(c));
        }
        if s.dim {
            style = style.add_modifier(Modifier::DIM);
        }
        if s.italic {
            style = style.add_modifier(Modifier::ITALIC);
        }
    }
    if s.bold {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.underline {
        style = style.add_modifier(Modifier::UNDERLINED);
    }
    if s.reverse {
        style = style.add_modifier(Modifier::REVERSED);
    }
    style
}

/// The 16 ANSI colours by name (so the terminal's palette applies), the rest as given.
fn ratatui_colour(c: Colour) -> Color {
    const NAMED: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match c {
        Colour::Indexed(n) if (n as usize) < NAMED.len() => NAMED[n as usize],
        Colour::Indexed(n) => Color::Indexed(n),
        Colour::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

fn render_chooser(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme, selected: usize) {
    let mut items = vec![ListItem::new(Line::styled("default (each pod's first container)", theme.text))];
    items.extend(view.containers.iter().map(|c| {
        let kind = if c.init { "init container" } else { "container" };
        ListItem::new(Line::from(vec![
            Span::styled(c.name.clone(), theme.text),
            Span::styled(format!("  {kind}"), theme.dim),
        ]))
    }));
    let height = (items.len() as u16 + 2).min(area.height);
    let popup = super::centered(area, 50, height);
    frame.render_widget(Clear, popup);
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).border_style(theme.border).title(" container (Enter, Esc) "))
        .highlight_style(theme.selected);
    let mut state = ListState::default().with_selected(Some(selected));
    frame.render_stateful_widget(list, popup, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::logs::buffer::{ReadLine, StreamId};
    use model::sanitize::sanitize_line;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn sid(pod: &str) -> StreamId {
        StreamId { pod: pod.into(), container: "worker".into() }
    }

    fn job_view() -> LogView {
        let req = LogRequest::new("wq-coarse", LogTarget::Job { name: "job-wq-1".into(), index: None });
        LogView::new(req, Limits::default(), vec![ContainerChoice { name: "c".into(), init: false }])
    }

    fn push(view: &mut LogView, pod: &str, texts: &[&str]) {
        let lines = texts.iter().map(|t| ReadLine { ts: None, text: sanitize_line(t.as_bytes()) }).collect();
        view.apply(vec![LogEvent::Lines { stream: sid(pod), lines }]);
    }

    fn numbered(view: &mut LogView, n: usize) {
        let texts: Vec<String> = (1..=n).map(|i| format!("line {i}")).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        push(view, "p", &refs);
    }

    fn draw(view: &LogView, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| render_view(f, f.area(), view, &Theme::default_16())).unwrap();
        t
    }

    fn screen_text(t: &Terminal<TestBackend>) -> String {
        let buf = t.backend().buffer();
        (0..buf.area.height)
            .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn following_shows_the_newest_lines_and_scrolling_up_pauses() {
        let mut v = job_view();
        numbered(&mut v, 100);
        let t = draw(&v, 40, 10); // 8 body rows
        let text = screen_text(&t);
        assert!(text.contains("line 100") && text.contains("line 93") && !text.contains("line 92\n"), "{text}");
        v.action(LogAction::LineUp);
        assert!(!v.following());
        numbered(&mut v, 5); // more lines arrive: the view stays put
        let text = screen_text(&draw(&v, 40, 10));
        assert!(text.contains("line 92") && text.contains("line 99") && !text.contains("line 100"), "{text}");
        // Scrolling back down to the end follows again.
        v.action(LogAction::PageDown);
        assert!(v.following());
        v.action(LogAction::Top);
        assert_eq!(v.anchor, Some(0));
        v.action(LogAction::End);
        assert!(v.following());
    }

    #[test]
    fn wrapped_lines_keep_the_last_line_visible() {
        let mut v = job_view();
        push(&mut v, "p", &[&"a".repeat(100), &"b".repeat(100), "last"]);
        let text = screen_text(&draw(&v, 30, 6)); // 4 body rows
        assert!(text.lines().any(|l| l.trim_end().ends_with("last")), "{text}");
        v.action(LogAction::ToggleWrap);
        let text = screen_text(&draw(&v, 30, 6));
        assert_eq!(text.lines().filter(|l| l.contains("aaaa")).count(), 1, "{text}");
    }

    #[test]
    fn search_jumps_and_filter_inverts() {
        let mut v = job_view();
        numbered(&mut v, 50);
        draw(&v, 40, 10);
        v.action(LogAction::Search);
        for c in "line 7".chars() {
            v.input_key(KeyEvent::from(KeyCode::Char(c)));
        }
        v.input_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(v.current_match, Some(6), "line 7 is the 7th line");
        assert!(!v.following());
        // Only "line 7" matches among 50 lines: the next match wraps around to it.
        v.action(LogAction::NextMatch);
        assert_eq!(v.current_match, Some(6));
        v.action(LogAction::PrevMatch);
        assert_eq!(v.current_match, Some(6));
        // The filter prompt: "!" inverts.
        v.action(LogAction::Filter);
        for c in "!line [0-9]$".chars() {
            v.input_key(KeyEvent::from(KeyCode::Char(c)));
        }
        v.input_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(v.buffer.visible_len(), 41, "lines 10..=50 stay");
        // A bad regex keeps the prompt open with the error.
        v.action(LogAction::Filter);
        v.input_key(KeyEvent::from(KeyCode::Char('u')).with_ctrl());
        v.input_key(KeyEvent::from(KeyCode::Char('(')));
        v.input_key(KeyEvent::from(KeyCode::Enter));
        assert!(v.captures_keys());
        assert!(v.note.as_ref().unwrap().error);
    }

    trait Ctrl {
        fn with_ctrl(self) -> Self;
    }
    impl Ctrl for KeyEvent {
        fn with_ctrl(mut self) -> Self {
            self.modifiers = KeyModifiers::CONTROL;
            self
        }
    }

    #[test]
    fn container_choice_and_previous_restart_the_stream() {
        let mut v = job_view();
        numbered(&mut v, 3);
        let g = v.generation;
        v.action(LogAction::ChooseContainer);
        v.input_key(KeyEvent::from(KeyCode::Down));
        v.input_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(v.request.container.as_deref(), Some("c"));
        assert_eq!(v.generation, g + 1);
        assert!(v.buffer.is_empty(), "a new stream, a new buffer");
        v.action(LogAction::TogglePrevious);
        assert!(v.request.previous);
        assert_eq!(v.generation, g + 2);
    }

    #[test]
    fn range_prompt_parses() {
        assert_eq!(parse_range("500"), Ok((Some(500), None)));
        assert_eq!(parse_range("10m"), Ok((None, Some(600))));
        assert_eq!(parse_range("ALL"), Ok((None, None)));
        assert!(parse_range("0").is_err());
        assert!(parse_range("soon").is_err());
    }

    #[test]
    fn hostile_line_is_shown_harmlessly() {
        let mut v = job_view();
        push(&mut v, "p", &["a\x1b[2J\x1b[Hb\x1b]0;title\x07c\x1b]52;c;eA==\x07d\x1b[31mred\x1b[0m\r\x08e"]);
        let t = draw(&v, 40, 5);
        let buf = t.backend().buffer();
        // Every cell holds printable text only.
        for cell in buf.content() {
            assert!(!cell.symbol().chars().any(char::is_control), "{:?}", cell.symbol());
        }
        let text = screen_text(&t);
        assert!(text.contains("p abcdrede"), "{text}");
        // "red" keeps its colour.
        let row = (0..5).find(|&y| (0..40).map(|x| buf[(x, y)].symbol()).collect::<String>().contains("rede")).unwrap();
        let x = (0..40).find(|&x| buf[(x, row)].symbol() == "r").unwrap();
        assert_eq!(buf[(x, row)].fg, Color::Red);
    }

    #[test]
    fn problems_are_explained_above_the_lines() {
        let mut v = job_view();
        let e = Explanation {
            problem: model::logs::explain::LogProblem::KubeletCertificate,
            summary: "cannot read the logs of pod logs/x: the kubelet on node n refuses TLS connections".into(),
            hint: Some("check `kubectl get csr`".into()),
            detail: None,
        };
        v.apply(vec![
            LogEvent::Joined { stream: sid("x"), index: None },
            LogEvent::Status { stream: sid("x"), status: StreamStatus::Failed(e) },
        ]);
        insta::assert_snapshot!("logs_failed_tls", draw(&v, 80, 8).backend());
    }

    #[test]
    fn merged_view_snapshot() {
        let mut v = job_view();
        v.apply(vec![
            LogEvent::Joined { stream: sid("job-wq-1-abcde"), index: None },
            LogEvent::Joined { stream: sid("job-wq-1-fghij"), index: None },
        ]);
        push(&mut v, "job-wq-1-abcde", &["apple"]);
        push(&mut v, "job-wq-1-fghij", &["banana", "\x1b[32mcherry\x1b[0m"]);
        v.buffer.set_search("an");
        insta::assert_snapshot!("logs_merged", draw(&v, 80, 8).backend());
    }
}
