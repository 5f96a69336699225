//! CronJob schedules with time zones: any schedule and zone is described and
//! gives a next run or none, never a panic. Input: `schedule\nzone`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::cronjob::{describe_schedule, next_run, schedule_error};
use model::fixtures::{cronjob, t0};

fuzz_target!(|text: &str| {
    let (schedule, zone) = match text.split_once('\n') {
        Some((s, z)) => (s, Some(z)),
        None => (text, None),
    };
    let _ = describe_schedule(schedule, zone);
    let mut cj = cronjob("fuzz", "cj", schedule);
    cj.time_zone = zone.map(str::to_string);
    let _ = schedule_error(&cj);
    let _ = next_run(&cj, t0());
});
