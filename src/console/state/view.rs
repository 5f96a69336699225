//! Where the operator is: the [`Route`] of each screen on the stack and its
//! [`View`] (selection, scroll, filters, sort, marks).

use std::collections::BTreeSet;

use kube::core::Selector;
use model::ObjKey;
use model::queue::QueueKey;
use model::text::Measure;

/// Which screen, and of what. How each one is drawn and what its rows are
/// is `ui::screens`; a new variant needs its `Screen` there (the compiler
/// points at the one `match` that picks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Jobs,
    CronJobs,
    /// Pods of Jobs; of one Job when `job` is set.
    Pods {
        job: Option<ObjKey>,
    },
    Nodes,
    JobDetail(ObjKey),
    /// A CronJob and its Jobs.
    CronJobDetail(ObjKey),
    /// Work queues (Redis, RabbitMQ) and the Jobs they feed.
    Queues,
    /// One queue: history, rediswq leases, linked Jobs.
    QueueDetail(QueueKey),
    /// A pod's or a Job's logs (the state is `App::logs`).
    Logs,
    /// Everything batchtop finds wrong, most severe first.
    Warnings,
}

/// The top-level screens, in tab order (keys 1..n).
pub const TABS: [Route; 6] =
    [Route::Jobs, Route::CronJobs, Route::Pods { job: None }, Route::Nodes, Route::Queues, Route::Warnings];

/// A client-side label filter: the text typed and what it parsed to.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelFilter {
    pub text: String,
    pub selector: Selector,
}

/// Per-screen view state.
#[derive(Debug, Clone)]
pub struct View {
    pub route: Route,
    /// The selected row's key: selection follows the object when rows move.
    pub selected: Option<ObjKey>,
    /// The selected row's position, used when the selected object disappears.
    pub index: usize,
    /// First visible row (kept between frames so the table does not jump).
    pub offset: usize,
    /// Rows visible in the last frame, for paging.
    pub page: usize,
    /// Scroll position of document screens (job detail).
    pub scroll: u16,
    pub filter: String,
    pub labels: Option<LabelFilter>,
    /// Index into the screen's sort columns (`ui::screens::Screen::sort_columns`).
    pub sort: usize,
    pub descending: bool,
    /// Rows marked for an action on several at once (Space, `*`).
    pub marked: BTreeSet<ObjKey>,
    /// The column measures of the last frame's table, reused while its rows
    /// are the same objects (2,000 Jobs are measured once per change, not per frame).
    pub measured: Option<Measured>,
}

/// A table's column measures and what they were taken of.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Names the rows and columns measured (`ui::list::measure_key`).
    pub key: u64,
    /// Per column: what its widest cell needs (`None`: not measured).
    pub columns: Vec<Option<Measure>>,
}

impl View {
    pub fn new(route: Route) -> Self {
        Self {
            route,
            selected: None,
            index: 0,
            offset: 0,
            page: 10,
            scroll: 0,
            filter: String::new(),
            labels: None,
            sort: 0,
            descending: false,
            marked: BTreeSet::new(),
            measured: None,
        }
    }
}

/// What the last frame showed of the view on screen: the ui reports it after
/// drawing, and `update` keeps it, so paging, scrolling and the selection
/// start from what the operator sees.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Shown {
    /// Nothing to keep (no screen body drawn).
    #[default]
    Nothing,
    /// A table: the selected row as drawn (`None` when there are no rows),
    /// its position, the first row drawn, how many rows fit, and its column
    /// measures when they can be reused.
    List { selected: Option<ObjKey>, index: usize, offset: usize, page: usize, measured: Option<Measured> },
    /// A scrolled document: the scroll position clamped to it, and the rows that fit.
    Document { scroll: u16, page: usize },
    /// The log screen: the first visible line drawn and the rows of its body.
    Log { top: usize, rows: usize },
}
