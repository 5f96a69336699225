//! The confirmation dialog every action goes through: the action with its
//! targets and the choices the operator has made so far. Nothing but `y`
//! confirms it (`update`); `ui::confirm` draws what will happen.

use std::time::Duration;

use action::{Action, Options};

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
    pub fn option_key(&mut self, c: char) -> bool {
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
    pub fn option_lines(&self) -> Vec<(String, String)> {
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
