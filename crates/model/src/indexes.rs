//! Completion indexes of Indexed Jobs.
//!
//! The API reports `status.completedIndexes` and `status.failedIndexes` as
//! interval strings (`0-2,4,7-9`). [`IndexSet`] parses them into sorted,
//! disjoint, non-adjacent ranges so membership and counts stay cheap even for
//! a 100,000-completion Job, and prints them back in the API's own form.
//! [`index_states`] then combines both sets with the Job's live pods into one
//! state per index, which is what the index grid shows.

use std::fmt;

use crate::store::Store;
use crate::types::{JobInfo, ObjKey, PodInfo, ServiceInfo};

/// A set of completion indexes, kept as sorted, disjoint, non-adjacent
/// inclusive ranges (adjacent ranges are merged, as the Job controller does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSet {
    ranges: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexParseError {
    #[error("empty item at position {position} in index list {input:?}")]
    EmptyItem { input: String, position: usize },
    #[error("{item:?} in index list {input:?} is not an index (expected a number from 0 to 4294967295)")]
    NotANumber { input: String, item: String },
    #[error("range {item:?} in index list {input:?} is reversed (its start is after its end)")]
    Reversed { input: String, item: String },
}

impl IndexSet {
    /// Parses the API's interval form. Whitespace around items and numbers is
    /// tolerated, and an empty or blank string is the empty set. Items may come
    /// unsorted or overlapping (they are merged); anything else is an error that
    /// names the offending item, because a silently wrong index grid is worse
    /// than a visible parse error.
    pub fn parse(input: &str) -> Result<IndexSet, IndexParseError> {
        if input.trim().is_empty() {
            return Ok(IndexSet::default());
        }
        let mut ranges = Vec::new();
        for (position, item) in input.split(',').enumerate() {
            ranges.push(parse_item(input, item, position)?);
        }
        Ok(IndexSet::from_ranges(ranges))
    }

    /// Builds a set from inclusive ranges in any order; reversed ranges are ignored.
    pub fn from_ranges(mut ranges: Vec<(u32, u32)>) -> IndexSet {
        ranges.retain(|(a, b)| a <= b);
        ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                // Overlapping or adjacent (end + 1 == start): extend the previous range.
                Some(last) if u64::from(start) <= u64::from(last.1) + 1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        IndexSet { ranges: merged }
    }

    pub fn contains(&self, index: u32) -> bool {
        // Ranges are sorted and disjoint: find the last range starting at or before `index`.
        let after = self.ranges.partition_point(|&(start, _)| start <= index);
        after > 0 && self.ranges[after - 1].1 >= index
    }

    /// How many indexes the set holds (usize: `0-4294967295` does not fit a u32).
    pub fn len(&self) -> usize {
        self.ranges.iter().map(|&(a, b)| (b - a) as usize + 1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Every index in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(a, b)| a..=b)
    }

    /// The inclusive ranges, sorted and disjoint.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// How many indexes lie below `limit` (e.g. below `completions`), without iterating.
    pub fn count_below(&self, limit: u32) -> usize {
        self.ranges.iter().filter(|&&(a, _)| a < limit).map(|&(a, b)| (b.min(limit - 1) - a) as usize + 1).sum()
    }
}

fn parse_item(input: &str, item: &str, position: usize) -> Result<(u32, u32), IndexParseError> {
    let trimmed = item.trim();
    if trimmed.is_empty() {
        return Err(IndexParseError::EmptyItem { input: input.to_string(), position });
    }
    let number = |s: &str| {
        let s = s.trim();
        // u32::from_str accepts a leading '+'; the API never writes one, so refuse it.
        if s.starts_with('+') {
            return None;
        }
        s.parse::<u32>().ok()
    };
    let not_a_number = || IndexParseError::NotANumber { input: input.to_string(), item: trimmed.to_string() };
    let (start, end) = if let Some((a, b)) = trimmed.split_once('-') {
        (number(a).ok_or_else(not_a_number)?, number(b).ok_or_else(not_a_number)?)
    } else {
        let n = number(trimmed).ok_or_else(not_a_number)?;
        (n, n)
    };
    if start > end {
        return Err(IndexParseError::Reversed { input: input.to_string(), item: trimmed.to_string() });
    }
    Ok((start, end))
}

impl std::str::FromStr for IndexSet {
    type Err = IndexParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndexSet::parse(s)
    }
}

/// The API's form: `0-2,4,7-9` (a single index alone, ranges with a dash).
impl fmt::Display for IndexSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(a, b)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if a == b {
                write!(f, "{a}")?;
            } else {
                write!(f, "{a}-{b}")?;
            }
        }
        Ok(())
    }
}

/// The state of one completion index of an Indexed Job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexState {
    Succeeded,
    /// Failed for good (backoffLimitPerIndex exhausted, or a FailIndex rule).
    Failed,
    /// An active pod works on it (it may still be Pending on a node).
    Running {
        pod: String,
    },
    /// Nothing succeeded or failed yet and no pod is working on it.
    Pending,
}

impl IndexState {
    pub fn as_str(&self) -> &'static str {
        match self {
            IndexState::Succeeded => "succeeded",
            IndexState::Failed => "failed",
            IndexState::Running { .. } => "running",
            IndexState::Pending => "pending",
        }
    }
}

/// A parsed index string; one the API should never produce counts as empty
/// here (see [`JobIndexes::parse_errors`] to show why).
fn parsed_or_empty(s: Option<&str>) -> IndexSet {
    s.map(IndexSet::parse).and_then(Result::ok).unwrap_or_default()
}

/// Both index sets of a Job, parsed once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobIndexes {
    pub completed: IndexSet,
    pub failed: IndexSet,
}

impl JobIndexes {
    pub fn of(job: &JobInfo) -> JobIndexes {
        JobIndexes {
            completed: parsed_or_empty(job.status.completed_indexes.as_deref()),
            failed: parsed_or_empty(job.status.failed_indexes.as_deref()),
        }
    }

    /// Parse errors of the Job's index strings, so a screen can say what is wrong.
    pub fn parse_errors(job: &JobInfo) -> Vec<IndexParseError> {
        [&job.status.completed_indexes, &job.status.failed_indexes]
            .into_iter()
            .flatten()
            .filter_map(|s| IndexSet::parse(s).err())
            .collect()
    }
}

/// One state per index `0..completions` of an Indexed Job (empty for other Jobs).
///
/// A finished index (in completedIndexes or failedIndexes) wins over any pod
/// still around for it; otherwise an active pod (not terminal, not being
/// deleted, the way the Job controller counts `active`) with that completion
/// index makes it running; otherwise it is pending.
pub fn index_states<'a>(job: &JobInfo, pods: impl IntoIterator<Item = &'a PodInfo>) -> Vec<IndexState> {
    let Some(completions) = indexed_completions(job) else {
        return Vec::new();
    };
    let indexes = JobIndexes::of(job);
    let mut running: Vec<Option<&str>> = vec![None; completions as usize];
    for pod in pods {
        let active = !pod.deleting && !super::pod::phase_is_terminal(&pod.phase);
        if let (true, Some(i)) = (active, pod.completion_index) {
            // Keep the first pod seen per index; duplicates are rare and transient.
            if let Some(slot @ None) = running.get_mut(i as usize) {
                *slot = Some(pod.key.name.as_str());
            }
        }
    }
    (0..completions)
        .map(|i| {
            if indexes.completed.contains(i) {
                IndexState::Succeeded
            } else if indexes.failed.contains(i) {
                IndexState::Failed
            } else if let Some(pod) = running[i as usize] {
                IndexState::Running { pod: pod.to_string() }
            } else {
                IndexState::Pending
            }
        })
        .collect()
}

/// The API refuses Indexed Jobs with more completions than this; a larger
/// value (an old or odd server) is capped so the grid cannot exhaust memory.
pub const MAX_INDEXES: u32 = 100_000;

/// `completions` of an Indexed Job, as a count of indexes (at most [`MAX_INDEXES`]).
fn indexed_completions(job: &JobInfo) -> Option<u32> {
    if !job.spec.indexed {
        return None;
    }
    job.spec.completions.and_then(|c| u32::try_from(c).ok()).map(|c| c.min(MAX_INDEXES))
}

/// The hostname the Job controller gives the pod of an index: `<job>-<index>`.
/// With the template's subdomain set, other pods reach it as
/// `<job>-<index>.<subdomain>` (see [`pod_dns_name`]).
pub fn pod_hostname(job_name: &str, index: u32) -> String {
    format!("{job_name}-{index}")
}

/// The name other pods of the namespace resolve for an index, when the pod
/// template sets a subdomain (a headless Service of that name must exist).
pub fn pod_dns_name(job: &JobInfo, index: u32) -> Option<String> {
    let subdomain = job.spec.subdomain.as_deref().filter(|s| !s.is_empty())?;
    Some(format!("{}.{subdomain}", pod_hostname(&job.key.name, index)))
}

/// Whether the headless Service named by the pod template's subdomain exists
/// in the Job's namespace. `None` when the Job sets no subdomain; `Some(false)`
/// also when a Service of that name exists but is not headless, because then
/// DNS gives no per-pod records and `<job>-<index>.<subdomain>` does not resolve.
pub fn headless_service_present(job: &JobInfo, services: &Store<ServiceInfo>) -> Option<bool> {
    let subdomain = job.spec.subdomain.as_deref().filter(|s| !s.is_empty())?;
    let key = ObjKey::new(job.key.namespace.clone(), subdomain);
    Some(services.get(&key).is_some_and(|s| s.headless))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{indexed_job, pod};
    use proptest::prelude::*;

    #[test]
    fn parses_the_api_forms() {
        let cases: &[(&str, &[u32], &str)] = &[
            ("", &[], ""),
            ("   ", &[], ""),
            ("0", &[0], "0"),
            ("0-4", &[0, 1, 2, 3, 4], "0-4"),
            ("0-2,4,7-9", &[0, 1, 2, 4, 7, 8, 9], "0-2,4,7-9"),
            (" 0 - 2 , 4 ,7-9 ", &[0, 1, 2, 4, 7, 8, 9], "0-2,4,7-9"),
            // unsorted, overlapping and adjacent items are normalised
            ("7-9,0-2,4", &[0, 1, 2, 4, 7, 8, 9], "0-2,4,7-9"),
            ("0-3,2-5", &[0, 1, 2, 3, 4, 5], "0-5"),
            ("0,1,2", &[0, 1, 2], "0-2"),
            ("3-3", &[3], "3"),
        ];
        for (input, members, display) in cases {
            let set = IndexSet::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(set.iter().collect::<Vec<_>>(), *members, "members of {input:?}");
            assert_eq!(set.to_string(), *display, "display of {input:?}");
            assert_eq!(set.len(), members.len(), "len of {input:?}");
        }
    }

    #[test]
    fn rejects_garbage_with_a_message_naming_the_item() {
        let cases: &[(&str, &str)] = &[
            ("5-2", "range \"5-2\" in index list \"5-2\" is reversed"),
            ("1,,2", "empty item at position 1"),
            ("1,", "empty item at position 1"),
            ("a", "\"a\" in index list \"a\" is not an index"),
            ("-1", "\"-1\" in index list"),
            ("1-2-3", "\"1-2-3\" in index list"),
            ("+1", "\"+1\""),
            ("4294967296", "\"4294967296\""),
            ("1 2", "\"1 2\""),
        ];
        for (input, expected) in cases {
            let err = IndexSet::parse(input).expect_err(input).to_string();
            assert!(err.contains(expected), "{input:?}: {err}");
        }
    }

    #[test]
    fn contains_at_range_edges() {
        let set = IndexSet::parse("2-4,10").unwrap();
        let expect = [(1, false), (2, true), (4, true), (5, false), (9, false), (10, true), (11, false)];
        for (i, member) in expect {
            assert_eq!(set.contains(i), member, "index {i}");
        }
        assert!(!IndexSet::default().contains(0));
    }

    #[test]
    fn huge_ranges_count_without_iterating() {
        let set = IndexSet::parse("0-4294967295").unwrap();
        assert_eq!(set.len(), 1usize << 32);
        assert!(set.contains(u32::MAX));
        assert_eq!(set.count_below(5), 5);
        assert_eq!(IndexSet::parse("1,3-6,9").unwrap().count_below(5), 3);
    }

    #[test]
    fn index_states_of_a_running_indexed_job() {
        // completions 5, parallelism 3 as in the seed's indexed-job, half-way through.
        let mut job = indexed_job("indexed", "indexed-job", 5);
        job.status.completed_indexes = Some("0,2".into());
        job.status.failed_indexes = Some("4".into());
        let mut running = pod("indexed", "indexed-job-1-fxp4c", "Running");
        running.completion_index = Some(1);
        let mut old_failed = pod("indexed", "indexed-job-3-aaaaa", "Failed");
        old_failed.completion_index = Some(3);
        let mut deleting = pod("indexed", "indexed-job-3-bbbbb", "Running");
        deleting.completion_index = Some(3);
        deleting.deleting = true;
        let mut done = pod("indexed", "indexed-job-0-m5vqp", "Succeeded");
        done.completion_index = Some(0);
        let states = index_states(&job, [&running, &old_failed, &deleting, &done]);
        assert_eq!(
            states,
            vec![
                IndexState::Succeeded,
                IndexState::Running { pod: "indexed-job-1-fxp4c".into() },
                IndexState::Succeeded,
                IndexState::Pending,
                IndexState::Failed,
            ]
        );
    }

    #[test]
    fn completed_indexed_job_has_every_index_succeeded() {
        let mut job = indexed_job("indexed", "indexed-job", 5);
        job.status.completed_indexes = Some("0-4".into());
        let states = index_states(&job, std::iter::empty());
        assert_eq!(states, vec![IndexState::Succeeded; 5]);
    }

    #[test]
    fn non_indexed_jobs_have_no_index_states() {
        let mut job = indexed_job("default", "job-wq-1", 8);
        job.spec.indexed = false;
        assert!(index_states(&job, std::iter::empty()).is_empty());
    }

    #[test]
    fn absurd_completions_are_capped() {
        let mut job = indexed_job("indexed", "huge", i32::MAX);
        job.status.completed_indexes = Some("0-2147483646".into());
        let states = index_states(&job, std::iter::empty());
        assert_eq!(states.len(), MAX_INDEXES as usize);
        assert!(states.iter().all(|s| *s == IndexState::Succeeded));
        job.spec.completions = Some(-1);
        assert!(index_states(&job, std::iter::empty()).is_empty());
    }

    #[test]
    fn pods_with_out_of_range_indexes_are_ignored() {
        let job = indexed_job("indexed", "j", 2);
        let mut stray = pod("indexed", "j-7-x", "Running");
        stray.completion_index = Some(7);
        assert_eq!(index_states(&job, [&stray]), vec![IndexState::Pending; 2]);
    }

    #[test]
    fn garbage_index_strings_are_reported_not_fatal() {
        let mut job = indexed_job("indexed", "j", 2);
        job.status.completed_indexes = Some("0-x".into());
        assert_eq!(index_states(&job, std::iter::empty()), vec![IndexState::Pending; 2]);
        let errors = JobIndexes::parse_errors(&job);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].to_string().contains("0-x"));
    }

    #[test]
    fn hostnames_and_headless_service() {
        let mut job = indexed_job("pod-to-pod", "example-job", 3);
        assert_eq!(pod_hostname(&job.key.name, 2), "example-job-2");
        assert_eq!(pod_dns_name(&job, 0), None);
        let mut services = Store::default();
        assert_eq!(headless_service_present(&job, &services), None, "no subdomain, nothing to check");

        job.spec.subdomain = Some("headless-svc".into());
        assert_eq!(pod_dns_name(&job, 0).as_deref(), Some("example-job-0.headless-svc"));
        assert_eq!(headless_service_present(&job, &services), Some(false));

        let key = ObjKey::new("pod-to-pod", "headless-svc");
        services.upsert(key.clone(), ServiceInfo { key: key.clone(), headless: false }, 1);
        assert_eq!(headless_service_present(&job, &services), Some(false), "a ClusterIP service gives no pod DNS");
        services.upsert(key.clone(), ServiceInfo { key: key.clone(), headless: true }, 1);
        assert_eq!(headless_service_present(&job, &services), Some(true));

        let other = ObjKey::new("elsewhere", "headless-svc");
        let mut elsewhere = Store::default();
        elsewhere.upsert(other.clone(), ServiceInfo { key: other, headless: true }, 1);
        assert_eq!(headless_service_present(&job, &elsewhere), Some(false), "must be in the Job's namespace");
    }

    fn small_ranges() -> impl Strategy<Value = Vec<(u32, u32)>> {
        prop::collection::vec((0u32..200, 0u32..20).prop_map(|(a, len)| (a, a + len)), 0..12)
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(ranges in small_ranges()) {
            let set = IndexSet::from_ranges(ranges);
            let text = set.to_string();
            prop_assert_eq!(IndexSet::parse(&text).unwrap(), set.clone());
            // Display is canonical: printing the re-parsed set gives the same text.
            prop_assert_eq!(IndexSet::parse(&text).unwrap().to_string(), text);
        }

        #[test]
        fn len_is_the_count_of_iter(ranges in small_ranges()) {
            let set = IndexSet::from_ranges(ranges);
            prop_assert_eq!(set.len(), set.iter().count());
            prop_assert_eq!(set.is_empty(), set.iter().next().is_none());
        }

        #[test]
        fn contains_agrees_with_iter(ranges in small_ranges(), probe in 0u32..260) {
            let set = IndexSet::from_ranges(ranges.clone());
            prop_assert_eq!(set.contains(probe), set.iter().any(|i| i == probe));
            let in_input = ranges.iter().any(|&(a, b)| a <= probe && probe <= b);
            prop_assert_eq!(set.contains(probe), in_input);
            prop_assert_eq!(set.count_below(probe), set.iter().filter(|&i| i < probe).count());
        }

        #[test]
        fn iter_is_strictly_ascending(ranges in small_ranges()) {
            let set = IndexSet::from_ranges(ranges);
            let v: Vec<u32> = set.iter().collect();
            prop_assert!(v.windows(2).all(|w| w[0] < w[1]));
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = IndexSet::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_index_like_text(s in "[0-9, \\-+]{0,30}") {
            if let Ok(set) = IndexSet::parse(&s) {
                // Whatever parses prints back to something that parses to the same set.
                prop_assert_eq!(IndexSet::parse(&set.to_string()).unwrap(), set);
            }
        }
    }
}
