//! Index-range parsing (`completedIndexes`, `failedIndexes`): any text parses
//! into sorted, disjoint ranges or is an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::indexes::IndexSet;

fuzz_target!(|text: &str| {
    let Ok(set) = IndexSet::parse(text) else { return };
    let ranges = set.ranges();
    assert!(ranges.iter().all(|(a, b)| a <= b), "{ranges:?}");
    assert!(ranges.windows(2).all(|w| w[0].1.saturating_add(1) < w[1].0), "{ranges:?}");
    let _ = set.len();
});
