//! Scale benchmark (ignored by default; run with `tests/bench/scale.sh`, `make bench`):
//! batchtop and its peers, one after the other, each in a 120x40 pseudo-terminal
//! against the sandbox's scale profile (`sandbox scale up`).
//!
//! For each console: launch to the Jobs view showing every scale Job (read from the
//! screen's own count), resident memory settled and at peak, CPU over a window idle
//! and a window under `sandbox scale churn`, and the bytes written to the terminal
//! under churn, and the API requests its user made in each window (the sandbox's audit
//! log: each console runs as a user of its own); for batchtop also a pod's status
//! change to the screen showing it.
//! `batchtop --once -o json` and `kubectl get jobs,pods -A -o json` (the floor) are
//! timed with their peak memory, and the raw list transfer (`kubectl get --raw` of every pod
//! and Job) the launch and `--once` goals are set against. Nothing is asserted: the
//! figures are recorded.
//!
//! The environment says what to run: `BATCHTOP_BENCH_BATCHTOP` (the release binary),
//! `BATCHTOP_BENCH_K9S`, `_KDASH`, `_KUBETUI` (a peer whose variable is unset is left
//! out), `BATCHTOP_BENCH_WINDOW` (seconds of each CPU window, default 60),
//! `BATCHTOP_BENCH_RATE` (churn, changes a second, default 50), and where the figures
//! go: `BATCHTOP_BENCH_OUT` (Markdown rows), `BATCHTOP_BENCH_JSON`.
//!
//! Needs `eval "$(tests/sandbox/sandbox env)"` and `sandbox scale up`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::{Value, json};
use testkit::pty::{Console, Key, Launch, Screen};
use testkit::sandbox::admin;

use crate::bench_log_flood::{ms, percentile, rss_kib};

const SCALE_LABEL: &str = "sandbox.batchtop.dev/scale=true";
/// How long a console may take to show every Job before the run gives up on it.
const LAUNCH_LIMIT: Duration = Duration::from_secs(240);
/// Status changes timed for batchtop's change-to-screen latency.
const LATENCY_SAMPLES: usize = 40;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// What the sandbox holds, from the API (the numbers the screens must reach).
struct Sizes {
    scale_jobs: usize,
    scale_pods: usize,
    nodes: usize,
}

async fn sizes(client: &kube::Client) -> Sizes {
    let lp = ListParams::default().labels(SCALE_LABEL);
    let jobs: Api<Job> = Api::all(client.clone());
    let pods: Api<Pod> = Api::all(client.clone());
    let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(client.clone());
    Sizes {
        scale_jobs: jobs.list_metadata(&lp).await.expect("list scale Jobs").items.len(),
        scale_pods: pods.list_metadata(&lp).await.expect("list scale pods").items.len(),
        nodes: nodes.list_metadata(&ListParams::default()).await.expect("list nodes").items.len(),
    }
}

/// A console under test: how to start it and how to read its Jobs count off the screen.
struct Tool {
    name: &'static str,
    launch: Launch,
    /// The text just before the number of Jobs its view shows (`Jobs [2000]`: `Jobs [`).
    count_after: &'static str,
    /// What the count counts, when it is not the Jobs view (a peer without one).
    counts: &'static str,
    /// The count is of pods (a peer without a Jobs view), not of Jobs.
    pods: bool,
    /// Where its Pods view counts every pod, once the Jobs are shown: the key to it,
    /// the text before the count and the key back to the Jobs view (batchtop only).
    pods_view: Option<(Key, &'static str, Key)>,
    /// Keys that open its Jobs view, typed once it has drawn its first screen.
    keys: &'static [Key],
}

/// The number right after `prefix` anywhere on screen; of `N/M` (kubetui's
/// selected/total), the total. Thousands separators are dropped: k9s writes
/// `jobs(all)[2,047]` (the earlier runs read that as 2 and never saw k9s done).
fn count_after(s: &Screen, prefix: &str) -> Option<usize> {
    let text = s.text();
    let at = text.find(prefix)? + prefix.len();
    let numbers: String =
        text[at..].chars().take_while(|c| c.is_ascii_digit() || *c == '/' || *c == ',').filter(|c| *c != ',').collect();
    numbers.rsplit('/').next()?.parse().ok()
}

/// CPU time of `pid` (user + system) so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th.
    let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, f)| f.split_whitespace().collect()).unwrap_or_default();
    let ticks: u64 = fields.get(11..13).map_or(0, |f| f.iter().filter_map(|v| v.parse::<u64>().ok()).sum());
    Duration::from_secs_f64(ticks as f64 / clock_ticks())
}

fn clock_ticks() -> f64 {
    let out = Command::new("getconf").arg("CLK_TCK").output().ok();
    out.and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok()).unwrap_or(100.0)
}

/// Per cent of one core `pid` used over `window`, and the bytes it wrote meanwhile.
fn cpu_and_bytes(c: &Console, window: Duration) -> (f64, u64) {
    let (cpu0, bytes0, t0) = (cpu_time(c.pid()), c.bytes_written(), Instant::now());
    std::thread::sleep(window);
    let used = cpu_time(c.pid()).saturating_sub(cpu0);
    (used.as_secs_f64() * 100.0 / t0.elapsed().as_secs_f64(), c.bytes_written() - bytes0)
}

fn sandbox_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/sandbox")
}

/// `sandbox scale churn` for `window`, in the background.
fn start_churn(rate: u64, window: Duration) -> std::process::Child {
    Command::new(sandbox_script())
        .args(["scale", "churn", "--rate", &rate.to_string(), "--seconds", &window.as_secs().to_string()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start sandbox scale churn")
}

/// One console's figures.
#[derive(Default)]
struct Figures {
    launch: Option<Duration>,
    /// Launch to its Pods view counting every scale pod (batchtop only).
    launch_pods: Option<Duration>,
    rss_settled_kib: u64,
    rss_peak_kib: u64,
    cpu_idle: f64,
    cpu_churn: f64,
    bytes_per_min_churn: f64,
    latency: Option<(Duration, Duration, usize)>,
    /// Requests per minute its user made, from the API server's audit log, idle and under churn.
    requests_idle: Option<Requests>,
    requests_churn: Option<Requests>,
    note: String,
}

/// What one user asked of the API server over a window, per minute.
#[derive(Clone, Copy)]
struct Requests {
    per_min: f64,
    /// Of them, watches opened (each counted once, when it opens).
    watches_per_min: f64,
}

type Stamp = chrono::DateTime<chrono::Utc>;

/// The user each console runs as (its own client certificate, `sandbox` lib/pki.sh),
/// so the audit log tells its requests apart: `bench-<tool>`.
fn bench_kubeconfig(tool: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("BATCHTOP_SANDBOX_BENCH_KUBECONFIGS")?;
    Some(Path::new(&dir).join(format!("{tool}.kubeconfig"))).filter(|p| p.exists())
}

/// The requests `bench-<tool>` made between `from` and `to`, read from the
/// sandbox's audit log (one line per request, written when it is received).
fn requests_of(tool: &str, from: Stamp, to: Stamp) -> Option<Requests> {
    let log = std::env::var_os("BATCHTOP_SANDBOX_AUDIT_LOG")?;
    let text = std::fs::read_to_string(log).ok()?;
    let user = format!("bench-{tool}");
    let (mut all, mut watches) = (0u64, 0u64);
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else { continue };
        if event["user"]["username"] != user.as_str() {
            continue;
        }
        let at = event["requestReceivedTimestamp"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        if at.is_some_and(|t| t >= from && t < to) {
            all += 1;
            watches += u64::from(event["verb"] == "watch");
        }
    }
    let minutes = (to - from).as_seconds_f64() / 60.0;
    Some(Requests { per_min: all as f64 / minutes, watches_per_min: watches as f64 / minutes })
}

fn measure(tool: Tool, sizes: &Sizes, window: Duration, rate: u64, latency_pod: Option<(&str, &str)>) -> Figures {
    let mut figures = Figures { note: tool.counts.to_string(), ..Figures::default() };
    let want = if tool.pods { sizes.scale_pods } else { sizes.scale_jobs };
    let started = Instant::now();
    let mut c = tool.launch.spawn();
    let shown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if !tool.keys.is_empty() {
            c.wait_until("a first screen", LAUNCH_LIMIT, |s| (!s.text().trim().is_empty()).then_some(()));
            c.press(tool.keys);
        }
        c.wait_until("every Job on screen", LAUNCH_LIMIT, |s| {
            count_after(s, tool.count_after).filter(|n| *n >= want).map(|_| ())
        });
    }));
    if shown.is_err() {
        eprintln!("bench: {} did not show {want}; its screen:\n{}", tool.name, c.text());
        figures.note = format!(
            "did not show {want} within {LAUNCH_LIMIT:?}: {}",
            c.text().lines().take(3).collect::<Vec<_>>().join(" / ")
        );
        return figures;
    }
    figures.launch = Some(started.elapsed());
    if let Some((to_pods, pods_prefix, back)) = tool.pods_view {
        c.press(&[to_pods]);
        c.wait_until("every pod on screen", LAUNCH_LIMIT, |s| {
            count_after(s, pods_prefix).filter(|n| *n >= sizes.scale_pods).map(|_| ())
        });
        figures.launch_pods = Some(started.elapsed());
        c.press(&[back]);
    }
    // Settling: the watches' relists and the first redraws are over.
    std::thread::sleep(Duration::from_secs(10));
    figures.rss_settled_kib = rss_kib(c.pid()).0;
    let idle_from = chrono::Utc::now();
    figures.cpu_idle = cpu_and_bytes(&c, window).0;
    let churn_from = chrono::Utc::now();
    figures.requests_idle = requests_of(tool.name, idle_from, churn_from);
    let mut churn = start_churn(rate, window);
    let (cpu, bytes) = cpu_and_bytes(&c, window);
    let _ = churn.wait();
    figures.requests_churn = requests_of(tool.name, churn_from, chrono::Utc::now());
    figures.cpu_churn = cpu;
    figures.bytes_per_min_churn = bytes as f64 * 60.0 / window.as_secs_f64();
    if let Some((ns, pod)) = latency_pod {
        figures.latency = Some(status_latency(&mut c, ns, pod));
    }
    figures.rss_peak_kib = rss_kib(c.pid()).1;
    drop(c);
    figures
}

/// batchtop's Pods view filtered to one pod; its readiness flipped through the API,
/// timed from the PATCH's answer to the row showing the new READY.
fn status_latency(c: &mut Console, ns: &str, pod: &str) -> (Duration, Duration, usize) {
    c.press(&[Key::Char('3'), Key::Char('/')]);
    c.type_text(pod);
    c.press(&[Key::Enter]);
    let row_of = |s: &Screen| {
        let (rows, _) = s.size();
        (2..rows).map(|r| s.row(r)).find(|r| r.contains(pod))
    };
    c.wait_until("the probe pod's row", Duration::from_secs(60), |s| row_of(s).map(|_| ()));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let pods: Api<Pod> = rt.block_on(async { Api::namespaced(admin().await.client, ns) });
    let mut samples = Vec::new();
    for i in 0..LATENCY_SAMPLES {
        let ready = i % 2 == 1;
        let patch = json!({"status": {
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" },
                            "lastTransitionTime": chrono::Utc::now().to_rfc3339()}],
            "containerStatuses": [{"name": "main", "ready": ready}],
        }});
        rt.block_on(pods.patch_status(pod, &PatchParams::default(), &Patch::Strategic(&patch)))
            .expect("patch the probe pod");
        let sent = Instant::now();
        let want = if ready { " 1/1 " } else { " 0/1 " };
        c.wait_until("the readiness change", Duration::from_secs(20), |s| {
            row_of(s).filter(|r| r.contains(want)).map(|_| ())
        });
        samples.push(sent.elapsed());
        std::thread::sleep(Duration::from_millis(150));
    }
    samples.sort();
    (percentile(&samples, 0.5), percentile(&samples, 0.99), samples.len())
}

/// Wall time and peak memory of a command whose output is thrown away (GNU time),
/// run as `tool`'s own user.
fn timed(tool: &str, program: &str, args: &[&str]) -> (Duration, u64, i32) {
    let started = Instant::now();
    let mut command = Command::new("/usr/bin/time");
    if let Some(kubeconfig) = bench_kubeconfig(tool) {
        command.env("KUBECONFIG", kubeconfig);
    }
    let out = command
        .args(["-f", "%M"])
        .arg(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .output()
        .expect("run /usr/bin/time");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    (took, peak, out.status.code().unwrap_or(-1))
}

/// The raw list transfer the launch and `--once` goals are set against: every pod and
/// every Job of the cluster, one unpaginated consistent list each (`kubectl get --raw`,
/// as the issue measured it), written nowhere and decoded by nobody. The wall time of
/// the two lists one after the other, and the larger peak memory.
fn raw_transfer(kubectl: &str) -> (Duration, u64, i32) {
    let pods = timed("kubectl", kubectl, &["get", "--raw", "/api/v1/pods"]);
    let jobs = timed("kubectl", kubectl, &["get", "--raw", "/apis/batch/v1/jobs"]);
    (pods.0 + jobs.0, pods.1.max(jobs.1), if pods.2 != 0 { pods.2 } else { jobs.2 })
}

/// A scratch directory for a peer's configuration, so none of the operator's is read or written.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("batchtop-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// `launch` confined to `dir`, as `tool`'s own user.
fn in_scratch(launch: Launch, tool: &str, dir: &Path) -> Launch {
    let launch = match bench_kubeconfig(tool) {
        Some(kubeconfig) => launch.env("KUBECONFIG", kubeconfig),
        None => launch,
    };
    launch
        .size(120, 40)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .cwd(dir)
}

fn tools(batchtop: &str) -> Vec<Tool> {
    let mut tools = vec![Tool {
        name: "batchtop",
        launch: in_scratch(Launch::new(batchtop).arg("-A"), "batchtop", &scratch("batchtop")),
        count_after: " Jobs [",
        counts: "",
        pods: false,
        pods_view: Some((Key::Char('3'), " Pods [", Key::Char('1'))),
        keys: &[],
    }];
    if let Ok(k9s) = std::env::var("BATCHTOP_BENCH_K9S") {
        let dir = scratch("k9s");
        tools.push(Tool {
            name: "k9s",
            launch: in_scratch(Launch::new(k9s).args(["-A", "-c", "jobs", "--readonly", "--logoless"]), "k9s", &dir)
                .env("K9S_CONFIG_DIR", dir.join("k9s")),
            count_after: "jobs(all)[",
            counts: "",
            pods: false,
            pods_view: None,
            keys: &[],
        });
    }
    if let Ok(kdash) = std::env::var("BATCHTOP_BENCH_KDASH") {
        tools.push(Tool {
            name: "kdash",
            launch: in_scratch(Launch::new(kdash), "kdash", &scratch("kdash")),
            count_after: "Jobs (ns: all) [",
            counts: "",
            pods: false,
            pods_view: None,
            // Its Jobs tab.
            keys: &[Key::Char('8')],
        });
    }
    if let Ok(kubetui) = std::env::var("BATCHTOP_BENCH_KUBETUI") {
        tools.push(Tool {
            name: "kubetui",
            launch: in_scratch(Launch::new(kubetui).arg("-A"), "kubetui", &scratch("kubetui")),
            count_after: "Pod [",
            counts: "no Jobs view: its Pod list (all namespaces) is what is timed",
            pods: true,
            pods_view: None,
            keys: &[],
        });
    }
    tools
}

fn mib(kib: u64) -> String {
    format!("{:.0} MB", kib as f64 * 1024.0 / 1e6)
}

fn per_min(r: Option<Requests>) -> f64 {
    r.map_or(0.0, |r| r.per_min)
}

fn ratio(ours: f64, theirs: f64) -> String {
    if ours <= 0.0 || theirs <= 0.0 { "-".into() } else { format!("{:.2}×", theirs / ours) }
}

#[allow(clippy::too_many_lines)] // one table: each row is one figure
fn table(
    sizes: &Sizes,
    once: (Duration, u64, i32),
    floor: (Duration, u64, i32),
    raw: (Duration, u64, i32),
    results: &[(&str, Figures)],
) -> (String, Value) {
    let mut md = String::new();
    md.push_str(&format!(
        "| when | {} |\n| sandbox | {} scale Jobs, {} scale pods, {} nodes; 120x40 PTY; `--once`: exit {} |\n\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        sizes.scale_jobs,
        sizes.scale_pods,
        sizes.nodes,
        once.2
    ));
    md.push_str("| figure |");
    for (name, _) in results {
        md.push_str(&format!(" {name} |"));
    }
    md.push_str(" kubectl get jobs,pods -A -o json |\n| --- |");
    for _ in results {
        md.push_str(" --- |");
    }
    md.push_str(" --- |\n");
    let row = |label: &str, cell: &dyn Fn(&Figures) -> String, floor_cell: &str| {
        let mut r = format!("| {label} |");
        for (_, f) in results {
            // A console that never showed its Jobs has no figures, only its note.
            let shown = f.launch.is_some() || label == "note";
            r.push_str(&format!(" {} |", if shown { cell(f) } else { "-".into() }));
        }
        r.push_str(&format!(" {floor_cell} |\n"));
        r
    };
    md.push_str(&row(
        "launch → every scale Job on screen",
        &|f| f.launch.map_or_else(|| "-".into(), |d| format!("{:.2} s", d.as_secs_f64())),
        &format!("{:.2} s (list + decode)", floor.0.as_secs_f64()),
    ));
    md.push_str(&row(
        "launch → every scale pod on screen",
        &|f| f.launch_pods.map_or_else(|| "-".into(), |d| format!("{:.2} s", d.as_secs_f64())),
        "-",
    ));
    md.push_str(&row("resident memory settled", &|f| mib(f.rss_settled_kib), "-"));
    md.push_str(&row("resident memory peak", &|f| mib(f.rss_peak_kib), &mib(floor.1)));
    md.push_str(&row("CPU idle (% of one core)", &|f| format!("{:.2} %", f.cpu_idle), "-"));
    md.push_str(&row("CPU under churn", &|f| format!("{:.2} %", f.cpu_churn), "-"));
    md.push_str(&row(
        "bytes to the terminal per minute under churn",
        &|f| format!("{:.1} KB", f.bytes_per_min_churn / 1000.0),
        "-",
    ));
    md.push_str(&row(
        "status change → screen",
        &|f| f.latency.map_or_else(|| "-".into(), |(p50, p99, n)| format!("p50 {}, p99 {} ({n})", ms(p50), ms(p99))),
        "-",
    ));
    let requests = |r: Option<Requests>| {
        r.map_or_else(|| "-".into(), |r| format!("{:.1} ({:.1} watches opened)", r.per_min, r.watches_per_min))
    };
    md.push_str(&row("API requests per minute idle", &|f| requests(f.requests_idle), "-"));
    md.push_str(&row("API requests per minute under churn", &|f| requests(f.requests_churn), "-"));
    md.push_str(&row("note", &|f| if f.note.is_empty() { "-".into() } else { f.note.clone() }, "-"));
    md.push_str(&format!(
        "\n`batchtop --once -o json -A`: {:.2} s, peak {} (exit {}); `kubectl get jobs,pods -A -o json`: {:.2} s, peak {}.\n",
        once.0.as_secs_f64(),
        mib(once.1),
        once.2,
        floor.0.as_secs_f64(),
        mib(floor.1)
    ));
    if let Some((_, ours)) = results.first() {
        md.push_str("\nRatios (peer ÷ batchtop; above 1 batchtop is ahead):\n\n| peer | launch | memory settled | CPU idle | CPU churn | bytes/min | API requests/min idle |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for (name, f) in &results[1..] {
            md.push_str(&format!(
                "| {name} | {} | {} | {} | {} | {} | {} |\n",
                ratio(ours.launch.map_or(0.0, |d| d.as_secs_f64()), f.launch.map_or(0.0, |d| d.as_secs_f64())),
                ratio(ours.rss_settled_kib as f64, f.rss_settled_kib as f64),
                ratio(ours.cpu_idle, f.cpu_idle),
                ratio(ours.cpu_churn, f.cpu_churn),
                ratio(ours.bytes_per_min_churn, f.bytes_per_min_churn),
                ratio(per_min(ours.requests_idle), per_min(f.requests_idle)),
            ));
        }
        md.push_str(&format!(
            "| kubectl (floor) | {} | - | - | - | - | - |\n`--once` ÷ kubectl: {:.2}× the time.\n",
            ratio(ours.launch.map_or(0.0, |d| d.as_secs_f64()), floor.0.as_secs_f64()),
            once.0.as_secs_f64() / floor.0.as_secs_f64()
        ));
        let of_raw = |d: Option<Duration>| {
            d.map_or_else(|| "-".into(), |d| format!("{:.2}×", d.as_secs_f64() / raw.0.as_secs_f64()))
        };
        md.push_str(&format!(
            "\nAgainst the raw list transfer (`kubectl get --raw` of every pod, then every Job: {:.2} s, exit {}; \
             the goal is at most 1.5×): batchtop's Jobs on screen {}, every pod on screen {}, `--once -o json` {}.\n",
            raw.0.as_secs_f64(),
            raw.2,
            of_raw(ours.launch),
            of_raw(ours.launch_pods),
            of_raw(Some(once.0)),
        ));
    }
    let tools: Vec<Value> = results
        .iter()
        .map(|(name, f)| {
            json!({
                "tool": name,
                "launch_s": f.launch.map(|d| d.as_secs_f64()),
                "launch_pods_s": f.launch_pods.map(|d| d.as_secs_f64()),
                "rss_settled_kib": f.rss_settled_kib,
                "rss_peak_kib": f.rss_peak_kib,
                "cpu_idle_pct": f.cpu_idle,
                "cpu_churn_pct": f.cpu_churn,
                "bytes_per_min_churn": f.bytes_per_min_churn,
                "latency_p50_ms": f.latency.map(|l| l.0.as_secs_f64() * 1000.0),
                "latency_p99_ms": f.latency.map(|l| l.1.as_secs_f64() * 1000.0),
                "api_requests_per_min_idle": f.requests_idle.map(|r| r.per_min),
                "api_watches_per_min_idle": f.requests_idle.map(|r| r.watches_per_min),
                "api_requests_per_min_churn": f.requests_churn.map(|r| r.per_min),
                "api_watches_per_min_churn": f.requests_churn.map(|r| r.watches_per_min),
                "note": f.note,
            })
        })
        .collect();
    let doc = json!({
        "when": chrono::Utc::now().to_rfc3339(),
        "scale_jobs": sizes.scale_jobs, "scale_pods": sizes.scale_pods, "nodes": sizes.nodes,
        "once": {"seconds": once.0.as_secs_f64(), "peak_kib": once.1, "exit": once.2},
        "kubectl_floor": {"seconds": floor.0.as_secs_f64(), "peak_kib": floor.1, "exit": floor.2},
        "raw_transfer": {"seconds": raw.0.as_secs_f64(), "peak_kib": raw.1, "exit": raw.2},
        "tools": tools,
    });
    (md, doc)
}

#[test]
#[ignore = "benchmark: run with tests/bench/scale.sh (make bench)"]
fn scale_side_by_side() {
    let batchtop = std::env::var("BATCHTOP_BENCH_BATCHTOP").unwrap_or_else(|_| env!("CARGO_BIN_EXE_batchtop").into());
    let window = Duration::from_secs(env_or("BATCHTOP_BENCH_WINDOW", 60));
    let rate = env_or("BATCHTOP_BENCH_RATE", 50);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let client = rt.block_on(async { admin().await.client });
    let sizes = rt.block_on(sizes(&client));
    assert!(sizes.scale_jobs > 0, "no scale profile: run tests/sandbox/sandbox scale up first");
    let probe = rt.block_on(async {
        let pods: Api<Pod> = Api::all(client.clone());
        let list = pods.list(&ListParams::default().labels(SCALE_LABEL).fields("status.phase=Running").limit(1)).await;
        let pod = list.expect("list a running scale pod").items.into_iter().next().expect("a running scale pod");
        (pod.metadata.namespace.unwrap_or_default(), pod.metadata.name.unwrap_or_default())
    });
    drop(rt);

    let once = timed("batchtop", &batchtop, &["--once", "-o", "json", "-A"]);
    let kubectl = std::env::var("SANDBOX_KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let floor = timed("kubectl", &kubectl, &["get", "jobs,pods", "-A", "-o", "json"]);
    let raw = raw_transfer(&kubectl);

    let mut results = Vec::new();
    for tool in tools(&batchtop) {
        let name = tool.name;
        eprintln!("bench: {name} ...");
        let latency = (name == "batchtop").then_some((probe.0.as_str(), probe.1.as_str()));
        results.push((name, measure(tool, &sizes, window, rate, latency)));
    }
    let (md, doc) = table(&sizes, once, floor, raw, &results);
    println!("{md}");
    if let Ok(path) = std::env::var("BATCHTOP_BENCH_OUT") {
        std::fs::write(&path, &md).expect("write the benchmark table");
    }
    if let Ok(path) = std::env::var("BATCHTOP_BENCH_JSON") {
        std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("json")).expect("write the benchmark JSON");
    }
}
