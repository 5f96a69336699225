//! Which rule of a Job's podFailurePolicy fired, and why.
//!
//! When a FailJob rule ends a Job, the Job controller says so in the
//! `FailureTarget`/`Failed` condition message; that text is authoritative and
//! read first. Other actions (Ignore, Count, FailIndex) leave no trace on the
//! Job, so for those the rules are evaluated against the Job's failed pods
//! (and pods being deleted, which end Failed) exactly as the controller does
//! (pkg/controller/job/pod_failure_policy.go):
//! rules in order, first match wins; exit-code rules look at terminated
//! containers (regular containers, then init containers), never at exit code
//! 0; condition rules match a pod condition's type and status.

use crate::types::{ContainerState, ExitCodeRule, FailureRule, JobInfo, PodConditionPattern, PodInfo, Time};

/// The rule that fired for a Job, with what matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// Position in `spec.podFailurePolicy.rules`.
    pub rule_index: usize,
    /// FailJob, FailIndex, Ignore or Count.
    pub action: String,
    pub exit_code: Option<i32>,
    /// The pod condition type that matched (DisruptionTarget, ConfigIssue, ...).
    pub pod_condition: Option<String>,
    /// The pod's name (without namespace: it is the Job's).
    pub pod: Option<String>,
    pub container: Option<String>,
}

/// What made a rule match one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    ExitCode { container: String, code: i32 },
    PodCondition { type_: String },
}

/// The rule that fired for the Job, if any: from the Job's condition message
/// when a FailJob rule failed it, else from evaluating the rules against the
/// Job's failed pods (the most recently failed matching pod wins, since that
/// is the one the operator is looking at).
pub fn matched_rule<'a>(job: &JobInfo, pods: impl IntoIterator<Item = &'a PodInfo>) -> Option<RuleMatch> {
    from_job_conditions(job).or_else(|| from_failed_pods(&job.spec.failure_rules, pods))
}

/// The match the Job controller reported in a True `Failed` or `FailureTarget`
/// condition with reason PodFailurePolicy.
pub fn from_job_conditions(job: &JobInfo) -> Option<RuleMatch> {
    ["Failed", "FailureTarget"]
        .into_iter()
        .filter_map(|t| job.condition(t))
        .filter(|c| c.is_true() && c.reason.as_deref() == Some("PodFailurePolicy"))
        .find_map(|c| c.message.as_deref().and_then(parse_condition_message))
}

/// Parses the controller's two message forms:
/// `Container main for pod ns/pod failed with exit code 42 matching FailJob rule at index 0` and
/// `Pod ns/pod has condition ConfigIssue matching FailJob rule at index 0`.
/// Names are split from the right so spaces in earlier parts cannot confuse it.
pub fn parse_condition_message(message: &str) -> Option<RuleMatch> {
    let (head, index) = message.trim().rsplit_once(" rule at index ")?;
    let rule_index = index.trim().parse().ok()?;
    let (head, action) = head.rsplit_once(" matching ")?;
    let mut m = RuleMatch {
        rule_index,
        action: action.to_string(),
        exit_code: None,
        pod_condition: None,
        pod: None,
        container: None,
    };
    if let Some(rest) = head.strip_prefix("Container ") {
        let (container, rest) = rest.split_once(" for pod ")?;
        let (pod, code) = rest.rsplit_once(" failed with exit code ")?;
        m.container = Some(container.to_string());
        m.pod = Some(pod_name(pod));
        m.exit_code = Some(code.trim().parse().ok()?);
    } else if let Some(rest) = head.strip_prefix("Pod ") {
        let (pod, condition) = rest.rsplit_once(" has condition ")?;
        m.pod = Some(pod_name(pod));
        m.pod_condition = Some(condition.to_string());
    } else {
        return None;
    }
    Some(m)
}

/// `namespace/name` → `name`.
fn pod_name(qualified: &str) -> String {
    qualified.rsplit_once('/').map_or(qualified, |(_, name)| name).to_string()
}

fn from_failed_pods<'a>(rules: &[FailureRule], pods: impl IntoIterator<Item = &'a PodInfo>) -> Option<RuleMatch> {
    let (pod, (rule_index, cause)) = pods
        .into_iter()
        .filter(|p| counts_as_failed(p))
        .filter_map(|p| evaluate_pod(rules, p).map(|m| (p, m)))
        .max_by_key(|(p, _)| (failed_at(p), p.key.name.clone()))?;
    let mut m = RuleMatch {
        rule_index,
        action: rules[rule_index].action.clone(),
        exit_code: None,
        pod_condition: None,
        pod: Some(pod.key.name.clone()),
        container: None,
    };
    match cause {
        Cause::ExitCode { container, code } => {
            m.container = Some(container);
            m.exit_code = Some(code);
        }
        Cause::PodCondition { type_ } => m.pod_condition = Some(type_),
    }
    Some(m)
}

/// The pods the policy applies to. The controller evaluates a pod once it
/// reaches phase Failed; a pod being deleted before it finished (an eviction
/// by `kubectl drain`) always ends Failed, so it is evaluated already. That
/// matters because such a pod disappears soon after it turns Failed: the
/// ignore scenario's DisruptionTarget match is visible only in that window.
fn counts_as_failed(pod: &PodInfo) -> bool {
    pod.phase == "Failed" || (pod.deleting && pod.phase != "Succeeded")
}

/// When a pod failed, as near as the projection tells: its last container
/// termination, else its creation.
fn failed_at(pod: &PodInfo) -> Option<Time> {
    let finished = pod.containers.iter().filter_map(|c| match c.state {
        ContainerState::Terminated { finished, .. } => finished,
        _ => None,
    });
    finished.max().or(pod.created)
}

/// The first rule matching this pod, and what matched. Does not look at the
/// pod's phase: callers decide which pods the policy applies to.
pub fn evaluate_pod(rules: &[FailureRule], pod: &PodInfo) -> Option<(usize, Cause)> {
    rules.iter().enumerate().find_map(|(i, rule)| {
        // A rule has either onExitCodes or onPodConditions (API validation).
        let cause = match &rule.on_exit_codes {
            Some(req) => match_exit_codes(req, pod),
            None => match_pod_conditions(&rule.on_pod_conditions, pod),
        };
        cause.map(|c| (i, c))
    })
}

fn match_exit_codes(req: &ExitCodeRule, pod: &PodInfo) -> Option<Cause> {
    let regular = pod.containers.iter().filter(|c| !c.init);
    let init = pod.containers.iter().filter(|c| c.init);
    regular.chain(init).find_map(|c| {
        let ContainerState::Terminated { exit_code, .. } = c.state else {
            return None;
        };
        let container_ok = req.container.as_deref().is_none_or(|name| name == c.name);
        let matches = container_ok && exit_code != 0 && operator_matches(req, exit_code);
        matches.then(|| Cause::ExitCode { container: c.name.clone(), code: exit_code })
    })
}

fn operator_matches(req: &ExitCodeRule, code: i32) -> bool {
    match req.operator.as_str() {
        "In" => req.values.contains(&code),
        "NotIn" => !req.values.contains(&code),
        // An operator this version does not know never matches (as the controller).
        _ => false,
    }
}

fn match_pod_conditions(patterns: &[PodConditionPattern], pod: &PodInfo) -> Option<Cause> {
    pod.conditions.iter().find_map(|c| {
        let hit = patterns.iter().any(|p| p.type_ == c.type_ && pattern_status(p) == c.status);
        hit.then(|| Cause::PodCondition { type_: c.type_.to_string() })
    })
}

/// The status a condition pattern wants; the API defaults it to True.
fn pattern_status(p: &PodConditionPattern) -> &str {
    if p.status.is_empty() { "True" } else { &p.status }
}

/// A rule in one line, for the detail screen:
/// `FailJob on exit code In [42] (container main)`, `Ignore on DisruptionTarget=True`.
pub fn describe_rule(rule: &FailureRule) -> String {
    let on = if let Some(req) = &rule.on_exit_codes {
        let values: Vec<String> = req.values.iter().map(i32::to_string).collect();
        let container = req.container.as_deref().map(|c| format!(" (container {c})")).unwrap_or_default();
        format!("exit code {} [{}]{container}", req.operator, values.join(","))
    } else {
        let conds: Vec<String> =
            rule.on_pod_conditions.iter().map(|p| format!("{}={}", p.type_, pattern_status(p))).collect();
        conds.join(" or ")
    };
    format!("{} on {on}", rule.action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    const FAILJOB_MSG: &str = "Container main for pod failure-policy/job-pod-failure-policy-failjob-xpbn6 failed with exit code 42 matching FailJob rule at index 0";
    const CONFIG_MSG: &str = "Pod failure-policy/job-pod-failure-policy-config-issue-k6pvp has condition ConfigIssue matching FailJob rule at index 0";

    fn exit_rule(action: &str, container: Option<&str>, operator: &str, values: &[i32]) -> FailureRule {
        FailureRule {
            action: action.into(),
            on_exit_codes: Some(ExitCodeRule {
                container: container.map(Into::into),
                operator: operator.into(),
                values: values.to_vec(),
            }),
            on_pod_conditions: vec![],
        }
    }

    fn condition_rule(action: &str, type_: &str, status: &str) -> FailureRule {
        FailureRule {
            action: action.into(),
            on_exit_codes: None,
            on_pod_conditions: vec![PodConditionPattern { type_: type_.into(), status: status.into() }],
        }
    }

    #[test]
    fn parses_the_controllers_messages() {
        let m = parse_condition_message(FAILJOB_MSG).unwrap();
        assert_eq!(
            m,
            RuleMatch {
                rule_index: 0,
                action: "FailJob".into(),
                exit_code: Some(42),
                pod_condition: None,
                pod: Some("job-pod-failure-policy-failjob-xpbn6".into()),
                container: Some("main".into()),
            }
        );
        let m = parse_condition_message(CONFIG_MSG).unwrap();
        assert_eq!(m.pod_condition.as_deref(), Some("ConfigIssue"));
        assert_eq!(m.pod.as_deref(), Some("job-pod-failure-policy-config-issue-k6pvp"));
        assert_eq!((m.rule_index, m.action.as_str(), m.exit_code), (0, "FailJob", None));

        let m = parse_condition_message(
            "Container c for pod ns/p failed with exit code 3 matching FailJob rule at index 12",
        )
        .unwrap();
        assert_eq!((m.rule_index, m.exit_code), (12, Some(3)));

        for garbage in [
            "",
            "Job has reached the specified backoff limit",
            "Container main for pod ns/p failed with exit code x matching FailJob rule at index 0",
            "Pod ns/p has condition ConfigIssue matching FailJob rule at index -1",
            "Something ns/p has condition X matching FailJob rule at index 0",
        ] {
            assert_eq!(parse_condition_message(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn failjob_job_reports_its_condition() {
        let mut j = job("failure-policy", "job-pod-failure-policy-failjob");
        j.spec.failure_rules = vec![exit_rule("FailJob", Some("main"), "In", &[42])];
        j.status.conditions = vec![
            cond("FailureTarget", "True", "PodFailurePolicy", FAILJOB_MSG),
            cond("Failed", "True", "PodFailurePolicy", FAILJOB_MSG),
        ];
        let m = matched_rule(&j, std::iter::empty()).unwrap();
        assert_eq!((m.rule_index, m.action.as_str(), m.exit_code), (0, "FailJob", Some(42)));

        // Only FailureTarget yet (pods still terminating): already known.
        j.status.conditions.truncate(1);
        assert_eq!(matched_rule(&j, std::iter::empty()).unwrap().exit_code, Some(42));

        // A failure for another reason says nothing about the policy.
        j.status.conditions =
            vec![cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")];
        assert_eq!(from_job_conditions(&j), None);
    }

    #[test]
    fn ignore_job_shows_the_disruption_rule_from_its_pods() {
        let mut j = job("failure-policy", "job-pod-failure-policy-ignore");
        j.spec.failure_rules = vec![condition_rule("Ignore", "DisruptionTarget", "True")];
        let mut evicted = job_pod(&j, "abcde", "Failed", terminated(137, "Error"));
        evicted.conditions.push(cond("DisruptionTarget", "True", "EvictionByEvictionAPI", "Eviction API: evicting"));
        let fine = job_pod(&j, "fghij", "Running", running());
        let m = matched_rule(&j, [&fine, &evicted]).unwrap();
        assert_eq!(
            m,
            RuleMatch {
                rule_index: 0,
                action: "Ignore".into(),
                exit_code: None,
                pod_condition: Some("DisruptionTarget".into()),
                pod: Some("job-pod-failure-policy-ignore-abcde".into()),
                container: None,
            }
        );
    }

    #[test]
    fn failed_and_evicted_pods_are_evaluated_running_ones_not() {
        let mut j = job("failure-policy", "j");
        j.spec.failure_rules = vec![condition_rule("Ignore", "DisruptionTarget", "True")];
        let disruption = cond("DisruptionTarget", "True", "EvictionByEvictionAPI", "");
        // Marked for eviction but neither deleted nor Failed: nothing has happened yet.
        let mut marked = job_pod(&j, "a", "Running", running());
        marked.conditions.push(disruption.clone());
        assert_eq!(matched_rule(&j, [&marked]), None);
        // Being deleted by the drain: it will end Failed, so the rule already applies.
        let mut evicted = marked.clone();
        evicted.deleting = true;
        let m = matched_rule(&j, [&evicted]).unwrap();
        assert_eq!(
            (m.rule_index, m.action.as_str(), m.pod_condition.as_deref()),
            (0, "Ignore", Some("DisruptionTarget"))
        );
        // A pod that succeeded before its deletion is not a failure.
        let mut done = job_pod(&j, "b", "Succeeded", terminated(0, "Completed"));
        done.deleting = true;
        done.conditions.push(disruption);
        assert_eq!(matched_rule(&j, [&done]), None);
    }

    #[test]
    fn the_latest_failed_pod_wins() {
        let mut j = job("failure-policy", "j");
        j.spec.failure_rules =
            vec![exit_rule("Count", None, "NotIn", &[42]), exit_rule("FailIndex", None, "In", &[42])];
        let mut older = job_pod(&j, "old", "Failed", terminated(1, "Error"));
        let mut newer = job_pod(&j, "new", "Failed", terminated(42, "Error"));
        let later = t0() + chrono::Duration::seconds(30);
        if let ContainerState::Terminated { finished, .. } = &mut newer.containers[0].state {
            *finished = Some(later);
        }
        older.created = Some(t0() - chrono::Duration::seconds(60));
        let m = matched_rule(&j, [&newer, &older]).unwrap();
        assert_eq!((m.rule_index, m.action.as_str(), m.pod.as_deref()), (1, "FailIndex", Some("j-new")));
    }

    #[test]
    fn evaluate_pod_follows_the_controller() {
        type Case = (&'static str, PodInfo, Option<(usize, Cause)>);
        let rules = vec![
            exit_rule("FailJob", Some("main"), "In", &[42]),
            exit_rule("Count", None, "NotIn", &[0, 1]),
            condition_rule("Ignore", "DisruptionTarget", ""),
            condition_rule("FailJob", "ConfigIssue", "True"),
        ];
        let j = job("ns", "j");
        let p = |containers: Vec<crate::ContainerInfo>, conditions: Vec<crate::Condition>| {
            let mut p = job_pod(&j, "x", "Failed", running());
            p.containers = containers;
            p.conditions = conditions;
            p
        };
        let cases: Vec<Case> = vec![
            (
                "exit 42 in main",
                p(vec![container("main", terminated(42, "Error"))], vec![]),
                Some((0, Cause::ExitCode { container: "main".into(), code: 42 })),
            ),
            (
                "exit 42 in another container skips the container-scoped rule",
                p(vec![container("side", terminated(42, "Error"))], vec![]),
                Some((1, Cause::ExitCode { container: "side".into(), code: 42 })),
            ),
            ("exit 1 is excluded by NotIn", p(vec![container("main", terminated(1, "Error"))], vec![]), None),
            (
                "exit 0 never matches, even NotIn",
                p(vec![container("main", terminated(0, "Completed"))], vec![cond("DisruptionTarget", "True", "", "")]),
                Some((2, Cause::PodCondition { type_: "DisruptionTarget".into() })),
            ),
            (
                "running containers have no exit code",
                p(vec![container("main", running())], vec![cond("ConfigIssue", "True", "NonExistingImage", "")]),
                Some((3, Cause::PodCondition { type_: "ConfigIssue".into() })),
            ),
            ("condition status must match", p(vec![], vec![cond("ConfigIssue", "False", "", "")]), None),
            (
                "init containers are checked after regular ones",
                p(
                    vec![init_container("input", terminated(42, "Error")), container("main", terminated(7, "Error"))],
                    vec![],
                ),
                Some((1, Cause::ExitCode { container: "main".into(), code: 7 })),
            ),
            (
                "a failed init container matches",
                p(
                    vec![
                        init_container("input", terminated(9, "Error")),
                        container("main", waiting("PodInitializing")),
                    ],
                    vec![],
                ),
                Some((1, Cause::ExitCode { container: "input".into(), code: 9 })),
            ),
            (
                "rule order beats condition order",
                p(
                    vec![container("main", terminated(42, "Error"))],
                    vec![cond("DisruptionTarget", "True", "", ""), cond("ConfigIssue", "True", "", "")],
                ),
                Some((0, Cause::ExitCode { container: "main".into(), code: 42 })),
            ),
        ];
        for (name, pod, expected) in cases {
            assert_eq!(evaluate_pod(&rules, &pod), expected, "{name}");
        }
        let unknown = vec![exit_rule("FailJob", None, "Between", &[1])];
        assert_eq!(evaluate_pod(&unknown, &p(vec![container("main", terminated(1, "Error"))], vec![])), None);
        assert_eq!(evaluate_pod(&[], &p(vec![container("main", terminated(1, "Error"))], vec![])), None);
    }

    #[test]
    fn describes_rules() {
        assert_eq!(
            describe_rule(&exit_rule("FailJob", Some("main"), "In", &[42])),
            "FailJob on exit code In [42] (container main)"
        );
        assert_eq!(describe_rule(&exit_rule("Count", None, "NotIn", &[0, 1])), "Count on exit code NotIn [0,1]");
        assert_eq!(describe_rule(&condition_rule("Ignore", "DisruptionTarget", "")), "Ignore on DisruptionTarget=True");
    }
}
