//! One list-then-watch loop per (kind, namespace), turned into `model::Update`s.
//!
//! Every (re)list is framed by `ListStarted` .. `ListDone`, so the state drops
//! rows that vanished while the watch was down; a watch resumes from the last
//! resourceVersion after a dropped connection and relists after a 410 Gone.
//!
//! Not kube-runtime's `watcher`: it swallows bookmarks and resumes a watch
//! without a word, so nothing could tell a recovered quiet watch (CronJobs,
//! Nodes) from a dead one, and it notices a silent cut only after 295 s.
//! Here the health is what the server last did:
//! - an answered watch request or a bookmark is a sign of life: `Ok`;
//! - every request has a deadline ([`REQUEST_TIMEOUT`]), so a black-holed LIST
//!   or watch request becomes `Retrying` instead of hanging;
//! - the server closes each watch after [`WATCH_SECONDS`] (we re-watch at
//!   once), so a watch that hears nothing for [`IDLE_TIMEOUT`] is cut: `Retrying`;
//! - errors back off from [`BACKOFF_FIRST`] doubling to [`BACKOFF_MAX`], short
//!   enough that a returning server is seen within a few seconds.

use std::collections::HashMap;
use std::fmt::Debug;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use kube::runtime::watcher::Event;
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::project;
use crate::error::error_chain;
use model::{EventInfo, ObjKey, Object, Time, Update, WatchHealth, WatchId};

/// Objects per list page: client-go's default, small enough that a 10,000-pod
/// cluster lists in bounded memory.
pub const PAGE_SIZE: u32 = 500;

/// How many events are kept per involved object (the newest win).
pub const EVENTS_PER_OBJECT: usize = 8;

/// How long the server keeps one watch request open (`timeoutSeconds`).
pub const WATCH_SECONDS: u32 = 25;

/// A watch that hears nothing (no event, bookmark or close) for this long is
/// taken as cut: the server would have closed it by now.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(WATCH_SECONDS as u64 + 5);

/// The deadline of one LIST page, and of a watch request's answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// A watch the server ends sooner than this counts as failed (it asked for 25 s).
const MIN_WATCH: Duration = Duration::from_secs(1);

/// The first wait after an error, doubled at each error in a row.
pub const BACKOFF_FIRST: Duration = Duration::from_millis(500);

/// The longest wait between attempts.
pub const BACKOFF_MAX: Duration = Duration::from_secs(4);

/// Turns an API object into the projection the state keeps, or `None` to skip it.
pub type Projector<K> = fn(&K) -> Option<Object>;

/// What a watch selects besides its kind and namespace.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
}

/// Why a list or watch attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("list failed: {0}")]
    List(#[source] kube::Error),
    #[error("watch failed to start: {0}")]
    Start(#[source] kube::Error),
    #[error("watch stream failed: {0}")]
    Stream(#[source] kube::Error),
    #[error("{} ({}): {}", .0.reason, .0.code, .0.message)]
    Status(Box<kube::core::Status>),
    #[error("no answer from the API server within {secs}s ({0})", secs = REQUEST_TIMEOUT.as_secs())]
    NoAnswer(&'static str),
    #[error("no word from the API server for {}s", IDLE_TIMEOUT.as_secs())]
    Silent,
    #[error("the list carried no resourceVersion")]
    NoResourceVersion,
    #[error("the API server closed the watch at once")]
    ClosedAtOnce,
}

/// What to do next.
#[derive(Debug)]
enum Next {
    List,
    /// Watch from this resourceVersion.
    Watch(String),
}

/// How one list or watch attempt ended.
enum Outcome {
    Continue(Next),
    Failed(WatchError, Next),
    /// The receiver is gone: the app no longer wants this watch.
    AppGone,
}

/// Runs one watch until the receiver is dropped (or the task is aborted).
pub async fn run<K>(api: Api<K>, selection: Selection, id: WatchId, project: Projector<K>, tx: mpsc::Sender<Update>)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let mut sink = Sink { id, tx, errored: false, budget: None };
    if sink.id.kind == model::Kind::Event {
        sink.budget = Some(EventBudget::default());
    }
    let mut backoff = Backoff::default();
    let mut next = Next::List;
    loop {
        let outcome = match next {
            Next::List => list_all(&api, &selection, &mut sink, project).await,
            Next::Watch(rv) => watch_from(&api, &selection, rv, &mut sink, project).await,
        };
        next = match outcome {
            Outcome::Continue(n) => {
                backoff.reset();
                n
            }
            Outcome::Failed(err, n) => {
                if !sink.error(&err).await {
                    return;
                }
                tokio::time::sleep(backoff.next_wait()).await;
                n
            }
            Outcome::AppGone => return,
        };
    }
}

/// Lists every page, then says where to watch from.
async fn list_all<K>(api: &Api<K>, selection: &Selection, sink: &mut Sink, project: Projector<K>) -> Outcome
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    if !sink.event(Event::Init, project).await {
        return Outcome::AppGone;
    }
    let mut params = ListParams {
        label_selector: selection.label_selector.clone(),
        field_selector: selection.field_selector.clone(),
        ..ListParams::default()
    }
    .limit(PAGE_SIZE);
    loop {
        let page = match timeout(REQUEST_TIMEOUT, api.list(&params)).await {
            Err(_) => return Outcome::Failed(WatchError::NoAnswer("list"), Next::List),
            Ok(Err(e)) => return Outcome::Failed(WatchError::List(e), Next::List),
            Ok(Ok(page)) => page,
        };
        for obj in page.items {
            if !sink.event(Event::InitApply(obj), project).await {
                return Outcome::AppGone;
            }
        }
        if let Some(token) = page.metadata.continue_.filter(|t| !t.is_empty()) {
            params.continue_token = Some(token);
            continue;
        }
        if !sink.event(Event::InitDone, project).await {
            return Outcome::AppGone;
        }
        return match page.metadata.resource_version.filter(|rv| !rv.is_empty()) {
            Some(rv) => Outcome::Continue(Next::Watch(rv)),
            None => Outcome::Failed(WatchError::NoResourceVersion, Next::List),
        };
    }
}

/// One watch request, followed until the server closes it, it fails, or it
/// goes silent.
async fn watch_from<K>(
    api: &Api<K>,
    selection: &Selection,
    mut rv: String,
    sink: &mut Sink,
    project: Projector<K>,
) -> Outcome
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let params = WatchParams {
        label_selector: selection.label_selector.clone(),
        field_selector: selection.field_selector.clone(),
        timeout: Some(WATCH_SECONDS),
        bookmarks: true,
        ..WatchParams::default()
    };
    let stream = match timeout(REQUEST_TIMEOUT, api.watch(&params, &rv)).await {
        Err(_) => return Outcome::Failed(WatchError::NoAnswer("watch"), Next::Watch(rv)),
        Ok(Err(kube::Error::Api(s))) if s.code == 410 => return expired(&sink.id),
        Ok(Err(e)) => return Outcome::Failed(WatchError::Start(e), Next::Watch(rv)),
        Ok(Ok(stream)) => stream,
    };
    if !sink.alive().await {
        return Outcome::AppGone;
    }
    let mut stream = stream.boxed();
    let started = tokio::time::Instant::now();
    loop {
        let event = match timeout(IDLE_TIMEOUT, stream.try_next()).await {
            Err(_) => return Outcome::Failed(WatchError::Silent, Next::Watch(rv)),
            Ok(Err(e)) => return Outcome::Failed(WatchError::Stream(e), Next::Watch(rv)),
            // A watch that ends as it begins, again and again, must back off, not spin.
            Ok(Ok(None)) if started.elapsed() < MIN_WATCH => {
                return Outcome::Failed(WatchError::ClosedAtOnce, Next::Watch(rv));
            }
            // The server closed the watch at its timeout: watch again.
            Ok(Ok(None)) => return Outcome::Continue(Next::Watch(rv)),
            Ok(Ok(Some(event))) => event,
        };
        let sent = match event {
            WatchEvent::Added(obj) | WatchEvent::Modified(obj) => {
                rv = obj.resource_version().unwrap_or(rv);
                sink.event(Event::Apply(obj), project).await
            }
            WatchEvent::Deleted(obj) => {
                rv = obj.resource_version().unwrap_or(rv);
                sink.event(Event::Delete(obj), project).await
            }
            WatchEvent::Bookmark(mark) => {
                rv = mark.metadata.resource_version;
                sink.alive().await
            }
            // Too old a resourceVersion (etcd compacted past it): relist.
            WatchEvent::Error(s) if s.code == 410 => return expired(&sink.id),
            WatchEvent::Error(s) => return Outcome::Failed(WatchError::Status(s), Next::Watch(rv)),
        };
        if !sent {
            return Outcome::AppGone;
        }
    }
}

/// The resourceVersion to watch from is gone (410: etcd compacted past it, or
/// a restarted API server's cache starts after it): relist. Logged, as the
/// one trace of a relist the status bar does not show.
fn expired(id: &WatchId) -> Outcome {
    tracing::info!(watch = ?id, "resourceVersion expired (410 Gone): relisting");
    Outcome::Continue(Next::List)
}

/// The wait between failed attempts: [`BACKOFF_FIRST`] doubling to [`BACKOFF_MAX`].
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    fn next_wait(&mut self) -> Duration {
        let wait = BACKOFF_FIRST.saturating_mul(1 << self.failures.min(8)).min(BACKOFF_MAX);
        self.failures += 1;
        wait
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}

struct Sink {
    id: WatchId,
    tx: mpsc::Sender<Update>,
    /// The last thing reported was an error: the next good event reports Ok.
    errored: bool,
    budget: Option<EventBudget>,
}

impl Sink {
    async fn send(&self, update: Update) -> bool {
        self.tx.send(update).await.is_ok()
    }

    /// The server answered a watch request or sent a bookmark: the watch is
    /// live. Sent every time (not only after an error) so the state knows
    /// when the server was last heard.
    async fn alive(&mut self) -> bool {
        self.errored = false;
        self.send(Update::Health(self.id.clone(), WatchHealth::Ok)).await
    }

    async fn error(&mut self, err: &WatchError) -> bool {
        tracing::warn!(watch = ?self.id, error = %err, "watch error");
        self.errored = true;
        self.send(Update::Health(self.id.clone(), health_of(err))).await
    }

    async fn event<K: Resource>(&mut self, event: Event<K>, project: Projector<K>) -> bool {
        if self.errored && !matches!(event, Event::Init) {
            // A resumed watch (no relist) says nothing else about its recovery.
            self.errored = false;
            if !self.send(Update::Health(self.id.clone(), WatchHealth::Ok)).await {
                return false;
            }
        }
        match event {
            Event::Init => {
                if let Some(b) = &mut self.budget {
                    b.clear();
                }
                self.send(Update::ListStarted(self.id.clone())).await
            }
            Event::InitApply(obj) | Event::Apply(obj) => self.applied(&obj, project).await,
            Event::InitDone => {
                self.errored = false;
                self.send(Update::ListDone(self.id.clone())).await
            }
            Event::Delete(obj) => {
                let key = ObjKey::new(obj.namespace().unwrap_or_default(), obj.name_any());
                if let (Some(b), Some(Object::Event(ev))) = (&mut self.budget, project(&obj)) {
                    b.forget(&ev);
                }
                self.send(Update::Deleted(self.id.clone(), key)).await
            }
        }
    }

    async fn applied<K>(&mut self, obj: &K, project: Projector<K>) -> bool {
        let Some(object) = project(obj) else { return true };
        if let (Some(budget), Object::Event(ev)) = (&mut self.budget, &object) {
            match budget.admit(ev) {
                Admit::Skip => return true,
                Admit::Keep => {}
                Admit::KeepEvicting(old) => {
                    if !self.send(Update::Deleted(self.id.clone(), old)).await {
                        return false;
                    }
                }
            }
        }
        self.send(Update::Applied(self.id.clone(), object)).await
    }
}

/// What the health line should say about a watch error: RBAC refusals are
/// `Forbidden` (retrying will not help until someone changes a Role), the rest
/// `Retrying` with a one-line reason.
pub fn health_of(err: &WatchError) -> WatchHealth {
    let status = match err {
        WatchError::List(e) | WatchError::Start(e) | WatchError::Stream(e) => match e {
            kube::Error::Api(s) => Some(s.as_ref()),
            _ => None,
        },
        WatchError::Status(s) => Some(s.as_ref()),
        WatchError::NoAnswer(_) | WatchError::Silent | WatchError::NoResourceVersion | WatchError::ClosedAtOnce => None,
    };
    match status {
        Some(s) if s.is_forbidden() => WatchHealth::Forbidden { message: model::text::one_line(&s.message) },
        Some(s) if s.code == 401 => {
            WatchHealth::Retrying { error: format!("unauthorized (401): {}", model::text::one_line(&s.message)) }
        }
        Some(s) => {
            WatchHealth::Retrying { error: format!("{} ({}): {}", s.reason, s.code, model::text::one_line(&s.message)) }
        }
        None => WatchHealth::Retrying { error: model::text::one_line(&error_chain(err)) },
    }
}

/// Keeps at most [`EVENTS_PER_OBJECT`] events per involved object, the newest,
/// so a noisy object cannot fill memory. Reset at every relist. An event is
/// kept by its name under its object (same namespace): a 10,000-pod cluster
/// has tens of thousands of events, and this is the watch's only copy of them.
#[derive(Default)]
pub struct EventBudget {
    per_object: HashMap<Involved, Vec<(Option<Time>, String)>>,
}

/// The object an event is about: namespace, kind, name.
type Involved = (String, model::Word, String);

#[derive(Debug, PartialEq)]
pub enum Admit {
    Keep,
    /// Keep it and delete this older event of the same object.
    KeepEvicting(ObjKey),
    /// Older than every kept event of a full object.
    Skip,
}

fn involved(ev: &EventInfo) -> Involved {
    (ev.key.namespace.clone(), ev.involved_kind.clone(), ev.involved_name.clone())
}

impl EventBudget {
    pub fn clear(&mut self) {
        self.per_object.clear();
    }

    pub fn admit(&mut self, ev: &EventInfo) -> Admit {
        let kept = self.per_object.entry(involved(ev)).or_default();
        if let Some(slot) = kept.iter_mut().find(|(_, name)| *name == ev.key.name) {
            slot.0 = ev.last_seen;
            return Admit::Keep;
        }
        let admit = if kept.len() < EVENTS_PER_OBJECT {
            Admit::Keep
        } else {
            let (oldest, _) = kept.iter().enumerate().min_by_key(|(_, (t, _))| *t).expect("full, so not empty");
            if kept[oldest].0 > ev.last_seen {
                return Admit::Skip;
            }
            let (_, old) = kept.swap_remove(oldest);
            Admit::KeepEvicting(ObjKey::new(ev.key.namespace.clone(), old))
        };
        kept.push((ev.last_seen, ev.key.name.clone()));
        admit
    }

    /// A deleted event frees its slot.
    pub fn forget(&mut self, ev: &EventInfo) {
        let object = involved(ev);
        if let Some(kept) = self.per_object.get_mut(&object) {
            kept.retain(|(_, name)| *name != ev.key.name);
            if kept.is_empty() {
                self.per_object.remove(&object);
            }
        }
    }
}

// Projectors for each watched kind, in the shape `run` takes.
pub fn job(o: &k8s_openapi::api::batch::v1::Job) -> Option<Object> {
    Some(Object::Job(project::job(o)))
}
pub fn pod(o: &k8s_openapi::api::core::v1::Pod) -> Option<Object> {
    Some(Object::Pod(project::pod(o)))
}
pub fn lean_pod(o: &super::lean::LeanPod) -> Option<Object> {
    pod(&o.0)
}
pub fn lean_job(o: &super::lean::LeanJob) -> Option<Object> {
    job(&o.0)
}
pub fn cronjob(o: &k8s_openapi::api::batch::v1::CronJob) -> Option<Object> {
    Some(Object::CronJob(project::cronjob(o)))
}
pub fn node(o: &k8s_openapi::api::core::v1::Node) -> Option<Object> {
    Some(Object::Node(project::node(o)))
}
pub fn event(o: &k8s_openapi::api::core::v1::Event) -> Option<Object> {
    project::event(o).map(Object::Event)
}
pub fn service(o: &k8s_openapi::api::core::v1::Service) -> Option<Object> {
    Some(Object::Service(project::service(o)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ev(name: &str, object: &str, minute: u32) -> EventInfo {
        EventInfo {
            key: ObjKey::new("ns", name),
            involved_kind: "Pod".into(),
            involved_name: object.into(),
            type_: "Normal".into(),
            reason: "Scheduled".into(),
            message: String::new(),
            count: 1,
            last_seen: Some(chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, minute, 0).unwrap()),
        }
    }

    #[test]
    fn budget_keeps_the_newest_events_per_object() {
        let mut b = EventBudget::default();
        for i in 0..EVENTS_PER_OBJECT as u32 {
            assert_eq!(b.admit(&ev(&format!("e{i}"), "p", 10 + i)), Admit::Keep);
        }
        // another object has its own budget
        assert_eq!(b.admit(&ev("other", "q", 0)), Admit::Keep);
        // older than everything kept for p: skipped
        assert_eq!(b.admit(&ev("ancient", "p", 1)), Admit::Skip);
        // newer: the oldest (e0) goes
        assert_eq!(b.admit(&ev("fresh", "p", 59)), Admit::KeepEvicting(ObjKey::new("ns", "e0")));
        // an update of a kept event is always kept, without eviction
        assert_eq!(b.admit(&ev("e1", "p", 58)), Admit::Keep);
        b.forget(&ev("e2", "p", 12));
        assert_eq!(b.admit(&ev("late", "p", 2)), Admit::Keep, "a forgotten event frees its slot");
    }

    fn k8s_job(name: &str) -> k8s_openapi::api::batch::v1::Job {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": "ns", "uid": name, "resourceVersion": "1"},
        }))
        .unwrap()
    }

    /// The watcher's events, as the state sees them: a relist after an error
    /// (a 410 Gone, an apiserver restart) drops what vanished meanwhile, and
    /// health goes Retrying then Ok.
    #[tokio::test]
    async fn relist_after_an_error_leaves_no_stale_rows() {
        let (tx, mut rx) = mpsc::channel(64);
        let id = WatchId { kind: model::Kind::Job, namespace: Some("ns".into()) };
        let mut sink = Sink { id: id.clone(), tx, errored: false, budget: None };
        let mut state = model::State::default();
        let fold = |rx: &mut mpsc::Receiver<Update>, state: &mut model::State| {
            while let Ok(u) = rx.try_recv() {
                state.apply(u, chrono::Utc::now());
            }
        };
        for e in [Event::Init, Event::InitApply(k8s_job("a")), Event::InitApply(k8s_job("b")), Event::InitDone] {
            assert!(sink.event(e, job).await);
        }
        fold(&mut rx, &mut state);
        assert_eq!(state.jobs.len(), 2);
        assert!(state.watches[&id].synced && state.watches[&id].health == WatchHealth::Ok);

        assert!(
            sink.error(&WatchError::Status(Box::new(kube::core::Status {
                code: 410,
                reason: "Expired".into(),
                message: "too old resource version".into(),
                ..Default::default()
            })))
            .await
        );
        fold(&mut rx, &mut state);
        assert!(matches!(&state.watches[&id].health, WatchHealth::Retrying { error } if error.contains("410")));

        // b was deleted while the watch was down; the relist does not see it.
        for e in [Event::Init, Event::InitApply(k8s_job("a")), Event::InitDone] {
            assert!(sink.event(e, job).await);
        }
        fold(&mut rx, &mut state);
        assert_eq!(state.jobs.keys().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["a"]);
        assert_eq!(state.watches[&id].health, WatchHealth::Ok);

        // A resumed watch (no relist) reports Ok at its next event (or when the
        // server answers the watch request); deletes remove.
        assert!(sink.error(&WatchError::Silent).await);
        assert!(sink.event(Event::Delete(k8s_job("a")), job).await);
        fold(&mut rx, &mut state);
        assert!(state.jobs.is_empty());
        assert_eq!(state.watches[&id].health, WatchHealth::Ok);
    }

    /// A quiet watch (no object changes) recovers on the answered watch
    /// request or a bookmark alone: "retrying" does not outlive the outage.
    #[tokio::test]
    async fn an_answered_watch_or_a_bookmark_clears_retrying() {
        let (tx, mut rx) = mpsc::channel(8);
        let id = WatchId { kind: model::Kind::CronJob, namespace: None };
        let mut sink = Sink { id: id.clone(), tx, errored: false, budget: None };
        assert!(sink.error(&WatchError::NoAnswer("watch")).await);
        assert!(sink.alive().await);
        let healths: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|u| match u {
                Update::Health(_, h) => h,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(matches!(&healths[0], WatchHealth::Retrying { error } if error.contains("within 15s")), "{healths:?}");
        assert_eq!(healths[1], WatchHealth::Ok);
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::default();
        let waits: Vec<_> = (0..6).map(|_| b.next_wait().as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 4000, 4000]);
        b.reset();
        assert_eq!(b.next_wait(), BACKOFF_FIRST);
    }

    #[test]
    fn health_separates_forbidden_from_retrying() {
        let status = |code: u16, reason: &str| {
            WatchError::List(kube::Error::Api(Box::new(kube::core::Status {
                code,
                reason: reason.into(),
                message: format!("pods is forbidden: User \"limited\" cannot list\n resource {code}"),
                ..Default::default()
            })))
        };
        match health_of(&status(403, "Forbidden")) {
            WatchHealth::Forbidden { message } => assert!(message.starts_with("pods is forbidden"), "{message}"),
            other => panic!("{other:?}"),
        }
        match health_of(&status(401, "Unauthorized")) {
            WatchHealth::Retrying { error } => assert!(error.starts_with("unauthorized (401)"), "{error}"),
            other => panic!("{other:?}"),
        }
    }
}
