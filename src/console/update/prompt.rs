//! Keys while a popup is open: the popup takes them all. Help and history
//! scroll, prompts edit their text, pickers narrow and choose.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use model::scope::Namespaces;

use super::{Effect, Handled, actions};
use crate::console::state::{ALL_NAMESPACES, App, Picker, PickerKind, Popup, Prompt, PromptKind};

pub(super) fn popup_key(app: &mut App, key: KeyEvent) -> Handled {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return actions::quit(app);
    }
    let Some(popup) = app.popup.take() else { return Handled::default() };
    match popup {
        Popup::Help { scroll } => {
            let scroll = match key.code {
                KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
                KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
                KeyCode::PageDown => scroll.saturating_add(10),
                KeyCode::PageUp => scroll.saturating_sub(10),
                KeyCode::Char('g') | KeyCode::Home => 0,
                _ => return Handled::redraw(), // any other key closes help
            };
            app.popup = Some(Popup::Help { scroll });
            Handled::redraw()
        }
        Popup::Prompt(prompt) => prompt_key(app, prompt, key),
        Popup::Picker(picker) => picker_key(app, picker, key),
        Popup::Confirm(dialog) => actions::confirm_key(app, *dialog, key),
        Popup::History { scroll } => {
            let scroll = match key.code {
                KeyCode::Char('j') | KeyCode::Down => scroll.saturating_add(1),
                KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
                KeyCode::Char('x') => {
                    actions::cancel_running(app);
                    scroll
                }
                _ => return Handled::redraw(), // any other key closes the panel
            };
            app.popup = Some(Popup::History { scroll });
            Handled::redraw()
        }
    }
}

/// Pasted text (bracketed paste) is typed into an open prompt or picker, one
/// printable character at a time, through the keys' own editing; anywhere
/// else it is dropped: a paste holding `D` then `y` is never a key, let alone
/// a confirmation.
pub(super) fn paste(app: &mut App, text: &str) -> Handled {
    if !matches!(app.popup, Some(Popup::Prompt(_) | Popup::Picker(_))) {
        app.flash("pasted text ignored: a paste goes only into a prompt (/ filter, : and n pickers)", true);
        return Handled::redraw();
    }
    for c in text.chars().filter(|c| !c.is_control()) {
        popup_key(app, KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    Handled::redraw()
}

fn prompt_key(app: &mut App, mut prompt: Prompt, key: KeyEvent) -> Handled {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {
            if prompt.kind == PromptKind::Filter {
                app.view_mut().filter = prompt.previous;
            }
            return Handled::redraw();
        }
        KeyCode::Enter => {
            if let Err(e) = apply_prompt(app, &prompt) {
                prompt.error = Some(e);
                app.popup = Some(Popup::Prompt(prompt));
            }
            return Handled::redraw();
        }
        KeyCode::Backspace => {
            prompt.input.pop();
        }
        KeyCode::Char('u') if ctrl => prompt.input.clear(),
        KeyCode::Char(c) if !ctrl && !c.is_control() => prompt.input.push(c),
        _ => {}
    }
    prompt.error = None;
    // The text filter follows the typing (a "-l" selector waits for Enter).
    if prompt.kind == PromptKind::Filter && !prompt.input.starts_with("-l") {
        app.view_mut().filter.clone_from(&prompt.input);
        app.view_mut().index = 0;
    }
    app.popup = Some(Popup::Prompt(prompt));
    Handled::redraw()
}

/// Enter in a prompt. The error is shown in the prompt, which stays open.
fn apply_prompt(app: &mut App, prompt: &Prompt) -> Result<(), String> {
    let input = prompt.input.trim();
    let selector_text = match (prompt.kind, input.strip_prefix("-l")) {
        (PromptKind::Selector, _) => Some(input),
        (PromptKind::Filter, Some(rest)) => {
            // "-l sel" in the text prompt: keep the old text filter.
            app.view_mut().filter.clone_from(&prompt.previous);
            if !crate::ui::screens::of(&app.view().route).has_labels() {
                return Err("label selectors filter Jobs and Pods only".into());
            }
            Some(rest.trim())
        }
        (PromptKind::Filter, None) => None,
    };
    match selector_text {
        Some(text) => app.set_labels(text)?,
        None => app.view_mut().filter = input.to_string(),
    }
    app.view_mut().index = 0;
    Ok(())
}

pub(super) fn open_picker(app: &mut App, kind: PickerKind) {
    let items = match kind {
        PickerKind::Context => app.contexts.clone(),
        PickerKind::Namespace => {
            app.learn_namespaces();
            let mut items = vec![ALL_NAMESPACES.to_string()];
            items.extend(app.known_namespaces.iter().cloned());
            items
        }
    };
    let current = match kind {
        PickerKind::Context => Some(app.target.context.clone()),
        PickerKind::Namespace => match &app.target.namespaces {
            Namespaces::All => Some(ALL_NAMESPACES.to_string()),
            Namespaces::Only(list) => list.first().cloned(),
        },
    };
    let selected = current.and_then(|c| items.iter().position(|i| *i == c)).unwrap_or(0);
    app.popup = Some(Popup::Picker(Picker { kind, items, input: String::new(), selected }));
}

fn picker_key(app: &mut App, mut picker: Picker, key: KeyEvent) -> Handled {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let count = picker.choices().len();
    match key.code {
        KeyCode::Esc => return Handled::redraw(),
        KeyCode::Enter => {
            let choice = picker.choices().get(picker.selected.min(count.saturating_sub(1))).cloned();
            return match choice {
                Some(choice) => choose(app, picker.kind, &choice),
                None => Handled::redraw(),
            };
        }
        KeyCode::Up => picker.selected = picker.selected.saturating_sub(1),
        KeyCode::Down => picker.selected = (picker.selected + 1).min(count.saturating_sub(1)),
        KeyCode::Char('k') if ctrl => picker.selected = picker.selected.saturating_sub(1),
        KeyCode::Char('j') if ctrl => picker.selected = (picker.selected + 1).min(count.saturating_sub(1)),
        KeyCode::Backspace => {
            picker.input.pop();
            picker.selected = 0;
        }
        KeyCode::Char('u') if ctrl => {
            picker.input.clear();
            picker.selected = 0;
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            picker.input.push(c);
            picker.selected = 0;
        }
        _ => {}
    }
    app.popup = Some(Popup::Picker(picker));
    Handled::redraw()
}

/// Applies a picker choice: a new target means new watches.
fn choose(app: &mut App, kind: PickerKind, choice: &str) -> Handled {
    let mut target = app.target.clone();
    match kind {
        PickerKind::Context => target.context = choice.to_string(),
        PickerKind::Namespace if choice == ALL_NAMESPACES => target.namespaces = Namespaces::All,
        PickerKind::Namespace => {
            let list: Vec<String> =
                choice.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
            if list.is_empty() {
                return Handled::redraw();
            }
            target.namespaces = Namespaces::Only(list);
        }
    }
    if target == app.target {
        return Handled::redraw();
    }
    app.retarget(target);
    Handled { redraw: true, effects: vec![Effect::Reconnect, Effect::RelinkQueues] }
}
