//! Log streams: one pod, or a Job's merged view (one stream per pod).
//!
//! [`spawn`] starts a session that sends [`LogEvent`]s over its own channel;
//! dropping the [`LogSession`] stops every stream it started.
//!
//! - **Follow**: the session watches the target's pods (a Job's by the
//!   `batch.kubernetes.io/job-name` label, so pods that start later join) and
//!   opens a stream per pod once its container has started; until then the
//!   view says why it waits. A stream ends cleanly when its container exits
//!   or the pod goes away; a broken connection reconnects from the last line
//!   seen (by timestamp, so no line is shown twice). A Job's view is done when
//!   the Job finished and every stream ended.
//! - **Not following**: the pods are listed once and read one after the other.
//!
//! Logs are always requested with `timestamps=true`: the timestamp is what a
//! reconnect resumes from, and the screen can show or hide it without
//! fetching again. Lines are split with a bound per line and sanitised here,
//! off the UI thread.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, ListParams, LogParams};
use kube::runtime::watcher::{self, Event, watcher};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, sleep_until};

use model::logs::buffer::{LineSplitter, LogEvent, ReadLine, StreamId, StreamStatus, read_line};
use model::logs::explain::{
    self, Explanation, LogFailure, LogProblem, explain_failure, explain_lookup, explain_not_ready,
};
use model::logs::request::{JOB_NAME_LABEL, LogRequest, LogTarget, container_for};
use model::{ContainerState, PodInfo, Time};

use crate::error::error_chain;
use crate::kube::project;

/// Events buffered per session before the streams wait for the screen: the
/// back-pressure that keeps memory flat when a pod floods.
const CHANNEL_CAPACITY: usize = 256;

/// After a container exits, a stream that stays silent this long is ended
/// (some kubelets, and kwok, do not close a follow stream on exit).
const EXIT_GRACE: Duration = Duration::from_millis(1500);

const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// Which pods a request's watch sees: the pod by name, or a Job's pods by label.
fn watch_config(request: &LogRequest) -> watcher::Config {
    match &request.target {
        LogTarget::Pod(name) => watcher::Config::default().fields(&format!("metadata.name={name}")),
        LogTarget::Job { name, .. } => watcher::Config::default().labels(&format!("{JOB_NAME_LABEL}={name}")),
    }
}

/// A running log session. Dropping it stops all its streams.
pub struct LogSession {
    pub request: LogRequest,
    pub events: mpsc::Receiver<LogEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl LogSession {
    /// Waits for the next batch of events: at least one, then whatever else
    /// is already queued (so a flood is folded in one go per frame).
    pub async fn next_batch(&mut self, max: usize) -> Option<Vec<LogEvent>> {
        crate::batch::next_batch(&mut self.events, max).await
    }
}

impl Drop for LogSession {
    fn drop(&mut self) {
        // Aborting the supervisor drops its JoinSet, which aborts every stream.
        self.task.abort();
    }
}

/// Starts a log session on the current tokio runtime.
pub fn spawn(client: Client, request: LogRequest) -> LogSession {
    let (tx, events) = mpsc::channel(CHANNEL_CAPACITY);
    let task = tokio::spawn(supervise(client, request.clone(), tx));
    LogSession { request, events, task }
}

/// The console's log session, kept in step with what the log screen asks
/// for: at most one stream set at a time, restarted when the screen's
/// generation changes (another container, previous, range), stopped when the
/// screen closes.
#[derive(Default)]
pub struct Follower {
    session: Option<(u64, LogSession)>,
    ended: bool,
}

impl Follower {
    /// Starts, restarts or stops the session so it reads `want` = (generation, request).
    pub fn sync(&mut self, client: Option<&Client>, want: Option<(u64, &LogRequest)>) {
        let current = self.session.as_ref().map(|(g, s)| (*g, &s.request));
        if current == want {
            return;
        }
        self.session = None;
        self.ended = false;
        if let (Some(client), Some((generation, request))) = (client, want) {
            self.session = Some((generation, spawn(client.clone(), request.clone())));
        }
    }

    /// The next batch of events with the generation they belong to. Never
    /// returns while there is no session (or it has ended): a `select!` branch.
    pub async fn next(&mut self) -> (u64, Vec<LogEvent>) {
        loop {
            match &mut self.session {
                Some((generation, session)) if !self.ended => match session.next_batch(1024).await {
                    Some(batch) => return (*generation, batch),
                    None => self.ended = true,
                },
                _ => std::future::pending::<()>().await,
            }
        }
    }
}

/// Finds what a name given on the command line is: `job/NAME` or `pod/NAME`
/// (kubectl's forms), or a bare name, tried as a Job first, then as a Pod.
/// When it is not in `namespace`, says in which namespaces it is, if any.
pub async fn resolve_target(client: &Client, namespace: &str, spec: &str) -> Result<LogTarget, Explanation> {
    let (kind, name) = match spec.split_once('/') {
        Some((k, n)) => (Some(k.to_ascii_lowercase()), n),
        None => (None, spec),
    };
    let wanted = match kind.as_deref() {
        None => Wanted::JobOrPod,
        Some("job" | "jobs" | "job.batch" | "jobs.batch") => Wanted::Job,
        Some("pod" | "pods" | "po") => Wanted::Pod,
        Some(k) => {
            return Err(Explanation {
                problem: LogProblem::NotFound,
                summary: format!("cannot show logs of a {k}: give a Job or a Pod (job/NAME, pod/NAME or NAME)"),
                hint: None,
                detail: None,
            });
        }
    };
    match lookup(client, namespace, name, wanted).await {
        Err(e) if e.problem == LogProblem::NotFound => {
            Err(found_elsewhere(client, namespace, name, wanted).await.unwrap_or(e))
        }
        found => found,
    }
}

/// What a name on the command line may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Job,
    Pod,
    JobOrPod,
}

impl Wanted {
    fn job(self) -> bool {
        self != Wanted::Pod
    }

    fn pod(self) -> bool {
        self != Wanted::Job
    }
}

async fn lookup(client: &Client, namespace: &str, name: &str, wanted: Wanted) -> Result<LogTarget, Explanation> {
    let job = LogTarget::Job { name: name.into(), index: None };
    match wanted {
        Wanted::Job => get_job(client, namespace, name).await.map(|()| job),
        Wanted::Pod => get_pod(client, namespace, name).await.map(|()| LogTarget::Pod(name.into())),
        Wanted::JobOrPod => match get_job(client, namespace, name).await {
            Ok(()) => Ok(job),
            Err(e) if e.problem == LogProblem::NotFound => match get_pod(client, namespace, name).await {
                Ok(()) => Ok(LogTarget::Pod(name.into())),
                Err(e) if e.problem == LogProblem::NotFound => Err(Explanation {
                    problem: LogProblem::NotFound,
                    summary: format!("no Job or Pod named {name} in namespace {namespace}"),
                    hint: Some("check the name and the namespace (-n)".into()),
                    detail: None,
                }),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
    }
}

/// The namespaces that hold a Job (else a Pod) named `name`, as an
/// explanation; `None` when there are none or the lookup fails (RBAC may well
/// refuse a cluster-wide list: the caller's message stands then).
async fn found_elsewhere(client: &Client, namespace: &str, name: &str, wanted: Wanted) -> Option<Explanation> {
    if wanted.job()
        && let Some(found) = namespaces_holding::<Job>(client, name).await
    {
        return Some(explain::found_elsewhere("job", name, namespace, &found));
    }
    if wanted.pod()
        && let Some(found) = namespaces_holding::<Pod>(client, name).await
    {
        return Some(explain::found_elsewhere("pod", name, namespace, &found));
    }
    None
}

/// One list across all namespaces, narrowed to `name` by the server (a read
/// only): the namespaces that hold a `K` of that name, sorted; `None` for none
/// or on any error.
async fn namespaces_holding<K>(client: &Client, name: &str) -> Option<Vec<String>>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + std::fmt::Debug,
    K: serde::de::DeserializeOwned,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::all(client.clone());
    let list = match api.list_metadata(&ListParams::default().fields(&format!("metadata.name={name}"))).await {
        Ok(list) => list,
        Err(e) => {
            tracing::debug!("looking for {name} in other namespaces: {}", error_chain(&e));
            return None;
        }
    };
    let mut found: Vec<String> = list.items.iter().filter_map(|o| o.metadata.namespace.clone()).collect();
    found.sort();
    found.dedup();
    (!found.is_empty()).then_some(found)
}

async fn get_job(client: &Client, namespace: &str, name: &str) -> Result<(), Explanation> {
    must_exist::<Job>(client, namespace, name, "Job").await
}

async fn get_pod(client: &Client, namespace: &str, name: &str) -> Result<(), Explanation> {
    must_exist::<Pod>(client, namespace, name, "Pod").await
}

/// A lookup that turns "not there" and API errors into an explanation naming `kind`.
async fn must_exist<K>(client: &Client, namespace: &str, name: &str, kind: &str) -> Result<(), Explanation>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + std::fmt::Debug,
    K: serde::de::DeserializeOwned,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    match api.get_opt(name).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(explain_lookup(&not_found(), kind, namespace, name)),
        Err(e) => Err(explain_lookup(&failure_of(&e), kind, namespace, name)),
    }
}

fn not_found() -> LogFailure {
    LogFailure { code: Some(404), message: "not found".into() }
}

/// The HTTP status and message of a kube error (no status when the API server
/// was not reached).
pub fn failure_of(err: &kube::Error) -> LogFailure {
    match err {
        kube::Error::Api(s) => LogFailure { code: Some(s.code), message: s.message.clone() },
        other => LogFailure { code: None, message: error_chain(other) },
    }
}

async fn supervise(client: Client, request: LogRequest, tx: mpsc::Sender<LogEvent>) {
    let lookup = match &request.target {
        LogTarget::Pod(name) => get_pod(&client, &request.namespace, name).await,
        LogTarget::Job { name, .. } => get_job(&client, &request.namespace, name).await,
    };
    if let Err(e) = lookup {
        let _ = tx.send(LogEvent::ViewFailed(e)).await;
        let _ = tx.send(LogEvent::Done).await;
        return;
    }
    if request.follow {
        follow(client, request, &tx).await;
    } else {
        read_once(client, request, &tx).await;
    }
    let _ = tx.send(LogEvent::Done).await;
}

/// Everything a stream task needs to read one container of one pod.
#[derive(Clone)]
struct StreamCtx {
    api: Api<Pod>,
    request: LogRequest,
    stream: StreamId,
    tx: mpsc::Sender<LogEvent>,
}

impl StreamCtx {
    async fn status(&self, status: StreamStatus) -> bool {
        self.tx.send(LogEvent::Status { stream: self.stream.clone(), status }).await.is_ok()
    }

    async fn joined(&self, index: Option<u32>) -> bool {
        self.tx.send(LogEvent::Joined { stream: self.stream.clone(), index }).await.is_ok()
    }
}

/// Lists the pods once and reads each log to its end, in completion-index
/// then creation order.
async fn read_once(client: Client, request: LogRequest, tx: &mpsc::Sender<LogEvent>) {
    let api: Api<Pod> = Api::namespaced(client, &request.namespace);
    let params = list_params(&watch_config(&request));
    let pods = match api.list(&params).await {
        Ok(list) => list.items,
        Err(e) => {
            let _ = tx.send(LogEvent::ViewFailed(pods_lookup_failure(&request, &e))).await;
            return;
        }
    };
    let mut pods: Vec<PodInfo> = pods.iter().map(project::pod).filter(|p| request.wants(p)).collect();
    pods.sort_by(|a, b| {
        (a.completion_index, a.created, &a.key.name).cmp(&(b.completion_index, b.created, &b.key.name))
    });
    if pods.is_empty() {
        let _ = tx.send(LogEvent::ViewFailed(no_pods(&request))).await;
        return;
    }
    for pod in pods {
        let container = container_for(&request, &pod);
        let ctx = StreamCtx {
            api: api.clone(),
            request: request.clone(),
            stream: StreamId { pod: pod.key.name.clone(), container: container.clone() },
            tx: tx.clone(),
        };
        if !ctx.joined(pod.completion_index).await {
            return;
        }
        let status = if let Some(e) = explain_not_ready(&pod, &container, request.previous) {
            StreamStatus::Failed(e)
        } else {
            let (_keep, pod_rx) = watch::channel(Some(pod.clone()));
            stream_container(ctx.clone(), pod_rx).await
        };
        if !ctx.status(status).await {
            return;
        }
    }
}

fn list_params(config: &watcher::Config) -> ListParams {
    let mut lp = ListParams::default();
    if let Some(l) = &config.label_selector {
        lp = lp.labels(l);
    }
    if let Some(f) = &config.field_selector {
        lp = lp.fields(f);
    }
    lp
}

fn pods_lookup_failure(request: &LogRequest, err: &kube::Error) -> Explanation {
    let what = match &request.target {
        LogTarget::Pod(_) => "Pod",
        LogTarget::Job { .. } => "pods of Job",
    };
    let name = match &request.target {
        LogTarget::Pod(n) | LogTarget::Job { name: n, .. } => n,
    };
    explain_lookup(&failure_of(err), what, &request.namespace, name)
}

fn no_pods(request: &LogRequest) -> Explanation {
    let summary = match &request.target {
        LogTarget::Job { name, index: Some(i) } => {
            format!("Job {}/{name} has no pod for completion index {i}", request.namespace)
        }
        LogTarget::Job { name, index: None } => format!("Job {}/{name} has no pods", request.namespace),
        LogTarget::Pod(name) => format!("no Pod named {name} in namespace {}", request.namespace),
    };
    Explanation {
        problem: LogProblem::NotFound,
        summary,
        hint: Some("its pods may have been deleted (ttlSecondsAfterFinished) or not created yet; try -f".into()),
        detail: None,
    }
}

/// One pod as the follower tracks it.
enum Track {
    /// Known but not readable yet; the explanation last sent.
    Waiting(Option<Explanation>),
    /// A stream task runs and gets the pod's updates through this sender.
    Streaming(watch::Sender<Option<PodInfo>>),
    /// Its stream ended (or failed); nothing more to do.
    Over,
}

/// Follows the target's pods until every stream ended (and, for a Job, the
/// Job finished), or the session is dropped.
async fn follow(client: Client, request: LogRequest, tx: &mpsc::Sender<LogEvent>) {
    let api: Api<Pod> = Api::namespaced(client.clone(), &request.namespace);
    let mut pod_events = watcher(api.clone(), watch_config(&request)).boxed();
    let mut job_events = match &request.target {
        LogTarget::Job { name, .. } => {
            let jobs: Api<Job> = Api::namespaced(client.clone(), &request.namespace);
            Some(watcher(jobs, watcher::Config::default().fields(&format!("metadata.name={name}"))).boxed())
        }
        LogTarget::Pod(_) => None,
    };
    let mut tracks: BTreeMap<String, Track> = BTreeMap::new();
    let mut tasks: JoinSet<(StreamId, StreamStatus)> = JoinSet::new();
    // A Pod target is "finished" once its one stream is over; a Job once the
    // Job has a terminal condition (or is gone). Neither before the first
    // list of pods is in: a finished Job's pods still have logs to show.
    let mut job_finished = job_events.is_none();
    let mut pods_listed = false;
    loop {
        tokio::select! {
            ev = pod_events.next() => match ev {
                Some(Ok(ev)) => {
                    pods_listed |= matches!(ev, Event::InitDone);
                    if !on_pod_event(ev, &api, &request, tx, &mut tracks, &mut tasks).await {
                        return;
                    }
                }
                Some(Err(e)) => {
                    if let Some(e) = watch_forbidden(&request, &e) {
                        let _ = tx.send(LogEvent::ViewFailed(e)).await;
                        return;
                    }
                    // Other watch errors retry with the watcher's backoff.
                    tracing::debug!("log pod watch: {e}");
                }
                None => return,
            },
            ev = next_or_pending(&mut job_events) => match ev {
                Some(Ok(Event::Apply(job) | Event::InitApply(job))) => {
                    job_finished = project::job(&job).phase().is_finished();
                }
                Some(Ok(Event::Delete(_))) => job_finished = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => tracing::debug!("log job watch: {e}"),
                None => job_events = None,
            },
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok((stream, status)) = done {
                    tracks.insert(stream.pod.clone(), Track::Over);
                    if tx.send(LogEvent::Status { stream, status }).await.is_err() {
                        return;
                    }
                }
            }
        }
        let streaming = tracks.values().any(|t| matches!(t, Track::Streaming(_)));
        let finished = pods_listed
            && match request.target {
                LogTarget::Pod(_) => !tracks.is_empty() && tracks.values().all(|t| matches!(t, Track::Over)),
                LogTarget::Job { .. } => job_finished && !streaming,
            };
        if finished {
            return;
        }
    }
}

async fn next_or_pending<S: futures::Stream + Unpin>(s: &mut Option<S>) -> Option<S::Item> {
    match s {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

fn watch_forbidden(request: &LogRequest, err: &watcher::Error) -> Option<Explanation> {
    let (watcher::Error::InitialListFailed(kube_err)
    | watcher::Error::WatchStartFailed(kube_err)
    | watcher::Error::WatchFailed(kube_err)) = err
    else {
        return None;
    };
    match kube_err {
        kube::Error::Api(s) if s.code == 403 => Some(pods_lookup_failure(request, kube_err)),
        _ => None,
    }
}

/// Handles one pod watch event. Returns false when the session is gone.
async fn on_pod_event(
    ev: Event<Pod>,
    api: &Api<Pod>,
    request: &LogRequest,
    tx: &mpsc::Sender<LogEvent>,
    tracks: &mut BTreeMap<String, Track>,
    tasks: &mut JoinSet<(StreamId, StreamStatus)>,
) -> bool {
    match ev {
        Event::Apply(pod) | Event::InitApply(pod) => {
            let info = project::pod(&pod);
            if !request.wants(&info) {
                return true;
            }
            on_pod_seen(info, api, request, tx, tracks, tasks).await
        }
        Event::Delete(pod) => {
            let name = pod.metadata.name.clone().unwrap_or_default();
            match tracks.get_mut(&name) {
                Some(Track::Streaming(sender)) => {
                    // The stream task drains what is left and ends.
                    let _ = sender.send(None);
                    true
                }
                Some(track @ Track::Waiting(_)) => {
                    *track = Track::Over;
                    let info = project::pod(&pod);
                    let stream = StreamId { pod: name, container: container_for(request, &info) };
                    tx.send(LogEvent::Status {
                        stream,
                        status: StreamStatus::Ended("pod deleted before it started".into()),
                    })
                    .await
                    .is_ok()
                }
                _ => true,
            }
        }
        Event::Init | Event::InitDone => true,
    }
}

async fn on_pod_seen(
    info: PodInfo,
    api: &Api<Pod>,
    request: &LogRequest,
    tx: &mpsc::Sender<LogEvent>,
    tracks: &mut BTreeMap<String, Track>,
    tasks: &mut JoinSet<(StreamId, StreamStatus)>,
) -> bool {
    let name = info.key.name.clone();
    let container = container_for(request, &info);
    let ctx = StreamCtx {
        api: api.clone(),
        request: request.clone(),
        stream: StreamId { pod: name.clone(), container: container.clone() },
        tx: tx.clone(),
    };
    if !tracks.contains_key(&name) && !ctx.joined(info.completion_index).await {
        return false;
    }
    let track = tracks.entry(name).or_insert(Track::Waiting(None));
    match track {
        Track::Over => true,
        Track::Streaming(sender) => {
            let _ = sender.send(Some(info));
            true
        }
        Track::Waiting(last) => match explain_not_ready(&info, &container, request.previous) {
            Some(e) if e.problem.may_resolve() && !info.is_terminal() && !info.deleting => {
                if last.as_ref() == Some(&e) {
                    return true;
                }
                *last = Some(e.clone());
                ctx.status(StreamStatus::Waiting(e)).await
            }
            Some(e) => {
                *track = Track::Over;
                ctx.status(StreamStatus::Failed(e)).await
            }
            None => {
                let (sender, pod_rx) = watch::channel(Some(info));
                *track = Track::Streaming(sender);
                tasks.spawn(async move {
                    let stream = ctx.stream.clone();
                    (stream, stream_container(ctx, pod_rx).await)
                });
                true
            }
        },
    }
}

/// Where a reconnect resumes: the last timestamp shown and how many lines
/// with exactly that timestamp were shown (the API's sinceTime has whole
/// seconds, so the lines of that second come again and are skipped).
#[derive(Debug, Default, Clone, PartialEq)]
struct Resume {
    last_ts: Option<Time>,
    at_last: usize,
}

impl Resume {
    /// Whether a line read after a reconnect was already shown; records it otherwise.
    fn admit(&mut self, ts: Option<Time>, replaying: &mut usize) -> bool {
        let Some(ts) = ts else { return true };
        match self.last_ts {
            Some(last) if ts < last => false,
            Some(last) if ts == last => {
                if *replaying > 0 {
                    *replaying -= 1;
                    false
                } else {
                    self.at_last += 1;
                    true
                }
            }
            _ => {
                self.last_ts = Some(ts);
                self.at_last = 1;
                *replaying = 0;
                true
            }
        }
    }
}

/// How one connection of a stream ended.
enum ReadEnd {
    /// The server closed the stream.
    Eof,
    /// The container exited (or the pod went away) and the stream went quiet.
    Exited,
    /// The connection broke.
    Broken(String),
    /// The session was dropped.
    Gone,
}

/// Reads one container of one pod until it ends, reconnecting after
/// transient failures. Returns the final status.
async fn stream_container(ctx: StreamCtx, mut pod_rx: watch::Receiver<Option<PodInfo>>) -> StreamStatus {
    let mut resume = Resume::default();
    let mut backoff = BACKOFF_START;
    loop {
        let params = log_params(&ctx.request, &ctx.stream.container, &resume);
        let reader = match ctx.api.log_stream(&ctx.stream.pod, &params).await {
            Ok(r) => r,
            Err(err) => {
                let pod = pod_rx.borrow().clone();
                let e = explain_failure(
                    &failure_of(&err),
                    &ctx.request.namespace,
                    &ctx.stream.pod,
                    &ctx.stream.container,
                    pod.as_ref(),
                );
                match next_step_after_failure(&ctx, &e, pod.as_ref()) {
                    Step::End(status) => return status,
                    Step::WaitForPod => {
                        if !ctx.status(StreamStatus::Waiting(e)).await || pod_rx.changed().await.is_err() {
                            return StreamStatus::Ended("stopped".into());
                        }
                        continue;
                    }
                    Step::Retry => {
                        if !ctx.status(StreamStatus::Reconnecting(e.summary.clone())).await {
                            return StreamStatus::Ended("stopped".into());
                        }
                        sleep(backoff).await;
                        backoff = (backoff * 2).min(BACKOFF_MAX);
                        continue;
                    }
                }
            }
        };
        // Connected: replaces a Waiting or Reconnecting status.
        if !ctx.status(StreamStatus::Streaming).await {
            return StreamStatus::Ended("stopped".into());
        }
        let end = read_stream(&ctx, reader, &mut pod_rx, &mut resume, &mut backoff).await;
        let exited = container_exited(pod_rx.borrow().as_ref(), &ctx.stream.container);
        match end {
            ReadEnd::Gone => return StreamStatus::Ended("stopped".into()),
            ReadEnd::Exited => return StreamStatus::Ended(exited.unwrap_or_else(|| "container exited".into())),
            ReadEnd::Eof if !ctx.request.follow => return StreamStatus::Ended("end of log".into()),
            ReadEnd::Eof if exited.is_some() => return StreamStatus::Ended(exited.unwrap_or_default()),
            ReadEnd::Eof => {
                // A live container's stream closed (kubelet restart, log
                // rotation): read on from the last line.
                if !ctx.status(StreamStatus::Reconnecting("the log stream closed".into())).await {
                    return StreamStatus::Ended("stopped".into());
                }
            }
            ReadEnd::Broken(why) => {
                if !ctx.request.follow {
                    return StreamStatus::Failed(explain_failure(
                        &LogFailure { code: None, message: why },
                        &ctx.request.namespace,
                        &ctx.stream.pod,
                        &ctx.stream.container,
                        pod_rx.borrow().as_ref(),
                    ));
                }
                if !ctx.status(StreamStatus::Reconnecting(why)).await {
                    return StreamStatus::Ended("stopped".into());
                }
            }
        }
        sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

enum Step {
    End(StreamStatus),
    WaitForPod,
    Retry,
}

fn next_step_after_failure(ctx: &StreamCtx, e: &Explanation, pod: Option<&PodInfo>) -> Step {
    if pod.is_none() || e.problem == LogProblem::NotFound {
        return Step::End(StreamStatus::Ended("pod deleted".into()));
    }
    if !ctx.request.follow {
        return Step::End(StreamStatus::Failed(e.clone()));
    }
    match e.problem {
        LogProblem::NotStarted => Step::WaitForPod,
        p if p.may_resolve() => Step::Retry,
        _ => Step::End(StreamStatus::Failed(e.clone())),
    }
}

fn log_params(request: &LogRequest, container: &str, resume: &Resume) -> LogParams {
    let mut p = LogParams {
        container: Some(container.to_string()),
        follow: request.follow,
        previous: request.previous,
        timestamps: true,
        ..LogParams::default()
    };
    if let Some(ts) = resume.last_ts {
        // Reconnecting: from the second of the last line shown.
        p.since_time = Timestamp::from_second(ts.timestamp()).ok();
    } else {
        p.tail_lines = request.tail_lines;
        p.since_seconds = request.since_seconds;
    }
    p
}

/// Why a container is over, if it is: exited with a code, or its pod is gone.
fn container_exited(pod: Option<&PodInfo>, container: &str) -> Option<String> {
    let Some(pod) = pod else { return Some("pod deleted".into()) };
    let c = pod.containers.iter().find(|c| c.name == container);
    match c.map(|c| &c.state) {
        Some(ContainerState::Terminated { exit_code, reason, .. }) => Some(match reason {
            Some(r) => format!("container exited with code {exit_code} ({r})"),
            None => format!("container exited with code {exit_code}"),
        }),
        _ if pod.is_terminal() => Some(format!("pod {}", pod.phase)),
        _ => None,
    }
}

/// What one wait in [`read_stream`] brought.
enum Got {
    Data(usize),
    Eof,
    Broken(String),
    PodChanged(bool),
    Quiet,
}

/// Reads one connection: splits lines, skips what a reconnect replays, sends
/// batches (waiting when the screen is behind), and ends on EOF, a broken
/// connection, or silence after the container exited.
async fn read_stream(
    ctx: &StreamCtx,
    reader: impl futures::AsyncBufRead,
    pod_rx: &mut watch::Receiver<Option<PodInfo>>,
    resume: &mut Resume,
    backoff: &mut Duration,
) -> ReadEnd {
    let mut reader = Box::pin(reader);
    let mut splitter = LineSplitter::default();
    let mut raw: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut replaying = resume.at_last;
    let mut exited = container_exited(pod_rx.borrow().as_ref(), &ctx.stream.container).is_some();
    let mut pod_open = true;
    let mut quiet_until = Instant::now() + EXIT_GRACE;
    // Only a follower waits for silence; a plain read ends at EOF.
    let follow = ctx.request.follow;
    loop {
        let got = tokio::select! {
            r = reader.fill_buf() => match r {
                Ok([]) => Got::Eof,
                Ok(buf) => {
                    splitter.feed(buf, &mut raw);
                    Got::Data(buf.len())
                }
                Err(e) => Got::Broken(error_chain(&e)),
            },
            changed = pod_rx.changed(), if pod_open => Got::PodChanged(changed.is_ok()),
            () = sleep_until(quiet_until), if exited && follow => Got::Quiet,
        };
        let eof = match got {
            Got::Data(n) => {
                reader.as_mut().consume(n);
                false
            }
            Got::Eof => true,
            Got::Broken(why) => return ReadEnd::Broken(why),
            Got::Quiet => return ReadEnd::Exited,
            Got::PodChanged(open) => {
                // A closed channel means the supervisor is gone: drain until EOF or silence.
                pod_open = open;
                exited = !open || container_exited(pod_rx.borrow().as_ref(), &ctx.stream.container).is_some();
                quiet_until = Instant::now() + EXIT_GRACE;
                continue;
            }
        };
        if eof {
            raw.extend(splitter.finish());
        }
        if !raw.is_empty() {
            *backoff = BACKOFF_START;
            quiet_until = Instant::now() + EXIT_GRACE;
            let lines: Vec<ReadLine> = raw
                .drain(..)
                .map(|(bytes, cut)| read_line(&bytes, cut))
                .filter(|l| resume.admit(l.ts, &mut replaying))
                .collect();
            if !lines.is_empty() && ctx.tx.send(LogEvent::Lines { stream: ctx.stream.clone(), lines }).await.is_err() {
                return ReadEnd::Gone;
            }
        }
        if eof {
            return ReadEnd::Eof;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: u32, n: u32) -> Time {
        chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, s).unwrap() + chrono::Duration::nanoseconds(i64::from(n))
    }

    #[test]
    fn resume_skips_exactly_what_was_shown() {
        let mut r = Resume::default();
        let mut replay = 0;
        // First connection: three lines, two in the same instant.
        assert!(r.admit(Some(t(1, 5)), &mut replay));
        assert!(r.admit(Some(t(2, 0)), &mut replay));
        assert!(r.admit(Some(t(2, 0)), &mut replay));
        assert_eq!(r.at_last, 2);
        // Reconnect from second 1: everything up to the two lines at (2, 0) replays.
        let mut replay = r.at_last;
        assert!(!r.admit(Some(t(1, 5)), &mut replay));
        assert!(!r.admit(Some(t(2, 0)), &mut replay));
        assert!(!r.admit(Some(t(2, 0)), &mut replay));
        assert!(r.admit(Some(t(2, 0)), &mut replay), "a third line of that instant is new");
        assert!(r.admit(Some(t(3, 0)), &mut replay));
        assert!(r.admit(None, &mut replay), "lines without a timestamp are never dropped");
    }

    #[test]
    fn reconnect_params_use_since_time_not_tail() {
        let mut req = LogRequest::new("ns", LogTarget::Pod("p".into()));
        req.tail_lines = Some(10);
        req.since_seconds = Some(60);
        let first = log_params(&req, "main", &Resume::default());
        assert_eq!((first.tail_lines, first.since_seconds, first.timestamps), (Some(10), Some(60), true));
        assert_eq!(first.container.as_deref(), Some("main"));
        let again = log_params(&req, "main", &Resume { last_ts: Some(t(7, 123)), at_last: 1 });
        assert_eq!((again.tail_lines, again.since_seconds), (None, None));
        assert_eq!(again.since_time.unwrap().to_string(), "2024-01-01T00:00:07Z");
    }
}
