//! The seed's ConfigIssue step (steps 3-4) for the fixture capture
//! (`fixtures/capture.sh`): the config-issue Job is failed by its ConfigIssue
//! rule before the objects are captured, as it is in every finished sandbox,
//! so the snapshots never show it still Running. Runs the step only when its
//! effect is not already there ([`testkit::sandbox::ensure_config_issue`]).

fn main() {
    let _guard = testkit::sandbox::experiment();
    testkit::sandbox::ensure_config_issue();
    println!("config-issue: {} has its ConfigIssue pod", testkit::sandbox::CONFIG_ISSUE_JOB);
}
