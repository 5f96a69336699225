//! The repeatable half of the scale benchmark (issue 15): the work of folding
//! the initial list of 2,000 Jobs and 10,000 pods into the state, and of drawing
//! one 120x40 Jobs frame of it (the frame of a tick: nothing changed but the
//! time; and the frame after one Job changed), each in a function of its own
//! so callgrind counts its instructions alone (`tests/bench/scale.sh`:
//! `valgrind --tool=callgrind --toggle-collect=*scale_bench::fold_list*`).
//! Ignored: they measure, they check nothing beyond what they built.

use model::JobInfo;
use model::fixtures::{self, running};
use model::{Kind, Object, State, Update, WatchId};

use crate::console::update::Msg;
use crate::test_support::{render, sample_app};

const JOBS: usize = 2_000;
const PODS_PER_JOB: usize = 5;
const NAMESPACES: usize = 20;
const CRONJOBS: usize = 200;

fn scale_job(i: usize) -> JobInfo {
    let mut job = fixtures::job(&format!("scale-{:02}", i % NAMESPACES), &format!("fixed-{i:04}"));
    job.spec.completions = Some(5);
    job.spec.parallelism = Some(5);
    job.status.active = 5;
    job.status.ready = Some(5);
    job.status.start_time = Some(fixtures::t0());
    job
}

/// The updates the watches send for the initial lists, in the order they arrive.
fn initial_lists() -> Vec<Update> {
    let watch = |kind| WatchId { kind, namespace: None };
    let mut updates = Vec::new();
    let jobs: Vec<JobInfo> = (0..JOBS).map(scale_job).collect();
    updates.push(Update::ListStarted(watch(Kind::Job)));
    updates.extend(jobs.iter().map(|j| Update::Applied(watch(Kind::Job), Object::Job(j.clone()))));
    updates.push(Update::ListDone(watch(Kind::Job)));
    updates.push(Update::ListStarted(watch(Kind::Pod)));
    for (i, job) in jobs.iter().enumerate() {
        for p in 0..PODS_PER_JOB {
            let mut pod = fixtures::job_pod(job, &format!("{p}-x{i:05}"), "Running", running());
            pod.node = Some(format!("kwok-scale-{}", (i * PODS_PER_JOB + p) % 100));
            updates.push(Update::Applied(watch(Kind::Pod), Object::Pod(pod)));
        }
    }
    updates.push(Update::ListDone(watch(Kind::Pod)));
    updates.push(Update::ListStarted(watch(Kind::CronJob)));
    for i in 0..CRONJOBS {
        let cj = fixtures::cronjob(&format!("scale-{:02}", i % NAMESPACES), &format!("cron-{i:03}"), "0 * * * *");
        updates.push(Update::Applied(watch(Kind::CronJob), Object::CronJob(cj)));
    }
    updates.push(Update::ListDone(watch(Kind::CronJob)));
    updates
}

/// What callgrind counts for the fold: every update applied, nothing else.
#[inline(never)]
fn fold_list(state: &mut State, updates: Vec<Update>) {
    for update in updates {
        state.apply(update, fixtures::t0());
    }
}

#[test]
#[ignore = "benchmark: run under callgrind by tests/bench/scale.sh"]
fn fold_the_scale_list() {
    let updates = initial_lists();
    let mut state = State::default();
    fold_list(&mut state, updates);
    assert_eq!(state.pods.len(), JOBS * PODS_PER_JOB);
}

/// What callgrind counts for a frame: one draw of the Jobs view, with what
/// the runner derives before it (the label groups, when the Jobs changed).
#[inline(never)]
fn draw_jobs_frame(app: &mut crate::console::state::App) -> String {
    app.refresh_groups();
    render(app, 120, 40).to_string()
}

/// The console showing the scale state's Jobs, after the first frame (which
/// settles what the runner keeps between frames) and one tick.
fn settled_scale_app() -> crate::console::state::App {
    let mut app = sample_app();
    let mut state = State::default();
    fold_list(&mut state, initial_lists());
    app.state = state;
    // Not through draw_jobs_frame: callgrind counts every call of it.
    app.refresh_groups();
    render(&mut app, 120, 40);
    let next_second = app.now + chrono::Duration::seconds(1);
    app.update(Msg::Tick(next_second));
    app
}

#[test]
#[ignore = "benchmark: run under callgrind by tests/bench/scale.sh"]
fn draw_a_scale_jobs_frame() {
    let mut app = settled_scale_app();
    let text = draw_jobs_frame(&mut app);
    assert!(text.contains("Jobs [2000]"), "{text}");
}

#[test]
#[ignore = "benchmark: run under callgrind by tests/bench/scale.sh"]
fn draw_a_scale_jobs_frame_after_a_change() {
    let mut app = settled_scale_app();
    let mut job = scale_job(7);
    job.status.succeeded = 1;
    job.status.active = 4;
    let watch = WatchId { kind: Kind::Job, namespace: None };
    app.update(Msg::Kube(vec![Update::Applied(watch, Object::Job(job))]));
    let text = draw_jobs_frame(&mut app);
    assert!(text.contains("Jobs [2000]"), "{text}");
}

/// What callgrind counts for the warnings: one derivation over the scale
/// state, as the console does at most once a tick after a change and every
/// `Warnings::REFRESH` while nothing changes.
#[inline(never)]
fn derive_warnings(app: &mut crate::console::state::App) -> usize {
    app.refresh_warnings();
    app.warnings.list.len()
}

#[test]
#[ignore = "benchmark: run under callgrind by tests/bench/scale.sh"]
fn derive_the_scale_warnings() {
    let mut app = settled_scale_app();
    // As after a change of the state (the settling tick derived them once already).
    app.warnings.stale = true;
    derive_warnings(&mut app);
    assert_eq!(app.warnings.at, Some(app.now));
}
