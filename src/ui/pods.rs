//! Pods of Jobs (all of them, or one Job's): status as kubectl words it, the
//! completion index, restarts, exit code, why it is stuck or failed, node.

use model::scope::Namespaces;
use model::text as format;
use model::{Kind, ObjKey, PodInfo, Time};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Cell;

use super::cell;
use super::columns::{Column, Measure};
use super::list::{self, ListTable};
use super::screens::Screen;
use super::theme::Theme;
use crate::console::state::{App, Route, Shown, View};

pub const SORTS: &[&str] = &["namespace", "name", "age", "status", "restarts", "node"];

/// Pods of Jobs, or of one Job.
pub struct PodsScreen;

impl Screen for PodsScreen {
    fn title(&self, route: &Route) -> String {
        match route {
            Route::Pods { job: Some(job) } => format!("pods of {}", job.name),
            _ => "Pods".into(),
        }
    }

    fn rows(&self, app: &App, view: &View) -> Vec<ObjKey> {
        rows(app, view).iter().map(key).collect()
    }

    fn row_kind(&self) -> Option<Kind> {
        Some(Kind::Pod)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        render(frame, area, app, theme, view)
    }

    fn sort_columns(&self) -> &'static [&'static str] {
        SORTS
    }

    fn has_labels(&self) -> bool {
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    /// A warning's mark, or blank.
    Mark,
    Namespace,
    Name,
    Job,
    Index,
    Ready,
    Status,
    Restarts,
    Exit,
    Reason,
    Node,
    Age,
}

/// Higher priorities are dropped first on narrow terminals: READY and JOB
/// (the pod name starts with the Job's), the age and restarts are decoration
/// beside the names and status and go first; the node is a name (pods on
/// different nodes must look different) and stays whole.
const ALL: [(Col, Column); 12] = [
    (Col::Mark, Column::fixed("", 1, 0)),
    (Col::Namespace, Column::flex("NAMESPACE", 10, 20, 3)),
    // Cut in the middle no narrower than this (the Job's name start and the pod's hash).
    (Col::Name, Column::flex("NAME", 20, 50, 0).whole()),
    (Col::Job, Column::flex("JOB", 10, 40, 6)),
    (Col::Index, Column::fixed("IDX", 3, 2)),
    (Col::Ready, Column::fixed("READY", 5, 6)),
    (Col::Status, Column::flex("STATUS", 11, 24, 0).whole()),
    (Col::Restarts, Column::fixed("RESTARTS", 8, 4)),
    (Col::Exit, Column::fixed("EXIT", 4, 1)),
    (Col::Reason, Column::flex("REASON", 10, 40, 2)),
    (Col::Node, Column::flex("NODE", 8, 32, 3).whole()),
    (Col::Age, Column::fixed("AGE", 5, 5).ticks()),
];

/// The pods a Pods screen lists: pods owned by a Job (or by the one Job).
pub fn rows<'a>(app: &'a App, view: &View) -> Vec<&'a PodInfo> {
    let mut rows: Vec<&PodInfo> = match &view.route {
        // Looked up again so the rows borrow the state, not the view's key.
        Route::Pods { job: Some(job) } => {
            app.state.pods_of_job(job).filter_map(|p| app.state.pods.get(&p.key)).collect()
        }
        _ => app.state.pods.values().filter(|p| p.job.is_some()).collect(),
    };
    rows.retain(|p| {
        view.labels.as_ref().is_none_or(|l| kube::core::SelectorExt::matches(&l.selector, &p.labels))
            // The status words are built only for a filter to look at.
            && (view.filter.is_empty()
                || list::text_matches(
                    &view.filter,
                    &[&p.key.namespace, &p.key.name, p.job.as_deref().unwrap_or(""), &p.status_text()],
                ))
    });
    match SORTS.get(view.sort).copied() {
        Some("name") => rows.sort_by(|a, b| (&a.key.name, &a.key.namespace).cmp(&(&b.key.name, &b.key.namespace))),
        Some("age") => rows.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.key.cmp(&b.key))),
        // Each pod's status words built once, not at every comparison.
        Some("status") => rows.sort_by_cached_key(|p| (p.status_text(), &p.key)),
        Some("restarts") => rows.sort_by_cached_key(|p| (std::cmp::Reverse(p.restarts()), &p.key)),
        Some("node") => rows.sort_by(|a, b| (&a.node, &a.key).cmp(&(&b.node, &b.key))),
        _ => rows.sort_by(|a, b| a.key.cmp(&b.key)),
    }
    if view.descending {
        rows.reverse();
    }
    rows
}

pub fn key(p: &&PodInfo) -> ObjKey {
    p.key.clone()
}

/// Green when done well, cyan while running, red when failed or stuck, yellow
/// while waiting.
pub fn status_style(theme: &Theme, pod: &PodInfo) -> Style {
    match &*pod.phase {
        "Failed" => theme.bad,
        "Succeeded" => theme.ok,
        _ if pod.main_reason().is_some() => theme.bad,
        "Running" => theme.busy,
        _ => theme.warn,
    }
}

/// Why the pod is stuck or failed, when its status does not already say it.
pub fn reason(pod: &PodInfo) -> Option<String> {
    pod.main_reason().filter(|r| *r != pod.status_text())
}

fn pod_cell(theme: &Theme, app: &App, pod: &PodInfo, col: Col, width: u16) -> Cell<'static> {
    let w = width as usize;
    let now = app.now;
    let dash = || "-".to_string();
    match col {
        Col::Mark => super::warnings::mark_cell(theme, app.warnings.marks.pod(&pod.key)),
        Col::Namespace => cell(format::fit(&pod.key.namespace, w), theme.dim),
        Col::Name => cell(format::fit_middle(&pod.key.name, w), theme.text),
        Col::Job => cell(format::fit_middle(pod.job.as_deref().unwrap_or("-"), w), theme.dim),
        Col::Index => cell(pod.completion_index.map_or_else(dash, |i| i.to_string()), theme.text),
        Col::Ready => cell(pod.ready_text(), theme.dim),
        Col::Status => cell(format::fit(&format::sanitize(&pod.status_text()), w), status_style(theme, pod)),
        Col::Restarts => {
            let r = pod.restarts();
            cell(r.to_string(), if r > 0 { theme.warn } else { theme.dim })
        }
        Col::Exit => match pod.exit_code() {
            Some(0) => cell("0", theme.ok),
            Some(code) => cell(code.to_string(), theme.bad),
            None => cell("-", theme.dim),
        },
        Col::Reason => cell(format::fit(&format::sanitize(&reason(pod).unwrap_or_else(dash)), w), theme.warn),
        Col::Node => cell(format::fit_middle(pod.node.as_deref().unwrap_or("-"), w), theme.dim),
        Col::Age => cell(format::age(pod.created, now), theme.dim),
    }
}

/// What column `col` of a pod needs: the status (one word, as kubectl has
/// it) is never cut.
fn pod_measure(now: Time, pod: &PodInfo, col: Col) -> Option<Measure> {
    Some(match col {
        Col::Mark => return None,
        Col::Namespace => Measure::text(&pod.key.namespace),
        Col::Name => Measure::text(&pod.key.name),
        Col::Job => Measure::text(pod.job.as_deref().unwrap_or("-")),
        Col::Index => Measure::text(&pod.completion_index.map_or_else(|| "-".into(), |i| i.to_string())),
        Col::Ready => Measure::text(&pod.ready_text()),
        Col::Status => Measure::exact(&format::sanitize(&pod.status_text())),
        Col::Restarts => Measure::text(&pod.restarts().to_string()),
        Col::Exit => Measure::text(&pod.exit_code().map_or_else(|| "-".into(), |c| c.to_string())),
        Col::Reason => Measure::text(&format::sanitize(&reason(pod).unwrap_or_else(|| "-".into()))),
        Col::Node => Measure::text(pod.node.as_deref().unwrap_or("-")),
        Col::Age => Measure::age(pod.created, now),
    })
}

fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, view: &View) -> Shown {
    let rows = rows(app, view);
    let job = match &view.route {
        Route::Pods { job } => job.clone(),
        _ => None,
    };
    let single_ns = job.is_some() || matches!(&app.target.namespaces, Namespaces::Only(l) if l.len() == 1);
    let marked = rows.iter().any(|p| app.warnings.marks.pod(&p.key).is_some());
    let cols: Vec<(Col, Column)> = ALL
        .iter()
        .copied()
        .filter(|(c, _)| !((single_ns && *c == Col::Namespace) || (job.is_some() && *c == Col::Job)))
        .filter(|(c, _)| marked || *c != Col::Mark)
        .collect();
    let specs: Vec<Column> = cols.iter().map(|(_, c)| *c).collect();
    let now = app.now;
    let cell_of = |p: &&PodInfo, col: usize, width: u16| pod_cell(theme, app, p, cols[col].0, width);
    let measure = |p: &&PodInfo, col: usize| pod_measure(now, p, cols[col].0);
    let (name, total) = match &job {
        Some(job) => (format!("Pods of {job}"), app.state.pods_of_job(job).count()),
        None => ("Pods".to_string(), app.state.pods.values().filter(|p| p.job.is_some()).count()),
    };
    let filtered = !view.filter.is_empty() || view.labels.is_some();
    let table = ListTable {
        title: list::title(theme, &name, rows.len(), total, view, SORTS),
        columns: &specs,
        items: &rows,
        key: &key,
        cell: &cell_of,
        measure: &measure,
        measure_key: Some(list::measure_key(app.state.pods.revision(), view, &specs)),
        empty: super::empty_text(app, theme, Kind::Pod, "pods of jobs", filtered),
    };
    list::render(frame, area, view, theme, table)
}
