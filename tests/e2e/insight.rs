//! What batchtop works out about a run, end to end against the sandbox
//! through `--once -o json`: a Job's ETA against when it really finished, a
//! stalled Job, a pod the scheduler cannot place.

use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use kube::api::{Api, PostParams};
use serde_json::json;
use testkit::sandbox::{DEADLINE, TestNamespace, admin};

use crate::support::{once_json, once_until, report_job};

/// Creates a Job in the test's namespace.
async fn create_job(ns: &TestNamespace, job: serde_json::Value) {
    let client = admin().await.client;
    let job: Job = serde_json::from_value(job).unwrap();
    Api::<Job>::namespaced(client, &ns.name).create(&PostParams::default(), &job).await.expect("create Job");
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

/// Six pods of three seconds, one at a time: once four are done, the ETA
/// says about when the sixth will be, and the Job ends near that time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eta_of_a_fixed_job_comes_true() {
    let ns = TestNamespace::create("insight-eta").await;
    create_job(&ns, sleeper("steady", 6, "3s", &json!({}))).await;
    let args = ["-n", ns.name.as_str()];
    let start = Instant::now();
    let mut predicted: Option<(Instant, Duration)> = None;
    let finished_at = loop {
        let (_, report, _) = once_json(&args);
        let job = report_job(&report, &ns.name, "steady").cloned().unwrap_or_default();
        if job["status"] == "Complete" {
            break Instant::now();
        }
        if predicted.is_none() && job["succeeded"].as_i64() >= Some(4) {
            let eta = job["etaSeconds"].as_i64().unwrap_or_else(|| panic!("an ETA with 4 of 6 done: {job:#}"));
            assert!(job["completionsPerMinute"].as_f64().is_some_and(|r| r > 0.0), "{job:#}");
            predicted = Some((Instant::now(), Duration::from_secs(eta as u64)));
        }
        assert!(start.elapsed() < DEADLINE, "the Job did not finish: {job:#}");
        std::thread::sleep(Duration::from_millis(500));
    };
    let (at, eta) = predicted.expect("the ETA was read while the Job ran");
    let actual = finished_at - at;
    let error = actual.as_secs_f64() - eta.as_secs_f64();
    // kwok starts each pod a second or two after the last: allow for it.
    assert!(error.abs() <= 8.0, "predicted {eta:?}, took {actual:?}");
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
