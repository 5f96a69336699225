//! Colours and text attributes, in one place.
//!
//! The default theme uses only the 16 named ANSI colours (no RGB, no 256-colour
//! indexes), so it reads the same on a bastion's xterm, inside tmux and over a
//! slow ssh link. With `NO_COLOR` set (https://no-color.org) every style is
//! colourless and the selection and emphasis fall back to reverse and bold.

use ratatui::style::{Color, Modifier, Style};

/// Every style a screen uses. Screens never build colours themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// True when colour is off (NO_COLOR): widgets then add glyph cues instead.
    pub monochrome: bool,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub header: Style,
    pub border: Style,
    pub selected: Style,
    /// Healthy / succeeded / complete.
    pub ok: Style,
    /// Running / active / in progress.
    pub busy: Style,
    /// Needs attention: suspended, retrying, pending too long.
    pub warn: Style,
    /// Failed, forbidden, errors.
    pub bad: Style,
    /// Keys in the help overlay and status bar hints.
    pub key: Style,
    /// The matching failure-policy rule and other highlighted lines.
    pub highlight: Style,
    pub bar_succeeded: Style,
    pub bar_failed: Style,
    pub bar_active: Style,
    pub bar_empty: Style,
    pub status_bar: Style,
}

impl Theme {
    /// Reads `NO_COLOR` from the environment: present and non-empty turns colour off.
    pub fn from_env() -> Self {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Self::no_color(),
            _ => Self::default_16(),
        }
    }

    /// The default theme: named ANSI colours only.
    pub fn default_16() -> Self {
        let plain = Style::new();
        Self {
            monochrome: false,
            text: plain,
            dim: plain.fg(Color::DarkGray),
            title: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            header: plain.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            border: plain.fg(Color::DarkGray),
            selected: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            ok: plain.fg(Color::Green),
            busy: plain.fg(Color::Cyan),
            warn: plain.fg(Color::Yellow),
            bad: plain.fg(Color::Red).add_modifier(Modifier::BOLD),
            key: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            highlight: plain.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            bar_succeeded: plain.fg(Color::Green),
            bar_failed: plain.fg(Color::Red),
            bar_active: plain.fg(Color::Cyan),
            bar_empty: plain.fg(Color::DarkGray),
            status_bar: plain.fg(Color::Black).bg(Color::Gray),
        }
    }

    /// No colour at all: emphasis by bold, selection by reverse video.
    pub fn no_color() -> Self {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        Self {
            monochrome: true,
            text: plain,
            dim: plain,
            title: bold,
            header: bold.add_modifier(Modifier::UNDERLINED),
            border: plain,
            selected: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            ok: plain,
            busy: plain,
            warn: bold,
            bad: bold,
            key: bold,
            highlight: bold.add_modifier(Modifier::REVERSED),
            bar_succeeded: plain,
            bar_failed: bold,
            bar_active: plain,
            bar_empty: plain,
            status_bar: plain.add_modifier(Modifier::REVERSED),
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Self::default_16()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles(t: &Theme) -> Vec<Style> {
        vec![
            t.text,
            t.dim,
            t.title,
            t.header,
            t.border,
            t.selected,
            t.ok,
            t.busy,
            t.warn,
            t.bad,
            t.key,
            t.highlight,
            t.bar_succeeded,
            t.bar_failed,
            t.bar_active,
            t.bar_empty,
            t.status_bar,
        ]
    }

    #[test]
    fn default_theme_uses_only_named_ansi_colours() {
        for s in styles(&Theme::default_16()) {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?} is not one of the 16 colours");
            }
        }
    }

    #[test]
    fn no_color_theme_has_no_colour_and_a_visible_selection() {
        let t = Theme::no_color();
        for s in styles(&t) {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?} carries a colour");
        }
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
    }
}
