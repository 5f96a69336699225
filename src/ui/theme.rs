//! Colours and text attributes, in one place.
//!
//! The default theme uses only the 16 named ANSI colours (no RGB, no 256-colour
//! indexes), so it reads the same on a bastion's xterm, inside tmux and over a
//! slow ssh link, in the operator's own palette, at every colour depth. The
//! depth ([`Depth`]) decides what log lines' own colours become. Without
//! colour (`NO_COLOR`, https://no-color.org, or `TERM=dumb`) every style is
//! colourless and the selection and emphasis fall back to reverse and bold.

use model::palette::Depth;
use model::sanitize::Colour;
use ratatui::style::{Color, Modifier, Style};

/// Every style a screen uses. Screens never build colours themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The colours the terminal shows; log lines' colours are brought within it.
    pub depth: Depth,
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
    pub fn for_depth(depth: Depth) -> Self {
        match depth {
            Depth::Mono => Self::no_color(),
            _ => Self { depth, ..Self::default_16() },
        }
    }

    /// The default theme: named ANSI colours only, log colours as the 16.
    pub fn default_16() -> Self {
        let plain = Style::new();
        Self {
            depth: Depth::Ansi16,
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
            depth: Depth::Mono,
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

impl Theme {
    /// A colour from outside (a log line, a prefix) as this terminal can show
    /// it: the 16 by name (so the palette applies), the rest as the depth allows.
    pub fn colour(&self, colour: Colour) -> Option<Color> {
        Some(ratatui_colour(self.depth.reduce(colour)?))
    }

    /// A foreground and background from outside, made readable: a foreground
    /// equal to its background (after reduction) loses the background.
    pub fn colours(&self, fg: Option<Colour>, bg: Option<Colour>) -> (Option<Color>, Option<Color>) {
        let fg = fg.and_then(|c| self.colour(c));
        let bg = bg.and_then(|c| self.colour(c));
        if fg.is_some() && fg == bg { (fg, None) } else { (fg, bg) }
    }
}

/// The 16 ANSI colours by name, the rest as given.
fn ratatui_colour(c: Colour) -> Color {
    const NAMED: [Color; 16] = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
    ];
    match c {
        Colour::Indexed(n) if (n as usize) < NAMED.len() => NAMED[n as usize],
        Colour::Indexed(n) => Color::Indexed(n),
        Colour::Rgb(r, g, b) => Color::Rgb(r, g, b),
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
    fn log_colours_follow_the_depth_and_never_hide_the_text() {
        let orange = Colour::Rgb(255, 135, 0);
        assert_eq!(Theme::for_depth(Depth::TrueColor).colour(orange), Some(Color::Rgb(255, 135, 0)));
        assert_eq!(Theme::for_depth(Depth::Ansi256).colour(orange), Some(Color::Indexed(208)));
        assert_eq!(Theme::for_depth(Depth::Ansi16).colour(orange), Some(Color::Yellow));
        assert_eq!(Theme::for_depth(Depth::Mono).colour(orange), None);
        // Black on black, and two blues that are one blue on 16 colours: the text stays visible.
        let t = Theme::for_depth(Depth::Ansi16);
        assert_eq!(t.colours(Some(Colour::Indexed(0)), Some(Colour::Indexed(0))), (Some(Color::Black), None));
        let (fg, bg) = t.colours(Some(Colour::Rgb(0, 0, 200)), Some(Colour::Rgb(0, 0, 190)));
        assert!(fg.is_some() && bg.is_none(), "{fg:?} on {bg:?}");
        let (fg, bg) =
            Theme::for_depth(Depth::TrueColor).colours(Some(Colour::Rgb(0, 0, 200)), Some(Colour::Rgb(0, 0, 190)));
        assert_eq!((fg, bg), (Some(Color::Rgb(0, 0, 200)), Some(Color::Rgb(0, 0, 190))), "distinct at full depth");
    }

    #[test]
    fn every_colour_depth_keeps_the_named_theme_and_mono_has_none() {
        for depth in [Depth::Ansi16, Depth::Ansi256, Depth::TrueColor] {
            assert_eq!(Theme { depth: Depth::Ansi16, ..Theme::for_depth(depth) }, Theme::default_16());
        }
        assert_eq!(Theme::for_depth(Depth::Mono), Theme::no_color());
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
