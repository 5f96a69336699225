//! Node actions: cordon and uncordon (drain is in `drain.rs`).

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, PatchParams};
use kube::{Client, Error};
use serde_json::json;

use model::{ObjKey, State};

use super::job::{FIELD_MANAGER, is_active};
use super::text::{count, list};

/// Marks the node unschedulable (cordon) or schedulable again (uncordon);
/// with `uid`, only the node of that UID (not one re-registered since).
/// With `dry_run` the API server checks the patch and changes nothing.
pub async fn set_unschedulable(
    client: &Client,
    node: &str,
    unschedulable: bool,
    dry_run: bool,
    uid: Option<&str>,
) -> Result<String, Error> {
    let api: Api<Node> = Api::all(client.clone());
    let params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), dry_run, ..PatchParams::default() };
    api.patch(node, &params, &super::guarded_patch(uid, json!({ "spec": { "unschedulable": unschedulable } }))).await?;
    Ok(if unschedulable { "cordoned" } else { "uncordoned" }.into())
}

/// How many active pods the state shows on the node.
pub(super) fn active_pods_on(state: &State, node: &str) -> usize {
    state.pods.values().filter(|p| p.node.as_deref() == Some(node) && is_active(p)).count()
}

pub(super) fn cordon_consequences(state: &State, nodes: &[ObjKey]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| match state.nodes.get(&ObjKey::new("", n.name.clone())) {
            Some(info) if info.unschedulable => format!("{} is already cordoned: nothing changes.", n.name),
            _ => format!(
                "{}: no new pods are scheduled there; the {} running on it (as far as the view shows) keep running.",
                n.name,
                count(active_pods_on(state, &n.name), "pod")
            ),
        })
        .collect()
}

pub(super) fn uncordon_consequences(state: &State, nodes: &[ObjKey]) -> Vec<String> {
    let pending = state.pods.values().filter(|p| p.phase == "Pending" && p.node.is_none() && !p.deleting).count();
    let mut lines: Vec<String> = nodes
        .iter()
        .map(|n| match state.nodes.get(&ObjKey::new("", n.name.clone())) {
            Some(info) if !info.unschedulable => format!("{} is not cordoned: nothing changes.", n.name),
            _ => format!("{}: the scheduler may place pods there again.", n.name),
        })
        .collect();
    if pending > 0 {
        let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        lines.push(format!(
            "{} waiting to be scheduled may start on {} now.",
            count(pending, "pending pod"),
            list(&names)
        ));
    }
    lines
}
