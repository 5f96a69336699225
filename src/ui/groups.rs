//! The label-group panel above the Jobs table: Jobs that share a group label
//! (the seed's `jobgroup=jobexample`) with their aggregated progress.
//! `b` hides or shows it; `L` with the group's selector lists its Jobs.

use model::job::Progress;
use model::text as format;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::bar;
use super::theme::Theme;
use crate::console::state::App;

/// One line per group: namespace, selector, bar, "3/3 complete · 0 failed · 0 running".
pub fn panel_lines(app: &App, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let groups = app.job_groups();
    let sel_width = groups.iter().map(|g| g.label.len()).max().unwrap_or(0).min(36);
    groups
        .iter()
        .map(|g| {
            let total = g.total as i32;
            // The group as a bar of Jobs: complete ones fill it, failed and running show beside.
            let p = Progress {
                succeeded: g.succeeded as i32,
                failed: g.failed as i32,
                active: g.running as i32,
                target: Some(total),
                ..Default::default()
            };
            let counts = format!(" {} complete · {} failed · {} running", g.progress_label(), g.failed, g.running);
            let fixed = 1 + sel_width + 1 + counts.chars().count();
            let bar_width = (width as usize).saturating_sub(fixed).min(30) as u16;
            let mut spans =
                vec![Span::styled(format!(" {:<sel_width$} ", format::fit(&g.label, sel_width)), theme.text)];
            if bar_width >= 4 {
                spans.extend(bar::bar_spans(&p, bar_width, theme));
            }
            let style = if g.failed > 0 {
                theme.bad
            } else if g.succeeded == g.total {
                theme.ok
            } else {
                theme.busy
            };
            spans.push(Span::styled(counts, style));
            Line::from(spans)
        })
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, theme: &Theme, lines: Vec<Line<'static>>) {
    let title = Line::from(vec![
        Span::styled(" Groups ", theme.title),
        Span::styled(format!("[{}] b hides ", lines.len()), theme.dim),
    ]);
    let block = Block::new().borders(Borders::TOP).border_style(theme.border).title(title);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
