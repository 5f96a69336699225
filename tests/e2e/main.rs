//! End-to-end tests against the sandbox's real components, in one test
//! binary so kube, lapin, redis and reqwest are linked once. They need the
//! environment `tests/sandbox/sandbox env` prints (`make test` provides it)
//! and fail with a message saying so without it.
//!
//! Shared sandbox helpers are in `testkit::sandbox`; running the built
//! binary is in [`support`].

mod actions;
mod bench_faults;
mod bench_log_flood;
mod bench_scale;
mod colour;
mod faults;
mod insight;
mod logs;
mod once;
mod queues;
mod state;
mod support;
mod terminal;
mod wait;
