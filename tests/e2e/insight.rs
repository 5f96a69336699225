//! What batchtop works out about a run, end to end against the sandbox
//! through `--once -o json` and the console at 80x24: a Job's ETA against
//! when it really finished, a stalled Job, a pod the scheduler cannot place,
//! the Warnings screen and row marks, pod timelines, a CronJob's missed runs
//! and failing streak.

use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use kube::api::{Api, PostParams};
use serde_json::json;
use testkit::sandbox::{DEADLINE, TestNamespace, admin};

use testkit::pty::Key;

use crate::support::{console, once_json, once_until, report_job};

/// Creates a Job in the test's namespace.
async fn create_job(ns: &TestNamespace, job: serde_json::Value) {
    let client = admin().await.client;
    let job: Job = serde_json::from_value(job).unwrap();
    Api::<Job>::namespaced(client, &ns.name).create(&PostParams::default(), &job).await.expect("create Job");
}

/// A pod template whose one container fails with `exit` a second after it
/// starts (the sandbox's kwok stage for failed containers).
fn failing_pod_template(container: &str, image: &str, exit: i32) -> serde_json::Value {
    json!({
        "metadata": {
            "labels": {"pod-container-running-failed.stage.kwok.x-k8s.io": "true"},
            "annotations": {
                "pod-container-running-failed.stage.kwok.x-k8s.io/container-name": container,
                "pod-container-running-failed.stage.kwok.x-k8s.io/exit-code": exit.to_string(),
                "pod-container-running-failed.stage.kwok.x-k8s.io/delay": "1s"
            }
        },
        "spec": {"restartPolicy": "Never", "containers": [{"name": container, "image": image}]}
    })
}

fn sleeper(name: &str, completions: i32, run: &str, extra: &serde_json::Value) -> serde_json::Value {
    let mut job = json!({
        "metadata": {"name": name},
        "spec": {
            "completions": completions, "parallelism": 1,
            "template": {
                "metadata": {"annotations": {"sandbox.batchtop.dev/run-duration": run}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}
            }
        }
    });
    if let Some(spec) = extra.as_object() {
        for (k, v) in spec {
            job["spec"]["template"]["spec"][k] = v.clone();
        }
    }
    job
}

/// Eight pods of three seconds, one at a time. The ETA is read after each
/// completion from the second on, and the Job's real end judges every
/// reading: each predicts the end within half the time then left (an ETA of
/// zero, or one that ignores the pace, would not), the readings are within a
/// third of it on average, and the last is within a few seconds: the
/// estimate converges on when the Job ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eta_of_a_fixed_job_converges_on_its_end() {
    const PODS: i64 = 8;
    let ns = TestNamespace::create("insight-eta").await;
    create_job(&ns, sleeper("steady", PODS as i32, "3s", &json!({}))).await;
    let args = ["-n", ns.name.as_str()];
    let start = Instant::now();
    // (when read, succeeded then, the ETA read)
    let mut readings: Vec<(Instant, i64, Duration)> = Vec::new();
    let finished_at = loop {
        let (_, report, _) = once_json(&args);
        let read_at = Instant::now();
        let job = report_job(&report, &ns.name, "steady").cloned().unwrap_or_default();
        if job["status"] == "Complete" {
            break read_at;
        }
        let succeeded = job["succeeded"].as_i64().unwrap_or(0);
        let new = readings.last().is_none_or(|(_, done, _)| succeeded > *done);
        if (2..PODS).contains(&succeeded) && new {
            let eta = job["etaSeconds"].as_i64().unwrap_or_else(|| panic!("an ETA with {succeeded} done: {job:#}"));
            assert!(job["completionsPerMinute"].as_f64().is_some_and(|r| r > 0.0), "{job:#}");
            readings.push((read_at, succeeded, Duration::from_secs(eta.max(0) as u64)));
        }
        assert!(start.elapsed() < DEADLINE, "the Job did not finish: {job:#}");
        std::thread::sleep(Duration::from_millis(300));
    };
    // (succeeded, predicted left, actually left, error as a share of what was left)
    let judged: Vec<(i64, f64, f64, f64)> = readings
        .iter()
        .map(|(at, done, eta)| {
            let left = (finished_at - *at).as_secs_f64();
            (*done, eta.as_secs_f64(), left, (eta.as_secs_f64() - left).abs() / left.max(1.0))
        })
        .collect();
    let table = judged
        .iter()
        .map(|(done, eta, left, rel)| {
            format!("{done} done: ETA {eta:.0} s, took {left:.1} s ({:.0} % off)", rel * 100.0)
        })
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("ETA readings:\n{table}");
    assert!(judged.len() >= 3, "too few readings to judge:\n{table}");
    assert!(judged.iter().all(|j| j.3 <= 0.5), "a reading was off by over half the time left:\n{table}");
    let mean = judged.iter().map(|j| j.3).sum::<f64>() / judged.len() as f64;
    assert!(mean <= 0.34, "off by {:.0} % on average:\n{table}", mean * 100.0);
    let (_, eta, left, _) = judged[judged.len() - 1];
    // kwok starts each pod a second or so after the last: allow for it.
    assert!((eta - left).abs() <= 3.0, "the last reading is not within 3 s:\n{table}");
}

/// A Job whose pods never finish is stalled (the config's short threshold),
/// and a pod no node can take shows the scheduler's reason and message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_job_and_an_unschedulable_pod_are_warned_about() {
    let ns = TestNamespace::create("insight-stall").await;
    create_job(&ns, sleeper("forever", 2, "1h", &json!({}))).await;
    create_job(&ns, sleeper("nowhere", 1, "1s", &json!({"nodeSelector": {"batchtop.dev/no-such-node": "true"}}))).await;
    let config = std::env::temp_dir().join(format!("batchtop-insight-{}.toml", std::process::id()));
    std::fs::write(&config, "stall_after = \"5s\"\n").unwrap();
    let path = config.to_string_lossy().to_string();
    let args = ["--config", path.as_str(), "-n", ns.name.as_str()];
    let warned = |r: &serde_json::Value, object: &str, text: &str| {
        r["warnings"].as_array().is_some_and(|ws| {
            ws.iter().any(|w| w["object"] == object && w["message"].as_str().is_some_and(|m| m.contains(text)))
        })
    };
    let (code, report) = once_until(&args, "the stall and the unschedulable pod", |r| {
        warned(r, &format!("Job {}/forever", ns.name), "stalled: no pod has succeeded")
            && r["warnings"].as_array().is_some_and(|ws| {
                ws.iter().any(|w| {
                    w["message"].as_str().is_some_and(|m| m.starts_with("Unschedulable (") && m.contains("node"))
                })
            })
    });
    let _ = std::fs::remove_file(&config);
    assert_eq!(code, 0, "warnings do not fail --once: {report:#}");
}

/// The console at 80x24: the stalled Job is on the Warnings screen (key 6),
/// counted in the status bar and marked on its Jobs row; Enter on the warning
/// opens the Job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_lists_warnings_counts_them_and_marks_their_rows() {
    let ns = TestNamespace::create("insight-warn").await;
    create_job(&ns, sleeper("forever", 2, "1h", &json!({}))).await;
    let config = std::env::temp_dir().join(format!("batchtop-warn-{}.toml", std::process::id()));
    std::fs::write(&config, "stall_after = \"5s\"\n").unwrap();
    let path = config.to_string_lossy().to_string();
    let mut c = console(&["--config", path.as_str(), "-n", ns.name.as_str()]).size(80, 24).spawn();
    c.wait_for("1 warning");
    c.press(&[Key::Char('6')]);
    let screen = c.wait_for("stalled: no pod has");
    assert!(screen.contains(&format!("Job {}/forever", ns.name)), "{screen}");
    c.press(&[Key::Enter]);
    c.wait_for(&format!("Job {}/forever", ns.name));
    c.wait_for("Timeline");
    c.press(&[Key::Esc, Key::Char('1')]);
    c.wait_until("the forever row marked", Duration::from_secs(10), |s| {
        let text = s.text();
        text.lines().find(|l| l.contains("forever")).filter(|l| l.trim_start().starts_with('!')).map(|_| ())
    });
    let _ = std::fs::remove_file(&config);
}

/// Pages down the document on screen until `text` shows.
fn scroll_to(c: &mut testkit::pty::Console, text: &str) -> String {
    for _ in 0..12 {
        if c.text().contains(text) {
            return c.text();
        }
        c.press(&[Key::PageDown]);
        std::thread::sleep(Duration::from_millis(300));
    }
    c.wait_for(text)
}

/// Opens the detail of the Job whose name holds `name` from the Jobs screen.
fn open_job(c: &mut testkit::pty::Console, name: &str) {
    c.wait_for(name);
    c.press(&[Key::Char('/')]);
    c.type_text(name);
    c.press(&[Key::Enter, Key::Enter]);
    c.wait_for("Timeline");
}

/// The seed's failure-policy Job and indexed Job at 80x24: the failed pod's
/// lane ends in its exit code, and each index has a lane of its own.
#[test]
fn timelines_show_failed_pods_with_their_exit_codes_and_one_lane_per_index() {
    let mut c = console(&["-n", "failure-policy"]).size(80, 24).spawn();
    open_job(&mut c, "job-pod-failure-policy-failjob");
    let screen = scroll_to(&mut c, "exit 42");
    assert!(screen.contains('✗'), "a failed run is drawn with ✗:\n{screen}");
    assert!(screen.contains("peak"), "{screen}");
    c.press(&[Key::Char('t')]);
    c.wait_for("Timeline  t: show");

    let mut c = console(&["-n", "indexed"]).size(80, 24).spawn();
    open_job(&mut c, "indexed-job");
    let screen = scroll_to(&mut c, "#4");
    for lane in ["#0", "#1", "#2", "#3", "#4"] {
        assert!(screen.contains(&format!(" {lane} ")), "lane {lane}:\n{screen}");
    }
    assert!(screen.contains('█'), "succeeded runs are drawn with █:\n{screen}");
}

/// An Indexed Job whose pods all fail (exit 3) and may retry each index once
/// (`backoffLimitPerIndex: 1`): at 80x24 its timeline keeps both runs of an
/// index on that index's lane, which ends in the exit code and the run count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indexed_job_retried_per_index_keeps_each_index_runs_on_its_lane() {
    let ns = TestNamespace::create("insight-retry").await;
    create_job(
        &ns,
        json!({
            "metadata": {"name": "retried"},
            "spec": {
                "completions": 3, "parallelism": 3, "completionMode": "Indexed", "backoffLimitPerIndex": 1,
                "template": failing_pod_template("main", "busybox", 3)
            }
        }),
    )
    .await;
    let mut c = console(&["-n", ns.name.as_str()]).size(80, 24).spawn();
    open_job(&mut c, "retried");
    let lanes = ["#0", "#1", "#2"];
    let screen = c.wait_until("every index's lane with its two failed runs", DEADLINE, |s| {
        let text = s.text();
        let retried = |lane: &str| text.lines().any(|l| l.contains(&format!(" {lane} ")) && l.contains("exit 3 ×2"));
        lanes.iter().all(|lane| retried(lane)).then_some(text)
    });
    for lane in lanes {
        let drawn: Vec<&str> = screen.lines().filter(|l| l.contains(&format!(" {lane} ")) && l.contains('✗')).collect();
        assert_eq!(drawn.len(), 1, "index {lane}'s runs on one lane, drawn with ✗:\n{screen}");
    }
    c.key(Key::Char('q'));
}

/// A CronJob suspended over two of its every-minute runs and resumed after
/// their starting deadline (15 s) shows both runs it missed until its next
/// run. (While suspended nothing is missed: not running is what suspending
/// asks for.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cronjob_resumed_after_missed_runs_shows_them() {
    use chrono::Timelike;
    use k8s_openapi::api::batch::v1::CronJob;
    use kube::api::{Patch, PatchParams};
    let ns = TestNamespace::create("insight-missed").await;
    let client = admin().await.client;
    let cronjobs: Api<CronJob> = Api::namespaced(client, &ns.name);
    let cronjob: CronJob = serde_json::from_value(json!({
        "metadata": {"name": "ticker"},
        "spec": {
            "schedule": "* * * * *", "suspend": true, "startingDeadlineSeconds": 15,
            "jobTemplate": {"spec": {"template": {
                "metadata": {"annotations": {"sandbox.batchtop.dev/run-duration": "1s"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}
            }}}
        }
    }))
    .unwrap();
    let created = chrono::Utc::now();
    cronjobs.create(&PostParams::default(), &cronjob).await.expect("create the CronJob");
    // Resume 20-35 s into the second minute after the creation's: the runs
    // of both minutes are past their deadline, and the next one is 25 s or
    // more away.
    let minute = |t: chrono::DateTime<chrono::Utc>| t.timestamp().div_euclid(60);
    let start = Instant::now();
    loop {
        let now = chrono::Utc::now();
        if minute(now) - minute(created) >= 2 && (20..35).contains(&now.second()) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(180), "no resume window");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let resume = Patch::Merge(json!({"spec": {"suspend": false}}));
    cronjobs.patch("ticker", &PatchParams::default(), &resume).await.expect("resume the CronJob");
    let object = format!("CronJob {}/ticker", ns.name);
    let says = |r: &serde_json::Value, text: &str| {
        r["warnings"].as_array().is_some_and(|ws| {
            ws.iter().any(|w| w["object"] == object.as_str() && w["message"].as_str().is_some_and(|m| m.contains(text)))
        })
    };
    let args = ["-n", ns.name.as_str()];
    let (code, report, _) = once_json(&args);
    assert!(says(&report, "missed schedule: 2 run(s) did not start"), "the missed runs at once: {report:#}");
    assert_eq!(code, 0, "warnings do not fail --once: {report:#}");
}

/// `hello` as the seed has it (every minute, the default history limits,
/// which keep one failed Job) but with a Job template that fails: after
/// three scheduled runs, a failing streak, read from the Job left and the
/// controller's events about the ones it deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_with_a_failing_job_template_shows_a_failing_streak() {
    use k8s_openapi::api::batch::v1::CronJob;
    let ns = TestNamespace::create("insight-streak").await;
    let client = admin().await.client;
    let cronjobs: Api<CronJob> = Api::namespaced(client, &ns.name);
    let cronjob: CronJob = serde_json::from_value(json!({
        "metadata": {"name": "hello"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {
            "backoffLimit": 0, "template": failing_pod_template("hello", "busybox:1.28", 3)
        }}}
    }))
    .unwrap();
    cronjobs.create(&PostParams::default(), &cronjob).await.expect("create the CronJob");
    let object = format!("CronJob {}/hello", ns.name);
    // Three runs a minute apart, the first within a minute: well inside 4 minutes.
    let start = Instant::now();
    loop {
        let (code, report, _) = once_json(&["-n", ns.name.as_str()]);
        let streak = report["warnings"].as_array().is_some_and(|ws| {
            ws.iter()
                .any(|w| w["object"] == object.as_str() && w["message"] == "failing streak: the last 3 runs failed")
        });
        if streak {
            assert_eq!(code, 1, "the failed run left is a Failed Job, which fails --once: {report:#}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(240), "no failing streak after 4 minutes: {report:#}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
