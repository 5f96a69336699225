//! The interactive console: one event loop in the style of The Elm Architecture.
//!
//! ```text
//!  crossterm input ─┐
//!  kube watches ────┼─► Msg ─► App::update ─► (state + view changed?) ─► ui::draw (≤ max_fps)
//!  1 s tick ────────┤                │
//!  later sources ───┘                └─► Effect (quit, reconnect, ...) run by the Runner
//! ```
//!
//! - **Entry point**: [`run`]`(AppOptions)`; `main.rs` builds the options.
//! - **Model**: [`App`] owns the [`State`] (folded from watch updates) and the
//!   view state: a tab per top-level [`Screen`], a stack of detail screens on
//!   top ([`View`] each: selection, filter, sort, scroll) and at most one
//!   [`Popup`] (help, prompt, picker; later confirmation dialogs).
//! - **Messages**: [`Msg`]. Watch updates are drained in batches: every pending
//!   update is applied before the next frame.
//! - **Effects**: [`Effect`], things `update` asks the [`Runner`] to do (the
//!   runner owns the tasks and channels; the App stays pure and testable).
//! - **View**: `crate::ui::draw(frame, &mut app)`; one file per screen in `src/ui/`.
//! - **Keys**: every binding lives in `crate::ui::keys` (the help overlay reads it).
//!
//! Extending (issues 4, 5, 6):
//! - A new source (queues, logs): give it its own channel and a `select!` branch
//!   in [`Runner::event_loop`] that wraps its messages in a new `Msg` variant
//!   (`Msg::Queue(..)`, `Msg::Log(..)`), fold them in [`App::update`].
//! - A new screen: a [`Screen`] variant (a top-level one also goes into
//!   [`TABS`]), its `ui/<screen>.rs`, and its keys in `ui/keys.rs`.
//! - A dialog: a [`Popup`] variant, its key handling in [`App::popup_key`], its
//!   widget in `ui/`; a confirmed action returns an [`Effect`] the runner spawns,
//!   reporting back with `Msg::ActionDone(..)`.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::Result;
use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use futures::future::BoxFuture;
use kube::core::Selector;
use tokio::sync::mpsc;
use tokio::time::Instant;

use model::settings::{Config, ConfigProblem};
use model::queue::{QueueKey, QueueUpdate, Queues};
use model::{Kind, ObjKey, State, Time, Update};
use model::scope::{Namespaces, Scope};
use source::kube::{WatchHandles, spawn_watches};
use source::logs::{Follower, save_lines};
use source::queues::QueueSources;
use crate::console::terminal::{self, ExitSignals, Tui};
use crate::ui;
use crate::console::keys::{self, Action};
use crate::ui::theme::Theme;

/// Builds a kube client for a kubeconfig context. `main.rs` supplies it, since
/// it knows where the kubeconfig is; the console calls it at start (when no
/// client is given) and whenever the operator switches context.
pub type ClientFactory = Box<dyn Fn(&str) -> BoxFuture<'static, Result<kube::Client>> + Send>;

/// Everything the console needs from `main.rs`.
pub struct AppOptions {
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
pub async fn run(opts: AppOptions) -> Result<()> {
    let mut guard = terminal::setup()?;
    let result = Runner::new(opts).event_loop(&mut guard.terminal).await;
    drop(guard);
    result
}

/// What is being watched.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub context: String,
    pub namespaces: Namespaces,
    pub selector: Option<String>,
}

/// Messages folded by [`App::update`].
pub enum Msg {
    Key(KeyEvent),
    Resize,
    /// Once a second: refreshes `now` for ages, elapsed times and countdowns.
    Tick(Time),
    /// A batch of updates from the current connection's watches.
    Kube(Vec<Update>),
    /// The client for connection `generation` is ready (or could not be built).
    Connected {
        generation: u64,
        result: Result<kube::Client, String>,
    },
    /// A poll (or failed poll) of a queue source.
    Queue(QueueUpdate),
    /// Lines and stream news for the log screen; `generation` is the stream set they belong to.
    Logs {
        generation: u64,
        events: Vec<model::logs::buffer::LogEvent>,
    },
    /// Progress and results of actions, and RBAC answers (`ui::actions`).
    Action(ui::actions::Report),
}

/// Side effects `update` asks for; the [`Runner`] carries them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// The target changed: stop the watches, start new ones.
    Reconnect,
    /// Run a confirmed action, or ask RBAC about actions (`ui::actions::spawn`).
    Action(ui::actions::Request),
}

/// The top-level screens, in tab order (keys 1..n).
pub const TABS: [Screen; 5] =
    [Screen::Jobs, Screen::CronJobs, Screen::Pods { job: None }, Screen::Nodes, Screen::Queues];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Jobs,
    CronJobs,
    /// Pods of Jobs; of one Job when `job` is set.
    Pods {
        job: Option<ObjKey>,
    },
    Nodes,
    JobDetail(ObjKey),
    /// A CronJob and its Jobs.
    CronJobDetail(ObjKey),
    /// Work queues (Redis, RabbitMQ) and the Jobs they feed.
    Queues,
    /// One queue: history, rediswq leases, linked Jobs.
    QueueDetail(QueueKey),
    /// A pod's or a Job's logs (the state is `App::logs`).
    Logs,
}

impl Screen {
    /// Which key scopes apply, most specific first.
    pub fn key_scopes(&self) -> &'static [keys::Scope] {
        use keys::Scope as S;
        match self {
            Screen::Jobs | Screen::JobDetail(_) | Screen::CronJobDetail(_) => &[S::Jobs, S::List, S::Global],
            Screen::Logs => &[S::Logs, S::Global],
            _ => &[S::List, S::Global],
        }
    }

    /// Screens whose rows carry labels, so a label selector can filter them.
    pub fn has_labels(&self) -> bool {
        matches!(self, Screen::Jobs | Screen::Pods { .. } | Screen::CronJobDetail(_))
    }

    /// Screens that are a table of selectable rows (the rest scroll).
    pub fn is_list(&self) -> bool {
        !matches!(self, Screen::JobDetail(_) | Screen::QueueDetail(_) | Screen::Logs)
    }
}

/// A client-side label filter: the text typed and what it parsed to.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelFilter {
    pub text: String,
    pub selector: Selector,
}

/// Per-screen view state.
#[derive(Debug, Clone)]
pub struct View {
    pub screen: Screen,
    /// The selected row's key: selection follows the object when rows move.
    pub selected: Option<ObjKey>,
    /// The selected row's position, used when the selected object disappears.
    pub index: usize,
    /// First visible row (kept between frames so the table does not jump).
    pub offset: usize,
    /// Rows visible in the last frame, for paging.
    pub page: usize,
    /// Scroll position of document screens (job detail).
    pub scroll: u16,
    pub filter: String,
    pub labels: Option<LabelFilter>,
    /// Index into the screen's sort columns (`ui::sort_columns`).
    pub sort: usize,
    pub descending: bool,
    /// Rows marked for an action on several at once (Space, `*`).
    pub marked: BTreeSet<ObjKey>,
}

impl View {
    pub fn new(screen: Screen) -> Self {
        Self {
            screen,
            selected: None,
            index: 0,
            offset: 0,
            page: 10,
            scroll: 0,
            filter: String::new(),
            labels: None,
            sort: 0,
            descending: false,
            marked: BTreeSet::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help {
        scroll: u16,
    },
    Prompt(Prompt),
    Picker(Picker),
    /// An action waiting for `y` (`ui::confirm`).
    Confirm(Box<ui::confirm::ConfirmDialog>),
    /// What was done, when, and how it ended (`ui::action_history`).
    History {
        scroll: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// Text filter, applied as the operator types.
    Filter,
    /// Label selector, applied on Enter.
    Selector,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    /// The filter before the prompt opened, restored on Esc.
    pub previous: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerKind {
    Namespace,
    Context,
}

/// A list to choose from, narrowed by what the operator types.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub kind: PickerKind,
    pub items: Vec<String>,
    pub input: String,
    pub selected: usize,
}

/// The namespace picker's first entry.
pub const ALL_NAMESPACES: &str = "(all namespaces)";

impl Picker {
    /// The items matching the input; for namespaces the typed text itself is
    /// offered too (a namespace nobody has seen yet, or "a,b" for several).
    pub fn choices(&self) -> Vec<String> {
        let needle = self.input.trim().to_lowercase();
        let mut out: Vec<String> = self.items.iter().filter(|i| i.to_lowercase().contains(&needle)).cloned().collect();
        if self.kind == PickerKind::Namespace
            && !needle.is_empty()
            && !self.items.iter().any(|i| *i == self.input.trim())
        {
            out.push(self.input.trim().to_string());
        }
        out
    }
}

/// How the connection to the current context is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Connected,
    Failed(String),
}

/// A short message in the status bar, gone after a few seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub until: Time,
}

/// The console's model: cluster state plus view state.
pub struct App {
    pub state: State,
    pub now: Time,
    pub theme: Theme,
    pub target: Target,
    pub contexts: Vec<String>,
    pub connection: Connection,
    /// One view per entry of [`TABS`].
    pub tabs: Vec<View>,
    pub tab: usize,
    /// Detail screens opened on top of the current tab.
    pub details: Vec<View>,
    pub popup: Option<Popup>,
    /// The label-group panel above the Jobs table.
    pub show_groups: bool,
    pub flash: Option<Flash>,
    /// Namespaces seen so far (for the picker), across switches.
    pub known_namespaces: BTreeSet<String>,
    /// Work queues, their sources and the Jobs they feed.
    pub queues: Queues,
    pub config: Config,
    pub config_problems: Vec<ConfigProblem>,
    /// Jobs were added, changed or removed since the queue plan was last made.
    pub jobs_changed: bool,
    /// The log screen's state while it is open.
    pub logs: Option<ui::logs::LogView>,
    /// Line and byte bounds of a log view.
    pub log_limits: model::logs::buffer::Limits,
    /// Read-only mode, RBAC answers, running actions and their history.
    pub actions: ui::actions::Actions,
}

/// What an update did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub redraw: bool,
    pub effect: Option<Effect>,
}

impl Outcome {
    fn redraw() -> Self {
        Self { redraw: true, effect: None }
    }
    fn effect(effect: Effect) -> Self {
        Self { redraw: true, effect: Some(effect) }
    }
}

const FLASH_SECONDS: i64 = 4;

impl App {
    pub fn new(target: Target, contexts: Vec<String>, theme: Theme, now: Time) -> Self {
        let mut known_namespaces = BTreeSet::new();
        if let Namespaces::Only(list) = &target.namespaces {
            known_namespaces.extend(list.iter().cloned());
        }
        Self {
            state: State::default(),
            now,
            theme,
            target,
            contexts,
            connection: Connection::Connecting,
            tabs: TABS.iter().cloned().map(View::new).collect(),
            tab: 0,
            details: Vec::new(),
            popup: None,
            show_groups: true,
            flash: None,
            known_namespaces,
            queues: Queues::default(),
            config: Config::default(),
            config_problems: Vec::new(),
            jobs_changed: true,
            logs: None,
            log_limits: Default::default(),
            actions: Default::default(),
        }
    }

    /// Uses `config` for queues (sources, links, refresh, rate window).
    pub fn with_config(mut self, config: Config, problems: Vec<ConfigProblem>) -> Self {
        self.queues = Queues::from_config(&config);
        self.config = config;
        if let Some(first) = problems.first() {
            let more = if problems.len() > 1 {
                format!(" (+{} more on the Queues screen)", problems.len() - 1)
            } else {
                String::new()
            };
            self.flash(format!("config: {first}{more}"), true);
        }
        self.config_problems = problems;
        self
    }

    /// Folds a queue source's update; counts warnings after each poll.
    pub fn apply_queue(&mut self, update: QueueUpdate) -> bool {
        let polled = match &update {
            QueueUpdate::Polled { source, .. } => Some(source.clone()),
            _ => None,
        };
        // New ScaledJob triggers or Secret values re-link Jobs.
        let keda = matches!(update, QueueUpdate::ScaledJobs(_) | QueueUpdate::Secrets(_));
        let changed = self.queues.apply(update);
        // New ScaledJob triggers re-link Jobs at the next tick.
        self.jobs_changed |= keda && changed;
        if let Some(source) = polled {
            self.queues.note_poll(&source, &self.state.jobs);
        }
        changed
    }

    /// The view on screen: the top detail, else the current tab.
    pub fn view(&self) -> &View {
        self.details.last().unwrap_or(&self.tabs[self.tab])
    }

    pub fn view_mut(&mut self) -> &mut View {
        match self.details.last_mut() {
            Some(v) => v,
            None => &mut self.tabs[self.tab],
        }
    }

    pub fn update(&mut self, msg: Msg) -> Outcome {
        match msg {
            Msg::Key(key) => self.key(key),
            Msg::Resize => Outcome::redraw(),
            Msg::Tick(now) => self.tick(now),
            Msg::Kube(updates) => Outcome { redraw: self.apply(updates), effect: None },
            // The runner handles connections; it reports the result here.
            Msg::Connected { .. } => Outcome::default(),
            Msg::Queue(update) => Outcome { redraw: self.apply_queue(update), effect: None },
            Msg::Logs { generation, events } => {
                Outcome { redraw: ui::logs::apply_events(self, generation, events), effect: None }
            }
            Msg::Action(report) => Outcome { redraw: ui::actions::apply(self, report), effect: None },
        }
    }

    /// Folds a batch of watch updates; true when something visible changed.
    pub fn apply(&mut self, updates: Vec<Update>) -> bool {
        let mut changed = false;
        for update in updates {
            let id = match &update {
                Update::ListStarted(id) | Update::Applied(id, _) | Update::Deleted(id, _) | Update::ListDone(id) => {
                    Some(id)
                }
                Update::Health(..) => None,
            };
            self.jobs_changed |= id.is_some_and(|id| id.kind == Kind::Job);
            changed |= self.state.apply(update, self.now);
        }
        changed
    }

    /// Remembers the namespaces of what is on screen, for the picker (they
    /// stay known after switching to one of them).
    fn learn_namespaces(&mut self) {
        let state = &self.state;
        let seen = state.jobs.keys().chain(state.cronjobs.keys()).chain(state.pods.keys()).map(|k| &k.namespace);
        let mut last: Option<&String> = None;
        for ns in seen {
            // Keys come sorted per store, so most repeats are adjacent.
            if last != Some(ns) && !ns.is_empty() && !self.known_namespaces.contains(ns) {
                self.known_namespaces.insert(ns.clone());
            }
            last = Some(ns);
        }
    }

    fn tick(&mut self, now: Time) -> Outcome {
        self.now = now;
        if self.flash.as_ref().is_some_and(|f| f.until <= now) {
            self.flash = None;
        }
        // Ages, elapsed times, countdowns and "updated Ns ago" move every
        // second; ratatui sends only the cells that changed, so this is cheap
        // over a slow link.
        Outcome::redraw()
    }

    pub fn flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash =
            Some(Flash { text: text.into(), error, until: self.now + chrono::Duration::seconds(FLASH_SECONDS) });
    }

    fn key(&mut self, key: KeyEvent) -> Outcome {
        if key.kind == KeyEventKind::Release {
            return Outcome::default();
        }
        if self.popup.is_some() {
            return self.popup_key(key);
        }
        if let Some(redraw) = ui::logs::capture_key(self, &key) {
            return Outcome { redraw, effect: None };
        }
        if let Some(outcome) = ui::actions::capture_key(self, &key) {
            return outcome;
        }
        let scopes = self.view().screen.key_scopes();
        match keys::action_for(&key, scopes) {
            Some(action) => self.action(action),
            None => Outcome::default(),
        }
    }

    /// Carries out a key's action on the current screen.
    pub fn action(&mut self, action: Action) -> Outcome {
        match action {
            Action::Quit => return Outcome::effect(Effect::Quit),
            Action::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.view().page.max(1) as i64)),
            Action::PageDown => self.move_by(self.view().page.max(1) as i64),
            Action::Top => self.move_by(i64::MIN / 2),
            Action::Bottom => self.move_by(i64::MAX / 2),
            Action::Open => self.open(),
            Action::Back => self.back(),
            Action::ShowJobs => self.show_tab(0),
            Action::ShowCronJobs => self.show_tab(1),
            Action::ShowPods => self.show_tab(2),
            Action::ShowNodes => self.show_tab(3),
            Action::ShowQueues => self.show_tab(4),
            Action::NextTab => self.show_tab((self.tab + 1) % TABS.len()),
            Action::PrevTab => self.show_tab((self.tab + TABS.len() - 1) % TABS.len()),
            Action::Filter => self.open_prompt(PromptKind::Filter),
            Action::Selector => self.open_prompt(PromptKind::Selector),
            Action::ClearFilter => {
                let view = self.view_mut();
                view.filter.clear();
                view.labels = None;
            }
            Action::SortNext => self.sort(false),
            Action::SortReverse => self.sort(true),
            Action::Namespace => self.open_picker(PickerKind::Namespace),
            Action::Context => self.open_picker(PickerKind::Context),
            Action::ToggleGroups => self.show_groups = !self.show_groups,
            Action::JobPods => self.open_job_pods(),
            Action::Logs => ui::logs::open(self, false),
            Action::IndexLogs => ui::logs::open(self, true),
            Action::Log(a) => ui::logs::act(self, a),
        }
        Outcome::redraw()
    }

    fn show_tab(&mut self, tab: usize) {
        self.tab = tab;
        self.details.clear();
    }

    /// Moves the selection (lists) or the scroll position (documents).
    fn move_by(&mut self, delta: i64) {
        if !self.view().screen.is_list() {
            let view = self.view_mut();
            view.scroll = (view.scroll as i64 + delta).clamp(0, u16::MAX as i64) as u16;
            return;
        }
        let rows = ui::row_keys(self, self.view());
        let view = self.view_mut();
        if rows.is_empty() {
            view.selected = None;
            view.index = 0;
            return;
        }
        let current = view.selected.as_ref().and_then(|k| rows.iter().position(|r| r == k)).unwrap_or(view.index);
        let next = (current as i64).saturating_add(delta).clamp(0, rows.len() as i64 - 1) as usize;
        view.index = next;
        view.selected = Some(rows[next].clone());
    }

    /// The selected row's key, as the current rows stand.
    pub fn selected_key(&self) -> Option<ObjKey> {
        let rows = ui::row_keys(self, self.view());
        let view = self.view();
        view.selected
            .as_ref()
            .filter(|k| rows.contains(k))
            .cloned()
            .or_else(|| rows.get(view.index.min(rows.len().saturating_sub(1))).cloned())
    }

    fn open(&mut self) {
        let Some(key) = self.selected_key() else { return };
        let screen = match &self.view().screen {
            Screen::Jobs | Screen::CronJobDetail(_) => Screen::JobDetail(key),
            Screen::CronJobs => Screen::CronJobDetail(key),
            Screen::Queues => Screen::QueueDetail(crate::ui::queues::queue_key(&key)),
            _ => return,
        };
        self.details.push(View::new(screen));
    }

    fn open_job_pods(&mut self) {
        let job = match &self.view().screen {
            Screen::JobDetail(key) => Some(key.clone()),
            Screen::Jobs | Screen::CronJobDetail(_) => self.selected_key(),
            _ => None,
        };
        if let Some(job) = job {
            self.details.push(View::new(Screen::Pods { job: Some(job) }));
        }
    }

    /// Esc: close the detail screen, else clear the filters.
    fn back(&mut self) {
        if self.details.pop().is_some() {
            return;
        }
        let view = self.view_mut();
        view.filter.clear();
        view.labels = None;
    }

    fn sort(&mut self, reverse: bool) {
        let columns = ui::sort_columns(&self.view().screen);
        if columns.is_empty() {
            return;
        }
        let view = self.view_mut();
        if reverse {
            view.descending = !view.descending;
        } else {
            view.sort = (view.sort + 1) % columns.len();
            view.descending = false;
        }
        let text = format!("sorted by {} {}", columns[view.sort], if view.descending { "↓" } else { "↑" });
        self.flash(text, false);
    }

    fn open_prompt(&mut self, kind: PromptKind) {
        let view = self.view();
        if kind == PromptKind::Selector && !view.screen.has_labels() {
            self.flash("label selectors filter Jobs and Pods; use / here", true);
            return;
        }
        let input = match kind {
            PromptKind::Filter => view.filter.clone(),
            PromptKind::Selector => view.labels.as_ref().map(|l| l.text.clone()).unwrap_or_default(),
        };
        self.popup = Some(Popup::Prompt(Prompt { kind, previous: view.filter.clone(), input, error: None }));
    }

    fn open_picker(&mut self, kind: PickerKind) {
        let items = match kind {
            PickerKind::Context => self.contexts.clone(),
            PickerKind::Namespace => {
                self.learn_namespaces();
                let mut items = vec![ALL_NAMESPACES.to_string()];
                items.extend(self.known_namespaces.iter().cloned());
                items
            }
        };
        let current = match kind {
            PickerKind::Context => Some(self.target.context.clone()),
            PickerKind::Namespace => match &self.target.namespaces {
                Namespaces::All => Some(ALL_NAMESPACES.to_string()),
                Namespaces::Only(list) => list.first().cloned(),
            },
        };
        let selected = current.and_then(|c| items.iter().position(|i| *i == c)).unwrap_or(0);
        self.popup = Some(Popup::Picker(Picker { kind, items, input: String::new(), selected }));
    }

    /// Keys while a popup is open: the popup takes them all.
    fn popup_key(&mut self, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return Outcome::effect(Effect::Quit);
        }
        let Some(popup) = self.popup.take() else { return Outcome::default() };
        match popup {
            Popup::Help { scroll } => {
                let scroll = match key.code {
                    KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
                    KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
                    KeyCode::PageDown => scroll.saturating_add(10),
                    KeyCode::PageUp => scroll.saturating_sub(10),
                    KeyCode::Char('g') | KeyCode::Home => 0,
                    _ => return Outcome::redraw(), // any other key closes help
                };
                self.popup = Some(Popup::Help { scroll });
                Outcome::redraw()
            }
            Popup::Prompt(prompt) => self.prompt_key(prompt, key),
            Popup::Picker(picker) => self.picker_key(picker, key),
            Popup::Confirm(dialog) => ui::confirm::key(self, *dialog, key),
            Popup::History { scroll } => {
                let scroll = match key.code {
                    KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
                    KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
                    KeyCode::Char('x') => {
                        ui::actions::cancel_running(self);
                        scroll
                    }
                    _ => return Outcome::redraw(), // any other key closes the panel
                };
                self.popup = Some(Popup::History { scroll });
                Outcome::redraw()
            }
        }
    }

    fn prompt_key(&mut self, mut prompt: Prompt, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                if prompt.kind == PromptKind::Filter {
                    self.view_mut().filter = prompt.previous;
                }
                return Outcome::redraw();
            }
            KeyCode::Enter => {
                return match self.apply_prompt(&prompt) {
                    Ok(()) => Outcome::redraw(),
                    Err(e) => {
                        prompt.error = Some(e);
                        self.popup = Some(Popup::Prompt(prompt));
                        Outcome::redraw()
                    }
                };
            }
            KeyCode::Backspace => {
                prompt.input.pop();
            }
            KeyCode::Char('u') if ctrl => prompt.input.clear(),
            KeyCode::Char(c) if !ctrl && !c.is_control() => prompt.input.push(c),
            _ => {}
        }
        prompt.error = None;
        // The text filter follows the typing (a "-l" selector waits for Enter).
        if prompt.kind == PromptKind::Filter && !prompt.input.starts_with("-l") {
            self.view_mut().filter = prompt.input.clone();
            self.view_mut().index = 0;
        }
        self.popup = Some(Popup::Prompt(prompt));
        Outcome::redraw()
    }

    fn apply_prompt(&mut self, prompt: &Prompt) -> Result<(), String> {
        let input = prompt.input.trim();
        let selector_text = match (prompt.kind, input.strip_prefix("-l")) {
            (PromptKind::Selector, _) => Some(input),
            (PromptKind::Filter, Some(rest)) => {
                // "-l sel" in the text prompt: keep the old text filter.
                self.view_mut().filter = prompt.previous.clone();
                if !self.view().screen.has_labels() {
                    return Err("label selectors filter Jobs and Pods only".into());
                }
                Some(rest.trim())
            }
            (PromptKind::Filter, None) => None,
        };
        match selector_text {
            Some("") => self.view_mut().labels = None,
            Some(text) => {
                let selector = crate::console::selector::parse(text)?;
                self.view_mut().labels = Some(LabelFilter { text: text.to_string(), selector });
            }
            None => self.view_mut().filter = input.to_string(),
        }
        self.view_mut().index = 0;
        Ok(())
    }

    fn picker_key(&mut self, mut picker: Picker, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let count = picker.choices().len();
        match key.code {
            KeyCode::Esc => return Outcome::redraw(),
            KeyCode::Enter => {
                let choice = picker.choices().get(picker.selected.min(count.saturating_sub(1))).cloned();
                return match choice {
                    Some(choice) => self.choose(picker.kind, &choice),
                    None => Outcome::redraw(),
                };
            }
            KeyCode::Up => picker.selected = picker.selected.saturating_sub(1),
            KeyCode::Down => picker.selected = (picker.selected + 1).min(count.saturating_sub(1)),
            KeyCode::Char('k') if ctrl => picker.selected = picker.selected.saturating_sub(1),
            KeyCode::Char('j') if ctrl => picker.selected = (picker.selected + 1).min(count.saturating_sub(1)),
            KeyCode::Backspace => {
                picker.input.pop();
                picker.selected = 0;
            }
            KeyCode::Char('u') if ctrl => {
                picker.input.clear();
                picker.selected = 0;
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                picker.input.push(c);
                picker.selected = 0;
            }
            _ => {}
        }
        self.popup = Some(Popup::Picker(picker));
        Outcome::redraw()
    }

    /// Applies a picker choice: a new target means new watches.
    fn choose(&mut self, kind: PickerKind, choice: &str) -> Outcome {
        let mut target = self.target.clone();
        match kind {
            PickerKind::Context => target.context = choice.to_string(),
            PickerKind::Namespace if choice == ALL_NAMESPACES => target.namespaces = Namespaces::All,
            PickerKind::Namespace => {
                let list: Vec<String> =
                    choice.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
                if list.is_empty() {
                    return Outcome::redraw();
                }
                target.namespaces = Namespaces::Only(list);
            }
        }
        if target == self.target {
            return Outcome::redraw();
        }
        self.retarget(target);
        Outcome::effect(Effect::Reconnect)
    }

    /// Switches to a new target: the old rows belong to the old watches and go.
    pub fn retarget(&mut self, target: Target) {
        if let Namespaces::Only(list) = &target.namespaces {
            self.known_namespaces.extend(list.iter().cloned());
        }
        self.target = target;
        self.state = State::default();
        self.jobs_changed = true;
        self.connection = Connection::Connecting;
        self.details.clear();
        for view in &mut self.tabs {
            view.selected = None;
            view.index = 0;
            view.offset = 0;
            view.marked.clear();
        }
    }
}

/// Owns what `App` must not: the terminal, the channels and the watch tasks.
pub struct Runner {
    app: App,
    client_for: ClientFactory,
    initial_client: Option<kube::Client>,
    max_fps: u32,
    /// Bumped on every (re)connect; results of older attempts are dropped.
    generation: u64,
    watches: Option<WatchHandles>,
    /// Updates of the current connection's watches. Replaced on reconnect, so
    /// updates still in flight from the old watches are dropped with it.
    kube_rx: mpsc::Receiver<Update>,
    msg_tx: mpsc::UnboundedSender<Msg>,
    msg_rx: mpsc::UnboundedReceiver<Msg>,
    /// Polls of the queue sources (one task per broker).
    queue_rx: mpsc::Receiver<QueueUpdate>,
    queue_sources: QueueSources,
    /// The KEDA ScaledJob watch of the current connection (idle without KEDA).
    keda: Option<tokio::task::JoinHandle<()>>,
    /// Secret keys already asked for (`allow_secrets`), so each is read once per connection.
    secrets_requested: std::collections::BTreeSet<model::queue::SecretRef>,
    /// The current connection's client, for log streams.
    client: Option<kube::Client>,
    /// The log screen's streams.
    logs: Follower,
}

/// Room for a burst of relist updates before watchers wait for the UI.
const UPDATE_BUFFER: usize = 4096;
/// Updates applied per wake-up before the loop looks at input again, so a
/// 10,000-pod relist cannot make the keyboard feel dead.
const MAX_BATCH: usize = 2048;
/// Queue polls waiting for the UI; sources wait beyond that (they poll every few seconds).
const QUEUE_BUFFER: usize = 64;

impl Runner {
    pub fn new(opts: AppOptions) -> Self {
        let target = Target { context: opts.context, namespaces: opts.namespaces, selector: opts.selector };
        let refresh = opts.config.refresh;
        let mut app = App::new(target, opts.contexts, opts.theme, chrono::Utc::now())
            .with_config(opts.config, opts.config_problems);
        app.actions.readonly_flag = opts.readonly;
        app.log_limits.max_lines = opts.log_lines;
        let (queue_tx, queue_rx) = mpsc::channel(QUEUE_BUFFER);
        let (msg_tx, msg_rx) = mpsc::unbounded_channel();
        let (_, kube_rx) = mpsc::channel(1);
        Self {
            app,
            client_for: opts.client_for,
            initial_client: opts.client,
            max_fps: opts.max_fps.clamp(1, 60),
            generation: 0,
            watches: None,
            kube_rx,
            msg_tx,
            msg_rx,
            queue_rx,
            queue_sources: QueueSources::new(queue_tx, refresh),
            keda: None,
            secrets_requested: Default::default(),
            client: None,
            logs: Follower::default(),
        }
    }

    /// Starts, updates or stops queue sources to match the config and the Jobs.
    fn replan_queues(&mut self) {
        self.app.jobs_changed = false;
        let q = &self.app.queues;
        let plan =
            model::queue::plan_full(&self.app.config, self.app.state.jobs.values(), &q.scaled_jobs, &q.secrets);
        for update in self.queue_sources.apply(&plan) {
            self.app.queues.apply(update);
        }
        self.app.queues.set_links(plan.links);
        self.read_secrets();
    }

    /// With `allow_secrets`: reads (once) the Secret keys that Jobs' linking
    /// env vars refer to; the values come back as `QueueUpdate::Secrets`.
    fn read_secrets(&mut self) {
        let (Some(client), true) = (self.client.clone(), self.app.config.allow_secrets) else { return };
        let wanted: std::collections::BTreeSet<_> =
            model::queue::secrets_wanted(&self.app.config, self.app.state.jobs.values())
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

    pub async fn event_loop(mut self, term: &mut Tui) -> Result<()> {
        let mut input = EventStream::new();
        let mut signals = ExitSignals::new()?;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let frame_gap = Duration::from_millis(1000 / self.max_fps as u64);
        let mut last_draw: Option<Instant> = None;
        let mut dirty = true;
        self.connect();
        self.replan_queues();

        loop {
            if dirty && last_draw.is_none_or(|t| t.elapsed() >= frame_gap) {
                term.draw(|frame| ui::draw(frame, &mut self.app))?;
                last_draw = Some(Instant::now());
                dirty = false;
            }
            // While a frame is owed but the cap holds it back, wake up to draw it.
            let draw_due = last_draw.filter(|_| dirty).map(|t| t + frame_gap);
            let msg = tokio::select! {
                event = input.next() => match event {
                    Some(Ok(Event::Key(key))) => Msg::Key(key),
                    Some(Ok(Event::Resize(..))) => Msg::Resize,
                    Some(Ok(_)) => continue,
                    // The terminal is gone (ssh dropped): leave quietly.
                    Some(Err(e)) => {
                        tracing::info!("terminal input failed, exiting: {e}");
                        return Ok(());
                    }
                    None => return Ok(()),
                },
                Some(first) = self.kube_rx.recv() => Msg::Kube(self.drain(first)),
                Some(msg) = self.msg_rx.recv() => msg,
                Some(update) = self.queue_rx.recv() => Msg::Queue(update),
                (generation, events) = self.logs.next() => Msg::Logs { generation, events },
                _ = tick.tick() => Msg::Tick(chrono::Utc::now()),
                name = signals.recv() => {
                    tracing::info!("{name}: exiting");
                    return Ok(());
                }
                _ = tokio::time::sleep_until(draw_due.unwrap_or_else(Instant::now)), if draw_due.is_some() => continue,
            };
            if let Msg::Connected { generation, result } = msg {
                dirty |= self.connected(generation, result);
                continue;
            }
            // Re-link queues at most once per tick: a relist of 2,000 Jobs is one plan.
            if matches!(msg, Msg::Tick(_)) && self.app.jobs_changed {
                self.replan_queues();
            }
            // Only a key moves the selection or the screen, which is what RBAC is asked about.
            let keyed = matches!(msg, Msg::Key(_));
            let outcome = self.app.update(msg);
            dirty |= outcome.redraw;
            dirty |= self.sync_logs();
            match outcome.effect {
                Some(Effect::Quit) => return Ok(()),
                Some(Effect::Reconnect) => self.connect(),
                Some(Effect::Action(request)) => self.spawn_action(request),
                None => {}
            }
            // Ask RBAC ahead about the keys of what is on screen now.
            let wanted = if keyed { ui::actions::wanted_access(&mut self.app) } else { Vec::new() };
            if !wanted.is_empty() {
                self.spawn_action(ui::actions::Request::CheckAccess(wanted));
            }
        }
    }

    fn spawn_action(&mut self, request: ui::actions::Request) {
        ui::actions::spawn(request, self.client.as_ref(), &self.app.target.context, &self.msg_tx);
    }

    /// Keeps the log streams in step with the log screen (open, restarted,
    /// closed) and carries out a save it asked for. True when the screen changed.
    fn sync_logs(&mut self) -> bool {
        ui::logs::close_if_hidden(&mut self.app);
        let want = self.app.logs.as_ref().map(|v| (v.generation, &v.request));
        self.logs.sync(self.client.as_ref(), want);
        let Some(view) = self.app.logs.as_mut() else { return false };
        let Some(path) = view.pending_save.take() else { return false };
        let result = save_lines(&path, &view.lines_to_save());
        view.saved(&path, result);
        true
    }

    /// Takes every update already waiting (up to a bound) after `first`.
    fn drain(&mut self, first: Update) -> Vec<Update> {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match self.kube_rx.try_recv() {
                Ok(u) => batch.push(u),
                Err(_) => break,
            }
        }
        batch
    }

    /// Stops the current watches and asks for a client for the app's target.
    fn connect(&mut self) {
        self.generation += 1;
        let generation = self.generation;
        self.watches = None;
        if let Some(keda) = self.keda.take() {
            keda.abort();
        }
        self.app.queues.apply(QueueUpdate::ScaledJobs(Vec::new()));
        self.app.queues.secrets.clear();
        self.secrets_requested.clear();
        let (_, rx) = mpsc::channel(1);
        self.kube_rx = rx;
        self.app.connection = Connection::Connecting;
        let client = self.initial_client.take();
        let future = match client {
            Some(client) => Box::pin(async move { Ok(client) }),
            None => (self.client_for)(&self.app.target.context),
        };
        let tx = self.msg_tx.clone();
        tokio::spawn(async move {
            let result = future.await.map_err(|e| format!("{e:#}"));
            let _ = tx.send(Msg::Connected { generation, result });
        });
    }

    /// A client arrived: start the watches (unless the operator moved on).
    fn connected(&mut self, generation: u64, result: Result<kube::Client, String>) -> bool {
        if generation != self.generation {
            return false;
        }
        match result {
            Ok(client) => {
                let scope = Scope {
                    namespaces: self.app.target.namespaces.clone(),
                    selector: self.app.target.selector.clone(),
                    kinds: Scope::CONSOLE_KINDS.to_vec(),
                };
                let (tx, rx) = mpsc::channel(UPDATE_BUFFER);
                self.kube_rx = rx;
                self.client = Some(client.clone());
                self.keda = Some(source::keda::spawn(
                    client.clone(),
                    self.app.target.namespaces.clone(),
                    self.queue_sources.sender(),
                ));
                self.watches = Some(spawn_watches(client, &scope, tx));
                self.sync_logs();
                self.app.connection = Connection::Connected;
            }
            Err(e) => {
                tracing::warn!(context = %self.app.target.context, "cannot connect: {e}");
                self.app.connection = Connection::Failed(e);
            }
        }
        true
    }
}

/// Which kind a screen lists, for its watch-health line.
pub fn screen_kind(screen: &Screen) -> Kind {
    match screen {
        Screen::Jobs | Screen::JobDetail(_) | Screen::CronJobDetail(_) => Kind::Job,
        Screen::CronJobs => Kind::CronJob,
        Screen::Pods { .. } => Kind::Pod,
        Screen::Nodes => Kind::Node,
        // Queues come from brokers, not watches; their health is on the screen itself.
        Screen::Queues | Screen::QueueDetail(_) => Kind::Job,
        Screen::Logs => Kind::Pod,
    }
}
