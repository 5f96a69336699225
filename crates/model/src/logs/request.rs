//! What a log view reads, as `kubectl logs` options: the target (a pod, or a
//! Job's pods merged), the container, follow, tail/since, previous.

use super::buffer::Prefix;
use crate::PodInfo;

/// The label the Job controller puts on its pods (the older `job-name` too).
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";

/// Whose logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    Pod(String),
    /// A Job's pods, merged; only those of one completion index when `index` is set.
    Job {
        name: String,
        index: Option<u32>,
    },
}

/// What to read, as `kubectl logs` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub namespace: String,
    pub target: LogTarget,
    /// The container; `None` for each pod's first (non-init) container.
    pub container: Option<String>,
    pub follow: bool,
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    /// The previous run of a restarted container.
    pub previous: bool,
}

impl LogRequest {
    pub fn new(namespace: impl Into<String>, target: LogTarget) -> Self {
        Self {
            namespace: namespace.into(),
            target,
            container: None,
            follow: true,
            tail_lines: None,
            since_seconds: None,
            previous: false,
        }
    }

    /// A Job's merged view prefixes lines; a single pod's does not.
    pub fn prefix(&self) -> Prefix {
        match self.target {
            LogTarget::Pod(_) => Prefix::None,
            LogTarget::Job { .. } => Prefix::PodOrIndex,
        }
    }

    /// A short title: `pod ns/name`, `job ns/name`, `job ns/name #3`.
    pub fn title(&self) -> String {
        let ns = &self.namespace;
        let mut t = match &self.target {
            LogTarget::Pod(p) => format!("pod {ns}/{p}"),
            LogTarget::Job { name, index: None } => format!("job {ns}/{name}"),
            LogTarget::Job { name, index: Some(i) } => format!("job {ns}/{name} #{i}"),
        };
        if let Some(c) = &self.container {
            t.push_str(&format!(" ({c})"));
        }
        t
    }

    /// Whether `pod` is one whose logs this request reads.
    pub fn wants(&self, pod: &PodInfo) -> bool {
        match &self.target {
            LogTarget::Pod(name) => &pod.key.name == name,
            LogTarget::Job { name, index } => {
                pod.job.as_deref() == Some(name.as_str()) && index.is_none_or(|i| pod.completion_index == Some(i))
            }
        }
    }
}

/// The container a request reads in `pod`: the one asked for, else the first
/// regular container (what `kubectl logs` picks without a default-container
/// annotation).
pub fn container_for(request: &LogRequest, pod: &PodInfo) -> String {
    request.container.clone().unwrap_or_else(|| default_container(pod))
}

pub fn default_container(pod: &PodInfo) -> String {
    pod.containers.iter().find(|c| !c.init).or(pod.containers.first()).map(|c| c.name.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_titles_and_prefixes() {
        let mut req = LogRequest::new("indexed", LogTarget::Job { name: "indexed-job".into(), index: Some(3) });
        assert_eq!(req.title(), "job indexed/indexed-job #3");
        assert_eq!(req.prefix(), Prefix::PodOrIndex);
        req.container = Some("input".into());
        assert_eq!(req.title(), "job indexed/indexed-job #3 (input)");
        assert_eq!(LogRequest::new("n", LogTarget::Pod("p".into())).prefix(), Prefix::None);
    }
}
