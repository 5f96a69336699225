//! Behaviour of the console's update function (`App::update`): keys, popups,
//! selection and switching, on the seed-shaped test state. No terminal needed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use testkit::sample;
use super::theme::Theme;
use crate::console::app::{App, Connection, Effect, Msg, Popup, Screen, Target};
use model::{Kind, ObjKey, Update, WatchId};
use model::scope::Namespaces;

fn app() -> App {
    let target = Target { context: "sandbox".into(), namespaces: Namespaces::All, selector: None };
    let mut app =
        App::new(target, vec!["sandbox".into(), "sandbox-limited".into()], Theme::no_color(), sample::now());
    app.state = sample::state();
    app.connection = Connection::Connected;
    app
}

fn press(app: &mut App, code: KeyCode) -> Option<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).effect
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
    assert_eq!(a.view().screen, Screen::JobDetail(ObjKey::new("failure-policy", "job-pod-failure-policy-failjob")));
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.view().screen, Screen::Jobs);
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
    assert_eq!(super::row_keys(&a, a.view()).len(), 3);
}

#[test]
fn selection_follows_the_object_when_rows_move() {
    let mut a = app();
    press(&mut a, KeyCode::Char('j'));
    press(&mut a, KeyCode::Char('j'));
    let chosen = a.selected_key().unwrap();
    // A new Job sorting before it arrives: the selection stays on the same Job.
    let mut j = model::fixtures::job("aaa", "first");
    j.created = Some(sample::now());
    a.update(Msg::Kube(vec![Update::Applied(
        WatchId { kind: Kind::Job, namespace: None },
        model::Object::Job(j),
    )]));
    assert_eq!(a.selected_key().unwrap(), chosen);
    press(&mut a, KeyCode::Char('j'));
    assert_ne!(a.selected_key().unwrap(), chosen);
}

#[test]
fn g_and_capital_g_jump_to_the_ends() {
    let mut a = app();
    let rows = super::row_keys(&a, a.view());
    press(&mut a, KeyCode::Char('G'));
    assert_eq!(a.selected_key().as_ref(), rows.last());
    press(&mut a, KeyCode::Char('g'));
    assert_eq!(a.selected_key().as_ref(), rows.first());
}

#[test]
fn choosing_a_namespace_reconnects_with_a_fresh_state() {
    let mut a = app();
    press(&mut a, KeyCode::Char('n'));
    type_text(&mut a, "indexed");
    let effect = press(&mut a, KeyCode::Enter);
    assert_eq!(effect, Some(Effect::Reconnect));
    assert_eq!(a.target.namespaces, Namespaces::Only(vec!["indexed".into()]));
    assert_eq!(a.state.jobs.len(), 0, "rows of the old watches are gone");
    assert_eq!(a.connection, Connection::Connecting);
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
    assert_eq!(press(&mut a, KeyCode::Enter), None);
    assert_eq!(a.state.jobs.len(), sample::state().jobs.len());
    press(&mut a, KeyCode::Char('c'));
    press(&mut a, KeyCode::Down);
    assert_eq!(press(&mut a, KeyCode::Enter), Some(Effect::Reconnect));
    assert_eq!(a.target.context, "sandbox-limited");
}

#[test]
fn quit_keys_quit_even_from_a_popup() {
    let mut a = app();
    assert_eq!(press(&mut a, KeyCode::Char('q')), Some(Effect::Quit));
    press(&mut a, KeyCode::Char('/'));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(a.update(Msg::Key(ctrl_c)).effect, Some(Effect::Quit));
}

#[test]
fn p_opens_the_pods_of_the_selected_job() {
    let mut a = app();
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "ignore");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('p'));
    let job = ObjKey::new("failure-policy", "job-pod-failure-policy-ignore");
    assert_eq!(a.view().screen, Screen::Pods { job: Some(job) });
    assert_eq!(super::row_keys(&a, a.view()).len(), 4);
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
