//! The console side of actions: which action keys a screen offers, marking
//! rows for multi-select, the confirmation dialog, and folding what running
//! actions report into the status line and the history panel.
//!
//! Nothing here writes to the cluster: a confirmed dialog becomes an
//! [`Effect::RunAction`] the runner spawns (`Action::execute` in the action
//! crate), which reports back with [`ActionEvent`]s.

use action::access::{Access, AccessKey, Availability};
use action::{ActionId, ActionSpec, Outcome, ProgressEvent};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use model::Kind;

use super::{Effect, Handled};
use crate::console::state::{App, ConfirmDialog, ConnectionState, Popup};
use crate::ui::screens;

/// What running actions and RBAC reviews report back.
#[derive(Debug)]
pub enum ActionEvent {
    Progress(u64, ProgressEvent),
    Done(u64, Outcome),
    Access(AccessKey, Access),
}

/// The kind of object the current screen's action keys act on.
fn target_kind(app: &App) -> Option<Kind> {
    screens::of(&app.view().route).row_kind()
}

/// Handles the action keys of the current screen (and Space/`*` marking, `H`
/// history). `None` leaves the key to the other bindings.
pub(super) fn capture_key(app: &mut App, key: &KeyEvent) -> Option<Handled> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    let KeyCode::Char(c) = key.code else { return None };
    if c == 'H' {
        app.popup = Some(Popup::History { scroll: 0 });
        return Some(Handled::redraw());
    }
    let kind = target_kind(app)?;
    let is_list = screens::of(&app.view().route).is_list();
    match c {
        ' ' if is_list => {
            toggle_mark(app);
            Some(Handled::redraw())
        }
        '*' if is_list => {
            mark_all(app);
            Some(Handled::redraw())
        }
        _ => match action::by_key(kind, c, app.readonly()) {
            Some(spec) => Some(open(app, spec)),
            None => refused_read_only(app, kind, c),
        },
    }
}

/// A key that would change the cluster, pressed in read-only mode: nothing
/// opens and nothing is sent, and the status bar says why (a dead key would
/// leave the operator guessing). `None`: not an action key of this screen.
fn refused_read_only(app: &mut App, kind: Kind, c: char) -> Option<Handled> {
    if !app.readonly() {
        return None;
    }
    let spec = action::by_key(kind, c, false)?;
    app.flash(format!("{}: {}", spec.name, action::READ_ONLY_REFUSAL), true);
    Some(Handled::redraw())
}

fn toggle_mark(app: &mut App) {
    let Some(key) = screens::selected_key(app) else { return };
    let view = app.view_mut();
    if !view.marked.remove(&key) {
        view.marked.insert(key);
    }
}

/// Marks every row shown (after the filters); when all are marked already, clears the marks.
fn mark_all(app: &mut App) {
    let rows = screens::row_keys(app);
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
fn open(app: &mut App, spec: &'static ActionSpec) -> Handled {
    let targets = screens::targets(app);
    if targets.is_empty() {
        app.flash(format!("{}: nothing selected", spec.name), true);
        return Handled::redraw();
    }
    if targets.len() > 1 && !spec.multi {
        app.flash(format!("{} works on one at a time: {} are marked", spec.name, targets.len()), true);
        return Handled::redraw();
    }
    let action = action::Action::new(spec.id, app.target.context.clone(), targets).seen_in(&app.state);
    let namespaces = action.namespaces();
    match app.actions.access.availability(&app.target.context, spec, &namespaces) {
        Availability::Unavailable(reason) => {
            app.flash(format!("{}: unavailable: {reason}", spec.name), true);
            Handled::redraw()
        }
        availability => {
            app.popup = Some(Popup::Confirm(Box::new(ConfirmDialog::new(action))));
            let context = app.target.context.clone();
            let missing = app.actions.ask(&context, spec, &namespaces);
            if availability == Availability::Checking && !missing.is_empty() {
                return Handled::effect(Effect::CheckAccess(missing));
            }
            Handled::redraw()
        }
    }
}

/// The access reviews the current screen's action keys need (for the rows in
/// view's namespaces) that nobody asked yet: asked ahead, so the help and the
/// keys can say "unavailable" before anyone presses them.
pub(super) fn wanted_access(app: &mut App) -> Vec<AccessKey> {
    // Only the current connection's client can answer for its context.
    if app.connection != ConnectionState::Connected {
        return Vec::new();
    }
    let Some(kind) = target_kind(app) else { return Vec::new() };
    let namespaces = screens::target_namespaces(app, kind);
    if namespaces.is_empty() {
        return Vec::new();
    }
    let context = app.target.context.clone();
    let mut out = Vec::new();
    for spec in action::offered(kind, app.readonly()) {
        out.extend(app.actions.ask(&context, spec, &namespaces));
    }
    out
}

/// Keys while the confirmation dialog is open: only `y` confirms.
pub(super) fn confirm_key(app: &mut App, mut dialog: ConfirmDialog, key: KeyEvent) -> Handled {
    match key.code {
        KeyCode::Char('y') => {
            let spec = dialog.action.spec();
            match app.actions.access.availability(&app.target.context, spec, &dialog.action.namespaces()) {
                a if a.usable() => return confirmed(app, dialog.action),
                Availability::Unavailable(reason) => app.flash(format!("not allowed: {reason}"), true),
                _ => app.flash("still checking whether you may do this; y again in a moment", true),
            }
        }
        KeyCode::Char('n') | KeyCode::Esc => {
            app.flash(format!("cancelled: {}", dialog.action.describe()), false);
            return Handled::redraw();
        }
        KeyCode::Char(c) => {
            dialog.option_key(c);
        }
        _ => {}
    }
    app.popup = Some(Popup::Confirm(Box::new(dialog)));
    Handled::redraw()
}

/// The user confirmed: hand the action to the runner and note it in the history.
fn confirmed(app: &mut App, action: action::Action) -> Handled {
    let (id, cancel) = app.actions.start(app.now, &action);
    app.view_mut().marked.clear();
    if matches!(action.id, ActionId::DrainNode | ActionId::DrainPreview) {
        // A drain takes a while: show its progress pod by pod.
        app.popup = Some(Popup::History { scroll: 0 });
    }
    app.flash(format!("running: {}", action.describe()), false);
    Handled::effect(Effect::RunAction { id, action, cancel })
}

/// Cancels every running action (a drain stops evicting; done steps stay done).
/// How long after `q` asked about a running drain a second `q` quits.
const QUIT_AGAIN: chrono::Duration = chrono::Duration::seconds(10);

/// `q` (or Ctrl-C) quits, but while a drain runs it asks first: quitting
/// abandons the drain where it is (the node stays cordoned, the evictions so
/// far stand). A second `q` within [`QUIT_AGAIN`] quits.
pub(super) fn quit(app: &mut App) -> Handled {
    let Some(drain) = app.actions.running_drain().map(|e| e.what.clone()) else {
        return Handled::effect(Effect::Quit);
    };
    if quit_pending(app) {
        return Handled::effect(Effect::Quit);
    }
    app.actions.quit_asked = Some(app.now);
    app.flash(
        format!(
            "{drain} is running: q again quits and abandons it where it is (the node stays cordoned); H, x cancels it"
        ),
        true,
    );
    Handled::redraw()
}

/// `q` asked about a running drain within [`QUIT_AGAIN`]: the question stays
/// on the status bar (a drain's progress would replace it at once).
fn quit_pending(app: &App) -> bool {
    app.actions.quit_asked.is_some_and(|asked| app.now - asked <= QUIT_AGAIN)
}

pub(super) fn cancel_running(app: &mut App) {
    let n = app.actions.cancel_running();
    if n > 0 {
        app.flash(format!("cancelling {n} running action(s)"), true);
    }
}

/// Folds a report from running work. True when something visible changed.
pub(super) fn apply(app: &mut App, event: ActionEvent) -> bool {
    match event {
        ActionEvent::Progress(id, event) => {
            // The history keeps every step; the status bar keeps the quit question.
            if let Some(line) = app.actions.progress(id, &event).filter(|_| !quit_pending(app)) {
                app.flash(line.text, line.failed);
            }
        }
        ActionEvent::Done(id, outcome) => {
            app.actions.finish(id, &outcome);
            tracing::info!(context = %outcome.context, ok = outcome.ok(), "action: {}", outcome.summary());
            app.flash(outcome.summary(), !outcome.ok());
        }
        ActionEvent::Access(key, access) => app.actions.answered(key, access),
    }
    true
}
