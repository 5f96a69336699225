//! KEDA ScaledJobs, when that CRD exists: their triggers name the queue each
//! of their Jobs works (the common production way to run queue workers).
//!
//! One watch per namespace scope on `keda.sh/v1alpha1 ScaledJob`, only if the
//! API server serves that kind (asked once through discovery; no KEDA, no
//! watch). After every change the whole (small) set is sent as
//! [`QueueUpdate::ScaledJobs`]; the app re-links. Only `spec.triggers[].type`
//! and `.metadata` are kept; `authenticationRef` is never followed (it points
//! at Secrets).

use std::collections::BTreeMap;

use futures::StreamExt;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::GroupVersionKind;
use kube::discovery::{self, ApiResource};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event, watcher};
use kube::{Client, ResourceExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use model::ObjKey;
use model::queue::{KedaTrigger, QueueUpdate, ScaledJobInfo};
use model::scope::Namespaces;

fn gvk() -> GroupVersionKind {
    GroupVersionKind::gvk("keda.sh", "v1alpha1", "ScaledJob")
}

/// The ScaledJob API, if this cluster serves it.
pub async fn scaled_job_api(client: &Client) -> Option<ApiResource> {
    match discovery::pinned_kind(client, &gvk()).await {
        Ok((ar, _)) => Some(ar),
        Err(e) => {
            tracing::debug!("no KEDA ScaledJob API: {e}");
            None
        }
    }
}

/// The parts of a ScaledJob linking needs.
pub fn project(obj: &DynamicObject) -> ScaledJobInfo {
    let key = ObjKey::new(obj.namespace().unwrap_or_default(), obj.name_any());
    let triggers = obj
        .data
        .pointer("/spec/triggers")
        .and_then(|t| t.as_array())
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let type_ = t.get("type")?.as_str()?.to_string();
            let metadata = t
                .get("metadata")
                .and_then(|m| m.as_object())
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect();
            Some(KedaTrigger { type_, metadata })
        })
        .collect();
    ScaledJobInfo { key, triggers }
}

fn apis(client: &Client, ar: &ApiResource, namespaces: &Namespaces) -> Vec<Api<DynamicObject>> {
    match namespaces {
        Namespaces::All => vec![Api::all_with(client.clone(), ar)],
        Namespaces::Only(list) => list.iter().map(|ns| Api::namespaced_with(client.clone(), ns, ar)).collect(),
    }
}

/// For `--once`: the ScaledJobs in scope, listed once. Empty without KEDA or
/// when RBAC refuses (linking then uses env and config only).
pub async fn list(client: &Client, namespaces: &Namespaces) -> Vec<ScaledJobInfo> {
    let Some(ar) = scaled_job_api(client).await else { return Vec::new() };
    let mut out = Vec::new();
    for api in apis(client, &ar, namespaces) {
        match api.list(&ListParams::default()).await {
            Ok(list) => out.extend(list.items.iter().map(project)),
            Err(e) => tracing::info!("listing KEDA ScaledJobs: {e}"),
        }
    }
    out
}

/// Starts the ScaledJob watches (nothing without KEDA). Abort the handle to stop.
pub fn spawn(client: Client, namespaces: Namespaces, tx: mpsc::Sender<QueueUpdate>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Some(ar) = scaled_job_api(&client).await else { return };
        let streams = apis(&client, &ar, &namespaces)
            .into_iter()
            .enumerate()
            .map(|(i, api)| watcher(api, watcher::Config::default()).default_backoff().map(move |e| (i, e)));
        let mut merged = futures::stream::select_all(streams.map(futures::StreamExt::boxed));
        // Per watch: the objects it holds, and those of a relist under way.
        let mut held: BTreeMap<usize, BTreeMap<ObjKey, ScaledJobInfo>> = BTreeMap::new();
        let mut relist: BTreeMap<usize, BTreeMap<ObjKey, ScaledJobInfo>> = BTreeMap::new();
        while let Some((i, event)) = merged.next().await {
            match event {
                Ok(Event::Init) => {
                    relist.insert(i, BTreeMap::new());
                    continue;
                }
                Ok(Event::InitApply(obj)) => {
                    let sj = project(&obj);
                    relist.entry(i).or_default().insert(sj.key.clone(), sj);
                    continue;
                }
                Ok(Event::InitDone) => {
                    held.insert(i, relist.remove(&i).unwrap_or_default());
                }
                Ok(Event::Apply(obj)) => {
                    let sj = project(&obj);
                    held.entry(i).or_default().insert(sj.key.clone(), sj);
                }
                Ok(Event::Delete(obj)) => {
                    held.entry(i).or_default().remove(&project(&obj).key);
                }
                Err(e) => {
                    // RBAC refusal or a dropped connection: the watcher retries with backoff.
                    tracing::info!("KEDA ScaledJob watch: {e}");
                    continue;
                }
            }
            let all: Vec<ScaledJobInfo> = held.values().flat_map(|m| m.values().cloned()).collect();
            if tx.send(QueueUpdate::ScaledJobs(all)).await.is_err() {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_trigger_types_and_string_metadata_only() {
        let obj: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledJob",
            "metadata": {"name": "consumer", "namespace": "ns"},
            "spec": {
                "jobTargetRef": {"template": {}},
                "triggers": [
                    {"type": "rabbitmq", "metadata": {"queueName": "orders", "value": "5", "hostFromEnv": "URL"},
                     "authenticationRef": {"name": "secret-auth"}},
                    {"type": "redis", "metadata": {"listName": "jobs", "listLength": 10}},
                    {"metadata": {"x": "y"}}
                ]
            }
        }))
        .unwrap();
        let sj = project(&obj);
        assert_eq!(sj.key, ObjKey::new("ns", "consumer"));
        assert_eq!(sj.triggers.len(), 2);
        assert_eq!(sj.triggers[0].metadata.get("queueName").map(String::as_str), Some("orders"));
        assert!(!sj.triggers[1].metadata.contains_key("listLength"), "non-string values are skipped");
    }
}
