//! May this user do that? Asked with a SelfSubjectAccessReview before an
//! action's key is offered, so a refusal shows on the key (with the reason)
//! instead of after the user confirmed. Answers are cached per context,
//! namespace and permission: RBAC changes rarely, and a review is a request.

use std::collections::HashMap;

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::Client;
use kube::api::{Api, PostParams};

use super::text::api_error;
use super::{ActionSpec, Permission};

/// One question for the API: may I `permission` in `namespace` (all
/// namespaces, or a cluster-scoped resource, when `None`) of `context`?
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessKey {
    pub context: String,
    pub namespace: Option<String>,
    pub permission: Permission,
}

/// The API's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Allowed,
    Denied {
        reason: String,
    },
    /// The review itself failed: the action is offered, and the API decides when it runs.
    Unknown {
        error: String,
    },
}

/// Whether an action's key is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    /// A review is still on its way.
    Checking,
    /// RBAC refuses one of the permissions: the key is shown unavailable with this reason.
    Unavailable(String),
    /// A review failed: offered, with this warning.
    Unverified(String),
}

impl Availability {
    /// The key may be pressed.
    pub fn usable(&self) -> bool {
        matches!(self, Availability::Available | Availability::Unverified(_))
    }
}

/// Asks the API once.
pub async fn review(client: &Client, key: &AccessKey) -> Access {
    let p = key.permission;
    let request = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: key.namespace.clone(),
                verb: Some(p.verb.into()),
                group: Some(p.group.into()),
                resource: Some(p.resource.into()),
                subresource: p.subresource.map(Into::into),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    match api.create(&PostParams::default(), &request).await {
        Ok(answer) => match answer.status {
            Some(s) if s.allowed => Access::Allowed,
            Some(s) => Access::Denied { reason: denial(key, s.reason.as_deref(), s.evaluation_error.as_deref()) },
            None => Access::Unknown { error: "the access review came back without a status".into() },
        },
        Err(e) => Access::Unknown { error: format!("access review failed: {}", api_error(&e)) },
    }
}

/// "RBAC: cannot delete jobs.batch in namespace failure-policy", plus what the authorizer said.
fn denial(key: &AccessKey, reason: Option<&str>, evaluation_error: Option<&str>) -> String {
    let place = match &key.namespace {
        Some(ns) => format!("in namespace {ns}"),
        None => "cluster-wide".into(),
    };
    let mut s = format!("RBAC: cannot {} {place} (context {})", key.permission, key.context);
    for extra in [reason, evaluation_error].into_iter().flatten().filter(|r| !r.is_empty()) {
        s.push_str(": ");
        s.push_str(extra);
    }
    s
}

/// Answers so far, per context, namespace and permission.
#[derive(Debug, Default, Clone)]
pub struct AccessCache {
    answers: HashMap<AccessKey, Access>,
}

impl AccessCache {
    pub fn get(&self, key: &AccessKey) -> Option<&Access> {
        self.answers.get(key)
    }

    pub fn insert(&mut self, key: AccessKey, access: Access) {
        self.answers.insert(key, access);
    }

    /// Forgets everything (after switching user, or on request).
    pub fn clear(&mut self) {
        self.answers.clear();
    }

    /// The questions `spec` needs answered in `namespaces` that the cache has no answer to.
    pub fn missing(&self, context: &str, spec: &ActionSpec, namespaces: &[Option<String>]) -> Vec<AccessKey> {
        keys(context, spec, namespaces).filter(|k| !self.answers.contains_key(k)).collect()
    }

    /// Asks the API what the cache does not know yet, and remembers the answers.
    pub async fn check(
        &mut self,
        client: &Client,
        context: &str,
        spec: &ActionSpec,
        namespaces: &[Option<String>],
    ) -> Availability {
        for key in self.missing(context, spec, namespaces) {
            let answer = review(client, &key).await;
            self.insert(key, answer);
        }
        self.availability(context, spec, namespaces)
    }

    /// Whether `spec` may be offered in `namespaces`, from the answers so far.
    pub fn availability(&self, context: &str, spec: &ActionSpec, namespaces: &[Option<String>]) -> Availability {
        let mut checking = false;
        let mut warning = None;
        for key in keys(context, spec, namespaces) {
            match self.answers.get(&key) {
                None => checking = true,
                Some(Access::Allowed) => {}
                Some(Access::Denied { reason }) => return Availability::Unavailable(reason.clone()),
                Some(Access::Unknown { error }) => warning = Some(error.clone()),
            }
        }
        match (checking, warning) {
            (true, _) => Availability::Checking,
            (false, Some(w)) => Availability::Unverified(w),
            (false, None) => Availability::Available,
        }
    }
}

/// Every question `spec` asks for `namespaces`. Cluster-scoped resources are
/// asked without a namespace whatever the view's namespace is.
fn keys<'a>(
    context: &'a str,
    spec: &'a ActionSpec,
    namespaces: &'a [Option<String>],
) -> impl Iterator<Item = AccessKey> + 'a {
    spec.permissions.iter().flat_map(move |p| {
        let cluster_scoped = p.resource == "nodes";
        namespaces.iter().map(move |ns| AccessKey {
            context: context.into(),
            namespace: if cluster_scoped { None } else { ns.clone() },
            permission: *p,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ActionId;

    #[test]
    fn a_denied_permission_makes_the_action_unavailable_with_the_reason() {
        let spec = ActionId::DeleteJob.spec();
        let ns = vec![Some("failure-policy".to_string())];
        let mut cache = AccessCache::default();
        assert_eq!(cache.availability("sandbox-limited", spec, &ns), Availability::Checking);
        let missing = cache.missing("sandbox-limited", spec, &ns);
        assert_eq!(missing.len(), 1);
        let reason = denial(&missing[0], Some(""), None);
        assert_eq!(reason, "RBAC: cannot delete jobs.batch in namespace failure-policy (context sandbox-limited)");
        cache.insert(missing[0].clone(), Access::Denied { reason: reason.clone() });
        assert_eq!(cache.availability("sandbox-limited", spec, &ns), Availability::Unavailable(reason));
        assert!(cache.missing("sandbox-limited", spec, &ns).is_empty(), "answers are cached");
        assert_eq!(cache.availability("sandbox", spec, &ns), Availability::Checking, "per context");
    }

    #[test]
    fn drain_asks_for_every_permission_cluster_wide() {
        let spec = ActionId::DrainNode.spec();
        let missing = AccessCache::default().missing("c", spec, &[None]);
        let asked: Vec<String> = missing.iter().map(|k| k.permission.to_string()).collect();
        assert_eq!(asked, vec!["patch nodes", "list pods", "create pods/eviction"]);
        assert!(missing.iter().all(|k| k.namespace.is_none()));
    }
}
