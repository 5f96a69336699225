//! The interactive console, in the style of The Elm Architecture:
//!
//! ```text
//!  crossterm input ─┐
//!  kube watches ────┤
//!  queue pollers ───┼─► Msg ─► App::update ─► Handled { redraw, effects }
//!  log streams ─────┤                              │          │
//!  actions, RBAC ───┤                              ▼          ▼
//!  1 s tick ────────┘                 ui::draw(&App) ≤ max_fps   Runner carries out
//!                                     └─► Msg::Shown              Effects (spawns)
//! ```
//!
//! - [`state`]: the [`App`](state::App): cluster state, queues, and what the
//!   operator sees; plain data and the transitions each part makes on itself.
//! - [`update`]: `App::update(Msg) -> Handled`; pure, every behaviour unit-tested.
//! - [`runner`]: owns the terminal, the channels, every spawned task and the
//!   kube client; the only place that spawns. It turns [`Effect`](update::Effect)s into work
//!   and work's results into [`Msg`](update::Msg)s.
//! - [`keys`]: every key binding and its help text.

mod classic_sgr;
mod compact;
pub mod keys;
pub mod runner;
pub mod state;
pub mod terminal;
pub mod update;

use futures::future::BoxFuture;
use model::scope::Namespaces;
use model::settings::{Config, ConfigProblem};
use source::cluster::ConnectError;

use crate::ui::theme::Theme;

/// Builds a kube client for a kubeconfig context. `main.rs` supplies it, since
/// it knows where the kubeconfig is; the console calls it at start (when no
/// client is given) and whenever the operator switches context.
pub type ClientFactory = Box<dyn Fn(&str) -> BoxFuture<'static, Result<kube::Client, ConnectError>> + Send>;

/// Everything the console needs from `main.rs`.
pub struct Options {
    /// The kubeconfig context in use.
    pub context: String,
    /// Every context of the kubeconfig, for the context picker.
    pub contexts: Vec<String>,
    pub namespaces: Namespaces,
    /// Server-side label selector for Jobs and Pods (`-l`).
    pub selector: Option<String>,
    /// A client for `context` if main already built one (it validates the
    /// flags before touching the terminal); otherwise `client_for` is called.
    pub client: Option<kube::Client>,
    pub client_for: ClientFactory,
    pub theme: Theme,
    /// Upper bound on redraws per second (updates arriving faster are batched).
    pub max_fps: u32,
    /// The batchtop config (queue sources, host map, links) and what was wrong with it.
    pub config: Config,
    pub config_problems: Vec<ConfigProblem>,
    /// `--readonly`: offer no action that changes the cluster (the config can
    /// also make single contexts read-only).
    pub readonly: bool,
    /// `--log-lines`: how many lines a log view keeps.
    pub log_lines: usize,
}

/// Runs the console until the operator quits, a signal arrives, or the
/// terminal goes away. The terminal is restored on every path.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let mut guard = terminal::setup(options.theme.depth)?;
    let result = runner::Runner::new(options).event_loop(&mut guard.terminal).await;
    drop(guard);
    result
}
