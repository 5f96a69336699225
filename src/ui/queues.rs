//! Queues: the work queues beside the Jobs they feed. The list (source, queue,
//! ready, in flight, consumers, rates, ETA, sparkline, linked Jobs, health),
//! the Queue detail page (history, rediswq leases, the linked Jobs' progress),
//! and the queue section of the Job detail page.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph};

use super::columns::Column;
use super::job_detail::{heading, kv};
use super::list::{self, ListTable};
use super::theme::Theme;
use super::{bar, cell};
use model::text as format;
use crate::console::app::{App, View};
use model::queue::{QueueKey, QueueState, QueueWarning, Queues, SourceHealth, queue_health};
use model::{JobInfo, ObjKey, Time};

pub const SORTS: &[&str] = &["name", "ready", "in-flight", "health"];

const COLUMNS: [Column; 11] = [
    Column::flex("SOURCE", 6, 24, 2),
    Column::flex("QUEUE", 8, 32, 0),
    Column::fixed("READY", 6, 0),
    Column::fixed("FLIGHT", 6, 0),
    Column::fixed("CONS", 4, 3),
    Column::fixed("IN", 6, 4),
    Column::fixed("OUT", 6, 1),
    Column::fixed("ETA", 6, 3),
    Column::flex("HISTORY", 8, 30, 5),
    Column::flex("JOBS", 8, 40, 2),
    Column::flex("HEALTH", 6, 60, 0),
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
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
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

fn health_rank(q: &QueueState, queues: &Queues) -> u8 {
    match queue_health(q, queues.source_of(&q.key)).0.as_str() {
        "ok" => 3,
        "pending" | "connecting" => 2,
        "reconnecting" => 1,
        _ => 0,
    }
}

pub fn rows<'a>(app: &'a App, view: &View) -> Vec<&'a QueueState> {
    let queues = &app.queues;
    let mut rows: Vec<&QueueState> = queues
        .queues
        .values()
        .filter(|q| {
            let jobs: Vec<String> = queues.linked_jobs(&q.key).map(|k| k.to_string()).collect();
            let mut fields = vec![q.key.source.as_str(), q.key.name.as_str()];
            fields.extend(jobs.iter().map(String::as_str));
            list::text_matches(&view.filter, &fields)
        })
        .collect();
    match SORTS.get(view.sort).copied() {
        Some("ready") => rows.sort_by_key(|q| std::cmp::Reverse(q.ready)),
        Some("in-flight") => rows.sort_by_key(|q| std::cmp::Reverse(q.in_flight)),
        Some("health") => rows.sort_by_key(|q| health_rank(q, queues)),
        _ => {}
    }
    if view.descending {
        rows.reverse();
    }
    rows
}

fn health_style(theme: &Theme, health: &str) -> Style {
    match health {
        "ok" => theme.ok,
        "pending" | "connecting" => theme.dim,
        "reconnecting" => theme.warn,
        _ => theme.bad,
    }
}

/// "ok", "not found", "reconnecting: connection refused", "stuck: 1 orphaned".
fn health_text(q: &QueueState, queues: &Queues) -> (String, String) {
    let (health, error) = queue_health(q, queues.source_of(&q.key));
    let orphaned = q.orphaned();
    let text = match (&error, orphaned) {
        (Some(e), _) => format!("{health}: {}", format::sanitize(e)),
        (None, n) if n > 0 && health == "ok" => format!("stuck: {n} orphaned"),
        _ => health.clone(),
    };
    let style_key = if orphaned > 0 && health == "ok" { "stuck".to_string() } else { health };
    (text, style_key)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, view: &mut View) {
    let rows = rows(app, view);
    let theme = &app.theme;
    let queues = &app.queues;
    let window = queues.rate_window;
    let cell_of = |q: &&QueueState, col: usize, width: u16| -> Cell<'static> {
        match col {
            // Queue names come from brokers (SCAN, the management API): sanitised like any outside text.
            0 => cell(format::fit(&format::sanitize(&q.key.source), width as usize), theme.dim),
            1 => cell(format::fit_middle(&format::sanitize(&q.key.name), width as usize), theme.text),
            2 => cell(count(q.ready), theme.text),
            3 => cell(count(q.in_flight), if q.orphaned() > 0 { theme.bad } else { theme.text }),
            4 => cell(count(q.consumers), theme.text),
            5 => cell(q.rates(window).map(|r| format::rate(r.rate_in)).unwrap_or_else(|| "-".into()), theme.text),
            6 => cell(q.rates(window).map(|r| format::rate(r.rate_out)).unwrap_or_else(|| "-".into()), theme.text),
            7 => cell(q.eta(window).map(eta_text).unwrap_or_else(|| "-".into()), theme.text),
            8 => cell(sparkline(&history(q), width as usize), theme.busy),
            9 => {
                let jobs: Vec<String> = queues.linked_jobs(&q.key).map(|k| k.name.clone()).collect();
                cell(format::fit(&jobs.join(","), width as usize), theme.text)
            }
            _ => {
                let (text, style) = health_text(q, queues);
                cell(format::fit(&text, width as usize), health_style(theme, &style))
            }
        }
    };
    let mut columns = COLUMNS;
    columns[0] = columns[0].fit_content(rows.iter().map(|q| q.key.source.len()).max().unwrap_or(0));
    columns[1] = columns[1].fit_content(rows.iter().map(|q| q.key.name.len()).max().unwrap_or(0));
    let job_width =
        rows.iter().map(|q| queues.linked_jobs(&q.key).map(|k| k.name.len() + 1).sum::<usize>()).max().unwrap_or(0);
    columns[9] = columns[9].fit_content(job_width);
    columns[10] =
        columns[10].fit_content(rows.iter().map(|q| health_text(q, queues).0.chars().count()).max().unwrap_or(0));
    let table = ListTable {
        title: list::title(theme, "Queues", rows.len(), queues.queues.len(), view, SORTS),
        columns: &columns,
        items: &rows,
        key: &key,
        cell: &cell_of,
        empty: empty_text(app, !view.filter.is_empty()),
    };
    // Config problems stay in sight here (the start-up flash is gone after a few seconds).
    let problems = if rows.is_empty() { 0 } else { app.config_problems.len().min(3) as u16 };
    let [list_area, problem_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Fill(1),
        ratatui::layout::Constraint::Length(problems),
    ])
    .areas(area);
    list::render(frame, list_area, view, theme, table);
    if problems > 0 {
        let lines: Vec<Line> = app
            .config_problems
            .iter()
            .take(problems as usize)
            .map(|p| {
                Line::styled(
                    format::fit(&format!(" config: {}", format::sanitize(&p.to_string())), area.width as usize),
                    theme.bad,
                )
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), problem_area);
    }
}

fn empty_text(app: &App, filtered: bool) -> ratatui::text::Text<'static> {
    let theme = &app.theme;
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
    lines.into()
}

fn history(q: &QueueState) -> Vec<u64> {
    q.history.iter().map(|s| s.left()).collect()
}

fn eta_text(d: std::time::Duration) -> String {
    if d.is_zero() { "empty".into() } else { format::duration(chrono::Duration::seconds(d.as_secs() as i64)) }
}

/// The Queue detail page.
pub fn render_detail(frame: &mut Frame, area: Rect, app: &App, view: &mut View, key: &QueueKey) {
    let theme = &app.theme;
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(format!(" Queue {} ", format::sanitize(&key.to_string())), theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = match app.queues.queues.get(key) {
        Some(q) => detail_lines(app, q, inner.width),
        None => vec![Line::styled(
            format!(" Queue {} is no longer watched.", format::sanitize(&key.to_string())),
            theme.warn,
        )],
    };
    let max = (lines.len() as u16).saturating_sub(inner.height);
    view.scroll = view.scroll.min(max);
    view.page = inner.height.max(1) as usize;
    frame.render_widget(Paragraph::new(lines).scroll((view.scroll, 0)), inner);
}

pub fn detail_lines(app: &App, q: &QueueState, width: u16) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let queues = &app.queues;
    let window = queues.rate_window;
    let mut out = Vec::new();
    let (health, style) = health_text(q, queues);
    let source = queues.source_of(&q.key);
    out.push(Line::from(vec![
        Span::styled(" health ", theme.dim),
        Span::styled(format::fit(&health, width.saturating_sub(8) as usize), health_style(theme, &style)),
    ]));
    if let Some(s) = source {
        let mut pairs = vec![
            ("source", s.name.clone()),
            ("kind", s.kind.label().to_string()),
            ("url", format::sanitize(&s.display)),
        ];
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
    let mut counts =
        vec![("ready", count(q.ready)), ("in flight", count(q.in_flight)), ("consumers", count(q.consumers))];
    if let Some(r) = q.rates(window) {
        counts.push(("in", format::rate(r.rate_in)));
        counts.push(("out", format::rate(r.rate_out)));
    }
    counts.push(("eta", q.eta(window).map(eta_text).unwrap_or_else(|| "-".into())));
    out.push(kv(theme, &counts));
    if let Some(b) = &q.broker {
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
    if q.processing.is_some() {
        out.push(Line::raw(""));
        out.extend(lease_section(q, theme, width));
    }
    out.push(Line::raw(""));
    out.extend(linked_jobs_section(app, &q.key, width));
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
    let processing = q.processing.unwrap_or(0);
    let mut out = vec![heading(
        theme,
        &format!(
            "LEASES ({}:processing: {processing} items, {} checked)",
            format::sanitize(&q.key.name),
            q.leases.len()
        ),
    )];
    if q.leases.is_empty() {
        out.push(Line::styled(" nothing in processing", theme.dim));
    }
    for l in &q.leases {
        let (state, style) = match (&l.owner, l.orphaned) {
            (_, true) => ("ORPHANED: no lease, nobody will finish it".to_string(), theme.bad),
            (None, false) => ("no lease (checking again next poll)".to_string(), theme.warn),
            (Some(o), _) => {
                let left =
                    l.ttl_ms.map(|ms| format!("{:.1}s left", ms as f64 / 1000.0)).unwrap_or_else(|| "no expiry".into());
                (format!("owner {} · {left}", format::fit(o, 40)), theme.text)
            }
        };
        let text = format!(" {:<20} {state}", format::fit(&l.item, 20));
        out.push(Line::styled(format::fit(&text, width as usize), style));
    }
    out
}

fn warning_line(theme: &Theme, w: &QueueWarning, width: u16) -> Line<'static> {
    let style = if w.is_stuck() { theme.bad } else { theme.warn };
    Line::styled(format::fit(&format!(" ! {}", format::sanitize(&w.message)), width as usize), style)
}

fn linked_jobs_section(app: &App, key: &QueueKey, width: u16) -> Vec<Line<'static>> {
    let theme = &app.theme;
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
    let name = format!(" {:<28} ", format::fit_middle(&job.key.to_string(), 28));
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
    if keys.is_empty() {
        return Vec::new();
    }
    let window = queues.rate_window;
    let warnings = queues.warnings(jobs);
    let mut out = vec![heading(theme, "QUEUE")];
    for k in keys {
        let Some(q) = queues.queues.get(k) else {
            out.push(Line::styled(
                format!(" {}: waiting for the first poll", format::sanitize(&k.to_string())),
                theme.dim,
            ));
            continue;
        };
        let (health, style) = health_text(q, queues);
        let mut spans = vec![
            Span::styled(format!(" {} ", format::sanitize(&k.to_string())), theme.text),
            Span::styled(
                format!(
                    "ready {} · in flight {} · consumers {}",
                    count(q.ready),
                    count(q.in_flight),
                    count(q.consumers)
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
        spans.push(Span::styled(format!(" · {health}"), health_style(theme, &style)));
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

    #[test]
    fn sparkline_scales_to_the_largest_value_and_keeps_the_newest() {
        assert_eq!(sparkline(&[0, 4, 8], 10), "▁▅█");
        assert_eq!(sparkline(&[0, 0], 10), "▁▁");
        assert_eq!(sparkline(&[9, 1, 2, 3], 2), "▆█");
        assert_eq!(sparkline(&[], 5), "");
    }

    /// The sandbox's queues as the console would hold them after a minute of
    /// polls: job1 (RabbitMQ, draining, linked from job-wq-1's env), job2
    /// (Redis, rediswq, one live lease), job3 (an orphaned lease), a configured
    /// queue that does not exist, and a Redis source that went away.
    fn sandbox_app() -> crate::console::app::App {
        use crate::console::app::{App, Connection, Target};
        use model::queue::*;
        use model::scope::Namespaces;
        let now = testkit::sample::now();
        let target = Target { context: "sandbox".into(), namespaces: Namespaces::All, selector: None };
        let mut app = App::new(target, vec!["sandbox".into()], Theme::default_16(), now);
        app.state = testkit::sample::state();
        app.connection = Connection::Connected;
        let q = &mut app.queues;
        for (source, kind, url) in [
            ("rabbitmq", BrokerKind::RabbitMq, "amqp://guest:***@127.0.0.1:16672/%2f"),
            ("redis", BrokerKind::Redis, "redis://127.0.0.1:16379/0"),
            ("redis-old", BrokerKind::Redis, "redis://127.0.0.1:1/0"),
        ] {
            q.apply(QueueUpdate::Started { source: source.into(), kind, display: url.into(), queues: vec![] });
        }
        q.set_links(
            [
                (QueueKey::new("rabbitmq", "job1"), [ObjKey::new("wq-coarse", "job-wq-1")].into()),
                (QueueKey::new("redis", "job2"), [ObjKey::new("wq-fine", "job-wq-2")].into()),
            ]
            .into(),
        );
        for i in 0..30i64 {
            let at = now - chrono::Duration::seconds(60 - 2 * i);
            let left = (8 - i / 6).max(3) as u64;
            let job1 = QueueReading {
                ready: Some(left - 2),
                in_flight: Some(2),
                consumers: Some(2),
                broker: Some(BrokerStats {
                    publish_rate: Some(0.0),
                    out_rate: Some(0.1),
                    consumer_utilisation: Some(1.0),
                    idle_since: None,
                }),
                ..QueueReading::with_status("job1", QueueStatus::Ok)
            };
            let lease = |item: &str, owner: Option<&str>| LeaseItem {
                item: item.into(),
                hash: format!("hash-{item}"),
                owner: owner.map(str::to_string),
                ttl_ms: owner.map(|_| 7400),
            };
            let job2 = QueueReading {
                ready: Some(((20 - i) / 3).max(0) as u64),
                in_flight: Some(1),
                consumers: None,
                leases: Some(LeaseReading {
                    processing: 1,
                    items: vec![lease("melon", Some("8c1f0d2e-5a0b-4c7e-9f1e-2b3c4d5e6f70"))],
                }),
                ..QueueReading::with_status("job2", QueueStatus::Ok)
            };
            let job3 = QueueReading {
                ready: Some(0),
                in_flight: Some(1),
                leases: Some(LeaseReading { processing: 1, items: vec![lease("kiwi", None)] }),
                ..QueueReading::with_status("job3", QueueStatus::Ok)
            };
            q.apply(QueueUpdate::Polled {
                source: "rabbitmq".into(),
                at,
                readings: vec![job1, QueueReading::not_found("missing")],
                management_error: None,
            });
            q.note_poll("rabbitmq", &app.state.jobs);
            q.apply(QueueUpdate::Polled {
                source: "redis".into(),
                at,
                readings: vec![job2, job3],
                management_error: None,
            });
            q.note_poll("redis", &app.state.jobs);
        }
        q.apply(QueueUpdate::Polled {
            source: "redis-old".into(),
            at: now - chrono::Duration::seconds(90),
            readings: vec![QueueReading { ready: Some(4), ..QueueReading::with_status("jobs", QueueStatus::Ok) }],
            management_error: None,
        });
        q.apply(QueueUpdate::Failed {
            source: "redis-old".into(),
            at: now,
            error: "Connection refused (os error 111)".into(),
        });
        app
    }

    use crate::ui::snapshots::{render, snap};

    fn showing(screen: crate::console::app::Screen) -> crate::console::app::App {
        let mut app = sandbox_app();
        app.action(crate::console::keys::Action::ShowQueues);
        if screen != crate::console::app::Screen::Queues {
            app.details.push(crate::console::app::View::new(screen));
        }
        app
    }

    #[test]
    fn queues_screen() {
        snap!("queues", showing(crate::console::app::Screen::Queues));
    }

    #[test]
    fn queue_detail_with_orphaned_lease() {
        snap!("queue_job3", showing(crate::console::app::Screen::QueueDetail(QueueKey::new("redis", "job3"))));
    }

    #[test]
    fn queue_detail_rabbitmq_with_linked_job() {
        snap!("queue_job1", showing(crate::console::app::Screen::QueueDetail(QueueKey::new("rabbitmq", "job1"))));
    }

    #[test]
    fn job_detail_shows_its_queue_inline() {
        snap!("job_wq_1_queue", showing(crate::console::app::Screen::JobDetail(ObjKey::new("wq-coarse", "job-wq-1"))));
    }

    #[test]
    fn config_problems_stay_on_the_queues_screen() {
        let mut app = showing(crate::console::app::Screen::Queues);
        app.config_problems.push(model::settings::ConfigProblem {
            file: "/home/op/.config/batchtop/config.toml".into(),
            line: 12,
            field: "rabbitmq[0].queue_regex".into(),
            message: "not a regular expression: unclosed group".into(),
        });
        let term = render(&mut app, 100, 20);
        let text: String = term.buffer().content().iter().map(|c| c.symbol()).collect();
        assert!(text.contains("config: /home/op/.config/batchtop/config.toml:12: rabbitmq[0].queue_regex"), "{text}");
    }

    #[test]
    fn hostile_queue_names_cannot_drive_the_terminal() {
        use model::queue::{QueueReading, QueueStatus, QueueUpdate};
        let mut app = showing(crate::console::app::Screen::Queues);
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
        let text: String = term.buffer().content().iter().map(|c| c.symbol()).collect();
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(text.contains("evil"), "the printable part is shown");
    }

    #[test]
    fn enter_on_a_queue_opens_its_detail() {
        let mut app = sandbox_app();
        app.action(crate::console::keys::Action::ShowQueues);
        render(&mut app, 120, 30);
        app.action(crate::console::keys::Action::Open);
        assert!(matches!(app.view().screen, crate::console::app::Screen::QueueDetail(_)), "{:?}", app.view().screen);
    }
}
