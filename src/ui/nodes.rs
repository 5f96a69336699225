//! Nodes: ready, schedulable, how many watched pods run there, taints.

use std::collections::HashMap;
use std::hash::BuildHasher;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Cell;

use model::text as format;
use model::{Kind, NodeInfo, ObjKey, State};

use super::cell;
use super::columns::Column;
use super::list::{self, ListTable};
use super::screens::Screen;
use super::theme::Theme;
use crate::console::state::{App, Route, Shown, View};

pub const SORTS: &[&str] = &["name", "age", "pods"];

/// The Nodes screen.
pub struct NodesScreen;

impl Screen for NodesScreen {
    fn title(&self, _route: &Route) -> String {
        "Nodes".into()
    }

    fn rows(&self, app: &App, view: &View) -> Vec<ObjKey> {
        let counts = pod_counts(&app.state);
        rows(app, view, &counts).iter().map(key).collect()
    }

    fn row_kind(&self) -> Option<Kind> {
        Some(Kind::Node)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        render(frame, area, app, theme, view)
    }

    fn sort_columns(&self) -> &'static [&'static str] {
        SORTS
    }
}

const COLUMNS: [Column; 7] = [
    Column::flex("NAME", 12, 40, 0),
    Column::fixed("READY", 8, 0),
    Column::fixed("SCHEDULING", 10, 1),
    Column::fixed("PODS", 5, 1),
    Column::flex("TAINTS", 10, 50, 3),
    Column::flex("VERSION", 9, 16, 4),
    Column::fixed("AGE", 5, 2),
];

/// Watched pods per node that still occupy it (not Succeeded or Failed).
pub fn pod_counts(state: &State) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for pod in state.pods.values() {
        if let Some(node) = pod.node.as_deref().filter(|_| !pod.is_terminal()) {
            *counts.entry(node).or_insert(0) += 1;
        }
    }
    counts
}

pub fn rows<'a, S: BuildHasher>(app: &'a App, view: &View, counts: &HashMap<&str, usize, S>) -> Vec<&'a NodeInfo> {
    let mut rows: Vec<&NodeInfo> =
        app.state.nodes.values().filter(|n| list::text_matches(&view.filter, &[&n.name])).collect();
    match SORTS.get(view.sort).copied() {
        Some("age") => rows.sort_by_key(|n| std::cmp::Reverse(n.created)),
        Some("pods") => rows.sort_by_key(|n| counts.get(n.name.as_str()).copied().unwrap_or(0)),
        _ => rows.sort_by(|a, b| a.name.cmp(&b.name)),
    }
    if view.descending {
        rows.reverse();
    }
    rows
}

pub fn key(n: &&NodeInfo) -> ObjKey {
    ObjKey::new("", n.name.clone())
}

fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, view: &View) -> Shown {
    let app_ref = app;
    let counts = pod_counts(&app_ref.state);
    let rows = rows(app_ref, view, &counts);
    let now = app_ref.now;
    let cell_of = |n: &&NodeInfo, col: usize, width: u16| -> Cell<'static> {
        match col {
            0 => cell(format::fit(&n.name, width as usize), theme.text),
            1 => match n.ready {
                Some(true) => cell("Ready", theme.ok),
                Some(false) => cell("NotReady", theme.bad),
                None => cell("Unknown", theme.warn),
            },
            2 => {
                if n.unschedulable {
                    cell("cordoned", theme.warn)
                } else {
                    cell("enabled", theme.text)
                }
            }
            3 => cell(counts.get(n.name.as_str()).copied().unwrap_or(0).to_string(), theme.text),
            4 => cell(format::fit(&n.taints.join(","), width as usize), theme.dim),
            5 => cell(n.kubelet_version.clone().unwrap_or_default(), theme.dim),
            _ => cell(format::age(n.created, now), theme.dim),
        }
    };
    let mut columns = COLUMNS;
    columns[0] = columns[0].fit_content(rows.iter().map(|n| n.name.len()).max().unwrap_or(0));
    columns[4] = columns[4].fit_content(rows.iter().map(|n| n.taints.join(",").len()).max().unwrap_or(0));
    let table = ListTable {
        title: list::title(theme, "Nodes", rows.len(), app_ref.state.nodes.len(), view, SORTS),
        columns: &columns,
        items: &rows,
        key: &key,
        cell: &cell_of,
        empty: super::empty_text(app_ref, theme, Kind::Node, "nodes", !view.filter.is_empty()),
    };
    list::render(frame, area, view, theme, table)
}
