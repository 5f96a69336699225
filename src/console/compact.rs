//! Fewer bytes per frame on their way to the terminal (issue 15: over a slow
//! ssh link the bytes are what the operator feels).
//!
//! ratatui already sends only the cells that changed, but each changed cell
//! costs an absolute cursor move (`ESC[row;colH`, up to 10 bytes), and every
//! frame ends with four resets (`ESC[39m ESC[49m ESC[59m ESC[0m`) and a
//! cursor hide, even a frame that changed nothing (most frames: a pod that
//! is not on screen changed). [`compact_frame`] rewrites one frame's bytes:
//!
//! - a move along the row the cursor is on becomes the shortest of
//!   `ESC[nC` (forward n), `ESC[colG` (to column) and the original;
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
}

impl CursorTrack {
    /// The terminal as setup leaves it: cursor hidden, position unknown.
    pub fn hidden() -> Self {
        Self { hidden: true, at: None }
    }
}

/// The colours the terminal has (as SGR parameters; `None`: the default), the
/// ones the frame asked for last, and the attributes that make a blank visible.
#[derive(Debug, Default)]
struct Colours {
    term_fg: Option<String>,
    term_bg: Option<String>,
    want_fg: Option<String>,
    want_bg: Option<String>,
    /// Reverse, underline or strike-through is on: a blank shows its foreground.
    blank_shows_fg: u8,
}

impl Colours {
    /// Sends the colour changes the next character needs (only the background for a blank that shows no foreground).
    fn apply(&mut self, blank: bool, out: &mut Vec<u8>) {
        let mut parts: Vec<&str> = Vec::new();
        let fg_due = !(blank && self.blank_shows_fg == 0) && self.want_fg != self.term_fg;
        if fg_due {
            parts.push(self.want_fg.as_deref().unwrap_or("39"));
        }
        if self.want_bg != self.term_bg {
            parts.push(self.want_bg.as_deref().unwrap_or("49"));
        }
        if parts.is_empty() {
            return;
        }
        out.extend_from_slice(format!("\x1b[{}m", parts.join(";")).as_bytes());
        if fg_due {
            self.term_fg.clone_from(&self.want_fg);
        }
        self.term_bg.clone_from(&self.want_bg);
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
            cursor.at = match cursor.at {
                Some((row, col)) if (0x20..0x7f).contains(&byte) => Some((row, col + 1)),
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

/// The shortest sequence that takes the cursor from `at` to `row`/`col`.
fn shortest_move(at: Option<(u32, u32)>, row: u32, col: u32, absolute: &[u8]) -> Vec<u8> {
    let Some((_, from_col)) = at.filter(|(r, _)| *r == row) else { return absolute.to_vec() };
    if from_col == col {
        return Vec::new();
    }
    let mut best = format!("\x1b[{col}G").into_bytes();
    if col > from_col {
        let forward = format!("\x1b[{}C", col - from_col).into_bytes();
        if forward.len() < best.len() {
            best = forward;
        }
    }
    if best.len() < absolute.len() { best } else { absolute.to_vec() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(frame: &[u8], cursor: &mut CursorTrack) -> Vec<u8> {
        let mut out = Vec::new();
        compact_frame(frame, cursor, &mut out);
        out
    }

    #[test]
    fn a_frame_that_changes_nothing_is_not_sent() {
        let mut cursor = CursorTrack::hidden();
        assert_eq!(compact(b"\x1b[?25l\x1b[39m\x1b[49m\x1b[59m\x1b[0m", &mut cursor), b"");
    }

    #[test]
    fn moves_along_a_row_are_relative_and_the_resets_one() {
        let mut cursor = CursorTrack::hidden();
        let frame = b"\x1b[?25l\x1b[24;111H\x1b[38;5;6;49m6\x1b[24;119H\x1b[38;5;8;49m8\x1b[25;111Hx\x1b[25;112Hy\x1b[39m\x1b[49m\x1b[59m\x1b[0m";
        let want = b"\x1b[24;111H\x1b[38;5;6m6\x1b[7C\x1b[38;5;8m8\x1b[25;111Hxy\x1b[0m";
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn a_move_back_goes_to_the_column_and_a_wide_character_forgets_it() {
        let mut cursor = CursorTrack::hidden();
        let frame = "\x1b[3;50Habc\x1b[3;10Hd\x1b[3;12H█\x1b[3;14He".as_bytes();
        let want = "\x1b[3;50Habc\x1b[10Gd\x1b[1C█\x1b[3;14He".as_bytes();
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn a_blank_between_cells_of_one_colour_keeps_the_colour() {
        let mut cursor = CursorTrack::hidden();
        let frame = b"\x1b[1;1H\x1b[38;5;8;49m5s\x1b[39;49m \x1b[38;5;8;49m2m\x1b[39;49m x";
        let want = b"\x1b[1;1H\x1b[38;5;8m5s 2m \x1b[39mx";
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn a_reversed_blank_and_a_background_still_get_their_colours() {
        let mut cursor = CursorTrack::hidden();
        let frame = b"\x1b[1;1H\x1b[7m\x1b[38;5;8;49ma\x1b[39;49m \x1b[27m\x1b[38;5;0;48;5;7m \x1b[0mz";
        let want = b"\x1b[1;1H\x1b[7m\x1b[38;5;8ma\x1b[39m \x1b[27m\x1b[48;5;7m \x1b[0mz";
        assert_eq!(String::from_utf8_lossy(&compact(frame, &mut cursor)), String::from_utf8_lossy(want));
    }

    #[test]
    fn the_cursor_shown_then_hidden_is_kept() {
        let mut cursor = CursorTrack::hidden();
        assert_eq!(compact(b"\x1b[5;5H\x1b[?25h", &mut cursor), b"\x1b[5;5H\x1b[?25h");
        assert_eq!(compact(b"\x1b[?25l\x1b[39m\x1b[49m\x1b[59m\x1b[0m", &mut cursor), b"\x1b[?25l\x1b[0m");
    }
}
