//! batchtop's model: pure state and domain logic, the bottom layer.
//!
//! No I/O of any kind here (no network, files, environment, clock reads in
//! logic, terminal): sources send [`Update`]s and [`queue::QueueUpdate`]s,
//! [`State::apply`] and [`queue::Queues::apply`] fold them in, and the
//! console, the `--once` report and the actions read the result. The
//! compiler holds the line: this crate depends on no async runtime, kube
//! client or terminal library (`tests/layers.rs` checks the crate graph).

pub mod conditions;
pub mod cronjob;
pub mod eta;
pub mod failure_policy;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod groups;
pub mod indexes;
pub mod job;
pub mod logs;
pub mod palette;
pub mod pod;
pub mod queue;
pub mod redact;
pub mod sanitize;
pub mod scope;
pub mod settings;
mod state;
pub mod store;
pub mod stream;
pub mod tasks;
pub mod text;
pub mod timeline;
pub mod types;
pub mod wait;
pub mod warnings;

pub use state::{Kind, Object, State, Update, WatchHealth, WatchId, WatchStatus};
pub use store::Store;
pub use types::*;
