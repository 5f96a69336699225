//! Reads the Secret values a Job's queue link needs, and nothing else: only
//! when the config sets `allow_secrets`, only the keys that env vars used for
//! linking refer to (`model::queue::secrets_wanted`), one GET per Secret.
//! A refusal (RBAC) or a missing Secret leaves that link out and is logged;
//! the values are kept in memory for linking and never shown.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};

use model::queue::{SecretRef, SecretValue};

/// Reads `wanted` (grouped by Secret). Keys that cannot be read are left out.
pub async fn read(client: &Client, wanted: &BTreeSet<SecretRef>) -> BTreeMap<SecretRef, SecretValue> {
    let mut by_secret: BTreeMap<(&str, &str), Vec<&SecretRef>> = BTreeMap::new();
    for r in wanted {
        by_secret.entry((r.namespace.as_str(), r.secret.as_str())).or_default().push(r);
    }
    let mut out = BTreeMap::new();
    for ((namespace, name), refs) in by_secret {
        let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
        let secret = match api.get_opt(name).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                tracing::info!("Secret {namespace}/{name} (for a queue link) does not exist");
                continue;
            }
            Err(e) => {
                tracing::info!("reading Secret {namespace}/{name} for a queue link: {e}");
                continue;
            }
        };
        for r in refs {
            let value =
                secret.data.as_ref().and_then(|d| d.get(&r.key)).map(|b| String::from_utf8_lossy(&b.0).into_owned());
            let value = value.or_else(|| secret.string_data.as_ref().and_then(|d| d.get(&r.key)).cloned());
            if let Some(v) = value {
                out.insert(r.clone(), SecretValue(v));
            }
        }
    }
    out
}
