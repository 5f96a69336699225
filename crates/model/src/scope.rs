//! What batchtop watches: which namespaces, which kinds, and the label
//! selector for Jobs and Pods.

use crate::{Kind, WatchId};

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
    /// Only the Events about objects of this kind (`None`: all of them).
    pub events_of: Option<Kind>,
}

impl Scope {
    /// Everything the interactive console shows.
    pub const CONSOLE_KINDS: [Kind; 6] = [Kind::Job, Kind::Pod, Kind::CronJob, Kind::Node, Kind::Service, Kind::Event];
    /// What `--once` needs: Events only for the CronJob warnings (their
    /// controller's complaints, the runs its history limit deleted), so only
    /// the Events about CronJobs ([`Scope::ONCE_EVENTS_OF`]).
    pub const ONCE_KINDS: [Kind; 6] = [Kind::Job, Kind::Pod, Kind::CronJob, Kind::Node, Kind::Service, Kind::Event];
    pub const ONCE_EVENTS_OF: Option<Kind> = Some(Kind::CronJob);

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
                    ids.extend(list.iter().map(|ns| WatchId { kind, namespace: Some(ns.clone()) }));
                }
            }
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_follow_flags_then_context_then_all() {
        let ns = |v: &[&str]| v.iter().map(std::string::ToString::to_string).collect::<Vec<_>>();
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
            events_of: None,
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
    }
}
