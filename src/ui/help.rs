//! The `?` overlay: every key binding, grouped by where it applies, read from
//! `keys::BINDINGS` so it can never disagree with what the keys do.

use action::access::Availability;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::screens;
use super::theme::Theme;
use crate::console::keys::{BINDINGS, Key, Keymap, PROMPT_HELP};
use crate::console::state::App;

const KEYMAPS: [Keymap; 6] =
    [Keymap::Global, Keymap::List, Keymap::Jobs, Keymap::JobDetail, Keymap::Logs, Keymap::Prompt];

/// One row of the overlay's "Actions" section.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRow {
    pub key: String,
    pub what: String,
    /// What RBAC said, for the action keys (`None` for the marking keys and notes).
    pub access: Option<Availability>,
}

impl ActionRow {
    fn note(key: &str, what: &str) -> Self {
        Self { key: key.into(), what: what.into(), access: None }
    }
}

/// The "Actions" section: this screen's action keys, without the dangerous
/// ones in read-only mode, each with whether RBAC allows it.
pub fn action_rows(app: &App) -> Vec<ActionRow> {
    let Some(kind) = screens::of(&app.view().route).row_kind() else { return Vec::new() };
    let readonly = app.readonly();
    let namespaces = screens::target_namespaces(app, kind);
    let mut rows: Vec<ActionRow> = action::offered(kind, readonly)
        .map(|spec| ActionRow {
            key: spec.key.to_string(),
            what: format!("{}{}", spec.name, if spec.dangerous { " (!)" } else { "" }),
            access: (!namespaces.is_empty())
                .then(|| app.actions.access.availability(&app.target.context, spec, &namespaces)),
        })
        .collect();
    rows.push(ActionRow::note("Space", "mark or unmark the row (actions apply to marked rows)"));
    rows.push(ActionRow::note("*", "mark every row shown (after filters); again: clear"));
    if readonly {
        rows.push(ActionRow::note("", "read-only: actions that change the cluster are hidden"));
    }
    rows
}

/// The help text, one line per binding.
pub fn lines(theme: &Theme) -> Vec<Line<'static>> {
    let key_width = BINDINGS.iter().map(|b| keys_text(b.keys).chars().count()).max().unwrap_or(10) + 2;
    let mut out = Vec::new();
    for keymap in KEYMAPS {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(keymap.title(), theme.header));
        let rows: Vec<(String, &str)> = if keymap == Keymap::Prompt {
            PROMPT_HELP.iter().map(|(k, h)| (k.to_string(), *h)).collect()
        } else {
            BINDINGS.iter().filter(|b| b.keymap == keymap).map(|b| (keys_text(b.keys), b.help)).collect()
        };
        for (keys, help) in rows {
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<key_width$}"), theme.key),
                Span::styled(help.to_string(), theme.text),
            ]));
        }
    }
    out
}

fn keys_text(keys: &[Key]) -> String {
    keys.iter().map(Key::label).collect::<Vec<_>>().join(" ")
}

/// `actions`: this screen's action keys ([`action_rows`]): key, what it
/// does, and why it is unavailable when RBAC says no. Shown first.
pub fn render(frame: &mut Frame, area: Rect, theme: &Theme, scroll: u16, actions: &[ActionRow]) {
    let mut lines = action_lines(theme, actions);
    lines.extend(self::lines(theme));
    let width = (lines.iter().map(ratatui::prelude::Line::width).max().unwrap_or(40) as u16 + 4).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = super::centered(area, width, height);
    let max_scroll = (lines.len() as u16 + 2).saturating_sub(height);
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Span::styled(" j/k scroll · any other key closes ", theme.dim));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll.min(max_scroll), 0)), popup);
}

/// The "Actions" section: enabled keys as keys, unavailable ones dimmed with the reason.
fn action_lines(theme: &Theme, actions: &[ActionRow]) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled("Actions (on the marked rows, else the selected one)", theme.header)];
    for row in actions {
        let (key_style, text_style) = match row.access {
            Some(Availability::Unavailable(_)) => (theme.dim, theme.dim),
            _ => (theme.key, theme.text),
        };
        let mut spans =
            vec![Span::styled(format!("  {:<8}", row.key), key_style), Span::styled(row.what.clone(), text_style)];
        let note = match &row.access {
            Some(Availability::Unavailable(reason)) => Some(format!("unavailable: {reason}")),
            Some(Availability::Checking) => Some("checking permission…".into()),
            Some(Availability::Unverified(why)) => Some(why.clone()),
            Some(Availability::Available) | None => None,
        };
        if let Some(n) = note {
            spans.push(Span::styled(format!("  {}", model::text::sanitize(&n)), theme.warn));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::from(vec![
        Span::styled(format!("  {:<8}", "H"), theme.key),
        Span::styled("action history (progress, results)", theme.text),
    ]));
    out.push(Line::raw(""));
    out
}
