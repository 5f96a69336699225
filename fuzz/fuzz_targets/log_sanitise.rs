//! The log sanitiser: any bytes (escape sequences, broken UTF-8) become text
//! with no terminal control left, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::sanitize::{is_terminal_control, sanitize_line, strip_line, to_ansi};

fuzz_target!(|raw: &[u8]| {
    let plain = strip_line(raw);
    assert!(!plain.chars().any(is_terminal_control), "control left in {plain:?}");
    let styled = sanitize_line(raw);
    assert!(!styled.text.chars().any(is_terminal_control), "control left in {:?}", styled.text);
    // Re-encoding the styles gives only SGR sequences, which sanitise to the same text.
    let again = sanitize_line(to_ansi(&styled).as_bytes());
    assert_eq!(again.text, styled.text);
});
