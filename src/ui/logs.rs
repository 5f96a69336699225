//! Drawing the log screen (its state is `console::state::LogView`): the
//! title with what is read and whether it follows, problems of the streams
//! explained, the lines with their pod prefixes and colours, the input line
//! and the container chooser.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph};
use unicode_width::UnicodeWidthChar;

use model::logs::buffer::{LogLine, StreamStatus, format_timestamp};
use model::logs::explain::Explanation;
use model::sanitize::SgrStyle;
use model::{Kind, ObjKey};

use super::screens::Screen;
use super::theme::Theme;
use crate::console::keys::Keymap;
use crate::console::state::{App, LogView, Mode, Route, Shown, View};

/// The log screen.
pub struct LogsScreen;

impl Screen for LogsScreen {
    fn title(&self, _route: &Route) -> String {
        "Logs".into()
    }

    fn keymaps(&self) -> &'static [Keymap] {
        &[Keymap::Logs, Keymap::Global]
    }

    fn is_list(&self) -> bool {
        false
    }

    fn rows(&self, _app: &App, _view: &View) -> Vec<ObjKey> {
        Vec::new()
    }

    fn row_kind(&self) -> Option<Kind> {
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, _view: &View, theme: &Theme) -> Shown {
        if let Some(view) = &app.logs {
            render_view(frame, area, view, theme)
        } else {
            frame.render_widget(Paragraph::new(Line::styled(" no log open", theme.dim)), area);
            Shown::Nothing
        }
    }
}

/// Draws the log screen for `view` in `area`; returns where its body started and how many rows it had.
pub fn render_view(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) -> Shown {
    // Problems (waiting, failed, reconnecting streams) go above the lines, in
    // at most a third of the screen; with no lines at all they fill the body.
    let problems: Vec<Line<'static>> =
        problem_lines(view, theme).into_iter().flat_map(|l| wrap_line(&l, area.width as usize)).collect();
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
    let top = if no_lines {
        let mut lines = problems;
        lines.extend(empty_message(view, theme));
        frame.render_widget(Paragraph::new(lines), body);
        0
    } else {
        frame.render_widget(Paragraph::new(problems), problem_area);
        render_body(frame, body, view, theme)
    };
    frame.render_widget(Paragraph::new(bottom_line(view, theme, bottom.width)), bottom);
    if let Mode::Containers { selected } = view.mode {
        render_chooser(frame, body, view, theme, selected);
    }
    Shown::Log { top, rows: body.height as usize }
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
                out.push(Line::styled(format!(" {}: reconnecting: {why}", s.id.pod), theme.warn));
            }
            StreamStatus::Streaming | StreamStatus::Ended(_) => {}
        }
    }
    out
}

/// The prompt being typed, a note, or the search and filter and the key hints
/// that fit whole in `width` cells (a hint cut to "p pr" helps nobody).
fn bottom_line(view: &LogView, theme: &Theme, width: u16) -> Line<'static> {
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
    let mut used: usize = spans.iter().map(Span::width).sum();
    for (k, what) in hints {
        let hint = [Span::styled(format!(" {k}"), theme.key), Span::styled(format!(" {what}"), theme.dim)];
        used += hint.iter().map(Span::width).sum::<usize>();
        if used > usize::from(width) {
            break;
        }
        spans.extend(hint);
    }
    Line::from(spans)
}

/// Draws the lines; returns the position of the first one drawn.
fn render_body(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) -> usize {
    let rows = area.height as usize;
    let width = area.width as usize;
    let n = view.buffer.visible_len();
    if n == 0 || rows == 0 || width == 0 {
        return view.shown_top();
    }
    let label_width = view.buffer.streams().iter().map(|s| text_width(&s.label)).max().unwrap_or(0);
    let render_line = |i: usize| -> Vec<Line<'static>> {
        let Some(line) = view.buffer.visible(i) else { return Vec::new() };
        let spans = line_spans(view, line, theme, label_width, view.current_match == view.buffer.visible_seq(i));
        if view.wrap { wrap_spans(spans, width) } else { vec![Line::from(spans)] }
    };
    let mut lines: Vec<Line<'static>> = Vec::with_capacity(rows);
    // Anchored: from the top line down.
    let top = if let Some(seq) = view.anchor {
        let top = view.buffer.position_of_seq(seq).min(n - 1);
        let mut i = top;
        while lines.len() < rows && i < n {
            lines.extend(render_line(i));
            i += 1;
        }
        lines.truncate(rows);
        top
    } else {
        // Following: from the newest line up, so the last line is always shown.
        let mut i = n;
        let mut stacked: Vec<Vec<Line<'static>>> = Vec::new();
        let mut used = 0;
        while used < rows && i > 0 {
            i -= 1;
            let l = render_line(i);
            used += l.len();
            stacked.push(l);
        }
        lines = stacked.into_iter().rev().flatten().collect();
        let extra = lines.len().saturating_sub(rows);
        lines.drain(..extra);
        i
    };
    frame.render_widget(Paragraph::new(lines), area);
    top
}

fn empty_message(view: &LogView, theme: &Theme) -> Vec<Line<'static>> {
    let failed = view.buffer.view_failure().is_some()
        || view.buffer.streams().iter().any(|s| matches!(s.status, StreamStatus::Failed(_)));
    if failed {
        return vec![Line::styled(" no log lines could be read", theme.bad)];
    }
    if !view.buffer.is_empty() {
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
        let style = theme.colour(stream.colour).map_or(theme.dim, |c| Style::new().fg(c));
        spans.push(Span::styled(format!("{}{} ", stream.label, " ".repeat(pad)), style));
    }
    if view.timestamps {
        let ts = line.ts.map_or_else(|| "-".repeat(24), format_timestamp);
        spans.push(Span::styled(format!("{ts} "), theme.dim));
    }
    let highlights = view.buffer.highlights(line);
    let mark = if current { theme.selected } else { theme.highlight.add_modifier(Modifier::REVERSED) };
    for (range, style) in line.text.pieces() {
        let base = sgr_to_style(style, theme);
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
fn wrap_line(line: &Line<'_>, width: usize) -> Vec<Line<'static>> {
    let style = line.spans.first().map_or(line.style, |s| line.style.patch(s.style));
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let indent = text.len() - text.trim_start().len();
    let mut rows: Vec<String> = Vec::new();
    let mut row = " ".repeat(indent);
    for word in text.split_whitespace() {
        let fits = text_width(&row) + 1 + text_width(word) <= width;
        if !fits && !row.trim().is_empty() {
            rows.push(std::mem::replace(&mut row, " ".repeat(indent + 1)));
        } else if !row.trim().is_empty() {
            row.push(' ');
        }
        row.push_str(word);
    }
    rows.push(row);
    // Words longer than a row are cut into rows of characters.
    rows.into_iter().flat_map(|r| wrap_spans(vec![Span::styled(r, style)], width.max(1))).collect()
}

/// A log line's own style on screen: its colours as the terminal can show
/// them and never a foreground on its own colour. Without colour (NO_COLOR)
/// only bold, underline and reverse are kept.
fn sgr_to_style(s: SgrStyle, theme: &Theme) -> Style {
    let mut style = Style::new();
    let (fg, bg) = theme.colours(s.fg, s.bg);
    if let Some(c) = fg {
        style = style.fg(c);
    }
    if let Some(c) = bg {
        style = style.bg(c);
    }
    if !theme.monochrome {
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
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use model::logs::buffer::{Limits, LogEvent, ReadLine, StreamId};
    use model::logs::request::{LogRequest, LogTarget};
    use model::sanitize::sanitize_line;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::console::state::{ContainerChoice, LogCommand};

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

    /// Draws the view and keeps what it showed, as the console does after every frame.
    fn draw(view: &mut LogView, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut shown = Shown::Nothing;
        t.draw(|f| shown = render_view(f, f.area(), view, &Theme::default_16())).unwrap();
        if let Shown::Log { top, rows } = shown {
            view.shown(top, rows);
        }
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
        let t = draw(&mut v, 40, 10); // 8 body rows
        let text = screen_text(&t);
        assert!(text.contains("line 100") && text.contains("line 93") && !text.contains("line 92\n"), "{text}");
        v.command(LogCommand::LineUp);
        assert!(!v.following());
        numbered(&mut v, 5); // more lines arrive: the view stays put
        let text = screen_text(&draw(&mut v, 40, 10));
        assert!(text.contains("line 92") && text.contains("line 99") && !text.contains("line 100"), "{text}");
        // Scrolling back down to the end follows again.
        v.command(LogCommand::PageDown);
        assert!(v.following());
        v.command(LogCommand::Top);
        assert_eq!(v.anchor, Some(0));
        v.command(LogCommand::End);
        assert!(v.following());
    }

    #[test]
    fn wrapped_lines_keep_the_last_line_visible() {
        let mut v = job_view();
        push(&mut v, "p", &[&"a".repeat(100), &"b".repeat(100), "last"]);
        let text = screen_text(&draw(&mut v, 30, 6)); // 4 body rows
        assert!(text.lines().any(|l| l.trim_end().ends_with("last")), "{text}");
        v.command(LogCommand::ToggleWrap);
        let text = screen_text(&draw(&mut v, 30, 6));
        assert_eq!(text.lines().filter(|l| l.contains("aaaa")).count(), 1, "{text}");
    }

    #[test]
    fn search_jumps_and_filter_inverts() {
        let mut v = job_view();
        numbered(&mut v, 50);
        draw(&mut v, 40, 10);
        v.command(LogCommand::Search);
        for c in "line 7".chars() {
            v.input_key(KeyEvent::from(KeyCode::Char(c)));
        }
        v.input_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(v.current_match, Some(6), "line 7 is the 7th line");
        assert!(!v.following());
        // Only "line 7" matches among 50 lines: the next match wraps around to it.
        v.command(LogCommand::NextMatch);
        assert_eq!(v.current_match, Some(6));
        v.command(LogCommand::PrevMatch);
        assert_eq!(v.current_match, Some(6));
        // The filter prompt: "!" inverts.
        v.command(LogCommand::Filter);
        for c in "!line [0-9]$".chars() {
            v.input_key(KeyEvent::from(KeyCode::Char(c)));
        }
        v.input_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(v.buffer.visible_len(), 41, "lines 10..=50 stay");
        // A bad regex keeps the prompt open with the error.
        v.command(LogCommand::Filter);
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
        v.command(LogCommand::ChooseContainer);
        v.input_key(KeyEvent::from(KeyCode::Down));
        v.input_key(KeyEvent::from(KeyCode::Enter));
        assert_eq!(v.request.container.as_deref(), Some("c"));
        assert_eq!(v.generation, g + 1);
        assert!(v.buffer.is_empty(), "a new stream, a new buffer");
        v.command(LogCommand::TogglePrevious);
        assert!(v.request.previous);
        assert_eq!(v.generation, g + 2);
    }

    #[test]
    fn hostile_line_is_shown_harmlessly() {
        let mut v = job_view();
        push(&mut v, "p", &["a\x1b[2J\x1b[Hb\x1b]0;title\x07c\x1b]52;c;eA==\x07d\x1b[31mred\x1b[0m\r\x08e"]);
        let t = draw(&mut v, 40, 5);
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
        assert_eq!(buf[(x, row)].fg, ratatui::style::Color::Red);
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
        insta::assert_snapshot!("logs_failed_tls", draw(&mut v, 80, 8).backend());
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
        insta::assert_snapshot!("logs_merged", draw(&mut v, 80, 8).backend());
    }
}
