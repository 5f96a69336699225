//! CronJobs: schedule (and in words), suspend, active Jobs, last run, the
//! countdown to the next run, and a strip of recent outcomes.

use model::cronjob;
use model::job::JobPhase;
use model::scope::Namespaces;
use model::text as format;
use model::{CronJobInfo, Kind, ObjKey, State, Time};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

use super::cell;
use super::columns::{Column, Measure};
use super::list::{self, ListTable};
use super::screens::Screen;
use super::theme::Theme;
use crate::console::state::{App, Route, Shown, View};

pub const SORTS: &[&str] = &["namespace", "name", "next run", "last run"];

/// The CronJobs screen.
pub struct CronJobsScreen;

impl Screen for CronJobsScreen {
    fn title(&self, _route: &Route) -> String {
        "CronJobs".into()
    }

    fn rows(&self, app: &App, view: &View) -> Vec<ObjKey> {
        rows(app, view).iter().map(key).collect()
    }

    fn row_kind(&self) -> Option<Kind> {
        Some(Kind::CronJob)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        render(frame, area, app, theme, view)
    }

    fn sort_columns(&self) -> &'static [&'static str] {
        SORTS
    }

    fn open(&self, _app: &App, row: ObjKey) -> Option<Route> {
        Some(Route::CronJobDetail(row))
    }
}

/// Outcomes shown in the history strip.
pub const HISTORY: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    /// A warning's mark, or blank.
    Mark,
    Namespace,
    Name,
    Schedule,
    Words,
    Suspend,
    Active,
    Last,
    Next,
    History,
    Age,
}

/// The schedule in words, the last run, the strip of outcomes and the age
/// are decoration: dropped before a name is cut.
const ALL: [(Col, Column); 11] = [
    (Col::Mark, Column::fixed("", 1, 0)),
    (Col::Namespace, Column::flex("NAMESPACE", 10, 20, 3)),
    (Col::Name, Column::flex("NAME", 14, 40, 0).whole()),
    (Col::Schedule, Column::flex("SCHEDULE", 11, 20, 1)),
    (Col::Words, Column::flex("WHEN", 16, 40, 5)),
    (Col::Suspend, Column::fixed("SUSPEND", 7, 2)),
    (Col::Active, Column::fixed("ACTIVE", 6, 2)),
    (Col::Last, Column::fixed("LAST", 6, 4)),
    (Col::Next, Column::fixed("NEXT", 9, 0).whole()),
    (Col::History, Column::fixed("HISTORY", HISTORY as u16, 4)),
    (Col::Age, Column::fixed("AGE", 5, 6)),
];

pub fn rows<'a>(app: &'a App, view: &View) -> Vec<&'a CronJobInfo> {
    let mut rows: Vec<&CronJobInfo> = app
        .state
        .cronjobs
        .values()
        .filter(|c| list::text_matches(&view.filter, &[&c.key.namespace, &c.key.name, &c.schedule]))
        .collect();
    let now = app.now;
    match SORTS.get(view.sort).copied() {
        Some("name") => rows.sort_by(|a, b| (&a.key.name, &a.key.namespace).cmp(&(&b.key.name, &b.key.namespace))),
        // Soonest first; suspended (no next run) last.
        Some("next run") => rows.sort_by_cached_key(|c| {
            let next = next_run(c, now);
            (next.is_none(), next, &c.key)
        }),
        Some("last run") => rows.sort_by(|a, b| b.last_schedule.cmp(&a.last_schedule).then_with(|| a.key.cmp(&b.key))),
        _ => rows.sort_by(|a, b| a.key.cmp(&b.key)),
    }
    if view.descending {
        rows.reverse();
    }
    rows
}

pub fn key(c: &&CronJobInfo) -> ObjKey {
    c.key.clone()
}

/// The next run, unless suspended or the schedule cannot be read.
pub fn next_run(cj: &CronJobInfo, now: Time) -> Option<Time> {
    cronjob::next_run(cj, now)
}

/// "in 42s", "suspended", or "bad schedule".
pub fn next_text(cj: &CronJobInfo, now: Time) -> String {
    if cj.suspend {
        return "suspended".into();
    }
    match cronjob::next_run(cj, now) {
        Some(t) => format::countdown(t, now),
        None if cronjob::schedule_error(cj).is_some() => "bad schedule".into(),
        None => "never".into(),
    }
}

/// The CronJob's recent Jobs, oldest first, as glyphs: ✓ complete, ✗ failed, ▶ running.
pub fn history_strip(state: &State, cj: &CronJobInfo, theme: &Theme, max: usize) -> Line<'static> {
    let jobs = cronjob::history(cj, &state.jobs);
    let skip = jobs.len().saturating_sub(max);
    let spans: Vec<Span> = jobs.iter().skip(skip).map(|(_, phase, _)| history_glyph(*phase, theme)).collect();
    if spans.is_empty() { Line::styled("-", theme.dim) } else { Line::from(spans) }
}

fn history_glyph(phase: JobPhase, theme: &Theme) -> Span<'static> {
    match phase {
        JobPhase::Complete => Span::styled("✓", theme.ok),
        JobPhase::Failed => Span::styled("✗", theme.bad),
        JobPhase::Running => Span::styled("▶", theme.busy),
        JobPhase::Suspended => Span::styled("‖", theme.warn),
        JobPhase::Pending => Span::styled("·", theme.dim),
    }
}

/// The schedule in words, from the model, made safe for the terminal.
pub fn schedule_words(cj: &CronJobInfo) -> String {
    format::sanitize(&cronjob::describe_schedule(&cj.schedule, cj.time_zone.as_deref()))
}

fn cronjob_cell(app: &App, theme: &Theme, cj: &CronJobInfo, col: Col, width: u16) -> Cell<'static> {
    let now = app.now;
    let w = width as usize;
    match col {
        Col::Mark => super::warnings::mark_cell(theme, app.warnings.marks.cronjob(&cj.key)),
        Col::Namespace => cell(format::fit(&cj.key.namespace, w), theme.dim),
        Col::Name => cell(format::fit_middle(&cj.key.name, w), theme.text),
        Col::Schedule => cell(format::fit(&format::sanitize(&cj.schedule), w), theme.text),
        Col::Words => match cronjob::schedule_error(cj) {
            None => cell(format::fit(&schedule_words(cj), w), theme.dim),
            Some(e) => cell(format::fit(&format::sanitize(&e), w), theme.bad),
        },
        Col::Suspend => {
            if cj.suspend {
                cell("yes", theme.warn)
            } else {
                cell("no", theme.dim)
            }
        }
        Col::Active => {
            let n = cj.active.len();
            cell(if n > 0 { n.to_string() } else { "-".into() }, if n > 0 { theme.busy } else { theme.dim })
        }
        Col::Last => cell(format::age(cj.last_schedule, now), theme.dim),
        Col::Next => {
            let style = if cj.suspend { theme.warn } else { theme.text };
            cell(next_text(cj, now), style)
        }
        Col::History => Cell::from(history_strip(&app.state, cj, theme, w)),
        Col::Age => cell(format::age(cj.created, now), theme.dim),
    }
}

/// What column `col` of a CronJob needs: the names and the countdown whole;
/// the words and the strip as wide as they are given.
fn cronjob_measure(cj: &CronJobInfo, col: Col, now: Time) -> Option<Measure> {
    Some(match col {
        Col::Namespace => Measure::text(&cj.key.namespace),
        Col::Name => Measure::text(&cj.key.name),
        Col::Schedule => Measure::text(&format::sanitize(&cj.schedule)),
        Col::Next => Measure::exact(&next_text(cj, now)),
        Col::Last => Measure::age(cj.last_schedule, now),
        Col::Age => Measure::age(cj.created, now),
        Col::Mark | Col::Words | Col::Suspend | Col::Active | Col::History => return None,
    })
}

fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, view: &View) -> Shown {
    let rows = rows(app, view);
    let single_ns = matches!(&app.target.namespaces, Namespaces::Only(l) if l.len() == 1);
    let marked = rows.iter().any(|c| app.warnings.marks.cronjob(&c.key).is_some());
    let cols: Vec<(Col, Column)> = ALL
        .iter()
        .copied()
        .filter(|(c, _)| !(single_ns && *c == Col::Namespace) && (marked || *c != Col::Mark))
        .collect();
    let specs: Vec<Column> = cols.iter().map(|(_, c)| *c).collect();
    let cell_of = |c: &&CronJobInfo, col: usize, width: u16| cronjob_cell(app, theme, c, cols[col].0, width);
    let measure = |c: &&CronJobInfo, col: usize| cronjob_measure(c, cols[col].0, app.now);
    let table = ListTable {
        title: list::title(theme, "CronJobs", rows.len(), app.state.cronjobs.len(), view, SORTS),
        columns: &specs,
        items: &rows,
        key: &key,
        cell: &cell_of,
        measure: &measure,
        measure_key: None,
        empty: super::empty_text(app, theme, Kind::CronJob, "cronjobs", !view.filter.is_empty()),
    };
    list::render(frame, area, view, theme, table)
}
