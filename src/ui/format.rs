//! Short text for times and columns. Durations use the model's kubectl-style
//! `human_duration`, so the console, `--once` and kubectl agree.

use unicode_width::UnicodeWidthChar;

use crate::model::Time;
use crate::model::job::human_duration;

/// A duration, kubectl-style ("45s", "3m12s", "2h5m").
pub fn duration(d: chrono::Duration) -> String {
    human_duration(d)
}

/// Time since `t`, or "-" when unknown.
pub fn age(t: Option<Time>, now: Time) -> String {
    t.map(|t| human_duration(now - t)).unwrap_or_else(|| "-".into())
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

/// Text from the cluster (condition messages, event messages, errors) made safe
/// for the terminal by the model's sanitiser: no escape sequences, no control
/// characters, one line.
pub fn sanitize(s: &str) -> String {
    crate::model::sanitize::strip_line(s.replace(['\n', '\r'], " ").as_bytes())
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
    fn sanitize_drops_escape_sequences_and_newlines() {
        assert_eq!(sanitize("a\x1b[2Jb\nc\r"), "ab c ");
    }
}
