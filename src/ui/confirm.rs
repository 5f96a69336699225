//! The confirmation dialog every action goes through: what will happen (in
//! the words of `Action::confirmation`, recomputed from the live state while
//! the dialog is open), the action's choices, whether RBAC allows it, and `y`
//! to go ahead (`console::update` takes the keys).

use action::access::Availability;
use model::text::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::console::state::{App, ConfirmDialog};

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, dialog: &ConfirmDialog) {
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
    let (width, height) = fitted_size(&mut lines, area);
    let rect = super::centered(area, width, height);
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

/// The dialog's size: up to 90 cells wide with a margin; when its lines do
/// not fit the height that way (a drain at 80x24), as wide as the screen and
/// without the blank separator lines, so the choices and the RBAC line at the
/// end stay in sight.
fn fitted_size(lines: &mut Vec<Line<'static>>, area: Rect) -> (u16, u16) {
    let height = |lines: &[Line], width: u16| -> usize {
        let inner = width.saturating_sub(2).max(1) as usize;
        lines.iter().map(|l| wrapped_rows(&l.to_string(), inner)).sum::<usize>() + 2
    };
    let mut width = area.width.saturating_sub(4).min(90);
    if height(lines, width) > area.height as usize {
        width = area.width;
        lines.retain(|l| l.width() > 0);
    }
    (width, (height(lines, width) as u16).min(area.height))
}

/// Rows `text` takes wrapped at word boundaries in `width` cells, as the
/// dialog's Paragraph wraps it (a word longer than a row runs on).
fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let (mut rows, mut used) = (1, 0);
    for word in text.split(' ').map(unicode_width::UnicodeWidthStr::width) {
        if used == 0 {
            used = word;
        } else if used + 1 + word <= width {
            used += 1 + word;
        } else {
            rows += 1;
            used = word;
        }
        while used > width {
            rows += 1;
            used -= width;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use action::{Action, ActionId, Options, Propagation};
    use model::ObjKey;

    use crate::console::state::{ConfirmDialog, Popup};
    use crate::test_support::{allow, render_text, sample_app};

    #[test]
    fn wrapped_rows_counts_rows_as_words_wrap() {
        assert_eq!(super::wrapped_rows("", 10), 1);
        assert_eq!(super::wrapped_rows("aaaa bbbb", 10), 1);
        assert_eq!(super::wrapped_rows("aaaa bbbb cc", 10), 2, "a word that does not fit starts a row");
        assert_eq!(super::wrapped_rows("aaaaaaaaaaaaaaaaaaaaaaa", 10), 3, "a long word runs on");
    }

    #[test]
    fn delete_dialog_says_what_happens_and_cycles_propagation() {
        let mut a = sample_app();
        let job = ObjKey::new("wq-coarse", "job-wq-1");
        let action = Action::new(ActionId::DeleteJob, "sandbox", vec![job]);
        allow(&mut a, &action);
        let mut dialog = ConfirmDialog::new(action);
        assert!(dialog.option_key('p'));
        assert_eq!(dialog.action.options, Options::Delete { propagation: Propagation::Foreground });
        a.popup = Some(Popup::Confirm(Box::new(dialog)));
        insta::assert_snapshot!("confirm_delete_foreground_80x24", render_text(&mut a, 80, 24));
    }

    #[test]
    fn drain_dialog_shows_its_options() {
        let mut a = sample_app();
        let action = Action::new(ActionId::DrainNode, "sandbox", vec![ObjKey::new("", "kwok-node-1")]);
        allow(&mut a, &action);
        let mut dialog = ConfirmDialog::new(action);
        for c in ['e', 'g', 't'] {
            assert!(dialog.option_key(c));
        }
        a.popup = Some(Popup::Confirm(Box::new(dialog)));
        insta::assert_snapshot!("confirm_drain_140x40", render_text(&mut a, 140, 40));
    }
}
