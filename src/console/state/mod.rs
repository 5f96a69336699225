//! The console's state: the cluster as the watches report it, the queues,
//! and everything about what the operator sees (tabs, detail screens, the
//! popup, the log view, running actions). Plain data plus the transitions
//! each part makes on itself; nothing here spawns, draws or reads the
//! terminal. `update` changes it in answer to messages; `ui` draws it.

mod actions;
mod confirm;
mod history;
mod logs;
mod popup;
mod view;

use std::collections::BTreeSet;

use model::groups::JobGroup;
use model::logs::buffer::Limits;
use model::queue::Queues;
use model::scope::Namespaces;
use model::settings::{Config, ConfigProblem};
use model::warnings::{Marks, Warning};
use model::{State, Time};

pub use self::actions::Actions;
pub use self::confirm::ConfirmDialog;
pub use self::history::{ActionHistory, Entry, Status};
pub use self::logs::{
    ContainerChoice, InputKind, LogCommand, LogView, Mode, Note, containers_of_job, containers_of_pod, parse_range,
};
pub use self::popup::{ALL_NAMESPACES, Picker, PickerKind, Popup, Prompt, PromptKind};
pub use self::view::{LabelFilter, Measured, Route, Shown, TABS, View};

/// What is being watched.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub context: String,
    pub namespaces: Namespaces,
    pub selector: Option<String>,
}

/// How the connection to the current context is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionState {
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

const FLASH_SECONDS: i64 = 4;

/// The console's model: cluster state plus view state.
pub struct App {
    pub state: State,
    pub now: Time,
    pub target: Target,
    pub contexts: Vec<String>,
    pub connection: ConnectionState,
    /// One view per entry of [`TABS`].
    pub tabs: Vec<View>,
    pub tab: usize,
    /// Detail screens opened on top of the current tab.
    pub details: Vec<View>,
    pub popup: Option<Popup>,
    /// The label-group panel above the Jobs table.
    pub show_groups: bool,
    /// The label groups that panel shows, derived when the Jobs change.
    pub groups: Groups,
    pub flash: Option<Flash>,
    /// Namespaces seen so far (for the picker), across switches.
    pub known_namespaces: BTreeSet<String>,
    /// Work queues, their sources and the Jobs they feed.
    pub queues: Queues,
    pub config: Config,
    pub config_problems: Vec<ConfigProblem>,
    /// The log screen's state while it is open.
    pub logs: Option<LogView>,
    /// Line and byte bounds of a log view.
    pub log_limits: Limits,
    /// Read-only mode, RBAC answers, running actions and their history.
    pub actions: Actions,
    /// What is wrong, for the Warnings screen, the status bar and the row marks.
    pub warnings: Warnings,
    /// The pod timeline on the Job detail screen (`t`).
    pub show_timeline: bool,
}

/// The Jobs' label groups ([`App::refresh_groups`]).
#[derive(Debug, Default)]
pub struct Groups {
    pub list: Vec<JobGroup>,
    /// The Jobs store's revision they were derived at.
    pub revision: Option<u64>,
}

/// Every warning (`model::warnings::all`) and the worst one per row, derived
/// from the state and the queues: again at the next tick after either changes
/// (not per watch event: a relist of 2,000 Jobs is one derivation), and every
/// [`Warnings::REFRESH`] for the ones time alone raises (stalls, missed runs).
/// The state's part is the costly one (every Job, pod and CronJob) and is kept
/// apart, so a queue's poll (every few seconds, each source) derives only the
/// queues' part again.
#[derive(Debug, Default)]
pub struct Warnings {
    pub list: Vec<Warning>,
    pub marks: Marks,
    /// The state's warnings (`model::warnings::job_warnings_with`) as of `at`.
    of_state: Vec<Warning>,
    /// The queues' warnings (`model::warnings::of_queues`) in `list`.
    of_queues: Vec<Warning>,
    /// The state changed since `at`.
    pub stale: bool,
    /// The queues changed since the list was made.
    pub queues_stale: bool,
    /// When the state's warnings were derived.
    pub at: Option<Time>,
}

impl Warnings {
    pub const REFRESH: chrono::Duration = chrono::Duration::seconds(10);

    /// Whether the list should be made again at `now`.
    pub fn due(&self, now: Time) -> bool {
        self.queues_stale || self.state_due(now)
    }

    /// Whether the state's part should be derived again at `now`.
    fn state_due(&self, now: Time) -> bool {
        self.stale || self.at.is_none_or(|at| now - at >= Self::REFRESH)
    }

    /// The worst severity among them, for the status bar's colour.
    pub fn worst(&self) -> Option<model::warnings::Severity> {
        self.list.iter().map(|w| w.severity).max()
    }
}

impl App {
    pub fn new(target: Target, contexts: Vec<String>, now: Time) -> Self {
        let mut known_namespaces = BTreeSet::new();
        if let Namespaces::Only(list) = &target.namespaces {
            known_namespaces.extend(list.iter().cloned());
        }
        Self {
            state: State::default(),
            now,
            target,
            contexts,
            connection: ConnectionState::Connecting,
            tabs: TABS.iter().cloned().map(View::new).collect(),
            tab: 0,
            details: Vec::new(),
            popup: None,
            show_groups: true,
            groups: Groups::default(),
            flash: None,
            known_namespaces,
            queues: Queues::default(),
            config: Config::default(),
            config_problems: Vec::new(),
            logs: None,
            log_limits: Limits::default(),
            actions: Actions::default(),
            warnings: Warnings::default(),
            show_timeline: true,
        }
    }

    /// Derives the label groups again if the panel shows and the Jobs changed
    /// since (the runner asks before each frame): grouping 2,000 Jobs is a
    /// frame's worth of work, and most frames (the tick's, a pod's change)
    /// leave the Jobs as they were.
    pub fn refresh_groups(&mut self) {
        let revision = self.state.jobs.revision();
        if self.show_groups && self.groups.revision != Some(revision) {
            self.groups = Groups { list: model::groups::job_groups(&self.state.jobs), revision: Some(revision) };
        }
    }

    /// The label groups of the Jobs as they stand: the derived ones while
    /// they are current (a state built by hand, as tests do, is grouped here).
    pub fn job_groups(&self) -> std::borrow::Cow<'_, [JobGroup]> {
        if self.groups.revision == Some(self.state.jobs.revision()) {
            std::borrow::Cow::Borrowed(&self.groups.list)
        } else {
            std::borrow::Cow::Owned(model::groups::job_groups(&self.state.jobs))
        }
    }

    /// Derives the warnings from the state and the queues as they stand now.
    /// The state's part is derived again only when it is due; the list is
    /// made again only when either part changed (most queue polls change
    /// nothing the warnings say).
    pub fn refresh_warnings(&mut self) {
        let w = &mut self.warnings;
        let mut changed = w.at.is_none();
        if w.state_due(self.now) {
            let limits = model::warnings::Limits::of(&self.config);
            let of_state = model::warnings::job_warnings_with(&self.state, self.now, limits);
            changed |= of_state != w.of_state;
            (w.of_state, w.stale, w.at) = (of_state, false, Some(self.now));
        }
        let of_queues = model::warnings::of_queues(&self.queues, &self.state);
        changed |= of_queues != w.of_queues;
        w.queues_stale = false;
        if changed {
            w.list = model::warnings::merged(w.of_state.clone(), &of_queues);
            w.marks = Marks::of(&w.list);
            w.of_queues = of_queues;
        }
    }

    /// Uses `config` for queues (sources, links, refresh, rate window).
    #[must_use]
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

    /// The text is masked: a flash often carries the API's or a broker's words.
    pub fn flash(&mut self, text: impl Into<String>, error: bool) {
        let text = model::redact::mask_url(&text.into());
        self.flash = Some(Flash { text, error, until: self.now + chrono::Duration::seconds(FLASH_SECONDS) });
    }

    /// Read-only for the current context: by flag, or by the config's `[contexts.NAME] readonly`.
    pub fn readonly(&self) -> bool {
        self.actions.readonly_flag || self.config.readonly_for(&self.target.context)
    }
}
