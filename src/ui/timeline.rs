//! The pod timeline of the Job detail screen (`t` hides it): one lane per pod
//! or per index, each run a bar on an axis shared by every lane and scaled to
//! the width, in glyphs that read without colour (`model::timeline::Outcome::glyph`).

use model::Time;
use model::text as format;
use model::timeline::{Lane, Outcome, Timeline};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::job_detail::heading;
use super::theme::Theme;

/// Lanes drawn at most; a Job of thousands of pods says how many more there are.
pub const MAX_LANES: usize = 40;
/// Widest lane label (`#12`, or a pod name cut in the middle).
const LABEL: usize = 20;
/// Widest end-of-lane note (`exit 42 ×3`).
const NOTE: usize = 18;

pub fn section(timeline: Option<&Timeline>, now: Time, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let Some(t) = timeline.filter(|t| !t.lanes.is_empty()) else {
        return vec![heading(theme, "Timeline  t: hide"), Line::styled(" no pods seen", theme.dim)];
    };
    let width = width as usize;
    let mut out = vec![header(t, theme, width)];
    let label_w = t.lanes.iter().map(|l| l.label.width()).max().unwrap_or(2).clamp(2, LABEL);
    let notes: Vec<String> = t.lanes.iter().take(MAX_LANES).map(note).collect();
    let note_w = notes.iter().map(|n| n.width()).max().unwrap_or(0).min(NOTE);
    // " label bar note": what is left is the axis, at least a few cells.
    let bar_w = width.saturating_sub(1 + label_w + 1 + 1 + note_w).max(4);
    for (lane, note) in t.lanes.iter().zip(&notes) {
        out.push(lane_line(t, lane, note, now, theme, (label_w, bar_w, note_w)));
    }
    if t.lanes.len() > MAX_LANES {
        out.push(Line::styled(format!(" … {} more lanes (p: the pod table)", t.lanes.len() - MAX_LANES), theme.dim));
    }
    out.push(axis(t, theme, label_w, bar_w));
    out.push(legend(theme, width));
    out
}

/// `Timeline  t: hide · 3m10s · peak 2 running (parallelism 2)`.
fn header(t: &Timeline, theme: &Theme, width: usize) -> Line<'static> {
    let mut text = format!(" · {}", format::duration(t.to - t.from));
    text.push_str(&format!(" · peak {} running", t.peak));
    if let Some(p) = t.parallelism {
        text.push_str(&format!(" (parallelism {p})"));
    }
    let title = "Timeline  t: hide";
    let rest = format::fit(&text, width.saturating_sub(title.len()));
    Line::from(vec![Span::styled(title, theme.header), Span::styled(rest, theme.dim)])
}

/// What the lane's last run came to, and how many runs it took.
fn note(lane: &Lane) -> String {
    let Some(last) = lane.runs.last() else { return String::new() };
    let what = match &last.outcome {
        Outcome::Failed { why } | Outcome::Disrupted { why } => format::sanitize(why),
        other => other.word().to_string(),
    };
    if lane.runs.len() > 1 { format!("{what} ×{}", lane.runs.len()) } else { what }
}

pub fn outcome_style(theme: &Theme, outcome: &Outcome) -> Style {
    match outcome {
        Outcome::Succeeded => theme.ok,
        Outcome::Failed { .. } => theme.bad,
        Outcome::Disrupted { .. } => theme.warn,
        Outcome::Running => theme.busy,
        Outcome::Pending => theme.dim,
    }
}

fn lane_line(
    t: &Timeline,
    lane: &Lane,
    note: &str,
    now: Time,
    theme: &Theme,
    (label_w, bar_w, note_w): (usize, usize, usize),
) -> Line<'static> {
    let label = format::fit_middle(&format::sanitize(&lane.label), label_w);
    let mut spans = vec![Span::styled(format!(" {label:<label_w$} "), theme.dim)];
    // Runs of cells with one outcome become one span.
    let cells = t.cells(lane, bar_w, now);
    let mut i = 0;
    while i < cells.len() {
        let run = cells[i..].iter().take_while(|c| *c == &cells[i]).count();
        spans.push(match cells[i] {
            Some(o) => Span::styled(o.glyph().to_string().repeat(run), outcome_style(theme, o)),
            None => Span::raw(" ".repeat(run)),
        });
        i += run;
    }
    let style = lane.runs.last().map_or(theme.dim, |r| outcome_style(theme, &r.outcome));
    spans.push(Span::styled(format!(" {}", format::fit(note, note_w)), style));
    Line::from(spans)
}

/// The axis under the lanes: its span, and `┴` where the Job started and ended.
fn axis(t: &Timeline, theme: &Theme, label_w: usize, bar_w: usize) -> Line<'static> {
    let mut cells: Vec<char> = vec!['─'; bar_w];
    for at in [t.job_start, t.job_end].into_iter().flatten() {
        cells[t.cell_of(at, bar_w)] = '┴';
    }
    let end = format!(" {}", format::duration(t.to - t.from));
    Line::from(vec![
        Span::styled(format!(" {:<label_w$} ", "0s"), theme.dim),
        Span::styled(cells.into_iter().collect::<String>(), theme.border),
        Span::styled(end, theme.dim),
    ])
}

fn legend(theme: &Theme, width: usize) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    let outcomes = [
        Outcome::Succeeded,
        Outcome::Failed { why: String::new() },
        Outcome::Disrupted { why: String::new() },
        Outcome::Running,
        Outcome::Pending,
    ];
    let items = outcomes.iter().map(|o| (format!("{} {}  ", o.glyph(), o.word()), outcome_style(theme, o)));
    for (text, style) in items.chain([("┴ Job start/end".to_string(), theme.dim)]) {
        used += text.width();
        if used > width {
            break;
        }
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}
