//! One kube-runtime watcher per (kind, namespace), turned into `model::Update`s.
//!
//! The watcher lists then watches, resumes from the last resourceVersion after
//! a dropped connection and relists after a 410 Gone; every (re)list is framed
//! by `ListStarted` .. `ListDone`, so the state drops rows that vanished while
//! the watch was down. Errors become `Health` updates and the stream retries
//! with kube's default backoff (0.8 s doubling to 30 s).

use std::collections::HashMap;
use std::fmt::Debug;

use futures::StreamExt;
use kube::api::Api;
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, watcher::watcher};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use super::project;
use crate::error::error_chain;
use model::{EventInfo, ObjKey, Object, Time, Update, WatchHealth, WatchId};

/// Objects per list page: client-go's default, small enough that a 10,000-pod
/// cluster lists in bounded memory.
pub const PAGE_SIZE: u32 = 500;

/// How many events are kept per involved object (the newest win).
pub const EVENTS_PER_OBJECT: usize = 8;

/// Turns an API object into the projection the state keeps, or `None` to skip it.
pub type Projector<K> = fn(&K) -> Option<Object>;

/// Runs one watch until the receiver is dropped (or the task is aborted).
pub async fn run<K>(api: Api<K>, config: watcher::Config, id: WatchId, project: Projector<K>, tx: mpsc::Sender<Update>)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let mut sink = Sink { id, tx, errored: false, budget: None };
    if sink.id.kind == model::Kind::Event {
        sink.budget = Some(EventBudget::default());
    }
    let mut stream = watcher(api, config).default_backoff().boxed();
    while let Some(item) = stream.next().await {
        let sent = match item {
            Ok(event) => sink.event(event, project).await,
            Err(err) => sink.error(&err).await,
        };
        if !sent {
            return; // the app is gone
        }
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

    async fn error(&mut self, err: &watcher::Error) -> bool {
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
                if let Some(b) = &mut self.budget {
                    b.forget(&key);
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

/// What the health line should say about a watcher error: RBAC refusals are
/// `Forbidden` (retrying will not help until someone changes a Role), the rest
/// `Retrying` with a one-line reason.
pub fn health_of(err: &watcher::Error) -> WatchHealth {
    let status = match err {
        watcher::Error::InitialListFailed(e) | watcher::Error::WatchStartFailed(e) | watcher::Error::WatchFailed(e) => {
            match e {
                kube::Error::Api(s) => Some(s.as_ref()),
                _ => None,
            }
        }
        watcher::Error::WatchError(s) => Some(s.as_ref()),
        watcher::Error::NoResourceVersion => None,
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
/// so a noisy object cannot fill memory. Reset at every relist.
#[derive(Default)]
pub struct EventBudget {
    per_object: HashMap<Involved, Vec<(Option<Time>, ObjKey)>>,
    owner_of: HashMap<ObjKey, Involved>,
}

/// The object an event is about: namespace, kind, name.
type Involved = (String, String, String);

#[derive(Debug, PartialEq)]
pub enum Admit {
    Keep,
    /// Keep it and delete this older event of the same object.
    KeepEvicting(ObjKey),
    /// Older than every kept event of a full object.
    Skip,
}

impl EventBudget {
    pub fn clear(&mut self) {
        self.per_object.clear();
        self.owner_of.clear();
    }

    pub fn admit(&mut self, ev: &EventInfo) -> Admit {
        let object = (ev.key.namespace.clone(), ev.involved_kind.clone(), ev.involved_name.clone());
        let kept = self.per_object.entry(object.clone()).or_default();
        if let Some(slot) = kept.iter_mut().find(|(_, k)| *k == ev.key) {
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
            self.owner_of.remove(&old);
            Admit::KeepEvicting(old)
        };
        kept.push((ev.last_seen, ev.key.clone()));
        self.owner_of.insert(ev.key.clone(), object);
        admit
    }

    pub fn forget(&mut self, key: &ObjKey) {
        let Some(object) = self.owner_of.remove(key) else { return };
        if let Some(kept) = self.per_object.get_mut(&object) {
            kept.retain(|(_, k)| k != key);
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
        b.forget(&ObjKey::new("ns", "e2"));
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
            sink.error(&watcher::Error::WatchError(Box::new(kube::core::Status {
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

        // A resumed watch (no relist) reports Ok at its next event; deletes remove.
        assert!(sink.error(&watcher::Error::NoResourceVersion).await);
        assert!(sink.event(Event::Delete(k8s_job("a")), job).await);
        fold(&mut rx, &mut state);
        assert!(state.jobs.is_empty());
        assert_eq!(state.watches[&id].health, WatchHealth::Ok);
    }

    #[test]
    fn health_separates_forbidden_from_retrying() {
        let status = |code: u16, reason: &str| {
            watcher::Error::InitialListFailed(kube::Error::Api(Box::new(kube::core::Status {
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
