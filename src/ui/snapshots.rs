//! Snapshot tests of every screen, rendered with ratatui's TestBackend at
//! 80x24 (the bastion minimum) and a wider size (`testkit::snapshot::SIZES`),
//! at a fixed `now`, from two states: the hand-built sample of the seed's
//! scenarios (`testkit::sample`) and objects captured from the sandbox
//! (`testkit::capture`, the `sandbox_*` snapshots). Review changes by reading
//! the `.snap` files under `src/ui/snapshots/`.

use model::scope::Namespaces;
use model::{Kind, ObjKey, State, Update, WatchHealth, WatchId};
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use super::theme::Theme;
use crate::console::keys::Command;
use crate::console::state::{App, ConnectionState, LabelFilter, Route, View};
use crate::console::update::Msg;
use crate::test_support::{render_with, sample_app, sample_app_in, sandbox_app};

fn app() -> App {
    sample_app()
}

pub(super) fn render(app: &mut App, width: u16, height: u16) -> TestBackend {
    crate::test_support::render(app, width, height)
}

/// Renders at every size of `testkit::snapshot::SIZES` and snapshots each.
macro_rules! snap {
    ($name:literal, $app:expr) => {{
        let mut app = $app;
        for (width, height) in testkit::snapshot::SIZES {
            insta::assert_snapshot!(
                format!("{}_{width}x{height}", $name),
                crate::test_support::render(&mut app, width, height)
            );
        }
    }};
}
pub(super) use snap;

fn open(mut app: App, route: Route) -> App {
    app.details.push(View::new(route));
    app
}

fn key(ns: &str, name: &str) -> ObjKey {
    ObjKey::new(ns, name)
}

#[test]
fn jobs() {
    snap!("jobs", app());
}

#[test]
fn jobs_filtered_by_label_selector() {
    let mut a = app();
    a.tabs[0].labels = Some(LabelFilter {
        text: "jobgroup=jobexample".into(),
        selector: crate::selector::parse("jobgroup=jobexample").unwrap(),
    });
    snap!("jobs_selector", a);
}

#[test]
fn jobs_sorted_by_status() {
    let mut a = app();
    a.tabs[0].sort = super::jobs::SORTS.iter().position(|s| *s == "status").unwrap();
    snap!("jobs_by_status", a);
}

#[test]
fn jobs_in_one_namespace_drop_the_namespace_column() {
    let a = sample_app_in(Namespaces::Only(vec!["failure-policy".into()]));
    snap!("jobs_one_namespace", a);
}

#[test]
fn job_detail_failjob() {
    snap!("job_failjob", open(app(), Route::JobDetail(key("failure-policy", "job-pod-failure-policy-failjob"))));
}

#[test]
fn job_detail_ignore() {
    snap!("job_ignore", open(app(), Route::JobDetail(key("failure-policy", "job-pod-failure-policy-ignore"))));
}

#[test]
fn job_detail_config_issue() {
    snap!(
        "job_config_issue",
        open(app(), Route::JobDetail(key("failure-policy", "job-pod-failure-policy-config-issue")))
    );
}

#[test]
fn job_detail_indexed() {
    snap!("job_indexed", open(app(), Route::JobDetail(key("indexed", "indexed-job"))));
}

#[test]
fn job_detail_pod_to_pod() {
    snap!("job_pod_to_pod", open(app(), Route::JobDetail(key("pod-to-pod", "example-job"))));
}

#[test]
fn job_detail_of_a_deleted_job() {
    snap!("job_gone", open(app(), Route::JobDetail(key("indexed", "no-such-job"))));
}

#[test]
fn cronjobs() {
    let mut a = app();
    a.tab = 1;
    snap!("cronjobs", a);
}

#[test]
fn cronjob_detail() {
    let mut a = app();
    a.tab = 1;
    snap!("cronjob_hello", open(a, Route::CronJobDetail(key("cronjob", "hello"))));
}

#[test]
fn pods() {
    let mut a = app();
    a.tab = 2;
    snap!("pods", a);
}

#[test]
fn pods_of_a_job() {
    snap!(
        "pods_of_ignore",
        open(app(), Route::Pods { job: Some(key("failure-policy", "job-pod-failure-policy-ignore")) })
    );
}

#[test]
fn nodes() {
    let mut a = app();
    a.tab = 3;
    snap!("nodes", a);
}

#[test]
fn help_overlay() {
    let mut a = app();
    a.command(Command::Help);
    snap!("help", a);
}

#[test]
fn namespace_picker() {
    let mut a = app();
    a.command(Command::Namespace);
    snap!("namespace_picker", a);
}

#[test]
fn filter_prompt() {
    let mut a = app();
    a.command(Command::Filter);
    for c in "wq".chars() {
        a.update(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c))));
    }
    snap!("filter_prompt", a);
}

#[test]
fn forbidden_and_retrying_watches() {
    let mut a = app();
    // The limited user's context (the one RBAC refuses the nodes), whose watch
    // was forbidden from the start and so never listed a node.
    a.target.context = "sandbox-limited".into();
    a.state.nodes = model::Store::default();
    let now = a.now;
    let forbidden = WatchHealth::Forbidden {
        message: "nodes is forbidden: User \"limited\" cannot list resource \"nodes\" at the cluster scope".into(),
    };
    a.state.apply(Update::Health(WatchId { kind: Kind::Node, namespace: None }, forbidden), now);
    let retrying = WatchHealth::Retrying { error: "connection refused (127.0.0.1:16443)".into() };
    a.state.apply(Update::Health(WatchId { kind: Kind::Event, namespace: None }, retrying), now);
    a.tab = 3;
    snap!("nodes_forbidden", a);
}

#[test]
fn cannot_connect() {
    let mut a = app();
    a.state = State::default();
    // The context asked for (--context nope) is the one the header names.
    a.target.context = "nope".into();
    a.connection = ConnectionState::Failed("context \"nope\" not found in kubeconfig /root/.kube/config".into());
    snap!("cannot_connect", a);
}

#[test]
fn loading() {
    let mut a = app();
    a.state = State::default();
    a.connection = ConnectionState::Connecting;
    snap!("connecting", a);
}

#[test]
fn no_color_theme_renders_without_any_colour() {
    let mut a = app();
    let terminal = render_with(&mut a, &Theme::no_color(), 100, 30);
    for cell in terminal.buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "coloured cell {cell:?}");
    }
    insta::assert_snapshot!("jobs_no_color_100x30", terminal);
}

#[test]
fn default_theme_uses_only_the_16_ansi_colours_on_screen() {
    let mut a = app();
    for screen in 0..4 {
        a.tab = screen;
        let terminal = render(&mut a, 120, 40);
        for cell in terminal.buffer().content() {
            for c in [cell.fg, cell.bg] {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut a = open(app(), Route::JobDetail(key("indexed", "indexed-job")));
    a.command(Command::Help);
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (80, 2)] {
        render(&mut a, w, h);
    }
    let mut a = app();
    for tab in 0..4 {
        a.tab = tab;
        for (w, h) in [(1, 1), (12, 4), (30, 6)] {
            render(&mut a, w, h);
        }
    }
}

// ---- the sandbox capture ------------------------------------------------------

fn tab(mut app: App, tab: usize) -> App {
    app.tab = tab;
    app
}

fn job_detail(ns: &str, name: &str) -> Route {
    Route::JobDetail(ObjKey::new(ns, name))
}

#[test]
fn sandbox_jobs() {
    snap!("sandbox_jobs", sandbox_app());
}

#[test]
fn sandbox_jobs_by_status() {
    let mut a = sandbox_app();
    a.command(Command::SortNext);
    a.command(Command::SortNext);
    a.command(Command::SortNext);
    a.flash = None;
    snap!("sandbox_jobs_by_status", a);
}

#[test]
fn sandbox_warnings() {
    let mut a = sandbox_app();
    a.tab = 5;
    snap!("sandbox_warnings", a);
}

#[test]
fn sandbox_job_detail_without_the_timeline() {
    let mut a = open(sandbox_app(), job_detail("indexed", "indexed-job"));
    a.show_timeline = false;
    snap!("sandbox_job_indexed_no_timeline", a);
}

#[test]
fn sandbox_job_failjob() {
    snap!("sandbox_job_failjob", open(sandbox_app(), job_detail("failure-policy", "job-pod-failure-policy-failjob")));
}

#[test]
fn sandbox_job_ignore() {
    snap!("sandbox_job_ignore", open(sandbox_app(), job_detail("failure-policy", "job-pod-failure-policy-ignore")));
}

#[test]
fn sandbox_job_config_issue() {
    snap!(
        "sandbox_job_config_issue",
        open(sandbox_app(), job_detail("failure-policy", "job-pod-failure-policy-config-issue"))
    );
}

/// An Indexed Job retried per index (its own capture: the seed has none):
/// each index's two failed runs on its lane, ending in the exit code.
#[test]
fn sandbox_job_retried_per_index() {
    let (state, now) = testkit::capture::retried_state();
    snap!("sandbox_job_retried", open(crate::test_support::captured_app(state, now), job_detail("retried", "retried")));
}

#[test]
fn sandbox_job_indexed() {
    snap!("sandbox_job_indexed", open(sandbox_app(), job_detail("indexed", "indexed-job")));
}

#[test]
fn sandbox_job_pod_to_pod() {
    snap!("sandbox_job_pod_to_pod", open(sandbox_app(), job_detail("pod-to-pod", "example-job")));
}

#[test]
fn sandbox_job_work_queue() {
    snap!("sandbox_job_wq2", open(sandbox_app(), job_detail("wq-fine", "job-wq-2")));
}

#[test]
fn sandbox_cronjobs() {
    snap!("sandbox_cronjobs", tab(sandbox_app(), 1));
}

#[test]
fn sandbox_cronjob_hello() {
    snap!("sandbox_cronjob_hello", open(tab(sandbox_app(), 1), Route::CronJobDetail(ObjKey::new("cronjob", "hello"))));
}

#[test]
fn sandbox_pods() {
    snap!("sandbox_pods", tab(sandbox_app(), 2));
}

#[test]
fn sandbox_nodes() {
    snap!("sandbox_nodes", tab(sandbox_app(), 3));
}
