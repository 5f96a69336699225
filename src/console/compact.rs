//! Fewer bytes per frame on their way to the terminal (issue 15: over a slow
//! ssh link the bytes are what the operator feels).
//!
//! ratatui already sends only the cells that changed, but each changed cell
//! costs an absolute cursor move (`ESC[row;colH`, up to 10 bytes), and every
//! frame ends with four resets (`ESC[39m ESC[49m ESC[59m ESC[0m`) and a
//! cursor hide, even a frame that changed nothing (most frames: a pod that
//! is not on screen changed). [`compact_frame`] rewrites one frame's bytes:
//!
//! - a move from a known position becomes the shortest of the original and
//!   a relative one: `ESC[nA`/`ESC[nB` (up/down n rows, which never scroll)
//!   followed, if the column differs, by `ESC[nC` (forward n) or
//!   `ESC[colG` (to column); most changed cells are a few rows below the
//!   last one (an age ticking on each row of a table);
//! - a colour among the 16 (`ESC[38;5;Nm`, N < 16) is sent in its classic
//!   form (`ESC[3Nm`, `ESC[9Nm`), 5 bytes instead of 11: the same palette
//!   entry on every terminal. A foreground of the first 8 under bold keeps
//!   its long form: terminals that show bold as bright (xterm's `boldColors`,
//!   PuTTY) brighten the classic codes 30-37 only;
//! - the four resets become `ESC[0m`, which resets the same;
//! - a cursor hide while the cursor is hidden is dropped;
//! - a frame left with nothing but its reset is dropped (the previous
//!   frame ended with one too);
//! - colour changes wait for the next character they show on: a blank
//!   between two cells of one colour (a column gap) no longer switches to
//!   the default foreground and back, since a blank shows no foreground
//!   (unless reversed, underlined or struck through, which are tracked).
//!
//! The column is tracked through printable ASCII only: after any other byte
//! (a wide or combining character, a control) the next move stays absolute.
//! Nothing else changes: the colour rewriting for 16-colour terminals
//! (`classic_sgr`) runs on the result.

/// The four resets every ratatui frame ends with, and the one that does the same.
const FRAME_RESETS: &[u8] = b"\x1b[39m\x1b[49m\x1b[59m\x1b[0m";
const RESET: &[u8] = b"\x1b[0m";
const HIDE_CURSOR: &[u8] = b"\x1b[?25l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// What the terminal's cursor is known to be, between and within frames.
#[derive(Debug)]
pub struct CursorTrack {
    hidden: bool,
    /// Row and column (1-based) where the next character lands, while known.
    at: Option<(u32, u32)>,
    /// The terminal's width, when known: a character written in the last
    /// column leaves the cursor there (pending wrap), not one past it, so the
    /// position is forgotten then; without the width no move goes back.
    width: Option<u32>,
}

impl CursorTrack {
    /// The terminal as setup leaves it: cursor hidden, position unknown.
    pub fn hidden() -> Self {
        Self { hidden: true, at: None, width: None }
    }

    /// The terminal's width now (it may have been resized since the last frame).
    pub fn set_width(&mut self, width: u16) {
        self.width = Some(u32::from(width));
    }
}

/// The colours the terminal has (as the SGR parameters sent; `None`: the
/// default), the ones the frame asked for last (as it asked), and the
/// attributes that make a blank visible or change how a colour is sent.
#[derive(Debug, Default)]
struct Colours {
    term_fg: Option<String>,
    term_bg: Option<String>,
    want_fg: Option<String>,
    want_bg: Option<String>,
    /// Reverse, underline or strike-through is on: a blank shows its foreground.
    blank_shows_fg: u8,
    /// Bold is on: a foreground of the first 8 colours keeps its 256-colour form.
    bold: bool,
}

/// Which colour an SGR colour sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Foreground,
    Background,
}

/// The classic codes of the 16: foregrounds 30-37 and 90-97, backgrounds 40-47 and 100-107.
const CLASSIC: [[&str; 16]; 2] = [
    ["30", "31", "32", "33", "34", "35", "36", "37", "90", "91", "92", "93", "94", "95", "96", "97"],
    ["40", "41", "42", "43", "44", "45", "46", "47", "100", "101", "102", "103", "104", "105", "106", "107"],
];

/// `spec` (an SGR colour's parameters as asked) as it is sent: one of the 16
/// in its classic form, unless a bold foreground of the first 8 (see the module).
/// Borrowed either way: it is asked for every character drawn.
fn as_sent(spec: &str, layer: Layer, bold: bool) -> &str {
    let index = spec.strip_prefix("38;5;").or_else(|| spec.strip_prefix("48;5;")).and_then(|n| n.parse::<usize>().ok());
    let row = match layer {
        Layer::Foreground => 0,
        Layer::Background => 1,
    };
    match index {
        Some(n @ 0..=7) if !(bold && layer == Layer::Foreground) => CLASSIC[row][n],
        Some(n @ 8..=15) => CLASSIC[row][n],
        _ => spec,
    }
}

impl Colours {
    /// Sends the colour changes the next character needs (only the background for a blank that shows no foreground).
    fn apply(&mut self, blank: bool, out: &mut Vec<u8>) {
        let fg = self.want_fg.as_deref().map(|spec| as_sent(spec, Layer::Foreground, self.bold));
        let bg = self.want_bg.as_deref().map(|spec| as_sent(spec, Layer::Background, self.bold));
        let fg_due = !(blank && self.blank_shows_fg == 0) && fg != self.term_fg.as_deref();
        let bg_due = bg != self.term_bg.as_deref();
        if !fg_due && !bg_due {
            return;
        }
        let mut parts: Vec<&str> = Vec::new();
        if fg_due {
            parts.push(fg.unwrap_or("39"));
        }
        if bg_due {
            parts.push(bg.unwrap_or("49"));
        }
        out.extend_from_slice(format!("\x1b[{}m", parts.join(";")).as_bytes());
        if fg_due {
            self.term_fg = fg.map(str::to_string);
        }
        if bg_due {
            self.term_bg = bg.map(str::to_string);
        }
    }

    /// Takes in an SGR's parameters: colours are remembered, anything else is sent (after the colours it may depend on).
    fn sgr(&mut self, params: &str, out: &mut Vec<u8>) {
        let tokens: Vec<&str> = params.split(';').collect();
        let mut others: Vec<&str> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i];
            // 38;5;N and 38;2;R;G;B take 3 and 5 tokens.
            let span = match (t, tokens.get(i + 1).copied()) {
                ("38" | "48", Some("5")) => 3,
                ("38" | "48", Some("2")) => 5,
                _ => 1,
            };
            let colour = tokens[i..(i + span).min(tokens.len())].join(";");
            match t.parse::<u16>().unwrap_or(u16::MAX) {
                38 | 30..=37 | 90..=97 => self.want_fg = Some(colour),
                39 => self.want_fg = None,
                48 | 40..=47 | 100..=107 => self.want_bg = Some(colour),
                49 => self.want_bg = None,
                0 | u16::MAX if t.is_empty() || t == "0" => {
                    // A full reset: the terminal is at the defaults, and so is what is wanted.
                    *self = Self::default();
                    others.push("0");
                }
                1 => {
                    self.bold = true;
                    others.push(t);
                }
                22 => {
                    self.bold = false;
                    others.push(t);
                }
                4 | 7 | 9 => {
                    self.blank_shows_fg |= attribute_bit(t);
                    others.push(t);
                }
                24 | 27 | 29 => {
                    self.blank_shows_fg &= !attribute_bit(t);
                    others.push(t);
                }
                _ => others.push(t),
            }
            i += span;
        }
        if !others.is_empty() {
            out.extend_from_slice(format!("\x1b[{}m", others.join(";")).as_bytes());
        }
    }
}

fn attribute_bit(t: &str) -> u8 {
    match t {
        "4" | "24" => 1,
        "7" | "27" => 2,
        _ => 4,
    }
}

/// Appends the compacted `frame` to `out` (nothing when the frame changes nothing).
pub fn compact_frame(frame: &[u8], cursor: &mut CursorTrack, out: &mut Vec<u8>) {
    // Something outside the frame (a resize, a restore) may have moved the cursor.
    cursor.at = None;
    // Every frame starts where the last one ended: at the defaults.
    let mut colours = Colours::default();
    let start = out.len();
    let mut i = 0;
    while i < frame.len() {
        if frame[i..].starts_with(FRAME_RESETS) {
            out.extend_from_slice(RESET);
            colours = Colours::default();
            i += FRAME_RESETS.len();
        } else if let Some(len) = csi_len(&frame[i..]) {
            write_csi(&frame[i..i + len], cursor, &mut colours, out);
            i += len;
        } else {
            let byte = frame[i];
            // A UTF-8 continuation byte belongs to a character already coloured.
            if byte & 0xc0 != 0x80 {
                colours.apply(byte == b' ', out);
            }
            out.push(byte);
            cursor.at = match (cursor.at, cursor.width) {
                (Some((row, col)), Some(width)) if (0x20..0x7f).contains(&byte) && col < width => Some((row, col + 1)),
                _ => None,
            };
            i += 1;
        }
    }
    if &out[start..] == RESET {
        out.truncate(start);
    }
}

/// The length of the CSI sequence (`ESC [ params final`) at the start of `bytes`, if one is complete there.
fn csi_len(bytes: &[u8]) -> Option<usize> {
    if !bytes.starts_with(b"\x1b[") {
        return None;
    }
    let end = bytes[2..].iter().position(|b| (0x40..=0x7e).contains(b))?;
    Some(end + 3)
}

fn write_csi(seq: &[u8], cursor: &mut CursorTrack, colours: &mut Colours, out: &mut Vec<u8>) {
    if seq == HIDE_CURSOR || seq == SHOW_CURSOR {
        let hide = seq == HIDE_CURSOR;
        if hide != cursor.hidden {
            out.extend_from_slice(seq);
        }
        cursor.hidden = hide;
        return;
    }
    if seq.last() == Some(&b'm') {
        match std::str::from_utf8(&seq[2..seq.len() - 1]) {
            Ok(params) if !params.starts_with(['?', '>', '<', '=']) => colours.sgr(params, out),
            _ => out.extend_from_slice(seq),
        }
        return;
    }
    let Some((row, col)) = cursor_position(seq) else {
        // Any other sequence may move the cursor: its position is no longer known.
        out.extend_from_slice(seq);
        cursor.at = None;
        return;
    };
    out.extend_from_slice(&shortest_move(cursor.at, row, col, seq));
    cursor.at = Some((row, col));
}

/// The target of a cursor position sequence `ESC[row;colH`.
fn cursor_position(seq: &[u8]) -> Option<(u32, u32)> {
    let params = std::str::from_utf8(seq.strip_prefix(b"\x1b[")?.strip_suffix(b"H")?).ok()?;
    let (row, col) = params.split_once(';')?;
    Some((row.parse().ok()?, col.parse().ok()?))
}

/// The shortest sequence that takes the cursor from `at` to `row`/`col`:
/// the original, or a move up or down (if the row differs) then along the row
/// (if the column differs). `at` is only ever a position the cursor really has
/// (see [`CursorTrack::width`]), so every relative move is exact.
fn shortest_move(at: Option<(u32, u32)>, row: u32, col: u32, absolute: &[u8]) -> Vec<u8> {
    let Some((from_row, from_col)) = at else { return absolute.to_vec() };
    let mut relative = match row.cmp(&from_row) {
        std::cmp::Ordering::Equal => Vec::new(),
        std::cmp::Ordering::Greater => counted(row - from_row, b'B'),
        std::cmp::Ordering::Less => counted(from_row - row, b'A'),
    };
    if col != from_col {
        let along = [
            format!("\x1b[{col}G").into_bytes(),
            if col > from_col { counted(col - from_col, b'C') } else { counted(from_col - col, b'D') },
        ];
        relative.extend(along.into_iter().min_by_key(Vec::len).unwrap_or_default());
    }
    if relative.len() < absolute.len() { relative } else { absolute.to_vec() }
}

/// A relative move of `n` (left out when 1): `A` up, `B` down (neither
/// scrolls), `C` forward, `D` back (neither wraps).
fn counted(n: u32, direction: u8) -> Vec<u8> {
    let mut seq = b"\x1b[".to_vec();
    if n > 1 {
        seq.extend_from_slice(n.to_string().as_bytes());
    }
    seq.push(direction);
    seq
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The terminal of the examples: 200 columns.
    fn track() -> CursorTrack {
        let mut cursor = CursorTrack::hidden();
        cursor.set_width(200);
        cursor
    }

    fn compact(frame: &[u8], cursor: &mut CursorTrack) -> Vec<u8> {
        let mut out = Vec::new();
        compact_frame(frame, cursor, &mut out);
        out
    }

    #[test]
    fn a_frame_that_changes_nothing_is_not_sent() {
        let mut cursor = track();
        assert_eq!(compact(b"\x1b[?25l\x1b[39m\x1b[49m\x1b[59m\x1b[0m", &mut cursor), b"");
    }

    #[test]
    fn moves_are_relative_and_the_resets_one() {
        let mut cursor = track();
        let frame = b"\x1b[?25l\x1b[24;111H\x1b[38;5;6;49m6\x1b[24;119H\x1b[38;5;8;49m8\x1b[25;111Hx\x1b[25;112Hy\x1b[39m\x1b[49m\x1b[59m\x1b[0m";
        let want = b"\x1b[24;111H\x1b[36m6\x1b[7C\x1b[90m8\x1b[B\x1b[9Dxy\x1b[0m";
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn a_move_back_goes_to_the_column_and_a_wide_character_forgets_it() {
        let mut cursor = track();
        let frame = "\x1b[3;50Habc\x1b[3;10Hd\x1b[3;12H█\x1b[3;14He".as_bytes();
        let want = "\x1b[3;50Habc\x1b[10Gd\x1b[C█\x1b[3;14He".as_bytes();
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn a_blank_between_cells_of_one_colour_keeps_the_colour() {
        let mut cursor = track();
        let frame = b"\x1b[1;1H\x1b[38;5;8;49m5s\x1b[39;49m \x1b[38;5;8;49m2m\x1b[39;49m x";
        let want = b"\x1b[1;1H\x1b[90m5s 2m \x1b[39mx";
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn a_reversed_blank_and_a_background_still_get_their_colours() {
        let mut cursor = track();
        let frame = b"\x1b[1;1H\x1b[7m\x1b[38;5;8;49ma\x1b[39;49m \x1b[27m\x1b[38;5;0;48;5;7m \x1b[0mz";
        let want = b"\x1b[1;1H\x1b[7m\x1b[90ma\x1b[39m \x1b[27m\x1b[47m \x1b[0mz";
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn a_move_a_few_rows_down_is_relative() {
        let mut cursor = track();
        // An age ticking on two rows: AGE at column 112, ELAPSED at 104.
        let frame = b"\x1b[30;104H5\x1b[30;112H7\x1b[31;104H4\x1b[33;113H9\x1b[32;1Hz";
        let want = b"\x1b[30;104H5\x1b[7C7\x1b[B\x1b[9D4\x1b[2B\x1b[8C9\x1b[32;1Hz";
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn the_16_colours_go_in_their_classic_form_but_a_bold_one_of_the_first_8() {
        let mut cursor = track();
        let frame = b"\x1b[1;1H\x1b[38;5;1;48;5;12ma\x1b[1mb\x1b[22mc\x1b[38;5;9;1md\x1b[38;5;196me";
        // Bold on: red is sent again in its long form (not brightened); off: short again.
        let want = b"\x1b[1;1H\x1b[31;104ma\x1b[1m\x1b[38;5;1mb\x1b[22m\x1b[31mc\x1b[1m\x1b[91md\x1b[38;5;196me";
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn the_cursor_shown_then_hidden_is_kept() {
        let mut cursor = track();
        assert_eq!(compact(b"\x1b[5;5H\x1b[?25h", &mut cursor), b"\x1b[5;5H\x1b[?25h");
        assert_eq!(compact(b"\x1b[?25l\x1b[39m\x1b[49m\x1b[59m\x1b[0m", &mut cursor), b"\x1b[?25l\x1b[0m");
    }

    /// The screen as a terminal shows it: each cell's text, colours and attributes.
    fn cells(screen: &vt100::Screen) -> Vec<String> {
        let (rows, cols) = screen.size();
        let mut cells = Vec::new();
        for r in 0..rows.get() {
            for c in 0..cols.get() {
                let cell = screen.cell(r, c).expect("a cell on screen");
                // A blank shows no foreground unless reversed or underlined (the module's rule).
                let blank = cell.contents().trim().is_empty() && !cell.inverse() && !cell.underline();
                cells.push(format!(
                    "{r},{c}:{:?} {:?} {:?} b{} i{} u{}",
                    cell.contents(),
                    if blank { vt100::Color::Default } else { cell.fgcolor() },
                    cell.bgcolor(),
                    cell.bold(),
                    cell.inverse(),
                    cell.underline()
                ));
            }
        }
        cells
    }

    /// One piece of a frame as ratatui writes it.
    #[derive(Debug, Clone)]
    enum Piece {
        /// An absolute move and the text written there (kept inside the row).
        Text(u16, u16, String),
        Sgr(&'static str),
        ShowCursor,
        HideCursor,
    }

    const ROWS: u16 = 8;
    const COLS: u16 = 20;

    fn piece() -> impl Strategy<Value = Piece> {
        let sgr = prop::sample::select(vec![
            "38;5;1",
            "38;5;6",
            "38;5;8",
            "38;5;15",
            "38;5;196",
            "48;5;0",
            "48;5;7",
            "48;5;12",
            "48;5;200",
            "38;2;10;20;30",
            "39",
            "49",
            "39;49",
            "1",
            "22",
            "7",
            "27",
            "4",
            "24",
            "0",
            "",
            "38;5;1;48;5;9;1",
        ]);
        prop_oneof![
            4 => (1..=ROWS, 1..=COLS, "[a-z █é]{0,8}").prop_map(|(r, c, t)| {
                let room = usize::from(COLS - c + 1);
                Piece::Text(r, c, t.chars().take(room).collect())
            }),
            3 => sgr.prop_map(Piece::Sgr),
            1 => Just(Piece::ShowCursor),
            1 => Just(Piece::HideCursor),
        ]
    }

    fn frame_bytes(pieces: &[Piece]) -> Vec<u8> {
        let mut out = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Text(r, c, t) => out.extend_from_slice(format!("\x1b[{r};{c}H{t}").as_bytes()),
                Piece::Sgr(p) => out.extend_from_slice(format!("\x1b[{p}m").as_bytes()),
                Piece::ShowCursor => out.extend_from_slice(SHOW_CURSOR),
                Piece::HideCursor => out.extend_from_slice(HIDE_CURSOR),
            }
        }
        // As ratatui ends every frame.
        out.extend_from_slice(FRAME_RESETS);
        out
    }

    proptest! {
        /// Whatever the frames, the terminal shows the same screen (text, colours,
        /// attributes, cursor) after the compacted bytes as after the original ones.
        #[test]
        fn the_compacted_frames_show_the_same_screen(
            frames in prop::collection::vec(prop::collection::vec(piece(), 0..24), 1..6)
        ) {
            let size = |n: u16| std::num::NonZeroU16::new(n).expect("a size above 0");
            let mut original = vt100::Parser::new(size(ROWS), size(COLS), 0);
            let mut compacted = vt100::Parser::new(size(ROWS), size(COLS), 0);
            let mut cursor = CursorTrack::hidden();
            cursor.set_width(COLS);
            original.process(HIDE_CURSOR);
            compacted.process(HIDE_CURSOR);
            for pieces in &frames {
                let bytes = frame_bytes(pieces);
                original.process(&bytes);
                compacted.process(&compact(&bytes, &mut cursor));
                prop_assert_eq!(cells(original.screen()), cells(compacted.screen()));
                prop_assert_eq!(original.screen().hide_cursor(), compacted.screen().hide_cursor());
                if !original.screen().hide_cursor() {
                    prop_assert_eq!(original.screen().cursor_position(), compacted.screen().cursor_position());
                }
            }
        }
    }
}
