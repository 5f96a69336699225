//! The `--once` report as plain-text tables, kubectl-style. Escape codes
//! (colour of the status column) only when asked for: the caller decides from
//! "stdout is a terminal and NO_COLOR is unset". Text from the cluster is
//! sanitised, so a hostile condition message cannot drive the terminal.

use std::fmt::Write as _;

use super::{CronJobReport, JobReport, Report};
use model::Time;
use model::job::{JobPhase, Progress};
use model::queue::Tone;
use model::text as format;
use model::warnings::Severity;

/// Width of the text completion bar, in cells.
pub const BAR_WIDTH: u16 = 10;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

struct Cell {
    text: String,
    color: Option<&'static str>,
}

fn plain(text: impl Into<String>) -> Cell {
    Cell { text: format::sanitize(&text.into()), color: None }
}

fn colored(text: impl Into<String>, color: &'static str) -> Cell {
    Cell { text: format::sanitize(&text.into()), color: Some(color) }
}

/// Aligned columns separated by three spaces, like kubectl. The last column
/// is not padded (no trailing blanks).
fn table(out: &mut String, header: &[&str], rows: Vec<Vec<Cell>>, color: bool) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.text.chars().count());
        }
    }
    let last = header.len() - 1;
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = (String, Option<&'static str>)>| {
        let mut text = String::new();
        for (i, (cell, c)) in cells.enumerate() {
            let padded = if i == last { cell } else { format!("{cell:<width$}   ", width = widths[i]) };
            match c.filter(|_| color) {
                Some(code) => {
                    // Colour the text only, not the padding.
                    let trimmed = padded.trim_end();
                    let _ = write!(text, "{code}{trimmed}{RESET}{}", &padded[trimmed.len()..]);
                }
                None => text.push_str(&padded),
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(out, &mut header.iter().map(|h| (h.to_string(), None)));
    for row in rows {
        line(out, &mut row.into_iter().map(|c| (c.text, c.color)));
    }
}

/// `[###xx~....] 3/10`: succeeded `#`, failed `x`, active `~`, to do `.`
/// (the console's bar segments, in ASCII), then the model's label.
pub fn text_bar(p: &Progress) -> String {
    let (s, f, a) = model::text::segments(p, BAR_WIDTH);
    let rest = BAR_WIDTH.saturating_sub(s + f + a);
    let cells: String = [('#', s), ('x', f), ('~', a), ('.', rest)]
        .into_iter()
        .flat_map(|(c, n)| std::iter::repeat_n(c, n as usize))
        .collect();
    format!("[{cells}] {}", p.label())
}

fn phase_color(phase: JobPhase, status_text: &str) -> &'static str {
    match phase {
        JobPhase::Failed => RED,
        _ if status_text == "Failing" => RED,
        JobPhase::Complete => GREEN,
        JobPhase::Suspended => YELLOW,
        JobPhase::Running => CYAN,
        JobPhase::Pending => DIM,
    }
}

fn job_row(j: &JobReport, now: Time) -> Vec<Cell> {
    let status = match &j.reason {
        Some(reason) => format!("{} {}", j.status_text, reason),
        None => j.status_text.clone(),
    };
    vec![
        plain(&j.namespace),
        plain(&j.name),
        plain(j.pattern.as_str()),
        plain(text_bar(&j.progress)),
        plain(j.active.to_string()),
        colored(status, phase_color(j.status, &j.status_text)),
        plain(seconds(j.elapsed_seconds)),
        plain(seconds(j.eta_seconds)),
        plain(format::age(j.created.map(|t| t.0), now)),
    ]
}

/// A number of seconds as a duration, `-` for none.
fn seconds(s: Option<i64>) -> String {
    s.map_or_else(|| "-".into(), |s| format::duration(chrono::Duration::seconds(s)))
}

fn cronjob_row(c: &CronJobReport, now: Time) -> Vec<Cell> {
    let schedule = match &c.time_zone {
        Some(tz) => format!("{} ({tz})", c.schedule),
        None => c.schedule.clone(),
    };
    let next = match (c.suspend, c.next_run_time) {
        (true, _) => "suspended".to_string(),
        (false, Some(t)) => format::countdown(t.0, now),
        (false, None) => "-".to_string(),
    };
    let history: String = c
        .history
        .iter()
        .map(|h| match h.status {
            JobPhase::Complete => '+',
            JobPhase::Failed => 'x',
            _ => '~',
        })
        .collect();
    vec![
        plain(&c.namespace),
        plain(&c.name),
        plain(schedule),
        plain(&c.description),
        plain(if c.suspend { "True" } else { "False" }),
        plain(c.active.to_string()),
        plain(c.last_schedule_time.map_or_else(|| "-".into(), |t| format::age(Some(t.0), now) + " ago")),
        plain(next),
        plain(if history.is_empty() { "-".to_string() } else { history }),
    ]
}

/// Renders the whole report.
pub fn render(report: &Report, color: bool) -> String {
    let now = report.generated_at.0;
    let mut out = String::new();
    let scope = match &report.namespaces {
        None => "all namespaces".to_string(),
        Some(list) => format!("namespace{} {}", if list.len() == 1 { "" } else { "s" }, list.join(", ")),
    };
    let selector = report.selector.as_ref().map(|s| format!(", selector {s}")).unwrap_or_default();
    let _ = writeln!(out, "context {}, {scope}{selector}", format::sanitize(&report.context));

    out.push('\n');
    if report.jobs.is_empty() {
        out.push_str("No Jobs.\n");
    } else {
        let header = ["NAMESPACE", "NAME", "PATTERN", "COMPLETIONS", "ACTIVE", "STATUS", "DURATION", "ETA", "AGE"];
        table(&mut out, &header, report.jobs.iter().map(|j| job_row(j, now)).collect(), color);
    }

    if !report.cronjobs.is_empty() {
        out.push('\n');
        let header = [
            "NAMESPACE",
            "CRONJOB",
            "SCHEDULE",
            "MEANING",
            "SUSPEND",
            "ACTIVE",
            "LAST SCHEDULE",
            "NEXT RUN",
            "HISTORY",
        ];
        table(&mut out, &header, report.cronjobs.iter().map(|c| cronjob_row(c, now)).collect(), color);
    }

    if !report.groups.is_empty() {
        out.push('\n');
        let rows = report
            .groups
            .iter()
            .map(|g| {
                let done = format!("{}/{}", g.complete, g.total);
                vec![
                    plain(&g.label),
                    plain(done),
                    plain(g.running.to_string()),
                    if g.failed > 0 { colored(g.failed.to_string(), RED) } else { plain("0") },
                ]
            })
            .collect();
        table(&mut out, &["GROUP", "COMPLETE", "RUNNING", "FAILED"], rows, color);
    }

    if !report.queues.is_empty() {
        out.push('\n');
        table(&mut out, &QUEUE_HEADER, report.queues.iter().map(queue_row).collect(), color);
    }

    // Watches refused by RBAC or retrying are among the model's warnings.
    if !report.warnings.is_empty() {
        out.push('\n');
        let rows = report
            .warnings
            .iter()
            .map(|w| {
                let color = if w.severity == Severity::Error { RED } else { YELLOW };
                vec![colored(w.severity.as_str(), color), plain(&w.object), plain(&w.message)]
            })
            .collect();
        table(&mut out, &["SEVERITY", "OBJECT", "WARNING"], rows, color);
    }

    out
}

const QUEUE_HEADER: [&str; 11] =
    ["SOURCE", "QUEUE", "KIND", "READY", "IN-FLIGHT", "CONSUMERS", "IN", "OUT", "ORPHANED", "JOBS", "HEALTH"];

fn queue_row(q: &model::queue::QueueSummary) -> Vec<Cell> {
    let n = |v: Option<u64>| v.map_or_else(|| "-".into(), |v| v.to_string());
    let r = |v: Option<f64>| v.map_or_else(|| "-".into(), model::text::rate);
    let color = match q.health.tone() {
        Tone::Good => GREEN,
        Tone::Waiting | Tone::Degraded => YELLOW,
        Tone::Bad => RED,
    };
    let health = colored(q.health.text(), color);
    vec![
        plain(&q.source),
        plain(&q.name),
        plain(q.layout),
        plain(n(q.ready)),
        plain(n(q.in_flight)),
        plain(n(q.consumers)),
        plain(r(q.rate_in)),
        plain(r(q.rate_out)),
        if q.orphaned > 0 { colored(q.orphaned.to_string(), RED) } else { plain("0") },
        plain(if q.linked_jobs.is_empty() { "-".to_string() } else { q.linked_jobs.join(",") }),
        health,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_shows_success_failure_and_activity() {
        let p = Progress {
            succeeded: 3,
            failed: 0,
            active: 0,
            target: Some(5),
            parallelism: Some(2),
            ..Default::default()
        };
        assert_eq!(text_bar(&p), "[######....] 3/5");
        let p = Progress { succeeded: 5, target: Some(5), ..Default::default() };
        assert_eq!(text_bar(&p), "[##########] 5/5");
        let p = Progress { succeeded: 0, failed: 1, active: 1, target: Some(10), ..Default::default() };
        assert_eq!(text_bar(&p), "[x~........] 0/10");
    }

    #[test]
    fn tables_align_and_colour_only_the_text() {
        let mut out = String::new();
        table(&mut out, &["A", "B"], vec![vec![colored("long", RED), plain("x")], vec![plain("s"), plain("y")]], false);
        assert_eq!(out, "A      B\nlong   x\ns      y\n");
        let mut out = String::new();
        table(&mut out, &["A", "B"], vec![vec![colored("ab", RED), plain("x")]], true);
        assert_eq!(out, "A    B\n\x1b[31mab\x1b[0m   x\n");
    }

    #[test]
    fn hostile_text_is_sanitised() {
        let mut out = String::new();
        table(&mut out, &["M"], vec![vec![plain("bad\x1b[2Jnews\nline")]], false);
        assert!(!out.contains('\x1b'), "{out:?}");
    }
}
