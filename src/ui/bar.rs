//! The completion bar: succeeded (green █), failed (red x), active (cyan ▒)
//! and still to do (░), followed by the model's label ("3/8", "1 of 2 done").
//! The glyphs differ as well as the colours, so the bar reads without colour
//! (NO_COLOR) and for colour-blind operators.

use ratatui::text::{Line, Span};

use super::theme::Theme;
use model::job::Progress;
use model::text::{ACTIVE, EMPTY, FAILED, SUCCEEDED, segments};

/// Just the bar, `width` cells.
pub fn bar_spans(p: &Progress, width: u16, theme: &Theme) -> Vec<Span<'static>> {
    let (s, f, a) = segments(p, width);
    let rest = width.saturating_sub(s + f + a);
    let seg = |c: char, n: u16, style| Span::styled(c.to_string().repeat(n as usize), style);
    vec![
        seg(SUCCEEDED, s, theme.bar_succeeded),
        seg(FAILED, f, theme.bar_failed),
        seg(ACTIVE, a, theme.bar_active),
        seg(EMPTY, rest, theme.bar_empty),
    ]
    .into_iter()
    .filter(|s| !s.content.is_empty())
    .collect()
}

/// The bar and its label in `width` cells: "██▒░░░ 2/5". Narrow cells keep
/// the label and drop the bar.
pub fn bar_line(p: &Progress, width: u16, theme: &Theme) -> Line<'static> {
    let label = p.label();
    let label_width = label.chars().count() as u16;
    let bar_width = width.saturating_sub(label_width + 1);
    let label_style = if p.failed > 0 && p.target.is_some_and(|t| p.succeeded < t) { theme.warn } else { theme.text };
    if bar_width < 3 {
        return Line::from(Span::styled(label, label_style));
    }
    let mut spans = bar_spans(p, bar_width, theme);
    spans.push(Span::raw(" "));
    spans.push(Span::styled(label, label_style));
    Line::from(spans)
}
