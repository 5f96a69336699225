//! Flood benchmark (ignored by default; run with `tests/bench/log_flood.sh`):
//! a pod in the sandbox writes 20,000 lines a second while the console's log
//! screen follows it, with keys arriving every 20 ms.
//!
//! The loop is the console runner's: one `select!` over keys and the log
//! `Follower`, folding events into the `App` and drawing at most 10 frames a
//! second (to a test backend). It records, and prints as Markdown for
//! `docs/benchmarks.md`: lines received, key latency (time from a key being
//! sent to the app handling it: how responsive input stays), frame time,
//! buffer size and the process's resident memory. Memory bounds are asserted
//! (the buffer never holds more than its limits); timings are only recorded.
//!
//! Needs `eval "$(tests/sandbox/sandbox env)"`.

use std::time::{Duration, Instant};

use batchtop::console::state::LogView;
use batchtop::console::state::{App, ConnectionState, Route, Shown, Target, View};
use batchtop::console::update::Msg;
use batchtop::ui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use model::logs::buffer::Limits;
use model::logs::request::{LogRequest, LogTarget};
use model::scope::Namespaces;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use source::cluster::connect;
use source::logs::Follower;
use tokio::sync::mpsc;

const NS: &str = "logs";
const RATE: u64 = 20_000;
const SECONDS: u64 = 20;
const MAX_FPS: u64 = 10;

/// Resident memory now and at its peak, from /proc (KiB).
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::test]
#[ignore = "benchmark: run with tests/bench/log_flood.sh"]
async fn log_flood_keeps_memory_bounded_and_input_responsive() {
    let env = testkit::sandbox::env();
    let conn = connect(Some(&env.kubeconfig), Some(&env.context)).await.expect("connect to the sandbox");
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

    let target = Target { context: "sandbox".into(), namespaces: Namespaces::Only(vec![NS.into()]), selector: None };
    let mut app = App::new(target, vec![], chrono::Utc::now());
    app.connection = ConnectionState::Connected;
    let limits = Limits::default();
    app.logs = Some(LogView::new(LogRequest::new(NS, LogTarget::Pod(pod.clone())), limits, vec![]));
    app.details.push(View::new(Route::Logs));
    let mut follower = Follower::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = Theme::default_16();

    // Keys every 20 ms, alternating up and down (pausing and resuming the follow).
    let (key_tx, mut key_rx) = mpsc::unbounded_channel::<(Instant, KeyCode)>();
    let keys = tokio::spawn(async move {
        let mut up = true;
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let code = if up { KeyCode::Char('k') } else { KeyCode::Char('G') };
            up = !up;
            if key_tx.send((Instant::now(), code)).is_err() {
                break;
            }
        }
    });

    let (rss_start, _) = rss_kib();
    let frame_gap = Duration::from_millis(1000 / MAX_FPS);
    let mut last_draw = Instant::now().checked_sub(frame_gap).unwrap();
    let mut dirty = true;
    let mut key_latency: Vec<Duration> = Vec::new();
    let mut frame_times: Vec<Duration> = Vec::new();
    let mut fold_times: Vec<Duration> = Vec::new();
    let mut max_len = 0usize;
    let mut max_bytes = 0usize;
    let mut rss_samples: Vec<u64> = Vec::new();
    let mut last_sample = Instant::now();
    let started = Instant::now();
    let mut first_line: Option<Instant> = None;
    let total = (RATE * SECONDS) as usize;
    let mut received = 0usize;
    let give_up = Instant::now() + Duration::from_secs(SECONDS * 4 + 30);

    loop {
        let want = app.logs.as_ref().map(|v| (v.generation, &v.request));
        follower.sync(Some(client), want);
        if dirty && last_draw.elapsed() >= frame_gap {
            let t = Instant::now();
            let mut shown = Shown::Nothing;
            terminal.draw(|f| shown = batchtop::ui::draw(f, &app, &theme)).unwrap();
            app.update(Msg::Shown(shown));
            frame_times.push(t.elapsed());
            last_draw = Instant::now();
            dirty = false;
        }
        if last_sample.elapsed() >= Duration::from_secs(1) {
            rss_samples.push(rss_kib().0);
            last_sample = Instant::now();
        }
        if received >= total || Instant::now() > give_up {
            break;
        }
        let draw_due = tokio::time::Instant::from_std(last_draw + frame_gap);
        tokio::select! {
            Some((sent, code)) = key_rx.recv() => {
                app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
                key_latency.push(sent.elapsed());
                dirty = true;
            }
            (generation, events) = follower.next() => {
                let t = Instant::now();
                let lines: usize = events.iter().map(|e| match e {
                    model::logs::buffer::LogEvent::Lines { lines, .. } => lines.len(),
                    _ => 0,
                }).sum();
                if lines > 0 && first_line.is_none() {
                    first_line = Some(Instant::now());
                }
                received += lines;
                dirty |= app.update(Msg::Logs { generation, events }).redraw;
                fold_times.push(t.elapsed());
                let buffer = &app.logs.as_ref().unwrap().buffer;
                max_len = max_len.max(buffer.len());
                max_bytes = max_bytes.max(buffer.bytes());
            }
            () = tokio::time::sleep_until(draw_due), if dirty => {}
        }
    }
    keys.abort();
    let elapsed = first_line.map_or(started.elapsed(), |t| t.elapsed());
    let (rss_end, rss_peak) = rss_kib();
    let view = app.logs.as_ref().unwrap();

    // Memory stays under the limit: the buffer never held more than its bounds.
    assert!(max_len <= limits.max_lines, "{max_len} lines held, limit {}", limits.max_lines);
    assert!(max_bytes <= limits.max_bytes, "{max_bytes} bytes held, limit {}", limits.max_bytes);
    assert!(received > limits.max_lines, "the flood ({received} lines) did not exceed the buffer");
    assert!(view.buffer.evicted() > 0);

    key_latency.sort();
    frame_times.sort();
    fold_times.sort();
    let rate = received as f64 / elapsed.as_secs_f64();
    let rss_mid = rss_samples.get(rss_samples.len() / 2).copied().unwrap_or(rss_end);
    format!(
        "| when | {} |\n\
         | flood | {RATE} lines/s asked of the sandbox's logger for {SECONDS} s ({total} lines of ~90 bytes, SGR colour in each) |\n\
         | received | {received} lines in {:.1} s ({:.0} lines/s through API server and kwok) |\n\
         | buffer | limit {} lines / {} MiB; held at most {max_len} lines, {:.1} MiB; {} evicted |\n\
         | key latency (key every 20 ms, {} keys) | p50 {}, p99 {}, max {} |\n\
         | fold one batch of events | p50 {}, p99 {}, max {} ({} batches) |\n\
         | draw a 120x40 frame | p50 {}, p99 {}, max {} ({} frames, at most {MAX_FPS}/s) |\n\
         | resident memory | start {:.1} MiB, mid-flood {:.1} MiB, end {:.1} MiB, peak {:.1} MiB |\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        elapsed.as_secs_f64(),
        rate,
        limits.max_lines,
        limits.max_bytes / (1024 * 1024),
        max_bytes as f64 / (1024.0 * 1024.0),
        view.buffer.evicted(),
        key_latency.len(),
        ms(percentile(&key_latency, 0.5)),
        ms(percentile(&key_latency, 0.99)),
        ms(key_latency.last().copied().unwrap_or_default()),
        ms(percentile(&fold_times, 0.5)),
        ms(percentile(&fold_times, 0.99)),
        ms(fold_times.last().copied().unwrap_or_default()),
        fold_times.len(),
        ms(percentile(&frame_times, 0.5)),
        ms(percentile(&frame_times, 0.99)),
        ms(frame_times.last().copied().unwrap_or_default()),
        frame_times.len(),
        rss_start as f64 / 1024.0,
        rss_mid as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        rss_peak as f64 / 1024.0,
    )
}
