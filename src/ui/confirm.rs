//! The confirmation dialog every action goes through: what will happen (in
//! the words of `Action::confirmation`, recomputed from the live state while
//! the dialog is open), the action's choices, whether RBAC allows it, and `y`
//! to go ahead. Nothing else confirms: not Enter, not a stray key.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::actions;
use model::text::sanitize;
use action::access::Availability;
use action::{Action, Options};
use crate::console::app::{App, Outcome, Popup};

/// Grace periods `g` cycles through (`None`: the pod's own).
const GRACE_PERIODS: [Option<u32>; 5] = [None, Some(0), Some(5), Some(30), Some(120)];
/// Drain timeouts `t` cycles through.
const TIMEOUTS: [u64; 4] = [30, 60, 120, 300];

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmDialog {
    pub action: Action,
}

impl ConfirmDialog {
    pub fn new(action: Action) -> Self {
        Self { action }
    }

    /// Applies an option key; false when the key is not an option of this action.
    fn option_key(&mut self, c: char) -> bool {
        match (&mut self.action.options, c) {
            (Options::Delete { propagation }, 'p') => *propagation = propagation.next(),
            (Options::PodDelete { grace_period }, 'g') => *grace_period = next_of(&GRACE_PERIODS, *grace_period),
            (Options::Drain(o), 'g') => o.grace_period = next_of(&GRACE_PERIODS, o.grace_period),
            (Options::Drain(o), 'd') => o.ignore_daemonsets = !o.ignore_daemonsets,
            (Options::Drain(o), 'e') => o.delete_emptydir_data = !o.delete_emptydir_data,
            (Options::Drain(o), 'f') => o.force = !o.force,
            (Options::Drain(o), 't') => {
                o.timeout = Duration::from_secs(next_of(&TIMEOUTS, o.timeout.as_secs()));
            }
            _ => return false,
        }
        true
    }

    /// The option lines: the current choice and the key that changes it.
    fn option_lines(&self) -> Vec<(String, String)> {
        let grace = |g: Option<u32>| g.map_or("the pod's own".to_string(), |s| format!("{s}s"));
        let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
        match &self.action.options {
            Options::None => Vec::new(),
            Options::Delete { propagation } => vec![("p".into(), format!("propagation: {propagation}"))],
            Options::PodDelete { grace_period } => {
                vec![("g".into(), format!("grace period: {}", grace(*grace_period)))]
            }
            Options::Drain(o) => vec![
                ("d".into(), format!("ignore DaemonSets: {}", yes(o.ignore_daemonsets))),
                ("e".into(), format!("delete emptyDir data: {}", yes(o.delete_emptydir_data))),
                ("f".into(), format!("force (pods without a controller): {}", yes(o.force))),
                ("g".into(), format!("grace period: {}", grace(o.grace_period))),
                ("t".into(), format!("timeout: {}s", o.timeout.as_secs())),
            ],
        }
    }
}

fn next_of<T: Copy + PartialEq>(choices: &[T], current: T) -> T {
    let i = choices.iter().position(|c| *c == current).map_or(0, |i| (i + 1) % choices.len());
    choices[i]
}

/// Keys while the dialog is open.
pub fn key(app: &mut App, mut dialog: ConfirmDialog, key: KeyEvent) -> Outcome {
    match key.code {
        KeyCode::Char('y') => {
            let spec = dialog.action.spec();
            match app.actions.access.availability(&app.target.context, spec, &dialog.action.namespaces()) {
                a if a.usable() => return actions::confirmed(app, dialog.action),
                Availability::Unavailable(reason) => app.flash(format!("not allowed: {reason}"), true),
                _ => app.flash("still checking whether you may do this; y again in a moment", true),
            }
        }
        KeyCode::Char('n') | KeyCode::Esc => {
            app.flash(format!("cancelled: {}", dialog.action.describe()), false);
            return Outcome { redraw: true, effect: None };
        }
        KeyCode::Char(c) => {
            dialog.option_key(c);
        }
        _ => {}
    }
    app.popup = Some(Popup::Confirm(Box::new(dialog)));
    Outcome { redraw: true, effect: None }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, dialog: &ConfirmDialog) {
    let theme = &app.theme;
    let action = &dialog.action;
    let confirmation = action.confirmation(&app.state, app.now);
    let mut lines = vec![Line::styled(sanitize(&confirmation.title), theme.title), Line::raw("")];
    for c in &confirmation.consequences {
        lines.push(Line::styled(format!("• {}", sanitize(c)), theme.text));
    }
    let options = dialog.option_lines();
    if !options.is_empty() {
        lines.push(Line::raw(""));
        for (k, text) in options {
            lines.push(Line::from(vec![Span::styled(format!("  {k}  "), theme.key), Span::styled(text, theme.text)]));
        }
    }
    lines.push(Line::raw(""));
    let access = app.actions.access.availability(&app.target.context, action.spec(), &action.namespaces());
    let permissions: Vec<String> = action.permissions().iter().map(ToString::to_string).collect();
    lines.push(match &access {
        Availability::Available => Line::styled(format!("RBAC allows: {}", permissions.join(", ")), theme.ok),
        Availability::Checking => Line::styled(format!("checking RBAC: {} …", permissions.join(", ")), theme.busy),
        Availability::Unavailable(r) => Line::styled(format!("not allowed: {}", sanitize(r)), theme.bad),
        Availability::Unverified(w) => {
            Line::styled(format!("could not check RBAC ({}); the API decides", sanitize(w)), theme.warn)
        }
    });
    let border = if confirmation.dangerous { theme.bad } else { theme.border };
    let footer = if access.usable() { " y do it · n/Esc cancel " } else { " n/Esc cancel " };
    let width = area.width.saturating_sub(4).min(90);
    // Wrapped lines need room: estimate from the text width.
    let inner = width.saturating_sub(2).max(1) as usize;
    let height: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum::<usize>() + 2;
    let rect = super::centered(area, width, (height as u16).min(area.height));
    let block = Block::bordered()
        .border_style(border)
        .title(Span::styled(
            if confirmation.dangerous { " Confirm (changes the cluster) " } else { " Confirm " },
            theme.title,
        ))
        .title_bottom(Span::styled(footer, theme.key));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), rect);
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use action::access::{Access, AccessKey};
    use action::{ActionId, Propagation};
    use crate::console::app::{App, Connection, Target};
    use model::ObjKey;
    use model::scope::Namespaces;
    use testkit::sample;
    use crate::ui::theme::Theme;

    fn app() -> App {
        let target = Target { context: "sandbox".into(), namespaces: Namespaces::All, selector: None };
        let mut app = App::new(target, vec!["sandbox".into()], Theme::default_16(), sample::now());
        app.state = sample::state();
        app.connection = Connection::Connected;
        app
    }

    fn screen(app: &mut App, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| crate::ui::draw(f, app)).unwrap();
        terminal.backend().to_string()
    }

    fn allow(app: &mut App, action: &Action) {
        for p in action.permissions() {
            let namespace = if p.resource == "nodes" { None } else { action.namespaces()[0].clone() };
            let key = AccessKey { context: app.target.context.clone(), namespace, permission: *p };
            app.actions.access.insert(key, Access::Allowed);
        }
    }

    #[test]
    fn delete_dialog_says_what_happens_and_cycles_propagation() {
        let mut a = app();
        let job = ObjKey::new("wq-coarse", "job-wq-1");
        let action = Action::new(ActionId::DeleteJob, "sandbox", vec![job]);
        allow(&mut a, &action);
        let mut dialog = ConfirmDialog::new(action);
        assert!(dialog.option_key('p'));
        assert_eq!(dialog.action.options, Options::Delete { propagation: Propagation::Foreground });
        a.popup = Some(Popup::Confirm(Box::new(dialog)));
        insta::assert_snapshot!("confirm_delete_foreground_80x24", screen(&mut a, 80, 24));
    }

    #[test]
    fn nothing_but_y_confirms() {
        let mut a = app();
        let action = Action::new(ActionId::SuspendJob, "sandbox", vec![ObjKey::new("wq-coarse", "job-wq-1")]);
        allow(&mut a, &action);
        for code in [KeyCode::Enter, KeyCode::Char(' '), KeyCode::Char('Y'), KeyCode::Tab] {
            let outcome = key(&mut a, ConfirmDialog::new(action.clone()), KeyEvent::from(code));
            assert!(outcome.effect.is_none(), "{code:?} must not confirm");
            assert!(matches!(a.popup, Some(Popup::Confirm(_))), "{code:?} keeps the dialog open");
        }
        let outcome = key(&mut a, ConfirmDialog::new(action.clone()), KeyEvent::from(KeyCode::Char('y')));
        assert!(matches!(outcome.effect, Some(crate::console::app::Effect::Action(actions::Request::Run { .. }))));
        assert_eq!(a.actions.history.running().count(), 1);
    }

    #[test]
    fn an_rbac_refusal_blocks_y() {
        let mut a = app();
        let action = Action::new(ActionId::DeleteJob, "sandbox", vec![ObjKey::new("wq-coarse", "job-wq-1")]);
        let key_ = AccessKey {
            context: "sandbox".into(),
            namespace: Some("wq-coarse".into()),
            permission: action.permissions()[0],
        };
        a.actions.access.insert(key_, Access::Denied { reason: "RBAC: cannot delete jobs.batch".into() });
        let outcome = key(&mut a, ConfirmDialog::new(action), KeyEvent::from(KeyCode::Char('y')));
        assert!(outcome.effect.is_none());
        assert!(a.flash.as_ref().is_some_and(|f| f.error && f.text.contains("cannot delete jobs.batch")));
    }

    #[test]
    fn drain_dialog_shows_its_options() {
        let mut a = app();
        let action = Action::new(ActionId::DrainNode, "sandbox", vec![ObjKey::new("", "kwok-node-1")]);
        allow(&mut a, &action);
        let mut dialog = ConfirmDialog::new(action);
        for c in ['e', 'g', 't'] {
            assert!(dialog.option_key(c));
        }
        a.popup = Some(Popup::Confirm(Box::new(dialog)));
        insta::assert_snapshot!("confirm_drain_140x40", screen(&mut a, 140, 40));
    }
}
