//! End-to-end: the built `batchtop --once` binary against the sandbox, as a
//! script or CI job would run it. Every seed scenario is checked on the JSON
//! report; the text output, exit codes and error lines are checked too.
//!
//! Needs the sandbox: `tests/sandbox/sandbox up --scenarios all` and
//! `eval "$(tests/sandbox/sandbox env)"`. Without KUBECONFIG every test fails
//! with that instruction.

use std::io::Write;

use crate::support::*;
use serde_json::Value;
use testkit::sandbox::*;

fn job_is(report: &Value, ns: &str, name: &str, status: &str) -> bool {
    report_job(report, ns, name).is_some_and(|j| j["status"] == status)
}

#[test]
fn indexed_job_complete_with_indexes_0_to_4() {
    env();
    let (_, report) =
        once_until(&["-n", "indexed"], "indexed-job Complete", |r| job_is(r, "indexed", "indexed-job", "Complete"));
    let job = report_job(&report, "indexed", "indexed-job").unwrap();
    assert_eq!(job["pattern"], "indexed");
    assert_eq!(job["completions"], 5);
    assert_eq!(job["completedIndexes"], "0-4");
    assert_eq!(job["succeeded"], 5);
    let indexes = job["indexes"].as_array().expect("indexes of an Indexed Job");
    assert_eq!(indexes.len(), 5);
    for (i, index) in indexes.iter().enumerate() {
        assert_eq!(index["index"], i);
        assert_eq!(index["state"], "succeeded", "index {i}");
    }
    let complete = job["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Complete").unwrap();
    assert_eq!(complete["status"], "True");
    assert_eq!(report["context"], env().context);
    assert_eq!(report["namespaces"], serde_json::json!(["indexed"]));
}

#[test]
fn failjob_failed_by_rule_0_exit_code_42_and_exit_code_1() {
    env();
    let (code, report) = once_until(&["-n", FAILURE_POLICY_NS], "failjob Failed", |r| {
        job_is(r, FAILURE_POLICY_NS, FAILJOB_JOB, "Failed")
    });
    let job = report_job(&report, FAILURE_POLICY_NS, FAILJOB_JOB).unwrap();
    assert_eq!(job["failurePolicy"]["matchedRule"], 0);
    assert_eq!(job["failurePolicy"]["action"], "FailJob");
    assert_eq!(job["failurePolicy"]["exitCode"], 42);
    assert_eq!(job["reason"], "PodFailurePolicy");
    let failed = job["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Failed").unwrap();
    assert_eq!(failed["reason"], "PodFailurePolicy");
    assert!(failed["message"].as_str().unwrap().contains("exit code 42"), "{failed}");
    assert_eq!(code, 1, "a listed Job failed");
}

#[test]
fn config_issue_failed_by_config_issue() {
    env();
    let _experiment = experiment();
    ensure_config_issue();
    let (_, report) = once_until(&["-n", FAILURE_POLICY_NS], "config-issue Failed", |r| {
        job_is(r, FAILURE_POLICY_NS, CONFIG_ISSUE_JOB, "Failed")
    });
    let job = report_job(&report, FAILURE_POLICY_NS, CONFIG_ISSUE_JOB).unwrap();
    assert_eq!(job["failurePolicy"]["matchedRule"], 0);
    assert_eq!(job["failurePolicy"]["action"], "FailJob");
    assert_eq!(job["failurePolicy"]["podCondition"], "ConfigIssue");
    assert_eq!(job["failurePolicy"]["exitCode"], Value::Null);
}

#[test]
fn ignore_job_eviction_is_matched_by_the_ignore_rule_and_not_failed() {
    env();
    let _experiment = experiment();
    // The evicted pod exists only until the Job controller has counted it:
    // run --once repeatedly while the drain happens, until a report shows the
    // Ignore rule matching it. Drain again (the script recreates a finished
    // Job) if a whole experiment went by unseen.
    let start = std::time::Instant::now();
    let seen = loop {
        let drain = std::thread::spawn(drain_ignore);
        let mut seen = None;
        while seen.is_none() && !drain.is_finished() {
            let (_, report, _) = once_json(&["-n", FAILURE_POLICY_NS]);
            if let Some(job) = report_job(&report, FAILURE_POLICY_NS, IGNORE_JOB)
                && job["failurePolicy"]["action"] == "Ignore"
            {
                seen = Some(job.clone());
            }
            // The evicted pod lasts a second or more; a short pause keeps this loop light.
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        drain.join().expect("sandbox drain-ignore");
        if let Some(job) = seen {
            break job;
        }
        assert!(start.elapsed() < DEADLINE * 2, "no report showed the evicted pod matching the Ignore rule");
    };
    assert_eq!(seen["failurePolicy"]["matchedRule"], 0);
    assert_eq!(seen["failurePolicy"]["podCondition"], "DisruptionTarget");
    assert_ne!(seen["status"], "Failed");
    assert_eq!(seen["failed"], 0, "the eviction is not counted as a failure");
}

#[test]
fn hello_next_run_within_60s() {
    env();
    let (_, report) = once_until(&["-n", "cronjob"], "CronJob hello", |r| {
        r["cronjobs"].as_array().is_some_and(|c| c.iter().any(|c| c["name"] == "hello"))
    });
    let hello = report["cronjobs"].as_array().unwrap().iter().find(|c| c["name"] == "hello").unwrap();
    assert_eq!(hello["schedule"], "* * * * *");
    assert_eq!(hello["suspend"], false);
    let parse = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    let (next, generated) = (parse(&hello["nextRunTime"]), parse(&report["generatedAt"]));
    let wait = next - generated;
    assert!(wait > chrono::Duration::zero() && wait <= chrono::Duration::seconds(60), "next run in {wait}");
}

#[test]
fn job_wq_2_is_a_work_queue() {
    env();
    let (_, report) =
        once_until(&["-n", "wq-fine"], "job-wq-2 listed", |r| report_job(r, "wq-fine", "job-wq-2").is_some());
    let job = report_job(&report, "wq-fine", "job-wq-2").unwrap();
    assert_eq!(job["pattern"], "work-queue");
    assert_eq!(job["completions"], Value::Null);
}

#[test]
fn all_namespaces_text_report_is_plain_and_complete() {
    env();
    let out = batchtop(&["--once", "-A"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b'), "no escape codes when stdout is not a terminal");
    let header = text.lines().find(|l| l.starts_with("NAMESPACE") && l.contains("COMPLETIONS")).expect("jobs table");
    for col in ["NAME", "PATTERN", "ACTIVE", "STATUS", "DURATION", "AGE"] {
        assert!(header.contains(col), "{col} in {header}");
    }
    assert!(text.lines().any(|l| l.starts_with("indexed ") && l.contains("indexed-job")), "{text}");
    assert!(text.contains("CRONJOB"), "cronjobs table: {text}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn limited_user_sees_its_namespace_and_a_clear_forbidden_for_the_rest() {
    let env = env();
    let ctx = env.limited_context.as_str();
    // Its context's namespace by default.
    let (code, report, _) = once_json(&["--context", ctx]);
    assert_eq!(report["namespaces"], serde_json::json!([env.limited_namespace]));
    assert!(report_job(&report, &env.limited_namespace, "indexed-job").is_some(), "{report:#}");
    assert!(matches!(code, 0 | 1), "exit {code}");

    // Another namespace besides: listed where allowed, forbidden elsewhere.
    let (code, report, stderr) = once_json(&["--context", ctx, "-n", &env.limited_namespace, "-n", FAILURE_POLICY_NS]);
    assert!(matches!(code, 0 | 1), "partly forbidden is still a report: exit {code}, {stderr}");
    assert!(report_job(&report, &env.limited_namespace, "indexed-job").is_some());
    assert!(report["jobs"].as_array().unwrap().iter().all(|j| j["namespace"] != FAILURE_POLICY_NS));
    let watch = report["watches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "jobs" && w["namespace"] == FAILURE_POLICY_NS)
        .expect("the refused watch is reported");
    assert_eq!(watch["health"], "Forbidden");
    assert!(watch["message"].as_str().unwrap().contains("forbidden"), "{watch}");
    assert!(
        stderr.lines().any(|l| l.starts_with("batchtop: forbidden: jobs in namespace failure-policy")),
        "a clear line on stderr: {stderr}"
    );

    // All namespaces: nothing can be listed, exit 2 with one line.
    let out = batchtop(&["--once", "--context", ctx, "-A"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("forbidden: cannot list Jobs"), "{stderr}");
}

/// One line on stderr, exit code 2, nothing on stdout.
fn assert_one_line_exit_2(args: &[&str], expected: &str) {
    let out = batchtop(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: one line, got {stderr:?}");
    assert!(stderr.starts_with("batchtop: ") && stderr.contains(expected), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
}

#[test]
fn unusable_cluster_access_is_one_line_and_exit_2() {
    let env = env();
    assert_one_line_exit_2(
        &["--once", "--kubeconfig", "/nonexistent/kubeconfig"],
        "kubeconfig /nonexistent/kubeconfig does not exist",
    );
    assert_one_line_exit_2(&["--once", "--context", "no-such-context"], "context \"no-such-context\" not found");
    // Lists that cannot finish within --timeout: exit 2, naming what was pending.
    assert_one_line_exit_2(&["--once", "-A", "--timeout", "1ms"], "timed out after");
    // The console checks the same before touching the terminal.
    assert_one_line_exit_2(&["--context", "no-such-context"], "context \"no-such-context\" not found");

    // The sandbox's kubeconfig pointed at a loopback port nothing listens on.
    let original = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let server = original.lines().find_map(|l| l.trim().strip_prefix("server: ")).expect("a server line").trim();
    let mut dead = tempfile_path("unreachable-kubeconfig");
    std::fs::File::create(&dead)
        .unwrap()
        .write_all(original.replace(server, "https://127.0.0.1:1").as_bytes())
        .unwrap();
    assert_one_line_exit_2(&["--once", "--kubeconfig", dead.to_str().unwrap()], "cannot reach the API server");
    std::fs::remove_file(&dead).ok();

    // A kubeconfig with a bogus bearer token and no client certificate.
    dead = tempfile_path("bad-token-kubeconfig");
    let ca = original.lines().find_map(|l| l.trim().strip_prefix("certificate-authority-data: ")).unwrap().trim();
    let bad_token = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: bad\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: u\n  user:\n    token: not-a-real-token\ncontexts:\n- name: bad\n  context:\n    cluster: c\n    user: u\n"
    );
    std::fs::write(&dead, bad_token).unwrap();
    let out = batchtop(&["--once", "--kubeconfig", dead.to_str().unwrap()]);
    std::fs::remove_file(&dead).ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "bad credentials: {stderr}");
    assert!(stderr.starts_with("batchtop: "), "{stderr}");
}

fn tempfile_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("batchtop-e2e-{}-{name}", std::process::id()))
}

#[test]
fn jobexample_grouped_3_of_3() {
    env();
    let group_of = |r: &Value| -> Option<Value> {
        r["groups"].as_array()?.iter().find(|g| g["label"] == "jobgroup=jobexample").cloned()
    };
    let (code, report) = once_until(&["-n", "expansion"], "jobgroup=jobexample 3/3", |r| {
        group_of(r).is_some_and(|g| g["complete"] == 3)
    });
    let group = group_of(&report).unwrap();
    assert_eq!(group["total"], 3);
    assert_eq!(group["failed"], 0);
    assert_eq!(
        group["jobs"],
        serde_json::json!([
            "expansion/process-item-apple",
            "expansion/process-item-banana",
            "expansion/process-item-cherry"
        ])
    );
    for item in ["apple", "banana", "cherry"] {
        let job = report_job(&report, "expansion", &format!("process-item-{item}")).unwrap();
        assert_eq!(job["groups"], serde_json::json!(["jobgroup=jobexample"]));
    }
    assert_eq!(code, 0, "nothing failed in the group");
}

/// Runs the real `jq -e FILTER` over `json` (the binary's own output, as
/// printed); panics unless jq says `true`.
fn jq_true(json: &str, filter: &str) {
    let mut child = std::process::Command::new("jq")
        .args(["-e", filter])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running jq (the sandbox installs it)");
    child.stdin.take().unwrap().write_all(json.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "true",
        "jq -e '{filter}': exit {:?}, {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The printed JSON of `--once -o json ARGS` once `ready` holds for it (a
/// broker restarted by a queue test reads as reconnecting for a moment).
fn once_output_until(args: &[&str], what: &str, ready: impl Fn(&Value) -> bool) -> String {
    let mut all = vec!["--once", "-o", "json"];
    all.extend_from_slice(args);
    let start = std::time::Instant::now();
    loop {
        let out = batchtop(&all);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if serde_json::from_str(&text).is_ok_and(|r| ready(&r)) {
            return text;
        }
        assert!(
            start.elapsed() <= DEADLINE,
            "{what}: not reached within {DEADLINE:?}; stderr {}\nlast output: {text}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// Every time in `--once -o json` is read by jq's `fromdateiso8601` (whole
/// seconds, `Z`); the rediswq queue of wq-orphan (`kiwi` in
/// `job3:processing` without a lease key) says `stuck` next to its
/// `orphaned: 1` and lists the lease; health and counts agree on every queue.
#[test]
fn jq_reads_every_time_and_health_agrees_with_the_orphans() {
    env();
    let job3 = |r: &Value| -> Option<Value> { r["queues"].as_array()?.iter().find(|q| q["name"] == "job3").cloned() };
    let json =
        once_output_until(&["-n", "wq-orphan", "-n", "cronjob", "-n", "indexed"], "job3 read with its orphan", |r| {
            job3(r).is_some_and(|q| q["orphaned"] == 1 && q["error"].is_null())
                && r["cronjobs"].as_array().is_some_and(|c| c.iter().any(|c| c["nextRunTime"].is_string()))
        });
    // Times: generatedAt, nextRunTime, lastScheduleTime, created, startTime, completionTime.
    let time = r#"test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]")"#;
    jq_true(&json, &format!("[.. | strings | select({time}) | fromdateiso8601] | length >= 5"));
    jq_true(
        &json,
        &format!("[.. | strings | select({time})] | all(test(\"^[0-9-]{{10}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}Z$\"))"),
    );
    jq_true(
        &json,
        "(.cronjobs[] | select(.name == \"hello\") | .nextRunTime | fromdateiso8601) > (.generatedAt | fromdateiso8601)",
    );
    // The orphaned lease, and the health beside it.
    jq_true(
        &json,
        r#".queues[] | select(.name == "job3") | .health == "stuck" and .orphaned == 1
            and ([.leases[] | select(.orphaned)] == [{"item": "kiwi", "owner": null, "timeLeftSeconds": null, "orphaned": true}])"#,
    );
    // Every queue: stuck exactly when it holds orphans (unless its source is in trouble);
    // leases only on Redis queues, each consistent.
    jq_true(
        &json,
        r#"all(.queues[]; if .health == "reconnecting" or .health == "unreachable" then true
                          else (.health == "stuck") == (.orphaned > 0) end)"#,
    );
    jq_true(&json, r#"all(.queues[] | select(.kind == "rabbitmq"); .leases == null)"#);
    jq_true(
        &json,
        r"all(.queues[] | .leases // [] | .[];
               ((.orphaned | not) or .owner == null)
               and (.timeLeftSeconds == null or (.owner != null and .timeLeftSeconds >= 0)))",
    );
}
