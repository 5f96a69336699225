//! The cluster as batchtop sees it: every watched object's projection, kept
//! by [`State::apply`] from the watches' [`Update`]s, and how each watch is doing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::redact::mask_url;
use crate::store::Store;
use crate::types::{CronJobInfo, EventInfo, JobInfo, NodeInfo, ObjKey, PodInfo, ServiceInfo, Time};

/// The kinds of object batchtop watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Kind {
    Job,
    Pod,
    CronJob,
    Node,
    Event,
    Service,
}

impl Kind {
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Job => "jobs",
            Kind::Pod => "pods",
            Kind::CronJob => "cronjobs",
            Kind::Node => "nodes",
            Kind::Event => "events",
            Kind::Service => "services",
        }
    }
}

/// One watch: a kind in one namespace, or in all namespaces (`None`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WatchId {
    pub kind: Kind,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchHealth {
    /// Connecting or listing for the first time.
    Starting,
    /// The first complete list arrived and the watch is streaming.
    Ok,
    /// The watch failed and is retrying with backoff; the rows shown are the last known.
    Retrying { error: String },
    /// RBAC refused the list or watch; retrying will not help until permissions change.
    Forbidden { message: String },
    /// The watcher task panicked or ended: nothing will update these rows again.
    Failed { error: String },
}

impl WatchHealth {
    /// With every credential in its error masked: an error may quote a URL
    /// (a proxy's, a server's with userinfo), and the state is what the status
    /// bar, `--once` and the log show.
    #[must_use]
    pub fn masked(self) -> Self {
        match self {
            WatchHealth::Retrying { error } => WatchHealth::Retrying { error: mask_url(&error) },
            WatchHealth::Failed { error } => WatchHealth::Failed { error: mask_url(&error) },
            WatchHealth::Forbidden { message } => WatchHealth::Forbidden { message: mask_url(&message) },
            other => other,
        }
    }

    /// The rows of a watch in this health are not being kept current.
    pub fn is_stale(&self) -> bool {
        matches!(self, WatchHealth::Retrying { .. } | WatchHealth::Failed { .. })
    }
}

#[derive(Debug, Clone)]
pub struct WatchStatus {
    pub health: WatchHealth,
    /// A complete list has been seen at least once.
    pub synced: bool,
    pub last_event: Option<Time>,
    /// The last time the server was heard on this watch: an object, a list,
    /// an answered watch request or a bookmark.
    pub live_at: Option<Time>,
    /// Since when the rows are not current: the last `live_at` before the
    /// watch went retrying or failed; `None` while healthy.
    pub stale_since: Option<Time>,
    list_generation: u64,
}

/// A projected object, as sources send it.
// Objects are moved through channels and folded at once: boxing would add an allocation per object.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Object {
    Job(JobInfo),
    Pod(PodInfo),
    CronJob(CronJobInfo),
    Node(NodeInfo),
    Event(EventInfo),
    Service(ServiceInfo),
}

impl Object {
    pub fn kind(&self) -> Kind {
        match self {
            Object::Job(_) => Kind::Job,
            Object::Pod(_) => Kind::Pod,
            Object::CronJob(_) => Kind::CronJob,
            Object::Node(_) => Kind::Node,
            Object::Event(_) => Kind::Event,
            Object::Service(_) => Kind::Service,
        }
    }
}

/// Everything a source can tell the state.
// Updates are moved through channels and folded at once: boxing would add an allocation per object.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Update {
    /// A watch begins a (re)list: what it applies until `ListDone` is the complete set.
    ListStarted(WatchId),
    Applied(WatchId, Object),
    Deleted(WatchId, ObjKey),
    ListDone(WatchId),
    Health(WatchId, WatchHealth),
}

#[derive(Debug, Default)]
pub struct State {
    pub jobs: Store<JobInfo>,
    pub pods: Store<PodInfo>,
    pub cronjobs: Store<CronJobInfo>,
    /// Nodes are cluster-scoped: keyed with an empty namespace.
    pub nodes: Store<NodeInfo>,
    pub events: Store<EventInfo>,
    pub services: Store<ServiceInfo>,
    pub watches: BTreeMap<WatchId, WatchStatus>,
    pub last_update: Option<Time>,
    /// The runs of pods deleted while their Job is listed, for its timeline.
    pub remembered: crate::timeline::Remembered,
    /// Pod names by owning Job, so a Job's pods are found without a scan.
    pods_by_job: HashMap<ObjKey, BTreeSet<String>>,
    generation: u64,
}

impl State {
    /// Folds one update into the state. Returns whether anything visible changed.
    pub fn apply(&mut self, update: Update, now: Time) -> bool {
        match update {
            Update::ListStarted(id) => {
                self.generation += 1;
                let g = self.generation;
                self.watch_mut(&id).list_generation = g;
                false
            }
            Update::Applied(id, object) => {
                let status = self.watch_mut(&id);
                let g = status.list_generation;
                status.last_event = Some(now);
                status.live_at = Some(now);
                self.last_update = Some(now);
                self.upsert(object, g)
            }
            Update::Deleted(id, key) => {
                let status = self.watch_mut(&id);
                status.last_event = Some(now);
                status.live_at = Some(now);
                self.last_update = Some(now);
                self.remove(id.kind, &key, now)
            }
            Update::ListDone(id) => {
                let status = self.watch_mut(&id);
                status.synced = true;
                status.health = WatchHealth::Ok;
                status.last_event = Some(now);
                status.live_at = Some(now);
                status.stale_since = None;
                let g = status.list_generation;
                self.last_update = Some(now);
                self.drop_unseen(&id, g, now);
                true
            }
            Update::Health(id, health) => {
                let health = health.masked();
                let status = self.watch_mut(&id);
                let changed = status.health != health;
                if health.is_stale() {
                    status.stale_since = status.stale_since.or(status.live_at).or(Some(now));
                } else {
                    status.stale_since = None;
                }
                if health == WatchHealth::Ok {
                    status.live_at = Some(now);
                }
                status.health = health;
                changed
            }
        }
    }

    /// The pods of a Job, in name order.
    pub fn pods_of_job<'a>(&'a self, job: &'a ObjKey) -> impl Iterator<Item = &'a PodInfo> + 'a {
        // One key to look each pod up with, not two strings per pod: warnings ask for every Job's pods.
        let mut probe = ObjKey::new(job.namespace.clone(), String::new());
        self.pods_by_job.get(job).into_iter().flatten().filter_map(move |name| {
            probe.name.clone_from(name);
            self.pods.get(&probe)
        })
    }

    /// All watches of a kind have completed their first list.
    pub fn synced(&self, kind: Kind) -> bool {
        let mut of_kind = self.watches.iter().filter(|(id, _)| id.kind == kind).peekable();
        of_kind.peek().is_some() && of_kind.all(|(_, s)| s.synced)
    }

    fn watch_mut(&mut self, id: &WatchId) -> &mut WatchStatus {
        self.watches.entry(id.clone()).or_insert_with(|| WatchStatus {
            health: WatchHealth::Starting,
            synced: false,
            last_event: None,
            live_at: None,
            stale_since: None,
            list_generation: 0,
        })
    }

    /// Keeps `object`; returns whether what is kept changed.
    fn upsert(&mut self, object: Object, g: u64) -> bool {
        match object {
            Object::Job(j) => self.jobs.upsert(j.key.clone(), j, g),
            Object::Pod(p) => {
                if let Some(old) = self.pods.get(&p.key)
                    && old.job != p.job
                {
                    self.unindex_pod(&p.key.clone());
                }
                if let Some(job) = &p.job {
                    self.pods_by_job
                        .entry(ObjKey::new(p.key.namespace.clone(), job.clone()))
                        .or_default()
                        .insert(p.key.name.clone());
                }
                self.pods.upsert(p.key.clone(), p, g)
            }
            Object::CronJob(c) => self.cronjobs.upsert(c.key.clone(), c, g),
            Object::Node(n) => self.nodes.upsert(ObjKey::new("", n.name.clone()), n, g),
            Object::Event(e) => self.events.upsert(e.key.clone(), e, g),
            Object::Service(s) => self.services.upsert(s.key.clone(), s, g),
        }
    }

    fn remove(&mut self, kind: Kind, key: &ObjKey, now: Time) -> bool {
        match kind {
            Kind::Job => {
                self.remembered.forget(key);
                self.jobs.remove(key).is_some()
            }
            Kind::Pod => {
                self.unindex_pod(key);
                let pod = self.pods.remove(key);
                if let Some(p) = &pod {
                    self.remember(p, now);
                }
                pod.is_some()
            }
            Kind::CronJob => self.cronjobs.remove(key).is_some(),
            Kind::Node => self.nodes.remove(&ObjKey::new("", key.name.clone())).is_some(),
            Kind::Event => self.events.remove(key).is_some(),
            Kind::Service => self.services.remove(key).is_some(),
        }
    }

    fn unindex_pod(&mut self, key: &ObjKey) {
        let Some(job) = self.pods.get(key).and_then(|p| p.job.clone()) else { return };
        let job_key = ObjKey::new(key.namespace.clone(), job);
        if let Some(names) = self.pods_by_job.get_mut(&job_key) {
            names.remove(&key.name);
            if names.is_empty() {
                self.pods_by_job.remove(&job_key);
            }
        }
    }

    /// Keeps the run of a deleted pod whose Job is listed.
    fn remember(&mut self, pod: &PodInfo, now: Time) {
        let listed = pod
            .job
            .as_ref()
            .is_some_and(|j| self.jobs.get(&ObjKey::new(pod.key.namespace.clone(), j.clone())).is_some());
        if listed {
            self.remembered.keep(pod, now);
        }
    }

    fn drop_unseen(&mut self, id: &WatchId, g: u64, now: Time) {
        let ns = id.namespace.as_deref();
        match id.kind {
            Kind::Job => {
                if self.jobs.drop_older(ns, g) > 0 {
                    let jobs = &self.jobs;
                    self.remembered.retain(|k| jobs.get(k).is_some());
                }
            }
            Kind::Pod => {
                let gone = self.pods.take_older(ns, g);
                for p in &gone {
                    self.remember(p, now);
                }
                if !gone.is_empty() {
                    self.rebuild_pod_index();
                }
            }
            Kind::CronJob => drop(self.cronjobs.drop_older(ns, g)),
            Kind::Node => drop(self.nodes.drop_older(None, g)),
            Kind::Event => drop(self.events.drop_older(ns, g)),
            Kind::Service => drop(self.services.drop_older(ns, g)),
        }
    }

    fn rebuild_pod_index(&mut self) {
        self.pods_by_job.clear();
        for p in self.pods.values() {
            if let Some(job) = &p.job {
                self.pods_by_job
                    .entry(ObjKey::new(p.key.namespace.clone(), job.clone()))
                    .or_default()
                    .insert(p.key.name.clone());
            }
        }
    }
}

#[cfg(test)]
mod health_tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: u32) -> Time {
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, s).unwrap()
    }

    /// The status bar's "stale since": the last time the server was heard, kept
    /// while the watch stays in trouble and cleared when it is live again.
    #[test]
    fn stale_since_is_the_last_sign_of_life_until_the_watch_is_live_again() {
        let id = WatchId { kind: Kind::Job, namespace: None };
        let mut state = State::default();
        state.apply(Update::ListStarted(id.clone()), at(0));
        state.apply(Update::ListDone(id.clone()), at(1));
        state.apply(Update::Health(id.clone(), WatchHealth::Ok), at(5)); // a bookmark
        assert_eq!(state.watches[&id].stale_since, None);
        state.apply(Update::Health(id.clone(), WatchHealth::Retrying { error: "silent".into() }), at(35));
        state.apply(Update::Health(id.clone(), WatchHealth::Retrying { error: "refused".into() }), at(40));
        assert_eq!(state.watches[&id].stale_since, Some(at(5)));
        state.apply(Update::Health(id.clone(), WatchHealth::Ok), at(45));
        assert_eq!(state.watches[&id].stale_since, None);
        assert_eq!(state.watches[&id].live_at, Some(at(45)));
        state.apply(Update::Health(id.clone(), WatchHealth::Failed { error: "panicked".into() }), at(50));
        assert_eq!(state.watches[&id].stale_since, Some(at(45)));
    }

    /// A watch event that changes nothing batchtop keeps (a pod's
    /// resourceVersion moved, a node's heartbeat) is no change: the console
    /// neither derives nor draws for it; it still counts as a sign of life.
    #[test]
    fn an_event_that_changes_nothing_kept_is_no_change() {
        use crate::fixtures;
        let (jobs, pods) = (WatchId { kind: Kind::Job, namespace: None }, WatchId { kind: Kind::Pod, namespace: None });
        let job = fixtures::job("ns", "j");
        let pod = fixtures::job_pod(&job, "a", "Running", fixtures::running());
        let mut state = State::default();
        assert!(state.apply(Update::Applied(jobs.clone(), Object::Job(job.clone())), at(0)));
        assert!(state.apply(Update::Applied(pods.clone(), Object::Pod(pod.clone())), at(0)));
        assert!(!state.apply(Update::Applied(pods.clone(), Object::Pod(pod.clone())), at(3)));
        assert_eq!(state.watches[&pods].live_at, Some(at(3)));
        assert_eq!(state.pods_of_job(&job.key).count(), 1);
        let mut done = pod;
        done.phase = "Succeeded".into();
        assert!(state.apply(Update::Applied(pods, Object::Pod(done)), at(4)));
        assert!(!state.apply(Update::Applied(jobs, Object::Job(job)), at(5)));
    }
}
