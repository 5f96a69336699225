//! The console side of actions (issue 6): which action keys a screen offers,
//! marking rows for multi-select, opening the confirmation dialog, and folding
//! what running actions report into the status line and the history panel.
//!
//! Nothing here writes to the cluster: a confirmed dialog becomes a
//! [`Request`] the runner spawns with [`spawn`], which calls
//! `Action::execute` and reports back with [`Report`]s.

use std::collections::{HashMap, HashSet};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::action_history::ActionHistory;
use super::confirm::ConfirmDialog;
use action::access::{Access, AccessCache, AccessKey, Availability, review};
use action::{self, Action, ActionSpec, ProgressEvent};
use crate::console::app::{App, Effect, Msg, Outcome, Popup, Screen};
use model::{Kind, ObjKey};

/// Action state of the console.
#[derive(Debug, Default)]
pub struct Actions {
    /// `--readonly` was given (the config can also make a context read-only).
    pub readonly_flag: bool,
    pub access: AccessCache,
    /// Reviews sent and not answered yet.
    asked: HashSet<AccessKey>,
    pub history: ActionHistory,
    cancels: HashMap<u64, CancellationToken>,
    next_id: u64,
}

/// What the runner is asked to do.
#[derive(Debug, Clone)]
pub enum Request {
    Run { id: u64, action: Action, cancel: CancellationToken },
    CheckAccess(Vec<AccessKey>),
}

impl PartialEq for Request {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Request::Run { id: a, action: x, .. }, Request::Run { id: b, action: y, .. }) => a == b && x == y,
            (Request::CheckAccess(a), Request::CheckAccess(b)) => a == b,
            _ => false,
        }
    }
}
impl Eq for Request {}

/// What spawned work reports back.
#[derive(Debug)]
pub enum Report {
    Progress(u64, ProgressEvent),
    Done(u64, action::Outcome),
    Access(AccessKey, Access),
}

/// Read-only for the current context: by flag, or by the config's `[contexts.NAME] readonly`.
pub fn readonly(app: &App) -> bool {
    app.actions.readonly_flag || app.config.readonly_for(&app.target.context)
}

/// The kind of object a screen's action keys act on.
pub fn target_kind(screen: &Screen) -> Option<Kind> {
    match screen {
        Screen::Jobs | Screen::JobDetail(_) | Screen::CronJobDetail(_) => Some(Kind::Job),
        Screen::CronJobs => Some(Kind::CronJob),
        Screen::Pods { .. } => Some(Kind::Pod),
        Screen::Nodes => Some(Kind::Node),
        Screen::Queues | Screen::QueueDetail(_) | Screen::Logs => None,
    }
}

/// The rows an action on this screen applies to: the marked ones, else the selected one.
pub fn targets(app: &App) -> Vec<ObjKey> {
    let view = app.view();
    if !view.marked.is_empty() {
        return view.marked.iter().cloned().collect();
    }
    match &view.screen {
        Screen::JobDetail(key) => vec![key.clone()],
        _ => app.selected_key().into_iter().collect(),
    }
}

/// Handles the action keys of the current screen (and Space/`*` marking, `H`
/// history). `None` leaves the key to the other bindings.
pub fn capture_key(app: &mut App, key: &KeyEvent) -> Option<Outcome> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    let KeyCode::Char(c) = key.code else { return None };
    if c == 'H' {
        app.popup = Some(Popup::History { scroll: 0 });
        return Some(Outcome { redraw: true, effect: None });
    }
    let kind = target_kind(&app.view().screen)?;
    match c {
        ' ' if app.view().screen.is_list() => {
            toggle_mark(app);
            Some(Outcome { redraw: true, effect: None })
        }
        '*' if app.view().screen.is_list() => {
            mark_all(app);
            Some(Outcome { redraw: true, effect: None })
        }
        _ => {
            let spec = action::by_key(kind, c, readonly(app))?;
            Some(open(app, spec))
        }
    }
}

fn toggle_mark(app: &mut App) {
    let Some(key) = app.selected_key() else { return };
    let view = app.view_mut();
    if !view.marked.remove(&key) {
        view.marked.insert(key);
    }
}

/// Marks every row shown (after the filters); when all are marked already, clears the marks.
fn mark_all(app: &mut App) {
    let rows = super::row_keys(app, app.view());
    let view = app.view_mut();
    if !rows.is_empty() && rows.iter().all(|r| view.marked.contains(r)) {
        view.marked.clear();
    } else {
        view.marked.extend(rows);
    }
    let n = app.view().marked.len();
    app.flash(format!("{n} marked: action keys apply to all of them (* again clears)"), false);
}

/// Opens the confirmation dialog for `spec` on the current targets, unless
/// RBAC already said no.
fn open(app: &mut App, spec: &'static ActionSpec) -> Outcome {
    let targets = targets(app);
    if targets.is_empty() {
        app.flash(format!("{}: nothing selected", spec.name), true);
        return Outcome { redraw: true, effect: None };
    }
    if targets.len() > 1 && !spec.multi {
        app.flash(format!("{} works on one at a time: {} are marked", spec.name, targets.len()), true);
        return Outcome { redraw: true, effect: None };
    }
    let action = Action::new(spec.id, app.target.context.clone(), targets);
    let namespaces = action.namespaces();
    match app.actions.access.availability(&app.target.context, spec, &namespaces) {
        Availability::Unavailable(reason) => {
            app.flash(format!("{}: unavailable: {reason}", spec.name), true);
            Outcome { redraw: true, effect: None }
        }
        availability => {
            app.popup = Some(Popup::Confirm(Box::new(ConfirmDialog::new(action))));
            let missing = unasked(app, spec, &namespaces);
            if availability == Availability::Checking && !missing.is_empty() {
                return Outcome { redraw: true, effect: Some(Effect::Action(Request::CheckAccess(missing))) };
            }
            Outcome { redraw: true, effect: None }
        }
    }
}

fn unasked(app: &mut App, spec: &ActionSpec, namespaces: &[Option<String>]) -> Vec<AccessKey> {
    let missing: Vec<AccessKey> = app
        .actions
        .access
        .missing(&app.target.context, spec, namespaces)
        .into_iter()
        .filter(|k| !app.actions.asked.contains(k))
        .collect();
    app.actions.asked.extend(missing.iter().cloned());
    missing
}

/// The access reviews the current screen's action keys need (for the rows in
/// view's namespaces) that nobody asked yet: asked ahead, so the help and the
/// keys can say "unavailable" before anyone presses them.
pub fn wanted_access(app: &mut App) -> Vec<AccessKey> {
    // Only the current connection's client can answer for its context.
    if app.connection != crate::console::app::Connection::Connected {
        return Vec::new();
    }
    let Some(kind) = target_kind(&app.view().screen) else { return Vec::new() };
    let namespaces: Vec<Option<String>> = match kind {
        Kind::Node => vec![None],
        _ => {
            let mut ns: Vec<Option<String>> = targets(app).into_iter().map(|k| Some(k.namespace)).collect::<Vec<_>>();
            ns.sort();
            ns.dedup();
            ns
        }
    };
    if namespaces.is_empty() {
        return Vec::new();
    }
    let readonly = readonly(app);
    let mut out = Vec::new();
    for spec in action::offered(kind, readonly) {
        out.extend(unasked(app, spec, &namespaces));
    }
    out
}

/// The user confirmed: hand the action to the runner and note it in the history.
pub fn confirmed(app: &mut App, action: Action) -> Outcome {
    app.actions.next_id += 1;
    let id = app.actions.next_id;
    let cancel = CancellationToken::new();
    app.actions.cancels.insert(id, cancel.clone());
    app.actions.history.start(id, app.now, &action.context, action.describe());
    app.view_mut().marked.clear();
    if matches!(action.id, action::ActionId::DrainNode | action::ActionId::DrainPreview) {
        // A drain takes a while: show its progress pod by pod.
        app.popup = Some(Popup::History { scroll: 0 });
    }
    app.flash(format!("running: {}", action.describe()), false);
    Outcome { redraw: true, effect: Some(Effect::Action(Request::Run { id, action, cancel })) }
}

/// Cancels every running action (a drain stops evicting; done steps stay done).
pub fn cancel_running(app: &mut App) {
    let n = app.actions.cancels.len();
    for token in app.actions.cancels.values() {
        token.cancel();
    }
    if n > 0 {
        app.flash(format!("cancelling {n} running action(s)"), true);
    }
}

/// Folds a report from running work. True when something visible changed.
pub fn apply(app: &mut App, report: Report) -> bool {
    match report {
        Report::Progress(id, event) => {
            if let Some(line) = app.actions.history.progress(id, &event) {
                let error = line.contains("FAILED") || line.contains("refused");
                app.flash(line, error);
            }
        }
        Report::Done(id, outcome) => {
            app.actions.cancels.remove(&id);
            app.actions.history.finish(id, &outcome);
            tracing::info!(context = %outcome.context, ok = outcome.ok(), "action: {}", outcome.summary());
            app.flash(outcome.summary(), !outcome.ok());
        }
        Report::Access(key, access) => {
            app.actions.asked.remove(&key);
            app.actions.access.insert(key, access);
        }
    }
    true
}

/// Carries out a request off the event loop; reports come back as `Msg::Action`.
pub fn spawn(request: Request, client: Option<&kube::Client>, context: &str, tx: &mpsc::UnboundedSender<Msg>) {
    match request {
        Request::Run { id, action, cancel } => {
            let Some(client) = client.cloned().filter(|_| action.context == context) else {
                let outcome = not_connected(&action);
                let _ = tx.send(Msg::Action(Report::Done(id, outcome)));
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let (ptx, mut prx) = mpsc::unbounded_channel();
                let forward = {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        while let Some(event) = prx.recv().await {
                            let _ = tx.send(Msg::Action(Report::Progress(id, event)));
                        }
                    })
                };
                let outcome = action.execute(&client, action::Progress::new(ptx, cancel)).await;
                // The progress sender is dropped with execute: the forwarder ends after the last event.
                let _ = forward.await;
                let _ = tx.send(Msg::Action(Report::Done(id, outcome)));
            });
        }
        Request::CheckAccess(keys) => {
            let Some(client) = client.cloned() else { return };
            for key in keys.into_iter().filter(|k| k.context == context) {
                let (client, tx) = (client.clone(), tx.clone());
                tokio::spawn(async move {
                    let access = review(&client, &key).await;
                    let _ = tx.send(Msg::Action(Report::Access(key, access)));
                });
            }
        }
    }
}

fn not_connected(action: &Action) -> action::Outcome {
    let now = chrono::Utc::now();
    action::Outcome {
        action: action.describe(),
        context: action.context.clone(),
        started: now,
        finished: now,
        steps: vec![action::Step {
            target: "(all)".into(),
            result: Err(format!("not run: not connected to context {}", action.context)),
        }],
    }
}

/// The "Actions" section of the help overlay: this screen's action keys,
/// without the dangerous ones in read-only mode, each with whether RBAC allows it.
pub fn help_rows(app: &App) -> Vec<(String, String, Option<String>)> {
    let Some(kind) = target_kind(&app.view().screen) else { return Vec::new() };
    let ro = readonly(app);
    let mut rows: Vec<(String, String, Option<String>)> = Vec::new();
    let namespaces: Vec<Option<String>> = match kind {
        Kind::Node => vec![None],
        _ => targets(app).into_iter().map(|k| Some(k.namespace)).collect(),
    };
    for spec in action::offered(kind, ro) {
        let bang = if spec.dangerous { " (!)" } else { "" };
        let note = if namespaces.is_empty() {
            None
        } else {
            match app.actions.access.availability(&app.target.context, spec, &namespaces) {
                Availability::Unavailable(reason) => Some(format!("unavailable: {reason}")),
                Availability::Checking => Some("checking permission…".into()),
                Availability::Unverified(w) => Some(w),
                Availability::Available => None,
            }
        };
        rows.push((spec.key.to_string(), format!("{}{bang}", spec.name), note));
    }
    rows.push(("Space".into(), "mark or unmark the row (actions apply to marked rows)".into(), None));
    rows.push(("*".into(), "mark every row shown (after filters); again: clear".into(), None));
    if ro {
        rows.push(("".into(), "read-only: actions that change the cluster are hidden".into(), None));
    }
    rows
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyEvent;

    use super::*;
    use crate::console::app::{Connection, Target};
    use model::scope::Namespaces;
    use testkit::sample;
    use crate::ui::theme::Theme;

    fn app(config: &str) -> App {
        let target = Target { context: "sandbox".into(), namespaces: Namespaces::All, selector: None };
        let (config, problems) = config::parse(config, std::path::Path::new("test.toml"), &|_| None);
        assert!(problems.is_empty(), "{problems:?}");
        let mut app = App::new(target, vec!["sandbox".into()], Theme::default_16(), sample::now())
            .with_config(config, Vec::new());
        app.state = sample::state();
        app.connection = Connection::Connected;
        app
    }

    fn press(app: &mut App, c: char) -> Option<Outcome> {
        capture_key(app, &KeyEvent::from(KeyCode::Char(c)))
    }

    #[test]
    fn a_readonly_context_offers_no_dangerous_key() {
        for (config, flag) in [("[contexts.sandbox]\nreadonly = true\n", false), ("", true)] {
            let mut a = app(config);
            a.actions.readonly_flag = flag;
            assert!(readonly(&a));
            for c in ['D', 'S', 'R'] {
                assert!(press(&mut a, c).is_none(), "{c} does nothing read-only");
            }
            assert!(a.popup.is_none());
            let help: Vec<String> = help_rows(&a).into_iter().map(|(k, _, _)| k).collect();
            assert!(!help.iter().any(|k| ["D", "S", "R"].contains(&k.as_str())), "{help:?}");
        }
    }

    #[test]
    fn marked_rows_are_the_targets() {
        let mut a = app("");
        assert!(!readonly(&a));
        assert!(press(&mut a, '*').is_some());
        let rows = super::super::row_keys(&a, a.view());
        assert_eq!(targets(&a), rows, "every row shown is marked");
        assert!(press(&mut a, 'S').is_some());
        match &a.popup {
            Some(Popup::Confirm(d)) => assert_eq!(d.action.targets.len(), rows.len()),
            other => panic!("the suspend dialog opens: {other:?}"),
        }
        a.popup = None;
        assert!(press(&mut a, '*').is_some());
        assert!(a.view().marked.is_empty(), "* again clears");
    }
}
