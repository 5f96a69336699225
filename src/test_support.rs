//! What the binary's unit tests share: the console on the sample or the
//! sandbox state, drawing it as the runner does, and pressing keys.

use action::Action;
use action::access::{Access, AccessKey};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use model::scope::Namespaces;
use ratatui::backend::TestBackend;
use testkit::{capture, sample};

use crate::console::state::{App, ConnectionState, Shown, Target};
use crate::console::update::{Handled, Msg};
use crate::ui::theme::Theme;

/// The contexts every test console knows.
fn contexts() -> Vec<String> {
    vec!["sandbox".into(), "sandbox-limited".into()]
}

/// The console on `namespaces`, connected, showing the sample state of the seed's scenarios.
pub fn sample_app_in(namespaces: Namespaces) -> App {
    let target = Target { context: "sandbox".into(), namespaces, selector: None };
    let mut app = App::new(target, contexts(), sample::now());
    app.state = sample::state();
    app.connection = ConnectionState::Connected;
    // As the runner's first tick would.
    app.refresh_warnings();
    app
}

/// The console on all namespaces, connected, showing the sample state.
pub fn sample_app() -> App {
    sample_app_in(Namespaces::All)
}

/// The console on the objects captured from the sandbox, at the capture time.
pub fn sandbox_app() -> App {
    let (state, now) = capture::sandbox_state();
    captured_app(state, now)
}

/// The console on a captured state, connected, at the capture time `now`.
pub fn captured_app(state: model::State, now: model::Time) -> App {
    let target = Target { context: "sandbox".into(), namespaces: Namespaces::All, selector: None };
    let mut app = App::new(target, contexts(), now);
    app.state = state;
    app.connection = ConnectionState::Connected;
    app.refresh_warnings();
    app
}

/// Draws one frame with `theme` and keeps what it showed, as the runner does.
pub fn render_with(app: &mut App, theme: &Theme, width: u16, height: u16) -> TestBackend {
    let mut shown = Shown::Nothing;
    let backend = testkit::snapshot::render(width, height, |frame| shown = crate::ui::draw(frame, app, theme));
    app.update(Msg::Shown(shown));
    backend
}

/// [`render_with`] the 16-colour theme.
pub fn render(app: &mut App, width: u16, height: u16) -> TestBackend {
    render_with(app, &Theme::default_16(), width, height)
}

/// The screen as text, one quoted line per row.
pub fn render_text(app: &mut App, width: u16, height: u16) -> String {
    render(app, width, height).to_string()
}

/// The connection fails with `error`, as the runner reports it.
pub fn connection_failed(app: &mut App, error: &str) -> Handled {
    app.update(Msg::Connection(ConnectionState::Failed(error.into())))
}

/// A key press without modifiers.
pub fn press(app: &mut App, code: KeyCode) -> Handled {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Records that RBAC allows every permission `action` needs.
pub fn allow(app: &mut App, action: &Action) {
    for p in action.permissions() {
        let namespace = if p.resource == "nodes" { None } else { action.namespaces()[0].clone() };
        let key = AccessKey { context: app.target.context.clone(), namespace, permission: *p };
        app.actions.access.insert(key, Access::Allowed);
    }
}
