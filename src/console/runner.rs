//! The runner owns what the [`App`] must not: the terminal, the channels, the
//! kube client, and every task. It is the only place in the console that
//! spawns: it carries out the [`Effect`]s `update` asks for and turns what
//! sources and spawned work send into [`Msg`]s.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use action::access::{AccessKey, review};
use action::{Action, Outcome, ProgressSink, Step, Writes};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use model::queue::{QueueUpdate, SecretRef};
use model::scope::Scope;
use model::{Time, Update};
use source::cluster::ConnectError;
use source::kube::{WatchHandles, spawn_watches};
use source::logs::Follower;
use source::queues::QueueSources;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::state::{App, ConnectionState, Shown, Target};
use super::terminal::{ExitSignals, Tui};
use super::update::{ActionEvent, Effect, Msg};
use super::{ClientFactory, Options};
use crate::ui;
use crate::ui::theme::Theme;

/// Room for a burst of relist updates before watchers wait for the UI.
const UPDATE_BUFFER: usize = 4096;
/// Updates applied per wake-up before the loop looks at input again, so a
/// 10,000-pod relist cannot make the keyboard feel dead.
const MAX_BATCH: usize = 2048;
/// Queue polls waiting for the UI; sources wait beyond that (they poll every few seconds).
const QUEUE_BUFFER: usize = 64;
/// Set (to anything) by the end-to-end tests only: the UI thread panics after
/// its first frame, so the tests can see the terminal restored after a panic.
const PANIC_AFTER_FIRST_FRAME: &str = "BATCHTOP_TEST_PANIC_AFTER_FIRST_FRAME";

/// What spawned work sends back to the runner.
enum Reply {
    /// The client for connection `generation` is ready (or could not be built).
    Connected { generation: u64, result: Result<kube::Client, ConnectError> },
    /// Something for the app (action progress and results, RBAC answers, a log save).
    App(Msg),
}

pub struct Runner {
    app: App,
    theme: Theme,
    client_for: ClientFactory,
    initial_client: Option<kube::Client>,
    max_fps: u32,
    /// Bumped on every (re)connect; results of older attempts are dropped.
    generation: u64,
    watches: Option<WatchHandles>,
    /// Updates of the current connection's watches. Replaced on reconnect, so
    /// updates still in flight from the old watches are dropped with it.
    kube_rx: mpsc::Receiver<Update>,
    reply_tx: mpsc::UnboundedSender<Reply>,
    reply_rx: mpsc::UnboundedReceiver<Reply>,
    /// Polls of the queue sources (one task per broker).
    queue_rx: mpsc::Receiver<QueueUpdate>,
    queue_sources: QueueSources,
    /// Jobs changed since the queue sources were last planned.
    relink_due: bool,
    /// The KEDA ScaledJob watch of the current connection (idle without KEDA).
    keda: Option<tokio::task::JoinHandle<()>>,
    /// Secret keys already asked for (`allow_secrets`), so each is read once per connection.
    secrets_requested: BTreeSet<SecretRef>,
    /// The current connection's client, for log streams and actions.
    client: Option<kube::Client>,
    /// The log screen's streams.
    logs: Follower,
}

impl Runner {
    pub fn new(options: Options) -> Self {
        let target = Target { context: options.context, namespaces: options.namespaces, selector: options.selector };
        let refresh = options.config.refresh;
        let mut app =
            App::new(target, options.contexts, chrono::Utc::now()).with_config(options.config, options.config_problems);
        app.actions.readonly_flag = options.readonly;
        app.log_limits.max_lines = options.log_lines;
        let (queue_tx, queue_rx) = mpsc::channel(QUEUE_BUFFER);
        let (reply_tx, reply_rx) = mpsc::unbounded_channel();
        let (_, kube_rx) = mpsc::channel(1);
        Self {
            app,
            theme: options.theme,
            client_for: options.client_for,
            initial_client: options.client,
            max_fps: options.max_fps.clamp(1, 60),
            generation: 0,
            watches: None,
            kube_rx,
            reply_tx,
            reply_rx,
            queue_rx,
            queue_sources: QueueSources::new(queue_tx, refresh),
            relink_due: true,
            keda: None,
            secrets_requested: BTreeSet::new(),
            client: None,
            logs: Follower::default(),
        }
    }

    pub async fn event_loop(mut self, term: &mut Tui) -> anyhow::Result<()> {
        let mut input = EventStream::new();
        let mut signals = ExitSignals::new()?;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let frame_gap = Duration::from_millis(1000 / u64::from(self.max_fps));
        let mut last_draw: Option<Instant> = None;
        let mut dirty = true;
        self.connect();
        self.relink_queues();

        loop {
            if dirty && last_draw.is_none_or(|t| t.elapsed() >= frame_gap) {
                self.draw(term)?;
                last_draw = Some(Instant::now());
                dirty = false;
                assert!(std::env::var_os(PANIC_AFTER_FIRST_FRAME).is_none(), "{PANIC_AFTER_FIRST_FRAME} is set");
            }
            // While a frame is owed but the cap holds it back, wake up to draw it.
            let draw_due = last_draw.filter(|_| dirty).map(|t| t + frame_gap);
            let msg = tokio::select! {
                event = input.next() => match event {
                    Some(Ok(Event::Key(key))) => Msg::Key(key),
                    Some(Ok(Event::Paste(text))) => Msg::Paste(text),
                    Some(Ok(Event::Resize(..))) => Msg::Resize,
                    Some(Ok(_)) => continue,
                    // The terminal is gone (ssh dropped): leave quietly.
                    Some(Err(e)) => {
                        tracing::info!("terminal input failed, exiting: {e}");
                        return Ok(());
                    }
                    None => return Ok(()),
                },
                Some(first) = self.kube_rx.recv() => {
                    Msg::Kube(source::batch::with_ready(&mut self.kube_rx, first, MAX_BATCH))
                }
                Some(reply) = self.reply_rx.recv() => match reply {
                    Reply::Connected { generation, result } => {
                        dirty |= self.connected(generation, result);
                        continue;
                    }
                    Reply::App(msg) => msg,
                },
                Some(update) = self.queue_rx.recv() => Msg::Queue(update),
                (generation, events) = self.logs.next() => Msg::Logs { generation, events },
                _ = tick.tick() => Msg::Tick(chrono::Utc::now()),
                name = signals.recv() => {
                    tracing::info!("{name}: exiting");
                    return Ok(());
                }
                () = tokio::time::sleep_until(draw_due.unwrap_or_else(Instant::now)), if draw_due.is_some() => continue,
            };
            // Re-link queues at most once per tick: a relist of 2,000 Jobs is one plan.
            if matches!(msg, Msg::Tick(_)) && self.relink_due {
                self.relink_queues();
            }
            let handled = self.app.update(msg);
            dirty |= handled.redraw;
            for effect in handled.effects {
                if self.carry_out(effect) == Flow::Quit {
                    return Ok(());
                }
            }
            self.follow_logs();
        }
    }

    /// Draws a frame and keeps what it showed (the first visible row, the page size).
    fn draw(&mut self, term: &mut Tui) -> anyhow::Result<()> {
        // Once per frame at most, not per update: under churn the Jobs change many times a frame.
        self.app.refresh_groups();
        let mut shown = Shown::Nothing;
        term.draw(|frame| shown = ui::draw(frame, &self.app, &self.theme))?;
        self.app.update(Msg::Shown(shown));
        Ok(())
    }

    fn carry_out(&mut self, effect: Effect) -> Flow {
        match effect {
            Effect::Quit => return Flow::Quit,
            Effect::Reconnect => self.connect(),
            Effect::RelinkQueues => self.relink_due = true,
            Effect::RunAction { id, action, cancel } => self.run_action(id, action, cancel),
            Effect::CheckAccess(keys) => self.check_access(keys),
            Effect::SaveLog { path, lines } => {
                let result = save_lines(&path, &lines);
                self.to_app(Msg::LogSaved { path, result });
            }
        }
        Flow::Go
    }

    fn to_app(&self, msg: Msg) {
        // The receiver lives as long as the runner.
        let _ = self.reply_tx.send(Reply::App(msg));
    }

    /// Starts, updates or stops queue sources to match the config and the Jobs.
    fn relink_queues(&mut self) {
        self.relink_due = false;
        let q = &self.app.queues;
        let plan = model::queue::plan_full(&self.app.config, self.app.state.jobs.values(), &q.scaled_jobs, &q.secrets);
        for update in self.queue_sources.apply(&plan) {
            self.app.update(Msg::Queue(update));
        }
        self.app.update(Msg::QueueLinks(plan.links, plan.notes));
        self.read_secrets();
    }

    /// With `allow_secrets`: reads (once) the Secret keys that Jobs' linking
    /// env vars refer to; the values come back as `QueueUpdate::Secrets`.
    fn read_secrets(&mut self) {
        let (Some(client), true) = (self.client.clone(), self.app.config.allow_secrets) else { return };
        let wanted: BTreeSet<SecretRef> = model::queue::secrets_wanted(&self.app.config, self.app.state.jobs.values())
            .difference(&self.secrets_requested)
            .cloned()
            .collect();
        if wanted.is_empty() {
            return;
        }
        self.secrets_requested.extend(wanted.iter().cloned());
        let tx = self.queue_sources.sender();
        tokio::spawn(async move {
            let values = source::secrets::read(&client, &wanted).await;
            let _ = tx.send(QueueUpdate::Secrets(values)).await;
        });
    }

    /// Keeps the log streams in step with the log screen (open, restarted, closed).
    fn follow_logs(&mut self) {
        let want = self.app.logs.as_ref().map(|v| (v.generation, &v.request));
        self.logs.sync(self.client.as_ref(), want);
    }

    /// Runs a confirmed action off the event loop, forwarding its progress.
    fn run_action(&self, id: u64, action: Action, cancel: CancellationToken) {
        let writes = if self.app.readonly() { Writes::ReadOnly } else { Writes::Allowed };
        if let Some(outcome) = action.offline_outcome(writes, &self.app.state) {
            self.to_app(Msg::Action(ActionEvent::Done(id, outcome)));
            return;
        }
        let Some(client) = self.client.clone().filter(|_| action.context == self.app.target.context) else {
            self.to_app(Msg::Action(ActionEvent::Done(id, not_connected(&action))));
            return;
        };
        let tx = self.reply_tx.clone();
        tokio::spawn(async move {
            let (ptx, mut prx) = mpsc::unbounded_channel();
            let forward = {
                let tx = tx.clone();
                tokio::spawn(async move {
                    while let Some(event) = prx.recv().await {
                        let _ = tx.send(Reply::App(Msg::Action(ActionEvent::Progress(id, event))));
                    }
                })
            };
            let outcome = action.execute(&client, writes, ProgressSink::new(ptx, cancel)).await;
            // The progress sender is dropped with execute: the forwarder ends after the last event.
            let _ = forward.await;
            let _ = tx.send(Reply::App(Msg::Action(ActionEvent::Done(id, outcome))));
        });
    }

    /// Asks RBAC about each permission, one review each, answers as `ActionEvent::Access`.
    fn check_access(&self, keys: Vec<AccessKey>) {
        let Some(client) = self.client.clone() else { return };
        for key in keys.into_iter().filter(|k| k.context == self.app.target.context) {
            let (client, tx) = (client.clone(), self.reply_tx.clone());
            tokio::spawn(async move {
                let access = review(&client, &key).await;
                let _ = tx.send(Reply::App(Msg::Action(ActionEvent::Access(key, access))));
            });
        }
    }

    /// Stops the current watches and asks for a client for the app's target.
    fn connect(&mut self) {
        self.generation += 1;
        let generation = self.generation;
        self.watches = None;
        if let Some(keda) = self.keda.take() {
            keda.abort();
        }
        self.secrets_requested.clear();
        let (_, rx) = mpsc::channel(1);
        self.kube_rx = rx;
        self.app.update(Msg::Connection(ConnectionState::Connecting));
        let future = match self.initial_client.take() {
            Some(client) => Box::pin(async move { Ok(client) }),
            None => (self.client_for)(&self.app.target.context),
        };
        let tx = self.reply_tx.clone();
        tokio::spawn(async move {
            let result = future.await;
            let _ = tx.send(Reply::Connected { generation, result });
        });
    }

    /// A client arrived: start the watches (unless the operator moved on).
    fn connected(&mut self, generation: u64, result: Result<kube::Client, ConnectError>) -> bool {
        if generation != self.generation {
            return false;
        }
        match result {
            Ok(client) => {
                let target = &self.app.target;
                let scope = Scope {
                    namespaces: target.namespaces.clone(),
                    selector: target.selector.clone(),
                    kinds: Scope::CONSOLE_KINDS.to_vec(),
                    events_of: None,
                };
                let (tx, rx) = mpsc::channel(UPDATE_BUFFER);
                self.kube_rx = rx;
                self.client = Some(client.clone());
                self.keda =
                    Some(source::keda::spawn(client.clone(), target.namespaces.clone(), self.queue_sources.sender()));
                self.watches = Some(spawn_watches(&client, &scope, tx));
                self.app.update(Msg::Connection(ConnectionState::Connected));
                self.follow_logs();
            }
            Err(e) => {
                tracing::warn!(context = %self.app.target.context, "cannot connect: {e}");
                self.app.update(Msg::Connection(ConnectionState::Failed(e.to_string())));
            }
        }
        true
    }
}

/// Whether the loop goes on after an effect.
#[derive(PartialEq, Eq)]
enum Flow {
    Go,
    Quit,
}

/// The outcome of an action that could not start: the context it was
/// confirmed in is not the one connected.
fn not_connected(action: &Action) -> Outcome {
    let now: Time = chrono::Utc::now();
    Outcome {
        action: action.describe(),
        context: action.context.clone(),
        started: now,
        finished: now,
        steps: vec![Step {
            target: "(all)".into(),
            result: Err(format!("not run: not connected to context {}", action.context)),
        }],
    }
}

/// Writes lines to a file (the log screen's save). Returns how many.
fn save_lines(path: &Path, lines: &[String]) -> Result<usize, String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::new(file);
    for l in lines {
        writeln!(out, "{l}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(lines.len())
}
