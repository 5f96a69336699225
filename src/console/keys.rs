//! Every key binding and its help text, in one place.
//!
//! The app asks [`command_for`] what a key means on the current screen; the help
//! overlay (`?`) renders [`BINDINGS`] grouped by [`Keymap`]. To add a key for a
//! new screen or command: add a [`Command`] variant, a [`Keymap`] if the screen is
//! new, and a row in [`BINDINGS`]; the help overlay picks it up by itself.
//! Earlier rows win, so screen-specific bindings go before the general ones.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::LogCommand;

/// What a key does. The app's `update` interprets these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
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
    /// A top-level screen, by its position in `state::TABS`.
    ShowTab(usize),
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
    /// The pod timeline of the Job detail screen.
    ToggleTimeline,
    /// The pods of the selected Job.
    JobPods,
    /// Logs of the selected pod, or of the selected Job's pods merged.
    Logs,
    /// Logs of every pod of the selected pod's completion index.
    IndexLogs,
    /// A key of the log screen.
    Log(LogCommand),
}

/// Where a binding applies. Shown as the section titles of the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keymap {
    Global,
    /// Any screen with a table of rows.
    List,
    Jobs,
    /// The Job detail screen.
    JobDetail,
    /// Text prompts (filter, selector) and pickers (namespace, context).
    Prompt,
    /// The log screen.
    Logs,
}

impl Keymap {
    pub fn title(self) -> &'static str {
        match self {
            Keymap::Global => "Everywhere",
            Keymap::List => "Tables",
            Keymap::Jobs => "Jobs",
            Keymap::JobDetail => "Job detail",
            Keymap::Prompt => "Prompts and pickers",
            Keymap::Logs => "Logs",
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
    pub command: Command,
    pub keymap: Keymap,
    pub help: &'static str,
}

/// The single table of key bindings.
pub const BINDINGS: &[Binding] = &[
    // The log screen first: its n, c, f, p... take precedence over the global keys there.
    Binding {
        keys: &[ch('k'), code(KeyCode::Up)],
        command: Command::Log(LogCommand::LineUp),
        keymap: Keymap::Logs,
        help: "scroll up (pauses following)",
    },
    Binding {
        keys: &[ch('j'), code(KeyCode::Down)],
        command: Command::Log(LogCommand::LineDown),
        keymap: Keymap::Logs,
        help: "scroll down (at the end: follow again)",
    },
    Binding {
        keys: &[code(KeyCode::PageUp), ctrl('u'), ctrl('b')],
        command: Command::Log(LogCommand::PageUp),
        keymap: Keymap::Logs,
        help: "page up",
    },
    Binding {
        keys: &[code(KeyCode::PageDown), ctrl('d'), ctrl('f')],
        command: Command::Log(LogCommand::PageDown),
        keymap: Keymap::Logs,
        help: "page down",
    },
    Binding {
        keys: &[ch('g'), code(KeyCode::Home)],
        command: Command::Log(LogCommand::Top),
        keymap: Keymap::Logs,
        help: "oldest line kept",
    },
    Binding {
        keys: &[ch('G'), code(KeyCode::End)],
        command: Command::Log(LogCommand::End),
        keymap: Keymap::Logs,
        help: "newest line, follow again",
    },
    Binding {
        keys: &[ch('f')],
        command: Command::Log(LogCommand::ToggleFollow),
        keymap: Keymap::Logs,
        help: "pause or resume following",
    },
    Binding {
        keys: &[ch('/')],
        command: Command::Log(LogCommand::Search),
        keymap: Keymap::Logs,
        help: "search (highlights matches)",
    },
    Binding {
        keys: &[ch('n')],
        command: Command::Log(LogCommand::NextMatch),
        keymap: Keymap::Logs,
        help: "next match",
    },
    Binding {
        keys: &[ch('N')],
        command: Command::Log(LogCommand::PrevMatch),
        keymap: Keymap::Logs,
        help: "previous match",
    },
    Binding {
        keys: &[ch('&')],
        command: Command::Log(LogCommand::Filter),
        keymap: Keymap::Logs,
        help: "filter by regex (!re: lines not matching)",
    },
    Binding {
        keys: &[ch('t')],
        command: Command::Log(LogCommand::ToggleTimestamps),
        keymap: Keymap::Logs,
        help: "timestamps on/off",
    },
    Binding {
        keys: &[ch('w')],
        command: Command::Log(LogCommand::ToggleWrap),
        keymap: Keymap::Logs,
        help: "wrap long lines on/off",
    },
    Binding {
        keys: &[ch('c')],
        command: Command::Log(LogCommand::ChooseContainer),
        keymap: Keymap::Logs,
        help: "choose the container (init too)",
    },
    Binding {
        keys: &[ch('p')],
        command: Command::Log(LogCommand::TogglePrevious),
        keymap: Keymap::Logs,
        help: "previous run of the container on/off",
    },
    Binding {
        keys: &[ch('r')],
        command: Command::Log(LogCommand::Range),
        keymap: Keymap::Logs,
        help: "how much: last N lines, since 10m, or all",
    },
    Binding {
        keys: &[ch('s')],
        command: Command::Log(LogCommand::Save),
        keymap: Keymap::Logs,
        help: "save the lines shown to a file",
    },
    Binding { keys: &[ch('?')], command: Command::Help, keymap: Keymap::Global, help: "show or hide this help" },
    Binding { keys: &[ch('q'), ctrl('c')], command: Command::Quit, keymap: Keymap::Global, help: "quit" },
    Binding {
        keys: &[code(KeyCode::Esc), code(KeyCode::Backspace)],
        command: Command::Back,
        keymap: Keymap::Global,
        help: "back: close popup or detail, then clear filter",
    },
    Binding { keys: &[ch('1')], command: Command::ShowTab(0), keymap: Keymap::Global, help: "Jobs" },
    Binding { keys: &[ch('2')], command: Command::ShowTab(1), keymap: Keymap::Global, help: "CronJobs" },
    Binding { keys: &[ch('3')], command: Command::ShowTab(2), keymap: Keymap::Global, help: "Pods (of Jobs)" },
    Binding { keys: &[ch('4')], command: Command::ShowTab(3), keymap: Keymap::Global, help: "Nodes" },
    Binding {
        keys: &[ch('5')],
        command: Command::ShowTab(4),
        keymap: Keymap::Global,
        help: "Queues (Redis, RabbitMQ)",
    },
    Binding { keys: &[ch('6')], command: Command::ShowTab(5), keymap: Keymap::Global, help: "Warnings" },
    Binding { keys: &[code(KeyCode::Tab)], command: Command::NextTab, keymap: Keymap::Global, help: "next screen" },
    Binding {
        keys: &[code(KeyCode::BackTab)],
        command: Command::PrevTab,
        keymap: Keymap::Global,
        help: "previous screen",
    },
    Binding { keys: &[ch('n')], command: Command::Namespace, keymap: Keymap::Global, help: "switch namespace" },
    Binding { keys: &[ch('c')], command: Command::Context, keymap: Keymap::Global, help: "switch context" },
    Binding {
        keys: &[ch('j'), code(KeyCode::Down)],
        command: Command::Down,
        keymap: Keymap::List,
        help: "move down (scroll in details)",
    },
    Binding {
        keys: &[ch('k'), code(KeyCode::Up)],
        command: Command::Up,
        keymap: Keymap::List,
        help: "move up (scroll in details)",
    },
    Binding {
        keys: &[code(KeyCode::PageDown), ctrl('d'), ctrl('f')],
        command: Command::PageDown,
        keymap: Keymap::List,
        help: "page down",
    },
    Binding {
        keys: &[code(KeyCode::PageUp), ctrl('u'), ctrl('b')],
        command: Command::PageUp,
        keymap: Keymap::List,
        help: "page up",
    },
    Binding { keys: &[ch('g'), code(KeyCode::Home)], command: Command::Top, keymap: Keymap::List, help: "first row" },
    Binding { keys: &[ch('G'), code(KeyCode::End)], command: Command::Bottom, keymap: Keymap::List, help: "last row" },
    Binding {
        keys: &[code(KeyCode::Enter), code(KeyCode::Right)],
        command: Command::Open,
        keymap: Keymap::List,
        help: "open the selected row",
    },
    Binding {
        keys: &[ch('/')],
        command: Command::Filter,
        keymap: Keymap::List,
        help: "filter by text (\"-l sel\" for a label selector)",
    },
    Binding {
        keys: &[ch('L')],
        command: Command::Selector,
        keymap: Keymap::List,
        help: "filter by label selector (a=b,c!=d,e in (f,g))",
    },
    Binding {
        keys: &[ch('x')],
        command: Command::ClearFilter,
        keymap: Keymap::List,
        help: "clear filter and selector",
    },
    Binding { keys: &[ch('o')], command: Command::SortNext, keymap: Keymap::List, help: "sort by the next column" },
    Binding { keys: &[ch('O')], command: Command::SortReverse, keymap: Keymap::List, help: "reverse the sort order" },
    Binding { keys: &[ch('p')], command: Command::JobPods, keymap: Keymap::Jobs, help: "pods of the selected Job" },
    Binding {
        keys: &[ch('l')],
        command: Command::Logs,
        keymap: Keymap::List,
        help: "logs: the pod, or the Job's pods merged",
    },
    Binding {
        keys: &[ch('i')],
        command: Command::IndexLogs,
        keymap: Keymap::List,
        help: "logs of the pod's completion index (all pods)",
    },
    Binding {
        keys: &[ch('b')],
        command: Command::ToggleGroups,
        keymap: Keymap::Jobs,
        help: "show or hide the label-group panel",
    },
    Binding {
        keys: &[ch('t')],
        command: Command::ToggleTimeline,
        keymap: Keymap::JobDetail,
        help: "show or hide the pod timeline",
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

/// The command bound to `event` in the first of `keymaps` that binds it.
/// Key releases (sent by some terminals) are ignored.
pub fn command_for(event: &KeyEvent, keymaps: &[Keymap]) -> Option<Command> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    BINDINGS
        .iter()
        .filter(|b| keymaps.contains(&b.keymap))
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.command)
}

/// The keys of a command joined for display, e.g. "j ↓".
pub fn keys_label(command: Command) -> String {
    BINDINGS
        .iter()
        .filter(|b| b.command == command)
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
    fn no_key_is_bound_twice_in_the_same_keymap() {
        let mut seen: HashMap<(String, bool, &str), Command> = HashMap::new();
        for b in BINDINGS {
            for k in b.keys {
                let id = (format!("{:?}", k.code), k.ctrl, b.keymap.title());
                if let Some(prev) = seen.insert(id.clone(), b.command) {
                    panic!("{id:?} bound to both {prev:?} and {:?}", b.command);
                }
            }
        }
    }

    #[test]
    fn vim_keys_and_arrows_move() {
        let keymaps = [Keymap::List, Keymap::Global];
        assert_eq!(command_for(&press(KeyCode::Char('j'), KeyModifiers::NONE), &keymaps), Some(Command::Down));
        assert_eq!(command_for(&press(KeyCode::Down, KeyModifiers::NONE), &keymaps), Some(Command::Down));
        assert_eq!(command_for(&press(KeyCode::Char('G'), KeyModifiers::SHIFT), &keymaps), Some(Command::Bottom));
        assert_eq!(command_for(&press(KeyCode::Char('c'), KeyModifiers::CONTROL), &keymaps), Some(Command::Quit));
        assert_eq!(command_for(&press(KeyCode::Char('c'), KeyModifiers::NONE), &keymaps), Some(Command::Context));
    }

    #[test]
    fn screen_keys_apply_only_in_their_keymap() {
        let p = press(KeyCode::Char('p'), KeyModifiers::NONE);
        assert_eq!(command_for(&p, &[Keymap::Jobs, Keymap::List, Keymap::Global]), Some(Command::JobPods));
        assert_eq!(command_for(&p, &[Keymap::List, Keymap::Global]), None);
    }
}
