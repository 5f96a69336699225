//! Pods and Jobs read without what batchtop never looks at. An object as the
//! API server sends it carries `metadata.managedFields` (a JSON tree per
//! field manager), and a pod its full spec (images, env, volumes, probes);
//! k8s-openapi's types build every node of them on the heap, and a
//! 10,000-pod list is twenty pages of them. [`LeanPod`] reads the same JSON
//! into a `Pod` that carries only what `project::pod` reads, [`LeanJob`] a
//! `Job` without its managed fields: serde skips the rest without building it.
//! Their projections are the full objects' (checked over the sandbox's
//! captured objects in the tests below).

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec, JobStatus};
use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::Resource;
use serde::{Deserialize, Deserializer};

/// A `Pod` holding what batchtop shows of it (see the module notes).
#[derive(Debug, Clone)]
pub struct LeanPod(pub Pod);

/// A `Job` without its managed fields.
#[derive(Debug, Clone)]
pub struct LeanJob(pub Job);

/// An object as read off the wire: every field not named here is skipped.
#[derive(Deserialize)]
struct WireObject<S, T> {
    #[serde(default)]
    metadata: WireMeta,
    spec: Option<S>,
    status: Option<T>,
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

impl From<WireMeta> for ObjectMeta {
    fn from(m: WireMeta) -> Self {
        Self {
            name: m.name,
            namespace: m.namespace,
            uid: m.uid,
            resource_version: m.resource_version,
            labels: m.labels,
            annotations: m.annotations,
            owner_references: m.owner_references,
            creation_timestamp: m.creation_timestamp,
            deletion_timestamp: m.deletion_timestamp,
            ..Self::default()
        }
    }
}

impl<'de> Deserialize<'de> for LeanJob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireObject::<JobSpec, JobStatus>::deserialize(deserializer)?;
        Ok(Self(Job { metadata: wire.metadata.into(), spec: wire.spec, status: wire.status }))
    }
}

impl<'de> Deserialize<'de> for LeanPod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireObject::<WireSpec, PodStatus>::deserialize(deserializer)?;
        let metadata = wire.metadata.into();
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

/// The API paths and metadata of the full kind: a lean object is listed and watched as one.
macro_rules! resource_as {
    ($lean:ty, $full:ty) => {
        impl Resource for $lean {
            type DynamicType = ();
            type Scope = k8s_openapi::NamespaceResourceScope;

            fn kind(dt: &()) -> std::borrow::Cow<'_, str> {
                <$full>::kind(dt)
            }

            fn group(dt: &()) -> std::borrow::Cow<'_, str> {
                <$full>::group(dt)
            }

            fn version(dt: &()) -> std::borrow::Cow<'_, str> {
                <$full>::version(dt)
            }

            fn plural(dt: &()) -> std::borrow::Cow<'_, str> {
                <$full>::plural(dt)
            }

            fn meta(&self) -> &ObjectMeta {
                &self.0.metadata
            }

            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.0.metadata
            }
        }
    };
}

resource_as!(LeanPod, Pod);
resource_as!(LeanJob, Job);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::project;

    /// The captured sandbox objects of `kind`, as the API server sent them,
    /// plus a field manager entry like the ones real objects carry (the capture strips them).
    fn captured(kind: &str) -> Vec<serde_json::Value> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/fixtures/sandbox.json");
        let list: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let managed = serde_json::json!([{
            "apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager", "operation": "Update",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:job-name": {}}}, "f:spec": {"f:containers": {}}}
        }]);
        let objects: Vec<serde_json::Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == kind)
            .cloned()
            .map(|mut o| {
                o["metadata"]["managedFields"] = managed.clone();
                o
            })
            .collect();
        assert!(objects.len() > 10, "the capture holds the scenarios' {kind}s");
        objects
    }

    #[test]
    fn a_lean_pod_projects_as_the_full_pod_does() {
        for value in captured("Pod") {
            let full: Pod = serde_json::from_value(value.clone()).unwrap();
            let lean: LeanPod = serde_json::from_value(value).unwrap();
            assert_eq!(project::pod(&lean.0), project::pod(&full), "{:?}", full.metadata.name);
            assert!(lean.0.metadata.managed_fields.is_none(), "managedFields are not kept");
        }
    }

    #[test]
    fn a_lean_job_projects_as_the_full_job_does() {
        for value in captured("Job") {
            let full: Job = serde_json::from_value(value.clone()).unwrap();
            let lean: LeanJob = serde_json::from_value(value).unwrap();
            assert_eq!(project::job(&lean.0), project::job(&full), "{:?}", full.metadata.name);
            assert!(lean.0.metadata.managed_fields.is_none(), "managedFields are not kept");
        }
    }

    #[test]
    fn a_lean_pod_is_listed_and_watched_at_the_pods_paths() {
        assert_eq!(LeanPod::url_path(&(), Some("ns")), Pod::url_path(&(), Some("ns")));
        assert_eq!(LeanPod::api_version(&()), "v1");
        assert_eq!(LeanPod::kind(&()), "Pod");
        assert_eq!(LeanJob::url_path(&(), None), Job::url_path(&(), None));
    }

    #[test]
    fn a_pod_without_spec_or_status_still_reads() {
        let lean: LeanPod = serde_json::from_str(r#"{"metadata":{"name":"p","namespace":"n"}}"#).unwrap();
        assert_eq!(lean.0.metadata.name.as_deref(), Some("p"));
        assert!(lean.0.spec.is_none() && lean.0.status.is_none());
    }
}
