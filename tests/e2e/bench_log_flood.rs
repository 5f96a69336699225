//! Flood benchmark (ignored by default; run with `tests/bench/log_flood.sh`):
//! a pod in the sandbox writes 20,000 lines a second while the real console,
//! in a 120x40 pseudo-terminal, follows it on its log screen, with a key
//! every 20 ms.
//!
//! It records, and prints as Markdown for `docs/benchmarks.md`: lines
//! received (the log title's kept + dropped), key latency (from a key sent
//! to the screen showing its effect: pausing and resuming the follow), the
//! bytes written to the terminal (what a slow ssh link has to carry), and
//! the batchtop process's resident memory. The buffer bound is asserted from
//! what the title says; timings are only recorded.
//!
//! Needs `eval "$(tests/sandbox/sandbox env)"`.

use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use serde_json::json;
use testkit::pty::{Console, Key, Screen};
use testkit::sandbox::admin;

use crate::support::console;

const NS: &str = "logs";
const RATE: u64 = 20_000;
const SECONDS: u64 = 20;
/// The console's default line limit (`--log-lines`).
const MAX_LINES: u64 = 10_000;

/// Resident memory of process `pid` now and at its peak, from /proc (KiB).
pub(crate) fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::test]
#[ignore = "benchmark: run with tests/bench/log_flood.sh"]
async fn log_flood_keeps_memory_bounded_and_input_responsive() {
    let conn = admin().await;
    let jobs: Api<Job> = Api::namespaced(conn.client.clone(), NS);
    let name = format!("flood-{}", std::process::id());
    let job: Job = serde_json::from_value(json!({
        "metadata": { "name": name },
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {
                    "labels": { "sandbox.batchtop.dev/worker": "logger" },
                    "annotations": {
                        "sandbox.batchtop.dev/run-duration": "10m",
                        "sandbox.batchtop.dev/log-rate": RATE.to_string(),
                        "sandbox.batchtop.dev/log-lines": (RATE * SECONDS).to_string(),
                        "sandbox.batchtop.dev/log-text": "flood line {n}: the quick brown fox jumps over the lazy dog \u{1b}[32mok\u{1b}[0m",
                    }
                },
                "spec": { "restartPolicy": "Never", "containers": [{ "name": "main", "image": "busybox" }] }
            }
        }
    }))
    .unwrap();
    jobs.create(&PostParams::default(), &job).await.expect("create the flood Job");
    let result = run(&conn.client, &name).await;
    let _ = jobs.delete(&name, &DeleteParams::background()).await;
    let report = result;
    println!("{report}");
    if let Ok(path) = std::env::var("BATCHTOP_BENCH_OUT") {
        std::fs::write(&path, &report).expect("write the benchmark report");
    }
}

/// Lines kept and dropped, from the log title (`10000 lines · 123 older dropped`).
fn kept_and_dropped(s: &Screen) -> Option<(u64, u64)> {
    let title = s.row(1);
    let kept = title.split(" lines").next()?.rsplit(' ').next()?.replace(',', "").parse().ok()?;
    let dropped = title.split(" older dropped").next().and_then(|t| t.rsplit(' ').next()?.parse().ok()).unwrap_or(0);
    Some((kept, dropped))
}

fn following(s: &Screen) -> bool {
    s.row(1).contains("● following")
}

/// Sends `key` and waits until the follow state is `want`; returns how long the screen took.
fn key_round_trip(c: &mut Console, key: Key, want: bool) -> Duration {
    let sent = Instant::now();
    c.key(key);
    c.wait_until("the key's effect", Duration::from_secs(10), |s| (following(s) == want).then_some(()));
    sent.elapsed()
}

// The benchmark's one run, step by step: splitting it would scatter the measurement.
#[allow(clippy::too_many_lines)]
async fn run(client: &kube::Client, job: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    let deadline = Instant::now() + testkit::sandbox::DEADLINE;
    let pod = loop {
        let list =
            pods.list(&ListParams::default().labels(&format!("batch.kubernetes.io/job-name={job}"))).await.unwrap();
        let running = list.items.iter().find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"));
        if let Some(p) = running {
            break p.metadata.name.clone().unwrap();
        }
        assert!(Instant::now() < deadline, "the flood pod did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let mut c = console(&["-n", NS]).size(120, 40).spawn();
    let pid = c.pid();
    c.wait_for("watches");
    c.press(&[Key::Char('3'), Key::Char('/')]);
    c.type_text(&pod);
    c.press(&[Key::Enter]);
    c.wait_until("the flood pod's row", Duration::from_secs(60), |s| {
        let (_, rows) = s.size();
        (2..rows).find(|r| s.row(*r).starts_with(&pod))
    });
    let (rss_start, _) = rss_kib(pid);
    let bytes_start = c.bytes_written();
    c.press(&[Key::Char('l')]);
    let started = Instant::now();
    c.wait_until("the first flood line", Duration::from_secs(60), |s| s.contains("flood line").then_some(()));
    let first_line = Instant::now();

    let total = RATE * SECONDS;
    let give_up = Instant::now() + Duration::from_secs(SECONDS * 4 + 30);
    let mut key_latency: Vec<Duration> = Vec::new();
    let mut rss_samples: Vec<u64> = Vec::new();
    let mut last_sample = Instant::now();
    let mut max_kept = 0;
    let mut received = 0;
    // Up pauses the follow, G resumes it: each key's effect is visible in the title.
    let mut up = true;
    while received < total && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(20));
        let key = if up { Key::Char('k') } else { Key::Char('G') };
        key_latency.push(key_round_trip(&mut c, key, !up));
        up = !up;
        if let Some((kept, dropped)) = c.with_screen(kept_and_dropped) {
            max_kept = max_kept.max(kept);
            received = kept + dropped;
        }
        if last_sample.elapsed() >= Duration::from_secs(1) {
            rss_samples.push(rss_kib(pid).0);
            last_sample = Instant::now();
        }
    }
    let elapsed = first_line.elapsed();
    let (rss_end, rss_peak) = rss_kib(pid);
    let bytes = c.bytes_written() - bytes_start;
    let open_time = first_line - started;
    drop(c);

    // Memory stays under the limit: the buffer never held more than its bound.
    assert!(max_kept <= MAX_LINES, "{max_kept} lines held, limit {MAX_LINES}");
    assert!(received > MAX_LINES, "the flood ({received} lines) did not exceed the buffer");

    key_latency.sort();
    let rate = received as f64 / elapsed.as_secs_f64();
    let rss_mid = rss_samples.get(rss_samples.len() / 2).copied().unwrap_or(rss_end);
    format!(
        "| when | {} |\n\
         | flood | {RATE} lines/s asked of the sandbox's logger for {SECONDS} s ({total} lines of ~90 bytes, SGR colour in each) |\n\
         | console | the real binary in a 120x40 pseudo-terminal, following the pod's log (opened in {}) |\n\
         | received | {received} lines in {:.1} s ({:.0} lines/s through API server and kwok) |\n\
         | buffer | limit {MAX_LINES} lines; the title said at most {max_kept} held |\n\
         | key to screen (k / G alternating, 20 ms apart, {} keys) | p50 {}, p99 {}, max {} |\n\
         | written to the terminal | {:.1} MiB in all, {:.0} KiB/s |\n\
         | resident memory of batchtop | start {:.1} MiB, mid-flood {:.1} MiB, end {:.1} MiB, peak {:.1} MiB |\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        ms(open_time),
        elapsed.as_secs_f64(),
        rate,
        key_latency.len(),
        ms(percentile(&key_latency, 0.5)),
        ms(percentile(&key_latency, 0.99)),
        ms(key_latency.last().copied().unwrap_or_default()),
        bytes as f64 / (1024.0 * 1024.0),
        bytes as f64 / 1024.0 / elapsed.as_secs_f64(),
        rss_start as f64 / 1024.0,
        rss_mid as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        rss_peak as f64 / 1024.0,
    )
}
