//! batchtop as a library: the binary in `main.rs` wires these together, and the
//! end-to-end tests in `tests/` drive the same pieces against the sandbox.

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod kubeclient;
pub mod logging;
pub mod logs_cmd;
pub mod model;
pub mod once;
pub mod report;
pub mod source;
pub mod terminal;
pub mod ui;
