//! Faults between batchtop and the API server, through the real console in a
//! PTY: an API server restart, a watch that gets 410 Gone (etcd compacted),
//! an etcd restart, a cut and a black hole on the line (the test kit's fault
//! proxy), `batchtop logs -f` through a cut line, and an exec auth plugin
//! whose noise must never reach the screen (it goes to the log file).
//! `tests/bench/faults.sh` runs the console's restart, 410 and line
//! scenarios ten times each. The tests that stop a part of the sandbox hold
//! [`experiment`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testkit::proxy::{Fault, Proxy};
use testkit::pty::{Console, Key, Screen};
use testkit::sandbox::{DEADLINE, env, experiment, repo_root, sandbox};

use crate::support::{batchtop, console, console_with_log};

/// How long a fault may take to show on the status bar: a cut connection
/// shows at once; a black hole after the 30 s silence limit (or a request's
/// 15 s deadline), plus a backoff step.
const NOTICED_WITHIN: Duration = Duration::from_secs(45);
/// How long after the line is back the watches may take to say ok: at most a
/// backoff step (4 s) plus a request that was stuck in the black hole (15 s).
const HEALED_WITHIN: Duration = Duration::from_secs(25);
/// The bound for "ok again after the API server's return".
const OK_AFTER_RETURN: Duration = Duration::from_secs(10);

/// Runs the sandbox's kubectl with `stdin` (if any); panics with its stderr on failure.
fn kubectl(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(repo_root().join("tests/sandbox/sandbox"))
        .arg("kubectl")
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running sandbox kubectl");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("writing to kubectl");
    }
    let out = child.wait_with_output().expect("kubectl");
    assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A namespace of its own with suspended Jobs (no pods: nothing else moves).
pub fn namespace_with_jobs(ns: &str, jobs: &[&str]) {
    let mut yaml = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n");
    for name in jobs {
        yaml.push_str(&format!(
            "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  suspend: true\n  \
             template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: busybox\n"
        ));
    }
    kubectl(&["apply", "-f", "-"], Some(&yaml));
}

pub fn delete_namespace(ns: &str) {
    kubectl(&["delete", "namespace", ns, "--wait=false", "--ignore-not-found"], None);
}

/// The status bar's word for the watches: `Some(n)` when it reads "✓ n watches ok".
pub fn watches_ok(s: &Screen) -> Option<u32> {
    let text = s.text();
    let at = text.find(" watches ok")?;
    text[..at].rsplit(' ').next()?.parse().ok()
}

/// The status bar says the data is stale, and since when.
fn stale_since(s: &Screen) -> Option<String> {
    let text = s.text();
    let at = text.find("stale since ")?;
    Some(text[at..].chars().take(20).collect())
}

/// The Jobs screen rows that start with `name`.
pub fn rows_named(s: &Screen, name: &str) -> usize {
    let (_, rows) = s.size();
    (2..rows).filter(|r| s.row(*r).split_whitespace().next() == Some(name)).count()
}

/// The admin kubeconfig with its server moved behind `proxy` (a file per proxy).
fn kubeconfig_through(proxy: &Proxy) -> PathBuf {
    let text = std::fs::read_to_string(env().kubeconfig).expect("the sandbox kubeconfig");
    let through =
        text.replace(&format!("server: https://{}", api_server()), &format!("server: https://{}", proxy.addr()));
    assert_ne!(text, through, "the kubeconfig names the API server at {}", api_server());
    let path = std::env::temp_dir().join(format!("batchtop-e2e-kubeconfig-via-{}", proxy.addr().port()));
    std::fs::write(&path, through).expect("writing the proxied kubeconfig");
    path
}

/// The API server's address, from the sandbox kubeconfig's (first) server line.
fn api_server() -> std::net::SocketAddr {
    let text = std::fs::read_to_string(env().kubeconfig).expect("the sandbox kubeconfig");
    let line = text.lines().find_map(|l| l.trim().strip_prefix("server: https://")).expect("a server line");
    line.parse().expect("the server is host:port")
}

/// What one fault on the line took: to be noticed, and to heal once repaired.
#[derive(Debug)]
pub struct Recovery {
    pub noticed: Duration,
    pub healed: Duration,
}

/// Every watch of `watches` says retrying: "⟳ retrying <first> +<the others>",
/// and the status bar says since when the data is stale.
fn all_retrying(s: &Screen, watches: u32) -> Option<String> {
    let text = s.text();
    (text.contains("⟳ retrying") && text.contains(&format!(" +{} (", watches - 1))).then_some(())?;
    stale_since(s)
}

/// Breaks the line with `fault` under a running console, waits until every
/// watch says so (a black-holed watch can only notice at the silence limit;
/// repairing earlier would leave some unnoticed), repairs it, waits for ok.
pub fn fault_and_heal(c: &Console, proxy: &Proxy, fault: Fault, watches: u32) -> Recovery {
    let cut = Instant::now();
    proxy.inject(fault);
    let since = c.wait_until(&format!("{fault:?}: every watch stale"), NOTICED_WITHIN, |s| all_retrying(s, watches));
    let noticed = cut.elapsed();
    assert!(since.len() >= "stale since 00:00:00".len(), "{since}");
    let repaired = Instant::now();
    proxy.heal();
    c.wait_until(&format!("{fault:?}: every watch ok again"), HEALED_WITHIN, |s| {
        (watches_ok(s) == Some(watches) && stale_since(s).is_none()).then_some(())
    });
    Recovery { noticed, healed: repaired.elapsed() }
}

/// The console through the fault proxy, on a namespace of its own.
pub fn console_through_proxy(ns: &str) -> (Proxy, Console, u32) {
    let proxy = Proxy::start(api_server());
    let kubeconfig = kubeconfig_through(&proxy);
    let c = console(&["--kubeconfig", kubeconfig.to_str().unwrap(), "-n", ns]).spawn();
    let watches = c.wait_until("every watch ok", DEADLINE, watches_ok);
    c.wait_until("the Job row", DEADLINE, |s| (rows_named(s, "f-line") == 1).then_some(()));
    (proxy, c, watches)
}

/// A closed, a reset and a black-holed line: each shows as stale within the
/// bound (the black hole only through the silence limit), and each heals
/// without a restart once the line is back, with the rows as they were.
#[test]
fn the_console_notices_a_cut_line_and_recovers_when_it_is_back() {
    let ns = "faults-line";
    namespace_with_jobs(ns, &["f-line"]);
    let (proxy, c, watches) = console_through_proxy(ns);
    for fault in [Fault::Close, Fault::Reset, Fault::Stall] {
        let r = fault_and_heal(&c, &proxy, fault, watches);
        eprintln!("fault {fault:?}: noticed after {:?}, ok {:?} after the repair", r.noticed, r.healed);
        c.with_screen(|s| assert_eq!(rows_named(s, "f-line"), 1, "{}", s.text()));
    }
    drop(c);
    delete_namespace(ns);
}

/// `--once` through a black hole ends with exit 2 and one line saying the
/// API server did not answer, well before any hang could matter.
#[test]
fn once_through_a_black_hole_ends_with_a_clear_line() {
    let proxy = Proxy::start(api_server());
    let kubeconfig = kubeconfig_through(&proxy);
    proxy.inject(Fault::Stall);
    let started = Instant::now();
    let out = batchtop(&["--once", "--kubeconfig", kubeconfig.to_str().unwrap(), "-n", "indexed", "--timeout", "20s"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert!(stderr.contains("batchtop:") && stderr.lines().count() == 1, "{stderr}");
    assert!(["cannot reach", "no answer", "timed out"].iter().any(|w| stderr.contains(w)), "{stderr}");
}

/// The API server answers its admin (its return: `/readyz` comes later,
/// after start-up hooks that reads do not wait for).
fn api_server_answers() -> bool {
    Command::new(repo_root().join("tests/sandbox/sandbox"))
        .args(["kubectl", "get", "--raw=/version", "--request-timeout=2s"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// POSTs `body` to etcd's JSON gateway at `path` (`/v3/kv/...`); its answer,
/// or `None` when etcd does not answer.
fn etcd(path: &str, body: &str) -> Option<String> {
    let port = sandbox(&["ports"])
        .lines()
        .find_map(|l| l.strip_prefix("etcd ")?.split_whitespace().next().map(str::to_string))
        .expect("etcd's port");
    let out = Command::new("curl")
        .args(["-fsS", "-m", "5", "-X", "POST", &format!("http://127.0.0.1:{port}{path}"), "-d", body])
        .output()
        .expect("curl");
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Deletes a Job behind the API server's back (it is down): straight from
/// etcd, through etcd's JSON gateway.
fn delete_in_etcd(ns: &str, name: &str) {
    let key = base64(format!("/registry/jobs/{ns}/{name}").as_bytes());
    let body = etcd("/v3/kv/deleterange", &format!("{{\"key\":\"{key}\"}}")).unwrap_or_default();
    assert!(body.contains("\"deleted\":\"1\""), "etcd delete of {ns}/{name}: {body}");
}

/// Compacts etcd's history up to its current revision: every resourceVersion
/// a watch held before is gone (a watch from one gets 410 Gone).
fn compact_etcd() -> u64 {
    // A range read of any key answers with the store's current revision.
    let header = etcd("/v3/kv/range", &format!("{{\"key\":\"{}\"}}", base64(b"/registry/"))).expect("etcd answers");
    let json: serde_json::Value = serde_json::from_str(&header).expect("etcd's JSON");
    let revision = json["header"]["revision"].as_str().and_then(|r| r.parse().ok()).expect("a revision");
    let done = etcd("/v3/kv/compaction", &format!("{{\"revision\":\"{revision}\",\"physical\":true}}"));
    assert!(done.is_some(), "etcd compacted to {revision}");
    revision
}

/// etcd answers its health check.
fn etcd_answers() -> bool {
    let port = sandbox(&["ports"])
        .lines()
        .find_map(|l| l.strip_prefix("etcd ")?.split_whitespace().next().map(str::to_string))
        .expect("etcd's port");
    Command::new("curl")
        .args(["-fsS", "-m", "2", &format!("http://127.0.0.1:{port}/health")])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("\"health\":\"true\""))
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Starts the sandbox again if a test stopped a part of it (the one `answers`
/// checks) and then failed: the sandbox is shared, so it never stays down.
struct BringBack(fn() -> bool);

impl Drop for BringBack {
    fn drop(&mut self) {
        if !(self.0)() || !api_server_answers() {
            let _ = Command::new(repo_root().join("tests/sandbox/sandbox")).arg("up").output();
        }
        await_lists_served();
    }
}

/// The lists every console starts with, asked as its watches ask for them:
/// a consistent read (no resourceVersion), which the API server serves from
/// its watch cache only once the cache has caught up with etcd. After etcd or
/// the API server comes back the cache fills again; until it has, such a list
/// waits, and the next test's first list would time out (CI saw a `--once`
/// give up on its pods after the etcd restart test, twice: the first check
/// asked with resourceVersion=0, which the cache answers without catching
/// up). So a test that restarted either ends only once they are served.
const FIRST_LISTS: &[&str] = &["/api/v1/pods", "/apis/batch/v1/jobs", "/apis/batch/v1/cronjobs", "/api/v1/events"];

fn await_lists_served() {
    let served = || {
        FIRST_LISTS.iter().all(|path| {
            Command::new(repo_root().join("tests/sandbox/sandbox"))
                .args(["kubectl", "get", "--raw", &format!("{path}?limit=500"), "--request-timeout=3s"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !served() {
        if Instant::now() >= deadline {
            eprintln!("the first lists were still not served 60 s after the restart");
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Restarts the API server under a running console and returns the times:
/// from its end until every watch said retrying, and from its return to ok.
/// The Jobs `gone` are deleted from etcd while it is down.
pub fn restart_api_server(c: &Console, ns: &str, watches: u32, gone: &[&str]) -> Recovery {
    restart_api_server_with(c, watches, || {
        for name in gone {
            delete_in_etcd(ns, name);
        }
    })
}

/// [`restart_api_server`], doing `while_down` once every watch said retrying.
fn restart_api_server_with(c: &Console, watches: u32, while_down: impl FnOnce()) -> Recovery {
    // Timed from the server's end: `stop` waits for its graceful shutdown.
    let _back = BringBack(api_server_answers);
    sandbox(&["stop", "kube-apiserver"]);
    let stopped = Instant::now();
    // Every watch, quiet ones included.
    c.wait_until("every watch retrying", Duration::from_secs(15), |s| all_retrying(s, watches));
    let noticed = stopped.elapsed();
    while_down();
    Recovery { noticed, healed: bring_back(c, watches, api_server_answers) }
}

/// Runs `sandbox up` and waits until every watch says ok with no stale-since;
/// returns the time from when `answers` first held (the stopped part is back)
/// to then, while `up` finishes its bootstrap.
fn bring_back(c: &Console, watches: u32, answers: fn() -> bool) -> Duration {
    let back = Arc::new(Mutex::new(None::<Instant>));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (back, done) = (Arc::clone(&back), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if answers() {
                    *back.lock().unwrap() = Some(Instant::now());
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let up = std::thread::spawn(|| sandbox(&["up"]));
    c.wait_until("every watch ok after the restart", Duration::from_secs(150), |s| {
        (watches_ok(s) == Some(watches) && stale_since(s).is_none()).then_some(())
    });
    let ok_at = Instant::now();
    done.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    up.join().expect("sandbox up");
    // The console can beat the 200 ms poll: then it took no time at all.
    let returned = back.lock().unwrap().unwrap_or(ok_at);
    ok_at.saturating_duration_since(returned)
}

/// Stops the API server under a console watching a namespace (all its kinds,
/// quiet ones too): every watch says retrying within seconds, and ok within
/// 10 s of the server's return; Jobs deleted while it was down are gone, the
/// others there once.
#[test]
fn the_console_rides_out_an_api_server_restart() {
    let _experiment = experiment();
    let ns = "faults-restart";
    let (keep, gone) = ("f-keep", ["f-gone-1", "f-gone-2"]);
    namespace_with_jobs(ns, &[keep, gone[0], gone[1]]);
    let c = console(&["-n", ns]).spawn();
    let watches = c.wait_until("every watch ok", DEADLINE, watches_ok);
    c.wait_until("the three Jobs", DEADLINE, |s| {
        [keep, gone[0], gone[1]].iter().all(|j| rows_named(s, j) == 1).then_some(())
    });
    let r = restart_api_server(&c, ns, watches, &gone);
    eprintln!("API server restart: every watch retrying after {:?}, ok {:?} after its return", r.noticed, r.healed);
    assert!(r.healed <= OK_AFTER_RETURN, "ok {:?} after the API server's return", r.healed);
    c.wait_until("the deleted Jobs gone, the kept one once", DEADLINE, |s| {
        (rows_named(s, keep) == 1 && gone.iter().all(|j| rows_named(s, j) == 0)).then_some(())
    });
    drop(c);
    delete_namespace(ns);
}

/// The lines of the console's log that say a watch relisted after a 410 Gone.
fn relists_after_410(log: &Path) -> usize {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines().filter(|l| l.contains("resourceVersion expired (410 Gone): relisting")).count()
}

/// Issue 10: a watch whose resourceVersion is gone. While the API server is
/// down, a Job is deleted in etcd and etcd is compacted past every
/// resourceVersion the console's watches hold, so each re-watch gets 410 Gone
/// (the log says so): the console relists, the deleted Job's row goes, the
/// kept one stays once, and every watch says ok again.
#[test]
fn the_console_relists_when_its_watch_gets_410_gone() {
    let _experiment = experiment();
    let ns = "faults-gone";
    let (keep, gone) = ("g-keep", "g-gone");
    namespace_with_jobs(ns, &[keep, gone]);
    let (launch, log) = console_with_log(&["-n", ns]);
    let c = launch.spawn();
    let watches = c.wait_until("every watch ok", DEADLINE, watches_ok);
    c.wait_until("both Jobs", DEADLINE, |s| [keep, gone].iter().all(|j| rows_named(s, j) == 1).then_some(()));
    assert_eq!(relists_after_410(&log), 0, "no 410 before the compaction");
    let r = restart_with_410(&c, watches, || delete_in_etcd(ns, gone));
    eprintln!("410 Gone: every watch retrying after {:?}, ok {:?} after the API server's return", r.noticed, r.healed);
    c.wait_until("the deleted Job gone, the kept one once", DEADLINE, |s| {
        (rows_named(s, keep) == 1 && rows_named(s, gone) == 0).then_some(())
    });
    let relists = relists_after_410(&log);
    assert!(relists as u32 >= watches, "every watch relisted after a 410: {relists} of {watches}");
    drop(c);
    delete_namespace(ns);
}

/// Stops etcd for `down` under a running console (the API server stays up)
/// and starts it again; returns the time from etcd's return until every
/// watch said ok with no stale-since. The watches need not notice: the API
/// server keeps them open from its cache, and no write can happen meanwhile.
pub fn restart_etcd(c: &Console, watches: u32, down: Duration) -> Duration {
    let _back = BringBack(etcd_answers);
    sandbox(&["stop", "etcd"]);
    std::thread::sleep(down);
    bring_back(c, watches, etcd_answers)
}

/// Compacts etcd past every resourceVersion the console's watches hold, with
/// the API server down (it serves watches from a cache etcd's compaction does
/// not touch): every re-watch gets 410 Gone and relists.
pub fn restart_with_410(c: &Console, watches: u32, also: impl FnOnce()) -> Recovery {
    restart_api_server_with(c, watches, || {
        also();
        let revision = compact_etcd();
        eprintln!("etcd compacted to revision {revision}");
    })
}

/// Issue 10: etcd restarts under a running console (the API server stays).
/// Once etcd is back every watch says ok, with no stale-since; a Job deleted
/// and another created after the return show at once (the watches are live,
/// not frozen on what they held), and no row is there twice.
#[test]
fn the_console_rides_out_an_etcd_restart() {
    let _experiment = experiment();
    let ns = "faults-etcd";
    let (keep, later_gone, later_new) = ("e-keep", "e-later-gone", "e-later-new");
    namespace_with_jobs(ns, &[keep, later_gone]);
    let c = console(&["-n", ns]).spawn();
    let watches = c.wait_until("every watch ok", DEADLINE, watches_ok);
    c.wait_until("both Jobs", DEADLINE, |s| [keep, later_gone].iter().all(|j| rows_named(s, j) == 1).then_some(()));
    // Down long enough for a watch's re-ask (25 s) to meet the API server without etcd.
    let healed = restart_etcd(&c, watches, Duration::from_secs(30));
    eprintln!("etcd restart: every watch ok {healed:?} after its return");
    kubectl(&["delete", "job", "-n", ns, later_gone, "--wait=false"], None);
    namespace_with_jobs(ns, &[keep, later_new]);
    c.wait_until("the changes after the return", Duration::from_secs(30), |s| {
        [(keep, 1), (later_gone, 0), (later_new, 1)].iter().all(|(j, n)| rows_named(s, j) == *n).then_some(())
    });
    drop(c);
    delete_namespace(ns);
}

/// Filters the screen to `text` and waits for a row starting with it.
fn filter_to(c: &mut Console, text: &str) {
    c.press(&[Key::Char('/')]);
    c.type_text(text);
    c.press(&[Key::Enter]);
    c.wait_until(&format!("a row of {text}"), Duration::from_secs(30), |s| {
        let (_, rows) = s.size();
        (2..rows).any(|r| s.row(r).contains(text)).then_some(())
    });
}

/// The rows (below the title) that show `text`.
fn rows_showing(s: &Screen, text: &str) -> usize {
    let (_, rows) = s.size();
    (2..rows).filter(|r| s.row(*r).contains(text)).count()
}

/// The runs of the sandbox's exec plugin so far.
fn exec_plugin_runs() -> usize {
    let run = std::env::var("BATCHTOP_SANDBOX_RUN").expect("BATCHTOP_SANDBOX_RUN (sandbox env)");
    std::fs::read_to_string(Path::new(&run).join("exec-plugin.runs")).map_or(0, |t| t.lines().count())
}

/// The sandbox's exec-auth kubeconfig (a plugin that prints a short-lived
/// token and writes noise to stderr).
fn exec_kubeconfig() -> PathBuf {
    let path = std::env::var_os("BATCHTOP_SANDBOX_EXEC_KUBECONFIG").map_or_else(
        || {
            Path::new(&std::env::var("BATCHTOP_SANDBOX_RUN").expect("BATCHTOP_SANDBOX_RUN (sandbox env)"))
                .join("exec.kubeconfig")
        },
        PathBuf::from,
    );
    assert!(path.exists(), "{} is missing: run tests/sandbox/sandbox up", path.display());
    path
}

/// Nothing the plugin writes reaches the terminal: neither the screen nor
/// the bytes batchtop's terminal received.
fn assert_clean(c: &Console, when: &str) {
    let raw = String::from_utf8_lossy(&c.raw_tail()).into_owned();
    let text = c.text();
    assert!(!raw.contains("EXEC_PLUGIN_NOISE") && !text.contains("EXEC_PLUGIN_NOISE"), "{when}: plugin noise:\n{text}");
    assert!(!text.contains("eyJ"), "{when}: a token on screen:\n{text}");
}

/// The console's log holds the plugin's stderr from the runs that succeeded
/// (one line per run at least), and no token.
fn assert_logged(log: &Path, runs: usize) {
    let text = std::fs::read_to_string(log).unwrap_or_else(|e| panic!("the log file {}: {e}", log.display()));
    let noise: Vec<&str> =
        text.lines().filter(|l| l.contains("exec auth plugin succeeded") && l.contains("EXEC_PLUGIN_NOISE")).collect();
    assert!(noise.len() >= runs, "{} logged lines for {runs} runs:\n{text}", noise.len());
    assert!(noise.iter().all(|l| l.contains("batchtop-exec-credential")), "the plugin is named:\n{text}");
    assert!(!text.contains("eyJ"), "a token in the log:\n{text}");
}

/// An exec-plugin user, as on EKS, GKE and AKS: across token refreshes, an
/// action, a context switch (a new client, so the plugin runs again) and a
/// log stream, the plugin's stderr never reaches the screen; it is in the
/// log file, one line per run, with no token.
#[test]
fn exec_plugin_output_never_reaches_the_screen() {
    // The plugin asks the API server for every token, and a console whose
    // first token fails exits: not while another test has the server down.
    let _experiment = experiment();
    let ns = "batchtop-exec";
    namespace_with_jobs(ns, &["exec-action"]);
    let kubeconfig = exec_kubeconfig();
    let before = exec_plugin_runs();
    assert!(kubectl(&["get", "job", "-n", ns, "exec-action", "-o", "name"], None).contains("exec-action"));
    // Two namespaces: the Job to delete is in batchtop-exec, the pod to read in indexed.
    let (launch, log) =
        console_with_log(&["--kubeconfig", kubeconfig.to_str().unwrap(), "-n", "batchtop-exec", "-n", "indexed"]);
    let mut c = launch.spawn();
    c.wait_until("every watch ok", DEADLINE, watches_ok);
    filter_to(&mut c, "exec-action");
    assert_clean(&c, "started");

    // The token lives 75 s and is renewed 60 s before: a refresh by the
    // first request 15 s on (a watch re-asks every 25 s).
    let started = exec_plugin_runs();
    assert!(started > before, "the plugin ran at the start");
    let start = Instant::now();
    while exec_plugin_runs() == started {
        assert!(start.elapsed() < Duration::from_secs(60), "no token refresh within 60 s");
        std::thread::sleep(Duration::from_millis(500));
        assert_clean(&c, "during a token refresh");
    }

    c.press(&[Key::Char('D')]);
    c.wait_for_all(&["Confirm (changes the cluster)", "y do it"]);
    c.press(&[Key::Char('y')]);
    let start = Instant::now();
    while !kubectl(&["get", "jobs", "-n", ns, "-o", "name"], None).trim().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(30), "the Job was not deleted");
        std::thread::sleep(Duration::from_millis(300));
    }
    c.wait_until("the Job deleted", DEADLINE, |s| (rows_showing(s, "exec-action") == 0).then_some(()));
    assert_clean(&c, "after an action");

    let runs = exec_plugin_runs();
    c.press(&[Key::Char('c')]);
    c.wait_for("sandbox-exec-indexed");
    c.press(&[Key::Down, Key::Enter]);
    // Waited for, not read off the next screen: the picker names the new
    // context and the old watches are still ok before the switch begins.
    let start = Instant::now();
    while exec_plugin_runs() == runs {
        assert!(start.elapsed() < DEADLINE, "the new context did not run the plugin");
        std::thread::sleep(Duration::from_millis(300));
    }
    c.wait_until("the other context's watches ok", DEADLINE, |s| {
        (s.text().contains("sandbox-exec-indexed") && watches_ok(s).is_some()).then_some(())
    });
    assert_clean(&c, "after a context switch");

    c.press(&[Key::Char('3')]);
    filter_to(&mut c, "indexed-job");
    c.press(&[Key::Char('l')]);
    c.wait_for("logs: pod indexed/");
    std::thread::sleep(Duration::from_secs(2));
    assert_clean(&c, "during a log stream");
    c.press(&[Key::Esc]);
    drop(c);
    assert_logged(&log, exec_plugin_runs() - before);
}

/// The lines of a child's pipe, as they come, over a channel.
fn lines_of(pipe: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// `batchtop logs -f` on the logs scenario's ticker (5 lines a second)
/// through the fault proxy: a closed and then a reset line each say
/// "reconnecting" on stderr, and the stream goes on from the last line shown:
/// every tick in order, none twice, none lost. (A black hole is not tried: a
/// silent log stream is what a quiet container looks like too.)
#[test]
fn logs_follow_rides_out_a_cut_line_without_losing_or_repeating_a_line() {
    let pod = crate::logs::running_pod_of("ticker");
    let proxy = Proxy::start(api_server());
    let kubeconfig = kubeconfig_through(&proxy);
    let target = format!("pod/{pod}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchtop"))
        .args(["logs", "-f", target.as_str(), "-n", "logs", "--tail", "1", "--kubeconfig"])
        .arg(&kubeconfig)
        .env("XDG_STATE_HOME", crate::support::state_home())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running batchtop logs");
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    let mut last: Option<u64> = None;
    // Reads ticks until `more` past the last one; each must follow the one before.
    let mut ticks_until = |more: u64, when: &str| {
        let target = last.map_or(0, |l| l + more);
        let start = Instant::now();
        while last.is_none_or(|l| l < target) {
            let left = DEADLINE.saturating_sub(start.elapsed());
            let line = stdout.recv_timeout(left).unwrap_or_else(|_| panic!("{when}: no tick after {last:?}"));
            let n: u64 = line.strip_prefix("tick ").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{line:?}"));
            if let Some(l) = last {
                assert_eq!(n, l + 1, "{when}: ticks in order, none lost or repeated");
            }
            last = Some(n);
        }
    };
    ticks_until(5, "before the faults");
    for fault in [Fault::Close, Fault::Reset] {
        while stderr.try_recv().is_ok() {}
        proxy.inject(fault);
        let said = stderr.recv_timeout(NOTICED_WITHIN).unwrap_or_else(|_| panic!("{fault:?}: nothing on stderr"));
        assert!(said.contains("reconnecting"), "{fault:?}: {said}");
        std::thread::sleep(Duration::from_secs(1));
        proxy.heal();
        ticks_until(10, &format!("after {fault:?}"));
    }
    let _ = child.kill();
    let _ = child.wait();
}
