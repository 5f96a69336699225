//! Text both the console and the `--once` report show: durations, ages,
//! countdowns, rates, cell fitting, the completion bar's segments and
//! one-line cleaning of cluster text. One copy, so both outputs agree (and
//! agree with kubectl: durations use the model's kubectl-style `human_duration`).

use unicode_width::UnicodeWidthChar;

use crate::Time;
use crate::job::{HumanDuration, Progress, human_duration};

/// What one table cell's text needs: the cells it takes, and the cells it
/// must not be cut below. Here rather than in the console's table code so a
/// view can keep a table's measures between frames (`Measured`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measure {
    /// The text's width, in terminal cells.
    pub content: u16,
    /// Cells the column must not be cut below (a status or health word).
    pub floor: u16,
}

impl Measure {
    /// A cell of `text`, which may be cut anywhere.
    pub fn text(text: &str) -> Self {
        Self { content: cells(text), floor: 0 }
    }

    /// A cell of `text` that must keep its first `word` whole.
    pub fn word(word: &str, text: &str) -> Self {
        Self { content: cells(text), floor: cells(word) }
    }

    /// A cell of `text` that must never be cut.
    pub fn exact(text: &str) -> Self {
        Self::word(text, text)
    }

    /// A cell of [`duration`]`(d)`, measured without writing it out.
    pub fn duration(d: chrono::Duration) -> Self {
        Self { content: u16::try_from(HumanDuration::of(d).width()).unwrap_or(u16::MAX), floor: 0 }
    }

    /// A cell of [`age`]`(t, now)`, measured without writing it out.
    pub fn age(t: Option<Time>, now: Time) -> Self {
        t.map_or_else(|| Self::text("-"), |t| Self::duration(now - t))
    }

    /// What two rows need together.
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        Self { content: self.content.max(other.content), floor: self.floor.max(other.floor) }
    }
}

/// The width of `text` in terminal cells.
pub fn cells(text: &str) -> u16 {
    // Printable ASCII (every Kubernetes name) is one cell a byte: no table look-ups.
    let printable = text.bytes().all(|b| (0x20..0x7f).contains(&b));
    let width = if printable { text.len() } else { unicode_width::UnicodeWidthStr::width(text) };
    u16::try_from(width).unwrap_or(u16::MAX)
}

/// A duration, kubectl-style ("45s", "3m12s", "2h5m").
pub fn duration(d: chrono::Duration) -> String {
    human_duration(d)
}

/// Time since `t`, or "-" when unknown.
pub fn age(t: Option<Time>, now: Time) -> String {
    t.map_or_else(|| "-".into(), |t| human_duration(now - t))
}

/// Time until `t` ("in 42s"), or "now" when it is due.
pub fn countdown(t: Time, now: Time) -> String {
    let d = t - now;
    if d.num_seconds() <= 0 { "now".into() } else { format!("in {}", human_duration(d)) }
}

/// Cuts `s` to `width` terminal cells, ending with "…" when cut.
pub fn fit(s: &str, width: usize) -> String {
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Cuts `s` to `width` cells in the middle ("job-pod-fa…config-issue"):
/// Kubernetes names often differ only at the end (a suffix, an index, a hash).
pub fn fit_middle(s: &str, width: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let total: usize = chars.iter().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width || width < 8 || chars.len() != total {
        // Short cells, or wide characters: cut at the end.
        return fit(s, width);
    }
    let tail = (width - 1) / 2;
    let head = width - 1 - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `word` and then `detail` ("stuck" + ": 1 orphaned") in `width` cells,
/// cutting the detail and never the word: the word is what one reads a status
/// or health column for. Only the word when the detail has no useful room.
pub fn fit_word(word: &str, detail: &str, width: usize) -> String {
    let word_width: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
    let room = width.saturating_sub(word_width);
    let detail_width: usize = detail.chars().map(|c| c.width().unwrap_or(0)).sum();
    if detail_width <= room {
        format!("{word}{detail}")
    } else if room >= 4 {
        format!("{word}{}", fit(detail, room))
    } else {
        word.to_string()
    }
}

/// Text from the cluster (condition messages, event messages, errors) made safe
/// for the terminal by the model's sanitiser: no escape sequences, no control
/// characters, one line.
pub fn sanitize(s: &str) -> String {
    crate::sanitize::strip_line(s.replace(['\n', '\r'], " ").as_bytes())
}

/// Folds every run of white space (newlines included) into one space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Items per second, readable at a glance: "2.5/s", "12/m", "0".
pub fn rate(r: f64) -> String {
    if r <= 0.0 {
        "0".into()
    } else if r >= 10.0 {
        format!("{r:.0}/s")
    } else if r >= 1.0 {
        format!("{r:.1}/s")
    } else if r * 60.0 >= 1.0 {
        format!("{:.0}/m", r * 60.0)
    } else {
        format!("{:.1}/m", r * 60.0)
    }
}

// ---- the completion bar --------------------------------------------------------
//
// Succeeded, failed, active and still to do, each with its own glyph as well as
// its colour, so the bar reads without colour (NO_COLOR) and for colour-blind
// operators.

pub const SUCCEEDED: char = '█';
pub const FAILED: char = 'x';
pub const ACTIVE: char = '▒';
pub const EMPTY: char = '░';

/// Cells of each segment for a bar `width` cells wide: (succeeded, failed,
/// active); the rest of the width is still to do. A Job whose `Complete`
/// condition is True is full (a work queue has no target to fill against).
pub fn segments(p: &Progress, width: u16) -> (u16, u16, u16) {
    if p.complete {
        return (width, 0, 0);
    }
    let w = f64::from(width);
    let (s, f, a) = (f64::from(p.succeeded.max(0)), f64::from(p.failed_units().max(0)), f64::from(p.active.max(0)));
    let (succeeded, failed, active) = match (p.fraction(), p.target) {
        (Some(done), Some(t)) if t > 0 => {
            let failed = p.failed_fraction().unwrap_or(0.0);
            (done * w, failed * w, (a / f64::from(t)) * w)
        }
        (Some(done), _) => (done * w, 0.0, 0.0),
        // Work queue: no count to reach; show the workers against parallelism.
        (None, _) => {
            let total = f64::from(p.parallelism.unwrap_or(1).max(1)).max(s + f + a);
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
    // Otherwise a bar is full only when the target is reached.
    let reached = p.target.is_some_and(|t| p.succeeded >= t);
    if !reached && cells[0] >= width && width > 1 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("indexed-job", 20), "indexed-job");
        assert_eq!(fit("indexed-job", 8), "indexed…");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn fit_middle_keeps_both_ends() {
        assert_eq!(fit_middle("job-pod-failure-policy-config-issue", 20), "job-pod-fa…fig-issue");
        assert_eq!(fit_middle("job-pod-failure-policy-config-issue", 20).chars().count(), 20);
        assert_eq!(fit_middle("short", 20), "short");
        assert_eq!(fit_middle("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn fit_word_cuts_the_detail_and_keeps_the_word() {
        assert_eq!(fit_word("stuck", ": 1 orphaned", 20), "stuck: 1 orphaned");
        assert_eq!(fit_word("stuck", ": 1 orphaned", 12), "stuck: 1 or…");
        assert_eq!(fit_word("stuck", ": 1 orphaned", 7), "stuck", "no room for a useful detail");
        assert_eq!(fit_word("stuck", ": 1 orphaned", 3), "stuck", "the word even when the cell is narrower");
    }

    #[test]
    fn sanitize_drops_escape_sequences_and_newlines() {
        assert_eq!(sanitize("a\x1b[2Jb\nc\r"), "ab c ");
    }

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

    #[test]
    fn a_complete_work_queue_is_full() {
        let done = Progress { complete: true, ..progress(2, 0, 0, None, Some(2)) };
        assert_eq!(segments(&done, 10), (10, 0, 0));
        assert_eq!(segments(&progress(2, 0, 0, None, Some(2)), 10), (9, 0, 0), "not full before Complete");
    }

    #[test]
    fn per_index_budgets_draw_failed_indexes() {
        // Indexes 1 and 4 failed (4 pods), 2 succeeded, 2 running, of 6.
        let p = Progress { failed_indexes: Some(2), ..progress(2, 4, 2, Some(6), Some(6)) };
        assert_eq!(segments(&p, 12), (4, 4, 4));
        assert_eq!(segments(&Progress { failed_indexes: None, ..p }, 12).1, 8, "pods, without the per-index budget");
    }

    proptest::proptest! {
        #[test]
        fn segments_fit_the_width_and_complete_is_full(
            succeeded in 0..200i32, failed in 0..200i32, active in 0..200i32,
            target in proptest::option::of(0..200i32), parallelism in proptest::option::of(0..50i32),
            failed_indexes in proptest::option::of(0..200i32), complete: bool, width in 0..80u16,
        ) {
            let p = Progress { succeeded, failed, active, target, parallelism, complete, failed_indexes, ..Default::default() };
            let (s, f, a) = segments(&p, width);
            proptest::prop_assert!(s + f + a <= width, "{s}+{f}+{a} > {width}");
            if complete {
                proptest::prop_assert_eq!((s, f, a), (width, 0, 0));
            } else if width > 1 && target.is_none_or(|t| succeeded < t) {
                proptest::prop_assert!(s < width, "full before the target or Complete");
            }
        }
    }

    #[test]
    fn rates_read_naturally() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(0.5), "30/m");
        assert_eq!(rate(0.01), "0.6/m");
        assert_eq!(rate(2.54), "2.5/s");
        assert_eq!(rate(123.0), "123/s");
    }
}
