//! Drawing the console from its state: one file per screen or widget, all
//! reading the [`App`] (never the network) and never changing it. [`draw`]
//! lays out the frame (the screen tabs on top, the current screen, the status
//! bar, at most one popup over everything) and returns what the screen
//! showed, which the console keeps for the next key.
//!
//! Screens ([`screens`]: one `Screen` each): `jobs` (+ the `groups` panel),
//! `job_detail`, `cronjobs`, `cronjob_detail`, `pods`, `nodes`, `queues`,
//! `logs`, `warnings`. Widgets: `bar` (completion bar), `list` (fitted,
//! selection-following table), `columns`, `status_bar`, `header`, `help`,
//! `popup` (prompts and pickers), `confirm`, `action_history`. `theme` holds
//! every style.

pub mod action_history;
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
pub mod screens;
pub mod status_bar;
pub mod theme;
pub mod timeline;
pub mod warnings;

use model::{Kind, WatchHealth};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Paragraph};

use crate::console::state::{App, ConnectionState, PickerKind, Popup, Shown, View};
use crate::ui::theme::Theme;

/// Draws the whole console; returns what the screen on display showed.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) -> Shown {
    let [top, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(frame.area());
    header::render(frame, top, app, theme);
    let view = app.view();
    let shown = screens::of(&view.route).draw(frame, body, app, view, theme);
    status_bar::render(frame, bottom, app, theme);
    match &app.popup {
        Some(Popup::Help { scroll }) => help::render(frame, body, theme, *scroll, &help::action_rows(app)),
        Some(Popup::Prompt(prompt)) => popup::render_prompt(frame, body, theme, prompt),
        Some(Popup::Picker(picker)) => {
            let current = match picker.kind {
                PickerKind::Context => app.target.context.clone(),
                PickerKind::Namespace => status_bar::namespaces_label(&app.target.namespaces),
            };
            popup::render_picker(frame, body, theme, picker, &current);
        }
        Some(Popup::Confirm(dialog)) => confirm::render(frame, body, app, theme, dialog),
        Some(Popup::History { scroll }) => action_history::render(frame, body, theme, &app.actions.history, *scroll),
        None => {}
    }
    shown
}

/// A table cell with one style.
pub fn cell(text: impl Into<String>, style: Style) -> Cell<'static> {
    Cell::from(Line::styled(text.into(), style))
}

/// What an empty table says: why there is nothing (cannot connect, forbidden,
/// still listing, filtered out, or really nothing there).
pub fn empty_text(app: &App, theme: &Theme, kind: Kind, noun: &str, filtered: bool) -> Text<'static> {
    if let ConnectionState::Failed(e) = &app.connection {
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
        WatchHealth::Retrying { error } | WatchHealth::Failed { error } => Some(error.clone()),
        _ => None,
    }) {
        return Text::from(Line::styled(format!(" retrying {noun}: {}", model::text::sanitize(&error)), theme.warn));
    }
    if matches!(app.connection, ConnectionState::Connecting) || watches.is_empty() || !app.state.synced(kind) {
        return Text::from(Line::styled(format!(" loading {noun}…"), theme.dim));
    }
    if filtered {
        return Text::from(Line::styled(format!(" no {noun} match the filter (Esc clears it)"), theme.dim));
    }
    let scope = status_bar::namespaces_label(&app.target.namespaces);
    Text::from(Line::styled(format!(" no {noun} in {scope}"), theme.dim))
}

/// A scrolled document (a detail page): a titled top border, and the lines
/// `page(width)` makes, scrolled as the view says but never past the end, so
/// `k` answers at once after `G`.
pub fn document(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: String,
    view: &View,
    page: impl FnOnce(u16) -> Vec<Line<'static>>,
) -> Shown {
    let block = Block::new().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = page(inner.width);
    let scroll = view.scroll.min((lines.len() as u16).saturating_sub(inner.height));
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
    Shown::Document { scroll, page: inner.height.max(1) as usize }
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

#[cfg(test)]
mod every_screen;
#[cfg(test)]
mod snapshots;
#[cfg(test)]
mod status_bar_props;
