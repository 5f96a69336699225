//! Wording shared by every action: titles, lists of targets, API errors.

use model::{Kind, ObjKey};

use super::Action;

/// How many names a title lists before it says "and N more".
const NAMES_SHOWN: usize = 4;

/// "Delete Job failure-policy/job-x in context sandbox?"
pub(super) fn title(action: &Action) -> String {
    let mut verb = action.name().to_string();
    if let Some(first) = verb.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    format!("{verb} {} in context {}?", targets(action.target(), &action.targets), action.context)
}

/// "Job failure-policy/job-x", "3 Jobs in expansion: a, b, c", "node kwok-1".
pub(super) fn targets(kind: Kind, keys: &[ObjKey]) -> String {
    let noun = noun(kind);
    match keys {
        [] => format!("no {noun}s"),
        [one] => format!("{noun} {}", target_name(one)),
        many => {
            let mut namespaces: Vec<&str> = many.iter().map(|k| k.namespace.as_str()).collect();
            namespaces.sort_unstable();
            namespaces.dedup();
            let names: Vec<String> = if namespaces.len() == 1 {
                many.iter().map(|k| k.name.clone()).collect()
            } else {
                many.iter().map(target_name).collect()
            };
            let place = match namespaces.as_slice() {
                [""] => String::new(),
                [ns] => format!(" in {ns}"),
                _ => format!(" in {} namespaces", namespaces.len()),
            };
            format!("{} {noun}s{place}: {}", many.len(), list(&names))
        }
    }
}

/// `namespace/name`, or the bare name of a cluster-scoped object.
pub(super) fn target_name(key: &ObjKey) -> String {
    if key.namespace.is_empty() { key.name.clone() } else { key.to_string() }
}

/// "a, b, c and 2 more".
pub(super) fn list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(NAMES_SHOWN).map(AsRef::as_ref).collect();
    let mut s = shown.join(", ");
    if names.len() > NAMES_SHOWN {
        s.push_str(&format!(" and {} more", names.len() - NAMES_SHOWN));
    }
    s
}

/// "1 pod", "2 pods".
pub(super) fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Job => "Job",
        Kind::Pod => "pod",
        Kind::CronJob => "CronJob",
        Kind::Node => "node",
        Kind::Event => "event",
        Kind::Service => "Service",
    }
}

/// The API's own words for a refusal ("Forbidden: ..."), or the transport error.
pub(crate) fn api_error(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) if refused_by_uid(status) => super::CHANGED_SINCE_CONFIRMED.into(),
        kube::Error::Api(status) if !status.message.is_empty() => {
            if status.reason.is_empty() {
                status.message.clone()
            } else {
                format!("{}: {}", status.reason, status.message)
            }
        }
        // kube's text of an auth failure can carry an exec plugin's command, the
        // environment it was given and its output (a token): the log file gets
        // the error's kind only, the history one plain line.
        kube::Error::Auth(_) => {
            tracing::warn!("an action's request could not authenticate (exec plugin or credentials)");
            "not done: the kubeconfig's credentials failed (an exec auth plugin, an expired token); see the log file"
                .into()
        }
        other => other.to_string(),
    }
}

/// The API server refused a write for its UID precondition. A delete or
/// eviction: 409 Conflict, "the UID in the precondition (…) does not match the
/// UID in record (…)" (or, from the storage layer, "Precondition failed: UID
/// in precondition: …"). A patch carrying `metadata.uid`: 422 Invalid, the UID
/// being immutable, "metadata.uid: Invalid value: …: field is immutable".
fn refused_by_uid(status: &kube::core::Status) -> bool {
    match status.code {
        // The registry's check, and the storage's when the object changes under the call.
        409 => status.message.contains("in the precondition") || status.message.contains("UID in precondition"),
        422 => status.message.contains("metadata.uid") && status.message.contains("field is immutable"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_auth_failure_says_so_without_the_plugins_words() {
        let plugin = kube::client::AuthError::AuthExecStart(std::io::Error::other("TOKEN=s3cr3t /usr/bin/plugin"));
        let text = api_error(&kube::Error::Auth(plugin));
        assert!(text.starts_with("not done: the kubeconfig's credentials failed"), "{text}");
        assert!(!text.contains("s3cr3t") && !text.contains("/usr/bin/plugin"), "{text}");
    }

    /// The API server's words, as the sandbox's kube-apiserver gave them.
    fn refusal(code: u16, reason: &str, message: &str) -> String {
        api_error(&kube::Error::Api(kube::core::Status::failure(message, reason).with_code(code).boxed()))
    }

    #[test]
    fn a_uid_precondition_refusal_is_one_line_for_a_delete_and_a_patch() {
        let delete = "Precondition failed: UID in precondition: a, UID in object meta: b";
        let delete_409 = "Operation cannot be fulfilled on jobs.batch \"w\": the UID in the precondition (a) does not match the UID in record (b). The object might have been deleted and then recreated";
        let patch = "Job.batch \"w\" is invalid: [metadata.uid: Invalid value: \"a\": field is immutable, spec.selector: Invalid value: ...]";
        assert_eq!(refusal(409, "Conflict", delete_409), crate::CHANGED_SINCE_CONFIRMED);
        assert_eq!(refusal(422, "Invalid", patch), crate::CHANGED_SINCE_CONFIRMED);
        assert_eq!(refusal(409, "Conflict", delete), crate::CHANGED_SINCE_CONFIRMED);
        let conflict = refusal(409, "Conflict", "the object has been modified; please apply your changes");
        assert_ne!(conflict, crate::CHANGED_SINCE_CONFIRMED, "another conflict keeps its own words");
        let other = refusal(422, "Invalid", "spec.parallelism: Invalid value: -1: must be greater than or equal to 0");
        assert!(other.starts_with("Invalid: spec.parallelism"), "{other}");
    }

    #[test]
    fn one_target_is_named_with_its_namespace() {
        assert_eq!(targets(Kind::Job, &[ObjKey::new("ns", "a")]), "Job ns/a");
        assert_eq!(targets(Kind::Node, &[ObjKey::new("", "n1")]), "node n1");
    }

    #[test]
    fn many_targets_in_one_namespace_are_listed_by_name() {
        let keys: Vec<ObjKey> = ["a", "b", "c", "d", "e", "f"].iter().map(|n| ObjKey::new("ex", *n)).collect();
        assert_eq!(targets(Kind::Job, &keys), "6 Jobs in ex: a, b, c, d and 2 more");
    }

    #[test]
    fn targets_across_namespaces_keep_their_namespace() {
        let keys = vec![ObjKey::new("x", "a"), ObjKey::new("y", "b")];
        assert_eq!(targets(Kind::Pod, &keys), "2 pods in 2 namespaces: x/a, y/b");
    }
}
