//! The top line: the screens (with their keys), where you are, and the help key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::app::{App, Screen, TABS};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut spans = vec![Span::styled("batchtop ", theme.title)];
    for (i, screen) in TABS.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, tab_name(screen));
        let style = if i == app.tab { theme.selected } else { theme.dim };
        spans.push(Span::styled(label, style));
    }
    for detail in &app.details {
        spans.push(Span::styled(" › ", theme.dim));
        spans.push(Span::styled(breadcrumb(&detail.screen), theme.text));
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

pub fn tab_name(screen: &Screen) -> &'static str {
    match screen {
        Screen::Jobs => "Jobs",
        Screen::CronJobs => "CronJobs",
        Screen::Pods { .. } => "Pods",
        Screen::Nodes => "Nodes",
        Screen::JobDetail(_) => "Job",
        Screen::CronJobDetail(_) => "CronJob",
        Screen::Queues => "Queues",
        Screen::QueueDetail(_) => "Queue",
        Screen::Logs => "Logs",
    }
}

fn breadcrumb(screen: &Screen) -> String {
    match screen {
        Screen::JobDetail(key) => format!("job {}", key.name),
        Screen::CronJobDetail(key) => format!("cronjob {}", key.name),
        Screen::Pods { job: Some(key) } => format!("pods of {}", key.name),
        Screen::QueueDetail(key) => format!("queue {}", key.name),
        other => tab_name(other).to_string(),
    }
}
