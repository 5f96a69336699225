//! The sandbox as the end-to-end tests see it
//! (`tests/sandbox/sandbox up --scenarios all`, then `eval "$(tests/sandbox/sandbox env)"`):
//! its environment, its kubectl, its experiments, and real watches feeding a State.
//!
//! The tests only read the cluster; the two experiments that change it are
//! the sandbox's own scripts (`sandbox drain-ignore`, `sandbox config-issue`),
//! run only when their effect is not already there.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use model::scope::Scope;
use model::{State, Update};
use nix::fcntl::{Flock, FlockArg};
use source::cluster::{self, Cluster};
use source::kube::{WatchHandles, spawn_watches};
use tokio::sync::mpsc;

/// Namespaces the end-to-end tests make for themselves start with this (the
/// seed's scenarios never do), so a test listing every namespace can tell
/// another test's objects from the seed's.
pub const E2E_NAMESPACE_PREFIX: &str = "e2e-";

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

/// The workspace root (where `tests/sandbox/sandbox` lives).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root")
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

/// Serialises the experiments that change the sandbox (all end-to-end tests
/// share one test binary, so one sandbox).
/// A lock shared by every test process on this machine (nextest runs each
/// test in a process of its own, so an in-process mutex would hold nothing
/// off). Released when dropped, or when the process dies.
pub struct SandboxLock {
    _held: Flock<File>,
}

impl SandboxLock {
    /// Waits for the lock `name`: `exclusive` (nobody else holds it) or shared
    /// (only other shared holders).
    pub fn take(name: &str, exclusive: bool) -> Self {
        let path = std::env::temp_dir().join(format!("batchtop-e2e-{name}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("cannot open the lock {}: {e}", path.display()));
        let how = if exclusive { FlockArg::LockExclusive } else { FlockArg::LockShared };
        match Flock::lock(file, how) {
            Ok(held) => SandboxLock { _held: held },
            Err((_, e)) => panic!("cannot take the lock {}: {e}", path.display()),
        }
    }
}

/// Holds off every other experiment for as long as the guard lives. A test
/// that runs one keeps the guard until it has seen the effects it waits for,
/// so another test's drain cannot interleave with what it watches.
pub fn experiment() -> SandboxLock {
    SandboxLock::take("experiments", true)
}

/// The brokers stay up while this is held shared; a test that stops them holds it exclusive.
pub fn brokers_lock(exclusive: bool) -> SandboxLock {
    SandboxLock::take("brokers", exclusive)
}

/// Makes sure the config-issue Job was failed by its ConfigIssue rule: runs
/// the seed's steps 3-4 (`sandbox config-issue`) unless that already happened.
/// Hold [`experiment`] while calling it.
pub fn ensure_config_issue() {
    if job_condition_true(FAILURE_POLICY_NS, CONFIG_ISSUE_JOB, "Failed")
        || job_condition_true(FAILURE_POLICY_NS, CONFIG_ISSUE_JOB, "FailureTarget")
    {
        return;
    }
    sandbox(&["config-issue"]);
}

/// Runs the seed's drain experiment under the ignore Job (and uncordons the
/// node afterwards, so other tests keep all nodes). Hold [`experiment`] while
/// calling it and watching what it does.
pub fn drain_ignore() -> String {
    sandbox(&["drain-ignore", "--uncordon"])
}

/// A connection to the sandbox as `context` (one of the kubeconfig's users).
pub async fn connect_as(context: &str) -> Cluster {
    let env = env();
    cluster::connect(Some(&env.kubeconfig), Some(context))
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the sandbox (context {context}): {e}"))
}

/// A connection to the sandbox as its admin (the kubeconfig's current context).
pub async fn admin() -> Cluster {
    connect_as(&env().context).await
}

/// A namespace an end-to-end test makes for itself (`e2e-WHAT-PID`), deleted
/// when dropped, so every test starts clean and leaves nothing behind.
pub struct TestNamespace {
    pub name: String,
}

impl TestNamespace {
    pub async fn create(what: &str) -> Self {
        use k8s_openapi::api::core::v1::Namespace;
        let name = format!("{E2E_NAMESPACE_PREFIX}{what}-{}", std::process::id());
        let object: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap();
        let api = kube::Api::<Namespace>::all(admin().await.client);
        // A previous run's namespace still terminating would refuse new objects: wait it out.
        for _ in 0..240 {
            match api.get_opt(&name).await {
                Ok(Some(ns)) if ns.metadata.deletion_timestamp.is_some() => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                _ => break,
            }
        }
        if let Err(e) = api.create(&kube::api::PostParams::default(), &object).await {
            assert!(matches!(&e, kube::Error::Api(s) if s.code == 409), "create namespace {name}: {e}");
        }
        Self { name }
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop cannot await, and the test's runtime may be the one dropping
        // us: delete from a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let api = kube::Api::<k8s_openapi::api::core::v1::Namespace>::all(admin().await.client);
                let _ = api.delete(&name, &kube::api::DeleteParams::background()).await;
            });
        })
        .join();
    }
}

/// The real watches feeding a State, as the console runs them.
pub struct Live {
    pub state: State,
    rx: mpsc::Receiver<Update>,
    _handles: WatchHandles,
}

impl Live {
    pub async fn start(context: &str, scope: Scope) -> (Live, Cluster) {
        let conn = connect_as(context).await;
        let (tx, rx) = mpsc::channel(4096);
        let handles = spawn_watches(&conn.client, &scope, tx);
        (Live { state: State::default(), rx, _handles: handles }, conn)
    }

    /// Applies updates until `ready` holds (checked after every update, so a
    /// state that lasts a moment is seen), or panics at the deadline.
    // The only error of `timeout_at` is `Elapsed`: the deadline passed.
    #[allow(clippy::match_wild_err_arm)]
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
