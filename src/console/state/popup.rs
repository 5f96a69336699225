//! The one popup that may be open over a screen.

use super::ConfirmDialog;

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help {
        scroll: u16,
    },
    Prompt(Prompt),
    Picker(Picker),
    /// An action waiting for `y`.
    Confirm(Box<ConfirmDialog>),
    /// What was done, when, and how it ended.
    History {
        scroll: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// Text filter, applied as the operator types.
    Filter,
    /// Label selector, applied on Enter.
    Selector,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    /// The filter before the prompt opened, restored on Esc.
    pub previous: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerKind {
    Namespace,
    Context,
}

/// A list to choose from, narrowed by what the operator types.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub kind: PickerKind,
    pub items: Vec<String>,
    pub input: String,
    pub selected: usize,
}

/// The namespace picker's first entry.
pub const ALL_NAMESPACES: &str = "(all namespaces)";

impl Picker {
    /// The items matching the input; for namespaces the typed text itself is
    /// offered too (a namespace nobody has seen yet, or "a,b" for several).
    pub fn choices(&self) -> Vec<String> {
        let needle = self.input.trim().to_lowercase();
        let mut out: Vec<String> = self.items.iter().filter(|i| i.to_lowercase().contains(&needle)).cloned().collect();
        if self.kind == PickerKind::Namespace
            && !needle.is_empty()
            && !self.items.iter().any(|i| *i == self.input.trim())
        {
            out.push(self.input.trim().to_string());
        }
        out
    }
}
