//! What a pod of a Job is doing, in the words operators know from kubectl.

use crate::types::{ContainerInfo, ContainerState, PodInfo};

/// Phases after which a pod never runs again.
pub fn phase_is_terminal(phase: &str) -> bool {
    matches!(phase, "Succeeded" | "Failed")
}

/// Waiting reasons that only say the container is on its way; anything else
/// (ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError, ...) means
/// it is stuck until someone acts.
pub fn waiting_reason_is_progress(reason: &str) -> bool {
    matches!(reason, "ContainerCreating" | "PodInitializing")
}

impl PodInfo {
    /// The STATUS column of `kubectl get pods`, computed the same way
    /// (kubectl's printPod): the first unfinished init container decides while
    /// the pod initialises (`Init:0/1`, `Init:ErrImagePull`, `Init:Error`);
    /// then the last container with a waiting or terminated reason
    /// (`ImagePullBackOff`, `Completed`, `Error`, `OOMKilled`,
    /// `ExitCode:3`); otherwise the phase; `Terminating` while a non-terminal
    /// pod is being deleted.
    pub fn status_text(&self) -> String {
        let mut text = self.phase.to_string();
        let initializing = match self.init_status() {
            Some(init) => {
                text = init;
                true
            }
            None => false,
        };
        // Once initialised, the regular containers say more than any init status.
        if (!initializing || self.condition_true("Initialized"))
            && let Some(main) = self.main_containers_status()
        {
            text = main;
        }
        if self.deleting && !self.is_terminal() {
            text = "Terminating".into();
        }
        text
    }

    /// `Init:...` while an init container has not finished successfully.
    fn init_status(&self) -> Option<String> {
        let inits: Vec<&ContainerInfo> = self.containers.iter().filter(|c| c.init).collect();
        for (i, c) in inits.iter().enumerate() {
            let status = match &c.state {
                ContainerState::Terminated { exit_code: 0, .. } => continue,
                ContainerState::Terminated { exit_code, reason, .. } => {
                    match reason.as_deref().filter(|r| !r.is_empty()) {
                        Some(r) => format!("Init:{r}"),
                        None => format!("Init:ExitCode:{exit_code}"),
                    }
                }
                ContainerState::Waiting { reason: Some(r), .. } if !r.is_empty() && r != "PodInitializing" => {
                    format!("Init:{r}")
                }
                _ => format!("Init:{i}/{}", inits.len()),
            };
            return Some(status);
        }
        None
    }

    /// The reason of the last regular container that has one, as kubectl
    /// scans them; `Running`/`NotReady` when a container still runs after
    /// another completed.
    fn main_containers_status(&self) -> Option<String> {
        let mut text = None;
        let mut has_running = false;
        for c in self.containers.iter().filter(|c| !c.init).rev() {
            match &c.state {
                ContainerState::Waiting { reason: Some(r), .. }
                | ContainerState::Terminated { reason: Some(r), .. }
                    if !r.is_empty() =>
                {
                    text = Some(r.clone());
                }
                ContainerState::Terminated { exit_code, .. } => text = Some(format!("ExitCode:{exit_code}")),
                ContainerState::Running { .. } if c.ready => has_running = true,
                _ => {}
            }
        }
        if text.as_deref() == Some("Completed") && has_running {
            text = Some(if self.condition_true("Ready") { "Running" } else { "NotReady" }.into());
        }
        text
    }

    /// Restarts of all its containers (init containers included: a crash-looping
    /// init container is exactly what an operator needs to see).
    pub fn restarts(&self) -> i32 {
        self.containers.iter().map(|c| c.restarts).sum()
    }

    /// The exit code that explains the pod: a non-zero code of a terminated
    /// container (regular containers first, then init containers, the order
    /// the Job controller checks them for podFailurePolicy); else 0 when a
    /// regular container exited cleanly; else the non-zero code of the previous
    /// run of a restarting container (what a CrashLoopBackOff is about).
    pub fn exit_code(&self) -> Option<i32> {
        let terminated = |c: &&ContainerInfo| match c.state {
            ContainerState::Terminated { exit_code, .. } => Some(exit_code),
            _ => None,
        };
        let regular_then_init =
            self.containers.iter().filter(|c| !c.init).chain(self.containers.iter().filter(|c| c.init));
        let codes: Vec<(bool, i32)> =
            regular_then_init.filter_map(|c| terminated(&c).map(|code| (c.init, code))).collect();
        codes
            .iter()
            .find(|(_, code)| *code != 0)
            .or_else(|| codes.iter().find(|(init, _)| !init))
            .map(|(_, code)| *code)
            .or_else(|| self.containers.iter().filter_map(|c| c.last_exit_code).find(|code| *code != 0))
    }

    /// Why the pod is not simply running or done, for a REASON column: a
    /// problem waiting reason (init containers first), a failed container's
    /// terminated reason, then a disruption or scheduling condition.
    pub fn main_reason(&self) -> Option<String> {
        let init_first = self.containers.iter().filter(|c| c.init).chain(self.containers.iter().filter(|c| !c.init));
        let waiting = init_first.clone().find_map(|c| match &c.state {
            ContainerState::Waiting { reason: Some(r), .. } if !r.is_empty() && !waiting_reason_is_progress(r) => {
                Some(r.clone())
            }
            _ => None,
        });
        let failed = || {
            init_first.clone().find_map(|c| match &c.state {
                ContainerState::Terminated { exit_code, reason, .. } if *exit_code != 0 => {
                    Some(reason.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| format!("ExitCode:{exit_code}")))
                }
                _ => None,
            })
        };
        waiting.or_else(failed).or_else(|| self.condition_reason())
    }

    /// What keeps a live pod from running until someone acts: a container
    /// waiting for a reason that is not progress (ImagePullBackOff,
    /// CreateContainerConfigError, CrashLoopBackOff, ...), init containers
    /// first, or the scheduler finding no node. `None` for terminal pods.
    pub fn blocking_reason(&self) -> Option<String> {
        if self.is_terminal() {
            return None;
        }
        let init_first = self.containers.iter().filter(|c| c.init).chain(self.containers.iter().filter(|c| !c.init));
        let waiting = init_first.filter_map(|c| match &c.state {
            ContainerState::Waiting { reason: Some(r), .. } if !r.is_empty() && !waiting_reason_is_progress(r) => {
                Some(r.clone())
            }
            _ => None,
        });
        let unschedulable = self.conditions.iter().find(|c| c.type_ == "PodScheduled" && c.status == "False");
        waiting.chain(unschedulable.map(|c| c.reason.as_deref().unwrap_or("Unschedulable").to_string())).next()
    }

    /// A disruption (eviction, preemption, taint) or an unschedulable pod,
    /// from pod conditions.
    fn condition_reason(&self) -> Option<String> {
        let disrupted = self.conditions.iter().find(|c| c.type_ == "DisruptionTarget" && c.is_true());
        let unschedulable = self.conditions.iter().find(|c| c.type_ == "PodScheduled" && c.status == "False");
        disrupted
            .or(unschedulable)
            .map(|c| c.reason.as_deref().filter(|r| !r.is_empty()).unwrap_or(&c.type_).to_string())
    }

    /// Succeeded or Failed: it will never run again.
    pub fn is_terminal(&self) -> bool {
        phase_is_terminal(&self.phase)
    }

    /// Counted as active by the Job controller: not terminal, not being deleted.
    pub fn is_active(&self) -> bool {
        !self.is_terminal() && !self.deleting
    }

    pub fn condition_true(&self, type_: &str) -> bool {
        self.conditions.iter().any(|c| c.type_ == type_ && c.is_true())
    }

    /// `ready/total` of the regular containers, like kubectl's READY column.
    pub fn ready_text(&self) -> String {
        let regular = self.containers.iter().filter(|c| !c.init);
        let (ready, total) = regular.fold((0, 0), |(r, t), c| (r + usize::from(c.ready), t + 1));
        format!("{ready}/{total}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn with(phase: &str, containers: Vec<ContainerInfo>) -> PodInfo {
        let mut p = pod("ns", "p", phase);
        p.containers = containers;
        p
    }

    #[test]
    fn status_text_like_kubectl() {
        let cases: Vec<(&str, PodInfo, &str)> = vec![
            ("no statuses yet", with("Pending", vec![]), "Pending"),
            ("creating", with("Pending", vec![container("main", waiting("ContainerCreating"))]), "ContainerCreating"),
            (
                "config-issue's bad image",
                with("Pending", vec![container("main", waiting("ImagePullBackOff"))]),
                "ImagePullBackOff",
            ),
            ("running", with("Running", vec![container("main", running())]), "Running"),
            ("completed", with("Succeeded", vec![container("main", terminated(0, "Completed"))]), "Completed"),
            ("failjob's exit 42", with("Failed", vec![container("main", terminated(42, "Error"))]), "Error"),
            ("no reason given", with("Failed", vec![container("main", terminated(3, ""))]), "ExitCode:3"),
            (
                "indexed-job initialising",
                with(
                    "Pending",
                    vec![init_container("input", running()), container("worker", waiting("PodInitializing"))],
                ),
                "Init:0/1",
            ),
            (
                "init image missing",
                with(
                    "Pending",
                    vec![
                        init_container("input", waiting("ErrImagePull")),
                        container("worker", waiting("PodInitializing")),
                    ],
                ),
                "Init:ErrImagePull",
            ),
            (
                "init failed",
                with(
                    "Failed",
                    vec![
                        init_container("input", terminated(1, "Error")),
                        container("worker", waiting("PodInitializing")),
                    ],
                ),
                "Init:Error",
            ),
            (
                "init done, worker running",
                with(
                    "Running",
                    vec![init_container("input", terminated(0, "Completed")), container("worker", running())],
                ),
                "Running",
            ),
            (
                "first of two init containers done",
                with(
                    "Pending",
                    vec![
                        init_container("a", terminated(0, "Completed")),
                        init_container("b", running()),
                        container("worker", waiting("PodInitializing")),
                    ],
                ),
                "Init:1/2",
            ),
        ];
        for (name, pod, expected) in cases {
            assert_eq!(pod.status_text(), expected, "{name}");
        }
    }

    #[test]
    fn status_text_terminating_and_sidecar_cases() {
        let mut p = with("Running", vec![container("main", running())]);
        p.deleting = true;
        assert_eq!(p.status_text(), "Terminating");
        p.phase = "Failed".into();
        p.containers = vec![container("main", terminated(137, "Error"))];
        assert_eq!(p.status_text(), "Error", "a terminal pod being deleted shows its outcome");

        // One container completed, another still running: Running if the pod is Ready.
        let mut two = with("Running", vec![container("a", terminated(0, "Completed")), container("b", running())]);
        assert_eq!(two.status_text(), "NotReady");
        two.conditions.push(cond("Ready", "True", "", ""));
        assert_eq!(two.status_text(), "Running");

        // Initialized condition True: main containers decide even if an init status lingers.
        let mut init =
            with("Running", vec![init_container("input", running()), container("worker", waiting("CrashLoopBackOff"))]);
        init.conditions.push(cond("Initialized", "True", "", ""));
        assert_eq!(init.status_text(), "CrashLoopBackOff");
    }

    #[test]
    fn exit_codes() {
        let cases: Vec<(&str, PodInfo, Option<i32>)> = vec![
            ("running", with("Running", vec![container("main", running())]), None),
            ("succeeded", with("Succeeded", vec![container("main", terminated(0, "Completed"))]), Some(0)),
            ("failjob", with("Failed", vec![container("main", terminated(42, "Error"))]), Some(42)),
            (
                "failing sidecar beats a clean main",
                with(
                    "Failed",
                    vec![container("main", terminated(0, "Completed")), container("side", terminated(2, "Error"))],
                ),
                Some(2),
            ),
            (
                "init container failed",
                with(
                    "Failed",
                    vec![init_container("input", terminated(7, "Error")), container("w", waiting("PodInitializing"))],
                ),
                Some(7),
            ),
            (
                "init ok, main failed",
                with(
                    "Failed",
                    vec![init_container("input", terminated(0, "Completed")), container("w", terminated(1, "Error"))],
                ),
                Some(1),
            ),
        ];
        for (name, pod, expected) in cases {
            assert_eq!(pod.exit_code(), expected, "{name}");
        }
        let mut crashloop = container("main", waiting("CrashLoopBackOff"));
        crashloop.last_exit_code = Some(1);
        crashloop.restarts = 4;
        let p = with("Running", vec![crashloop]);
        assert_eq!(p.exit_code(), Some(1), "the previous run's code explains a crash loop");
        assert_eq!(p.restarts(), 4);
    }

    #[test]
    fn main_reasons() {
        let mut evicted = with("Failed", vec![container("main", terminated(137, "Error"))]);
        evicted.conditions.push(cond("DisruptionTarget", "True", "EvictionByEvictionAPI", "Eviction API: evicting"));
        let mut unschedulable = with("Pending", vec![]);
        unschedulable.conditions.push(cond("PodScheduled", "False", "Unschedulable", "0/1 nodes are available"));
        let mut disrupted_ok = with("Failed", vec![container("main", terminated(0, "Completed"))]);
        disrupted_ok.conditions.push(cond("DisruptionTarget", "True", "DeletionByTaintManager", ""));
        let cases: Vec<(&str, PodInfo, Option<&str>)> = vec![
            ("running", with("Running", vec![container("main", running())]), None),
            ("creating is progress", with("Pending", vec![container("main", waiting("ContainerCreating"))]), None),
            (
                "bad image",
                with("Pending", vec![container("main", waiting("ImagePullBackOff"))]),
                Some("ImagePullBackOff"),
            ),
            ("exit 42", with("Failed", vec![container("main", terminated(42, "Error"))]), Some("Error")),
            ("oom", with("Failed", vec![container("main", terminated(137, "OOMKilled"))]), Some("OOMKilled")),
            ("no reason", with("Failed", vec![container("main", terminated(5, ""))]), Some("ExitCode:5")),
            (
                "init first",
                with(
                    "Pending",
                    vec![init_container("input", waiting("ErrImagePull")), container("w", waiting("PodInitializing"))],
                ),
                Some("ErrImagePull"),
            ),
            ("evicted with a non-zero exit: the container says why first", evicted, Some("Error")),
            ("disruption", disrupted_ok, Some("DeletionByTaintManager")),
            ("unschedulable", unschedulable, Some("Unschedulable")),
        ];
        for (name, pod, expected) in cases {
            assert_eq!(pod.main_reason().as_deref(), expected, "{name}");
        }
    }

    #[test]
    fn blocking_reasons() {
        let mut unschedulable = with("Pending", vec![]);
        unschedulable.conditions.push(cond("PodScheduled", "False", "Unschedulable", "0/1 nodes are available"));
        let mut crashloop = container("main", waiting("CrashLoopBackOff"));
        crashloop.restarts = 3;
        let cases: Vec<(&str, PodInfo, Option<&str>)> = vec![
            (
                "config-issue",
                with("Pending", vec![container("main", waiting("ImagePullBackOff"))]),
                Some("ImagePullBackOff"),
            ),
            ("creating", with("Pending", vec![container("main", waiting("ContainerCreating"))]), None),
            ("crash loop", with("Running", vec![crashloop]), Some("CrashLoopBackOff")),
            (
                "init first",
                with(
                    "Pending",
                    vec![
                        init_container("i", waiting("ErrImagePull")),
                        container("m", waiting("CreateContainerConfigError")),
                    ],
                ),
                Some("ErrImagePull"),
            ),
            ("unschedulable", unschedulable, Some("Unschedulable")),
            ("running", with("Running", vec![container("main", running())]), None),
            ("terminal", with("Failed", vec![container("main", waiting("ImagePullBackOff"))]), None),
        ];
        for (name, pod, expected) in cases {
            assert_eq!(pod.blocking_reason().as_deref(), expected, "{name}");
        }
    }

    #[test]
    fn terminal_active_and_ready() {
        let cases = [("Pending", false), ("Running", false), ("Succeeded", true), ("Failed", true), ("Unknown", false)];
        for (phase, terminal) in cases {
            let p = with(phase, vec![]);
            assert_eq!(p.is_terminal(), terminal, "{phase}");
            assert_eq!(p.is_active(), !terminal, "{phase}");
        }
        let mut deleting = with("Running", vec![]);
        deleting.deleting = true;
        assert!(!deleting.is_active());
        let p = with(
            "Running",
            vec![
                init_container("i", terminated(0, "Completed")),
                container("a", running()),
                container("b", waiting("x")),
            ],
        );
        assert_eq!(p.ready_text(), "1/2");
    }
}
