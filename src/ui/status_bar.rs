//! The bottom line: context, namespaces, the health of every watch, counts and
//! the time of the last update. A flash message (sort changed, bad selector)
//! takes the middle for a few seconds.

use model::scope::Namespaces;
use model::text as format;
use model::{Kind, WatchHealth, WatchId};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::console::state::{App, ConnectionState};

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let bar = theme.status_bar;
    let sep = Span::styled(" │ ", bar);
    let mut left = vec![
        Span::styled(format!(" {}", app.target.context), bar.patch(theme.title)),
        sep.clone(),
        Span::styled(namespaces_label(&app.target.namespaces), bar),
    ];
    if let Some(sel) = &app.target.selector {
        left.push(Span::styled(format!(" -l {sel}"), bar));
    }
    if let Some(worst) = app.warnings.worst() {
        // Always in view (the left part is never cut): key 6 lists them.
        let n = app.warnings.list.len();
        let text = format!("{n} warning{}", if n == 1 { "" } else { "s" });
        left.push(sep.clone());
        left.push(Span::styled(text, bar.patch(super::warnings::severity_style(theme, worst))));
    }
    left.push(sep.clone());
    let middle = match &app.flash {
        // A flash often quotes the cluster (an action's API error): made safe like any cluster text.
        Some(flash) => {
            vec![Span::styled(format::sanitize(&flash.text), if flash.error { bar.patch(theme.bad) } else { bar })]
        }
        None => health_spans(app, theme, bar),
    };
    let right = format!(
        "{} jobs {} pods │ {} ",
        app.state.jobs.len(),
        app.state.pods.len(),
        app.state.last_update.map_or("no data".into(), |t| format!("upd {} ago", freshness(app.now - t)))
    );
    let right_width = right.chars().count();
    let left_width: usize = left.iter().map(ratatui::prelude::Span::width).sum();
    // The health message gets what is left between the two; the counts go
    // first when that would leave a long message less than 30 cells.
    let room = (area.width as usize).saturating_sub(left_width);
    let middle_width: usize = middle.iter().map(ratatui::prelude::Span::width).sum();
    let show_right = room >= right_width + 1 + middle_width.min(30);
    let middle_room = if show_right { room - right_width - 1 } else { room };
    let mut spans = left;
    spans.extend(truncate(middle, middle_room));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
    if show_right {
        let r = Rect { x: area.x + area.width - right_width as u16, width: right_width as u16, ..area };
        frame.render_widget(Paragraph::new(Span::styled(right, bar)), r);
    }
}

/// How long ago the last update came, in steps of 10 s for the first ten
/// minutes (then in minutes, as every duration). A busy cluster sends updates
/// every second: "0s"/"1s" flipping on every frame tells the operator nothing
/// the watch health beside it does not, and costs a redraw and bytes on the
/// wire each time (issue 15); a quiet one does not need the count by the second.
fn freshness(since: chrono::Duration) -> String {
    let stepped = if since < chrono::Duration::minutes(10) {
        chrono::Duration::seconds(since.num_seconds() / 10 * 10)
    } else {
        since
    };
    format::duration(stepped)
}

/// Cuts spans to `width` cells, marking the cut with "…".
fn truncate(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w <= width {
            used += w;
            out.push(span);
        } else {
            let text = format::fit(&span.content, width - used);
            out.push(Span::styled(text, span.style));
            break;
        }
    }
    out
}

pub fn namespaces_label(ns: &Namespaces) -> String {
    match ns {
        Namespaces::All => "all namespaces".into(),
        Namespaces::Only(list) => list.join(","),
    }
}

/// "watches ok", "listing 4/12", or the watches in trouble, worst first.
fn health_spans(app: &App, theme: &Theme, bar: Style) -> Vec<Span<'static>> {
    match &app.connection {
        ConnectionState::Connecting => return vec![Span::styled("connecting…", bar.patch(theme.warn))],
        ConnectionState::Failed(e) => {
            return vec![Span::styled(format!("✗ cannot connect: {}", format::sanitize(e)), bar.patch(theme.bad))];
        }
        ConnectionState::Connected => {}
    }
    let watches = &app.state.watches;
    let forbidden: Vec<String> = watches
        .iter()
        .filter(|(_, s)| matches!(s.health, WatchHealth::Forbidden { .. }))
        .map(|(id, _)| watch_name(id))
        .collect();
    let in_trouble = |failed: bool| -> Vec<(String, String)> {
        watches
            .iter()
            .filter_map(|(id, s)| match &s.health {
                WatchHealth::Retrying { error } if !failed => Some((watch_name(id), error.clone())),
                WatchHealth::Failed { error } if failed => Some((watch_name(id), error.clone())),
                _ => None,
            })
            .collect()
    };
    let (failed, retrying) = (in_trouble(true), in_trouble(false));
    let synced = watches.values().filter(|s| s.synced).count();
    let mut spans = Vec::new();
    if let Some(since) = watches.values().filter_map(|s| s.stale_since).min() {
        spans.push(Span::styled(format!("⚠ stale since {} ", since.format("%H:%M:%S")), bar.patch(theme.bad)));
    }
    if !forbidden.is_empty() {
        spans.push(Span::styled(format!("✗ forbidden: {} ", forbidden.join(",")), bar.patch(theme.bad)));
    }
    if let Some(text) = first_of(&failed, "✗ failed") {
        spans.push(Span::styled(text, bar.patch(theme.bad)));
    }
    if let Some(text) = first_of(&retrying, "⟳ retrying") {
        spans.push(Span::styled(text, bar.patch(theme.warn)));
    }
    if spans.is_empty() {
        if watches.is_empty() || synced < watches.len() {
            spans.push(Span::styled(format!("listing {synced}/{}", watches.len()), bar.patch(theme.warn)));
        } else {
            spans.push(Span::styled(format!("✓ {} watches ok", watches.len()), bar));
        }
    }
    // A queue broker in trouble shows on every screen, not only on Queues.
    if let Some(queues) = super::queues::sources_summary(&app.queues) {
        spans.push(Span::styled(format!(" ⟳ queues: {queues}"), bar.patch(theme.warn)));
    }
    spans
}

/// "⟳ retrying jobs +2 (error) ": the first watch of a list in trouble, and how many more.
fn first_of(watches: &[(String, String)], label: &str) -> Option<String> {
    let (name, error) = watches.first()?;
    let more = if watches.len() > 1 { format!(" +{}", watches.len() - 1) } else { String::new() };
    Some(format!("{label} {name}{more} ({}) ", format::sanitize(error)))
}

/// A watch as the status bar names it: "jobs" or "jobs@namespace".
pub fn watch_name(id: &WatchId) -> String {
    match (&id.namespace, id.kind) {
        (Some(ns), _) => format!("{}@{ns}", id.kind.plural()),
        (None, Kind::Node) => "nodes".into(),
        (None, kind) => kind.plural().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::freshness;
    use chrono::Duration;

    #[test]
    fn the_last_update_is_told_in_steps_of_ten_seconds_then_in_minutes() {
        let said = |s: i64| freshness(Duration::seconds(s));
        assert_eq!([said(0), said(1), said(9)], ["0s", "0s", "0s"]);
        assert_eq!([said(10), said(59), said(61)], ["10s", "50s", "60s"]);
        assert_eq!(said(185), format!("{}", model::text::duration(Duration::seconds(180))));
        assert_eq!(said(11 * 60 + 7), model::text::duration(Duration::seconds(11 * 60 + 7)));
    }
}
