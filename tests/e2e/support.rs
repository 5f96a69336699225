//! Running the built batchtop binary against the sandbox.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use testkit::pty::Launch;
use testkit::sandbox::DEADLINE;

/// Where the binaries started by the tests keep their state (the log file).
pub fn state_home() -> PathBuf {
    std::env::temp_dir().join("batchtop-e2e-state")
}

/// The built batchtop binary with the sandbox environment; returns its output.
/// Its stdout is a pipe, so it writes no colour whatever `NO_COLOR` says.
pub fn batchtop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_batchtop"))
        .args(args)
        .env("XDG_STATE_HOME", state_home())
        .output()
        .expect("running batchtop")
}

/// The built batchtop binary in a 160x48 `xterm-256color` pseudo-terminal
/// (the caller may change both) with the sandbox environment, logging to a
/// file of its own rather than the operator's.
pub fn console(args: &[&str]) -> Launch {
    console_with_log(args).0
}

/// [`console`], and the log file it writes.
pub fn console_with_log(args: &[&str]) -> (Launch, PathBuf) {
    static STARTED: AtomicU32 = AtomicU32::new(0);
    let n = STARTED.fetch_add(1, Ordering::SeqCst);
    let log = state_home().join(format!("console-{}-{n}.log", std::process::id()));
    let _ = std::fs::create_dir_all(state_home());
    let _ = std::fs::remove_file(&log);
    let launch = Launch::new(env!("CARGO_BIN_EXE_batchtop"))
        .size(160, 48)
        .args(args.iter().copied())
        .arg("--log-file")
        .arg(log.as_os_str())
        .env("XDG_STATE_HOME", state_home());
    (launch, log)
}

/// `batchtop --once -o json ARGS`: exit code, parsed stdout, stderr.
pub fn once_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["--once", "-o", "json"];
    all.extend_from_slice(args);
    let out = batchtop(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let code = out.status.code().expect("batchtop exited by a signal");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "batchtop {all:?} printed no JSON ({e}); exit {code}, stderr: {stderr}, stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code, json, stderr)
}

/// Polls `--once -o json ARGS` until `ready` holds for its report, or panics
/// at the deadline with the last report.
pub fn once_until(args: &[&str], what: &str, ready: impl Fn(&serde_json::Value) -> bool) -> (i32, serde_json::Value) {
    let start = Instant::now();
    loop {
        let (code, json, stderr) = once_json(args);
        if ready(&json) {
            return (code, json);
        }
        assert!(
            start.elapsed() <= DEADLINE,
            "{what}: not reached within {DEADLINE:?}; last exit {code}, stderr {stderr}\nlast report: {json:#}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A job of a `--once` report.
pub fn report_job<'a>(report: &'a serde_json::Value, namespace: &str, name: &str) -> Option<&'a serde_json::Value> {
    report["jobs"].as_array()?.iter().find(|j| j["namespace"] == namespace && j["name"] == name)
}
