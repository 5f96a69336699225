//! The Warnings screen: everything batchtop finds wrong (failed and stalled
//! Jobs, stuck pods, CronJobs that miss or fail their runs, stuck queue work,
//! watches in trouble), most severe first; Enter opens what a warning is about.
//! The same list as `--once`'s `warnings[]` (`model::warnings::all`).

use model::text as format;
use model::warnings::{Severity, Subject, Warning};
use model::{Kind, ObjKey};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Wrap};

use super::cell;
use super::columns::{Column, Measure};
use super::list::{self, ListTable};
use super::screens::Screen;
use super::theme::Theme;
use crate::console::state::{App, Route, Shown, View};

/// The Warnings screen.
pub struct WarningsScreen;

impl Screen for WarningsScreen {
    fn title(&self, _route: &Route) -> String {
        "Warnings".into()
    }

    fn rows(&self, app: &App, view: &View) -> Vec<ObjKey> {
        rows(app, view).into_iter().map(key).collect()
    }

    /// Rows of several kinds: action keys do not apply here (open the object first).
    fn row_kind(&self) -> Option<Kind> {
        None
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        render(frame, area, app, theme, view)
    }

    fn open(&self, app: &App, row: ObjKey) -> Option<Route> {
        let warning = app.warnings.list.iter().find(|w| key(w) == row)?;
        route_of(app, &warning.subject)
    }
}

/// Where Enter on a warning about `subject` goes: the object's own screen.
fn route_of(app: &App, subject: &Subject) -> Option<Route> {
    match subject {
        Subject::Job(k) => Some(Route::JobDetail(k.clone())),
        Subject::CronJob(k) => Some(Route::CronJobDetail(k.clone())),
        Subject::Pod(k) => {
            let job = app.state.pods.get(k)?.job.clone()?;
            Some(Route::Pods { job: Some(ObjKey::new(k.namespace.clone(), job)) })
        }
        Subject::Queue(q) => app.queues.by_key.contains_key(q).then(|| Route::QueueDetail(q.clone())),
        Subject::Watch(_) => None,
    }
}

/// A row's key: what it is about and what it says (one warning per row).
fn key(w: &Warning) -> ObjKey {
    ObjKey::new(w.object.clone(), w.message.clone())
}

fn rows<'a>(app: &'a App, view: &View) -> Vec<&'a Warning> {
    app.warnings
        .list
        .iter()
        .filter(|w| list::text_matches(&view.filter, &[w.severity.as_str(), &w.object, &w.message]))
        .collect()
}

/// The object is cut in the middle before the message loses its start; the
/// message is shown whole under the table for the selected row.
const COLUMNS: [Column; 3] =
    [Column::fixed("SEVERITY", 8, 0), Column::flex("OBJECT", 16, 40, 0), Column::flex("MESSAGE", 24, 400, 0)];

/// Rows under the table for the selected warning's whole message.
const MESSAGE_ROWS: u16 = 4;

/// The colour of a severity; the word itself reads without colour.
pub fn severity_style(theme: &Theme, severity: Severity) -> Style {
    match severity {
        Severity::Error => theme.bad,
        Severity::Warn => theme.warn,
        Severity::Info => theme.dim,
    }
}

/// The mark on a row some warning is about: `✗` for an error, `!` for a
/// warning (readable without colour), blank otherwise.
pub fn mark_cell(theme: &Theme, worst: Option<Severity>) -> Cell<'static> {
    match worst {
        Some(Severity::Error) => cell("✗", theme.bad),
        Some(Severity::Warn) => cell("!", theme.warn),
        Some(Severity::Info) => cell("·", theme.dim),
        None => cell(" ", theme.dim),
    }
}

fn warning_cell(theme: &Theme, w: &Warning, col: usize, width: u16) -> Cell<'static> {
    let width = width as usize;
    match col {
        0 => cell(w.severity.as_str(), severity_style(theme, w.severity)),
        1 => cell(format::fit_middle(&format::sanitize(&w.object), width), theme.text),
        _ => cell(format::fit(&format::sanitize(&w.message), width), theme.text),
    }
}

fn warning_measure(w: &Warning, col: usize) -> Measure {
    match col {
        0 => Measure::exact(w.severity.as_str()),
        1 => Measure::text(&w.object),
        _ => Measure::text(&w.message),
    }
}

fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, view: &View) -> Shown {
    let rows = rows(app, view);
    let message_rows = if rows.is_empty() || area.height < 12 { 0 } else { MESSAGE_ROWS };
    let [area, below] = Layout::vertical([Constraint::Fill(1), Constraint::Length(message_rows)]).areas(area);
    let cell_of = |w: &&Warning, col: usize, width: u16| warning_cell(theme, w, col, width);
    let measure = |w: &&Warning, col: usize| Some(warning_measure(w, col));
    let empty = if !view.filter.is_empty() {
        " no warnings match the filter (Esc clears it)"
    } else if app.warnings.at.is_none() {
        " looking…"
    } else {
        " nothing to warn about"
    };
    let table = ListTable {
        title: list::title(theme, "Warnings", rows.len(), app.warnings.list.len(), view, &[]),
        columns: &COLUMNS,
        items: &rows,
        key: &|w: &&Warning| key(w),
        cell: &cell_of,
        measure: &measure,
        measure_key: None,
        empty: Text::styled(empty, theme.dim),
    };
    let shown = list::render(frame, area, view, theme, table);
    if let Shown::List { selected: Some(key), .. } = &shown
        && let Some(w) = rows.iter().find(|w| self::key(w) == *key)
    {
        render_message(frame, below, theme, w);
    }
    shown
}

/// The selected warning whole: what it is about, then its message, wrapped.
fn render_message(frame: &mut Frame, area: Rect, theme: &Theme, w: &Warning) {
    let block = Block::new().borders(Borders::TOP).border_style(theme.border);
    let text = Text::from(vec![Line::from(vec![
        Span::styled(format!("{} ", format::sanitize(&w.object)), severity_style(theme, w.severity)),
        Span::styled(format::sanitize(&w.message), theme.text),
    ])]);
    frame.render_widget(Paragraph::new(text).block(block).wrap(Wrap { trim: false }), area);
}
