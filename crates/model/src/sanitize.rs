//! Makes untrusted log content safe to put on a terminal.
//!
//! A log line is whatever a container wrote: it may carry ANSI colours (kept
//! as styled runs, so the screen can show or drop them), but also cursor
//! movement, screen clearing, window-title changes, OSC 52 clipboard writes,
//! hyperlinks, device control strings, bells and backspace or carriage-return
//! tricks that hide text. None of that may reach the terminal. The escape
//! grammar is parsed with `anstyle-parse` (a vte fork, the DEC ANSI parser
//! state machine), so a sequence is recognised exactly as a terminal would
//! recognise it; only the SGR colour sequences are interpreted, everything
//! else is dropped, and the text that remains contains no control character
//! at all (C0, DEL or C1), only printable characters and spaces.

use anstyle_parse::{DefaultCharAccumulator, Params, Parser, Perform};

/// A colour from an SGR sequence: the 256-colour palette (0-15 are the
/// classic ANSI colours) or 24-bit RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Colour {
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// Text attributes a log line may ask for. `Default` is plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct SgrStyle {
    pub fg: Option<Colour>,
    pub bg: Option<Colour>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub reverse: bool,
}

impl SgrStyle {
    pub fn is_plain(&self) -> bool {
        *self == SgrStyle::default()
    }
}

/// A run of `text[start..end]` (byte offsets on char boundaries) with a style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledRun {
    pub start: usize,
    pub end: usize,
    pub style: SgrStyle,
}

/// A sanitised line: printable text plus the styled runs the line asked for.
/// Runs are sorted, disjoint, and only cover non-plain text (a plain line has
/// none, so it costs no more than its text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StyledText {
    pub text: String,
    pub runs: Vec<StyledRun>,
}

impl StyledText {
    pub fn plain(text: impl Into<String>) -> Self {
        Self { text: text.into(), runs: Vec::new() }
    }

    /// The style at each point of the text, as `(range, style)` pieces covering
    /// the whole text in order, plain pieces included.
    pub fn pieces(&self) -> Vec<(std::ops::Range<usize>, SgrStyle)> {
        let mut out = Vec::with_capacity(self.runs.len() * 2 + 1);
        let mut at = 0;
        for run in &self.runs {
            if run.start > at {
                out.push((at..run.start, SgrStyle::default()));
            }
            out.push((run.start..run.end, run.style));
            at = run.end;
        }
        if at < self.text.len() || out.is_empty() {
            out.push((at..self.text.len(), SgrStyle::default()));
        }
        out
    }

    /// Approximate heap bytes held, for the log buffer's memory bound.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.runs.capacity() * std::mem::size_of::<StyledRun>()
    }
}

/// Lines longer than this many input bytes are cut (with a marker saying how
/// much), so one enormous line cannot exhaust memory or the screen.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// Tab stops every 8 columns, as terminals have them by default.
const TAB_WIDTH: usize = 8;

/// Sanitises one log line (without its newline). Invalid UTF-8 becomes U+FFFD.
pub fn sanitize_line(raw: &[u8]) -> StyledText {
    let (kept, cut) =
        if raw.len() > MAX_LINE_BYTES { (&raw[..MAX_LINE_BYTES], raw.len() - MAX_LINE_BYTES) } else { (raw, 0) };
    // Decode first: invalid bytes (and raw 8-bit C1 bytes, which are never
    // valid UTF-8) become U+FFFD and stay visible instead of vanishing.
    let decoded = String::from_utf8_lossy(kept);
    let mut parser = Parser::<DefaultCharAccumulator>::new();
    let mut out = Sanitizer::default();
    for &b in decoded.as_bytes() {
        parser.advance(&mut out, b);
    }
    let mut styled = out.finish();
    if cut > 0 {
        styled.text.push_str(&format!(" … [{cut} more bytes cut]"));
    }
    styled
}

/// Sanitises and drops all styling: the plain text of a line.
pub fn strip_line(raw: &[u8]) -> String {
    sanitize_line(raw).text
}

/// Renders styled text back to SGR escape sequences, for `batchtop logs` on a
/// colour terminal. The only escapes in the output are SGR sequences this
/// function builds itself from the parsed styles.
pub fn to_ansi(styled: &StyledText) -> String {
    let mut out = String::with_capacity(styled.text.len() + styled.runs.len() * 12);
    for (range, style) in styled.pieces() {
        let piece = &styled.text[range];
        if style.is_plain() {
            out.push_str(piece);
        } else {
            out.push_str(&sgr_sequence(&style));
            out.push_str(piece);
            out.push_str("\x1b[0m");
        }
    }
    out
}

/// The SGR sequence that sets `style` from a reset state.
pub fn sgr_sequence(style: &SgrStyle) -> String {
    let mut codes: Vec<String> = Vec::new();
    if style.bold {
        codes.push("1".into());
    }
    if style.dim {
        codes.push("2".into());
    }
    if style.italic {
        codes.push("3".into());
    }
    if style.underline {
        codes.push("4".into());
    }
    if style.reverse {
        codes.push("7".into());
    }
    if let Some(c) = style.fg {
        codes.push(colour_code(38, c));
    }
    if let Some(c) = style.bg {
        codes.push(colour_code(48, c));
    }
    format!("\x1b[{}m", codes.join(";"))
}

fn colour_code(base: u8, c: Colour) -> String {
    match c {
        Colour::Indexed(n) => format!("{base};5;{n}"),
        Colour::Rgb(r, g, b) => format!("{base};2;{r};{g};{b}"),
    }
}

/// The parser's performer: collects printable characters and SGR state,
/// ignores every other control function.
#[derive(Default)]
struct Sanitizer {
    text: String,
    runs: Vec<StyledRun>,
    style: SgrStyle,
    /// Start of the text written in the current style.
    style_start: usize,
    /// Columns written so far, for tab expansion.
    column: usize,
}

impl Sanitizer {
    fn set_style(&mut self, style: SgrStyle) {
        if style == self.style {
            return;
        }
        self.close_run();
        self.style = style;
        self.style_start = self.text.len();
    }

    fn close_run(&mut self) {
        if !self.style.is_plain() && self.text.len() > self.style_start {
            self.runs.push(StyledRun { start: self.style_start, end: self.text.len(), style: self.style });
        }
    }

    fn finish(mut self) -> StyledText {
        self.close_run();
        StyledText { text: self.text, runs: self.runs }
    }
}

impl Perform for Sanitizer {
    fn print(&mut self, c: char) {
        // The parser hands UTF-8-encoded C1 controls (U+0080..U+009F) and DEL
        // to `print`; some terminals act on them, so they go too.
        if c.is_control() {
            return;
        }
        self.text.push(c);
        self.column += 1;
    }

    fn execute(&mut self, byte: u8) {
        // Of all C0/C1 controls only TAB survives, as spaces. BEL, BS, CR
        // (which lets a line overwrite its own start), LF, VT, FF, SO/SI and
        // the rest are dropped: any text they would hide stays visible.
        if byte == b'\t' {
            let spaces = TAB_WIDTH - self.column % TAB_WIDTH;
            self.text.extend(std::iter::repeat_n(' ', spaces));
            self.column += spaces;
        }
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: u8) {
        // Only `CSI ... m` without intermediates is SGR; cursor movement,
        // erase, scroll regions, mode changes and reports are all dropped.
        if action == b'm' && intermediates.is_empty() && !ignore {
            let style = apply_sgr(self.style, params);
            self.set_style(style);
        }
    }

    // OSC (titles, OSC 52 clipboard, OSC 8 hyperlinks), DCS (hook/put/unhook),
    // SOS/PM/APC strings and other ESC sequences keep the default no-op.
}

/// Applies one SGR sequence's parameters to a style.
fn apply_sgr(mut style: SgrStyle, params: &Params) -> SgrStyle {
    let groups: Vec<&[u16]> = params.iter().collect();
    if groups.is_empty() {
        return SgrStyle::default();
    }
    let mut i = 0;
    while i < groups.len() {
        let group = groups[i];
        let code = group.first().copied().unwrap_or(0);
        match code {
            0 => style = SgrStyle::default(),
            1 => style.bold = true,
            2 => style.dim = true,
            3 => style.italic = true,
            4 => style.underline = true,
            7 => style.reverse = true,
            22 => {
                style.bold = false;
                style.dim = false;
            }
            23 => style.italic = false,
            24 => style.underline = false,
            27 => style.reverse = false,
            30..=37 => style.fg = Some(Colour::Indexed((code - 30) as u8)),
            39 => style.fg = None,
            40..=47 => style.bg = Some(Colour::Indexed((code - 40) as u8)),
            49 => style.bg = None,
            90..=97 => style.fg = Some(Colour::Indexed((code - 90 + 8) as u8)),
            100..=107 => style.bg = Some(Colour::Indexed((code - 100 + 8) as u8)),
            38 | 48 => {
                let (colour, consumed) = extended_colour(&groups[i..]);
                if code == 38 {
                    style.fg = colour.or(style.fg);
                } else {
                    style.bg = colour.or(style.bg);
                }
                i += consumed;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    style
}

/// Reads `38;5;n`, `38;2;r;g;b` or their colon forms (`38:5:n`,
/// `38:2::r:g:b`). Returns the colour and how many groups it used.
fn extended_colour(groups: &[&[u16]]) -> (Option<Colour>, usize) {
    let first = groups[0];
    if first.len() > 1 {
        // Colon form: everything is in this one group.
        let colour = match first[1] {
            5 => first.get(2).map(|&n| Colour::Indexed(clamp(n))),
            2 => {
                let rgb = if first.len() >= 6 { &first[3..6] } else { first.get(2..5).unwrap_or(&[]) };
                (rgb.len() == 3).then(|| Colour::Rgb(clamp(rgb[0]), clamp(rgb[1]), clamp(rgb[2])))
            }
            _ => None,
        };
        return (colour, 1);
    }
    let value = |k: usize| groups.get(k).and_then(|g| g.first()).copied();
    match value(1) {
        Some(5) => (value(2).map(|n| Colour::Indexed(clamp(n))), 3.min(groups.len())),
        Some(2) => match (value(2), value(3), value(4)) {
            (Some(r), Some(g), Some(b)) => (Some(Colour::Rgb(clamp(r), clamp(g), clamp(b))), 5),
            _ => (None, groups.len()),
        },
        _ => (None, 2.min(groups.len())),
    }
}

fn clamp(n: u16) -> u8 {
    n.min(255) as u8
}

/// Whether a character could make a terminal do something other than print:
/// the test of what sanitised text must never contain.
pub fn is_terminal_control(c: char) -> bool {
    c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(raw: &str) -> StyledText {
        sanitize_line(raw.as_bytes())
    }

    #[test]
    fn plain_text_passes_unchanged() {
        let out = s("hello world: 42 ✓ 日本");
        assert_eq!(out.text, "hello world: 42 ✓ 日本");
        assert!(out.runs.is_empty());
    }

    #[test]
    fn sgr_colours_become_runs() {
        let out = s("a \x1b[31mred\x1b[0m b \x1b[1;38;5;200mpink\x1b[m c");
        assert_eq!(out.text, "a red b pink c");
        assert_eq!(
            out.runs,
            vec![
                StyledRun { start: 2, end: 5, style: SgrStyle { fg: Some(Colour::Indexed(1)), ..Default::default() } },
                StyledRun {
                    start: 8,
                    end: 12,
                    style: SgrStyle { fg: Some(Colour::Indexed(200)), bold: true, ..Default::default() }
                },
            ]
        );
    }

    #[test]
    fn truecolour_in_both_forms() {
        let semi = s("\x1b[38;2;1;2;3mx");
        let colon = s("\x1b[38:2::1:2:3mx");
        let want = Some(Colour::Rgb(1, 2, 3));
        assert_eq!(semi.runs[0].style.fg, want);
        assert_eq!(colon.runs[0].style.fg, want);
        assert_eq!(
            s("\x1b[48;5;17;97mx").runs[0].style,
            SgrStyle { bg: Some(Colour::Indexed(17)), fg: Some(Colour::Indexed(15)), ..Default::default() }
        );
    }

    #[test]
    fn cursor_movement_and_erase_are_dropped() {
        let out = s("start\x1b[2J\x1b[H\x1b[10;20Hmoved\x1b[1A\x1b[K\x1b[?1049h\x1b[?25l\x1b7\x1b8\x1bcend");
        assert_eq!(out.text, "startmovedend");
        assert!(out.runs.is_empty());
    }

    #[test]
    fn osc_title_clipboard_and_hyperlinks_are_dropped() {
        let out = s(
            "a\x1b]0;pwned title\x07b\x1b]52;c;ZWNobyBwd25lZA==\x1b\\c\x1b]8;;http://x.invalid\x1b\\link\x1b]8;;\x1b\\d",
        );
        assert_eq!(out.text, "abclinkd");
    }

    #[test]
    fn dcs_sos_pm_apc_are_dropped() {
        let out = s("a\x1bP1$qm\x1b\\b\x1bXsos\x1b\\c\x1b^pm\x1b\\d\x1b_apc\x1b\\e");
        assert_eq!(out.text, "abcde");
    }

    #[test]
    fn c0_and_c1_controls_are_dropped_but_text_they_hide_stays() {
        // CR would let "innocent" overwrite "rm -rf /"; BS would erase characters.
        let out = s("rm -rf /\rinnocent\x08\x08\x07\x00\x0b\x0c\x7f!");
        assert_eq!(out.text, "rm -rf /innocent!");
        // UTF-8 encoded C1 CSI (U+009B) and raw 8-bit C1 bytes.
        let out = sanitize_line("x\u{9b}2Jy\u{9d}0;t\u{9c}z".as_bytes());
        assert!(!out.text.chars().any(is_terminal_control), "{:?}", out.text);
        let out = sanitize_line(b"x\x9b2Jy");
        assert!(!out.text.chars().any(is_terminal_control), "{:?}", out.text);
    }

    #[test]
    fn tabs_expand_to_the_next_stop() {
        assert_eq!(s("ab\tc").text, "ab      c");
        assert_eq!(s("\tx").text, "        x");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(sanitize_line(b"a\xff\xfeb").text.chars().filter(|&c| c == '\u{fffd}').count(), 2);
    }

    #[test]
    fn long_lines_are_cut_with_a_marker() {
        let raw = vec![b'x'; MAX_LINE_BYTES + 10];
        let out = sanitize_line(&raw);
        assert!(out.text.ends_with(" … [10 more bytes cut]"));
        assert!(out.text.len() < MAX_LINE_BYTES + 40);
    }

    #[test]
    fn to_ansi_round_trips_styles() {
        let raw = "a \x1b[31mred\x1b[0m \x1b[1;4;48;2;9;8;7mx\x1b[0m";
        let once = s(raw);
        let again = sanitize_line(to_ansi(&once).as_bytes());
        assert_eq!(once, again);
    }

    #[test]
    fn pieces_cover_the_text() {
        let out = s("a\x1b[32mb\x1b[0mc");
        let pieces = out.pieces();
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces.iter().map(|(r, _)| &out.text[r.clone()]).collect::<String>(), "abc");
    }

    /// Bytes biased towards escape grammar, so the fuzzing reaches the parser's corners.
    fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            any::<u8>().prop_map(|b| vec![b]),
            Just(b"\x1b[".to_vec()),
            Just(b"\x1b]".to_vec()),
            Just(b"\x1bP".to_vec()),
            Just(b"\x1b_".to_vec()),
            Just(b"\x1b\\".to_vec()),
            Just(b"\x07".to_vec()),
            Just("\u{9b}".as_bytes().to_vec()),
            Just("\u{9d}".as_bytes().to_vec()),
            Just(b";38;5;".to_vec()),
            Just(b"m".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\x08".to_vec()),
            "[ -~]{0,8}".prop_map(std::string::String::into_bytes),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn sanitized_text_never_contains_controls(raw in hostile_bytes()) {
            let out = sanitize_line(&raw);
            prop_assert!(!out.text.chars().any(is_terminal_control), "{:?} -> {:?}", raw, out.text);
            for r in &out.runs {
                prop_assert!(r.start < r.end && r.end <= out.text.len());
                prop_assert!(out.text.is_char_boundary(r.start) && out.text.is_char_boundary(r.end));
            }
            prop_assert!(out.runs.windows(2).all(|w| w[0].end <= w[1].start));
        }

        #[test]
        fn rendered_ansi_has_only_our_sgr_escapes(raw in hostile_bytes()) {
            let ansi = to_ansi(&sanitize_line(&raw));
            // Remove the sequences we build; nothing escape-like may remain.
            let re = regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap();
            let rest = re.replace_all(&ansi, "");
            prop_assert!(!rest.chars().any(is_terminal_control), "{:?}", rest);
        }

        #[test]
        fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..512)) {
            let out = sanitize_line(&raw);
            prop_assert!(!out.text.chars().any(is_terminal_control));
        }
    }
}
