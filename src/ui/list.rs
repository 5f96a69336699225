//! The table every list screen uses: fitted columns, a selection that follows
//! its object, and only the visible rows built (2,000 Jobs cost 20 rows of work).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use model::ObjKey;

use super::columns::{self, Column, Measure};
use super::theme::Theme;
use crate::console::state::{Measured, Shown, View};

/// Gap between columns.
pub const SPACING: u16 = 1;

/// A list screen's table: what to show and how to draw one cell.
pub struct ListTable<'a, T> {
    pub title: Line<'a>,
    pub columns: &'a [Column],
    pub items: &'a [T],
    pub key: &'a dyn Fn(&T) -> ObjKey,
    /// Draws column `col` (an index into `columns`) of an item at `width` cells.
    pub cell: &'a dyn Fn(&T, usize, u16) -> Cell<'static>,
    /// What column `col` of an item needs (`None`: as wide as it is given, like a bar).
    pub measure: &'a dyn Fn(&T, usize) -> Option<Measure>,
    /// What the measures depend on ([`measure_key`]), when that is only the
    /// rows' objects and the columns (not the time): the last frame's are then
    /// reused while it is the same. `None`: measured every frame.
    pub measure_key: Option<u64>,
    /// Shown instead of rows when there are none (loading, forbidden, no match).
    pub empty: Text<'a>,
}

/// Renders the table into `area`, keeping the selection on the same object
/// (or the same position when the object went away); returns what it showed.
pub fn render<T>(frame: &mut Frame, area: Rect, view: &View, theme: &Theme, table: ListTable<'_, T>) -> Shown {
    let measures = measures(view, &table);
    let block = Block::new().borders(Borders::TOP).border_style(theme.border).title(table.title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return Shown::Nothing;
    }
    let specs: Vec<Column> =
        table.columns.iter().zip(&measures).map(|(column, m)| m.map_or(*column, |m| column.measured(m))).collect();
    let fitted = columns::fit(&specs, inner.width, SPACING);
    let header = Row::new(fitted.iter().map(|&(i, _)| Cell::from(specs[i].title))).style(theme.header);
    let page = inner.height.saturating_sub(1) as usize;
    if table.items.is_empty() {
        let [head, rest] = ratatui::layout::Layout::vertical([
            ratatui::layout::Constraint::Length(1),
            ratatui::layout::Constraint::Fill(1),
        ])
        .areas(inner);
        frame.render_widget(Table::new(Vec::<Row>::new(), columns::constraints(&fitted)).header(header), head);
        // Wrapped: a forbidden or connection error is long and all of it matters.
        frame.render_widget(Paragraph::new(table.empty).style(theme.dim).wrap(Wrap { trim: false }), rest);
        return Shown::List { selected: None, index: 0, offset: 0, page: page.max(1), measured: None };
    }
    let index = select(view, table.items, table.key);
    let offset = scrolled_offset(view.offset, index, page, table.items.len());
    let end = (offset + page).min(table.items.len());
    let rows: Vec<Row> = table.items[offset..end]
        .iter()
        .map(|item| {
            let row = Row::new(fitted.iter().map(|&(col, width)| (table.cell)(item, col, width)));
            // Rows marked for a multi-row action (ui::actions) stand out.
            if view.marked.contains(&(table.key)(item)) { row.style(theme.highlight) } else { row }
        })
        .collect();
    let widget = Table::new(rows, columns::constraints(&fitted))
        .header(header)
        .column_spacing(SPACING)
        .row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected(Some(index - offset));
    frame.render_stateful_widget(widget, inner, &mut state);
    let measured = table.measure_key.map(|key| Measured { key, columns: measures });
    Shown::List { selected: Some((table.key)(&table.items[index])), index, offset, page: page.max(1), measured }
}

/// Each column's measure over every row the screen lists, not just this page,
/// so widths do not jump while scrolling; an empty table by its titles. The
/// last frame's while they are of the same rows and columns. A column that
/// ticks is not measured: it keeps the width it declares, so the clock alone
/// never moves the columns (an age going from "2m0s" to "2m10s" widened the
/// column and redrew every row, about once a minute), and no frame measures
/// the age of every row.
fn measures<T>(view: &View, table: &ListTable<'_, T>) -> Vec<Option<Measure>> {
    if table.items.is_empty() {
        return vec![Some(Measure::default()); table.columns.len()];
    }
    let last = view
        .measured
        .as_ref()
        .filter(|last| table.measure_key == Some(last.key) && last.columns.len() == table.columns.len());
    (0..table.columns.len())
        .map(|col| match last {
            _ if table.columns[col].ticks => None,
            Some(last) => last.columns[col],
            None => columns::measure_rows(table.items, col, table.measure),
        })
        .collect()
}

/// The [`ListTable::measure_key`] of rows from a store at `revision`, as the
/// view filters them, shown in `columns`.
pub fn measure_key(revision: u64, view: &View, columns: &[Column]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    revision.hash(&mut hasher);
    view.filter.hash(&mut hasher);
    view.labels.as_ref().map(|l| &l.text).hash(&mut hasher);
    for column in columns {
        column.title.hash(&mut hasher);
    }
    hasher.finish()
}

/// Resolves the selected row: the selected key if still present, else the same
/// position clamped to the rows.
fn select<T>(view: &View, items: &[T], key: &dyn Fn(&T) -> ObjKey) -> usize {
    let found = view.selected.as_ref().and_then(|sel| items.iter().position(|i| key(i) == *sel));
    found.unwrap_or(view.index.min(items.len() - 1))
}

/// Keeps the selected row on screen, moving the window as little as possible.
pub fn scrolled_offset(offset: usize, index: usize, page: usize, len: usize) -> usize {
    let page = page.max(1);
    let mut offset = offset.min(len.saturating_sub(page));
    if index < offset {
        offset = index;
    } else if index >= offset + page {
        offset = index + 1 - page;
    }
    offset
}

/// The title of a list pane: name, counts, sort and filters.
pub fn title<'a>(theme: &Theme, name: &str, shown: usize, total: usize, view: &View, sorts: &[&str]) -> Line<'a> {
    let mut spans = vec![Span::styled(format!(" {name} "), theme.title)];
    let count = if shown == total { format!("{total}") } else { format!("{shown}/{total}") };
    spans.push(Span::styled(format!("[{count}] "), theme.text));
    if let Some(sort) = sorts.get(view.sort) {
        spans.push(Span::styled(format!("sort:{sort}{} ", if view.descending { "↓" } else { "↑" }), theme.dim));
    }
    if !view.filter.is_empty() {
        spans.push(Span::styled(format!("/{} ", view.filter), theme.warn));
    }
    if let Some(labels) = &view.labels {
        spans.push(Span::styled(format!("-l {} ", labels.text), theme.warn));
    }
    Line::from(spans)
}

/// Case-insensitive substring match of the text filter against any of `fields`.
pub fn text_matches(filter: &str, fields: &[&str]) -> bool {
    if filter.is_empty() {
        return true;
    }
    let needle = filter.to_lowercase();
    fields.iter().any(|f| f.to_lowercase().contains(&needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::update::Msg;
    use crate::test_support::{render_text, sample_app};
    use model::{Kind, Object, Update, WatchId};

    #[test]
    fn offset_moves_only_to_keep_the_selection_visible() {
        assert_eq!(scrolled_offset(0, 5, 10, 100), 0);
        assert_eq!(scrolled_offset(0, 12, 10, 100), 3);
        assert_eq!(scrolled_offset(20, 12, 10, 100), 12);
        assert_eq!(scrolled_offset(95, 99, 10, 100), 90, "no blank space at the end");
    }

    #[test]
    fn kept_measures_give_way_to_a_changed_row_and_a_changed_filter() {
        let mut app = sample_app();
        let first = render_text(&mut app, 200, 40);
        let kept = app.view().measured.clone().expect("the Jobs table keeps its measures");
        assert_eq!(render_text(&mut app, 200, 40), first, "kept measures draw the same frame");
        assert_eq!(app.view().measured.as_ref(), Some(&kept));

        let long = "a-job-whose-name-is-longer-than-the-others";
        let job = model::fixtures::job("expansion", long);
        app.update(Msg::Kube(vec![Update::Applied(WatchId { kind: Kind::Job, namespace: None }, Object::Job(job))]));
        assert!(render_text(&mut app, 200, 40).contains(long), "the NAME column grew for the new Job");
        assert_ne!(app.view().measured.as_ref().map(|m| m.key), Some(kept.key));

        app.view_mut().filter = "apple".into();
        let filtered = render_text(&mut app, 200, 40);
        assert!(filtered.contains("process-item-apple") && !filtered.contains(long));
        let name_width = |m: &Measured| m.columns.iter().flatten().map(|m| m.content).max();
        assert!(
            name_width(app.view().measured.as_ref().unwrap()) < Some(long.len() as u16),
            "measured again, filtered"
        );
    }
}
