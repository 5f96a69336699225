//! Every key binding and its help text, in one place.
//!
//! The app asks [`action_for`] what a key means on the current screen; the help
//! overlay (`?`) renders [`BINDINGS`] grouped by [`Scope`]. To add a key for a
//! new screen or action: add an [`Action`] variant, a [`Scope`] if the screen is
//! new, and a row in [`BINDINGS`]; the help overlay picks it up by itself.
//! Earlier rows win, so screen-specific bindings go before the general ones.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::ui::logs::LogAction;

/// What a key does. The app's `update` interprets these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Open the selected row's detail screen.
    Open,
    /// Close the top popup or detail screen.
    Back,
    ShowJobs,
    ShowCronJobs,
    ShowPods,
    ShowNodes,
    ShowQueues,
    NextTab,
    PrevTab,
    /// Text filter prompt (`-l sel` in it sets a label selector instead).
    Filter,
    /// Label selector prompt.
    Selector,
    ClearFilter,
    SortNext,
    SortReverse,
    /// Pick the namespaces to watch.
    Namespace,
    /// Pick the kubeconfig context.
    Context,
    ToggleGroups,
    /// The pods of the selected Job.
    JobPods,
    /// Logs of the selected pod, or of the selected Job's pods merged.
    Logs,
    /// Logs of every pod of the selected pod's completion index.
    IndexLogs,
    /// A key of the log screen.
    Log(LogAction),
}

/// Where a binding applies. Shown as the section titles of the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    /// Any screen with a table of rows.
    List,
    Jobs,
    /// Text prompts (filter, selector) and pickers (namespace, context).
    Prompt,
    /// The log screen.
    Logs,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::List => "Tables",
            Scope::Jobs => "Jobs",
            Scope::Prompt => "Prompts and pickers",
            Scope::Logs => "Logs",
        }
    }
}

/// A key: code plus the modifiers that matter (Shift is folded into the char).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: false }
}
const fn ctrl(c: char) -> Key {
    Key { code: KeyCode::Char(c), ctrl: true }
}
const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

impl Key {
    /// How the key is written in the help overlay.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl { format!("Ctrl-{base}") } else { base }
    }

    fn matches(&self, event: &KeyEvent) -> bool {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        self.ctrl == ctrl && self.code == event.code
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
}

/// The single table of key bindings.
pub const BINDINGS: &[Binding] = &[
    // The log screen first: its n, c, f, p... take precedence over the global keys there.
    Binding {
        keys: &[ch('k'), code(KeyCode::Up)],
        action: Action::Log(LogAction::LineUp),
        scope: Scope::Logs,
        help: "scroll up (pauses following)",
    },
    Binding {
        keys: &[ch('j'), code(KeyCode::Down)],
        action: Action::Log(LogAction::LineDown),
        scope: Scope::Logs,
        help: "scroll down (at the end: follow again)",
    },
    Binding {
        keys: &[code(KeyCode::PageUp), ctrl('u'), ctrl('b')],
        action: Action::Log(LogAction::PageUp),
        scope: Scope::Logs,
        help: "page up",
    },
    Binding {
        keys: &[code(KeyCode::PageDown), ctrl('d'), ctrl('f')],
        action: Action::Log(LogAction::PageDown),
        scope: Scope::Logs,
        help: "page down",
    },
    Binding {
        keys: &[ch('g'), code(KeyCode::Home)],
        action: Action::Log(LogAction::Top),
        scope: Scope::Logs,
        help: "oldest line kept",
    },
    Binding {
        keys: &[ch('G'), code(KeyCode::End)],
        action: Action::Log(LogAction::End),
        scope: Scope::Logs,
        help: "newest line, follow again",
    },
    Binding {
        keys: &[ch('f')],
        action: Action::Log(LogAction::ToggleFollow),
        scope: Scope::Logs,
        help: "pause or resume following",
    },
    Binding {
        keys: &[ch('/')],
        action: Action::Log(LogAction::Search),
        scope: Scope::Logs,
        help: "search (highlights matches)",
    },
    Binding { keys: &[ch('n')], action: Action::Log(LogAction::NextMatch), scope: Scope::Logs, help: "next match" },
    Binding { keys: &[ch('N')], action: Action::Log(LogAction::PrevMatch), scope: Scope::Logs, help: "previous match" },
    Binding {
        keys: &[ch('&')],
        action: Action::Log(LogAction::Filter),
        scope: Scope::Logs,
        help: "filter by regex (!re: lines not matching)",
    },
    Binding {
        keys: &[ch('t')],
        action: Action::Log(LogAction::ToggleTimestamps),
        scope: Scope::Logs,
        help: "timestamps on/off",
    },
    Binding {
        keys: &[ch('w')],
        action: Action::Log(LogAction::ToggleWrap),
        scope: Scope::Logs,
        help: "wrap long lines on/off",
    },
    Binding {
        keys: &[ch('c')],
        action: Action::Log(LogAction::ChooseContainer),
        scope: Scope::Logs,
        help: "choose the container (init too)",
    },
    Binding {
        keys: &[ch('p')],
        action: Action::Log(LogAction::TogglePrevious),
        scope: Scope::Logs,
        help: "previous run of the container on/off",
    },
    Binding {
        keys: &[ch('r')],
        action: Action::Log(LogAction::Range),
        scope: Scope::Logs,
        help: "how much: last N lines, since 10m, or all",
    },
    Binding {
        keys: &[ch('s')],
        action: Action::Log(LogAction::Save),
        scope: Scope::Logs,
        help: "save the lines shown to a file",
    },
    Binding { keys: &[ch('?')], action: Action::Help, scope: Scope::Global, help: "show or hide this help" },
    Binding { keys: &[ch('q'), ctrl('c')], action: Action::Quit, scope: Scope::Global, help: "quit" },
    Binding {
        keys: &[code(KeyCode::Esc), code(KeyCode::Backspace)],
        action: Action::Back,
        scope: Scope::Global,
        help: "back: close popup or detail, then clear filter",
    },
    Binding { keys: &[ch('1')], action: Action::ShowJobs, scope: Scope::Global, help: "Jobs" },
    Binding { keys: &[ch('2')], action: Action::ShowCronJobs, scope: Scope::Global, help: "CronJobs" },
    Binding { keys: &[ch('3')], action: Action::ShowPods, scope: Scope::Global, help: "Pods (of Jobs)" },
    Binding { keys: &[ch('4')], action: Action::ShowNodes, scope: Scope::Global, help: "Nodes" },
    Binding { keys: &[ch('5')], action: Action::ShowQueues, scope: Scope::Global, help: "Queues (Redis, RabbitMQ)" },
    Binding { keys: &[code(KeyCode::Tab)], action: Action::NextTab, scope: Scope::Global, help: "next screen" },
    Binding { keys: &[code(KeyCode::BackTab)], action: Action::PrevTab, scope: Scope::Global, help: "previous screen" },
    Binding { keys: &[ch('n')], action: Action::Namespace, scope: Scope::Global, help: "switch namespace" },
    Binding { keys: &[ch('c')], action: Action::Context, scope: Scope::Global, help: "switch context" },
    Binding {
        keys: &[ch('j'), code(KeyCode::Down)],
        action: Action::Down,
        scope: Scope::List,
        help: "move down (scroll in details)",
    },
    Binding {
        keys: &[ch('k'), code(KeyCode::Up)],
        action: Action::Up,
        scope: Scope::List,
        help: "move up (scroll in details)",
    },
    Binding {
        keys: &[code(KeyCode::PageDown), ctrl('d'), ctrl('f')],
        action: Action::PageDown,
        scope: Scope::List,
        help: "page down",
    },
    Binding {
        keys: &[code(KeyCode::PageUp), ctrl('u'), ctrl('b')],
        action: Action::PageUp,
        scope: Scope::List,
        help: "page up",
    },
    Binding { keys: &[ch('g'), code(KeyCode::Home)], action: Action::Top, scope: Scope::List, help: "first row" },
    Binding { keys: &[ch('G'), code(KeyCode::End)], action: Action::Bottom, scope: Scope::List, help: "last row" },
    Binding {
        keys: &[code(KeyCode::Enter), code(KeyCode::Right)],
        action: Action::Open,
        scope: Scope::List,
        help: "open the selected row",
    },
    Binding {
        keys: &[ch('/')],
        action: Action::Filter,
        scope: Scope::List,
        help: "filter by text (\"-l sel\" for a label selector)",
    },
    Binding {
        keys: &[ch('L')],
        action: Action::Selector,
        scope: Scope::List,
        help: "filter by label selector (a=b,c!=d,e in (f,g))",
    },
    Binding { keys: &[ch('x')], action: Action::ClearFilter, scope: Scope::List, help: "clear filter and selector" },
    Binding { keys: &[ch('o')], action: Action::SortNext, scope: Scope::List, help: "sort by the next column" },
    Binding { keys: &[ch('O')], action: Action::SortReverse, scope: Scope::List, help: "reverse the sort order" },
    Binding { keys: &[ch('p')], action: Action::JobPods, scope: Scope::Jobs, help: "pods of the selected Job" },
    Binding {
        keys: &[ch('l')],
        action: Action::Logs,
        scope: Scope::List,
        help: "logs: the pod, or the Job's pods merged",
    },
    Binding {
        keys: &[ch('i')],
        action: Action::IndexLogs,
        scope: Scope::List,
        help: "logs of the pod's completion index (all pods)",
    },
    Binding {
        keys: &[ch('b')],
        action: Action::ToggleGroups,
        scope: Scope::Jobs,
        help: "show or hide the label-group panel",
    },
];

/// Keys understood inside prompts and pickers (handled by the popup itself;
/// listed here so the help overlay shows them).
pub const PROMPT_HELP: &[(&str, &str)] = &[
    ("Enter", "apply"),
    ("Esc", "cancel"),
    ("↑ ↓", "choose in a picker"),
    ("Bksp", "delete a character"),
    ("Ctrl-u", "clear the input"),
];

/// The action bound to `event` in the first of `scopes` that binds it.
/// Key releases (sent by some terminals) are ignored.
pub fn action_for(event: &KeyEvent, scopes: &[Scope]) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    BINDINGS
        .iter()
        .filter(|b| scopes.contains(&b.scope))
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action)
}

/// The keys of an action joined for display, e.g. "j ↓".
pub fn keys_label(action: Action) -> String {
    BINDINGS
        .iter()
        .filter(|b| b.action == action)
        .flat_map(|b| b.keys.iter().map(Key::label))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn no_key_is_bound_twice_in_the_same_scope() {
        let mut seen: HashMap<(String, bool, &str), Action> = HashMap::new();
        for b in BINDINGS {
            for k in b.keys {
                let id = (format!("{:?}", k.code), k.ctrl, b.scope.title());
                if let Some(prev) = seen.insert(id.clone(), b.action) {
                    panic!("{id:?} bound to both {prev:?} and {:?}", b.action);
                }
            }
        }
    }

    #[test]
    fn vim_keys_and_arrows_move() {
        let scopes = [Scope::List, Scope::Global];
        assert_eq!(action_for(&press(KeyCode::Char('j'), KeyModifiers::NONE), &scopes), Some(Action::Down));
        assert_eq!(action_for(&press(KeyCode::Down, KeyModifiers::NONE), &scopes), Some(Action::Down));
        assert_eq!(action_for(&press(KeyCode::Char('G'), KeyModifiers::SHIFT), &scopes), Some(Action::Bottom));
        assert_eq!(action_for(&press(KeyCode::Char('c'), KeyModifiers::CONTROL), &scopes), Some(Action::Quit));
        assert_eq!(action_for(&press(KeyCode::Char('c'), KeyModifiers::NONE), &scopes), Some(Action::Context));
    }

    #[test]
    fn screen_keys_apply_only_in_their_scope() {
        let p = press(KeyCode::Char('p'), KeyModifiers::NONE);
        assert_eq!(action_for(&p, &[Scope::Jobs, Scope::List, Scope::Global]), Some(Action::JobPods));
        assert_eq!(action_for(&p, &[Scope::List, Scope::Global]), None);
    }
}
