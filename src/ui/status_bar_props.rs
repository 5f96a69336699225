//! Property tests over the Jobs screen's status bar (issue 10): whatever the
//! watches' errors, the connection error and the flash hold (URLs with any
//! password, control characters, escape sequences) and whatever the terminal
//! size, drawing never panics, no control character reaches the buffer, no
//! escape sequence leaves its visible remains, and no piece of a password is
//! drawn.

use model::{Kind, Update, WatchHealth, WatchId};
use proptest::prelude::*;

use crate::console::state::App;
use crate::test_support::{connection_failed, render, sample_app};

/// Starts every password: a cut-off piece of one still shows it.
const MARKER: &str = "Zq9";

/// Escape sequences a hostile error could carry, and what of each would show
/// if only the control character were dropped (a title set, a screen clear).
const ESCAPES: [(&str, &str); 3] = [("\x1b]0;owned\x07", "]0;owned"), ("\x1b[2J", "[2J"), ("\x1b[31m", "[31m")];

/// Where the hostile text goes.
#[derive(Debug, Clone, Copy)]
enum Carrier {
    /// One watch retrying with it (the others ok).
    Retrying,
    /// Every watch failed with it (the worst first is shown).
    Failed,
    /// The connection failed with it.
    Connection,
    /// A flash (an action's outcome carries the API's words).
    Flash,
}

fn carrier() -> impl Strategy<Value = Carrier> {
    prop_oneof![Just(Carrier::Retrying), Just(Carrier::Failed), Just(Carrier::Connection), Just(Carrier::Flash)]
}

/// An API server error as kube words it, with credentials in the URL and
/// `noise` (any characters, control ones included) around it.
fn hostile_error(password: &str, noise: &str, escape: &str) -> String {
    format!(
        "{escape}error sending request for url (https://admin:{password}@127.0.0.1:6443/apis/batch/v1/jobs?watch=1): \
         {noise} proxy http://u:{password}@10.0.0.1:3128 refused{escape}"
    )
}

/// The sample console on the Jobs screen with `error` where `carrier` puts
/// it, each through the way it enters the console (the state's `apply`, the
/// update's message, `App::flash`), so the masking on the way in is tested.
fn app_with(error: &str, carrier: Carrier) -> App {
    let mut app = sample_app();
    let now = app.now;
    let watches: Vec<WatchId> = app.state.watches.keys().cloned().collect();
    let jobs = WatchId { kind: Kind::Job, namespace: None };
    match carrier {
        Carrier::Retrying => {
            app.state.apply(Update::Health(jobs, WatchHealth::Retrying { error: error.into() }), now);
        }
        Carrier::Failed => {
            for id in watches {
                app.state.apply(Update::Health(id, WatchHealth::Failed { error: error.into() }), now);
            }
        }
        Carrier::Connection => {
            connection_failed(&mut app, error);
        }
        Carrier::Flash => app.flash(format!("delete Job ns/x: 1 of 1 failed: ns/x: {error}"), true),
    }
    app
}

/// The buffer's text, row after row, and its first control character.
fn drawn(mut app: App, width: u16, height: u16) -> (String, Option<char>) {
    let backend = render(&mut app, width, height);
    let buffer = backend.buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    let control = text.chars().find(|c| c.is_control() && *c != '\n');
    (text, control)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_jobs_status_bar_shows_no_password_and_no_control_character(
        tail in "[ -~]{0,16}",
        noise in proptest::collection::vec(any::<char>(), 0..16),
        escape in 0..ESCAPES.len(),
        carrier in carrier(),
        width in 1..=240u16,
        height in 1..=60u16,
    ) {
        let password = format!("{MARKER}{tail}");
        let (escape, remains) = ESCAPES[escape];
        let noise: String = noise.into_iter().collect();
        let app = app_with(&hostile_error(&password, &noise, escape), carrier);
        let (text, control) = drawn(app, width, height);
        prop_assert!(control.is_none(), "{control:?} drawn ({carrier:?} at {width}x{height}):\n{text}");
        prop_assert!(!text.contains(MARKER), "a password drawn ({carrier:?} at {width}x{height}):\n{text}");
        prop_assert!(!text.contains(remains), "{remains} drawn ({carrier:?} at {width}x{height}):\n{text}");
    }
}

/// The property is not empty: at a width the bar has room, the hostile text
/// is drawn (masked) for each carrier, so the checks above look at it.
#[test]
fn the_hostile_text_reaches_the_status_bar_masked() {
    for carrier in [Carrier::Retrying, Carrier::Failed, Carrier::Connection, Carrier::Flash] {
        let app = app_with(&hostile_error("Zq9secret", "", ""), carrier);
        let (text, _) = drawn(app, 240, 30);
        let bar = text.lines().last().unwrap_or_default();
        assert!(bar.contains("https://admin:***@"), "{carrier:?}: {bar}");
        assert!(!bar.contains(MARKER), "{carrier:?}: {bar}");
    }
}
