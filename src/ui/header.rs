//! The top line: the screens (with their keys), where you are, and the help key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::screens;
use super::theme::Theme;
use crate::console::state::{App, TABS};

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::styled("batchtop ", theme.title)];
    for (i, route) in TABS.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, screens::of(route).title(route));
        let style = if i == app.tab { theme.selected } else { theme.dim };
        spans.push(Span::styled(label, style));
    }
    for detail in &app.details {
        spans.push(Span::styled(" › ", theme.dim));
        spans.push(Span::styled(screens::of(&detail.route).title(&detail.route), theme.text));
    }
    let line = Line::from(spans);
    let used = line.width() as u16;
    frame.render_widget(Paragraph::new(line), area);
    let help = Span::styled(" ? help ", theme.key);
    if used + 9 <= area.width {
        let r = Rect { x: area.x + area.width - 8, width: 8, ..area };
        frame.render_widget(Paragraph::new(help), r);
    }
}
