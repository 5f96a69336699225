//! `batchtop wait` end to end: the real binary against the sandbox's Jobs,
//! through a pipe (as CI runs it) and in a pseudo-terminal (progress redrawn
//! in place). Each exit code the issue promises, and what is printed with it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use kube::api::{Api, DeleteParams, PostParams};
use serde_json::json;
use testkit::sandbox::{DEADLINE, TestNamespace, admin, env};

use crate::support::{batchtop, console};

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).to_string()
}

/// `batchtop wait ARGS` through a pipe: exit code, stdout, stderr.
fn wait(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["wait"];
    all.extend_from_slice(args);
    let out = batchtop(&all);
    (out.status.code().expect("exited by itself"), text(&out.stdout), text(&out.stderr))
}

/// A namespace of this test with one Job whose pods run `run` on kwok; removed on drop.
struct TestJob {
    _namespace: TestNamespace,
    ns: String,
    name: String,
}

impl TestJob {
    async fn start(what: &str, completions: i32, run: &str, suspend: bool) -> Self {
        let client = admin().await.client;
        let namespace = TestNamespace::create(&format!("wait-{what}")).await;
        let ns = namespace.name.clone();
        let job: Job = serde_json::from_value(json!({
            "metadata": {"name": "sleeper"},
            "spec": {
                "completions": completions, "parallelism": 1, "suspend": suspend,
                "template": {
                    "metadata": {"annotations": {"sandbox.batchtop.dev/run-duration": run}},
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}
                }
            }
        }))
        .unwrap();
        Api::<Job>::namespaced(client, &ns).create(&PostParams::default(), &job).await.expect("create the Job");
        Self { _namespace: namespace, ns, name: "sleeper".into() }
    }

    async fn delete(&self) {
        let client = admin().await.client;
        Api::<Job>::namespaced(client, &self.ns).delete(&self.name, &DeleteParams::background()).await.expect("delete");
    }
}

#[test]
fn a_complete_indexed_job_exits_0_with_no_escape_codes_in_a_pipe() {
    let (code, out, err) = wait(&["job/indexed-job", "-n", "indexed"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("job/indexed-job: complete (5/5)"), "{out}");
    assert!(!out.contains('\u{1b}'), "no escape codes in a pipe: {out:?}");
}

/// The seed's FailJob example: exit 1, the rule, its action and exit code,
/// and the pod's last log line.
#[test]
fn a_job_failed_by_its_policy_exits_1_and_says_why() {
    let (code, out, err) = wait(&["job/job-pod-failure-policy-failjob", "-n", "failure-policy"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("failed") && out.contains("PodFailurePolicy"), "{out}");
    assert!(out.contains("rule 0 (FailJob)") && out.contains("exited with code 42"), "{out}");
    assert!(out.contains("last lines of pod/job-pod-failure-policy-failjob-"), "{out}");
    assert!(out.contains("I'm going to exit with 42"), "the pod's own words: {out}");
    // The same as JSON: one object per Job, the --once Job shape plus the outcome.
    let (code, out, _) = wait(&["job/job-pod-failure-policy-failjob", "-n", "failure-policy", "-o", "json"]);
    assert_eq!(code, 1);
    let job: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).expect("one JSON object");
    assert_eq!(job["outcome"], "failed");
    assert_eq!(job["failurePolicy"]["matchedRule"], 0);
    assert_eq!(job["failurePolicy"]["exitCode"], 42);
    assert!(job["podLogs"][0]["lines"].as_array().is_some_and(|l| !l.is_empty()), "{job:#}");
}

#[test]
fn a_label_group_exits_0_after_all_three() {
    let (code, out, err) = wait(&["-l", "jobgroup=jobexample", "-n", "expansion"]);
    assert_eq!(code, 0, "{out}{err}");
    for item in ["apple", "banana", "cherry"] {
        assert!(out.contains(&format!("job/process-item-{item}: complete")), "{item}: {out}");
    }
}

#[test]
fn the_limited_user_can_wait() {
    let env = env();
    let (code, out, err) = wait(&["--context", &env.limited_context, "job/indexed-job", "-n", &env.limited_namespace]);
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_exits_3_and_a_suspended_job_says_so() {
    let job = TestJob::start("suspended", 1, "10m", true).await;
    let (code, out, err) = wait(&["job/sleeper", "-n", &job.ns, "--timeout", "3s"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("suspended") && out.contains("timed out after 3s"), "{out}");
}

/// Deleted while waited for: exit 4 (kubectl wait would wait until its timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_deleted_while_waited_for_exits_4() {
    let job = TestJob::start("deleted", 1, "10m", false).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchtop"))
        .args(["wait", "job/sleeper", "-n", &job.ns, "--timeout", "2m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start batchtop wait");
    tokio::time::sleep(Duration::from_secs(3)).await;
    job.delete().await;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < DEADLINE, "wait did not notice the deletion");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(4), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("job/sleeper: deleted"), "{}", text(&out.stdout));
}

/// A Job running for a while, in a pipe: at most one progress line per few
/// seconds for it (not one per watch event or clock tick).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_gets_few_progress_lines_and_the_result() {
    let job = TestJob::start("pipe", 4, "2s", false).await;
    let start = Instant::now();
    let (code, out, err) = wait(&["job/sleeper", "-n", &job.ns, "--timeout", "2m"]);
    let took = start.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    let progress = out.lines().filter(|l| l.starts_with("job/sleeper  ")).count();
    let most = took.as_secs() / 5 + 2;
    assert!(progress as u64 <= most, "{progress} progress lines in {took:?}:\n{out}");
    assert!(out.lines().last().unwrap().starts_with("job/sleeper: complete (4/4)"), "{out}");
}

/// On a terminal the progress is one line per Job, redrawn in place; at the
/// end only the result remains on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_gets_progress_redrawn_in_place() {
    let job = TestJob::start("tty", 3, "2s", false).await;
    let mut c = console(&["wait", "job/sleeper", "-n", &job.ns, "--timeout", "2m"]).size(100, 20).spawn();
    c.wait_for("job/sleeper  [");
    let status = c.wait_exit(DEADLINE).expect("wait ends");
    c.drain_output(Duration::from_secs(5));
    assert_eq!(status.exit_code(), 0, "{}", c.text());
    let screen = c.text();
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() == 1 && lines[0].starts_with("job/sleeper: complete (3/3)"), "only the result:\n{screen}");
    assert!(c.bytes_written() > 0);
}

#[test]
fn bad_arguments_exit_5() {
    for args in [&["pod/x"][..], &[][..], &["--bogus"][..], &["cronjob/a", "job/b"][..], &["job/a", "-A"][..]] {
        let (code, out, err) = wait(args);
        assert_eq!(code, 5, "{args:?}: {out}{err}");
        assert_eq!(err.lines().filter(|l| l.starts_with("batchtop") || l.starts_with("error")).count(), 1, "{err}");
    }
}

#[test]
fn an_unreachable_server_exits_2_with_one_line() {
    let kubeconfig = std::fs::read_to_string(&env().kubeconfig).unwrap();
    let port = kubeconfig
        .split("https://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap();
    let bad = std::env::temp_dir().join(format!("batchtop-wait-unreachable-{}.kubeconfig", std::process::id()));
    std::fs::write(&bad, kubeconfig.replace(&format!("https://127.0.0.1:{port}"), "https://127.0.0.1:1")).unwrap();
    let (code, out, err) =
        wait(&["--kubeconfig", bad.to_str().unwrap(), "job/indexed-job", "-n", "indexed", "--timeout", "5s"]);
    let _ = std::fs::remove_file(&bad);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

/// A copy of the seed's every-minute CronJob `hello`, in a namespace of its
/// own: waits for the next run and returns when it is done. A fresh copy,
/// not the sandbox's: after the fault tests' API server and etcd outages the
/// controller-manager may hold the old `hello` in a long retry backoff
/// (it failed to sync it through each outage), and no run appears for minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_run_of_an_every_minute_cronjob_is_waited_for() {
    use k8s_openapi::api::batch::v1::CronJob;
    let namespace = TestNamespace::create("wait-hello").await;
    let client = admin().await.client;
    let cronjob: CronJob = serde_json::from_value(json!({
        "metadata": {"name": "hello"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {
            "metadata": {"annotations": {"sandbox.batchtop.dev/run-duration": "2s"}},
            "spec": {"restartPolicy": "OnFailure", "containers": [{"name": "hello", "image": "busybox:1.28"}]}
        }}}}
    }))
    .unwrap();
    Api::<CronJob>::namespaced(client, &namespace.name).create(&PostParams::default(), &cronjob).await.unwrap();
    let (code, out, err) = wait(&["cronjob/hello", "-n", &namespace.name, "--timeout", "3m"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.lines().last().unwrap().starts_with("job/hello-") && out.contains("complete"), "{out}");
}

/// `--trigger` creates the run (as the console's trigger does) and waits for
/// it; under `--readonly` it refuses before writing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_runs_a_cronjob_now_and_readonly_refuses() {
    use k8s_openapi::api::batch::v1::CronJob;
    let job = TestJob::start("trigger", 1, "10m", true).await;
    let client = admin().await.client;
    let cronjob: CronJob = serde_json::from_value(json!({
        "metadata": {"name": "yearly"},
        "spec": {"schedule": "0 0 1 1 *", "jobTemplate": {"spec": {"template": {
            "metadata": {"annotations": {"sandbox.batchtop.dev/run-duration": "2s"}},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}
        }}}}
    }))
    .unwrap();
    Api::<CronJob>::namespaced(client.clone(), &job.ns).create(&PostParams::default(), &cronjob).await.unwrap();
    let (code, out, err) = wait(&["cronjob/yearly", "--trigger", "--readonly", "-n", &job.ns]);
    assert_eq!(code, 5, "{out}{err}");
    let jobs = Api::<Job>::namespaced(client, &job.ns);
    assert_eq!(jobs.list(&kube::api::ListParams::default()).await.unwrap().items.len(), 1, "nothing was created");
    let (code, out, err) = wait(&["cronjob/yearly", "--trigger", "-n", &job.ns, "--timeout", "2m"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("job/yearly-") && out.contains("complete (1/1)"), "{out}");
}
