//! Behaviour of the console's update function (`App::update`): keys, popups,
//! selection and switching, marks, confirmations and what actions report, on
//! the seed-shaped sample state. No terminal needed.

use action::access::{Access, AccessKey};
use action::{Action, ActionId, Outcome, Step};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use model::scope::Namespaces;
use model::{Kind, ObjKey, Update, WatchId};
use testkit::sample;

use super::{ActionEvent, Effect, Handled, Msg};
use crate::console::keys::Command;
use crate::console::state::{App, ConfirmDialog, ConnectionState, Popup, Route};
use crate::test_support::{allow, sample_app};
use crate::ui::screens;

fn app() -> App {
    sample_app()
}

/// The effects of a key, but for the RBAC reviews asked ahead (tested on their own).
fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    effects(crate::test_support::press(app, code))
}

fn effects(handled: Handled) -> Vec<Effect> {
    handled.effects.into_iter().filter(|e| !matches!(e, Effect::CheckAccess(_))).collect()
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

#[test]
fn enter_opens_the_selected_job_and_esc_goes_back_then_clears_the_filter() {
    let mut a = app();
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "failjob");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.view().filter, "failjob");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.view().route, Route::JobDetail(ObjKey::new("failure-policy", "job-pod-failure-policy-failjob")));
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.view().route, Route::Jobs);
    assert_eq!(a.view().filter, "failjob", "the first Esc only closes the detail");
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.view().filter, "");
}

#[test]
fn esc_in_the_filter_prompt_restores_the_previous_filter() {
    let mut a = app();
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "wq");
    assert_eq!(a.view().filter, "wq", "the filter follows the typing");
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.view().filter, "");
    assert!(a.popup.is_none());
}

#[test]
fn a_bad_selector_keeps_the_prompt_open_with_the_error() {
    let mut a = app();
    press(&mut a, KeyCode::Char('L'));
    type_text(&mut a, "a in (b");
    press(&mut a, KeyCode::Enter);
    match &a.popup {
        Some(Popup::Prompt(p)) => assert!(p.error.as_deref().unwrap().contains("parentheses")),
        other => panic!("prompt closed: {other:?}"),
    }
    assert!(a.view().labels.is_none());
}

#[test]
fn dash_l_in_the_text_prompt_sets_a_label_selector() {
    let mut a = app();
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "-l jobgroup=jobexample");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.view().labels.as_ref().unwrap().text, "jobgroup=jobexample");
    assert_eq!(screens::row_keys(&a).len(), 3);
}

#[test]
fn selection_follows_the_object_when_rows_move() {
    let mut a = app();
    press(&mut a, KeyCode::Char('j'));
    press(&mut a, KeyCode::Char('j'));
    let chosen = screens::selected_key(&a).unwrap();
    // A new Job sorting before it arrives: the selection stays on the same Job.
    let mut j = model::fixtures::job("aaa", "first");
    j.created = Some(sample::now());
    a.update(Msg::Kube(vec![Update::Applied(WatchId { kind: Kind::Job, namespace: None }, model::Object::Job(j))]));
    assert_eq!(screens::selected_key(&a).unwrap(), chosen);
    press(&mut a, KeyCode::Char('j'));
    assert_ne!(screens::selected_key(&a).unwrap(), chosen);
}

#[test]
fn g_and_capital_g_jump_to_the_ends() {
    let mut a = app();
    let rows = screens::row_keys(&a);
    press(&mut a, KeyCode::Char('G'));
    assert_eq!(screens::selected_key(&a).as_ref(), rows.last());
    press(&mut a, KeyCode::Char('g'));
    assert_eq!(screens::selected_key(&a).as_ref(), rows.first());
}

#[test]
fn choosing_a_namespace_reconnects_with_a_fresh_state() {
    let mut a = app();
    press(&mut a, KeyCode::Char('n'));
    type_text(&mut a, "indexed");
    let effects = press(&mut a, KeyCode::Enter);
    assert_eq!(effects, [Effect::Reconnect, Effect::RelinkQueues]);
    assert_eq!(a.target.namespaces, Namespaces::Only(vec!["indexed".into()]));
    assert_eq!(a.state.jobs.len(), 0, "rows of the old watches are gone");
    assert_eq!(a.connection, ConnectionState::Connecting);
    // The namespaces seen before stay in the picker.
    press(&mut a, KeyCode::Char('n'));
    match &a.popup {
        Some(Popup::Picker(p)) => assert!(p.items.iter().any(|i| i == "failure-policy")),
        other => panic!("no picker: {other:?}"),
    }
}

#[test]
fn choosing_the_current_context_changes_nothing() {
    let mut a = app();
    press(&mut a, KeyCode::Char('c'));
    assert_eq!(press(&mut a, KeyCode::Enter), []);
    assert_eq!(a.state.jobs.len(), sample::state().jobs.len());
    press(&mut a, KeyCode::Char('c'));
    press(&mut a, KeyCode::Down);
    assert_eq!(press(&mut a, KeyCode::Enter), [Effect::Reconnect, Effect::RelinkQueues]);
    assert_eq!(a.target.context, "sandbox-limited");
}

#[test]
fn quitting_during_a_drain_asks_first() {
    let mut a = app();
    let drain = Action::new(ActionId::DrainNode, "sandbox", vec![ObjKey::new("", "node-a")]);
    let (id, _) = a.actions.start(a.now, &drain);
    assert_eq!(press(&mut a, KeyCode::Char('q')), [], "the first q asks");
    assert!(a.flash.as_ref().is_some_and(|f| f.text.contains("q again quits")), "{:?}", a.flash);
    let blocked = action::DrainEvent::Cordoned { node: "node-a".into() };
    a.update(Msg::Action(ActionEvent::Progress(id, action::ProgressEvent::Drain(blocked))));
    assert!(
        a.flash.as_ref().is_some_and(|f| f.text.contains("q again quits")),
        "progress keeps the question: {:?}",
        a.flash
    );
    assert_eq!(press(&mut a, KeyCode::Char('q')), [Effect::Quit], "the second quits");
    a.actions.quit_asked = None;
    let outcome =
        Outcome { action: drain.describe(), context: "sandbox".into(), started: a.now, finished: a.now, steps: vec![] };
    a.actions.finish(id, &outcome);
    assert_eq!(press(&mut a, KeyCode::Char('q')), [Effect::Quit], "no drain running: q quits");
}

#[test]
fn quit_keys_quit_even_from_a_popup() {
    let mut a = app();
    assert_eq!(press(&mut a, KeyCode::Char('q')), [Effect::Quit]);
    press(&mut a, KeyCode::Char('/'));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(effects(a.update(Msg::Key(ctrl_c))), [Effect::Quit]);
}

#[test]
fn p_opens_the_pods_of_the_selected_job() {
    let mut a = app();
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "ignore");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('p'));
    let job = ObjKey::new("failure-policy", "job-pod-failure-policy-ignore");
    assert_eq!(a.view().route, Route::Pods { job: Some(job) });
    assert_eq!(screens::row_keys(&a).len(), 4);
}

#[test]
fn tick_moves_time_and_expires_the_flash() {
    let mut a = app();
    press(&mut a, KeyCode::Char('o'));
    assert!(a.flash.is_some());
    let later = a.now + chrono::Duration::seconds(10);
    assert!(a.update(Msg::Tick(later)).redraw);
    assert_eq!(a.now, later);
    assert!(a.flash.is_none());
}

// ---- actions ----------------------------------------------------------------------

/// The sample console with `config` (TOML) applied.
fn app_with_config(config: &str) -> App {
    let (config, problems) = config::parse(config, std::path::Path::new("test.toml"), &|_| None);
    assert!(problems.is_empty(), "{problems:?}");
    sample_app().with_config(config, Vec::new())
}

#[test]
fn a_readonly_context_offers_no_dangerous_key() {
    for (config, flag) in [("[contexts.sandbox]\nreadonly = true\n", false), ("", true)] {
        let mut a = app_with_config(config);
        a.actions.readonly_flag = flag;
        assert!(a.readonly());
        for c in ['D', 'S', 'R'] {
            assert_eq!(press(&mut a, KeyCode::Char(c)), [], "{c} asks for no work read-only");
            assert!(!matches!(a.popup, Some(Popup::Confirm(_))), "{c} opens nothing read-only");
            let flash = a.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
            assert!(flash.contains(action::READ_ONLY_REFUSAL), "{c} says why nothing happens: {flash:?}");
        }
        let help: Vec<String> = crate::ui::help::action_rows(&a).into_iter().map(|r| r.key).collect();
        assert!(!help.iter().any(|k| ["D", "S", "R"].contains(&k.as_str())), "{help:?}");
    }
}

#[test]
fn marked_rows_are_the_targets() {
    let mut a = app();
    assert!(!a.readonly());
    press(&mut a, KeyCode::Char('*'));
    let rows = screens::row_keys(&a);
    assert_eq!(screens::targets(&a), rows, "every row shown is marked");
    press(&mut a, KeyCode::Char('S'));
    match &a.popup {
        Some(Popup::Confirm(d)) => assert_eq!(d.action.targets.len(), rows.len()),
        other => panic!("the suspend dialog opens: {other:?}"),
    }
    a.popup = None;
    press(&mut a, KeyCode::Char('*'));
    assert!(a.view().marked.is_empty(), "* again clears");
}

#[test]
fn nothing_but_y_confirms() {
    let mut a = app();
    let action = Action::new(ActionId::SuspendJob, "sandbox", vec![ObjKey::new("wq-coarse", "job-wq-1")]);
    allow(&mut a, &action);
    for code in [KeyCode::Enter, KeyCode::Char(' '), KeyCode::Char('Y'), KeyCode::Tab] {
        a.popup = Some(Popup::Confirm(Box::new(ConfirmDialog::new(action.clone()))));
        assert_eq!(press(&mut a, code), [], "{code:?} must not confirm");
        assert!(matches!(a.popup, Some(Popup::Confirm(_))), "{code:?} keeps the dialog open");
    }
    let effects = press(&mut a, KeyCode::Char('y'));
    assert!(matches!(effects.as_slice(), [Effect::RunAction { action: run, .. }] if *run == action), "{effects:?}");
    assert_eq!(a.actions.history.running().count(), 1);
}

#[test]
fn a_paste_never_confirms_nor_acts() {
    let mut a = app();
    let action = Action::new(ActionId::DeleteJob, "sandbox", vec![ObjKey::new("wq-coarse", "job-wq-1")]);
    allow(&mut a, &action);
    a.popup = Some(Popup::Confirm(Box::new(ConfirmDialog::new(action))));
    assert_eq!(effects(a.update(Msg::Paste("y".into()))), []);
    assert!(matches!(a.popup, Some(Popup::Confirm(_))), "the dialog stays open");
    a.popup = None;
    assert_eq!(effects(a.update(Msg::Paste("Dy\ny".into()))), []);
    assert!(a.popup.is_none() && a.actions.history.running().count() == 0, "no dialog, nothing run");
}

#[test]
fn a_paste_types_into_the_filter_prompt() {
    let mut a = app();
    press(&mut a, KeyCode::Char('/'));
    a.update(Msg::Paste("wq-\ncoarse".into()));
    assert_eq!(a.view().filter, "wq-coarse");
    assert!(matches!(a.popup, Some(Popup::Prompt(_))), "a pasted newline does not submit");
}

#[test]
fn an_rbac_refusal_blocks_y() {
    let mut a = app();
    let action = Action::new(ActionId::DeleteJob, "sandbox", vec![ObjKey::new("wq-coarse", "job-wq-1")]);
    let key = AccessKey {
        context: "sandbox".into(),
        namespace: Some("wq-coarse".into()),
        permission: action.permissions()[0],
    };
    a.actions.access.insert(key, Access::Denied { reason: "RBAC: cannot delete jobs.batch".into() });
    a.popup = Some(Popup::Confirm(Box::new(ConfirmDialog::new(action))));
    assert_eq!(press(&mut a, KeyCode::Char('y')), []);
    assert!(a.flash.as_ref().is_some_and(|f| f.error && f.text.contains("cannot delete jobs.batch")));
}

#[test]
fn a_failed_step_flashes_as_an_error_and_ends_in_the_history() {
    let mut a = app();
    let action = Action::new(ActionId::DeletePod, "sandbox", vec![ObjKey::new("indexed", "p")]);
    allow(&mut a, &action);
    a.popup = Some(Popup::Confirm(Box::new(ConfirmDialog::new(action.clone()))));
    let [Effect::RunAction { id, .. }] = press(&mut a, KeyCode::Char('y'))[..] else { panic!("the action runs") };
    let step = Step { target: "indexed/p".into(), result: Err("pods \"p\" not found".into()) };
    a.update(Msg::Action(ActionEvent::Progress(id, action::ProgressEvent::Step(step.clone()))));
    assert!(a.flash.as_ref().is_some_and(|f| f.error && f.text.contains("FAILED")), "{:?}", a.flash);
    let now = a.now;
    let outcome = Outcome {
        action: action.describe(),
        context: "sandbox".into(),
        started: now,
        finished: now,
        steps: vec![step],
    };
    a.update(Msg::Action(ActionEvent::Done(id, outcome)));
    assert_eq!(a.actions.history.running().count(), 0);
    assert!(a.flash.as_ref().is_some_and(|f| f.error && f.text.contains("1 of 1 failed")), "{:?}", a.flash);
}

#[test]
fn keys_ask_rbac_about_the_action_keys_once_per_namespace() {
    let mut a = app();
    // The first rows are the cronjob namespace's.
    let first = crate::test_support::press(&mut a, KeyCode::Char('j')).effects;
    assert!(
        matches!(first.as_slice(), [Effect::CheckAccess(keys)]
            if !keys.is_empty() && keys.iter().all(|k| k.namespace.as_deref() == Some("cronjob"))),
        "{first:?}"
    );
    let again = crate::test_support::press(&mut a, KeyCode::Char('k')).effects;
    assert!(again.is_empty(), "already asked: {again:?}");
}

// ---- what the runner is asked to do -------------------------------------------------

#[test]
fn job_updates_ask_for_the_queues_to_be_linked_again() {
    let mut a = app();
    let id = WatchId { kind: Kind::Job, namespace: None };
    let handled = a.update(Msg::Kube(vec![Update::Applied(id, model::Object::Job(model::fixtures::job("ns", "j")))]));
    assert_eq!(handled.effects, [Effect::RelinkQueues]);
    let pods = WatchId { kind: Kind::Pod, namespace: None };
    let handled = a.update(Msg::Kube(vec![Update::ListStarted(pods)]));
    assert_eq!(handled.effects, [], "pods do not move queue links");
}

#[test]
fn saving_the_log_is_an_effect_and_its_result_a_note() {
    let mut a = app();
    a.command(Command::Logs);
    assert_eq!(a.view().route, Route::Logs);
    a.command(Command::Log(crate::console::state::LogCommand::Save));
    a.logs.as_mut().unwrap().mode = crate::console::state::Mode::Input {
        kind: crate::console::state::InputKind::Save,
        text: "/tmp/out.log".into(),
    };
    let effects = press(&mut a, KeyCode::Enter);
    assert_eq!(effects, [Effect::SaveLog { path: "/tmp/out.log".into(), lines: Vec::new() }]);
    let path = std::path::PathBuf::from("/tmp/out.log");
    a.update(Msg::LogSaved { path, result: Ok(0) });
    let note = a.logs.as_ref().unwrap().note.clone().unwrap();
    assert!(!note.error && note.text.contains("saved 0 lines"), "{note:?}");
}

#[test]
fn what_a_frame_showed_is_kept_for_the_next_key() {
    let mut a = app();
    let third = screens::row_keys(&a)[2].clone();
    a.update(Msg::Shown(crate::console::state::Shown::List {
        selected: Some(third.clone()),
        index: 2,
        offset: 1,
        page: 7,
        measured: None,
    }));
    assert_eq!((a.view().selected.clone(), a.view().offset, a.view().page), (Some(third), 1, 7));
    press(&mut a, KeyCode::PageDown);
    assert_eq!(a.view().index, 9);
}

#[test]
fn closing_the_log_screen_drops_its_view() {
    let mut a = app();
    a.command(Command::Logs);
    assert!(a.logs.is_some());
    press(&mut a, KeyCode::Esc);
    assert!(a.logs.is_none(), "the runner stops the streams of a closed log view");
}

#[test]
fn a_new_connection_forgets_the_old_ones_scaled_jobs() {
    let mut a = app();
    a.update(Msg::Connection(ConnectionState::Connecting));
    assert_eq!(a.connection, ConnectionState::Connecting);
    assert!(a.queues.scaled_jobs.is_empty() && a.queues.secrets.is_empty());
    a.update(Msg::Connection(ConnectionState::Failed("no route".into())));
    assert_eq!(a.connection, ConnectionState::Failed("no route".into()));
}

#[test]
fn namespaces_other_than_all_start_known() {
    let a = crate::test_support::sample_app_in(Namespaces::Only(vec!["indexed".into()]));
    assert!(a.known_namespaces.contains("indexed"));
}

#[test]
fn the_sample_has_jobs_to_list() {
    assert!(!sample::state().jobs.is_empty());
}
