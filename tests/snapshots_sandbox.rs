//! Snapshot tests of the console's screens fed with objects captured from the
//! sandbox (`tests/fixtures/sandbox.json`, made by `tests/fixtures/capture.sh`),
//! projected by the same code the watches use, rendered with ratatui's
//! TestBackend at the capture time so ages and countdowns are stable.
//! Review changes by reading `tests/snapshots/*.snap`.

use std::path::Path;

use batchtop::app::{App, Connection, Screen, Target, View};
use batchtop::model::ObjKey;
use batchtop::source::kube::Namespaces;
use batchtop::source::kube::fixtures;
use batchtop::ui;
use batchtop::ui::keys::Action;
use batchtop::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn app() -> App {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sandbox.json");
    let (state, now) =
        fixtures::load_state(&path).expect("tests/fixtures/sandbox.json (run tests/fixtures/capture.sh)");
    let target = Target { context: "sandbox".into(), namespaces: Namespaces::All, selector: None };
    let mut app = App::new(target, vec!["sandbox".into(), "sandbox-limited".into()], Theme::default_16(), now);
    app.state = state;
    app.connection = Connection::Connected;
    app
}

fn render(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    terminal
}

macro_rules! snap {
    ($name:literal, $app:expr) => {{
        let mut app = $app;
        insta::assert_snapshot!(concat!($name, "_80x24"), render(&mut app, 80, 24).backend());
        insta::assert_snapshot!(concat!($name, "_140x40"), render(&mut app, 140, 40).backend());
    }};
}

fn tab(mut app: App, tab: usize) -> App {
    app.tab = tab;
    app
}

fn open(mut app: App, screen: Screen) -> App {
    app.details.push(View::new(screen));
    app
}

fn job(ns: &str, name: &str) -> Screen {
    Screen::JobDetail(ObjKey::new(ns, name))
}

#[test]
fn jobs() {
    snap!("sandbox_jobs", app());
}

#[test]
fn jobs_by_status() {
    let mut a = app();
    a.action(Action::SortNext);
    a.action(Action::SortNext);
    a.action(Action::SortNext);
    a.flash = None;
    snap!("sandbox_jobs_by_status", a);
}

#[test]
fn job_failjob() {
    snap!("sandbox_job_failjob", open(app(), job("failure-policy", "job-pod-failure-policy-failjob")));
}

#[test]
fn job_ignore() {
    snap!("sandbox_job_ignore", open(app(), job("failure-policy", "job-pod-failure-policy-ignore")));
}

#[test]
fn job_config_issue() {
    snap!("sandbox_job_config_issue", open(app(), job("failure-policy", "job-pod-failure-policy-config-issue")));
}

#[test]
fn job_indexed() {
    snap!("sandbox_job_indexed", open(app(), job("indexed", "indexed-job")));
}

#[test]
fn job_pod_to_pod() {
    snap!("sandbox_job_pod_to_pod", open(app(), job("pod-to-pod", "example-job")));
}

#[test]
fn job_work_queue() {
    snap!("sandbox_job_wq2", open(app(), job("wq-fine", "job-wq-2")));
}

#[test]
fn cronjobs() {
    snap!("sandbox_cronjobs", tab(app(), 1));
}

#[test]
fn cronjob_hello() {
    snap!("sandbox_cronjob_hello", open(tab(app(), 1), Screen::CronJobDetail(ObjKey::new("cronjob", "hello"))));
}

#[test]
fn pods() {
    snap!("sandbox_pods", tab(app(), 2));
}

#[test]
fn nodes() {
    snap!("sandbox_nodes", tab(app(), 3));
}
