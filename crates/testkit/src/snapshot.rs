//! The snapshot harness: a frame drawn into ratatui's `TestBackend` at the
//! sizes every screen is checked at, for `insta` to compare (the backend's
//! text form: one quoted line per row).

use ratatui::backend::TestBackend;
use ratatui::{Frame, Terminal};

/// Every screen is snapshotted at the bastion minimum and at a roomy size.
pub const SIZES: [(u16, u16); 2] = [(80, 24), (140, 40)];

/// Draws one frame at `width` x `height` and returns the terminal it drew on.
pub fn render(width: u16, height: u16, draw: impl FnOnce(&mut Frame)) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal.draw(draw).expect("drawing into a test terminal");
    terminal.backend().clone()
}

/// The screen with its styles, for snapshots that must fail when a selection
/// is lost or a colour changes (the backend's text form holds no styles):
/// the text grid, then one line per run of equally styled cells that are not
/// plain, such as `r3 c0-79 reversed,bold` or `r5 c40-46 fg=Red`.
pub fn styled(backend: &TestBackend) -> String {
    let buffer = backend.buffer();
    let mut out = backend.to_string();
    out.push_str("--- styles (row, columns, style) ---\n");
    for y in 0..buffer.area.height {
        let styles: Vec<String> = (0..buffer.area.width).map(|x| describe(&buffer[(x, y)])).collect();
        for (start, end, style) in runs(&styles) {
            out.push_str(&format!("r{y} c{start}-{end} {style}\n"));
        }
    }
    out
}

/// A cell's style in words ("fg=Red,bg=Blue,bold"); empty when it is plain.
fn describe(cell: &ratatui::buffer::Cell) -> String {
    use ratatui::style::Color;
    let mut parts = Vec::new();
    if cell.fg != Color::Reset {
        parts.push(format!("fg={:?}", cell.fg));
    }
    if cell.bg != Color::Reset {
        parts.push(format!("bg={:?}", cell.bg));
    }
    parts.extend(cell.modifier.iter_names().map(|(name, _)| name.to_lowercase()));
    parts.join(",")
}

/// Runs of equal, non-empty styles: (first column, last column, style).
fn runs(styles: &[String]) -> Vec<(usize, usize, &str)> {
    let mut out: Vec<(usize, usize, &str)> = Vec::new();
    for (x, style) in styles.iter().enumerate() {
        match out.last_mut() {
            Some((_, end, last)) if *end + 1 == x && *last == style.as_str() => *end = x,
            _ if style.is_empty() => {}
            _ => out.push((x, x, style)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::Span;

    #[test]
    fn styled_lists_each_run_of_a_style_and_leaves_plain_cells_out() {
        let backend = render(12, 2, |frame| {
            let line = ratatui::text::Line::from(vec![
                Span::raw("ab"),
                Span::styled("cde", Style::new().fg(Color::Red)),
                Span::styled("fg", Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)),
            ]);
            frame.render_widget(line, frame.area());
        });
        let text = styled(&backend);
        assert!(text.starts_with(&backend.to_string()), "the text grid comes first");
        let styles: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("---")).skip(1).collect();
        assert_eq!(styles, ["r0 c2-4 fg=Red", "r0 c5-6 bold,reversed"]);
    }

    #[test]
    fn a_changed_style_changes_the_styled_text_but_not_the_plain_one() {
        let draw = |style: Style| render(4, 1, |frame| frame.render_widget(Span::styled("ab", style), frame.area()));
        let (plain, selected) = (draw(Style::new()), draw(Style::new().add_modifier(Modifier::REVERSED)));
        assert_eq!(plain.to_string(), selected.to_string());
        assert_ne!(styled(&plain), styled(&selected));
    }
}
