//! Fault benchmark (ignored by default; run with `tests/bench/faults.sh`):
//! each scenario of `faults.rs` ten times under one real console, counting
//! recoveries and timing them, printed as Markdown for `docs/benchmarks.md`.
//!
//! `BATCHTOP_BENCH_LOOPS` sets the loops (default 10), and
//! `BATCHTOP_BENCH_RESTART_LOOPS` those of the API server restart, the 410
//! Gone and the etcd restart, which stop a part of the shared sandbox each
//! time (default: the same). The brokers' line faults and restarts are a
//! test of their own (`broker_faults_recover_every_time`).
//! Needs `eval "$(tests/sandbox/sandbox env)"`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use testkit::proxy::Fault;
use testkit::sandbox::{DEADLINE, experiment};

use crate::faults::{
    Recovery, console_through_proxy, delete_namespace, fault_and_heal, namespace_with_jobs, restart_api_server,
    restart_etcd, restart_with_410, watches_ok,
};
use crate::support::console;

fn loops(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `n` tries of `attempt`: the recoveries (a panic is a failed one, and the
/// next try still runs).
fn tries(n: usize, mut attempt: impl FnMut() -> Recovery) -> Vec<Option<Recovery>> {
    (0..n).map(|_| catch_unwind(AssertUnwindSafe(&mut attempt)).ok()).collect()
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// "median / max" of the times of the tries that recovered.
fn spread(mut times: Vec<Duration>) -> String {
    if times.is_empty() {
        return "-".into();
    }
    times.sort();
    format!("{} / {}", seconds(times[times.len() / 2]), seconds(times[times.len() - 1]))
}

fn row(what: &str, noticed_as: &str, results: &[Option<Recovery>]) -> String {
    let ok: Vec<&Recovery> = results.iter().flatten().collect();
    format!(
        "| {what} | {}/{} | {noticed_as}: {} | {} |\n",
        ok.len(),
        results.len(),
        spread(ok.iter().map(|r| r.noticed).collect()),
        spread(ok.iter().map(|r| r.healed).collect()),
    )
}

/// A row whose fault the watches do not (and need not) notice.
fn row_without_noticed(what: &str, noticed: &str, results: &[Option<Recovery>]) -> String {
    let ok: Vec<&Recovery> = results.iter().flatten().collect();
    format!(
        "| {what} | {}/{} | {noticed} | {} |\n",
        ok.len(),
        results.len(),
        spread(ok.iter().map(|r| r.healed).collect())
    )
}

/// How long etcd stays down in each try: past a watch's re-ask (25 s).
const ETCD_DOWN: Duration = Duration::from_secs(30);

#[test]
#[ignore = "benchmark: run with tests/bench/faults.sh"]
fn faults_recover_every_time() {
    let n = loops("BATCHTOP_BENCH_LOOPS", 10);
    let mut report = String::new();

    let ns = "faults-bench-line";
    namespace_with_jobs(ns, &["f-line"]);
    let (proxy, c, watches) = console_through_proxy(ns);
    for (fault, what) in [
        (Fault::Close, "line closed (FIN), proxy"),
        (Fault::Reset, "line reset (RST), proxy"),
        (Fault::Stall, "black hole, proxy"),
    ] {
        let results = tries(n, || fault_and_heal(&c, &proxy, fault, watches));
        report.push_str(&row(what, "every watch stale after", &results));
    }
    drop(c);
    delete_namespace(ns);

    let ns = "faults-bench-restart";
    namespace_with_jobs(ns, &["f-keep"]);
    let _experiment = experiment();
    let c = console(&["-n", ns]).spawn();
    let watches = c.wait_until("every watch ok", DEADLINE, watches_ok);
    let restarts = loops("BATCHTOP_BENCH_RESTART_LOOPS", n);
    let results = tries(restarts, || restart_api_server(&c, ns, watches, &[]));
    report.push_str(&row(
        "API server restart (`sandbox stop kube-apiserver`, `up`)",
        "every watch retrying after",
        &results,
    ));
    let results = tries(restarts, || restart_with_410(&c, watches, || ()));
    report.push_str(&row(
        "410 Gone (etcd compacted while the API server is down)",
        "every watch retrying after",
        &results,
    ));
    let results =
        tries(restarts, || Recovery { noticed: Duration::ZERO, healed: restart_etcd(&c, watches, ETCD_DOWN) });
    report.push_str(&row_without_noticed(
        "etcd restart (`sandbox stop etcd` for 30 s, `up`)",
        "none: the watches stay open from the API server's cache (no write can happen)",
        &results,
    ));
    drop(c);
    delete_namespace(ns);

    println!("{report}");
    if let Ok(path) = std::env::var("BATCHTOP_BENCH_OUT") {
        std::fs::write(&path, &report).expect("write the benchmark report");
    }
}

/// The brokers' scenarios (`queues::broker_faults`): the line to Redis and
/// to RabbitMQ closed, reset and black-holed, and each broker restarted, each
/// `BATCHTOP_BENCH_LOOPS` times under one console.
#[test]
#[ignore = "benchmark: run with tests/bench/faults.sh"]
fn broker_faults_recover_every_time() {
    let n = loops("BATCHTOP_BENCH_LOOPS", 10);
    let report: String = crate::queues::broker_faults(n, true)
        .iter()
        .map(|(what, results)| row(what, "queue row reconnecting after", results))
        .collect();
    println!("{report}");
    if let Ok(path) = std::env::var("BATCHTOP_BENCH_OUT") {
        std::fs::write(&path, &report).expect("write the benchmark report");
    }
}
