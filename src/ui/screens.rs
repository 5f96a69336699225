//! Every screen of the console, each one implementation of [`Screen`], and
//! [`of`], the one place that picks a route's screen. A new screen is a
//! file with its `Screen`, a [`Route`] variant and its arm in [`of`]: the
//! compiler asks for both, and for every method the trait requires.
//!
//! The queries below ([`row_keys`], [`selected_key`], [`subject`],
//! [`targets`]) are what the console's update asks of the screen on display.

use model::{Kind, ObjKey};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::theme::Theme;
use super::{cronjob_detail, cronjobs, job_detail, jobs, logs, nodes, pods, queues, warnings};
use crate::console::keys::Keymap;
use crate::console::state::{App, Route, Shown, View};

/// How one kind of screen is named, keyed, listed and drawn.
pub trait Screen: Sync {
    /// Its name in the tab bar ("Jobs"), or of a detail in the breadcrumbs ("job indexed-job").
    fn title(&self, route: &Route) -> String;
    /// The keys of its rows, filtered and sorted as the view says, in display
    /// order (a document screen has none).
    fn rows(&self, app: &App, view: &View) -> Vec<ObjKey>;
    /// What its rows (or the object of a detail screen) are: what action keys
    /// act on, and what `p`, `l` and `i` open. `None` for rows of no watched kind.
    fn row_kind(&self) -> Option<Kind>;
    /// Draws it into `area`; returns what it showed.
    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown;

    /// Which key bindings apply, most specific first.
    fn keymaps(&self) -> &'static [Keymap] {
        &[Keymap::List, Keymap::Global]
    }
    /// A table of selectable rows (true), or a document that scrolls (false).
    fn is_list(&self) -> bool {
        true
    }
    /// The columns `o` sorts by, in the order it cycles through them.
    fn sort_columns(&self) -> &'static [&'static str] {
        &[]
    }
    /// The screen Enter opens on a row.
    fn open(&self, _app: &App, _row: ObjKey) -> Option<Route> {
        None
    }
    /// The object a detail screen shows (lists: `None`, their selection counts).
    fn subject(&self, _view: &View) -> Option<ObjKey> {
        None
    }
    /// Whether its rows carry labels, so a label selector can filter them.
    fn has_labels(&self) -> bool {
        false
    }
}

/// The screen that draws `route`.
pub fn of(route: &Route) -> &'static dyn Screen {
    match route {
        Route::Jobs => &jobs::JobsScreen,
        Route::CronJobs => &cronjobs::CronJobsScreen,
        Route::Pods { .. } => &pods::PodsScreen,
        Route::Nodes => &nodes::NodesScreen,
        Route::JobDetail(_) => &job_detail::JobDetailScreen,
        Route::CronJobDetail(_) => &cronjob_detail::CronJobDetailScreen,
        Route::Queues => &queues::QueuesScreen,
        Route::QueueDetail(_) => &queues::QueueDetailScreen,
        Route::Logs => &logs::LogsScreen,
        Route::Warnings => &warnings::WarningsScreen,
    }
}

/// The keys of the rows on display, in display order.
pub fn row_keys(app: &App) -> Vec<ObjKey> {
    let view = app.view();
    of(&view.route).rows(app, view)
}

/// The selected row's key, as the current rows stand: the selected object
/// while it is listed, else the row at the selection's position.
pub fn selected_key(app: &App) -> Option<ObjKey> {
    let rows = row_keys(app);
    let view = app.view();
    view.selected
        .as_ref()
        .filter(|k| rows.contains(k))
        .cloned()
        .or_else(|| rows.get(view.index.min(rows.len().saturating_sub(1))).cloned())
}

/// What the screen on display is about: a detail's object, else the selected row.
pub fn subject(app: &App) -> Option<ObjKey> {
    of(&app.view().route).subject(app.view()).or_else(|| selected_key(app))
}

/// The rows an action applies to: the marked ones, else [`subject`].
pub fn targets(app: &App) -> Vec<ObjKey> {
    let view = app.view();
    if !view.marked.is_empty() {
        return view.marked.iter().cloned().collect();
    }
    subject(app).into_iter().collect()
}

/// The namespaces the targets live in, as RBAC is asked about them.
pub fn target_namespaces(app: &App, kind: Kind) -> Vec<Option<String>> {
    action::namespaces_of(kind, &targets(app))
}
