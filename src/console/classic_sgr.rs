//! Colour escapes for terminals of 8 or 16 colours.
//!
//! crossterm writes even the 16 named colours in their 256-colour form
//! (`ESC[38;5;1m`). The Linux console, GNU screen's `TERM=screen` and other
//! 16-colour terminals may not know that form and show the wrong colour or
//! none. [`ClassicSgr`] rewrites the console's own output on its way to such a
//! terminal: `38;5;N` / `48;5;N` (and any 24-bit `38;2;r;g;b`) become the
//! classic codes 30-37/90-97 and 40-47/100-107 of the nearest of the 16.
//! Every other byte passes unchanged.

use model::palette::Depth;
use model::sanitize::Colour;

/// Escape sequences longer than this are not colour changes: passed on as they are.
const MAX_SEQUENCE: usize = 64;

/// A rewriter of a byte stream, keeping a sequence cut between two writes.
#[derive(Debug, Default)]
pub struct ClassicSgr {
    pending: Vec<u8>,
}

impl ClassicSgr {
    /// Rewrites `input` onto `out`; an unfinished escape sequence at the end waits for the next call.
    pub fn rewrite(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &byte in input {
            if self.pending.is_empty() {
                if byte == 0x1b {
                    self.pending.push(byte);
                } else {
                    out.push(byte);
                }
                continue;
            }
            self.pending.push(byte);
            match sequence_state(&self.pending) {
                Sequence::Unfinished if self.pending.len() < MAX_SEQUENCE => {}
                Sequence::Sgr => {
                    rewrite_sgr(&self.pending, out);
                    self.pending.clear();
                }
                _ => out.append(&mut self.pending),
            }
        }
    }

    /// Whatever is still held back (at the end of a frame's output).
    pub fn flush_into(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.pending);
    }
}

enum Sequence {
    Unfinished,
    /// `ESC [ params m`.
    Sgr,
    /// Anything else: passed on.
    Other,
}

fn sequence_state(seq: &[u8]) -> Sequence {
    match seq {
        [0x1b] => Sequence::Unfinished,
        [0x1b, b'[', rest @ ..] => match rest.last() {
            None | Some(b'0'..=b'9' | b';') => Sequence::Unfinished,
            Some(b'm') if rest[..rest.len() - 1].iter().all(|b| b.is_ascii_digit() || *b == b';') => Sequence::Sgr,
            Some(_) => Sequence::Other,
        },
        _ => Sequence::Other,
    }
}

/// Writes `ESC[...m` with its 256-colour and 24-bit colours as classic codes.
fn rewrite_sgr(seq: &[u8], out: &mut Vec<u8>) {
    let params = String::from_utf8_lossy(&seq[2..seq.len() - 1]);
    let params: Vec<&str> = params.split(';').collect();
    let mut codes: Vec<String> = Vec::with_capacity(params.len());
    let mut i = 0;
    while i < params.len() {
        let number = |k: usize| params.get(i + k).and_then(|p| p.parse::<u8>().ok());
        let layer = match params[i] {
            "38" => Some(0),
            "48" => Some(10),
            _ => None,
        };
        let colour = match (layer, params.get(i + 1).copied()) {
            (Some(_), Some("5")) => number(2).map(|n| (classic(Colour::Indexed(n)), 3)),
            (Some(_), Some("2")) => match (number(2), number(3), number(4)) {
                (Some(r), Some(g), Some(b)) => Some((classic(Colour::Rgb(r, g, b)), 5)),
                _ => None,
            },
            _ => None,
        };
        if let (Some(layer), Some((n, used))) = (layer, colour) {
            let base = if n < 8 { 30 + u16::from(n) } else { 90 + u16::from(n - 8) };
            codes.push((base + layer).to_string());
            i += used;
        } else {
            codes.push(params[i].to_string());
            i += 1;
        }
    }
    out.extend_from_slice(b"\x1b[");
    out.extend_from_slice(codes.join(";").as_bytes());
    out.push(b'm');
}

/// The nearest of the 16 (0-15).
fn classic(colour: Colour) -> u8 {
    match Depth::Ansi16.reduce(colour) {
        Some(Colour::Indexed(n)) => n,
        _ => 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rewritten(chunks: &[&[u8]]) -> Vec<u8> {
        let mut sgr = ClassicSgr::default();
        let mut out = Vec::new();
        for c in chunks {
            sgr.rewrite(c, &mut out);
        }
        sgr.flush_into(&mut out);
        out
    }

    #[test]
    fn the_16_colours_get_their_classic_codes() {
        assert_eq!(rewritten(&[b"\x1b[38;5;1mred\x1b[39m"]), b"\x1b[31mred\x1b[39m");
        assert_eq!(rewritten(&[b"\x1b[48;5;7m\x1b[38;5;0m"]), b"\x1b[47m\x1b[30m");
        assert_eq!(rewritten(&[b"\x1b[38;5;8m\x1b[48;5;15m"]), b"\x1b[90m\x1b[107m");
        assert_eq!(rewritten(&[b"\x1b[1;38;5;10;4m"]), b"\x1b[1;92;4m", "other attributes stay in place");
    }

    #[test]
    fn richer_colours_become_the_nearest_of_the_16() {
        assert_eq!(rewritten(&[b"\x1b[38;2;250;10;10m"]), b"\x1b[91m");
        assert_eq!(rewritten(&[b"\x1b[38;5;82m"]), b"\x1b[92m");
    }

    #[test]
    fn a_sequence_cut_between_writes_is_rewritten_whole() {
        assert_eq!(rewritten(&[b"a\x1b[", b"38;5", b";2m", b"b"]), b"a\x1b[32mb");
    }

    #[test]
    fn everything_else_passes_unchanged() {
        let other: &[u8] = b"\x1b[?1049h\x1b[2J\x1b[1;1H\x1b[0m\x1b[1m text \x1b]0;t\x07 \xe2\x96\x88";
        assert_eq!(rewritten(&[other]), other);
    }

    proptest! {
        #[test]
        fn no_256_or_24_bit_form_survives_and_text_is_kept(
            text in "[a-z ]{0,20}",
            n in any::<u8>(),
            (r, g, b) in any::<(u8, u8, u8)>(),
            cut in 0usize..40,
        ) {
            let input = format!("{text}\x1b[38;5;{n}m{text}\x1b[48;2;{r};{g};{b}m{text}");
            let bytes = input.as_bytes();
            let cut = cut.min(bytes.len());
            let out = String::from_utf8(rewritten(&[&bytes[..cut], &bytes[cut..]])).unwrap();
            prop_assert!(!out.contains("38;5;") && !out.contains("48;2;"), "{out:?}");
            prop_assert_eq!(out.matches(text.as_str()).count() >= 3 || text.is_empty(), true);
        }
    }
}
