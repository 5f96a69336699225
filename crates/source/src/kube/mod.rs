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

pub mod lean;
pub mod project;
pub mod watch;

use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{Event, Node, Service};
use kube::api::Api;
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use model::scope::Scope;
use model::{Kind, Update, WatchId};

/// What one kind's watch selects: the label selector narrows Jobs and Pods only.
fn selection(scope: &Scope, kind: Kind) -> watch::Selection {
    match kind {
        Kind::Job | Kind::Pod => watch::Selection { label_selector: scope.selector.clone(), field_selector: None },
        Kind::Event => watch::Selection {
            label_selector: None,
            field_selector: scope.events_of.and_then(involved_kind).map(|k| format!("involvedObject.kind={k}")),
        },
        _ => watch::Selection::default(),
    }
}

/// The `involvedObject.kind` of Events about objects of `kind`.
fn involved_kind(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Job => Some("Job"),
        Kind::Pod => Some("Pod"),
        Kind::CronJob => Some("CronJob"),
        Kind::Node => Some("Node"),
        Kind::Service => Some("Service"),
        Kind::Event => None,
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
// `tx` is taken by value so the tasks hold the only senders: the receiver sees the channel close when they end.
#[allow(clippy::needless_pass_by_value)]
pub fn spawn_watches(client: &Client, scope: &Scope, tx: mpsc::Sender<Update>) -> WatchHandles {
    let ids = scope.watch_ids();
    let tasks = ids.iter().map(|id| spawn_one(client.clone(), scope, id.clone(), tx.clone())).collect();
    WatchHandles { ids, tasks }
}

fn spawn_one(client: Client, scope: &Scope, id: WatchId, tx: mpsc::Sender<Update>) -> JoinHandle<()> {
    let selection = selection(scope, id.kind);
    match id.kind {
        // Read lean: most of a pod, and a Job's managed fields, are what batchtop never shows.
        Kind::Job => spawn_kind::<lean::LeanJob>(client, selection, id, watch::lean_job, tx),
        Kind::Pod => spawn_kind::<lean::LeanPod>(client, selection, id, watch::lean_pod, tx),
        Kind::CronJob => spawn_kind::<CronJob>(client, selection, id, watch::cronjob, tx),
        Kind::Node => {
            let run = watch::run(Api::<Node>::all(client), selection, id.clone(), watch::node, tx.clone());
            spawn_supervised(id, tx, run)
        }
        Kind::Service => spawn_kind::<Service>(client, selection, id, watch::service, tx),
        Kind::Event => spawn_kind::<Event>(client, selection, id, watch::event, tx),
    }
}

/// Spawns a watch that reports itself `Failed` if it panics or ends while
/// the app still listens (a dead watcher must not look healthy).
fn spawn_supervised(
    id: WatchId,
    tx: mpsc::Sender<Update>,
    run: impl std::future::Future<Output = ()> + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let error = crate::task::why_it_ended(run).await;
        tracing::error!(watch = ?id, %error, "watch task ended");
        let _ = tx.send(Update::Health(id, model::WatchHealth::Failed { error })).await;
    })
}

fn spawn_kind<K>(
    client: Client,
    selection: watch::Selection,
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
    let run = watch::run(api, selection, id.clone(), project, tx.clone());
    spawn_supervised(id, tx, run)
}

#[cfg(test)]
mod tests {
    use model::scope::Namespaces;

    use super::*;

    /// A watcher that panics reports itself failed: its rows must not look current.
    #[tokio::test]
    async fn a_panicked_watcher_shows_as_failed() {
        let (tx, mut rx) = mpsc::channel(4);
        let id = WatchId { kind: Kind::Job, namespace: None };
        let task = spawn_supervised(id.clone(), tx, async { panic!("boom") });
        task.await.unwrap();
        match rx.recv().await {
            Some(Update::Health(got, model::WatchHealth::Failed { error })) => {
                assert_eq!(got, id);
                assert_eq!(error, "the task panicked: boom");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_selector_narrows_jobs_and_pods_only() {
        let scope = Scope {
            namespaces: Namespaces::Only(vec!["a".into(), "b".into()]),
            selector: Some("x=y".into()),
            kinds: vec![Kind::Job, Kind::Node],
            events_of: None,
        };
        assert_eq!(selection(&scope, Kind::Job).label_selector.as_deref(), Some("x=y"));
        assert_eq!(selection(&scope, Kind::Node).label_selector, None);
    }
}
