//! End to end: logs against the sandbox, whose kwok nodes serve real log
//! streams (the worker simulator writes CRI log files; kwok's kubelet API
//! serves them through the real API server).
//!
//! - `batchtop logs` (the built binary): indexed-job index 3 says `xuq`, its
//!   init container can be chosen, job-wq-1's merged view has all 8 pods
//!   prefixed, the pod on the node with a pending kubelet-serving CSR gets the
//!   explanation, RBAC refusals are explained, hostile lines print harmlessly.
//! - The log source as the console uses it (`source::logs`): following a pod
//!   shows lines appended after opening.
//! - The real console in a pseudo-terminal: index 3's log, its init
//!   container chosen, the bad-TLS explanation, following the ticker.
//!
//! Scenarios used: indexed, wq-coarse, logs (tests/sandbox/scenarios/logs).
//! Needs `eval "$(tests/sandbox/sandbox env)"` (fails with that message otherwise).

use std::collections::BTreeSet;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::{batchtop, console};
use model::logs::buffer::{LogEvent, StreamStatus};
use model::logs::explain::LogProblem;
use model::logs::request::{LogRequest, LogTarget};
use source::logs;
use testkit::pty::{Console, Key};
use testkit::sandbox::{DEADLINE, admin, env, kubectl_json};

const LOGS_NS: &str = "logs";

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Runs `batchtop logs ARGS` until `ready(stdout)` holds (the scenario may
/// still be running), or panics at the deadline with the last output.
fn logs_until(args: &[&str], what: &str, ready: impl Fn(&Output) -> bool) -> Output {
    let mut all = vec!["logs"];
    all.extend_from_slice(args);
    let start = Instant::now();
    loop {
        let out = batchtop(&all);
        if ready(&out) {
            return out;
        }
        assert!(
            start.elapsed() <= DEADLINE,
            "{what}: not seen within {DEADLINE:?}; last exit {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            stdout(&out),
            stderr(&out)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The names of a Job's pods, from kubectl.
fn pods_of_job(namespace: &str, job: &str) -> Vec<(String, String)> {
    let list = kubectl_json(&["get", "pods", "-n", namespace, "-l", &format!("batch.kubernetes.io/job-name={job}")]);
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let name = p["metadata"]["name"].as_str().unwrap_or_default().to_string();
            let phase = p["status"]["phase"].as_str().unwrap_or_default().to_string();
            (name, phase)
        })
        .collect()
}

/// The running pod of one of the logs scenario's Jobs.
pub fn running_pod_of(job: &str) -> String {
    let start = Instant::now();
    loop {
        if let Some((name, _)) = pods_of_job(LOGS_NS, job).into_iter().find(|(_, phase)| phase == "Running") {
            return name;
        }
        assert!(start.elapsed() < DEADLINE, "no running pod of Job {LOGS_NS}/{job} within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The number of the ticker's last line so far, read with kubectl.
fn kubectl_logs_last_tick(pod: &str) -> u64 {
    let out = std::process::Command::new(testkit::sandbox::repo_root().join("tests/sandbox/sandbox"))
        .args(["kubectl", "logs", "-n", LOGS_NS, pod, "--tail", "1"])
        .output()
        .expect("running kubectl logs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().strip_prefix("tick ").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("kubectl logs: {text:?}"))
}

#[test]
fn cli_index_3_of_indexed_job_says_xuq() {
    let out = logs_until(&["indexed-job", "-n", "indexed", "--index", "3"], "index 3's worker log", |o| {
        o.status.success() && stdout(o).contains("xuq")
    });
    assert_eq!(stdout(&out), "#3 xuq\n", "stderr: {}", stderr(&out));
}

#[test]
fn cli_init_container_of_index_3() {
    let out =
        logs_until(&["job/indexed-job", "-n", "indexed", "--index", "3", "-c", "input"], "init container log", |o| {
            o.status.success() && !stdout(o).is_empty()
        });
    assert_eq!(stdout(&out), "#3 wrote qux to /input/data.txt\n");
}

#[test]
fn cli_unknown_container_lists_the_choices() {
    let out = batchtop(&["logs", "indexed-job", "-n", "indexed", "--index", "3", "-c", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("has no container nope"), "{err}");
    assert!(err.contains("containers: worker; init containers: input"), "{err}");
}

#[test]
fn cli_merged_view_of_job_wq_1_has_all_8_pods_prefixed() {
    // Every pod of job-wq-1 takes one message and logs it; wait for all 8.
    let out = logs_until(&["job-wq-1", "-n", "wq-coarse"], "8 pods of job-wq-1", |o| {
        o.status.success()
            && stdout(o).lines().map(|l| l.split(' ').next().unwrap_or("")).collect::<BTreeSet<_>>().len() >= 8
    });
    let pods: BTreeSet<String> = pods_of_job("wq-coarse", "job-wq-1").into_iter().map(|(n, _)| n).collect();
    let text = stdout(&out);
    let mut prefixes = BTreeSet::new();
    for line in text.lines() {
        let (prefix, message) = line.split_once(' ').unwrap_or_else(|| panic!("line without prefix: {line:?}"));
        assert!(pods.contains(prefix), "prefix {prefix:?} is not a pod of job-wq-1 ({pods:?})");
        assert!(!message.trim().is_empty(), "{line:?}");
        prefixes.insert(prefix.to_string());
    }
    assert_eq!(prefixes.len(), 8, "lines of 8 pods expected:\n{text}");
}

#[test]
fn cli_follow_of_a_finished_job_ends_by_itself() {
    // Streams end cleanly when pods finish: following a completed Job returns.
    logs_until(&["job-wq-1", "-n", "wq-coarse"], "job-wq-1 complete", |_| {
        testkit::sandbox::job_condition_true("wq-coarse", "job-wq-1", "Complete")
    });
    let out = batchtop(&["logs", "job-wq-1", "-n", "wq-coarse", "-f"]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    let prefixes: BTreeSet<&str> = text.lines().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(prefixes.len(), 8, "{text}");
}

#[test]
fn cli_pod_on_node_with_pending_csr_is_explained() {
    // The Job (its pods merged), and its pod followed: a follower of a Job
    // keeps waiting for new pods while the Job runs, one of a pod ends.
    let pod = format!("pod/{}", running_pod_of("csr-pending"));
    for args in [vec!["logs", "csr-pending", "-n", LOGS_NS], vec!["logs", &pod, "-n", LOGS_NS, "-f"]] {
        let out = batchtop(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("the kubelet on node kwok-node-csr-pending refuses TLS connections"), "{err}");
        assert!(err.contains("kubelet-serving certificate signing request (CSR) is pending"), "{err}");
        assert!(err.contains("`kubectl get csr`"), "{err}");
        assert!(err.contains("remote error: tls: internal error"), "the raw error stays for reference: {err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn cli_rbac_refusal_is_explained() {
    let limited = env().limited_context.clone();
    let out = batchtop(&["logs", "job-wq-1", "-n", "wq-coarse", "--context", &limited]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("not allowed to read Job job-wq-1 in namespace wq-coarse: RBAC forbids it"), "{err}");
}

#[test]
fn cli_missing_target_is_one_clear_line() {
    let out = batchtop(&["logs", "no-such-thing", "-n", "indexed"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("batchtop: no Job or Pod named no-such-thing in namespace indexed"));
    let out = batchtop(&["logs", "pod/indexed-job", "-n", "indexed", "--index", "1"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn cli_target_in_another_namespace_says_where_it_is() {
    // The sandbox context sets no namespace: `default`, as kubectl would.
    let out = batchtop(&["logs", "indexed-job"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "batchtop: job indexed-job not found in namespace default; found in namespace indexed: add -n indexed\n"
    );
    assert!(stdout(&out).is_empty());
    let pod = pods_of_job("indexed", "indexed-job").into_iter().next().expect("a pod of indexed-job").0;
    let out = batchtop(&["logs", &format!("pod/{pod}"), "-n", "wq-fine"]);
    assert_eq!(
        stderr(&out),
        format!("batchtop: pod {pod} not found in namespace wq-fine; found in namespace indexed: add -n indexed\n")
    );
    // The limited user may not list Jobs across namespaces: the lookup is
    // refused, and the message is the one without it (naming no other namespace).
    let limited = env().limited_context.clone();
    let out = batchtop(&["logs", "job-wq-2", "--context", &limited]);
    assert_eq!(out.status.code(), Some(1));
    let limited_ns = env().limited_namespace.clone();
    assert!(
        stderr(&out).starts_with(&format!("batchtop: no Job or Pod named job-wq-2 in namespace {limited_ns}\n")),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("wq-fine"), "{}", stderr(&out));
}

#[test]
fn cli_hostile_lines_print_harmlessly() {
    running_pod_of("hostile");
    let out = logs_until(&["hostile", "-n", LOGS_NS, "--tail", "3"], "hostile lines", |o| {
        o.status.success() && stdout(o).lines().count() >= 1
    });
    let text = stdout(&out);
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "control characters in {text:?}");
    for line in text.lines() {
        // Prefix (pod name), then what is left of the line: its printable text only.
        let (_, rest) = line.split_once(' ').unwrap();
        assert!(rest.starts_with("hostile "), "{line:?}");
        assert!(rest.ends_with(": moved link bell back crend red green"), "{line:?}");
    }
}

/// Collects a session's events until `done` says so, or panics at the deadline.
// The only error of `timeout_at` is `Elapsed`: the deadline passed.
#[allow(clippy::match_wild_err_arm)]
async fn events_until(
    session: &mut logs::LogSession,
    what: &str,
    mut done: impl FnMut(&LogEvent) -> bool,
) -> Vec<LogEvent> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, session.next_batch(256)).await {
            Ok(Some(batch)) => {
                for e in batch {
                    let stop = done(&e);
                    seen.push(e);
                    if stop {
                        return seen;
                    }
                }
            }
            Ok(None) => panic!("{what}: the session ended first; events: {seen:#?}"),
            Err(_) => panic!("{what}: not seen within {DEADLINE:?}; events: {seen:#?}"),
        }
    }
}

fn tick_numbers(e: &LogEvent) -> Vec<u64> {
    match e {
        LogEvent::Lines { lines, .. } => {
            lines.iter().filter_map(|l| l.text.text.strip_prefix("tick ")?.parse().ok()).collect()
        }
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn following_a_pod_shows_lines_appended_after_opening() {
    let pod = running_pod_of("ticker");
    let conn = admin().await;
    let mut req = LogRequest::new(LOGS_NS, LogTarget::Pod(pod.clone()));
    req.tail_lines = Some(1);
    let mut session = logs::spawn(conn.client.clone(), req);
    // The tail: the last line written before opening. Its batch may already hold lines
    // appended after it, so every number of that batch is checked and the last one counts.
    let mut seen_first = Vec::new();
    let events = events_until(&mut session, "the tail line", |e| {
        seen_first = tick_numbers(e);
        !seen_first.is_empty()
    })
    .await;
    assert!(
        seen_first.windows(2).all(|w| w[1] == w[0] + 1),
        "the first batch is in order, none lost or repeated: {seen_first:?}"
    );
    let first = *seen_first.last().unwrap();
    assert!(events.iter().all(|e| !matches!(e, LogEvent::Status { status: StreamStatus::Failed(_), .. })));
    // Then the lines the ticker appends: each number in order, none twice.
    let mut last = first;
    let opened = Instant::now();
    events_until(&mut session, "five lines appended after opening", |e| {
        for n in tick_numbers(e) {
            assert_eq!(n, last + 1, "lines arrive in order, none lost or repeated");
            last = n;
        }
        last >= first + 5
    })
    .await;
    // Recorded, not asserted: how long five new lines (written at 5 a second) took.
    eprintln!("five appended lines of {pod} arrived {:?} after the tail line", opened.elapsed());
}

#[tokio::test]
async fn the_log_source_explains_the_pending_csr_and_ends() {
    let pod = running_pod_of("csr-pending");
    let conn = admin().await;
    let mut session = logs::spawn(conn.client.clone(), LogRequest::new(LOGS_NS, LogTarget::Pod(pod)));
    // A single pod's follow ends (Done) once its one stream is over.
    let events = events_until(&mut session, "the end of the session", |e| matches!(e, LogEvent::Done)).await;
    let failure = events.iter().find_map(|e| match e {
        LogEvent::Status { status: StreamStatus::Failed(e), .. } => Some(e),
        _ => None,
    });
    let failure = failure.unwrap_or_else(|| panic!("no failure among {events:#?}"));
    assert_eq!(failure.problem, LogProblem::KubeletCertificate, "{failure}");
    assert!(!events.iter().any(|e| matches!(e, LogEvent::Lines { .. })));
}

// ---------------------------------------------------------------- the console

/// The real console on `namespace`'s Pods screen, filtered to `pod` and its row selected.
fn console_on_pod(namespace: &str, pod: &str) -> Console {
    let mut c = console(&["-n", namespace]).size(160, 30).spawn();
    c.wait_for("watches");
    c.press(&[Key::Char('3'), Key::Char('/')]);
    c.type_text(pod);
    c.press(&[Key::Enter]);
    // The filter's text is in the title too: wait for the pod's own row.
    c.wait_until(&format!("the row of {pod}"), DEADLINE, |s| {
        let (_, rows) = s.size();
        (2..rows).find(|r| s.row(*r).starts_with(pod))
    });
    c
}

/// The pod of indexed-job's index 3 that ran to the end, from kubectl.
fn finished_pod_of_index_3() -> String {
    let start = Instant::now();
    loop {
        let list = kubectl_json(&["get", "pods", "-n", "indexed", "-l", "batch.kubernetes.io/job-completion-index=3"]);
        let done = list["items"].as_array().into_iter().flatten().find(|p| p["status"]["phase"] == "Succeeded");
        if let Some(name) = done.and_then(|p| p["metadata"]["name"].as_str()) {
            return name.to_string();
        }
        assert!(start.elapsed() < DEADLINE, "no finished pod of index 3 within {DEADLINE:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn console_shows_index_3_and_its_init_container() {
    let pod = finished_pod_of_index_3();
    let mut c = console_on_pod("indexed", &pod);
    c.press(&[Key::Char('l')]);
    let shown = c.wait_for("xuq");
    assert!(shown.contains(&format!("logs: pod indexed/{pod}")), "{shown}");
    // c opens the container chooser: default, input (init), worker.
    c.press(&[Key::Char('c')]);
    c.wait_for_all(&["input  init container", "worker  container"]);
    c.press(&[Key::Down, Key::Enter]);
    let shown = c.wait_for("wrote qux to /input/data.txt");
    assert!(!shown.contains("xuq"), "the worker's lines went with the switch:\n{shown}");
    // Esc closes the log screen; i on the pod: every pod of index 3, prefixed.
    c.press(&[Key::Esc]);
    c.wait_gone("logs: pod");
    c.press(&[Key::Char('i')]);
    c.wait_for("#3 xuq");
}

#[test]
fn console_follows_and_explains_the_pending_csr() {
    let csr = running_pod_of("csr-pending");
    let mut c = console_on_pod(LOGS_NS, &csr);
    c.press(&[Key::Char('l')]);
    let shown = c.wait_for("refuses TLS connections");
    assert!(shown.contains("kubelet-serving certificate signing request (CSR) is pending"), "{shown}");
    assert!(shown.contains("kubectl get csr"), "{shown}");
    drop(c);
    // The ticker: following shows the lines written after opening.
    let ticker = running_pod_of("ticker");
    let mut c = console_on_pod(LOGS_NS, &ticker);
    let before = kubectl_logs_last_tick(&ticker);
    c.press(&[Key::Char('l')]);
    let last_tick_on = |s: &str| s.lines().filter_map(|l| l.trim().strip_prefix("tick ")?.parse::<u64>().ok()).max();
    let want = format!("tick {} or later", before + 3);
    let shown = c.wait_until(&want, DEADLINE, |s| {
        let text = s.text();
        last_tick_on(&text).is_some_and(|t| t >= before + 3).then_some(text)
    });
    assert!(shown.contains("following"), "the view follows new lines:\n{shown}");
}
