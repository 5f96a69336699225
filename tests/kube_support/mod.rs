//! Shared helpers of the end-to-end tests against the sandbox
//! (`tests/sandbox/sandbox up --scenarios all`, then `eval "$(tests/sandbox/sandbox env)"`).
//!
//! The tests only read the cluster; the two experiments that change it are
//! the sandbox's own scripts (`sandbox drain-ignore`, `sandbox config-issue`),
//! run only when their effect is not already there.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use batchtop::kubeclient::{self, Connection};
use batchtop::model::{State, Update};
use batchtop::source::kube::{Scope, WatchHandles, spawn_watches};
use tokio::sync::mpsc;

/// How long a scenario may take to reach the state a test waits for.
pub const DEADLINE: Duration = Duration::from_secs(180);

pub const FAILURE_POLICY_NS: &str = "failure-policy";
pub const IGNORE_JOB: &str = "job-pod-failure-policy-ignore";
pub const FAILJOB_JOB: &str = "job-pod-failure-policy-failjob";
pub const CONFIG_ISSUE_JOB: &str = "job-pod-failure-policy-config-issue";

/// The sandbox environment, or a panic saying how to get it: an end-to-end
/// test without its sandbox must fail, never pass silently.
pub struct Env {
    pub kubeconfig: PathBuf,
    pub context: String,
    pub limited_context: String,
    pub limited_namespace: String,
}

pub fn env() -> Env {
    let kubeconfig = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()).unwrap_or_else(|| {
        panic!(
            "KUBECONFIG is not set: these end-to-end tests run against the sandbox. \
             Start it with `tests/sandbox/sandbox up --scenarios all` and run \
             `eval \"$(tests/sandbox/sandbox env)\"` before `cargo test`."
        )
    });
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    let kubeconfig = PathBuf::from(kubeconfig);
    assert!(kubeconfig.exists(), "KUBECONFIG={} does not exist: is the sandbox up?", kubeconfig.display());
    Env {
        kubeconfig,
        context: var("BATCHTOP_SANDBOX_CONTEXT", "sandbox"),
        limited_context: var("BATCHTOP_SANDBOX_LIMITED_CONTEXT", "sandbox-limited"),
        limited_namespace: var("BATCHTOP_SANDBOX_LIMITED_NAMESPACE", "indexed"),
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `tests/sandbox/sandbox ARGS`, panicking with its output on failure.
pub fn sandbox(args: &[&str]) -> String {
    let out = Command::new(repo_root().join("tests/sandbox/sandbox")).args(args).output().expect("running sandbox");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "sandbox {args:?} failed:\n{text}");
    text
}

/// `kubectl get ... -o json` through the sandbox's kubectl (reads only).
pub fn kubectl_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(repo_root().join("tests/sandbox/sandbox"))
        .arg("kubectl")
        .args(args)
        .args(["-o", "json"])
        .output()
        .expect("running sandbox kubectl");
    assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("kubectl json")
}

/// The Job's True condition types, from kubectl.
pub fn job_condition_true(namespace: &str, job: &str, type_: &str) -> bool {
    let j = kubectl_json(&["get", "job", "-n", namespace, job]);
    j.pointer("/status/conditions").and_then(|c| c.as_array()).into_iter().flatten().any(|c| {
        c.get("type").and_then(|t| t.as_str()) == Some(type_)
            && c.get("status").and_then(|s| s.as_str()) == Some("True")
    })
}

/// Serialises the experiments that change the sandbox within one test binary.
pub static EXPERIMENTS: Mutex<()> = Mutex::new(());

/// Makes sure the config-issue Job was failed by its ConfigIssue rule: runs
/// the seed's steps 3-4 (`sandbox config-issue`) unless that already happened.
pub fn ensure_config_issue() {
    let _guard = EXPERIMENTS.lock().unwrap_or_else(|e| e.into_inner());
    if job_condition_true(FAILURE_POLICY_NS, CONFIG_ISSUE_JOB, "Failed")
        || job_condition_true(FAILURE_POLICY_NS, CONFIG_ISSUE_JOB, "FailureTarget")
    {
        return;
    }
    sandbox(&["config-issue"]);
}

/// Runs the seed's drain experiment under the ignore Job (and uncordons the
/// node afterwards, so other tests keep all nodes).
pub fn drain_ignore() -> String {
    let _guard = EXPERIMENTS.lock().unwrap_or_else(|e| e.into_inner());
    sandbox(&["drain-ignore", "--uncordon"])
}

/// The built batchtop binary with the sandbox environment; returns its output.
pub fn batchtop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_batchtop"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("XDG_STATE_HOME", std::env::temp_dir().join("batchtop-e2e-state"))
        .output()
        .expect("running batchtop")
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
        if start.elapsed() > DEADLINE {
            panic!("{what}: not reached within {DEADLINE:?}; last exit {code}, stderr {stderr}\nlast report: {json:#}");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A job of a `--once` report.
pub fn report_job<'a>(report: &'a serde_json::Value, namespace: &str, name: &str) -> Option<&'a serde_json::Value> {
    report["jobs"].as_array()?.iter().find(|j| j["namespace"] == namespace && j["name"] == name)
}

/// The real watches feeding a State, as the console runs them.
pub struct Live {
    pub state: State,
    rx: mpsc::Receiver<Update>,
    _handles: WatchHandles,
}

impl Live {
    pub async fn start(context: &str, scope: Scope) -> (Live, Connection) {
        let env = env();
        let conn = kubeclient::connect(Some(&env.kubeconfig), Some(context)).await.expect("connect to the sandbox");
        let (tx, rx) = mpsc::channel(4096);
        let handles = spawn_watches(conn.client.clone(), &scope, tx);
        (Live { state: State::default(), rx, _handles: handles }, conn)
    }

    /// Applies updates until `ready` holds (checked after every update, so a
    /// state that lasts a moment is seen), or panics at the deadline.
    pub async fn until<T>(&mut self, what: &str, mut ready: impl FnMut(&State) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if let Some(found) = ready(&self.state) {
                return found;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(update)) => {
                    self.state.apply(update, chrono::Utc::now());
                }
                Ok(None) => panic!("{what}: the watches stopped"),
                Err(_) => panic!("{what}: not reached within {DEADLINE:?}; watches: {:#?}", self.state.watches),
            }
        }
    }
}
