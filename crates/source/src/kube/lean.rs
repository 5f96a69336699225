//! Pods read without what batchtop never looks at. A pod as the API server
//! sends it is mostly `metadata.managedFields` (a JSON tree per field manager)
//! and a full pod spec (images, env, volumes, probes); k8s-openapi's `Pod`
//! builds every node of both on the heap, and a 10,000-pod list is twenty
//! pages of them. [`LeanPod`] reads the same JSON into a `Pod` that carries
//! only what `project::pod` reads: serde skips the rest without building it.
//! The projection of a `LeanPod` is the projection of the full `Pod`
//! (checked over the sandbox's captured pods in the tests below).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::Resource;
use serde::{Deserialize, Deserializer};

/// A `Pod` holding what batchtop shows of it (see the module notes).
#[derive(Debug, Clone)]
pub struct LeanPod(pub Pod);

/// The pod as read off the wire: every field not named here is skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePod {
    #[serde(default)]
    metadata: WireMeta,
    spec: Option<WireSpec>,
    status: Option<PodStatus>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireMeta {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
    owner_references: Option<Vec<OwnerReference>>,
    creation_timestamp: Option<Time>,
    deletion_timestamp: Option<Time>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSpec {
    node_name: Option<String>,
    hostname: Option<String>,
    subdomain: Option<String>,
    #[serde(default)]
    containers: Vec<Named>,
    init_containers: Option<Vec<Named>>,
}

/// A container of the spec, by name only: the statuses say the rest.
#[derive(Deserialize)]
struct Named {
    name: String,
}

impl<'de> Deserialize<'de> for LeanPod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WirePod::deserialize(deserializer)?;
        let m = wire.metadata;
        let metadata = ObjectMeta {
            name: m.name,
            namespace: m.namespace,
            uid: m.uid,
            resource_version: m.resource_version,
            labels: m.labels,
            annotations: m.annotations,
            owner_references: m.owner_references,
            creation_timestamp: m.creation_timestamp,
            deletion_timestamp: m.deletion_timestamp,
            ..ObjectMeta::default()
        };
        let container = |n: Named| Container { name: n.name, ..Container::default() };
        let spec = wire.spec.map(|s| PodSpec {
            node_name: s.node_name,
            hostname: s.hostname,
            subdomain: s.subdomain,
            containers: s.containers.into_iter().map(container).collect(),
            init_containers: s.init_containers.map(|list| list.into_iter().map(container).collect()),
            ..PodSpec::default()
        });
        Ok(Self(Pod { metadata, spec, status: wire.status }))
    }
}

/// The API paths and metadata of a `Pod`: a `LeanPod` is listed and watched as one.
impl Resource for LeanPod {
    type DynamicType = ();
    type Scope = k8s_openapi::NamespaceResourceScope;

    fn kind(dt: &()) -> std::borrow::Cow<'_, str> {
        Pod::kind(dt)
    }

    fn group(dt: &()) -> std::borrow::Cow<'_, str> {
        Pod::group(dt)
    }

    fn version(dt: &()) -> std::borrow::Cow<'_, str> {
        Pod::version(dt)
    }

    fn plural(dt: &()) -> std::borrow::Cow<'_, str> {
        Pod::plural(dt)
    }

    fn meta(&self) -> &ObjectMeta {
        &self.0.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.0.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::project;

    /// The captured sandbox pods, as the API server sent them, plus a field
    /// manager entry like the ones real pods carry (the capture strips them).
    fn captured_pods() -> Vec<serde_json::Value> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/fixtures/sandbox.json");
        let list: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let managed = serde_json::json!([{
            "apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager", "operation": "Update",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:job-name": {}}}, "f:spec": {"f:containers": {}}}
        }]);
        let pods: Vec<serde_json::Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "Pod")
            .cloned()
            .map(|mut p| {
                p["metadata"]["managedFields"] = managed.clone();
                p
            })
            .collect();
        assert!(pods.len() > 20, "the capture holds the scenarios' pods");
        pods
    }

    #[test]
    fn a_lean_pod_projects_as_the_full_pod_does() {
        for value in captured_pods() {
            let full: Pod = serde_json::from_value(value.clone()).unwrap();
            let lean: LeanPod = serde_json::from_value(value).unwrap();
            assert_eq!(project::pod(&lean.0), project::pod(&full), "{:?}", full.metadata.name);
            assert!(lean.0.metadata.managed_fields.is_none(), "managedFields are not kept");
        }
    }

    #[test]
    fn a_lean_pod_is_listed_and_watched_at_the_pods_paths() {
        assert_eq!(LeanPod::url_path(&(), Some("ns")), Pod::url_path(&(), Some("ns")));
        assert_eq!(LeanPod::api_version(&()), "v1");
        assert_eq!(LeanPod::kind(&()), "Pod");
    }

    #[test]
    fn a_pod_without_spec_or_status_still_reads() {
        let lean: LeanPod = serde_json::from_str(r#"{"metadata":{"name":"p","namespace":"n"}}"#).unwrap();
        assert_eq!(lean.0.metadata.name.as_deref(), Some("p"));
        assert!(lean.0.spec.is_none() && lean.0.status.is_none());
    }
}
