//! Explains why a pod's logs cannot be shown, in words an operator can act
//! on, instead of the raw API error.
//!
//! Two entry points: [`explain_not_ready`] looks at a pod before asking for
//! its logs (not scheduled, container still waiting, no previous run), and
//! [`explain_failure`] turns the error of a log request into an explanation,
//! using the pod (when known) for the node name and the container list.

use crate::text::one_line;
use crate::types::{ContainerInfo, ContainerState, PodInfo};

/// What kind of problem it is; decides whether waiting can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogProblem {
    /// The pod is not on a node yet (the scheduler could not place it, or has not yet).
    Unscheduled,
    /// The container has not started (ContainerCreating, ImagePullBackOff, ...).
    NotStarted,
    /// `--previous` on a container that never restarted.
    NoPreviousRun,
    /// No container of that name in the pod (or a name is needed).
    NoSuchContainer,
    /// The pod does not exist (or no longer).
    NotFound,
    /// RBAC refused `get pods/log`.
    Forbidden,
    /// The node's kubelet fails the TLS handshake: its serving certificate is not issued.
    KubeletCertificate,
    /// The API server could not connect to the node's kubelet.
    KubeletUnreachable,
    /// The API server itself could not be reached or answered something unexpected.
    Other,
}

impl LogProblem {
    /// Whether the situation can resolve by itself while following (the pod
    /// gets scheduled, the container starts), so a follower should keep
    /// waiting instead of giving up.
    pub fn may_resolve(self) -> bool {
        matches!(
            self,
            LogProblem::Unscheduled | LogProblem::NotStarted | LogProblem::KubeletUnreachable | LogProblem::Other
        )
    }
}

/// One explanation: what is wrong and where, what to do, and the raw error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub problem: LogProblem,
    /// One line: what is wrong and where.
    pub summary: String,
    /// What to do about it, when there is something to do.
    pub hint: Option<String>,
    /// The underlying error as the API gave it, for reference.
    pub detail: Option<String>,
}

impl Explanation {
    fn new(problem: LogProblem, summary: String) -> Self {
        Self { problem, summary, hint: None, detail: None }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        let d: String = detail.into();
        self.detail = (!d.trim().is_empty()).then(|| one_line(&d));
        self
    }

    /// The explanation as lines of text: summary, then hint and detail indented.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.summary.clone()];
        if let Some(h) = &self.hint {
            out.push(format!("  {h}"));
        }
        if let Some(d) = &self.detail {
            out.push(format!("  (error: {d})"));
        }
        out
    }
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

/// A failed log request, reduced to what the explanation needs: the HTTP
/// status when the API server answered (None when it was not reached) and the
/// message (the Status message, or the error chain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFailure {
    pub code: Option<u16>,
    pub message: String,
}

/// The message a kubelet whose serving certificate is not issued makes the
/// API server report: the kubelet's TLS server has no certificate to offer and
/// aborts every handshake with an internal_error alert.
const KUBELET_TLS_INTERNAL: &str = "remote error: tls: internal error";

/// Why the logs of `container` in `pod` cannot be read yet, if they cannot.
/// `None` means: ask for them.
pub fn explain_not_ready(pod: &PodInfo, container: &str, previous: bool) -> Option<Explanation> {
    let where_ = format!("pod {}", pod.key);
    if pod.node.is_none() {
        let scheduled = pod.conditions.iter().find(|c| c.type_ == "PodScheduled");
        let why = scheduled
            .filter(|c| !c.is_true())
            .and_then(|c| c.message.clone().or_else(|| c.reason.as_deref().map(str::to_string)));
        return Some(match why {
            Some(why) => {
                Explanation::new(LogProblem::Unscheduled, format!("{where_} is not scheduled on a node: {why}"))
                    .hint("its logs appear once the scheduler places it")
            }
            None => Explanation::new(LogProblem::Unscheduled, format!("{where_} is pending and not on a node yet"))
                .hint("its logs appear once the scheduler places it"),
        });
    }
    let Some(c) = pod.containers.iter().find(|c| c.name == container) else {
        return Some(no_such_container(pod, container));
    };
    if previous {
        return (c.restarts == 0 && c.last_exit_code.is_none()).then(|| {
            Explanation::new(
                LogProblem::NoPreviousRun,
                format!("container {container} of {where_} has no previous run: it has not restarted"),
            )
            .hint("turn off 'previous' to see the current run's logs")
        });
    }
    match &c.state {
        // A restarted container waiting in back-off still has its last run's logs.
        ContainerState::Waiting { .. } if has_run(c) => None,
        ContainerState::Waiting { reason, message } => Some(not_started(pod, c, reason.as_deref(), message.as_deref())),
        ContainerState::Unknown if pod.phase == "Pending" && !has_run(c) => Some(not_started(pod, c, None, None)),
        _ => None,
    }
}

fn has_run(c: &ContainerInfo) -> bool {
    c.restarts > 0 || c.last_exit_code.is_some()
}

fn not_started(pod: &PodInfo, c: &ContainerInfo, reason: Option<&str>, message: Option<&str>) -> Explanation {
    let kind = if c.init { "init container" } else { "container" };
    let why = match (reason, message) {
        (Some(r), Some(m)) => format!(": {r} ({})", one_line(m)),
        (Some(r), None) => format!(": {r}"),
        (None, Some(m)) => format!(": {}", one_line(m)),
        (None, None) => String::new(),
    };
    let mut e = Explanation::new(
        LogProblem::NotStarted,
        format!("{kind} {} of pod {} has not started yet{why}", c.name, pod.key),
    );
    e = match reason {
        Some("ImagePullBackOff" | "ErrImagePull" | "InvalidImageName") => {
            e.hint("the image cannot be pulled: check the image name and the registry credentials")
        }
        Some("CreateContainerConfigError") => e.hint("a ConfigMap or Secret it needs is missing"),
        _ => e.hint("its logs appear once it starts"),
    };
    e
}

fn no_such_container(pod: &PodInfo, container: &str) -> Explanation {
    let names =
        |init: bool| pod.containers.iter().filter(|c| c.init == init).map(|c| c.name.as_str()).collect::<Vec<_>>();
    let mut choices = format!("containers: {}", list_or_none(&names(false)));
    let init = names(true);
    if !init.is_empty() {
        choices.push_str(&format!("; init containers: {}", init.join(", ")));
    }
    Explanation::new(LogProblem::NoSuchContainer, format!("pod {} has no container {container}", pod.key))
        .hint(format!("choose one of its {choices}"))
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() { "(none)".into() } else { names.join(", ") }
}

/// Explains a failed log request for `container` of the pod `namespace/name`.
/// `pod` is the pod as last seen, when known.
pub fn explain_failure(
    failure: &LogFailure,
    namespace: &str,
    name: &str,
    container: &str,
    pod: Option<&PodInfo>,
) -> Explanation {
    let msg = failure.message.as_str();
    let lower = msg.to_ascii_lowercase();
    let node = pod.and_then(|p| p.node.clone()).or_else(|| node_from_message(msg));
    let on_node = node.as_deref().map_or_else(|| "its node".into(), |n| format!("node {n}"));
    let target = format!("pod {namespace}/{name}");

    if lower.contains(KUBELET_TLS_INTERNAL) {
        return Explanation::new(
            LogProblem::KubeletCertificate,
            format!("cannot read the logs of {target}: the kubelet on {on_node} refuses TLS connections"),
        )
        .hint(
            "the node's kubelet-serving certificate signing request (CSR) is pending: \
             check `kubectl get csr` and approve it (`kubectl certificate approve <name>`)",
        )
        .detail(msg);
    }
    if failure.code == Some(403) || lower.contains("forbidden") {
        return Explanation::new(
            LogProblem::Forbidden,
            format!(
                "not allowed to read the logs of {target}: RBAC forbids `get` on `pods/log` in namespace {namespace}"
            ),
        )
        .hint("ask for a Role granting get on pods/log, or use a context that has it")
        .detail(msg);
    }
    if lower.contains("previous terminated container") {
        return Explanation::new(
            LogProblem::NoPreviousRun,
            format!("container {container} of {target} has no previous run: it has not restarted"),
        )
        .hint("turn off 'previous' to see the current run's logs")
        .detail(msg);
    }
    if lower.contains("is waiting to start") || lower.contains("containercreating") || lower.contains("podinitializing")
    {
        let reason = msg.rsplit_once(':').map(|(_, r)| r.trim().to_string()).filter(|r| !r.is_empty());
        let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
        return Explanation::new(
            LogProblem::NotStarted,
            format!("container {container} of {target} has not started yet{why}"),
        )
        .hint("its logs appear once it starts")
        .detail(msg);
    }
    if lower.contains("is not valid for pod") || lower.contains("a container name must be specified") {
        return match pod {
            Some(p) => no_such_container(p, container).detail(msg),
            None => Explanation::new(LogProblem::NoSuchContainer, format!("{target} has no container {container}"))
                .detail(msg),
        };
    }
    if failure.code == Some(404) {
        return Explanation::new(LogProblem::NotFound, format!("{target} not found (it may have been deleted)"))
            .detail(msg);
    }
    if lower.contains("connection refused")
        || lower.contains("no route to host")
        || lower.contains("i/o timeout")
        || lower.contains("dial tcp")
    {
        if failure.code.is_some() {
            return Explanation::new(
                LogProblem::KubeletUnreachable,
                format!("cannot read the logs of {target}: the API server cannot reach the kubelet on {on_node}"),
            )
            .hint("check that the node is up and its kubelet port is reachable from the API server")
            .detail(msg);
        }
        return Explanation::new(
            LogProblem::Other,
            format!("cannot reach the API server to read the logs of {target}"),
        )
        .hint("check the kubeconfig's server address and that the cluster is up")
        .detail(msg);
    }
    if lower.contains("x509") || lower.contains("certificate") && lower.contains("tls") {
        return Explanation::new(
            LogProblem::KubeletCertificate,
            format!("cannot read the logs of {target}: TLS to the kubelet on {on_node} failed"),
        )
        .hint("the node's kubelet serving certificate is not trusted or not issued: check `kubectl get csr`")
        .detail(msg);
    }
    let code = failure.code.map(|c| format!(" (HTTP {c})")).unwrap_or_default();
    Explanation::new(LogProblem::Other, format!("cannot read the logs of {target}{code}")).detail(msg)
}

/// Explains why the object a log view is about could not be looked up (or
/// its pods listed): `what` is e.g. "Job" or "pods of Job".
pub fn explain_lookup(failure: &LogFailure, what: &str, namespace: &str, name: &str) -> Explanation {
    let msg = failure.message.as_str();
    match failure.code {
        Some(404) => Explanation::new(LogProblem::NotFound, format!("no {what} named {name} in namespace {namespace}"))
            .hint("check the name and the namespace (-n)"),
        Some(403) => Explanation::new(
            LogProblem::Forbidden,
            format!("not allowed to read {what} {name} in namespace {namespace}: RBAC forbids it"),
        )
        .hint("ask for a Role granting get/list/watch on jobs and pods, and get on pods/log")
        .detail(msg),
        Some(code) => Explanation::new(
            LogProblem::Other,
            format!("cannot read {what} {name} in namespace {namespace} (HTTP {code})"),
        )
        .detail(msg),
        None => Explanation::new(LogProblem::Other, format!("cannot reach the API server to read {what} {name}"))
            .hint("check the kubeconfig's server address and that the cluster is up")
            .detail(msg),
    }
}

/// A Job or Pod that is not in `namespace` but is in others (`found_in`,
/// sorted): `job indexed-job not found in namespace default; found in
/// namespace indexed: add -n indexed`. `kind` is `job` or `pod`.
pub fn found_elsewhere(kind: &str, name: &str, namespace: &str, found_in: &[String]) -> Explanation {
    let (place, fix) = match found_in {
        [one] => (format!("namespace {one}"), format!("add -n {one}")),
        many => (format!("namespaces {}", many.join(", ")), "add -n with one of them".to_string()),
    };
    Explanation::new(
        LogProblem::NotFound,
        format!("{kind} {name} not found in namespace {namespace}; found in {place}: {fix}"),
    )
}

/// The node host from an API server message like
/// `Get "https://10.0.0.5:10250/containerLogs/...": ...`, used when the pod is
/// not known. Gives the address, which is what the message names.
fn node_from_message(msg: &str) -> Option<String> {
    let start = msg.find("https://")? + "https://".len();
    let rest = &msg[start..];
    let end = rest.find('/')?;
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Condition, ObjKey};
    use std::collections::BTreeMap;

    fn pod(node: Option<&str>, containers: Vec<ContainerInfo>) -> PodInfo {
        PodInfo {
            key: ObjKey::new("ns", "p"),
            uid: "u".into(),
            job: None,
            completion_index: None,
            phase: if node.is_some() { "Running".into() } else { "Pending".into() },
            node: node.map(String::from),
            hostname: None,
            subdomain: None,
            created: None,
            deleting: false,
            conditions: vec![],
            containers,
            labels: BTreeMap::new(),
        }
    }

    fn container(name: &str, init: bool, state: ContainerState, restarts: i32) -> ContainerInfo {
        ContainerInfo { name: name.into(), init, ready: false, restarts, state, last_exit_code: None }
    }

    fn waiting(reason: &str) -> ContainerState {
        ContainerState::Waiting { reason: Some(reason.into()), message: None }
    }

    #[test]
    fn unscheduled_pod_says_why() {
        let mut p = pod(None, vec![container("main", false, ContainerState::Unknown, 0)]);
        p.conditions.push(Condition {
            type_: "PodScheduled".into(),
            status: "False".into(),
            reason: Some("Unschedulable".into()),
            message: Some("0/3 nodes are available: 3 Insufficient cpu.".into()),
            last_transition: None,
        });
        let e = explain_not_ready(&p, "main", false).unwrap();
        assert_eq!(e.problem, LogProblem::Unscheduled);
        assert_eq!(e.summary, "pod ns/p is not scheduled on a node: 0/3 nodes are available: 3 Insufficient cpu.");
        assert!(e.problem.may_resolve());
    }

    #[test]
    fn waiting_container_gives_its_reason() {
        let p = pod(Some("n1"), vec![container("main", false, waiting("ContainerCreating"), 0)]);
        let e = explain_not_ready(&p, "main", false).unwrap();
        assert_eq!(e.summary, "container main of pod ns/p has not started yet: ContainerCreating");
        let p = pod(Some("n1"), vec![container("main", false, waiting("ImagePullBackOff"), 0)]);
        let e = explain_not_ready(&p, "main", false).unwrap();
        assert!(e.hint.unwrap().contains("image cannot be pulled"));
    }

    #[test]
    fn init_container_is_named_as_such() {
        let p = pod(Some("n1"), vec![container("input", true, waiting("PodInitializing"), 0)]);
        let e = explain_not_ready(&p, "input", false).unwrap();
        assert!(e.summary.starts_with("init container input of pod ns/p"), "{}", e.summary);
    }

    #[test]
    fn running_terminated_and_crashlooping_containers_have_logs() {
        let run = ContainerState::Running { started: None };
        assert_eq!(explain_not_ready(&pod(Some("n"), vec![container("m", false, run, 0)]), "m", false), None);
        let done = ContainerState::Terminated { exit_code: 0, reason: None, message: None, finished: None };
        assert_eq!(explain_not_ready(&pod(Some("n"), vec![container("m", false, done, 0)]), "m", false), None);
        let backoff = container("m", false, waiting("CrashLoopBackOff"), 3);
        assert_eq!(explain_not_ready(&pod(Some("n"), vec![backoff]), "m", false), None);
    }

    #[test]
    fn previous_needs_a_restart() {
        let run = ContainerState::Running { started: None };
        let p = pod(Some("n"), vec![container("m", false, run.clone(), 0)]);
        assert_eq!(explain_not_ready(&p, "m", true).unwrap().problem, LogProblem::NoPreviousRun);
        let p = pod(Some("n"), vec![container("m", false, run, 1)]);
        assert_eq!(explain_not_ready(&p, "m", true), None);
    }

    #[test]
    fn unknown_container_lists_the_choices() {
        let run = ContainerState::Running { started: None };
        let p = pod(Some("n"), vec![container("input", true, run.clone(), 0), container("worker", false, run, 0)]);
        let e = explain_not_ready(&p, "nope", false).unwrap();
        assert_eq!(e.problem, LogProblem::NoSuchContainer);
        assert_eq!(e.hint.unwrap(), "choose one of its containers: worker; init containers: input");
    }

    #[test]
    fn kubelet_tls_internal_error_points_at_the_pending_csr() {
        let f = LogFailure {
            code: Some(500),
            message: "Get \"https://127.0.0.1:10444/containerLogs/ns/p/main\": remote error: tls: internal error"
                .into(),
        };
        let p = pod(Some("badtls-node"), vec![]);
        let e = explain_failure(&f, "ns", "p", "main", Some(&p));
        assert_eq!(e.problem, LogProblem::KubeletCertificate);
        assert!(e.summary.contains("node badtls-node"), "{}", e.summary);
        assert!(e.hint.as_deref().unwrap().contains("kubectl get csr"));
        assert!(e.detail.as_deref().unwrap().contains("remote error: tls: internal error"));
        // Without the pod, the address from the message names the node.
        let e = explain_failure(&f, "ns", "p", "main", None);
        assert!(e.summary.contains("node 127.0.0.1:10444"), "{}", e.summary);
    }

    #[test]
    fn forbidden_names_the_verb_and_namespace() {
        let f = LogFailure {
            code: Some(403),
            message: "pods \"p\" is forbidden: User \"limited\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"ns\"".into(),
        };
        let e = explain_failure(&f, "ns", "p", "main", None);
        assert_eq!(e.problem, LogProblem::Forbidden);
        assert!(e.summary.contains("`get` on `pods/log` in namespace ns"));
        assert!(!e.problem.may_resolve());
    }

    #[test]
    fn api_messages_without_a_pod() {
        let f = |code, m: &str| LogFailure { code: Some(code), message: m.into() };
        let e = explain_failure(
            &f(400, "container \"main\" in pod \"p\" is waiting to start: ContainerCreating"),
            "ns",
            "p",
            "main",
            None,
        );
        assert_eq!(e.problem, LogProblem::NotStarted);
        assert_eq!(e.summary, "container main of pod ns/p has not started yet: ContainerCreating");
        let e = explain_failure(
            &f(400, "previous terminated container \"main\" in pod \"p\" not found"),
            "ns",
            "p",
            "main",
            None,
        );
        assert_eq!(e.problem, LogProblem::NoPreviousRun);
        let e = explain_failure(&f(404, "pods \"p\" not found"), "ns", "p", "main", None);
        assert_eq!(e.problem, LogProblem::NotFound);
        let e = explain_failure(&f(400, "container nope is not valid for pod p"), "ns", "p", "nope", None);
        assert_eq!(e.problem, LogProblem::NoSuchContainer);
        let e = explain_failure(
            &f(500, "Get \"https://10.1.2.3:10250/x\": dial tcp 10.1.2.3:10250: connect: connection refused"),
            "ns",
            "p",
            "m",
            None,
        );
        assert_eq!(e.problem, LogProblem::KubeletUnreachable);
        let e = explain_failure(
            &LogFailure {
                code: None,
                message: "error trying to connect: tcp connect error: Connection refused".into(),
            },
            "ns",
            "p",
            "m",
            None,
        );
        assert_eq!(e.problem, LogProblem::Other);
        assert!(e.summary.contains("cannot reach the API server"));
    }

    #[test]
    fn lookup_failures() {
        let f = |code| LogFailure { code, message: "m".into() };
        assert_eq!(explain_lookup(&f(Some(404)), "Job", "ns", "j").summary, "no Job named j in namespace ns");
        assert_eq!(explain_lookup(&f(Some(403)), "Job", "ns", "j").problem, LogProblem::Forbidden);
        assert!(explain_lookup(&f(None), "Job", "ns", "j").summary.contains("cannot reach the API server"));
    }

    #[test]
    fn lines_render_summary_hint_and_detail() {
        let e = Explanation::new(LogProblem::Other, "what".into()).hint("do").detail("raw\n error");
        assert_eq!(e.lines(), vec!["what", "  do", "  (error: raw error)"]);
    }

    #[test]
    fn found_elsewhere_says_where_and_what_to_add() {
        let one = found_elsewhere("job", "indexed-job", "default", &["indexed".into()]);
        assert_eq!(
            one.to_string(),
            "job indexed-job not found in namespace default; found in namespace indexed: add -n indexed"
        );
        assert_eq!(one.problem, LogProblem::NotFound);
        let two = found_elsewhere("pod", "p", "default", &["a".into(), "b".into()]);
        assert_eq!(
            two.to_string(),
            "pod p not found in namespace default; found in namespaces a, b: add -n with one of them"
        );
    }
}
