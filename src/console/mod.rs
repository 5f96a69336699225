//! The interactive console.

pub mod app;
pub mod keys;
pub mod selector;
pub mod terminal;
