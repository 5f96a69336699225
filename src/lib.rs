//! The batchtop binary's own layers, on top of the workspace crates
//! (`model`, `config`, `source`, `action`): `main.rs` wires these together,
//! and the end-to-end tests in `tests/e2e/` drive the same pieces.
//!
//! - [`console`]: the interactive console's state, its update function and
//!   the runner that owns the terminal, the channels and every spawned task;
//! - [`ui`]: drawing the console's state (reads it, never changes it);
//! - [`report`]: `--once`, the JSON object and the plain-text tables;
//! - [`cli`], [`dist`] (completions and man pages), [`logs_cmd`] (`batchtop logs`), [`logging`], [`exec_plugin`]
//!   (the shim that logs an exec auth plugin's stderr), and [`selector`] (label
//!   selectors as kubectl writes them, for `-l` and the console's label filter).

pub mod cli;
pub mod console;
pub mod dist;
pub mod exec_plugin;
pub mod logging;
pub mod logs_cmd;
pub mod report;
pub mod selector;
pub mod ui;
pub mod wait;

#[cfg(test)]
mod test_support;
// Crosses the console and the ui on purpose: it measures the fold and the frame together.
#[cfg(test)]
mod scale_bench;
