//! The action history panel (`H`): what was done, when, in which context,
//! and how it ended; a running drain shows its progress pod by pod here.

use model::text::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::console::state::{ActionHistory, Status};

pub fn render(frame: &mut Frame, area: Rect, theme: &Theme, history: &ActionHistory, scroll: u16) {
    let mut lines: Vec<Line> = Vec::new();
    for e in history.entries() {
        let (mark, style, summary) = match &e.status {
            Status::Running => ("…", theme.busy, "running (x cancels)".to_string()),
            Status::Done { ok: true, summary } => ("✓", theme.ok, summary.clone()),
            Status::Done { ok: false, summary } => ("✗", theme.bad, summary.clone()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} {} ", e.started.format("%H:%M:%S")), style),
            Span::styled(sanitize(&e.what), theme.title),
            Span::styled(format!("  [{}]", sanitize(&e.context)), theme.dim),
        ]));
        lines.push(Line::styled(format!("    {}", sanitize(&summary)), style));
        for p in &e.progress {
            lines.push(Line::styled(format!("      {}", sanitize(p)), theme.dim));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("No action yet in this session.", theme.dim));
    }
    let rect = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(" Action history ", theme.title))
        .title_bottom(Span::styled(" j/k scroll · x cancel running · any other key closes ", theme.dim));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)), rect);
}
