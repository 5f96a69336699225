//! `batchtop --once`: connect, wait for the first complete list of every
//! watched kind (bounded by a timeout), print the report, exit.
//!
//! Exit codes: 0 all good; 1 some listed Job failed; 2 could not reach or
//! authenticate to the cluster, timed out before the first lists, RBAC
//! refused every Job watch (nothing could be listed), or a watch was stale
//! (retrying after it listed) or failed when the report was taken. Watches refused in some
//! namespaces only are reported (stdout's table, `watches[]`, stderr with
//! `-o json`) without changing the exit code.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::cli::Output;
use crate::logging;
use crate::report::{self, Report};
use model::queue::{self, Queues};
use model::scope::Scope;
use model::settings::Config;
use model::{Kind, State, WatchHealth, WatchId};
use source::cluster::Cluster;
use source::kube::spawn_watches;
use source::queues::snapshot;

/// Why `--once` could not produce a trustworthy report.
#[derive(Debug, thiserror::Error)]
pub enum OnceError {
    #[error("timed out after {} waiting for the first list of {pending}", humantime::format_duration(*timeout))]
    Timeout { timeout: Duration, pending: String },
    #[error("the watches stopped before listing (internal error)")]
    Closed,
}

/// Watches `scope` until every watch has listed once or was refused by RBAC.
pub async fn collect(conn: &Cluster, scope: &Scope, timeout: Duration) -> Result<State, OnceError> {
    let (tx, mut rx) = mpsc::channel(4096);
    let handles = spawn_watches(&conn.client, scope, tx);
    let ids = handles.ids().to_vec();
    let mut state = State::default();
    let deadline = tokio::time::Instant::now() + timeout;
    while !ids.iter().all(|id| settled(&state, id)) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(update)) => {
                state.apply(update, chrono::Utc::now());
            }
            Ok(None) => return Err(OnceError::Closed),
            Err(_) => return Err(OnceError::Timeout { timeout, pending: pending(&state, &ids) }),
        }
    }
    drop(handles);
    Ok(state)
}

/// Polls the queues the config and the Jobs name: twice, a second apart, so
/// rates exist and an orphaned rediswq lease is confirmed (as the console
/// does). A broker that does not answer shows as unreachable; nothing here
/// waits longer than a few seconds.
pub async fn collect_queues(
    config: &Config,
    state: &State,
    scaled_jobs: &[queue::ScaledJobInfo],
    secrets: &std::collections::BTreeMap<queue::SecretRef, queue::SecretValue>,
) -> Queues {
    let scaled: std::collections::BTreeMap<_, _> = scaled_jobs.iter().map(|s| (s.key.clone(), s.clone())).collect();
    let plan = queue::plan_full(config, state.jobs.values(), &scaled, secrets);
    if plan.sources.is_empty() {
        return Queues::from_config(config);
    }
    snapshot(&plan, Queues::from_config(config), &state.jobs, ONCE_QUEUE_POLLS, Duration::from_secs(1)).await
}

/// Polls per queue source in `--once`.
pub const ONCE_QUEUE_POLLS: u32 = 2;

/// Listed once, or refused or failed for good.
fn settled(state: &State, id: &WatchId) -> bool {
    state
        .watches
        .get(id)
        .is_some_and(|s| s.synced || matches!(s.health, WatchHealth::Forbidden { .. } | WatchHealth::Failed { .. }))
}

/// One stderr line per watch whose rows were not current when the report was
/// taken: "stale: jobs in namespace x since 01:52:10 UTC (error)" or
/// "failed: jobs in namespace x (the task panicked: ...)".
fn stale_lines(state: &State) -> Vec<String> {
    state
        .watches
        .iter()
        .filter_map(|(id, s)| match &s.health {
            WatchHealth::Retrying { error } => {
                let since = s.stale_since.map(|t| format!(" since {} UTC", t.format("%H:%M:%S"))).unwrap_or_default();
                Some(format!("stale: {}{since} ({error})", watch_name(id)))
            }
            WatchHealth::Failed { error } => Some(format!("failed: {} ({error})", watch_name(id))),
            _ => None,
        })
        .map(|line| model::text::sanitize(&line))
        .collect()
}

/// "pods in all namespaces (connection refused), jobs in namespace x".
fn pending(state: &State, ids: &[WatchId]) -> String {
    ids.iter()
        .filter(|id| !settled(state, id))
        .map(|id| {
            let error = match state.watches.get(id).map(|s| &s.health) {
                Some(WatchHealth::Retrying { error } | WatchHealth::Failed { error }) => format!(" ({error})"),
                _ => String::new(),
            };
            format!("{}{error}", watch_name(id))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "jobs in namespace indexed", "nodes (cluster-wide)", "pods in all namespaces".
pub fn watch_name(id: &WatchId) -> String {
    match (&id.namespace, id.kind) {
        (Some(ns), kind) => format!("{} in namespace {ns}", kind.plural()),
        (None, Kind::Node) => "nodes (cluster-wide)".to_string(),
        (None, kind) => format!("{} in all namespaces", kind.plural()),
    }
}

/// Runs `--once` on a connected client; prints the report and returns the exit code.
/// `colour`: the text output may use colour (`--color`, and stdout is a terminal).
pub async fn run(
    conn: &Cluster,
    scope: &Scope,
    timeout: Duration,
    output: Output,
    config: &Config,
    colour: bool,
) -> i32 {
    let state = match collect(conn, scope, timeout).await {
        Ok(state) => state,
        Err(e) => {
            logging::to_stderr(format_args!("{e}"));
            return 2;
        }
    };
    let limits = model::warnings::Limits::of(config);
    let mut report = Report::build(&state, &conn.context, scope, chrono::Utc::now(), limits);
    let scaled = tokio::time::timeout(Duration::from_secs(5), source::keda::list(&conn.client, &scope.namespaces))
        .await
        .unwrap_or_default();
    // Secret values only with `allow_secrets`, and only those linking needs.
    let wanted = queue::secrets_wanted(config, state.jobs.values());
    let secrets = if wanted.is_empty() {
        BTreeMap::new()
    } else {
        tokio::time::timeout(Duration::from_secs(5), source::secrets::read(&conn.client, &wanted))
            .await
            .unwrap_or_default()
    };
    let queues = collect_queues(config, &state, &scaled, &secrets).await;
    report.add_queues(&queues, &state);
    let printed = match output {
        Output::Json => serde_json::to_string_pretty(&report).map(|mut s| {
            s.push('\n');
            s
        }),
        Output::Text => Ok(report::text::render(&report, colour)),
    };
    let text = match printed {
        Ok(text) => text,
        Err(e) => {
            logging::to_stderr(format_args!("cannot encode the report: {e}"));
            return 2;
        }
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`batchtop --once | head`) is not an error worth a message.
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
    let forbidden: Vec<(&WatchId, &str)> = state
        .watches
        .iter()
        .filter_map(|(id, s)| match &s.health {
            WatchHealth::Forbidden { message } => Some((id, message.as_str())),
            _ => None,
        })
        .collect();
    if output == Output::Json {
        for (id, message) in &forbidden {
            logging::to_stderr(format_args!("forbidden: {}: {message}", watch_name(id)));
        }
    }
    let stale = stale_lines(&state);
    for line in &stale {
        eprintln!("batchtop: {line}");
    }
    let job_watches = state.watches.keys().filter(|id| id.kind == Kind::Job).count();
    let jobs_forbidden: Vec<_> = forbidden.iter().filter(|(id, _)| id.kind == Kind::Job).collect();
    if job_watches > 0 && jobs_forbidden.len() == job_watches {
        logging::to_stderr(format_args!(
            "forbidden: cannot list Jobs in any watched namespace: {}",
            jobs_forbidden[0].1
        ));
        return 2;
    }
    if !stale.is_empty() {
        return 2;
    }
    report.exit_code()
}

#[cfg(test)]
mod tests {
    //! No password reaches `--once`'s output (issue 10): whatever the watch,
    //! broker and management errors hold, the JSON, the text tables (with and
    //! without colour) and the stderr lines carry no piece of it.

    use model::queue::QueueUpdate;
    use model::scope::Namespaces;
    use proptest::prelude::*;
    use testkit::sample;

    use super::*;

    /// Starts every password: a cut-off piece of one still shows it.
    const MARKER: &str = "Zq9";

    /// The sample state with every watch unhealthy in `password`'s name (the
    /// first failed, the rest retrying after they listed), and the sample
    /// queues with a source whose display, poll error and management error
    /// carry it, each through the model's `apply` as the sources send them.
    fn hostile(password: &str, polled: bool) -> (State, Queues) {
        let mut state = sample::state();
        let now = sample::now();
        let error =
            format!("error sending request for url (https://admin:{password}@127.0.0.1:6443/apis/batch/v1/jobs)");
        let ids: Vec<WatchId> = state.watches.keys().cloned().collect();
        for (i, id) in ids.into_iter().enumerate() {
            let health = if i == 0 {
                WatchHealth::Failed { error: error.clone() }
            } else {
                WatchHealth::Retrying { error: error.clone() }
            };
            state.apply(model::Update::Health(id, health), now);
        }
        let mut queues = sample::queues(&state.jobs);
        let source = "rabbitmq".to_string();
        let url = format!("amqp://guest:{password}@rabbitmq-service:5672/%2f");
        queues.apply(QueueUpdate::Started {
            source: source.clone(),
            kind: model::queue::BrokerKind::RabbitMq,
            display: url.clone(),
            queues: vec!["job1".into()],
        });
        let update = if polled {
            let readings =
                queues.by_key.values().filter(|q| q.key.source == source).map(|q| q.reading.clone()).collect();
            QueueUpdate::Polled {
                source,
                at: now,
                readings,
                management_error: Some(format!("management API http://guest:{password}@127.0.0.1:15672: refused")),
            }
        } else {
            QueueUpdate::Failed { source, at: now, error: format!("connecting to {url}: connection refused") }
        };
        queues.apply(update);
        (state, queues)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn no_password_reaches_the_report_or_its_stderr_lines(tail in "[ -~]{0,16}", polled in any::<bool>()) {
            let password = format!("{MARKER}{tail}");
            let (state, queues) = hostile(&password, polled);
            let scope = Scope {
                namespaces: Namespaces::All,
                selector: None,
                kinds: Scope::ONCE_KINDS.to_vec(),
                events_of: Scope::ONCE_EVENTS_OF,
            };
            let mut report = Report::build(&state, "sandbox", &scope, sample::now(), model::warnings::Limits::default());
            report.add_queues(&queues, &state);
            let json = serde_json::to_string_pretty(&report).expect("the report encodes");
            prop_assert!(!json.contains(MARKER), "JSON:\n{json}");
            // The errors are reported, masked (a management API's error only shows in the console's detail).
            prop_assert!(json.contains("admin:***@"), "the watch errors:\n{json}");
            prop_assert!(polled || json.contains("guest:***@"), "the broker's error:\n{json}");
            for colour in [false, true] {
                let text = report::text::render(&report, colour);
                prop_assert!(!text.contains(MARKER), "text (colour {colour}):\n{text}");
            }
            let stderr = stale_lines(&state).join("\n");
            prop_assert!(stderr.contains("stale: "), "{stderr}");
            prop_assert!(!stderr.contains(MARKER), "stderr:\n{stderr}");
        }
    }
}
