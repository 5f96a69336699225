//! The Jobs screen: one row per Job with its pattern, completion bar, status
//! from conditions and timing; the label-group panel above it. The same table
//! lists a CronJob's Jobs on the CronJob detail screen.

use model::job::{JobPhase, Pattern};
use model::scope::Namespaces;
use model::text as format;
use model::{JobInfo, Kind, ObjKey, Time};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

use super::columns::{Column, Measure};
use super::list::{self, ListTable};
use super::screens::Screen;
use super::theme::Theme;
use super::{bar, cell};
use crate::console::keys::Keymap;
use crate::console::state::{App, Route, Shown, View};

pub const SORTS: &[&str] = &["namespace", "name", "age", "status", "progress"];

/// The keys of a table of Jobs (this screen, and a CronJob's Jobs).
pub const KEYMAPS: &[Keymap] = &[Keymap::Jobs, Keymap::List, Keymap::Global];

/// The Jobs screen.
pub struct JobsScreen;

impl Screen for JobsScreen {
    fn title(&self, _route: &Route) -> String {
        "Jobs".into()
    }

    fn keymaps(&self) -> &'static [Keymap] {
        KEYMAPS
    }

    fn rows(&self, app: &App, view: &View) -> Vec<ObjKey> {
        rows(app, view).iter().map(key).collect()
    }

    fn row_kind(&self) -> Option<Kind> {
        Some(Kind::Job)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        render(frame, area, app, view, theme)
    }

    fn sort_columns(&self) -> &'static [&'static str] {
        SORTS
    }

    fn open(&self, _app: &App, row: ObjKey) -> Option<Route> {
        Some(Route::JobDetail(row))
    }

    fn has_labels(&self) -> bool {
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    /// A warning's mark (`!`, `✗`), or blank.
    Mark,
    Namespace,
    Name,
    Pattern,
    Completions,
    Active,
    Status,
    Elapsed,
    Age,
    Eta,
}

/// Priorities: 0 is always shown; higher numbers are dropped first on narrow
/// terminals (the ETA first: a guess; then ACTIVE: the bar shows active pods;
/// then the times, which are decoration beside the name and status) and get
/// spare width last, so names are shown whole before bars and statuses grow.
const ALL: [(Col, Column); 10] = [
    (Col::Mark, Column::fixed("", 1, 0)),
    (Col::Namespace, Column::flex("NAMESPACE", 10, 20, 2)),
    (Col::Name, Column::flex("NAME", 16, 48, 0).whole()),
    (Col::Pattern, Column::flex("PATTERN", 7, 17, 2)),
    (Col::Completions, Column::flex("COMPLETIONS", 10, 22, 1)),
    (Col::Active, Column::fixed("ACTIVE", 6, 5)),
    (Col::Status, Column::flex("STATUS", 8, 28, 1).whole()),
    (Col::Elapsed, Column::fixed("ELAPSED", 7, 4).ticks()),
    (Col::Age, Column::fixed("AGE", 5, 4).ticks()),
    (Col::Eta, Column::fixed("ETA", 6, 6)),
];

/// Cells of bar a completion column asks for beside its label.
const BAR_WANTED: u16 = 10;

/// The Jobs a screen lists, filtered and sorted as its view says.
pub fn rows<'a>(app: &'a App, view: &View) -> Vec<&'a JobInfo> {
    let (mut rows, in_key_order): (Vec<&JobInfo>, bool) = match &view.route {
        Route::CronJobDetail(cronjob) => (super::cronjob_detail::jobs_of(&app.state, cronjob), false),
        _ => (app.state.jobs.values().collect(), true),
    };
    // Every frame lists every Job: what a plain list needs no work for gets none.
    if !view.filter.is_empty() || view.labels.is_some() {
        rows.retain(|j| matches(j, view));
    }
    if !(in_key_order && SORTS.get(view.sort) == Some(&"namespace") && !view.descending) {
        sort(&mut rows, view, app.now);
    }
    rows
}

fn matches(job: &JobInfo, view: &View) -> bool {
    let labels_ok = view.labels.as_ref().is_none_or(|l| kube::core::SelectorExt::matches(&l.selector, &job.labels));
    labels_ok
        && list::text_matches(
            &view.filter,
            &[&job.key.namespace, &job.key.name, job.pattern().as_str(), job.status_text()],
        )
}

/// Failed first, then work in progress, then what is parked, then what is done.
fn status_rank(phase: JobPhase) -> u8 {
    match phase {
        JobPhase::Failed => 0,
        JobPhase::Running => 1,
        JobPhase::Pending => 2,
        JobPhase::Suspended => 3,
        JobPhase::Complete => 4,
    }
}

fn sort(rows: &mut [&JobInfo], view: &View, _now: Time) {
    match SORTS.get(view.sort).copied() {
        Some("name") => rows.sort_by(|a, b| (&a.key.name, &a.key.namespace).cmp(&(&b.key.name, &b.key.namespace))),
        // Newest first: ascending age.
        Some("age") => rows.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.key.cmp(&b.key))),
        Some("status") => rows.sort_by_cached_key(|j| (status_rank(j.phase()), &j.key)),
        Some("progress") => rows.sort_by(|a, b| {
            let f = |j: &JobInfo| j.progress().fraction().unwrap_or(0.0);
            f(a).total_cmp(&f(b)).then_with(|| a.key.cmp(&b.key))
        }),
        _ => rows.sort_by(|a, b| a.key.cmp(&b.key)),
    }
    if view.descending {
        rows.reverse();
    }
}

pub fn key(j: &&JobInfo) -> ObjKey {
    j.key.clone()
}

/// The short pattern names used when the column is narrow.
fn short_pattern(p: Pattern) -> &'static str {
    match p {
        Pattern::NonParallel => "single",
        Pattern::FixedCompletions => "fixed",
        Pattern::Indexed => "indexed",
        Pattern::WorkQueue => "queue",
    }
}

pub fn phase_style(theme: &Theme, phase: JobPhase) -> ratatui::style::Style {
    match phase {
        JobPhase::Running => theme.busy,
        JobPhase::Complete => theme.ok,
        JobPhase::Failed => theme.bad,
        JobPhase::Suspended => theme.warn,
        JobPhase::Pending => theme.dim,
    }
}

/// "Failed PodFailurePolicy", "Failing BackoffLimitExceeded", "Running".
pub fn status_text(job: &JobInfo) -> String {
    format!("{}{}", job.status_text(), status_detail(job))
}

/// What follows the status word: " PodFailurePolicy" (the failure reason), or "".
fn status_detail(job: &JobInfo) -> String {
    job.failure_reason().map(|(reason, _)| format!(" {}", format::sanitize(reason))).unwrap_or_default()
}

/// The style of a Job's status: a failing Job (FailureTarget set, pods still
/// ending) is already shown as a failure.
pub fn status_style(theme: &Theme, job: &JobInfo) -> ratatui::style::Style {
    match job.terminal_pending() {
        Some(JobPhase::Failed) => theme.bad,
        _ => phase_style(theme, job.phase()),
    }
}

fn job_cell(theme: &Theme, app: &App, job: &JobInfo, col: Col, width: u16) -> Cell<'static> {
    let w = width as usize;
    let now = app.now;
    match col {
        Col::Mark => super::warnings::mark_cell(theme, app.warnings.marks.job(&job.key)),
        Col::Eta => {
            let eta = model::eta::remaining(job, app.state.pods_of_job(&job.key), &app.queues, now);
            cell(eta.map_or_else(|| "-".into(), |d| format::fit(&format::duration(d), w)), theme.dim)
        }
        Col::Namespace => cell(format::fit(&job.key.namespace, w), theme.dim),
        Col::Name => cell(format::fit_middle(&job.key.name, w), theme.text),
        Col::Pattern => {
            let p = job.pattern();
            // All rows use the same form, so the column reads as one vocabulary.
            let text = if w >= Pattern::FixedCompletions.as_str().len() { p.as_str() } else { short_pattern(p) };
            cell(text, theme.dim)
        }
        Col::Completions => Cell::from(bar::bar_line(&job.progress(), width, theme)),
        Col::Active => {
            let a = job.status.active;
            cell(if a > 0 { a.to_string() } else { "-".into() }, if a > 0 { theme.busy } else { theme.dim })
        }
        Col::Status => cell(format::fit_word(job.status_text(), &status_detail(job), w), status_style(theme, job)),
        Col::Elapsed => {
            let style = if job.phase() == JobPhase::Running { theme.busy } else { theme.dim };
            cell(job.elapsed(now).map_or_else(|| "-".into(), format::duration), style)
        }
        Col::Age => cell(format::age(job.created, now), theme.dim),
    }
}

/// What column `col` of a Job needs: names and the status word whole, the
/// bar's label whole with room for a bar.
fn job_measure(now: Time, job: &JobInfo, col: Col) -> Option<Measure> {
    Some(match col {
        // Fixed widths: not worth deriving an ETA for every row to measure.
        Col::Mark | Col::Eta => return None,
        Col::Namespace => Measure::text(&job.key.namespace),
        Col::Name => Measure::text(&job.key.name),
        Col::Pattern => Measure::text(job.pattern().as_str()),
        Col::Completions => {
            let label = Measure::text(&job.progress().label());
            Measure { content: label.content + 1 + BAR_WANTED, floor: label.content }
        }
        Col::Active => Measure::text(&job.status.active.to_string()),
        Col::Status => Measure::word(job.status_text(), &status_text(job)),
        Col::Elapsed => job.elapsed(now).map_or_else(|| Measure::text("-"), Measure::duration),
        Col::Age => Measure::age(job.created, now),
    })
}

/// The columns for this target and these rows: the namespace column only
/// when several namespaces are watched, the mark only when a row has one.
fn columns(app: &App, rows: &[&JobInfo]) -> Vec<(Col, Column)> {
    let single_ns = matches!(&app.target.namespaces, Namespaces::Only(list) if list.len() == 1);
    let marked = rows.iter().any(|j| app.warnings.marks.job(&j.key).is_some());
    ALL.iter().copied().filter(|(c, _)| !(single_ns && *c == Col::Namespace) && (marked || *c != Col::Mark)).collect()
}

/// Renders a table of Jobs (the Jobs screen, or a CronJob's Jobs).
pub fn render_table(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: &Theme,
    view: &View,
    name: &str,
    total: usize,
) -> Shown {
    let rows = rows(app, view);
    let cols = columns(app, &rows);
    let specs: Vec<Column> = cols.iter().map(|(_, c)| *c).collect();
    let now = app.now;
    let cell_of = |j: &&JobInfo, col: usize, width: u16| job_cell(theme, app, j, cols[col].0, width);
    let measure = |j: &&JobInfo, col: usize| job_measure(now, j, cols[col].0);
    let filtered = !view.filter.is_empty() || view.labels.is_some();
    let table = ListTable {
        title: list::title(theme, name, rows.len(), total, view, SORTS),
        columns: &specs,
        items: &rows,
        key: &key,
        cell: &cell_of,
        measure: &measure,
        measure_key: Some(list::measure_key(app.state.jobs.revision(), view, &specs)),
        empty: super::empty_text(app, theme, Kind::Job, "jobs", filtered),
    };
    list::render(frame, area, view, theme, table)
}

fn render(frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
    // Grouped only while the panel is shown: grouping 2,000 Jobs every frame for nothing is not free.
    let groups = if app.show_groups { super::groups::panel_lines(app, theme, area.width) } else { Vec::new() };
    // Keep at least 8 rows for the table.
    let panel_height =
        if groups.is_empty() { 0 } else { (groups.len() as u16 + 1).min(area.height.saturating_sub(8) / 2).min(6) };
    let [panel, table] = Layout::vertical([Constraint::Length(panel_height), Constraint::Fill(1)]).areas(area);
    if panel_height > 0 {
        super::groups::render(frame, panel, theme, groups);
    }
    render_table(frame, table, app, theme, view, "Jobs", app.state.jobs.len())
}

/// A one-line summary of a Job for headers: "Running · indexed · 3/5".
pub fn summary(theme: &Theme, job: &JobInfo) -> Line<'static> {
    Line::from(vec![
        Span::styled(status_text(job), status_style(theme, job)),
        Span::styled(format!(" · {} · {}", job.pattern(), job.progress().label()), theme.dim),
    ])
}
