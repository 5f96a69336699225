//! The console's update function: a [`Msg`] changes the [`App`] and says
//! whether to redraw and which [`Effect`]s the runner should carry out.
//! Nothing here spawns, waits or touches the terminal, so every behaviour of
//! the console is a unit test away (`tests.rs`).

mod actions;
mod logs;
mod prompt;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use action::Action;
use action::access::AccessKey;
use crossterm::event::{KeyEvent, KeyEventKind};
use model::queue::{QueueKey, QueueUpdate};
use model::scope::Namespaces;
use model::{Kind, ObjKey, State, Time, Update};
use tokio_util::sync::CancellationToken;

pub use self::actions::ActionEvent;
use super::keys::{self, Command};
use super::state::{App, ConnectionState, LabelFilter, Popup, PromptKind, Route, Shown, TABS, Target, View};
use crate::ui::screens;

/// What the console reacts to.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): never taken as keys.
    Paste(String),
    Resize,
    /// Once a second: refreshes `now` for ages, elapsed times and countdowns.
    Tick(Time),
    /// A batch of updates from the current connection's watches.
    Kube(Vec<Update>),
    /// How the connection to the target's context stands (the runner connects).
    Connection(ConnectionState),
    /// A poll (or failed poll) of a queue source, a source started or
    /// stopped, KEDA ScaledJobs, Secret values.
    Queue(QueueUpdate),
    /// Which Jobs each queue feeds, as the runner's last plan linked them.
    QueueLinks(BTreeMap<QueueKey, BTreeSet<ObjKey>>, Vec<model::queue::LinkNote>),
    /// Lines and stream news for the log screen; `generation` is the stream set they belong to.
    Logs {
        generation: u64,
        events: Vec<model::logs::buffer::LogEvent>,
    },
    /// How a save of the log screen's lines went.
    LogSaved {
        path: PathBuf,
        result: Result<usize, String>,
    },
    /// Progress and results of actions, and RBAC answers.
    Action(ActionEvent),
    /// What the last frame showed of the view on screen.
    Shown(Shown),
}

/// Side effects `update` asks for; the runner carries them out.
#[derive(Debug, Clone)]
pub enum Effect {
    Quit,
    /// The target changed: stop the watches, start new ones.
    Reconnect,
    /// Jobs, or what links them to queues, changed: plan the queue sources
    /// again (the runner does it at most once a tick: a relist of 2,000 Jobs
    /// is one plan).
    RelinkQueues,
    /// Run a confirmed action; it reports back as `Msg::Action`.
    RunAction {
        id: u64,
        action: Action,
        cancel: CancellationToken,
    },
    /// Ask RBAC (SelfSubjectAccessReview) about these permissions.
    CheckAccess(Vec<AccessKey>),
    /// Write the log screen's lines to a file; the result comes back as `Msg::LogSaved`.
    SaveLog {
        path: PathBuf,
        lines: Vec<String>,
    },
}

/// Equal when they ask the same (a cancellation token has no identity to compare).
impl PartialEq for Effect {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Effect::RunAction { id: a, action: x, .. }, Effect::RunAction { id: b, action: y, .. }) => {
                a == b && x == y
            }
            (Effect::CheckAccess(a), Effect::CheckAccess(b)) => a == b,
            (Effect::SaveLog { path: a, lines: x }, Effect::SaveLog { path: b, lines: y }) => a == b && x == y,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

/// What an update did.
#[derive(Debug, Default, PartialEq)]
pub struct Handled {
    pub redraw: bool,
    pub effects: Vec<Effect>,
}

impl Handled {
    pub fn redraw() -> Self {
        Self { redraw: true, effects: Vec::new() }
    }

    pub fn effect(effect: Effect) -> Self {
        Self { redraw: true, effects: vec![effect] }
    }

    fn quiet() -> Self {
        Self::default()
    }

    fn redraw_if(redraw: bool) -> Self {
        Self { redraw, effects: Vec::new() }
    }
}

impl App {
    pub fn update(&mut self, msg: Msg) -> Handled {
        let keyed = matches!(msg, Msg::Key(_));
        // Warnings follow the state (see apply_kube) and the queues, derived at the next tick.
        if matches!(msg, Msg::Queue(_) | Msg::QueueLinks(..)) {
            self.warnings.queues_stale = true;
        }
        let mut handled = match msg {
            Msg::Key(key) => self.key(key),
            Msg::Paste(text) => prompt::paste(self, &text),
            Msg::Resize => Handled::redraw(),
            Msg::Tick(now) => self.tick(now),
            Msg::Kube(updates) => self.apply_kube(updates),
            Msg::Connection(state) => self.connection_changed(state),
            Msg::Queue(update) => self.apply_queue(update),
            Msg::QueueLinks(links, notes) => {
                self.queues.set_links(links);
                self.queues.link_notes = notes;
                Handled::redraw()
            }
            Msg::Logs { generation, events } => Handled::redraw_if(logs::apply_events(self, generation, events)),
            Msg::LogSaved { path, result } => Handled::redraw_if(logs::saved(self, &path, result)),
            Msg::Action(event) => Handled::redraw_if(actions::apply(self, event)),
            Msg::Shown(shown) => {
                self.keep_shown(shown);
                Handled::quiet()
            }
        };
        logs::close_if_hidden(self);
        // Ask RBAC ahead about the keys of what is on screen now: only a key
        // moves the selection or the screen.
        if keyed {
            let wanted = actions::wanted_access(self);
            if !wanted.is_empty() {
                handled.effects.push(Effect::CheckAccess(wanted));
            }
        }
        handled
    }

    /// Folds a batch of watch updates.
    fn apply_kube(&mut self, updates: Vec<Update>) -> Handled {
        let mut changed = false;
        let mut jobs_changed = false;
        for update in updates {
            let id = match &update {
                Update::ListStarted(id) | Update::Applied(id, _) | Update::Deleted(id, _) | Update::ListDone(id) => {
                    Some(id)
                }
                Update::Health(..) => None,
            };
            let about_jobs = id.is_some_and(|id| id.kind == Kind::Job);
            // Asked before the fold: a deleted event is judged by what it was.
            let read_by_warnings = model::warnings::read_by_warnings(&update, &self.state);
            // An event that changed nothing kept (most of a busy cluster's) costs no derivation.
            if self.state.apply(update, self.now) {
                changed = true;
                jobs_changed |= about_jobs;
                self.warnings.stale |= read_by_warnings;
            }
        }
        let effects = if jobs_changed { vec![Effect::RelinkQueues] } else { Vec::new() };
        Handled { redraw: changed, effects }
    }

    /// Folds a queue source's update; counts warnings after each poll.
    fn apply_queue(&mut self, update: QueueUpdate) -> Handled {
        let polled = match &update {
            QueueUpdate::Polled { source, .. } => Some(source.clone()),
            _ => None,
        };
        // New ScaledJob triggers or Secret values re-link Jobs.
        let relinks = matches!(update, QueueUpdate::ScaledJobs(_) | QueueUpdate::Secrets(_));
        let changed = self.queues.apply(update);
        if let Some(source) = polled {
            self.queues.note_poll(&source, &self.state.jobs);
        }
        let effects = if relinks && changed { vec![Effect::RelinkQueues] } else { Vec::new() };
        Handled { redraw: changed, effects }
    }

    fn connection_changed(&mut self, state: ConnectionState) -> Handled {
        if state == ConnectionState::Connecting {
            // ScaledJobs and Secret values belong to the old connection.
            self.queues.apply(QueueUpdate::ScaledJobs(Vec::new()));
            self.queues.secrets.clear();
        }
        // A connection error may quote the kubeconfig's server URL, userinfo and all.
        self.connection = match state {
            ConnectionState::Failed(e) => ConnectionState::Failed(model::redact::mask_url(&e)),
            other => other,
        };
        Handled::redraw()
    }

    /// Keeps what the last frame showed, so the next key starts from there.
    fn keep_shown(&mut self, shown: Shown) {
        match shown {
            Shown::Nothing => {}
            Shown::List { selected, index, offset, page, measured } => {
                let view = self.view_mut();
                view.selected = selected;
                view.index = index;
                view.offset = offset;
                view.page = page;
                view.measured = measured;
            }
            Shown::Document { scroll, page } => {
                let view = self.view_mut();
                view.scroll = scroll;
                view.page = page;
            }
            Shown::Log { top, rows } => {
                if let Some(logs) = self.logs.as_mut() {
                    logs.shown(top, rows);
                }
            }
        }
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

    fn tick(&mut self, now: Time) -> Handled {
        self.now = now;
        if self.warnings.due(now) {
            self.refresh_warnings();
        }
        if self.flash.as_ref().is_some_and(|f| f.until <= now) {
            self.flash = None;
        }
        // Ages, elapsed times, countdowns and "updated Ns ago" move every
        // second; ratatui sends only the cells that changed, so this is cheap
        // over a slow link.
        Handled::redraw()
    }

    fn key(&mut self, key: KeyEvent) -> Handled {
        if key.kind == KeyEventKind::Release {
            return Handled::quiet();
        }
        if self.popup.is_some() {
            return prompt::popup_key(self, key);
        }
        if let Some(handled) = logs::capture_key(self, &key) {
            return handled;
        }
        if let Some(handled) = actions::capture_key(self, &key) {
            return handled;
        }
        let keymaps = screens::of(&self.view().route).keymaps();
        match keys::command_for(&key, keymaps) {
            Some(command) => self.command(command),
            None => Handled::quiet(),
        }
    }

    /// Carries out a key's command on the current screen.
    pub fn command(&mut self, command: Command) -> Handled {
        match command {
            Command::Quit => return actions::quit(self),
            Command::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Command::Up => self.move_by(-1),
            Command::Down => self.move_by(1),
            Command::PageUp => self.move_by(-(self.view().page.max(1) as i64)),
            Command::PageDown => self.move_by(self.view().page.max(1) as i64),
            Command::Top => self.move_by(i64::MIN / 2),
            Command::Bottom => self.move_by(i64::MAX / 2),
            Command::Open => self.open(),
            Command::Back => self.back(),
            Command::ShowTab(tab) => self.show_tab(tab),
            Command::NextTab => self.show_tab((self.tab + 1) % TABS.len()),
            Command::PrevTab => self.show_tab((self.tab + TABS.len() - 1) % TABS.len()),
            Command::Filter => self.open_prompt(PromptKind::Filter),
            Command::Selector => self.open_prompt(PromptKind::Selector),
            Command::ClearFilter => {
                let view = self.view_mut();
                view.filter.clear();
                view.labels = None;
            }
            Command::SortNext => self.sort(false),
            Command::SortReverse => self.sort(true),
            Command::Namespace => prompt::open_picker(self, super::state::PickerKind::Namespace),
            Command::Context => prompt::open_picker(self, super::state::PickerKind::Context),
            Command::ToggleGroups => self.show_groups = !self.show_groups,
            Command::ToggleTimeline => self.show_timeline = !self.show_timeline,
            Command::JobPods => self.open_job_pods(),
            Command::Logs => logs::open(self, false),
            Command::IndexLogs => logs::open(self, true),
            Command::Log(c) => logs::command(self, c),
        }
        Handled::redraw()
    }

    fn show_tab(&mut self, tab: usize) {
        if tab < TABS.len() {
            self.tab = tab;
            self.details.clear();
        }
    }

    /// Moves the selection (lists) or the scroll position (documents).
    fn move_by(&mut self, delta: i64) {
        if !screens::of(&self.view().route).is_list() {
            let view = self.view_mut();
            view.scroll = (i64::from(view.scroll) + delta).clamp(0, i64::from(u16::MAX)) as u16;
            return;
        }
        let rows = screens::row_keys(self);
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

    fn open(&mut self) {
        let Some(key) = screens::selected_key(self) else { return };
        if let Some(route) = screens::of(&self.view().route).open(self, key) {
            self.details.push(View::new(route));
        }
    }

    fn open_job_pods(&mut self) {
        if screens::of(&self.view().route).row_kind() != Some(Kind::Job) {
            return;
        }
        if let Some(job) = screens::subject(self) {
            self.details.push(View::new(Route::Pods { job: Some(job) }));
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
        let columns = screens::of(&self.view().route).sort_columns();
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
        if kind == PromptKind::Selector && !screens::of(&view.route).has_labels() {
            self.flash("label selectors filter Jobs and Pods; use / here", true);
            return;
        }
        let input = match kind {
            PromptKind::Filter => view.filter.clone(),
            PromptKind::Selector => view.labels.as_ref().map(|l| l.text.clone()).unwrap_or_default(),
        };
        let previous = view.filter.clone();
        self.popup = Some(Popup::Prompt(super::state::Prompt { kind, previous, input, error: None }));
    }

    /// Switches to a new target: the old rows belong to the old watches and go.
    pub fn retarget(&mut self, target: Target) {
        if let Namespaces::Only(list) = &target.namespaces {
            self.known_namespaces.extend(list.iter().cloned());
        }
        self.target = target;
        self.state = State::default();
        self.connection = ConnectionState::Connecting;
        self.details.clear();
        for view in &mut self.tabs {
            view.selected = None;
            view.index = 0;
            view.offset = 0;
            view.marked.clear();
        }
    }

    /// Sets the label filter of the view on screen from a selector's text.
    fn set_labels(&mut self, text: &str) -> Result<(), String> {
        if text.is_empty() {
            self.view_mut().labels = None;
            return Ok(());
        }
        let selector = crate::selector::parse(text)?;
        self.view_mut().labels = Some(LabelFilter { text: text.to_string(), selector });
        Ok(())
    }
}
