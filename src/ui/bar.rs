//! The completion bar: succeeded (green █), failed (red x), active (cyan ▒)
//! and still to do (░), followed by the model's label ("3/8", "1 of 2 done").
//! The glyphs differ as well as the colours, so the bar reads without colour
//! (NO_COLOR) and for colour-blind operators.

use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::model::job::Progress;

pub const SUCCEEDED: char = '█';
pub const FAILED: char = 'x';
pub const ACTIVE: char = '▒';
pub const EMPTY: char = '░';

/// Cells of each segment for a bar `width` cells wide: (succeeded, failed, active).
pub fn segments(p: &Progress, width: u16) -> (u16, u16, u16) {
    let w = width as f64;
    let (s, f, a) = (p.succeeded.max(0) as f64, p.failed.max(0) as f64, p.active.max(0) as f64);
    let (succeeded, failed, active) = match (p.fraction(), p.target) {
        (Some(done), Some(t)) if t > 0 => {
            let failed = p.failed_fraction().unwrap_or(0.0);
            (done * w, failed * w, (a / t as f64) * w)
        }
        (Some(done), _) => (done * w, 0.0, 0.0),
        // Work queue: no count to reach; show the workers against parallelism.
        (None, _) => {
            let total = (p.parallelism.unwrap_or(1).max(1) as f64).max(s + f + a);
            (s / total * w, f / total * w, a / total * w)
        }
    };
    let mut cells = [succeeded, failed, active].map(|x| x.round() as u16);
    // Anything non-zero gets at least one cell, so one failure out of 1,000 shows.
    for (c, raw) in cells.iter_mut().zip([s, f, a]) {
        if *c == 0 && raw > 0.0 {
            *c = 1;
        }
    }
    // A bar is full only when the target is reached.
    let complete = p.target.is_some_and(|t| p.succeeded >= t);
    if !complete && cells[0] >= width && width > 1 {
        cells[0] = width - 1;
    }
    // Trim overflow from the least important segment first.
    let mut over = (cells.iter().sum::<u16>()).saturating_sub(width);
    for i in [2, 1, 0] {
        let cut = over.min(cells[i]);
        cells[i] -= cut;
        over -= cut;
    }
    (cells[0], cells[1], cells[2])
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(succeeded: i32, failed: i32, active: i32, target: Option<i32>, parallelism: Option<i32>) -> Progress {
        Progress { succeeded, failed, active, target, parallelism, ..Default::default() }
    }

    #[test]
    fn segments_follow_the_counts() {
        assert_eq!(segments(&progress(5, 0, 0, Some(5), None), 10), (10, 0, 0));
        assert_eq!(segments(&progress(0, 2, 2, Some(8), None), 8), (0, 2, 2));
        assert_eq!(segments(&progress(3, 0, 2, Some(8), None), 16), (6, 0, 4));
    }

    #[test]
    fn almost_done_is_not_drawn_full_and_rare_failures_show() {
        assert_eq!(segments(&progress(999, 1, 0, Some(1000), None), 10), (9, 1, 0));
        assert_eq!(segments(&progress(1, 0, 0, Some(1000), None), 10).0, 1);
    }

    #[test]
    fn work_queue_shows_workers_against_parallelism() {
        assert_eq!(segments(&progress(1, 0, 1, None, Some(2)), 10), (5, 0, 5));
    }

    #[test]
    fn segments_never_overflow() {
        for (s, f, a) in [(8, 8, 8), (0, 100, 100), (3, 7, 20)] {
            let (x, y, z) = segments(&progress(s, f, a, Some(8), Some(4)), 12);
            assert!(x + y + z <= 12, "{s} {f} {a}");
        }
    }
}
