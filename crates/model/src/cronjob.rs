//! What a CronJob does and when: its schedule in words, its next run, and
//! the recent history of the Jobs it created.
//!
//! Schedules follow the CronJob controller (robfig/cron's standard parser):
//! five fields, the `@hourly`-style macros and `@every <duration>`, evaluated
//! in `spec.timeZone`. Without a time zone the controller uses
//! kube-controller-manager's local zone, which batchtop cannot see; UTC is
//! assumed (what managed control planes and the sandbox run in). Schedules
//! written before 1.27 may carry a `TZ=`/`CRON_TZ=` prefix; it is honoured
//! when `timeZone` is unset.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{Duration, Timelike};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::job::JobPhase;
use crate::store::Store;
use crate::types::{CronJobInfo, JobInfo, Time};

/// A schedule split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Schedule<'a> {
    /// From a `TZ=` or `CRON_TZ=` prefix.
    prefix_zone: Option<&'a str>,
    kind: ScheduleKind<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ScheduleKind<'a> {
    /// Five cron fields (macros already expanded).
    Cron(&'a str),
    /// `@every 1h30m`.
    Every(&'a str),
}

fn split_schedule(schedule: &str) -> Schedule<'_> {
    let s = schedule.trim();
    let (prefix_zone, rest) = match s.split_once(char::is_whitespace) {
        Some((first, rest)) if first.starts_with("TZ=") || first.starts_with("CRON_TZ=") => {
            (first.split_once('=').map(|(_, z)| z), rest.trim())
        }
        _ => (None, s),
    };
    let kind = match rest.strip_prefix("@every") {
        Some(d) if d.starts_with(char::is_whitespace) => ScheduleKind::Every(d.trim()),
        _ => ScheduleKind::Cron(expand_macro(rest).unwrap_or(rest)),
    };
    Schedule { prefix_zone, kind }
}

/// The descriptors robfig/cron accepts, as five fields.
fn expand_macro(s: &str) -> Option<&'static str> {
    Some(match s.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        _ => return None,
    })
}

/// Kubernetes cron: exactly five fields, no seconds, no years.
fn parse_cron(fields: &str) -> Option<Arc<Cron>> {
    memo().entry(fields).cron.clone()
}

/// What is known of one schedule: its parse, and next runs found so far.
struct Known {
    cron: Option<Arc<Cron>>,
    /// `(zone, from, next)`: in `zone`, no run falls after `from` and before
    /// `next` (`None`: none ever does), so any time in between has the same
    /// next run. The newest last; at most [`Memo::SPANS`].
    spans: Vec<(Tz, Time, Option<Time>)>,
}

/// Parses and next runs, per distinct schedule. A parse costs as much as a
/// frame of 2,000 rows, and croner searches for a next run minute by minute
/// (a schedule that never fires, such as `0 0 30 2 *`, searches for years);
/// every frame asks for each CronJob's next run (the NEXT column) and every
/// warnings derivation for its missed runs. Both are pure functions of the
/// schedule, so remembering them changes nothing but the cost.
#[derive(Default)]
struct Memo {
    known: HashMap<String, Known>,
}

impl Memo {
    /// Beyond this many distinct schedules the memo starts over (a bound, not a tuning).
    const SCHEDULES: usize = 4096;
    /// Spans kept per schedule: about one per CronJob sharing it.
    const SPANS: usize = 64;

    fn entry(&mut self, fields: &str) -> &mut Known {
        if !self.known.contains_key(fields) {
            if self.known.len() >= Self::SCHEDULES {
                self.known.clear();
            }
            let cron = no_empty_list_item(fields)
                .then(|| {
                    CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build().parse(fields).ok()
                })
                .flatten()
                .map(Arc::new);
            self.known.insert(fields.to_string(), Known { cron, spans: Vec::new() });
        }
        self.known.get_mut(fields).expect("inserted above")
    }
}

/// No field has an empty item in its list (`,5`, `1,,2`, a lone `,`), as
/// Kubernetes' own cron parser requires. croner takes such an item as an
/// empty set of values: a schedule that never fires, which it then searches
/// for to the year 5000 (a minute -- a lone `,` for the minutes -- in a
/// debug build; the fuzz target found it).
fn no_empty_list_item(fields: &str) -> bool {
    fields.split_whitespace().all(|field| field.split(',').all(|item| !item.is_empty()))
}

fn memo() -> std::sync::MutexGuard<'static, Memo> {
    static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Mutex::default);
    MEMO.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The first run of `fields` strictly after `from` (a whole second) in `zone`.
fn next_cron_run(fields: &str, zone: Tz, from: Time) -> Option<Time> {
    let mut memo = memo();
    let known = memo.entry(fields);
    let cron = known.cron.clone()?;
    let seen =
        known.spans.iter().rev().find(|(z, start, next)| *z == zone && *start <= from && next.is_none_or(|n| from < n));
    if let Some(&(_, _, next)) = seen {
        return next;
    }
    let next = cron.find_next_occurrence(&from.with_timezone(&zone), false).ok().map(|t| t.with_timezone(&chrono::Utc));
    if known.spans.len() >= Memo::SPANS {
        known.spans.remove(0);
    }
    known.spans.push((zone, from, next));
    next
}

fn parse_every(d: &str) -> Option<Duration> {
    let d = humantime::parse_duration(d).ok()?;
    Duration::from_std(d).ok().filter(|d| *d > Duration::zero())
}

/// The schedule in words: `every minute`, `every 5 minutes`, `every day at
/// 02:30 (Europe/Paris)`. Common shapes get plain English; other valid
/// expressions get croner's description; anything unparsable is shown as
/// written, so the operator always sees something true.
pub fn describe_schedule(schedule: &str, time_zone: Option<&str>) -> String {
    let parsed = split_schedule(schedule);
    let words = match parsed.kind {
        ScheduleKind::Every(d) => parse_every(d).map(|_| format!("every {d}")),
        ScheduleKind::Cron(fields) => parse_cron(fields).map(|cron| {
            common_shape(fields).unwrap_or_else(|| {
                let text = cron.describe();
                lowercase_first(text.trim_end_matches('.'))
            })
        }),
    };
    let Some(words) = words else {
        return schedule.trim().to_string();
    };
    match time_zone.filter(|z| !z.is_empty()).or(parsed.prefix_zone) {
        Some(zone) => format!("{words} ({zone})"),
        None => words,
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Plain words for the schedules people write most. `None` for anything
/// else (croner then describes it).
fn common_shape(fields: &str) -> Option<String> {
    let f: Vec<&str> = fields.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = f.as_slice() else {
        return None;
    };
    let num = |s: &str| s.parse::<u32>().ok();
    let step = |s: &str| s.strip_prefix("*/").and_then(num);
    let at = |h: u32, m: u32| format!("{h:02}:{m:02}");
    let every_day = (*dom, *month, *dow) == ("*", "*", "*");
    Some(match (num(minute), num(hour)) {
        _ if every_day && *hour == "*" && (*minute == "*" || step(minute) == Some(1)) => "every minute".into(),
        _ if every_day && *hour == "*" && step(minute).is_some() => {
            format!("every {} minutes", step(minute)?)
        }
        (Some(0), None) if every_day && (*hour == "*" || step(hour) == Some(1)) => "every hour".into(),
        (Some(m), None) if every_day && (*hour == "*" || step(hour) == Some(1)) => {
            format!("every hour at minute {m}")
        }
        (Some(0), None) if every_day && step(hour).is_some() => {
            format!("every {} hours", step(hour)?)
        }
        (Some(m), None) if every_day && step(hour).is_some() => {
            format!("every {} hours at minute {m}", step(hour)?)
        }
        (Some(m), Some(h)) if every_day => format!("every day at {}", at(h, m)),
        (Some(m), Some(h)) if (*dom, *month) == ("*", "*") => {
            format!("every {} at {}", weekday_name(dow)?, at(h, m))
        }
        (Some(m), Some(h)) if (*month, *dow) == ("*", "*") => {
            format!("on day {} of every month at {}", num(dom)?, at(h, m))
        }
        (Some(m), Some(h)) if *dow == "*" => {
            format!("every year on {} {} at {}", num(dom)?, month_name(month)?, at(h, m))
        }
        _ => return None,
    })
}

fn weekday_name(field: &str) -> Option<&'static str> {
    const NAMES: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    let by_number = field.parse::<usize>().ok().map(|n| n % 7);
    let by_name = NAMES.iter().position(|n| n[..3].eq_ignore_ascii_case(field));
    by_number.or(by_name).map(|i| NAMES[i])
}

fn month_name(field: &str) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let by_number = field.parse::<usize>().ok().filter(|n| (1..=12).contains(n)).map(|n| n - 1);
    let by_name = NAMES.iter().position(|n| n[..3].eq_ignore_ascii_case(field));
    by_number.or(by_name).map(|i| NAMES[i])
}

/// The zone a CronJob's schedule is evaluated in: `spec.timeZone`, else a
/// `TZ=` prefix, else UTC (see the module notes).
fn zone_of(cj: &CronJobInfo) -> Result<Tz, String> {
    let name = cj.time_zone.as_deref().filter(|z| !z.is_empty()).or(split_schedule(&cj.schedule).prefix_zone);
    match name {
        None => Ok(Tz::UTC),
        Some(name) => Tz::from_str(name).map_err(|_| format!("unknown time zone {name:?}")),
    }
}

/// Why the schedule cannot be evaluated, if it cannot (for a warning).
pub fn schedule_error(cj: &CronJobInfo) -> Option<String> {
    if let Err(e) = zone_of(cj) {
        return Some(e);
    }
    let valid = match split_schedule(&cj.schedule).kind {
        ScheduleKind::Every(d) => parse_every(d).is_some(),
        ScheduleKind::Cron(fields) => parse_cron(fields).is_some(),
    };
    (!valid).then(|| format!("cannot parse schedule {:?}", cj.schedule))
}

/// When the CronJob will next create a Job (strictly after `now`), in its
/// time zone. `None` while suspended or when the schedule or zone cannot be
/// understood (see [`schedule_error`]).
pub fn next_run(cj: &CronJobInfo, now: Time) -> Option<Time> {
    if cj.suspend {
        return None;
    }
    let zone = zone_of(cj).ok()?;
    match split_schedule(&cj.schedule).kind {
        ScheduleKind::Cron(fields) => {
            // From the whole second: croner keeps the fraction of the start
            // time, and a schedule fires on the second (10:21:00, not 10:21:00.58).
            let from = now.with_nanosecond(0).unwrap_or(now);
            next_cron_run(fields, zone, from)
        }
        ScheduleKind::Every(d) => next_every(cj, parse_every(d)?, now),
    }
}

/// `@every d` runs `d` after the previous run (or after creation): the first
/// such step strictly after `now`.
fn next_every(cj: &CronJobInfo, every: Duration, now: Time) -> Option<Time> {
    let base = cj.last_schedule.or(cj.created)?;
    if base > now {
        return Some(base + every);
    }
    let steps = (now - base).num_milliseconds() / every.num_milliseconds().max(1) + 1;
    Some(base + every * i32::try_from(steps).ok()?)
}

/// One Job of a CronJob's history: name, phase, creation time.
pub type HistoryEntry = (String, JobPhase, Option<Time>);

/// The Jobs this CronJob owns (by owner uid, so a recreated CronJob of the
/// same name does not inherit its predecessor's Jobs), oldest first.
pub fn history(cj: &CronJobInfo, jobs: &Store<JobInfo>) -> Vec<HistoryEntry> {
    let mut owned: Vec<&JobInfo> = jobs
        .in_namespace(&cj.key.namespace)
        .filter(|j| j.owner.as_ref().is_some_and(|o| o.kind == "CronJob" && o.uid == cj.uid))
        .collect();
    owned.sort_by(|a, b| (a.created, &a.key.name).cmp(&(b.created, &b.key.name)));
    owned.into_iter().map(|j| (j.key.name.clone(), j.phase(), j.created)).collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::fixtures::{cond, cronjob, job};
    use crate::types::{ObjKey, Owner};

    /// Regression (the cron_schedule fuzz target): a list with an empty item
    /// is refused as Kubernetes refuses it, at once, instead of croner
    /// searching to the year 5000 for a run of an empty set (`, * * * *`
    /// took 59 s in a debug build).
    #[test]
    fn a_list_with_an_empty_item_is_unparsable_not_searched() {
        for schedule in [", * * * *", "* , * * *", "* * , * *", "* * * , *", "* * * * ,", "1,,2 * * * *", "5, * * * *"]
        {
            let cj = cronjob("ns", "cj", schedule);
            assert_eq!(schedule_error(&cj), Some(format!("cannot parse schedule {schedule:?}")), "{schedule}");
            assert_eq!(next_run(&cj, crate::fixtures::t0()), None, "{schedule}");
            assert_eq!(describe_schedule(schedule, None), schedule, "shown as written");
        }
        assert!(schedule_error(&cronjob("ns", "cj", "1,2 * * * *")).is_none(), "a list without one is fine");
    }

    #[test]
    fn describes_schedules() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("* * * * *", None, "every minute"),
            ("*/1 * * * *", None, "every minute"),
            ("*/5 * * * *", None, "every 5 minutes"),
            ("0 * * * *", None, "every hour"),
            ("15 * * * *", None, "every hour at minute 15"),
            ("0 */2 * * *", None, "every 2 hours"),
            ("5 */2 * * *", None, "every 2 hours at minute 5"),
            ("30 2 * * *", Some("Europe/Paris"), "every day at 02:30 (Europe/Paris)"),
            ("30 2 * * *", Some(""), "every day at 02:30"),
            ("0 9 * * 1", None, "every Monday at 09:00"),
            ("0 9 * * fri", None, "every Friday at 09:00"),
            ("0 0 * * 7", None, "every Sunday at 00:00"),
            ("15 10 1 * *", None, "on day 1 of every month at 10:15"),
            ("0 0 25 12 *", None, "every year on 25 December at 00:00"),
            ("0 0 1 jan *", None, "every year on 1 January at 00:00"),
            ("@hourly", None, "every hour"),
            ("@daily", None, "every day at 00:00"),
            ("@midnight", Some("Asia/Tokyo"), "every day at 00:00 (Asia/Tokyo)"),
            ("@weekly", None, "every Sunday at 00:00"),
            ("@monthly", None, "on day 1 of every month at 00:00"),
            ("@yearly", None, "every year on 1 January at 00:00"),
            ("@every 5m", None, "every 5m"),
            ("TZ=Europe/Paris 0 3 * * *", None, "every day at 03:00 (Europe/Paris)"),
            ("CRON_TZ=UTC */10 * * * *", None, "every 10 minutes (UTC)"),
            ("TZ=Europe/Paris 0 3 * * *", Some("Asia/Tokyo"), "every day at 03:00 (Asia/Tokyo)"),
            // Not a common shape: croner's words.
            (
                "0 9-17 * * MON-FRI",
                None,
                "at minute 0, of hour 9-17, on Monday, Tuesday, Wednesday, Thursday, and Friday",
            ),
            // Not valid: as written.
            ("61 * * * *", None, "61 * * * *"),
            ("0 0 * * * *", None, "0 0 * * * *"),
            ("bogus", Some("Europe/Paris"), "bogus"),
            ("@every never", None, "@every never"),
            ("", None, ""),
        ];
        for (schedule, zone, expected) in cases {
            assert_eq!(describe_schedule(schedule, *zone), *expected, "{schedule:?} {zone:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// The memo answers what croner answers, whatever order the times come in.
        #[test]
        fn remembered_next_runs_are_croners(
            schedule in proptest::sample::select(vec!["*/7 * * * *", "0 3 * * 1", "15 10 1 * *", "5 4 * * *", "0 12 29 2 *"]),
            zone in proptest::sample::select(vec![Tz::UTC, Tz::Europe__Berlin, Tz::America__New_York]),
            offsets in proptest::collection::vec(0i64..3_000_000, 1..12),
        ) {
            let base = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
            let cron = CronParser::builder().seconds(Seconds::Disallowed).year(Year::Disallowed).build().parse(schedule).unwrap();
            for offset in offsets {
                let from = base + Duration::minutes(offset / 60) + Duration::seconds(offset % 60);
                let direct = cron.find_next_occurrence(&from.with_timezone(&zone), false).ok().map(|t| t.with_timezone(&chrono::Utc));
                proptest::prop_assert_eq!(next_cron_run(schedule, zone, from), direct, "{} in {} after {}", schedule, zone, from);
            }
        }
    }

    #[test]
    fn a_schedule_that_never_fires_has_no_next_run_from_any_time() {
        let from = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(next_cron_run("0 0 30 2 *", Tz::UTC, from), None);
        assert_eq!(next_cron_run("0 0 30 2 *", Tz::UTC, from + Duration::days(400)), None, "remembered");
    }

    #[test]
    fn next_run_in_utc_and_in_a_zone() {
        let now = chrono::Utc.with_ymd_and_hms(2025, 1, 15, 10, 20, 30).unwrap();
        let hello = cronjob("cronjob", "hello", "* * * * *");
        let next = next_run(&hello, now).unwrap();
        assert_eq!(next, chrono::Utc.with_ymd_and_hms(2025, 1, 15, 10, 21, 0).unwrap());
        assert!(next - now <= Duration::seconds(60), "hello runs within a minute");

        // 02:30 in Paris is 01:30 UTC in winter; 10:20 UTC is past it, so tomorrow.
        let mut paris = cronjob("cronjob", "nightly", "30 2 * * *");
        paris.time_zone = Some("Europe/Paris".into());
        assert_eq!(next_run(&paris, now), Some(chrono::Utc.with_ymd_and_hms(2025, 1, 16, 1, 30, 0).unwrap()));

        // The legacy prefix works the same way.
        let prefixed = cronjob("cronjob", "legacy", "TZ=Europe/Paris 30 2 * * *");
        assert_eq!(next_run(&prefixed, now), next_run(&paris, now));

        // Exactly on a minute boundary: strictly after now.
        let on_the_minute = chrono::Utc.with_ymd_and_hms(2025, 1, 15, 10, 21, 0).unwrap();
        assert_eq!(next_run(&hello, on_the_minute), Some(on_the_minute + Duration::minutes(1)));

        // A clock reading with a fraction: the run is still on the whole minute.
        let mid_second = now + Duration::milliseconds(583);
        assert_eq!(next_run(&hello, mid_second), Some(chrono::Utc.with_ymd_and_hms(2025, 1, 15, 10, 21, 0).unwrap()));
        let just_after = on_the_minute + Duration::milliseconds(1);
        assert_eq!(next_run(&hello, just_after), Some(on_the_minute + Duration::minutes(1)));
    }

    #[test]
    fn no_next_run_when_suspended_or_invalid() {
        let now = chrono::Utc.with_ymd_and_hms(2025, 1, 15, 10, 20, 30).unwrap();
        let mut suspended = cronjob("cronjob", "hello", "* * * * *");
        suspended.suspend = true;
        assert_eq!(next_run(&suspended, now), None);
        assert_eq!(schedule_error(&suspended), None, "suspended is not an error");

        let bad = cronjob("cronjob", "bad", "61 * * * *");
        assert_eq!(next_run(&bad, now), None);
        assert_eq!(schedule_error(&bad).as_deref(), Some("cannot parse schedule \"61 * * * *\""));

        let mut zone = cronjob("cronjob", "zone", "* * * * *");
        zone.time_zone = Some("Mars/Olympus".into());
        assert_eq!(next_run(&zone, now), None);
        assert_eq!(schedule_error(&zone).as_deref(), Some("unknown time zone \"Mars/Olympus\""));
    }

    #[test]
    fn every_counts_from_the_last_run() {
        let now = chrono::Utc.with_ymd_and_hms(2025, 1, 15, 10, 20, 30).unwrap();
        let mut cj = cronjob("cronjob", "every", "@every 5m");
        cj.last_schedule = Some(now - Duration::minutes(2));
        assert_eq!(next_run(&cj, now), Some(now + Duration::minutes(3)));
        cj.last_schedule = Some(now - Duration::minutes(12));
        assert_eq!(next_run(&cj, now), Some(now + Duration::minutes(3)), "missed runs: the next step after now");
        cj.last_schedule = None;
        cj.created = None;
        assert_eq!(next_run(&cj, now), None);
    }

    #[test]
    fn history_lists_owned_jobs_oldest_first() {
        let hello = cronjob("cronjob", "hello", "* * * * *");
        let owner = Owner { kind: "CronJob".into(), name: "hello".into(), uid: hello.uid.clone() };
        let at = |m: i64| Some(crate::fixtures::t0() + Duration::minutes(m));
        let mut jobs = Store::default();
        let mut add = |name: &str, namespace: &str, owner: Option<Owner>, created, conditions| {
            let mut j = job(namespace, name);
            j.owner = owner;
            j.created = created;
            j.status.conditions = conditions;
            j.status.start_time = created;
            jobs.upsert(ObjKey::new(namespace, name), j, 1);
        };
        add("hello-29001", "cronjob", Some(owner.clone()), at(1), vec![cond("Complete", "True", "", "")]);
        add(
            "hello-29000",
            "cronjob",
            Some(owner.clone()),
            at(0),
            vec![cond("Failed", "True", "BackoffLimitExceeded", "")],
        );
        add("hello-29002", "cronjob", Some(owner.clone()), at(2), vec![]);
        // Same name, other namespace; same name, previous CronJob (other uid); not owned.
        add("hello-28999", "elsewhere", Some(owner.clone()), at(-1), vec![]);
        add("hello-28998", "cronjob", Some(Owner { uid: "old-uid".into(), ..owner.clone() }), at(-2), vec![]);
        add("job-wq-1", "cronjob", None, at(-3), vec![]);
        let h = history(&hello, &jobs);
        assert_eq!(
            h,
            vec![
                ("hello-29000".to_string(), JobPhase::Failed, at(0)),
                ("hello-29001".to_string(), JobPhase::Complete, at(1)),
                ("hello-29002".to_string(), JobPhase::Running, at(2)),
            ]
        );
    }
}
