//! Queues: the work queues beside the Jobs they feed. The list (source, queue,
//! ready, in flight, consumers, rates, ETA, sparkline, linked Jobs, health),
//! the Queue detail page (history, rediswq leases, a stream's consumer groups
//! and their consumers, the linked Jobs' progress), and the queue section of
//! the Job detail page.

use model::queue::{Health, QueueKey, QueueState, QueueWarning, Queues, SourceHealth, Tone};
use model::stream::StreamReading;
use model::tasks::{Framework, TaskQueueReading};
use model::text as format;
use model::{JobInfo, Kind, ObjKey, Time};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};

use super::columns::{Column, Measure};
use super::job_detail::{heading, kv};
use super::list::{self, ListTable};
use super::screens::Screen;
use super::theme::Theme;
use super::{bar, cell};
use crate::console::state::{App, Route, Shown, View};

pub const SORTS: &[&str] = &["name", "ready", "in-flight", "health"];

/// The work queues beside the Jobs they feed.
pub struct QueuesScreen;

impl Screen for QueuesScreen {
    fn title(&self, _route: &Route) -> String {
        "Queues".into()
    }

    fn rows(&self, app: &App, view: &View) -> Vec<ObjKey> {
        rows(app, view).iter().map(key).collect()
    }

    fn row_kind(&self) -> Option<Kind> {
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        render(frame, area, app, theme, view)
    }

    fn sort_columns(&self) -> &'static [&'static str] {
        SORTS
    }

    fn open(&self, _app: &App, row: ObjKey) -> Option<Route> {
        Some(Route::QueueDetail(queue_key(&row)))
    }
}

/// One queue: history, rediswq leases, the linked Jobs' progress.
pub struct QueueDetailScreen;

impl Screen for QueueDetailScreen {
    fn title(&self, route: &Route) -> String {
        match route {
            Route::QueueDetail(key) => format!("queue {}", key.name),
            _ => "Queue".into(),
        }
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

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        match &view.route {
            Route::QueueDetail(key) => render_detail(frame, area, app, theme, view, key),
            _ => Shown::Nothing,
        }
    }
}

/// The queue, its source and its health are what one reads this screen for:
/// the sparkline and the rate in are decoration, dropped before they are cut.
/// The minimums keep a cut name readable: narrower, columns go instead.
const COLUMNS: [Column; 12] = [
    Column::flex("SOURCE", 8, 24, 2).whole(),
    Column::flex("QUEUE", 16, 40, 0).whole(),
    Column::fixed("KIND", 7, 3),
    Column::fixed("READY", 6, 0),
    Column::fixed("FLIGHT", 6, 0),
    Column::fixed("CONS", 4, 3),
    Column::fixed("IN", 6, 4),
    Column::fixed("OUT", 6, 1),
    Column::fixed("ETA", 6, 3),
    Column::flex("HISTORY", 8, 30, 5),
    Column::flex("JOBS", 8, 40, 2),
    Column::flex("HEALTH", 6, 60, 0).whole(),
];

/// Sparkline glyphs, lowest to highest.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `values` (oldest first) as a sparkline of at most `width` glyphs, the newest at the right,
/// scaled to the largest value shown. Empty values make an empty string.
pub fn sparkline(values: &[u64], width: usize) -> String {
    let shown = &values[values.len().saturating_sub(width)..];
    let max = shown.iter().copied().max().unwrap_or(0);
    shown.iter().map(|&v| SPARKS[(v * 7 + max / 2).checked_div(max).unwrap_or(0).min(7) as usize]).collect()
}

fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

pub fn key_of(q: &QueueKey) -> ObjKey {
    ObjKey::new(q.source.clone(), q.name.clone())
}

pub fn queue_key(k: &ObjKey) -> QueueKey {
    QueueKey::new(k.namespace.clone(), k.name.clone())
}

pub fn key(q: &&QueueState) -> ObjKey {
    key_of(&q.key)
}

pub fn rows<'a>(app: &'a App, view: &View) -> Vec<&'a QueueState> {
    let queues = &app.queues;
    let mut rows: Vec<&QueueState> = queues
        .by_key
        .values()
        .filter(|q| {
            let jobs: Vec<String> = queues.linked_jobs(&q.key).map(std::string::ToString::to_string).collect();
            let mut fields = vec![q.key.source.as_str(), q.key.name.as_str()];
            fields.extend(jobs.iter().map(String::as_str));
            list::text_matches(&view.filter, &fields)
        })
        .collect();
    match SORTS.get(view.sort).copied() {
        Some("ready") => rows.sort_by_key(|q| std::cmp::Reverse(q.reading.ready)),
        Some("in-flight") => rows.sort_by_key(|q| std::cmp::Reverse(q.reading.in_flight)),
        Some("health") => rows.sort_by_key(|q| q.health(queues.source_of(&q.key)).tone()),
        _ => {}
    }
    if view.descending {
        rows.reverse();
    }
    rows
}

/// A queue's health (`model::queue::Health`: the words, the detail, how bad) and its style.
fn health_of(theme: &Theme, q: &QueueState, queues: &Queues) -> (Health, Style) {
    let health = q.health(queues.source_of(&q.key));
    let style = match health.tone() {
        Tone::Bad => theme.bad,
        Tone::Degraded => theme.warn,
        Tone::Waiting => theme.dim,
        Tone::Good => theme.ok,
    };
    (health, style)
}

/// "ok", "not found", "reconnecting: connection refused", "stuck: 1 orphaned",
/// and its style, for a page (the detail, a Job's queue section).
fn health_cell(theme: &Theme, q: &QueueState, queues: &Queues) -> (String, Style) {
    let (h, style) = health_of(theme, q, queues);
    (format::sanitize(&h.text()), style)
}

/// Linked Jobs as the JOBS column lists them.
fn jobs_text(queues: &Queues, q: &QueueState) -> String {
    queues.linked_jobs(&q.key).map(|k| k.name.clone()).collect::<Vec<_>>().join(",")
}

/// The text of a plain column of a queue (not the sparkline or the health).
/// Queue names come from brokers (SCAN, the management API): sanitised like any outside text.
fn queue_text(queues: &Queues, q: &QueueState, col: usize) -> String {
    let window = queues.rate_window;
    match col {
        0 => format::sanitize(&q.key.source),
        1 => format::sanitize(&q.key.name),
        2 => q.kind_label().to_string(),
        3 => count(q.reading.ready),
        FLIGHT_COL => count(q.reading.in_flight),
        5 => count(q.reading.consumers),
        6 => q.rates(window).map_or_else(|| "-".into(), |r| format::rate(r.rate_in)),
        7 => q.rates(window).map_or_else(|| "-".into(), |r| format::rate(r.rate_out)),
        8 => q.eta(window).map_or_else(|| "-".into(), eta_text),
        _ => jobs_text(queues, q),
    }
}

/// Column indexes of in flight, the sparkline and the health.
const FLIGHT_COL: usize = 4;
const HISTORY_COL: usize = 9;
const HEALTH_COL: usize = 11;

/// What column `col` of a queue needs: names whole, the health word whole,
/// the sparkline whatever it is given.
fn queue_measure(theme: &Theme, queues: &Queues, q: &QueueState, col: usize) -> Option<Measure> {
    match col {
        HISTORY_COL => None,
        HEALTH_COL => {
            let (h, _) = health_of(theme, q, queues);
            Some(Measure::word(h.short_word(), &format!("{}{}", h.short_word(), format::sanitize(&h.detail()))))
        }
        _ => Some(Measure::text(&queue_text(queues, q, col))),
    }
}

fn queue_cell(theme: &Theme, queues: &Queues, q: &QueueState, col: usize, width: u16) -> Cell<'static> {
    let w = width as usize;
    match col {
        0 => cell(format::fit_middle(&queue_text(queues, q, col), w), theme.dim),
        1 => cell(format::fit_middle(&queue_text(queues, q, col), w), theme.text),
        FLIGHT_COL => cell(queue_text(queues, q, col), if q.unfinishable() > 0 { theme.bad } else { theme.text }),
        HISTORY_COL => cell(sparkline(&history(q), w), theme.busy),
        HEALTH_COL => {
            let (h, style) = health_of(theme, q, queues);
            cell(format::fit_word(h.short_word(), &format::sanitize(&h.detail()), w), style)
        }
        // Linked Jobs' names (job-wq-short, job-wq-long) differ at the end: keep it.
        _ => cell(format::fit_middle(&queue_text(queues, q, col), w), theme.text),
    }
}

fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, view: &View) -> Shown {
    let rows = rows(app, view);
    let queues = &app.queues;
    let cell_of = |q: &&QueueState, col: usize, width: u16| queue_cell(theme, queues, q, col, width);
    let measure = |q: &&QueueState, col: usize| queue_measure(theme, queues, q, col);
    let table = ListTable {
        title: list::title(theme, "Queues", rows.len(), queues.by_key.len(), view, SORTS),
        columns: &COLUMNS,
        measure: &measure,
        measure_key: None,
        items: &rows,
        key: &key,
        cell: &cell_of,
        empty: empty_text(app, theme, !view.filter.is_empty()),
    };
    // Config problems stay in sight here (the start-up flash is gone after a few seconds).
    let notes: Vec<String> = app
        .config_problems
        .iter()
        .map(|p| format!(" config: {p}"))
        .chain(app.queues.link_notes.iter().map(|n| format!(" not linked: {n}")))
        .collect();
    let problems = if rows.is_empty() { 0 } else { notes.len().min(3) as u16 };
    let [list_area, problem_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Fill(1),
        ratatui::layout::Constraint::Length(problems),
    ])
    .areas(area);
    let shown = list::render(frame, list_area, view, theme, table);
    if problems > 0 {
        let lines: Vec<Line> = notes
            .iter()
            .take(problems as usize)
            .map(|n| Line::styled(format::fit(&format::sanitize(n), area.width as usize), theme.bad))
            .collect();
        frame.render_widget(Paragraph::new(lines), problem_area);
    }
    shown
}

fn empty_text(app: &App, theme: &Theme, filtered: bool) -> ratatui::text::Text<'static> {
    if filtered {
        return Line::styled(" no queues match the filter (Esc clears it)", theme.dim).into();
    }
    let mut lines = vec![Line::styled(
        " no queues: none configured, and no Job's env names one (BROKER_URL + QUEUE, REDIS_HOST + QUEUE)",
        theme.dim,
    )];
    lines.push(Line::styled(" see config/batchtop.example.toml ([[redis]], [[rabbitmq]], [[link]])", theme.dim));
    for p in &app.config_problems {
        lines.push(Line::styled(format!(" config: {}", format::sanitize(&p.to_string())), theme.bad));
    }
    for n in &app.queues.link_notes {
        lines.push(Line::styled(format!(" not linked: {}", format::sanitize(&n.to_string())), theme.warn));
    }
    lines.into()
}

fn history(q: &QueueState) -> Vec<u64> {
    q.history.iter().map(model::queue::Sample::left).collect()
}

fn eta_text(d: std::time::Duration) -> String {
    if d.is_zero() { "empty".into() } else { format::duration(chrono::Duration::seconds(d.as_secs() as i64)) }
}

/// The Queue detail page.
fn render_detail(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, view: &View, key: &QueueKey) -> Shown {
    let title = format!(" Queue {} ", format::sanitize(&key.to_string()));
    super::document(frame, area, theme, title, view, |width| match app.queues.by_key.get(key) {
        Some(q) => detail_lines(app, theme, q, width),
        None => vec![Line::styled(
            format!(" Queue {} is no longer watched.", format::sanitize(&key.to_string())),
            theme.warn,
        )],
    })
}

pub fn detail_lines(app: &App, theme: &Theme, q: &QueueState, width: u16) -> Vec<Line<'static>> {
    let queues = &app.queues;
    let window = queues.rate_window;
    let mut out = Vec::new();
    let (health, style) = health_cell(theme, q, queues);
    let source = queues.source_of(&q.key);
    out.push(Line::from(vec![
        Span::styled(" health ", theme.dim),
        Span::styled(format::fit(&health, width.saturating_sub(8) as usize), style),
    ]));
    if let Some(s) = source {
        let kind = format!("{} {}", s.kind.label(), q.kind_label());
        let mut pairs = vec![("source", s.name.clone()), ("kind", kind), ("url", format::sanitize(&s.display))];
        if let Some(t) = s.last_ok {
            pairs.push(("polled", format!("{} ago", format::age(Some(t), app.now))));
        }
        out.push(kv(theme, &pairs));
        if let Some(e) = &s.management_error {
            out.push(Line::styled(
                format::fit(&format!(" management API: {}", format::sanitize(e)), width as usize),
                theme.warn,
            ));
        }
    }
    let mut counts = vec![
        ("ready", count(q.reading.ready)),
        ("in flight", count(q.reading.in_flight)),
        ("consumers", count(q.reading.consumers)),
    ];
    if let Some(r) = q.rates(window) {
        counts.push(("in", format::rate(r.rate_in)));
        counts.push(("out", format::rate(r.rate_out)));
    }
    counts.push(("eta", q.eta(window).map_or_else(|| "-".into(), eta_text)));
    out.push(kv(theme, &counts));
    if let Some(b) = &q.reading.broker {
        let mut pairs = Vec::new();
        if let Some(u) = b.consumer_utilisation {
            pairs.push(("consumer utilisation", format!("{:.0}%", u * 100.0)));
        }
        if let Some(i) = &b.idle_since {
            pairs.push(("idle since", format::sanitize(i)));
        }
        if !pairs.is_empty() {
            out.push(kv(theme, &pairs));
        }
    }
    out.extend(dead_letter_lines(queues, q, theme, width));
    out.push(Line::styled(format!(" rates and ETA over the last {}s of samples", window.as_secs()), theme.dim));
    out.push(Line::raw(""));
    out.extend(history_section(q, theme, width));
    let warnings: Vec<QueueWarning> =
        queues.warnings(&app.state.jobs).into_iter().filter(|w| w.queue == q.key).collect();
    if !warnings.is_empty() {
        out.push(Line::raw(""));
        out.push(heading(theme, "WARNINGS"));
        out.extend(warnings.iter().map(|w| warning_line(theme, w, width)));
    }
    if q.processing().is_some() {
        out.push(Line::raw(""));
        out.extend(lease_section(q, theme, width));
    }
    if let Some(s) = &q.reading.stream {
        out.push(Line::raw(""));
        out.extend(stream_section(s, theme, width));
    }
    if let Some(t) = &q.reading.tasks {
        out.push(Line::raw(""));
        out.extend(tasks_section(t, theme, width));
    }
    out.push(Line::raw(""));
    out.extend(linked_jobs_section(app, theme, &q.key, width));
    out
}

fn history_section(q: &QueueState, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let values = history(q);
    let mut out = vec![heading(theme, "HISTORY (items left: ready + in flight)")];
    if values.is_empty() {
        out.push(Line::styled(" no samples yet", theme.dim));
        return out;
    }
    let max = values.iter().max().copied().unwrap_or(0);
    let span = match (q.history.front(), q.history.back()) {
        (Some(a), Some(b)) => format::duration(b.at - a.at),
        _ => "-".into(),
    };
    out.push(Line::from(vec![
        Span::raw(" "),
        Span::styled(sparkline(&values, width.saturating_sub(2) as usize), theme.busy),
    ]));
    out.push(Line::styled(format!(" last {span}, max {max}, now {}", values.last().copied().unwrap_or(0)), theme.dim));
    out
}

fn lease_section(q: &QueueState, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let processing = q.processing().unwrap_or(0);
    let mut out = vec![heading(
        theme,
        &format!(
            "LEASES ({}:processing: {processing} items, {} checked)",
            format::sanitize(&q.key.name),
            q.leases().len()
        ),
    )];
    if q.leases().is_empty() {
        out.push(Line::styled(" nothing in processing", theme.dim));
    }
    for l in q.leases() {
        let (state, style) = match (&l.owner, q.is_orphaned(l)) {
            (_, true) => ("ORPHANED: no lease, nobody will finish it".to_string(), theme.bad),
            (None, false) => ("no lease (checking again next poll)".to_string(), theme.warn),
            (Some(o), _) => {
                let left = l.ttl_ms.map_or_else(|| "no expiry".into(), |ms| format!("{:.1}s left", ms as f64 / 1000.0));
                (format!("owner {} · {left}", format::fit(o, 40)), theme.text)
            }
        };
        let text = format!(" {:<20} {state}", format::fit(&l.item, 20));
        out.push(Line::styled(format::fit(&text, width as usize), style));
    }
    out
}

fn idle_text(ms: u64) -> String {
    format::duration(chrono::Duration::milliseconds(ms as i64))
}

/// A stream's consumer groups, each with its consumers: lag, pending, idle
/// time, and which hold entries for nobody.
fn stream_section(s: &StreamReading, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let w = width as usize;
    let shown =
        if s.groups_total > s.groups.len() { format!(", first {} shown", s.groups.len()) } else { String::new() };
    let mut out = vec![heading(
        theme,
        &format!("CONSUMER GROUPS (stream length {}, {} group(s){shown})", s.length, s.groups_total),
    )];
    if s.groups.is_empty() {
        out.push(Line::styled(" no consumer group yet: every entry is waiting", theme.dim));
    }
    let unserved: Vec<&str> = s.unserved().map(|g| g.name.as_str()).collect();
    let idle_after = idle_text(s.idle_after.as_millis() as u64);
    for g in &s.groups {
        let lag = g.lag.map_or_else(|| "?".into(), |l| l.to_string());
        let oldest = g.oldest_pending.as_ref().map(|id| format!(" · oldest {id}")).unwrap_or_default();
        let text = format!(
            " {:<16} lag {lag} · pending {} · consumers {}{oldest}",
            format::fit(&g.name, 16),
            g.pending,
            g.consumers_total
        );
        let style = if unserved.contains(&g.name.as_str()) { theme.warn } else { theme.text };
        out.push(Line::styled(format::fit(&text, w), style));
        for c in &g.consumers {
            let (state, style) = if c.pending > 0 && s.is_idle(c) {
                (format!(" · ABANDONED: idle over {idle_after}, nobody will ack"), theme.bad)
            } else {
                (String::new(), theme.text)
            };
            let text = format!(
                "   {:<22} pending {} · idle {}{state}",
                format::fit(&c.name, 22),
                c.pending,
                idle_text(c.idle_ms)
            );
            out.push(Line::styled(format::fit(&text, w), style));
        }
        let more = g.consumers_total.saturating_sub(g.consumers.len() as u64);
        if more > 0 {
            out.push(Line::styled(format!("   and {more} more consumer(s), not inspected"), theme.dim));
        }
    }
    out
}

/// A task framework's queue: its tasks by state, its workers (heartbeat,
/// busy, which went silent) and the tasks nobody will finish.
fn tasks_section(t: &TaskQueueReading, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let w = width as usize;
    // Worker names as wide as the longest, up to half the line: the rest of a line is short.
    let names =
        t.workers.iter().flatten().map(|wk| wk.name.as_str()).chain(t.lost.iter().filter_map(|l| l.worker.as_deref()));
    let name_w = names.map(|n| n.chars().count()).max().unwrap_or(0).clamp(8, (w / 2).max(8));
    let threshold = match (t.framework, t.threshold) {
        (Framework::Celery, Some(d)) => format!(", visibility timeout {}", idle_text(d.as_millis() as u64)),
        (Framework::Sidekiq, Some(d)) => format!(", silent after {}", idle_text(d.as_millis() as u64)),
        _ => String::new(),
    };
    let mut out = vec![heading(theme, &format!("{} TASKS{threshold}", t.framework.label().to_uppercase()))];
    let states: Vec<(&str, String)> = t.states.iter().map(|s| (s.state, s.count.to_string())).collect();
    out.extend(wrapped_kv(theme, &states, w));
    if let Some(workers) = &t.workers {
        let total = t.workers_total.unwrap_or(workers.len() as u64);
        out.push(Line::raw(""));
        out.push(heading(theme, &format!("WORKERS ({total})")));
        if workers.is_empty() {
            out.push(Line::styled(" none registered", theme.dim));
        }
        for wk in workers {
            let beat = wk.beat_age_ms.map_or_else(|| "no heartbeat".into(), |ms| format!("beat {} ago", idle_text(ms)));
            let busy = wk.busy.map(|b| format!(" · busy {b}")).unwrap_or_default();
            let state = wk.state.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
            let text = format!(" {:<name_w$} {beat}{busy}{state}", format::fit_middle(&wk.name, name_w));
            out.push(Line::styled(format::fit(&text, w), if wk.gone { theme.bad } else { theme.text }));
        }
        let more = total.saturating_sub(workers.len() as u64);
        if more > 0 {
            out.push(Line::styled(format!(" and {more} more, not inspected"), theme.dim));
        }
    }
    out.push(Line::raw(""));
    out.push(heading(theme, &format!("LOST TASKS ({})", t.lost_total)));
    if t.lost.is_empty() {
        out.push(Line::styled(" none", theme.dim));
    }
    for l in &t.lost {
        let worker =
            l.worker.as_ref().map(|w| format!(" · worker {}", format::fit_middle(w, name_w))).unwrap_or_default();
        let age = l.age_ms.map(|ms| format!(" · {} ago", idle_text(ms))).unwrap_or_default();
        out.push(Line::styled(format::fit(&format!(" {}{worker}{age}", format::fit(&l.id, 36)), w), theme.bad));
    }
    if t.lost_total > t.lost.len() as u64 {
        out.push(Line::styled(format!(" and {} more", t.lost_total - t.lost.len() as u64), theme.bad));
    }
    out
}

/// RabbitMQ: the delivery limit, redeliveries and where dead letters go;
/// for a dead-letter queue, whose dead letters it holds.
fn dead_letter_lines(queues: &Queues, q: &QueueState, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut pairs = Vec::new();
    if let Some(r) = &q.reading.rabbit {
        if let Some(l) = r.delivery_limit {
            pairs.push(("delivery limit", l.to_string()));
        }
        if let Some(n) = r.redelivered {
            pairs.push(("redelivered", n.to_string()));
        }
        if !r.dead_letter_queues.is_empty() {
            let into: Vec<String> = r.dead_letter_queues.iter().map(|d| format::sanitize(d)).collect();
            pairs.push(("dead letters", format!("→ {} ({})", into.join(", "), count(r.dead_lettered))));
        } else if let Some(x) = &r.dead_letter_exchange {
            pairs.push(("dead letters", format!("→ exchange {:?}", format::sanitize(x))));
        }
    }
    let of: Vec<String> = queues.dead_letter_of(&q.key).map(|k| format::sanitize(&k.name)).collect();
    if !of.is_empty() {
        pairs.push(("dead-letter queue of", of.join(", ")));
    }
    wrapped_kv(theme, &pairs, width as usize)
}

/// `kv` lines, as many pairs on each as fit in `width` (at least one).
fn wrapped_kv(theme: &Theme, pairs: &[(&str, String)], width: usize) -> Vec<Line<'static>> {
    let separator = " · ".chars().count();
    let mut out = Vec::new();
    // The line under way: its first pair and the cells it uses (a leading space).
    let (mut start, mut used) = (0, 1);
    for (i, (k, v)) in pairs.iter().enumerate() {
        let pair = k.chars().count() + 1 + v.chars().count();
        if i > start && used + separator + pair > width {
            out.push(kv(theme, &pairs[start..i]));
            (start, used) = (i, 1 + pair);
        } else {
            used += if i > start { separator } else { 0 } + pair;
        }
    }
    if start < pairs.len() {
        out.push(kv(theme, &pairs[start..]));
    }
    out
}

fn warning_line(theme: &Theme, w: &QueueWarning, width: u16) -> Line<'static> {
    let style = if w.is_stuck() { theme.bad } else { theme.warn };
    Line::styled(format::fit(&format!(" ! {}", format::sanitize(&w.message)), width as usize), style)
}

fn linked_jobs_section(app: &App, theme: &Theme, key: &QueueKey, width: u16) -> Vec<Line<'static>> {
    let jobs: Vec<&ObjKey> = app.queues.linked_jobs(key).collect();
    let mut out = vec![heading(theme, "JOBS FED BY THIS QUEUE")];
    if jobs.is_empty() {
        out.push(Line::styled(" none linked (pod env or a [[link]] in the config links a Job)", theme.dim));
    }
    for k in jobs {
        match app.state.jobs.get(k) {
            Some(job) => out.push(job_progress_line(job, theme, width)),
            None => out.push(Line::styled(format!(" {k} (not in the watched scope)"), theme.dim)),
        }
    }
    out
}

fn job_progress_line(job: &JobInfo, theme: &Theme, width: u16) -> Line<'static> {
    // The name whole when the line has room (a bar of 20 and the status beside it).
    let key = job.key.to_string();
    let name_width = key.chars().count().clamp(28, (width as usize).saturating_sub(36).max(28));
    let name = format!(" {:<name_width$} ", format::fit_middle(&key, name_width));
    let bar_width = width.saturating_sub(name.chars().count() as u16 + 14).min(40);
    let mut spans = vec![Span::styled(name, theme.text)];
    spans.extend(bar::bar_spans(&job.progress(), bar_width, theme));
    spans.push(Span::styled(format!(" {}", job.status_text()), theme.dim));
    Line::from(spans)
}

/// The queue section of the Job detail page: each queue the Job works, inline,
/// with its warnings. Empty when the Job is linked to no queue.
pub fn job_section(
    queues: &Queues,
    jobs: &model::Store<JobInfo>,
    job: &ObjKey,
    theme: &Theme,
    width: u16,
    now: Time,
) -> Vec<Line<'static>> {
    let keys: Vec<&QueueKey> = queues.queues_of_job(job).collect();
    let notes: Vec<Line<'static>> = queues
        .link_notes
        .iter()
        .filter(|n| n.job == *job)
        .map(|n| Line::styled(format!(" {}", format::sanitize(&n.to_string())), theme.warn))
        .collect();
    if keys.is_empty() {
        return if notes.is_empty() { notes } else { [vec![heading(theme, "QUEUE")], notes].concat() };
    }
    let window = queues.rate_window;
    let warnings = queues.warnings(jobs);
    let mut out = vec![heading(theme, "QUEUE")];
    out.extend(notes);
    for k in keys {
        let Some(q) = queues.by_key.get(k) else {
            out.push(Line::styled(
                format!(" {}: waiting for the first poll", format::sanitize(&k.to_string())),
                theme.dim,
            ));
            continue;
        };
        let (health, style) = health_cell(theme, q, queues);
        let mut spans = vec![
            Span::styled(format!(" {} ", format::sanitize(&k.to_string())), theme.text),
            Span::styled(
                format!(
                    "ready {} · in flight {} · consumers {}",
                    count(q.reading.ready),
                    count(q.reading.in_flight),
                    count(q.reading.consumers)
                ),
                theme.text,
            ),
        ];
        if let Some(r) = q.rates(window) {
            spans.push(Span::styled(format!(" · out {}", format::rate(r.rate_out)), theme.text));
        }
        if let Some(eta) = q.eta(window) {
            spans.push(Span::styled(format!(" · eta {}", eta_text(eta)), theme.text));
        }
        spans.push(Span::styled(format!(" · {health}"), style));
        out.push(Line::from(spans));
        let values = history(q);
        if !values.is_empty() {
            let polled = q.last_poll.map(|t| format!(" polled {} ago", format::age(Some(t), now))).unwrap_or_default();
            out.push(Line::from(vec![
                Span::raw(" "),
                Span::styled(sparkline(&values, width.saturating_sub(24).min(60) as usize), theme.busy),
                Span::styled(polled, theme.dim),
            ]));
        }
        for w in warnings.iter().filter(|w| w.queue == *k && (w.jobs.is_empty() || w.jobs.contains(job))) {
            out.push(warning_line(theme, w, width));
        }
    }
    out
}

/// One line for the status bar when some queue source is in trouble.
pub fn sources_summary(queues: &Queues) -> Option<String> {
    let bad: Vec<String> = queues
        .sources
        .values()
        .filter(|s| matches!(s.health, SourceHealth::Reconnecting { .. } | SourceHealth::Unreachable { .. }))
        .map(|s| format!("{} {}", s.name, s.health.label()))
        .collect();
    (!bad.is_empty()).then(|| bad.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::keys::Command;
    use crate::test_support::{render, sample_app};

    #[test]
    fn sparkline_scales_to_the_largest_value_and_keeps_the_newest() {
        assert_eq!(sparkline(&[0, 4, 8], 10), "▁▅█");
        assert_eq!(sparkline(&[0, 0], 10), "▁▁");
        assert_eq!(sparkline(&[9, 1, 2, 3], 2), "▆█");
        assert_eq!(sparkline(&[], 5), "");
    }

    /// The sample console with the sample queues (`testkit::sample::queues`).
    fn sandbox_app() -> App {
        let mut app = sample_app();
        app.queues = testkit::sample::queues(&app.state.jobs);
        app
    }

    use crate::ui::snapshots::snap;

    fn showing(route: Route) -> App {
        let mut app = sandbox_app();
        app.command(Command::ShowTab(4));
        if route != Route::Queues {
            app.details.push(View::new(route));
        }
        app
    }

    #[test]
    fn queues_screen() {
        snap!("queues", showing(Route::Queues));
    }

    #[test]
    fn queue_detail_with_orphaned_lease() {
        snap!("queue_job3", showing(Route::QueueDetail(QueueKey::new("redis", "job3"))));
    }

    #[test]
    fn queue_detail_rabbitmq_with_linked_job() {
        snap!("queue_job1", showing(Route::QueueDetail(QueueKey::new("rabbitmq", "job1"))));
    }

    /// The sample plus stream `tasks` (`testkit::sample::add_stream`).
    fn with_stream(route: Route) -> App {
        let mut app = showing(route);
        testkit::sample::add_stream(&mut app.queues);
        app
    }

    #[test]
    fn queues_screen_with_a_stream() {
        snap!("queues_stream", with_stream(Route::Queues));
    }

    #[test]
    fn queue_detail_of_a_stream_lists_its_groups_and_consumers() {
        snap!("queue_stream", with_stream(Route::QueueDetail(QueueKey::new("redis", "tasks"))));
    }

    /// The sample plus a stream and one queue of each task framework.
    fn with_every_kind(route: Route) -> App {
        let mut app = with_stream(route);
        testkit::sample::add_tasks(&mut app.queues);
        testkit::sample::add_rabbit_kinds(&mut app.queues);
        app
    }

    #[test]
    fn queues_screen_with_every_kind() {
        snap!("queues_every_kind", with_every_kind(Route::Queues));
    }

    #[test]
    fn queue_detail_of_celery_names_the_task_past_its_visibility_timeout() {
        snap!("queue_celery", with_every_kind(Route::QueueDetail(QueueKey::new("redis", "celery-tasks"))));
    }

    #[test]
    fn queue_detail_of_a_quorum_queue_says_where_its_dead_letters_went() {
        snap!("queue_quorum", with_every_kind(Route::QueueDetail(QueueKey::new("rabbitmq", "dlq-tasks"))));
    }

    #[test]
    fn queue_detail_of_a_dead_letter_queue_names_its_source() {
        let mut app = with_every_kind(Route::QueueDetail(QueueKey::new("rabbitmq", "dlq-tasks.dead")));
        let text: String =
            render(&mut app, 100, 30).buffer().content().iter().map(ratatui::buffer::Cell::symbol).collect();
        assert!(text.contains("dead-letter queue of dlq-tasks"), "{text}");
    }

    #[test]
    fn queue_detail_of_sidekiq_lists_its_processes_and_the_silent_ones_work() {
        snap!("queue_sidekiq", with_every_kind(Route::QueueDetail(QueueKey::new("redis", "sidekiq-tasks"))));
    }

    #[test]
    fn job_detail_shows_its_queue_inline() {
        snap!("job_wq_1_queue", showing(Route::JobDetail(ObjKey::new("wq-coarse", "job-wq-1"))));
    }

    #[test]
    fn config_problems_stay_on_the_queues_screen() {
        let mut app = showing(Route::Queues);
        app.config_problems.push(model::settings::ConfigProblem {
            file: "/home/op/.config/batchtop/config.toml".into(),
            line: 12,
            field: "rabbitmq[0].queue_regex".into(),
            message: "not a regular expression: unclosed group".into(),
        });
        let term = render(&mut app, 100, 20);
        let text: String = term.buffer().content().iter().map(ratatui::buffer::Cell::symbol).collect();
        assert!(text.contains("config: /home/op/.config/batchtop/config.toml:12: rabbitmq[0].queue_regex"), "{text}");
    }

    #[test]
    fn hostile_queue_names_cannot_drive_the_terminal() {
        use model::queue::{QueueReading, QueueStatus, QueueUpdate};
        let mut app = showing(Route::Queues);
        let name = "evil\x1b]52;c;aGk=\x07\x1b[2Jname";
        let reading = QueueReading { ready: Some(1), ..QueueReading::with_status(name, QueueStatus::Ok) };
        let at = app.now;
        app.queues.apply(QueueUpdate::Polled {
            source: "redis-old".into(),
            at,
            readings: vec![reading],
            management_error: None,
        });
        let term = render(&mut app, 140, 20);
        let text: String = term.buffer().content().iter().map(ratatui::buffer::Cell::symbol).collect();
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(text.contains("evil"), "the printable part is shown");
    }

    #[test]
    fn enter_on_a_queue_opens_its_detail() {
        let mut app = sandbox_app();
        app.command(Command::ShowTab(4));
        render(&mut app, 120, 30);
        app.command(Command::Open);
        assert!(matches!(app.view().route, Route::QueueDetail(_)), "{:?}", app.view().route);
    }
}
