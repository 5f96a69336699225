//! Rendering: one file per screen or widget, all drawing from `App` (never
//! from the network). [`draw`] lays out the frame: the screen tabs on top, the
//! current screen, the status bar, and at most one popup over everything.
//!
//! Screens: `jobs` (+ `groups` panel), `job_detail`, `cronjobs`,
//! `cronjob_detail`, `pods`, `nodes`. Widgets: `bar` (completion bar),
//! `list` (fitted, selection-following table), `columns`, `status_bar`,
//! `header`, `help`, `popup` (prompts and pickers). `keys` holds every key
//! binding, `theme` every style.

pub mod action_history;
pub mod actions;
pub mod bar;
pub mod columns;
pub mod confirm;
pub mod cronjob_detail;
pub mod cronjobs;
pub mod groups;
pub mod header;
pub mod help;
pub mod job_detail;
pub mod jobs;
pub mod list;
pub mod logs;
pub mod nodes;
pub mod pods;
pub mod popup;
pub mod queues;
pub mod status_bar;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Text};
use ratatui::widgets::Cell;

use crate::console::app::{App, Connection, Popup, Screen, View};
use model::{Kind, ObjKey, WatchHealth};

/// Draws the whole console.
pub fn draw(frame: &mut Frame, app: &mut App) {
    let [top, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(frame.area());
    header::render(frame, top, app);
    // The screen updates its view (selection, offset, page size) while it
    // draws; the view is taken out so the rest of the app can be read meanwhile.
    let mut view = app.view().clone();
    draw_screen(frame, body, app, &mut view);
    *app.view_mut() = view;
    status_bar::render(frame, bottom, app);
    match &app.popup {
        Some(Popup::Help { scroll }) => help::render(frame, body, &app.theme, *scroll, &actions::help_rows(app)),
        Some(Popup::Prompt(prompt)) => popup::render_prompt(frame, body, &app.theme, prompt),
        Some(Popup::Picker(picker)) => {
            let current = match picker.kind {
                crate::console::app::PickerKind::Context => app.target.context.clone(),
                crate::console::app::PickerKind::Namespace => status_bar::namespaces_label(&app.target.namespaces),
            };
            popup::render_picker(frame, body, &app.theme, picker, &current)
        }
        Some(Popup::Confirm(dialog)) => confirm::render(frame, body, app, dialog),
        Some(Popup::History { scroll }) => {
            action_history::render(frame, body, &app.theme, &app.actions.history, *scroll)
        }
        None => {}
    }
}

fn draw_screen(frame: &mut Frame, area: Rect, app: &App, view: &mut View) {
    match view.screen.clone() {
        Screen::Jobs => jobs::render(frame, area, app, view),
        Screen::JobDetail(key) => job_detail::render(frame, area, app, view, &key),
        Screen::CronJobs => cronjobs::render(frame, area, app, view),
        Screen::CronJobDetail(key) => cronjob_detail::render(frame, area, app, view, &key),
        Screen::Pods { .. } => pods::render(frame, area, app, view),
        Screen::Nodes => nodes::render(frame, area, app, view),
        Screen::Queues => queues::render(frame, area, app, view),
        Screen::QueueDetail(key) => queues::render_detail(frame, area, app, view, &key),
        Screen::Logs => logs::render(frame, area, app),
    }
}

/// The keys of a list screen's rows in display order (for moving the selection).
pub fn row_keys(app: &App, view: &View) -> Vec<ObjKey> {
    match &view.screen {
        Screen::Jobs | Screen::CronJobDetail(_) => jobs::rows(app, view).iter().map(jobs::key).collect(),
        Screen::CronJobs => cronjobs::rows(app, view).iter().map(cronjobs::key).collect(),
        Screen::Pods { .. } => pods::rows(app, view).iter().map(pods::key).collect(),
        Screen::Nodes => {
            let counts = nodes::pod_counts(&app.state);
            nodes::rows(app, view, &counts).iter().map(nodes::key).collect()
        }
        Screen::Queues => queues::rows(app, view).iter().map(queues::key).collect(),
        Screen::JobDetail(_) | Screen::QueueDetail(_) | Screen::Logs => Vec::new(),
    }
}

/// The columns a screen can be sorted by, in the order `o` cycles through them.
pub fn sort_columns(screen: &Screen) -> &'static [&'static str] {
    match screen {
        Screen::Jobs | Screen::CronJobDetail(_) => jobs::SORTS,
        Screen::CronJobs => cronjobs::SORTS,
        Screen::Pods { .. } => pods::SORTS,
        Screen::Nodes => nodes::SORTS,
        Screen::Queues => queues::SORTS,
        Screen::JobDetail(_) | Screen::QueueDetail(_) | Screen::Logs => &[],
    }
}

/// A table cell with one style.
pub fn cell(text: impl Into<String>, style: Style) -> Cell<'static> {
    Cell::from(Line::styled(text.into(), style))
}

/// What an empty table says: why there is nothing (cannot connect, forbidden,
/// still listing, filtered out, or really nothing there).
pub fn empty_text(app: &App, kind: Kind, noun: &str, filtered: bool) -> Text<'static> {
    let theme = &app.theme;
    if let Connection::Failed(e) = &app.connection {
        return Text::from(vec![
            Line::styled(format!(" cannot connect to context {}:", app.target.context), theme.bad),
            Line::styled(format!(" {}", model::text::sanitize(e)), theme.bad),
            Line::styled(" press c to pick another context", theme.dim),
        ]);
    }
    let watches: Vec<_> = app.state.watches.iter().filter(|(id, _)| id.kind == kind).collect();
    let forbidden: Vec<Line> = watches
        .iter()
        .filter_map(|(id, s)| match &s.health {
            WatchHealth::Forbidden { message } => Some(Line::styled(
                format!(" forbidden: {}: {}", status_bar::watch_name(id), model::text::sanitize(message)),
                theme.bad,
            )),
            _ => None,
        })
        .collect();
    if !forbidden.is_empty() {
        return Text::from(forbidden);
    }
    if let Some(error) = watches.iter().find_map(|(_, s)| match &s.health {
        WatchHealth::Retrying { error } => Some(error.clone()),
        _ => None,
    }) {
        return Text::from(Line::styled(format!(" retrying {noun}: {}", model::text::sanitize(&error)), theme.warn));
    }
    if matches!(app.connection, Connection::Connecting) || watches.is_empty() || !app.state.synced(kind) {
        return Text::from(Line::styled(format!(" loading {noun}…"), theme.dim));
    }
    if filtered {
        return Text::from(Line::styled(format!(" no {noun} match the filter (Esc clears it)"), theme.dim));
    }
    let scope = status_bar::namespaces_label(&app.target.namespaces);
    Text::from(Line::styled(format!(" no {noun} in {scope}"), theme.dim))
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

#[cfg(test)]
mod app_tests;
#[cfg(test)]
mod snapshots;
