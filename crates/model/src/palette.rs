//! How many colours the terminal shows, and every colour brought within it.
//!
//! batchtop's own styles use the 16 named ANSI colours, which every colour
//! terminal has (and which follow the operator's palette). Log lines bring
//! their own colours: 256-colour indexes and 24-bit RGB. On a terminal with
//! fewer colours each is replaced by the nearest one it has, so a line stays
//! coloured instead of being dropped or garbled.

use crate::sanitize::Colour;

/// The colours a terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Depth {
    /// None at all (`NO_COLOR`, `TERM=dumb`): only bold, underline and reverse.
    Mono,
    /// The 16 ANSI colours (`TERM=linux`, `TERM=screen`, `xterm`).
    Ansi16,
    /// The xterm 256-colour palette (`TERM=*-256color`).
    Ansi256,
    /// 24-bit colour (`COLORTERM=truecolor` or `24bit`).
    TrueColor,
}

impl Depth {
    /// The depth the environment announces, by the usual conventions:
    /// `NO_COLOR` (non-empty) turns colour off, as does a missing or `dumb`
    /// `TERM`; `COLORTERM=truecolor|24bit` means 24-bit; a `TERM` naming
    /// `256color` means 256; any other `TERM` gets the 16 colours.
    pub fn from_terminal(no_color: Option<&str>, term: Option<&str>, colorterm: Option<&str>) -> Self {
        let term = term.unwrap_or("").trim();
        if no_color.is_some_and(|v| !v.is_empty()) || term.is_empty() || term == "dumb" {
            return Depth::Mono;
        }
        if matches!(colorterm.map(str::trim), Some("truecolor" | "24bit")) {
            return Depth::TrueColor;
        }
        if term.contains("256color") {
            return Depth::Ansi256;
        }
        Depth::Ansi16
    }

    /// `colour` as this depth can show it: unchanged when it can, else the
    /// nearest colour it has; `None` without colour.
    pub fn reduce(self, colour: Colour) -> Option<Colour> {
        match (self, colour) {
            (Depth::Mono, _) => None,
            (Depth::TrueColor, c)
            | (Depth::Ansi256, c @ Colour::Indexed(_))
            | (Depth::Ansi16, c @ Colour::Indexed(0..16)) => Some(c),
            (Depth::Ansi256, Colour::Rgb(r, g, b)) => Some(Colour::Indexed(ansi_colours::ansi256_from_rgb((r, g, b)))),
            (Depth::Ansi16, Colour::Indexed(n)) => Some(Colour::Indexed(nearest_16(ansi_colours::rgb_from_ansi256(n)))),
            (Depth::Ansi16, Colour::Rgb(r, g, b)) => Some(Colour::Indexed(nearest_16((r, g, b)))),
        }
    }
}

/// The closest of the 16 ANSI colours (as xterm draws them) to `rgb`, by a
/// distance weighted the way the eye weighs red, green and blue.
pub fn nearest_16(rgb: (u8, u8, u8)) -> u8 {
    (0u8..16).min_by_key(|&n| distance(rgb, ansi_colours::rgb_from_ansi256(n))).unwrap_or(7)
}

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| u32::from(x.abs_diff(y)).pow(2);
    2 * d(a.0, b.0) + 4 * d(a.1, b.1) + 3 * d(a.2, b.2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_environment_names_the_depth() {
        let d = Depth::from_terminal;
        assert_eq!(d(Some("1"), Some("xterm-256color"), Some("truecolor")), Depth::Mono, "NO_COLOR wins");
        assert_eq!(d(Some(""), Some("xterm"), None), Depth::Ansi16, "an empty NO_COLOR is unset");
        assert_eq!(d(None, Some("dumb"), None), Depth::Mono);
        assert_eq!(d(None, None, None), Depth::Mono);
        assert_eq!(d(None, Some("xterm-256color"), Some("truecolor")), Depth::TrueColor);
        assert_eq!(d(None, Some("tmux-256color"), Some("24bit")), Depth::TrueColor);
        assert_eq!(d(None, Some("xterm-256color"), None), Depth::Ansi256);
        assert_eq!(d(None, Some("screen-256color"), None), Depth::Ansi256);
        for term in ["linux", "screen", "xterm", "vt220", "rxvt-unicode"] {
            assert_eq!(d(None, Some(term), None), Depth::Ansi16, "{term}");
        }
    }

    #[test]
    fn colours_come_down_to_the_nearest_one_the_terminal_has() {
        let orange = Colour::Rgb(255, 135, 0);
        assert_eq!(Depth::TrueColor.reduce(orange), Some(orange));
        assert_eq!(Depth::Ansi256.reduce(orange), Some(Colour::Indexed(208)));
        assert_eq!(Depth::Ansi256.reduce(Colour::Indexed(82)), Some(Colour::Indexed(82)));
        assert_eq!(Depth::Ansi16.reduce(Colour::Rgb(250, 10, 10)), Some(Colour::Indexed(9)), "bright red");
        assert_eq!(Depth::Ansi16.reduce(Colour::Rgb(0, 0, 0)), Some(Colour::Indexed(0)));
        assert_eq!(Depth::Ansi16.reduce(Colour::Indexed(82)), Some(Colour::Indexed(10)), "256's green is green");
        assert_eq!(Depth::Ansi16.reduce(Colour::Indexed(3)), Some(Colour::Indexed(3)));
        assert_eq!(Depth::Mono.reduce(orange), None);
    }

    fn colour() -> impl Strategy<Value = Colour> {
        prop_oneof![
            any::<u8>().prop_map(Colour::Indexed),
            any::<(u8, u8, u8)>().prop_map(|(r, g, b)| Colour::Rgb(r, g, b))
        ]
    }

    proptest! {
        #[test]
        fn a_reduced_colour_is_within_the_depth_and_stays_put(c in colour()) {
            for depth in [Depth::Ansi16, Depth::Ansi256, Depth::TrueColor] {
                let reduced = depth.reduce(c).expect("a colour depth keeps a colour");
                match depth {
                    Depth::Ansi16 => prop_assert!(matches!(reduced, Colour::Indexed(0..16))),
                    Depth::Ansi256 => prop_assert!(matches!(reduced, Colour::Indexed(_))),
                    _ => prop_assert_eq!(reduced, c),
                }
                prop_assert_eq!(depth.reduce(reduced), Some(reduced), "reducing twice changes nothing");
            }
        }
    }
}
