//! Test-only helpers shared by batchtop's unit and end-to-end tests; never
//! part of the shipped binary (it is only ever a dev-dependency):
//! - [`capture`]: the sandbox capture (`fixtures/sandbox.json`) loaded into a
//!   model `State` through the watches' own projection;
//! - [`sample`]: a hand-built `State` of the seed's scenarios with exact values;
//! - [`snapshot`]: rendering a screen into ratatui's test backend at the
//!   sizes every screen is checked at;
//! - [`sandbox`]: the running sandbox's environment, kubectl and experiments,
//!   and real watches feeding a `State`;
//! - [`pty`]: the real binary in a pseudo-terminal, keys in, the screen read
//!   back through a terminal emulator (text, colours, modes);
//! - [`proxy`]: a TCP proxy that closes, resets or black-holes the line, for
//!   the fault tests.

pub mod capture;
pub mod proxy;
pub mod pty;
pub mod sample;
pub mod sandbox;
pub mod snapshot;
