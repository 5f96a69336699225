//! The console as a terminal sees it: the real binary in a pseudo-terminal,
//! against the sandbox. How it leaves the terminal (quit, hangup, terminate,
//! panic) and how it redraws after a resize.

use std::time::Duration;

use testkit::pty::{Console, Key, Signal};

use crate::support::console;

/// The terminal is as batchtop found it: main screen, cursor shown, line editing back.
fn assert_restored(c: &Console, after: &str) {
    c.drain_output(Duration::from_secs(5));
    c.with_screen(|s| {
        assert!(!s.alternate_screen(), "{after}: still on the alternate screen\n{}", s.text());
        assert!(!s.cursor_hidden(), "{after}: the cursor is still hidden");
    });
    assert!(!c.raw_mode(), "{after}: the terminal is still in raw mode");
}

/// The Jobs screen of the sandbox's `indexed` namespace, drawn.
fn started() -> Console {
    let c = console(&["-n", "indexed"]).spawn();
    c.wait_for("indexed-job");
    c.with_screen(|s| assert!(s.alternate_screen() && s.cursor_hidden(), "the console owns the screen"));
    assert!(c.raw_mode(), "the console reads keys in raw mode");
    c
}

#[test]
fn quitting_restores_the_terminal() {
    let mut c = started();
    c.press(&[Key::Char('q')]);
    let status = c.wait_exit(Duration::from_secs(5)).expect("q quits");
    assert!(status.success(), "{status:?}");
    assert_restored(&c, "q");
}

/// A dropped ssh session sends SIGHUP: batchtop must be gone within a second,
/// not left running on the bastion host.
#[test]
fn hangup_exits_within_a_second_and_leaves_no_process() {
    let mut c = started();
    c.signal(Signal::SIGHUP);
    let status = c.wait_exit(Duration::from_secs(1)).expect("SIGHUP ends batchtop within 1 s");
    assert!(status.success(), "{status:?}");
    assert!(!c.process_exists(), "no batchtop process is left");
    assert_restored(&c, "SIGHUP");
}

#[test]
fn terminate_restores_the_terminal() {
    let mut c = started();
    c.signal(Signal::SIGTERM);
    c.wait_exit(Duration::from_secs(2)).expect("SIGTERM ends batchtop");
    assert_restored(&c, "SIGTERM");
}

/// A panic on the UI thread (forced by a test-only variable) puts the terminal
/// back before the panic message is printed, so the message is readable.
#[test]
fn a_panic_restores_the_terminal_and_the_message_is_readable() {
    let mut c = console(&["-n", "indexed"]).env("BATCHTOP_TEST_PANIC_AFTER_FIRST_FRAME", "1").spawn();
    let status = c.wait_exit(Duration::from_secs(30)).expect("the panic ends batchtop");
    assert!(!status.success(), "a panic is a failure: {status:?}");
    assert_restored(&c, "a panic");
    c.wait_for("panicked");
}

/// Shrinking and growing the terminal redraws every cell of the new size:
/// the status bar on the new last row, the help hint at the new right edge,
/// nothing left of the old layout.
#[test]
fn resizing_redraws_the_whole_screen() {
    let mut c = console(&["-n", "indexed"]).size(120, 30).spawn();
    c.wait_for("indexed-job");
    for (cols, rows) in [(80u16, 24u16), (140, 40), (60, 20)] {
        c.resize(cols, rows);
        c.wait_until(&format!("a clean frame at {cols}x{rows}"), Duration::from_secs(10), |s| {
            let last = s.row(rows - 1);
            let header = s.row(0);
            let status_rows = (0..rows).filter(|r| s.row(*r).contains("indexed │")).count();
            // Below 80 columns the help hint gives way to the tabs.
            let hint = cols < 80 || header.trim_end().ends_with("help");
            (header.starts_with("batchtop") && hint && last.contains("indexed") && status_rows == 1).then_some(())
        });
    }
    c.press(&[Key::Char('q')]);
    c.wait_exit(Duration::from_secs(5)).expect("q quits");
}
