//! Every screen and every dialog, built once here: the 80x24 snapshots the
//! other snapshot files do not already take (logs, the context picker, the
//! selector prompt, each kind of confirmation, the action history), and the
//! checks that each of them draws at 60x20, and at any size down to 20x5,
//! without a panic.

use action::{Action, ActionId, Outcome, Step};
use model::ObjKey;
use model::logs::buffer::{LogEvent, ReadLine, StreamId};
use model::logs::request::{LogRequest, LogTarget};
use model::sanitize::sanitize_line;
use proptest::prelude::*;

use super::snapshots::snap;
use crate::console::keys::Command;
use crate::console::state::{App, ConfirmDialog, ContainerChoice, LogCommand, LogView, Popup, Route, View};
use crate::test_support::{allow, render_text, sample_app};

fn showing(route: Route) -> App {
    let mut app = sample_app();
    app.queues = testkit::sample::queues(&app.state.jobs);
    match route {
        Route::Jobs => {}
        Route::CronJobs => app.tab = 1,
        Route::Pods { job: None } => app.tab = 2,
        Route::Nodes => app.tab = 3,
        Route::Queues => app.tab = 4,
        detail => app.details.push(View::new(detail)),
    }
    app
}

fn job(ns: &str, name: &str) -> ObjKey {
    ObjKey::new(ns, name)
}

/// The merged log of a work-queue Job's two pods, one line in colour (ANSI
/// from the worker), one a search match.
pub(super) fn logs_app() -> App {
    let mut app = showing(Route::JobDetail(job("wq-coarse", "job-wq-1")));
    let request = LogRequest::new("wq-coarse", LogTarget::Job { name: "job-wq-1".into(), index: None });
    let containers = vec![ContainerChoice { name: "c".into(), init: false }];
    let mut view = LogView::new(request, app.log_limits, containers);
    let stream = |pod: &str| StreamId { pod: pod.into(), container: "c".into() };
    let lines =
        |texts: &[&str]| texts.iter().map(|t| ReadLine { ts: None, text: sanitize_line(t.as_bytes()) }).collect();
    view.apply(vec![
        LogEvent::Joined { stream: stream("job-wq-1-abcde"), index: None },
        LogEvent::Joined { stream: stream("job-wq-1-fghij"), index: None },
        LogEvent::Lines { stream: stream("job-wq-1-abcde"), lines: lines(&["Processing apple", "Done apple"]) },
        LogEvent::Lines {
            stream: stream("job-wq-1-fghij"),
            lines: lines(&["Processing banana", "\x1b[31mERROR\x1b[0m banana: retry 1/3", "\x1b[32mok\x1b[0m banana"]),
        },
    ]);
    view.buffer.set_search("banana");
    app.logs = Some(view);
    app.details.push(View::new(Route::Logs));
    app
}

/// `action` on `targets` waiting for `y`, allowed by RBAC.
pub(super) fn confirming(mut app: App, id: ActionId, targets: Vec<ObjKey>) -> App {
    let action = Action::new(id, "sandbox", targets);
    allow(&mut app, &action);
    app.popup = Some(Popup::Confirm(Box::new(ConfirmDialog::new(action))));
    app
}

/// The history after a cordon that worked and a delete that failed.
fn history_app() -> App {
    let mut app = sample_app();
    let now = app.now;
    let finished = |app: &mut App, action: Action, target: &str, result: Result<String, String>| {
        let (id, _) = app.actions.start(now, &action);
        let steps = vec![Step { target: target.into(), result }];
        let outcome =
            Outcome { action: action.describe(), context: "sandbox".into(), started: now, finished: now, steps };
        app.actions.history.finish(id, &outcome);
    };
    finished(
        &mut app,
        Action::new(ActionId::CordonNode, "sandbox", vec![job("", "kwok-node-1")]),
        "kwok-node-1",
        Ok("cordoned".into()),
    );
    finished(
        &mut app,
        Action::new(ActionId::DeleteJob, "sandbox", vec![job("indexed", "indexed-job")]),
        "indexed/indexed-job",
        Err("jobs.batch \"indexed-job\" is forbidden: User \"limited\" cannot delete resource".into()),
    );
    app.popup = Some(Popup::History { scroll: 0 });
    app
}

/// The Indexed Job with `backoffLimitPerIndex`: indexes 1 and 4
/// failed (4 pods), 0 and 2 succeeded, 2 running, of 6. Its bar counts the 2
/// failed indexes, so it still reads as a Job making progress.
fn per_index_app() -> App {
    let mut app = sample_app();
    let now = app.now;
    let mut j = model::fixtures::indexed_job("indexed", "per-index", 6);
    j.spec.parallelism = Some(6);
    j.spec.backoff_limit_per_index = Some(1);
    j.status.start_time = Some(now - chrono::Duration::minutes(3));
    (j.status.succeeded, j.status.failed, j.status.active) = (2, 4, 2);
    j.status.completed_indexes = Some("0,2".into());
    j.status.failed_indexes = Some("1,4".into());
    let id = model::WatchId { kind: model::Kind::Job, namespace: None };
    app.state.apply(model::Update::Applied(id, model::Object::Job(j)), now);
    app.details.push(View::new(Route::JobDetail(job("indexed", "per-index"))));
    app
}

fn with_stream(mut app: App) -> App {
    testkit::sample::add_stream(&mut app.queues);
    app
}

fn with_command(mut app: App, command: Command) -> App {
    app.command(command);
    app
}

/// Every screen and dialog, by name.
fn every_screen() -> Vec<(&'static str, App)> {
    let failjob = job("failure-policy", "job-pod-failure-policy-failjob");
    vec![
        ("jobs", showing(Route::Jobs)),
        ("job_detail", showing(Route::JobDetail(job("wq-coarse", "job-wq-1")))),
        ("job_indexed", showing(Route::JobDetail(job("indexed", "indexed-job")))),
        ("job_indexed_per_index", per_index_app()),
        ("job_failure_policy", showing(Route::JobDetail(failjob.clone()))),
        ("cronjobs", showing(Route::CronJobs)),
        ("cronjob_detail", showing(Route::CronJobDetail(job("cronjob", "hello")))),
        ("pods", showing(Route::Pods { job: None })),
        ("pods_of_a_job", showing(Route::Pods { job: Some(failjob.clone()) })),
        ("nodes", showing(Route::Nodes)),
        ("queues", showing(Route::Queues)),
        ("queue_detail", showing(Route::QueueDetail(model::queue::QueueKey::new("redis", "job3")))),
        (
            "queue_stream_detail",
            with_stream(showing(Route::QueueDetail(model::queue::QueueKey::new("redis", "tasks")))),
        ),
        ("logs", logs_app()),
        ("logs_container_picker", with_command(logs_app(), Command::Log(LogCommand::ChooseContainer))),
        ("logs_search_prompt", with_command(logs_app(), Command::Log(LogCommand::Search))),
        ("logs_range_prompt", with_command(logs_app(), Command::Log(LogCommand::Range))),
        ("logs_save_prompt", with_command(logs_app(), Command::Log(LogCommand::Save))),
        ("help", with_command(showing(Route::Jobs), Command::Help)),
        ("filter_prompt", with_command(showing(Route::Jobs), Command::Filter)),
        ("selector_prompt", with_command(showing(Route::Pods { job: None }), Command::Selector)),
        ("context_picker", with_command(showing(Route::Jobs), Command::Context)),
        ("namespace_picker", with_command(showing(Route::Jobs), Command::Namespace)),
        ("confirm_delete_job", confirming(showing(Route::Jobs), ActionId::DeleteJob, vec![failjob.clone()])),
        ("confirm_suspend_job", confirming(showing(Route::Jobs), ActionId::SuspendJob, vec![failjob])),
        (
            "confirm_trigger_cronjob",
            confirming(showing(Route::CronJobs), ActionId::TriggerCronJob, vec![job("cronjob", "hello")]),
        ),
        ("confirm_cordon_node", confirming(showing(Route::Nodes), ActionId::CordonNode, vec![job("", "kwok-node-1")])),
        ("confirm_drain_node", confirming(showing(Route::Nodes), ActionId::DrainNode, vec![job("", "kwok-node-1")])),
        ("action_history", history_app()),
    ]
}

/// The screens and dialogs the other snapshot tests do not already take at
/// 80x24 (the log screen is `logs_at_every_size`).
const NOT_SNAPSHOTTED_ELSEWHERE: &[&str] = &[
    "job_indexed_per_index",
    "logs_container_picker",
    "logs_search_prompt",
    "logs_range_prompt",
    "logs_save_prompt",
    "selector_prompt",
    "context_picker",
    "confirm_suspend_job",
    "confirm_trigger_cronjob",
    "confirm_cordon_node",
    "confirm_drain_node",
    "action_history",
];

#[test]
fn screens_not_snapshotted_elsewhere() {
    for (name, app) in every_screen().into_iter().filter(|(n, _)| NOT_SNAPSHOTTED_ELSEWHERE.contains(n)) {
        let mut app = app;
        insta::assert_snapshot!(format!("{name}_80x24"), render_text(&mut app, 80, 24));
    }
}

#[test]
fn logs_at_every_size() {
    snap!("logs_screen", logs_app());
}

/// The screen at 80x24 with its styles (`testkit::snapshot::styled`): a lost
/// selection or a changed colour fails these, where the text alone would not.
fn styled(mut app: App) -> String {
    testkit::snapshot::styled(&crate::test_support::render(&mut app, 80, 24))
}

#[test]
fn styled_jobs_selection_follows_moves() {
    let mut app = showing(Route::Jobs);
    app.command(Command::Down);
    app.command(Command::Down);
    insta::assert_snapshot!("styled_jobs_third_row_selected_80x24", styled(app));
}

#[test]
fn styled_job_failure_policy() {
    let app = showing(Route::JobDetail(job("failure-policy", "job-pod-failure-policy-failjob")));
    insta::assert_snapshot!("styled_job_failure_policy_80x24", styled(app));
}

#[test]
fn styled_queues() {
    insta::assert_snapshot!("styled_queues_80x24", styled(showing(Route::Queues)));
}

#[test]
fn styled_logs_keep_the_lines_colours() {
    insta::assert_snapshot!("styled_logs_80x24", styled(logs_app()));
}

#[test]
fn styled_confirm_delete() {
    let app = confirming(showing(Route::Jobs), ActionId::DeleteJob, vec![job("wq-coarse", "job-wq-1")]);
    insta::assert_snapshot!("styled_confirm_delete_job_80x24", styled(app));
}

/// The header's first word and the status bar's context are drawn, whatever the size.
fn drawn_whole(text: &str, width: u16) -> bool {
    let rows: Vec<&str> = text.lines().collect();
    let first = rows.first().map_or("", |r| r.trim_start_matches('"'));
    let expected = &"batchtop"[..usize::from(width).min(8)];
    first.starts_with(expected)
}

#[test]
fn every_screen_and_dialog_draws_at_60x20() {
    for (name, mut app) in every_screen() {
        let text = render_text(&mut app, 60, 20);
        assert!(drawn_whole(&text, 60), "{name} at 60x20:\n{text}");
        assert_eq!(text.lines().count(), 20, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_screen_and_dialog_draws_at_any_size_down_to_20x5(
        width in 20..=160u16, height in 5..=50u16, pick in 0..64usize,
    ) {
        let mut screens = every_screen();
        let count = screens.len();
        let (name, app) = &mut screens[pick % count];
        let text = render_text(app, width, height);
        prop_assert!(drawn_whole(&text, width), "{name} at {width}x{height}:\n{text}");
    }
}

/// The Pods screen at 120 columns: pods of `batch-nightly-reindex-<n>`
/// Jobs on `scale-node-<n>` nodes read `scale-n…` and `batch…-090` while
/// STATUS had 24 cells for `Running`. Widths now follow the content.
#[test]
fn pods_at_120_columns_show_node_and_job_names_whole() {
    use model::fixtures::{job_pod, running};
    let mut app = sample_app();
    let now = app.now;
    let id = model::WatchId { kind: model::Kind::Pod, namespace: None };
    for n in [88, 89, 90] {
        let j = model::fixtures::job("scale", &format!("batch-nightly-reindex-{n:03}"));
        let mut p = job_pod(&j, "x7k2p", "Running", running());
        p.node = Some(format!("scale-node-{n:03}"));
        app.state.apply(model::Update::Applied(id.clone(), model::Object::Pod(p)), now);
    }
    app.tab = 2;
    app.tabs[2].filter = "scale".into();
    let text = render_text(&mut app, 120, 12);
    for n in [88, 89, 90] {
        let row =
            text.lines().find(|l| l.contains(&format!("reindex-{n:03}-x7k2p"))).unwrap_or_else(|| panic!("{text}"));
        assert!(row.contains(&format!("scale-node-{n:03}")), "node whole: {row}");
        // The JOB column (the pod name already starts with it) goes last, but
        // keeps its distinguishing end: pod name, Job and node each show the number.
        assert_eq!(row.matches(&format!("{n:03}")).count(), 3, "{row}");
    }
    let header = text.lines().nth(2).unwrap_or_default();
    let status_width = header.find("RESTARTS").zip(header.find("STATUS")).map(|(r, s)| r - s);
    // "Running" is the widest status: its cells and the gap after the column.
    assert_eq!(status_width, Some("Running".len() + 1), "STATUS as wide as its words: {header}");
}

/// The Queues screen at 80x24 read `holdo… hq` and `stuck…`: every
/// queue's name and source are whole and its health word is never cut.
#[test]
fn queues_at_80_columns_show_names_and_health_words_whole() {
    let mut app = showing(Route::Queues);
    // A queue with a long name beside the sample's (a poll reports all of a source's queues).
    let at = app.now;
    let mut readings: Vec<_> =
        app.queues.by_key.values().filter(|q| q.key.source == "rabbitmq").map(|q| q.reading.clone()).collect();
    readings.push(model::queue::QueueReading {
        ready: Some(3),
        ..model::queue::QueueReading::with_status("holdout-hq-priority", model::queue::QueueStatus::Ok)
    });
    app.queues.apply(model::queue::QueueUpdate::Polled {
        source: "rabbitmq".into(),
        at,
        readings,
        management_error: None,
    });
    testkit::sample::add_stream(&mut app.queues);
    testkit::sample::add_tasks(&mut app.queues);
    testkit::sample::add_rabbit_kinds(&mut app.queues);
    let text = render_text(&mut app, 80, 24);
    let queues: Vec<_> = app.queues.by_key.values().collect();
    assert!(queues.len() >= 13, "every kind: {text}");
    for q in queues {
        let word = q.health(app.queues.source_of(&q.key)).short_word();
        let row = text
            .lines()
            .find(|l| l.contains(&format!(" {} ", q.key.name)) && l.contains(&q.key.source))
            .unwrap_or_else(|| panic!("{} whole in:\n{text}", q.key));
        assert!(row.trim_end_matches(['"', ' ']).contains(word), "{word} whole: {row}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// No password reaches the screen, whatever it holds: a broker's errors (a
    /// failed poll, the management API) carrying URLs with credentials, drawn on
    /// the Queues screen (rows and status bar) and the queue's detail, at any size.
    #[test]
    fn no_password_in_a_broker_error_reaches_the_queues_screens(
        tail in "[ -~]{0,16}", width in 20..=160u16, height in 5..=40u16, failed in any::<bool>(),
    ) {
        // The marker starts every password, so a cut-off piece of one is caught too.
        let password = format!("Zq9{tail}");
        let url = format!("amqp://guest:{password}@rabbitmq-service:5672/%2f");
        let mut app = showing(Route::Queues);
        let source = app.queues.sources.keys().next().cloned().expect("the sample has sources");
        let update = if failed {
            model::queue::QueueUpdate::Failed {
                source: source.clone(),
                at: app.now,
                error: format!("connecting to {url}: connection refused"),
            }
        } else {
            model::queue::QueueUpdate::Polled {
                source: source.clone(),
                at: app.now,
                readings: app.queues.by_key.values().filter(|q| q.key.source == source).map(|q| q.reading.clone()).collect(),
                management_error: Some(format!("management API http://guest:{password}@127.0.0.1:15672: refused")),
            }
        };
        app.queues.apply(update);
        let list = render_text(&mut app, width, height);
        prop_assert!(!list.contains("Zq9"), "Queues at {width}x{height}:\n{list}");
        if let Some(key) = app.queues.by_key.keys().find(|k| k.source == source).cloned() {
            app.details.push(View::new(Route::QueueDetail(key)));
            let detail = render_text(&mut app, width, height);
            prop_assert!(!detail.contains("Zq9"), "detail at {width}x{height}:\n{detail}");
        }
    }
}
