//! batchtop as a library: the binary in `main.rs` wires these together, and the
//! end-to-end tests in `tests/` drive the same pieces against the sandbox.

pub mod model;
