//! The Kubernetes source: watches Jobs, Pods, CronJobs, Nodes, Services and
//! Events and sends their compact projections as `model::Update`s.
//!
//! One watcher per (kind, namespace): with `-A` one cluster-wide watcher per
//! kind, with `-n a -n b` one per kind and namespace, so an RBAC refusal in one
//! namespace shows as a forbidden watch while the others keep working. Nodes
//! are cluster-scoped and always watched cluster-wide. The label selector
//! (`-l`) narrows Jobs and Pods only.
//!
//! Events: one bounded watch per namespace scope (core/v1 Events), keeping
//! only events about Jobs, Pods, CronJobs and Nodes and at most
//! [`watch::EVENTS_PER_OBJECT`] (the newest) per object. The UI finds the events
//! of what it shows in `State::events` by involved kind and name. A dynamic
//! per-object watch was not chosen: the state's relist logic keys watches by
//! (kind, namespace), and a second events watch in the same namespace would
//! drop the first one's rows.

pub mod fixtures;
pub mod project;
pub mod watch;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Node, Pod, Service};
use kube::api::Api;
use kube::runtime::watcher;
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::model::{Kind, Update, WatchId};

/// Which namespaces are watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespaces {
    All,
    /// One watcher per namespace, in this order (deduplicated).
    Only(Vec<String>),
}

/// What to watch: namespaces, an optional label selector for Jobs and Pods,
/// and which kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub namespaces: Namespaces,
    pub selector: Option<String>,
    pub kinds: Vec<Kind>,
}

impl Scope {
    /// Everything the interactive console shows.
    pub const CONSOLE_KINDS: [Kind; 6] = [Kind::Job, Kind::Pod, Kind::CronJob, Kind::Node, Kind::Service, Kind::Event];
    /// What `--once` needs (Events are not printed).
    pub const ONCE_KINDS: [Kind; 5] = [Kind::Job, Kind::Pod, Kind::CronJob, Kind::Node, Kind::Service];

    /// The namespaces to watch from the flags, kubectl-style: `-A` wins, then
    /// `-n` (repeatable), then the namespace the kubeconfig context sets. A
    /// context without a namespace means all namespaces (not kubectl's
    /// "default"): batch work rarely lives in `default`, and an operator opening
    /// a console wants to see it all.
    pub fn resolve_namespaces(all: bool, namespaces: &[String], context_namespace: Option<&str>) -> Namespaces {
        if all {
            return Namespaces::All;
        }
        let mut chosen: Vec<String> = Vec::new();
        for ns in namespaces.iter().flat_map(|n| n.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
            if !chosen.iter().any(|c| c == ns) {
                chosen.push(ns.to_string());
            }
        }
        if chosen.is_empty()
            && let Some(ns) = context_namespace.filter(|n| !n.is_empty())
        {
            chosen.push(ns.to_string());
        }
        if chosen.is_empty() { Namespaces::All } else { Namespaces::Only(chosen) }
    }

    /// The watches this scope starts, in a stable order.
    pub fn watch_ids(&self) -> Vec<WatchId> {
        let mut ids = Vec::new();
        for &kind in &self.kinds {
            if kind == Kind::Node {
                ids.push(WatchId { kind, namespace: None });
                continue;
            }
            match &self.namespaces {
                Namespaces::All => ids.push(WatchId { kind, namespace: None }),
                Namespaces::Only(list) => {
                    ids.extend(list.iter().map(|ns| WatchId { kind, namespace: Some(ns.clone()) }))
                }
            }
        }
        ids
    }

    fn config_for(&self, kind: Kind) -> watcher::Config {
        let config = watcher::Config::default().page_size(watch::PAGE_SIZE);
        match (&self.selector, kind) {
            (Some(sel), Kind::Job | Kind::Pod) => config.labels(sel),
            _ => config,
        }
    }
}

/// The running watch tasks. Dropping it (or `abort`) stops them all: switching
/// namespace or context at runtime is abort, reset the state, spawn again.
#[derive(Debug)]
pub struct WatchHandles {
    ids: Vec<WatchId>,
    tasks: Vec<JoinHandle<()>>,
}

impl WatchHandles {
    pub fn ids(&self) -> &[WatchId] {
        &self.ids
    }

    pub fn abort(&self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for WatchHandles {
    fn drop(&mut self) {
        self.abort();
    }
}

/// Starts one watch task per id of `scope.watch_ids()`. Each sends its updates
/// on `tx` and stops when the receiver is dropped. Must run inside a tokio runtime.
pub fn spawn_watches(client: Client, scope: &Scope, tx: mpsc::Sender<Update>) -> WatchHandles {
    let ids = scope.watch_ids();
    let tasks = ids.iter().map(|id| spawn_one(client.clone(), scope, id.clone(), tx.clone())).collect();
    WatchHandles { ids, tasks }
}

fn spawn_one(client: Client, scope: &Scope, id: WatchId, tx: mpsc::Sender<Update>) -> JoinHandle<()> {
    let config = scope.config_for(id.kind);
    match id.kind {
        Kind::Job => spawn_kind::<Job>(client, config, id, watch::job, tx),
        Kind::Pod => spawn_kind::<Pod>(client, config, id, watch::pod, tx),
        Kind::CronJob => spawn_kind::<CronJob>(client, config, id, watch::cronjob, tx),
        Kind::Node => tokio::spawn(watch::run(Api::<Node>::all(client), config, id, watch::node, tx)),
        Kind::Service => spawn_kind::<Service>(client, config, id, watch::service, tx),
        Kind::Event => spawn_kind::<Event>(client, config, id, watch::event, tx),
    }
}

fn spawn_kind<K>(
    client: Client,
    config: watcher::Config,
    id: WatchId,
    project: watch::Projector<K>,
    tx: mpsc::Sender<Update>,
) -> JoinHandle<()>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
    K::DynamicType: Default,
{
    let api = match &id.namespace {
        Some(ns) => Api::<K>::namespaced(client, ns),
        None => Api::<K>::all(client),
    };
    tokio::spawn(watch::run(api, config, id, project, tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_follow_flags_then_context_then_all() {
        let ns = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(Scope::resolve_namespaces(true, &ns(&["a"]), Some("c")), Namespaces::All);
        assert_eq!(
            Scope::resolve_namespaces(false, &ns(&["a", "b,a", " c "]), Some("x")),
            Namespaces::Only(ns(&["a", "b", "c"]))
        );
        assert_eq!(Scope::resolve_namespaces(false, &[], Some("ctx")), Namespaces::Only(ns(&["ctx"])));
        assert_eq!(Scope::resolve_namespaces(false, &[], None), Namespaces::All);
    }

    #[test]
    fn nodes_are_always_cluster_wide() {
        let scope = Scope {
            namespaces: Namespaces::Only(vec!["a".into(), "b".into()]),
            selector: Some("x=y".into()),
            kinds: vec![Kind::Job, Kind::Node],
        };
        let ids = scope.watch_ids();
        assert_eq!(
            ids,
            vec![
                WatchId { kind: Kind::Job, namespace: Some("a".into()) },
                WatchId { kind: Kind::Job, namespace: Some("b".into()) },
                WatchId { kind: Kind::Node, namespace: None },
            ]
        );
        assert_eq!(scope.config_for(Kind::Job).label_selector.as_deref(), Some("x=y"));
        assert_eq!(scope.config_for(Kind::Node).label_selector, None);
    }
}
