//! Nodes: ready, schedulable, how many watched pods run there, taints.

use std::collections::HashMap;
use std::hash::BuildHasher;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Cell;

use model::text as format;
use model::{Kind, NodeInfo, ObjKey, State};

use super::cell;
use super::columns::{Column, Measure};
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

/// The version and age are decoration: dropped before a node name is cut.
const COLUMNS: [Column; 7] = [
    Column::flex("NAME", 12, 48, 0).whole(),
    Column::fixed("READY", 8, 0),
    Column::fixed("SCHEDULING", 10, 1),
    Column::fixed("PODS", 5, 1),
    Column::flex("TAINTS", 10, 50, 3),
    Column::flex("VERSION", 9, 16, 4),
    Column::fixed("AGE", 5, 5),
];

/// The words of the READY column.
fn ready_word(node: &NodeInfo) -> &'static str {
    match node.ready {
        Some(true) => "Ready",
        Some(false) => "NotReady",
        None => "Unknown",
    }
}

/// The words of the SCHEDULING column.
fn scheduling_word(node: &NodeInfo) -> &'static str {
    if node.unschedulable { "cordoned" } else { "enabled" }
}

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
            0 => cell(format::fit_middle(&n.name, width as usize), theme.text),
            1 => cell(
                ready_word(n),
                match n.ready {
                    Some(true) => theme.ok,
                    Some(false) => theme.bad,
                    None => theme.warn,
                },
            ),
            2 => cell(scheduling_word(n), if n.unschedulable { theme.warn } else { theme.text }),
            3 => cell(counts.get(n.name.as_str()).copied().unwrap_or(0).to_string(), theme.text),
            4 => cell(format::fit(&n.taints.join(","), width as usize), theme.dim),
            5 => cell(n.kubelet_version.clone().unwrap_or_default(), theme.dim),
            _ => cell(format::age(n.created, now), theme.dim),
        }
    };
    let measure = |n: &&NodeInfo, col: usize| -> Option<Measure> {
        Some(match col {
            0 => Measure::text(&n.name),
            1 => Measure::exact(ready_word(n)),
            2 => Measure::exact(scheduling_word(n)),
            3 => Measure::text(&counts.get(n.name.as_str()).copied().unwrap_or(0).to_string()),
            4 => Measure::text(&n.taints.join(",")),
            5 => Measure::text(n.kubelet_version.as_deref().unwrap_or_default()),
            _ => Measure::age(n.created, now),
        })
    };
    let table = ListTable {
        title: list::title(theme, "Nodes", rows.len(), app_ref.state.nodes.len(), view, SORTS),
        columns: &COLUMNS,
        measure: &measure,
        measure_key: None,
        items: &rows,
        key: &key,
        cell: &cell_of,
        empty: super::empty_text(app_ref, theme, Kind::Node, "nodes", !view.filter.is_empty()),
    };
    list::render(frame, area, view, theme, table)
}
