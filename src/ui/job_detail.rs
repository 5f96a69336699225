//! One Job in full, as a scrollable page: the bar and counts, why it failed,
//! the grid of indexes (Indexed Jobs), conditions, the pod failure policy with
//! the rule that fired highlighted, its pods, and recent events.

use std::collections::BTreeSet;

use model::failure_policy::{self, RuleMatch};
use model::indexes::{self, IndexState};
use model::text as format;
use model::timeline;
use model::{EventInfo, JobInfo, Kind, ObjKey, PodInfo, State, Time};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::columns::{self, Column, Measure};
use super::screens::Screen;
use super::theme::Theme;
use super::{bar, jobs, pods};
use crate::console::keys::Keymap;
use crate::console::state::{App, Route, Shown, View};

/// Recent events shown at the bottom.
const EVENTS: usize = 10;
/// Up to this many indexes the grid shows numbers; above, one glyph each.
const NUMBERED_INDEXES: usize = 64;

/// One Job in full.
pub struct JobDetailScreen;

impl Screen for JobDetailScreen {
    fn title(&self, route: &Route) -> String {
        match route {
            Route::JobDetail(key) => format!("job {}", key.name),
            _ => "Job".into(),
        }
    }

    fn keymaps(&self) -> &'static [Keymap] {
        &[Keymap::JobDetail, Keymap::Jobs, Keymap::List, Keymap::Global]
    }

    fn is_list(&self) -> bool {
        false
    }

    fn rows(&self, _app: &App, _view: &View) -> Vec<ObjKey> {
        Vec::new()
    }

    fn row_kind(&self) -> Option<Kind> {
        Some(Kind::Job)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        match &view.route {
            Route::JobDetail(key) => render(frame, area, app, theme, view, key),
            _ => Shown::Nothing,
        }
    }

    fn subject(&self, view: &View) -> Option<ObjKey> {
        match &view.route {
            Route::JobDetail(key) => Some(key.clone()),
            _ => None,
        }
    }
}

fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, view: &View, key: &ObjKey) -> Shown {
    super::document(frame, area, theme, format!(" Job {key} "), view, |width| match app.state.jobs.get(key) {
        Some(job) => {
            let mut page = lines(&app.state, job, app.now, theme, width, app.show_timeline);
            // The queue this Job works goes right under the overview (which ends at the first blank line).
            let queue = super::queues::job_section(&app.queues, &app.state.jobs, key, theme, width, app.now);
            if !queue.is_empty() {
                let at = page.iter().position(|l| l.spans.is_empty() || l.width() == 0).unwrap_or(page.len());
                page.splice(at..at, std::iter::once(Line::raw("")).chain(queue));
            }
            page
        }
        None => vec![Line::styled(format!(" Job {key} is gone (deleted, or outside the watched scope)."), theme.warn)],
    })
}

/// The whole page for a Job, `width` cells wide; with the pod timeline when `timeline`.
pub fn lines(state: &State, job: &JobInfo, now: Time, theme: &Theme, width: u16, timeline: bool) -> Vec<Line<'static>> {
    let pods: Vec<&PodInfo> = state.pods_of_job(&job.key).collect();
    let mut out = Vec::new();
    out.extend(overview(job, &pods, now, theme, width));
    if job.spec.indexed {
        out.push(Line::raw(""));
        out.extend(index_section(state, job, &pods, theme, width));
    }
    out.push(Line::raw(""));
    if timeline {
        let runs = timeline::of_job(job, pods.iter().copied(), state.remembered.of_job(&job.key), now);
        out.extend(super::timeline::section(runs.as_ref(), now, theme, width));
    } else {
        out.push(Line::styled("Timeline  t: show", theme.dim));
    }
    out.push(Line::raw(""));
    out.extend(conditions(job, now, theme, width));
    if !job.spec.failure_rules.is_empty() {
        out.push(Line::raw(""));
        out.extend(failure_policy_section(job, &pods, theme, width));
    }
    out.push(Line::raw(""));
    out.extend(pods_section(&pods, now, theme, width));
    out.push(Line::raw(""));
    out.extend(events_section(state, job, &pods, now, theme, width));
    out
}

/// A section heading of a detail page (also used by the queue detail).
pub(super) fn heading(theme: &Theme, text: &str) -> Line<'static> {
    Line::styled(text.to_string(), theme.header)
}

/// `key value · key value` on one line of a detail page.
pub(super) fn kv(theme: &Theme, pairs: &[(&str, String)]) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(Span::styled(format!("{k} "), theme.dim));
        spans.push(Span::styled(v.clone(), theme.text));
    }
    Line::from(spans)
}

fn overview(job: &JobInfo, pods: &[&PodInfo], now: Time, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let p = job.progress();
    let mut out = vec![
        Line::from([vec![Span::styled(" status ", theme.dim)], jobs::summary(theme, job).spans].concat()),
        Line::from([vec![Span::raw(" ")], bar::bar_line(&p, width.saturating_sub(2).min(72), theme).spans].concat()),
    ];
    let mut counts = vec![
        ("succeeded", p.succeeded.to_string()),
        ("failed", p.failed.to_string()),
        ("active", p.active.to_string()),
    ];
    if let Some(r) = p.ready {
        counts.push(("ready", r.to_string()));
    }
    if let Some(t) = p.terminating.filter(|t| *t > 0) {
        counts.push(("terminating", t.to_string()));
    }
    out.push(kv(theme, &counts));
    let opt = |v: Option<i32>| v.map_or_else(|| "-".into(), |v| v.to_string());
    let mut spec = vec![("completions", opt(job.spec.completions)), ("parallelism", opt(job.spec.parallelism))];
    if let Some((failed, limit)) = job.backoff_usage() {
        spec.push(("backoff", format!("{failed}/{limit}")));
    }
    if let Some(d) = job.spec.active_deadline_seconds {
        spec.push(("deadline", format::duration(chrono::Duration::seconds(d))));
    }
    out.push(kv(theme, &spec));
    let mut timing = vec![
        ("elapsed", job.elapsed(now).map_or_else(|| "-".into(), format::duration)),
        ("age", format::age(job.created, now)),
    ];
    if let Some(eta) = model::eta::job_eta(job, pods.iter().copied(), now) {
        timing.push(("eta", eta.text()));
    }
    if let Some(owner) = &job.owner {
        timing.push(("owner", format!("{} {}", owner.kind, owner.name)));
    }
    out.push(kv(theme, &timing));
    if let Some((reason, message)) = job.failure_reason() {
        let text = format!(" why: {} {}", format::sanitize(reason), format::sanitize(message));
        out.push(Line::styled(format::fit(&text, width as usize), theme.bad));
    }
    out
}

fn index_glyph(state: &IndexState) -> char {
    match state {
        IndexState::Succeeded => '✓',
        IndexState::Failed => '✗',
        IndexState::Running { .. } => '▶',
        IndexState::Pending => '·',
    }
}

fn index_style(theme: &Theme, state: &IndexState) -> ratatui::style::Style {
    match state {
        IndexState::Succeeded => theme.ok,
        IndexState::Failed => theme.bad,
        IndexState::Running { .. } => theme.busy,
        IndexState::Pending => theme.dim,
    }
}

fn index_section(state: &State, job: &JobInfo, pods: &[&PodInfo], theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let states = indexes::index_states(job, pods.iter().copied());
    let mut out = vec![heading(theme, "Indexes")];
    let count = |f: fn(&IndexState) -> bool| states.iter().filter(|s| f(s)).count();
    out.push(kv(
        theme,
        &[
            ("succeeded", count(|s| matches!(s, IndexState::Succeeded)).to_string()),
            ("failed", count(|s| matches!(s, IndexState::Failed)).to_string()),
            ("running", count(|s| matches!(s, IndexState::Running { .. })).to_string()),
            ("pending", count(|s| matches!(s, IndexState::Pending)).to_string()),
        ],
    ));
    out.extend(index_grid(&states, theme, width));
    let mut extra = vec![
        ("completed", job.status.completed_indexes.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())),
        ("failed", job.status.failed_indexes.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())),
    ];
    if let Some(b) = job.spec.backoff_limit_per_index {
        extra.push(("backoffLimitPerIndex", b.to_string()));
    }
    if let Some(m) = job.spec.max_failed_indexes {
        extra.push(("maxFailedIndexes", m.to_string()));
    }
    out.push(kv(theme, &extra));
    for e in indexes::JobIndexes::parse_errors(job) {
        out.push(Line::styled(format!(" bad index string: {e}"), theme.bad));
    }
    let hostname = indexes::pod_hostname(&job.key.name, 0).trim_end_matches('0').to_string();
    match (indexes::pod_dns_name(job, 0), indexes::headless_service_present(job, &state.services)) {
        (Some(_), Some(present)) => {
            let subdomain = job.spec.subdomain.clone().unwrap_or_default();
            let (mark, style, note) = if present {
                ("✓", theme.ok, "headless Service present")
            } else {
                ("✗", theme.bad, "headless Service missing: these names do not resolve")
            };
            out.push(Line::from(vec![
                Span::styled(format!(" DNS {hostname}<i>.{subdomain} "), theme.text),
                Span::styled(format!("{mark} {note}"), style),
            ]));
        }
        _ => out.push(Line::styled(format!(" hostnames {hostname}<i> (no subdomain: no per-pod DNS)"), theme.dim)),
    }
    let running: Vec<String> = states
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            IndexState::Running { pod } => Some(format!("{i}→{pod}")),
            _ => None,
        })
        .collect();
    if !running.is_empty() {
        let text = format!(" running {}", running.join("  "));
        out.push(Line::styled(format::fit(&text, width as usize), theme.busy));
    }
    out
}

/// Small Jobs: "✓0 ✓1 ▶2 ·3" wrapped to the width. Large ones: a glyph per
/// index, rows labelled with their first index.
fn index_grid(states: &[IndexState], theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let width = width.max(10) as usize;
    let mut out = Vec::new();
    if states.len() <= NUMBERED_INDEXES {
        let cell_width = format!("{}", states.len().saturating_sub(1)).len() + 2;
        let per_row = ((width - 1) / cell_width).max(1);
        for (row, chunk) in states.chunks(per_row).enumerate() {
            let mut spans = vec![Span::raw(" ")];
            for (j, s) in chunk.iter().enumerate() {
                let i = row * per_row + j;
                let text = format!("{}{:<w$}", index_glyph(s), i, w = cell_width - 1);
                spans.push(Span::styled(text, index_style(theme, s)));
            }
            out.push(Line::from(spans));
        }
    } else {
        let label = format!("{}", states.len()).len();
        let per_row = (width.saturating_sub(label + 2)).max(8) / 10 * 10;
        for (row, chunk) in states.chunks(per_row.max(10)).enumerate() {
            let mut spans = vec![Span::styled(format!(" {:>label$} ", row * per_row), theme.dim)];
            spans.extend(chunk.iter().map(|s| Span::styled(index_glyph(s).to_string(), index_style(theme, s))));
            out.push(Line::from(spans));
        }
    }
    out
}

fn conditions(job: &JobInfo, now: Time, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut out = vec![heading(theme, "Conditions")];
    if job.status.conditions.is_empty() {
        out.push(Line::styled(" none yet", theme.dim));
    }
    for c in &job.status.conditions {
        let style = match (&*c.type_, c.is_true()) {
            (_, false) => theme.dim,
            ("Failed" | "FailureTarget", true) => theme.bad,
            ("Complete" | "SuccessCriteriaMet", true) => theme.ok,
            ("Suspended", true) => theme.warn,
            _ => theme.text,
        };
        out.push(Line::from(vec![
            Span::styled(format!(" {:<19}", c.type_), style),
            Span::styled(format!("{:<6}", c.status), style),
            Span::styled(format!("{:<24}", format::sanitize(c.reason.as_deref().unwrap_or("-"))), theme.text),
            Span::styled(format::age(c.last_transition, now), theme.dim),
        ]));
        if let Some(m) = c.message.as_deref().filter(|m| !m.is_empty()) {
            out.push(Line::styled(format::fit(&format!("   {}", format::sanitize(m)), width as usize), theme.dim));
        }
    }
    out
}

fn failure_policy_section(job: &JobInfo, pods: &[&PodInfo], theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let matched: Option<RuleMatch> = failure_policy::matched_rule(job, pods.iter().copied());
    let mut out = vec![heading(theme, "Pod failure policy")];
    for (i, rule) in job.spec.failure_rules.iter().enumerate() {
        let hit = matched.as_ref().is_some_and(|m| m.rule_index == i);
        let text = format!("{} {i}  {}", if hit { "▶" } else { " " }, failure_policy::describe_rule(rule));
        let style = if hit { theme.highlight } else { theme.text };
        out.push(Line::styled(format::fit(&text, width as usize), style));
        if let Some(m) = matched.as_ref().filter(|_| hit) {
            out.push(Line::styled(
                format::fit(&format!("     matched: {}", describe_match(m)), width as usize),
                theme.warn,
            ));
        }
    }
    if matched.is_none() {
        out.push(Line::styled("   no rule has matched a failed pod", theme.dim));
    }
    out
}

/// "pod x-abc container main exit code 42" / "pod x-abc condition ConfigIssue".
fn describe_match(m: &RuleMatch) -> String {
    let mut parts = vec![format!("{}", m.action)];
    if let Some(pod) = &m.pod {
        parts.push(format!("pod {pod}"));
    }
    if let Some(c) = &m.container {
        parts.push(format!("container {c}"));
    }
    if let Some(code) = m.exit_code {
        parts.push(format!("exit code {code}"));
    }
    if let Some(cond) = &m.pod_condition {
        parts.push(format!("condition {cond}"));
    }
    format::sanitize(&parts.join(" "))
}

/// Pod conditions that explain something: disruptions and custom ones (like
/// the seed's ConfigIssue); the everyday readiness conditions are left out.
fn notable_conditions(pod: &PodInfo) -> Vec<String> {
    const EVERYDAY: [&str; 5] =
        ["PodScheduled", "Initialized", "ContainersReady", "Ready", "PodReadyToStartContainers"];
    pod.conditions
        .iter()
        .filter(|c| c.is_true() && !EVERYDAY.contains(&&*c.type_))
        .map(|c| match &c.reason {
            Some(r) => format!("{} ({})", c.type_, format::sanitize(r)),
            None => c.type_.to_string(),
        })
        .collect()
}

/// The parts of a pod's line, fitted like a table's columns (`ui::columns`):
/// the name, status and node whole before the restarts and age get room.
const POD_PARTS: [Column; 7] = [
    Column::flex("", 12, 63, 0).whole(),
    Column::flex("", 2, 6, 2),
    Column::flex("", 6, 30, 0).whole(),
    Column::flex("", 4, 8, 1),
    Column::flex("", 10, 12, 4),
    Column::flex("", 8, 40, 3).whole(),
    Column::flex("", 2, 6, 4),
];

/// A pod's line as text: name, index, status, exit code, restarts, node, age.
fn pod_parts(pod: &PodInfo, now: Time) -> [String; 7] {
    let restarts = pod.restarts();
    [
        pod.key.name.clone(),
        pod.completion_index.map(|i| format!("#{i}")).unwrap_or_default(),
        format::sanitize(&pod.status_text()),
        pod.exit_code().map(|code| format!("exit {code}")).unwrap_or_default(),
        if restarts > 0 { format!("restarts {restarts}") } else { String::new() },
        pod.node.clone().unwrap_or_else(|| "-".into()),
        format::age(pod.created, now),
    ]
}

fn pod_line(theme: &Theme, pod: &PodInfo, parts: &[String; 7], fitted: &[(usize, u16)]) -> Line<'static> {
    let exit_style = if pod.exit_code().is_some_and(|c| c != 0) { theme.bad } else { theme.dim };
    let styles = [theme.text, theme.dim, pods::status_style(theme, pod), exit_style, theme.warn, theme.dim, theme.dim];
    let mut spans = vec![Span::raw(" ")];
    for &(i, w) in fitted.iter().filter(|(_, w)| *w > 0) {
        let w = usize::from(w);
        // Names keep their distinguishing end (a pod's hash, a node's number).
        let text = if matches!(i, 0 | 5) { format::fit_middle(&parts[i], w) } else { format::fit(&parts[i], w) };
        spans.push(Span::styled(format!("{text:<w$} "), styles[i]));
    }
    Line::from(spans)
}

fn pods_section(pods: &[&PodInfo], now: Time, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut out = vec![heading(theme, &format!("Pods ({})  p: pod table", pods.len()))];
    if pods.is_empty() {
        out.push(Line::styled(" none", theme.dim));
    }
    let parts: Vec<[String; 7]> = pods.iter().map(|p| pod_parts(p, now)).collect();
    let specs: Vec<Column> = POD_PARTS
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let measure = |p: &[String; 7]| if i == 2 { Measure::exact(&p[i]) } else { Measure::text(&p[i]) };
            spec.measured(parts.iter().map(measure).reduce(Measure::max).unwrap_or_default())
        })
        .collect();
    let fitted = columns::fit(&specs, width.saturating_sub(1), 1);
    for (pod, parts) in pods.iter().zip(&parts) {
        out.push(pod_line(theme, pod, parts, &fitted));
        let mut notes = notable_conditions(pod);
        if let Some(reason) = pods::reason(pod).filter(|r| !notes.iter().any(|n| n.contains(r))) {
            notes.insert(0, format::sanitize(&reason));
        }
        if !notes.is_empty() {
            out.push(Line::styled(format::fit(&format!("   {}", notes.join(", ")), width as usize), theme.warn));
        }
    }
    out
}

/// Events about the Job or its pods, newest first.
pub fn events_of<'a>(state: &'a State, job: &'a JobInfo, pods: &[&PodInfo]) -> Vec<&'a EventInfo> {
    let pod_names: BTreeSet<&str> = pods.iter().map(|p| p.key.name.as_str()).collect();
    let mut events: Vec<&EventInfo> = state
        .events
        .in_namespace(&job.key.namespace)
        .filter(|e| {
            (e.involved_kind == "Job" && e.involved_name == job.key.name)
                || (e.involved_kind == "Pod" && pod_names.contains(e.involved_name.as_str()))
        })
        .collect();
    events.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.key.cmp(&b.key)));
    events.truncate(EVENTS);
    events
}

fn events_section(
    state: &State,
    job: &JobInfo,
    pods: &[&PodInfo],
    now: Time,
    theme: &Theme,
    width: u16,
) -> Vec<Line<'static>> {
    let events = events_of(state, job, pods);
    let mut out = vec![heading(theme, "Recent events")];
    if events.is_empty() {
        out.push(Line::styled(" none", theme.dim));
    }
    for e in events {
        let style = if e.type_ == "Warning" { theme.warn } else { theme.text };
        let count = if e.count > 1 { format!(" (x{})", e.count) } else { String::new() };
        // Pod events name their pod: "Container completed" alone says little.
        let about = if e.involved_kind == "Job" { "job".to_string() } else { format::fit_middle(&e.involved_name, 16) };
        let text = format!(
            " {:>5} {:<16} {:<18} {}{count}",
            format::age(e.last_seen, now),
            about,
            format::fit(&format::sanitize(&e.reason), 18),
            format::sanitize(&e.message)
        );
        out.push(Line::styled(format::fit(&text, width as usize), style));
    }
    out
}
