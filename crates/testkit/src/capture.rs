//! Loads a captured `kubectl get ... -o json` List (`fixtures/sandbox.json`,
//! made by `fixtures/capture.sh`) into a [`State`] through the same
//! projection the watches use, so snapshot and unit tests run on real
//! objects from the sandbox.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Node, Pod, Service};
use model::{Kind, Object, State, Time, Update, WatchId};
use serde::de::DeserializeOwned;
use source::kube::watch;

/// The annotation `capture.sh` puts on the List: when it was captured. Tests
/// use it as "now" so ages and countdowns render the same on every run.
pub const CAPTURED_AT: &str = "batchtop.dev/captured-at";

/// A captured List: its projected objects and when it was captured.
#[derive(Debug, Clone)]
pub struct Capture {
    pub objects: Vec<Object>,
    pub captured_at: Option<Time>,
}

/// Reads and projects a captured List. Items of kinds batchtop does not watch
/// are skipped; a malformed item is an error naming it.
pub fn load(path: &Path) -> Result<Capture> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading fixture {}", path.display()))?;
    parse(&text).with_context(|| format!("parsing fixture {}", path.display()))
}

pub fn parse(text: &str) -> Result<Capture> {
    let list: serde_json::Value = serde_json::from_str(text)?;
    let Some(items) = list.get("items").and_then(|i| i.as_array()) else { bail!("not a List: no items array") };
    let captured_at = list
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(CAPTURED_AT))
        .and_then(|v| v.as_str())
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    let mut objects = Vec::with_capacity(items.len());
    for item in items {
        if let Some(object) = project_item(item)? {
            objects.push(object);
        }
    }
    Ok(Capture { objects, captured_at })
}

fn project_item(item: &serde_json::Value) -> Result<Option<Object>> {
    let kind = item.get("kind").and_then(|k| k.as_str()).unwrap_or_default();
    let name = item.pointer("/metadata/name").and_then(|n| n.as_str()).unwrap_or("?");
    let object = match kind {
        "Job" => watch::job(&typed::<Job>(item, kind, name)?),
        "Pod" => watch::pod(&typed::<Pod>(item, kind, name)?),
        "CronJob" => watch::cronjob(&typed::<CronJob>(item, kind, name)?),
        "Node" => watch::node(&typed::<Node>(item, kind, name)?),
        "Service" => watch::service(&typed::<Service>(item, kind, name)?),
        "Event" => watch::event(&typed::<Event>(item, kind, name)?),
        _ => None,
    };
    Ok(object)
}

fn typed<K: DeserializeOwned>(item: &serde_json::Value, kind: &str, name: &str) -> Result<K> {
    K::deserialize(item).with_context(|| format!("{kind} {name}"))
}

/// Folds a capture into a fresh State as if one cluster-wide watch per kind
/// had listed it, at `now`.
pub fn state_from(capture: &Capture, now: Time) -> State {
    let mut state = State::default();
    let kinds = [Kind::Job, Kind::Pod, Kind::CronJob, Kind::Node, Kind::Service, Kind::Event];
    for kind in kinds {
        let id = WatchId { kind, namespace: None };
        state.apply(Update::ListStarted(id.clone()), now);
        for object in capture.objects.iter().filter(|o| o.kind() == kind) {
            state.apply(Update::Applied(id.clone(), object.clone()), now);
        }
        state.apply(Update::ListDone(id), now);
    }
    state
}

/// Loads a captured List into a State; "now" is the capture time (or the
/// current time for a List without the annotation). Returns both.
pub fn load_state(path: &Path) -> Result<(State, Time)> {
    let capture = load(path)?;
    let now = capture.captured_at.unwrap_or_else(chrono::Utc::now);
    Ok((state_from(&capture, now), now))
}

/// A capture in `crates/testkit/fixtures/`.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// The sandbox capture the snapshot tests use.
pub fn sandbox_path() -> PathBuf {
    fixture_path("sandbox.json")
}

/// [`load_state`] of the sandbox capture; panics saying how to make it.
pub fn sandbox_state() -> (State, Time) {
    load_state(&sandbox_path())
        .expect("crates/testkit/fixtures/sandbox.json (make it with crates/testkit/fixtures/capture.sh)")
}

/// [`load_state`] of the capture of an Indexed Job retried per index (the
/// seed has none); panics saying how to make it.
pub fn retried_state() -> (State, Time) {
    load_state(&fixture_path("retried.json"))
        .expect("crates/testkit/fixtures/retried.json (make it with crates/testkit/fixtures/capture-retried.sh)")
}

#[cfg(test)]
mod tests {
    use model::ObjKey;

    use super::*;

    #[test]
    fn the_sandbox_capture_loads_into_a_state() {
        let (state, now) = sandbox_state();
        let text = std::fs::read_to_string(sandbox_path()).unwrap();
        let list: serde_json::Value = serde_json::from_str(&text).unwrap();
        let captured = list["items"].as_array().unwrap();
        let count = |kind: &str| captured.iter().filter(|i| i["kind"] == kind).count();
        assert_eq!(state.jobs.len(), count("Job"));
        assert_eq!(state.pods.len(), count("Pod"));
        assert_eq!(state.cronjobs.len(), count("CronJob"));
        assert_eq!(state.nodes.len(), count("Node"));
        assert_eq!(state.services.len(), count("Service"));
        assert!(state.synced(Kind::Job));
        assert_eq!(state.pods_of_job(&ObjKey::new("indexed", "indexed-job")).count(), 5);
        assert!(state.jobs.values().all(|j| j.created.is_some_and(|c| c <= now)), "now is the capture time");
    }
}
