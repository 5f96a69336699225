//! Text prompts (filter, label selector) and pickers (namespace, context).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph};

use super::theme::Theme;
use crate::console::state::{Picker, PickerKind, Prompt, PromptKind};

/// A prompt sits just above the status bar, over the bottom of the table.
pub fn render_prompt(frame: &mut Frame, area: Rect, theme: &Theme, prompt: &Prompt) {
    let height = 3.min(area.height);
    let rect = Rect { y: area.y + area.height - height, height, ..area };
    let (label, hint) = match prompt.kind {
        PromptKind::Filter => ("Filter", " Enter keep · Esc undo · \"-l a=b\" for labels "),
        PromptKind::Selector => ("Label selector", " a=b,c!=d,e in (f,g),h,!i · Enter apply · Esc cancel "),
    };
    let mut spans = vec![
        Span::styled(format!("{label}: "), theme.title),
        Span::styled(prompt.input.clone(), theme.text),
        Span::styled("█", theme.key),
    ];
    if let Some(error) = &prompt.error {
        spans.push(Span::styled(format!("  {error}"), theme.bad));
    }
    let block = Block::bordered().border_style(theme.border).title_bottom(Span::styled(hint, theme.dim));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(Line::from(spans)).block(block), rect);
}

/// A picker is a centred box: the typed text on top, the choices below.
pub fn render_picker(frame: &mut Frame, area: Rect, theme: &Theme, picker: &Picker, current: &str) {
    let choices = picker.choices();
    let hint = match picker.kind {
        PickerKind::Namespace => " type to narrow or name one (a,b for several) ",
        PickerKind::Context => " type to narrow · Enter switch ",
    };
    let widest = choices.iter().map(|c| c.chars().count()).max().unwrap_or(20).max(hint.chars().count());
    let width = (widest as u16 + 6).min(area.width);
    // At least 5 rows, but never more than the area (a 20x5 terminal has 3).
    let height = (choices.len() as u16 + 4).max(5).min(area.height.min(16));
    let rect = super::centered(area, width, height);
    let title = match picker.kind {
        PickerKind::Namespace => " Namespace ",
        PickerKind::Context => " Context ",
    };
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(title, theme.title))
        .title_bottom(Span::styled(hint, theme.dim));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return;
    }
    let input = Line::from(vec![
        Span::styled("› ", theme.key),
        Span::styled(picker.input.clone(), theme.text),
        Span::styled("█", theme.key),
    ]);
    frame.render_widget(Paragraph::new(input), Rect { height: 1, ..inner });
    let list_area = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    let items: Vec<ListItem> = choices
        .iter()
        .map(|c| {
            let mark = if c == current { "● " } else { "  " };
            ListItem::new(Line::from(vec![Span::styled(mark, theme.ok), Span::raw(c.clone())]))
        })
        .collect();
    let list = List::new(items).highlight_style(theme.selected);
    let mut state = ListState::default().with_selected(Some(picker.selected.min(choices.len().saturating_sub(1))));
    frame.render_stateful_widget(list, list_area, &mut state);
}
