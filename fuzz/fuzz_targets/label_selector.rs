//! The label selector parser (`-l`, the console's label filter): any text
//! parses or is an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(selector) = batchtop::selector::parse(text) {
        let _ = format!("{selector:?}");
    }
});
