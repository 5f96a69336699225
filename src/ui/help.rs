//! The `?` overlay: every key binding, grouped by where it applies, read from
//! `keys::BINDINGS` so it can never disagree with what the keys do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::console::keys::{BINDINGS, PROMPT_HELP, Scope};
use super::theme::Theme;

const SCOPES: [Scope; 5] = [Scope::Global, Scope::List, Scope::Jobs, Scope::Logs, Scope::Prompt];

/// The help text, one line per binding.
pub fn lines(theme: &Theme) -> Vec<Line<'static>> {
    let key_width = BINDINGS.iter().map(|b| keys_text(b.keys).chars().count()).max().unwrap_or(10) + 2;
    let mut out = Vec::new();
    for scope in SCOPES {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(scope.title(), theme.header));
        let rows: Vec<(String, &str)> = if scope == Scope::Prompt {
            PROMPT_HELP.iter().map(|(k, h)| (k.to_string(), *h)).collect()
        } else {
            BINDINGS.iter().filter(|b| b.scope == scope).map(|b| (keys_text(b.keys), b.help)).collect()
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

fn keys_text(keys: &[crate::console::keys::Key]) -> String {
    keys.iter().map(|k| k.label()).collect::<Vec<_>>().join(" ")
}

/// `actions`: this screen's action keys (`ui::actions::help_rows`): key, what
/// it does, and why it is unavailable when RBAC says no. Shown first.
pub fn render(frame: &mut Frame, area: Rect, theme: &Theme, scroll: u16, actions: &[(String, String, Option<String>)]) {
    let mut lines = action_lines(theme, actions);
    lines.extend(self::lines(theme));
    let width = (lines.iter().map(|l| l.width()).max().unwrap_or(40) as u16 + 4).min(area.width);
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
fn action_lines(theme: &Theme, actions: &[(String, String, Option<String>)]) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled("Actions (on the marked rows, else the selected one)", theme.header)];
    for (key, what, note) in actions {
        let (key_style, text_style) = match note {
            Some(n) if n.starts_with("unavailable") => (theme.dim, theme.dim),
            _ => (theme.key, theme.text),
        };
        let mut spans = vec![Span::styled(format!("  {key:<8}"), key_style), Span::styled(what.clone(), text_style)];
        if let Some(n) = note {
            spans.push(Span::styled(format!("  {}", model::text::sanitize(n)), theme.warn));
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
