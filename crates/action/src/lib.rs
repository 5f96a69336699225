//! Writes to the cluster, and only these: every one is an [`Action`] that the
//! user picked with a key and confirmed in a dialog.
//!
//! An action is described before it is run: its [`ActionSpec`] says what it is
//! called, which key offers it, what kind of object it targets, whether it is
//! dangerous (read-only mode hides those) and which RBAC permissions it needs
//! (checked with a SelfSubjectAccessReview before the key is offered, see
//! [`access`]). [`Action::confirmation`] words exactly what will happen, from
//! the state the user is looking at; [`Action::execute`] does it, reporting
//! each target's result as it goes, and never retries on its own (the one
//! exception is the drain's eviction loop, whose every 429 is reported).

pub mod access;
pub mod cronjob;
pub mod drain;
pub mod job;
pub mod node;
pub mod pod;
mod text;

use std::collections::BTreeMap;
use std::fmt;

use kube::Client;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use model::{Kind, ObjKey, State, Time};

pub use drain::{DrainEvent, DrainOptions, DrainSummary};

/// One RBAC permission an action needs, as a SelfSubjectAccessReview asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission {
    pub verb: &'static str,
    /// API group: "" for the core group, "batch" for Jobs and CronJobs.
    pub group: &'static str,
    pub resource: &'static str,
    pub subresource: Option<&'static str>,
}

impl Permission {
    const fn new(verb: &'static str, group: &'static str, resource: &'static str) -> Self {
        Self { verb, group, resource, subresource: None }
    }

    const fn sub(verb: &'static str, group: &'static str, resource: &'static str, sub: &'static str) -> Self {
        Self { verb, group, resource, subresource: Some(sub) }
    }
}

impl fmt::Display for Permission {
    /// As kubectl auth can-i spells it: `delete jobs.batch`, `create pods/eviction`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb, self.resource)?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        if let Some(sub) = self.subresource {
            write!(f, "/{sub}")?;
        }
        Ok(())
    }
}

/// May an action write to the cluster? Read-only mode (`--readonly`, or the
/// context's `readonly` setting) hides the dangerous keys, and is enforced
/// again where an action runs: whatever offered it, nothing is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    Allowed,
    ReadOnly,
}

/// Why an action did not run in read-only mode (each target's step says it).
pub const READ_ONLY_REFUSAL: &str = "refused: read-only mode (--readonly, or the context's readonly setting)";

/// Why a write was refused by its UID precondition: the object under that
/// name is not the one the user confirmed (deleted and recreated since).
pub const CHANGED_SINCE_CONFIRMED: &str =
    "not done: it changed since it was confirmed (recreated under the same name, a new UID); look again and retry";

/// Every action batchtop can perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionId {
    DeleteJob,
    SuspendJob,
    ResumeJob,
    SuspendCronJob,
    ResumeCronJob,
    TriggerCronJob,
    DeleteCronJob,
    DeletePod,
    CordonNode,
    UncordonNode,
    DrainNode,
    /// A drain with every write sent as a server-side dry run: shows which pods
    /// would be evicted and which a PodDisruptionBudget would block.
    DrainPreview,
}

/// What an action is, before it has targets: the catalogue the keys and the
/// help are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSpec {
    pub id: ActionId,
    /// What the help and the history call it, e.g. "suspend".
    pub name: &'static str,
    pub key: char,
    pub target: Kind,
    /// Changes or disrupts something in the cluster. `--readonly` hides it.
    pub dangerous: bool,
    /// Applies to every selected row at once.
    pub multi: bool,
    /// Everything RBAC must allow for the action to succeed.
    pub permissions: &'static [Permission],
}

const DELETE_JOBS: Permission = Permission::new("delete", "batch", "jobs");
const PATCH_JOBS: Permission = Permission::new("patch", "batch", "jobs");
const CREATE_JOBS: Permission = Permission::new("create", "batch", "jobs");
const GET_CRONJOBS: Permission = Permission::new("get", "batch", "cronjobs");
const PATCH_CRONJOBS: Permission = Permission::new("patch", "batch", "cronjobs");
const DELETE_CRONJOBS: Permission = Permission::new("delete", "batch", "cronjobs");
const DELETE_PODS: Permission = Permission::new("delete", "", "pods");
const LIST_PODS: Permission = Permission::new("list", "", "pods");
const PATCH_NODES: Permission = Permission::new("patch", "", "nodes");
const EVICT_PODS: Permission = Permission::sub("create", "", "pods", "eviction");

/// The catalogue, in the order the help lists it.
pub const CATALOGUE: &[ActionSpec] = &[
    spec(ActionId::DeleteJob, "delete", 'D', Kind::Job, true, true, &[DELETE_JOBS]),
    spec(ActionId::SuspendJob, "suspend", 'S', Kind::Job, true, true, &[PATCH_JOBS]),
    spec(ActionId::ResumeJob, "resume", 'R', Kind::Job, true, true, &[PATCH_JOBS]),
    spec(ActionId::SuspendCronJob, "suspend", 'S', Kind::CronJob, true, true, &[PATCH_CRONJOBS]),
    spec(ActionId::ResumeCronJob, "resume", 'R', Kind::CronJob, true, true, &[PATCH_CRONJOBS]),
    spec(ActionId::TriggerCronJob, "trigger now", 'T', Kind::CronJob, true, false, &[GET_CRONJOBS, CREATE_JOBS]),
    spec(ActionId::DeleteCronJob, "delete", 'D', Kind::CronJob, true, true, &[DELETE_CRONJOBS]),
    spec(ActionId::DeletePod, "delete", 'D', Kind::Pod, true, true, &[DELETE_PODS]),
    spec(ActionId::CordonNode, "cordon", 'C', Kind::Node, true, true, &[PATCH_NODES]),
    spec(ActionId::UncordonNode, "uncordon", 'U', Kind::Node, true, true, &[PATCH_NODES]),
    spec(ActionId::DrainNode, "drain", 'X', Kind::Node, true, false, &[PATCH_NODES, LIST_PODS, EVICT_PODS]),
    spec(ActionId::DrainPreview, "drain preview", 'P', Kind::Node, false, false, &[PATCH_NODES, LIST_PODS, EVICT_PODS]),
];

const fn spec(
    id: ActionId,
    name: &'static str,
    key: char,
    target: Kind,
    dangerous: bool,
    multi: bool,
    permissions: &'static [Permission],
) -> ActionSpec {
    ActionSpec { id, name, key, target, dangerous, multi, permissions }
}

impl ActionId {
    pub fn spec(self) -> &'static ActionSpec {
        CATALOGUE.iter().find(|s| s.id == self).expect("every ActionId is in the catalogue")
    }
}

/// The actions offered on rows of `kind`: without the dangerous ones in read-only mode.
pub fn offered(kind: Kind, readonly: bool) -> impl Iterator<Item = &'static ActionSpec> {
    CATALOGUE.iter().filter(move |s| s.target == kind && !(readonly && s.dangerous))
}

/// The action of `kind` bound to `key`, if offered.
pub fn by_key(kind: Kind, key: char, readonly: bool) -> Option<&'static ActionSpec> {
    offered(kind, readonly).find(|s| s.key == key)
}

/// Deletes a namespaced object; its `dependents` ("pods", "Jobs") go as `propagation` says.
/// With `uid`, only the object of that UID: a namesake is left alone.
async fn delete<K>(
    client: &Client,
    key: &ObjKey,
    propagation: Propagation,
    dependents: &str,
    uid: Option<&str>,
) -> Result<String, kube::Error>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + serde::de::DeserializeOwned + fmt::Debug,
    K::DynamicType: Default,
{
    let api: kube::Api<K> = kube::Api::namespaced(client.clone(), &key.namespace);
    let params = kube::api::DeleteParams {
        propagation_policy: Some(propagation.policy()),
        preconditions: uid_precondition(uid),
        ..Default::default()
    };
    let gone_now = api.delete(&key.name, &params).await?.is_right();
    Ok(match (propagation, gone_now) {
        (Propagation::Foreground, false) => format!("marked for deletion: its {dependents} are deleted first"),
        (Propagation::Orphan, _) => format!("deleted; its {dependents} are left"),
        _ => "deleted".into(),
    })
}

/// How long one request of an action may take. A black-holed API server must
/// not hold a dialog's action (or a drain) for ever.
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// One request of an action, bounded by [`CALL_TIMEOUT`] and by `cancel`. The
/// outer error says it was given up, and that its effect is unknown; the inner
/// result is the API's answer.
pub(crate) async fn bounded<T>(
    cancel: &CancellationToken,
    call: impl Future<Output = Result<T, kube::Error>>,
) -> Result<Result<T, kube::Error>, String> {
    tokio::select! {
        answer = tokio::time::timeout(CALL_TIMEOUT, call) => answer.map_err(|_| {
            format!("no answer from the API server within {}s: it may or may not have been done", CALL_TIMEOUT.as_secs())
        }),
        () = cancel.cancelled() => Err("cancelled while waiting for the API server: it may or may not have been done".into()),
    }
}

/// The precondition every write carries: the UID seen when the user
/// confirmed (when one was seen), so a namesake recreated since is refused
/// rather than changed. A delete or eviction sends it as `preconditions`.
///
/// No resourceVersion: the writes set one field to a value the user chose,
/// not one computed from what they saw, and the controllers bump a live
/// object's resourceVersion all the time (a Job's status on every pod, a
/// node's on every heartbeat), so it would refuse nearly every confirmed
/// action on a busy object for a change nobody asked about.
fn uid_precondition(uid: Option<&str>) -> Option<kube::api::Preconditions> {
    uid.map(|uid| kube::api::Preconditions { uid: Some(uid.to_string()), resource_version: None })
}

/// A merge patch carrying [`uid_precondition`] as `metadata.uid`: a patch has
/// no `preconditions` field, but the UID is immutable, so the API server
/// refuses (422, "metadata.uid ... field is immutable") a patch whose UID is
/// not the object's. [`text::api_error`] words that refusal.
fn guarded_patch(uid: Option<&str>, mut body: serde_json::Value) -> kube::api::Patch<serde_json::Value> {
    if let Some(uid) = uid_precondition(uid).and_then(|p| p.uid) {
        body["metadata"]["uid"] = uid.into();
    }
    kube::api::Patch::Merge(body)
}

/// The namespaces an action on `targets` of `kind` writes in, sorted and
/// without repeats (`None` for nodes, which are cluster-scoped): what RBAC is
/// asked about.
pub fn namespaces_of(kind: Kind, targets: &[ObjKey]) -> Vec<Option<String>> {
    if kind == Kind::Node {
        return vec![None];
    }
    let mut ns: Vec<Option<String>> = targets.iter().map(|k| Some(k.namespace.clone())).collect();
    ns.sort();
    ns.dedup();
    ns
}

/// How a Job's dependents go when it is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Propagation {
    /// The Job goes now; the garbage collector deletes its pods afterwards.
    #[default]
    Background,
    /// The pods are deleted first; the Job stays, marked for deletion, until they are gone.
    Foreground,
    /// The Job goes; its pods stay, without an owner.
    Orphan,
}

impl Propagation {
    pub const ALL: [Propagation; 3] = [Propagation::Background, Propagation::Foreground, Propagation::Orphan];

    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Propagation::Background => Propagation::Foreground,
            Propagation::Foreground => Propagation::Orphan,
            Propagation::Orphan => Propagation::Background,
        }
    }

    fn policy(self) -> kube::api::PropagationPolicy {
        match self {
            Propagation::Background => kube::api::PropagationPolicy::Background,
            Propagation::Foreground => kube::api::PropagationPolicy::Foreground,
            Propagation::Orphan => kube::api::PropagationPolicy::Orphan,
        }
    }
}

impl fmt::Display for Propagation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Propagation::Background => "Background",
            Propagation::Foreground => "Foreground",
            Propagation::Orphan => "Orphan",
        })
    }
}

/// The choices an action's dialog lets the user make before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Options {
    #[default]
    None,
    Delete {
        propagation: Propagation,
    },
    /// Seconds; `None` keeps the pod's own terminationGracePeriodSeconds.
    PodDelete {
        grace_period: Option<u32>,
    },
    Drain(DrainOptions),
}

/// An action with its targets and choices: what the confirmation dialog shows
/// and what runs once the user confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub id: ActionId,
    /// The kubeconfig context the action runs in (named in the confirmation).
    pub context: String,
    /// The selected rows. Nodes are keyed with an empty namespace.
    pub targets: Vec<ObjKey>,
    pub options: Options,
    /// The UID of each target as the view showed it when the dialog opened
    /// ([`Action::seen_in`]): a delete, patch or drain goes only to that
    /// object (a precondition), not to one recreated under the same name since.
    pub seen: BTreeMap<ObjKey, String>,
}

impl Action {
    /// An action on `targets` with the default choices for its kind.
    pub fn new(id: ActionId, context: impl Into<String>, targets: Vec<ObjKey>) -> Self {
        let options = match id {
            ActionId::DeleteJob | ActionId::DeleteCronJob => Options::Delete { propagation: Propagation::Background },
            ActionId::DeletePod => Options::PodDelete { grace_period: None },
            ActionId::DrainNode => Options::Drain(DrainOptions::default()),
            ActionId::DrainPreview => Options::Drain(DrainOptions { dry_run: true, ..DrainOptions::default() }),
            _ => Options::None,
        };
        Self { id, context: context.into(), targets, options, seen: BTreeMap::new() }
    }

    /// Records the UIDs of the targets as `state` shows them: what the user
    /// confirms is that object, and every write carries its UID as a precondition.
    #[must_use]
    pub fn seen_in(mut self, state: &State) -> Self {
        let uid = |key: &ObjKey| match self.target() {
            Kind::Job => state.jobs.get(key).map(|j| j.uid.clone()),
            Kind::CronJob => state.cronjobs.get(key).map(|c| c.uid.clone()),
            Kind::Pod => state.pods.get(key).map(|p| p.uid.clone()),
            Kind::Node => state.nodes.get(&ObjKey::new("", key.name.clone())).map(|n| n.uid.clone()),
            Kind::Event | Kind::Service => None,
        };
        self.seen =
            self.targets.iter().filter_map(|k| Some((k.clone(), uid(k)?))).filter(|(_, u)| !u.is_empty()).collect();
        self
    }

    #[must_use]
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }

    pub fn spec(&self) -> &'static ActionSpec {
        self.id.spec()
    }

    pub fn name(&self) -> &'static str {
        self.spec().name
    }

    pub fn key(&self) -> char {
        self.spec().key
    }

    pub fn target(&self) -> Kind {
        self.spec().target
    }

    pub fn dangerous(&self) -> bool {
        self.spec().dangerous
    }

    pub fn permissions(&self) -> &'static [Permission] {
        self.spec().permissions
    }

    /// The namespaces the action writes in (`None` for cluster-scoped targets
    /// and for a drain, which evicts wherever the node's pods live).
    pub fn namespaces(&self) -> Vec<Option<String>> {
        namespaces_of(self.target(), &self.targets)
    }

    /// One line naming the action and its targets, for the status line and history.
    pub fn describe(&self) -> String {
        format!("{} {}", self.name(), text::targets(self.target(), &self.targets))
    }

    /// What will happen, in words, from the state the user is looking at.
    pub fn confirmation(&self, state: &State, now: Time) -> Confirmation {
        let consequences = match self.id {
            ActionId::DeleteJob => job::delete_consequences(state, &self.targets, self.propagation()),
            ActionId::SuspendJob => job::suspend_consequences(state, &self.targets),
            ActionId::ResumeJob => job::resume_consequences(state, &self.targets),
            ActionId::SuspendCronJob => cronjob::suspend_consequences(state, &self.targets),
            ActionId::ResumeCronJob => cronjob::resume_consequences(state, &self.targets, now),
            ActionId::TriggerCronJob => cronjob::trigger_consequences(state, &self.targets),
            ActionId::DeleteCronJob => cronjob::delete_consequences(state, &self.targets, self.propagation()),
            ActionId::DeletePod => pod::delete_consequences(state, &self.targets, self.grace_period()),
            ActionId::CordonNode => node::cordon_consequences(state, &self.targets),
            ActionId::UncordonNode => node::uncordon_consequences(state, &self.targets),
            ActionId::DrainNode | ActionId::DrainPreview => {
                drain::consequences(state, &self.targets, &self.drain_options())
            }
        };
        Confirmation { title: text::title(self), consequences, dangerous: self.dangerous() }
    }

    /// The outcome of an action that must not reach the server, from the view:
    /// in read-only mode, a drain preview (what the view shows would be
    /// evicted) and a refusal for every other action. `None`: run it with
    /// [`Action::execute`].
    pub fn offline_outcome(&self, writes: Writes, state: &State) -> Option<Outcome> {
        if writes == Writes::Allowed {
            return None;
        }
        let started = chrono::Utc::now();
        let steps = if self.id == ActionId::DrainPreview {
            drain::preview_from_view(state, &self.targets, &self.drain_options())
        } else {
            self.refused()
        };
        Some(self.outcome(started, steps))
    }

    /// Performs the action, target by target, sending each result (and a
    /// drain's progress) over `progress` as it happens. Stops early, leaving the
    /// remaining targets untouched, when `cancel` fires. Never retries a failed
    /// request except a drain's evictions blocked by a disruption budget.
    /// In read-only mode nothing is sent: every target is refused.
    pub async fn execute(&self, client: &Client, writes: Writes, progress: ProgressSink) -> Outcome {
        let started = chrono::Utc::now();
        let steps = match (writes, self.id) {
            (Writes::ReadOnly, _) => self.refused(),
            (Writes::Allowed, ActionId::DrainNode | ActionId::DrainPreview) => {
                drain::execute_all(client, &self.targets, &self.seen, &self.drain_options(), &progress).await
            }
            (Writes::Allowed, _) => self.execute_each(client, &progress).await,
        };
        for step in steps.iter().filter(|_| writes == Writes::ReadOnly) {
            progress.step(step);
        }
        self.outcome(started, steps)
    }

    fn refused(&self) -> Vec<Step> {
        self.targets
            .iter()
            .map(|t| Step { target: text::target_name(t), result: Err(READ_ONLY_REFUSAL.into()) })
            .collect()
    }

    fn outcome(&self, started: Time, steps: Vec<Step>) -> Outcome {
        Outcome { action: self.describe(), context: self.context.clone(), started, finished: chrono::Utc::now(), steps }
    }

    async fn execute_each(&self, client: &Client, progress: &ProgressSink) -> Vec<Step> {
        let mut steps = Vec::with_capacity(self.targets.len());
        for target in &self.targets {
            if progress.cancel.is_cancelled() {
                steps.push(Step::cancelled(target));
                continue;
            }
            let uid = self.seen.get(target).map(String::as_str);
            let call = async {
                match self.id {
                    ActionId::DeleteJob => job::delete(client, target, self.propagation(), uid).await,
                    ActionId::SuspendJob => job::set_suspend(client, target, true, uid).await,
                    ActionId::ResumeJob => job::set_suspend(client, target, false, uid).await,
                    ActionId::SuspendCronJob => cronjob::set_suspend(client, target, true, uid).await,
                    ActionId::ResumeCronJob => cronjob::set_suspend(client, target, false, uid).await,
                    ActionId::TriggerCronJob => cronjob::trigger(client, target).await,
                    ActionId::DeleteCronJob => cronjob::delete(client, target, self.propagation(), uid).await,
                    ActionId::DeletePod => pod::delete(client, target, self.grace_period(), uid).await,
                    ActionId::CordonNode => node::set_unschedulable(client, &target.name, true, false, uid).await,
                    ActionId::UncordonNode => node::set_unschedulable(client, &target.name, false, false, uid).await,
                    ActionId::DrainNode | ActionId::DrainPreview => unreachable!("drains run in execute_all"),
                }
            };
            let result =
                bounded(&progress.cancel, call).await.and_then(|answer| answer.map_err(|e| text::api_error(&e)));
            let step = Step { target: text::target_name(target), result };
            progress.step(&step);
            steps.push(step);
        }
        steps
    }

    fn propagation(&self) -> Propagation {
        match &self.options {
            Options::Delete { propagation } => *propagation,
            _ => Propagation::Background,
        }
    }

    fn grace_period(&self) -> Option<u32> {
        match &self.options {
            Options::PodDelete { grace_period } => *grace_period,
            _ => None,
        }
    }

    fn drain_options(&self) -> DrainOptions {
        match &self.options {
            Options::Drain(o) => o.clone(),
            _ => DrainOptions { dry_run: self.id == ActionId::DrainPreview, ..DrainOptions::default() },
        }
    }
}

/// What the confirmation dialog says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The action, its targets, namespace and context, e.g.
    /// "Delete Job failure-policy/job-x in context sandbox?".
    pub title: String,
    /// What will follow, one sentence each.
    pub consequences: Vec<String>,
    pub dangerous: bool,
}

impl fmt::Display for Confirmation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)?;
        for c in &self.consequences {
            write!(f, "\n{c}")?;
        }
        Ok(())
    }
}

/// One target's result: what was done, or the error the API gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `namespace/name`, or the node's name.
    pub target: String,
    pub result: Result<String, String>,
}

impl Step {
    fn cancelled(target: &ObjKey) -> Self {
        Self { target: text::target_name(target), result: Err("not done: cancelled".into()) }
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub action: String,
    pub context: String,
    pub started: Time,
    pub finished: Time,
    pub steps: Vec<Step>,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.steps.iter().all(|s| s.result.is_ok())
    }

    /// One line for the status bar: what was done, or how many targets failed and the first error.
    pub fn summary(&self) -> String {
        let failed: Vec<&Step> = self.steps.iter().filter(|s| s.result.is_err()).collect();
        match (failed.first(), self.steps.as_slice()) {
            (None, [only]) => format!("{}: {}", self.action, only.result.as_deref().unwrap_or_default()),
            (None, steps) => format!("{}: done ({} of {})", self.action, steps.len(), steps.len()),
            (Some(first), steps) => format!(
                "{}: {} of {} failed: {}: {}",
                self.action,
                failed.len(),
                steps.len(),
                first.target,
                first.result.as_ref().err().map(String::as_str).unwrap_or_default()
            ),
        }
    }
}

/// Where a running action reports, and how it is told to stop.
#[derive(Debug, Clone, Default)]
pub struct ProgressSink {
    tx: Option<mpsc::UnboundedSender<ProgressEvent>>,
    pub cancel: CancellationToken,
}

/// What a running action reports before it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    Step(Step),
    Drain(DrainEvent),
}

impl ProgressSink {
    /// Reports to `tx`; stops when `cancel` fires.
    pub fn new(tx: mpsc::UnboundedSender<ProgressEvent>, cancel: CancellationToken) -> Self {
        Self { tx: Some(tx), cancel }
    }

    /// Reports nowhere (scripts and tests that only want the outcome).
    pub fn silent() -> Self {
        Self::default()
    }

    fn step(&self, step: &Step) {
        self.send(ProgressEvent::Step(step.clone()));
    }

    fn drain(&self, event: DrainEvent) {
        self.send(ProgressEvent::Drain(event));
    }

    fn send(&self, event: ProgressEvent) {
        if let Some(tx) = &self.tx {
            // The receiver is gone only when the console is closing: nothing to tell.
            let _ = tx.send(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use model::fixtures::{pod, t0};
    use model::{Object, Update, WatchId};

    use super::*;

    /// A client for an address where nothing listens: a request would fail
    /// with a connection error, not with the read-only refusal.
    fn unreachable_client() -> Client {
        let config = kube::Config::new("http://127.0.0.1:9".parse().expect("static URI"));
        Client::try_from(config).expect("client")
    }

    #[tokio::test]
    async fn execute_refuses_every_write_in_read_only_mode() {
        let client = unreachable_client();
        for id in [
            ActionId::DeleteJob,
            ActionId::DeletePod,
            ActionId::CordonNode,
            ActionId::DrainNode,
            ActionId::DrainPreview,
        ] {
            let action = Action::new(id, "sandbox", vec![ObjKey::new("ns", "x"), ObjKey::new("ns", "y")]);
            let outcome = action.execute(&client, Writes::ReadOnly, ProgressSink::silent()).await;
            assert_eq!(outcome.steps.len(), 2);
            for step in &outcome.steps {
                assert_eq!(step.result.as_ref().map_err(String::as_str), Err(READ_ONLY_REFUSAL), "{id:?}");
            }
        }
    }

    #[tokio::test]
    async fn a_request_in_flight_gives_up_when_cancelled() {
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            stop.cancel();
        });
        let hung = std::future::pending::<Result<(), kube::Error>>();
        let given_up = tokio::time::timeout(CALL_TIMEOUT, bounded(&cancel, hung)).await.expect("cancel ends it");
        assert!(given_up.expect_err("given up").contains("cancelled"));
    }

    #[test]
    fn the_uids_seen_are_those_of_the_view() {
        let mut state = State::default();
        let job = model::fixtures::job("ns", "worker");
        let id = WatchId { kind: Kind::Job, namespace: None };
        state.apply(Update::Applied(id, Object::Job(job.clone())), t0());
        let targets = vec![job.key.clone(), ObjKey::new("ns", "not-in-view")];
        let delete = Action::new(ActionId::DeleteJob, "sandbox", targets).seen_in(&state);
        assert_eq!(delete.seen, BTreeMap::from([(job.key.clone(), job.uid.clone())]));
        let cordon = Action::new(ActionId::CordonNode, "sandbox", vec![ObjKey::new("", "n")]).seen_in(&state);
        assert!(cordon.seen.is_empty(), "a node not in view: no precondition");
        let node = model::fixtures::node("n");
        let node_uid = node.uid.clone();
        state.apply(Update::Applied(WatchId { kind: Kind::Node, namespace: None }, Object::Node(node)), t0());
        let cordon = Action::new(ActionId::CordonNode, "sandbox", vec![ObjKey::new("", "n")]).seen_in(&state);
        assert_eq!(cordon.seen, BTreeMap::from([(ObjKey::new("", "n"), node_uid)]));
    }

    #[test]
    fn a_patch_carries_the_uid_seen_and_only_that() {
        let body = serde_json::json!({ "spec": { "suspend": true } });
        let kube::api::Patch::Merge(guarded) = guarded_patch(Some("uid-1"), body.clone()) else {
            panic!("a merge patch")
        };
        assert_eq!(guarded, serde_json::json!({ "metadata": { "uid": "uid-1" }, "spec": { "suspend": true } }));
        let kube::api::Patch::Merge(plain) = guarded_patch(None, body.clone()) else { panic!("a merge patch") };
        assert_eq!(plain, body, "no UID seen: the patch goes by name, as before");
    }

    #[test]
    fn the_read_only_drain_preview_comes_from_the_view() {
        let mut state = State::default();
        let mut p = pod("work", "p-1", "Running");
        p.node = Some("node-a".into());
        let id = WatchId { kind: Kind::Pod, namespace: None };
        state.apply(Update::Applied(id, Object::Pod(p)), t0());
        let preview = Action::new(ActionId::DrainPreview, "sandbox", vec![ObjKey::new("", "node-a")]);
        let outcome = preview.offline_outcome(Writes::ReadOnly, &state).expect("offline in read-only mode");
        let text = outcome.steps[0].result.as_deref().expect("a preview");
        assert!(text.contains("nothing sent") && text.contains("work/p-1"), "{text}");
        assert!(preview.offline_outcome(Writes::Allowed, &state).is_none(), "with writes allowed it runs as a dry run");
        let delete = Action::new(ActionId::DeleteJob, "sandbox", vec![ObjKey::new("ns", "x")]);
        let refused = delete.offline_outcome(Writes::ReadOnly, &state).expect("refused offline");
        assert_eq!(refused.steps[0].result.as_ref().map_err(String::as_str), Err(READ_ONLY_REFUSAL));
    }
}
