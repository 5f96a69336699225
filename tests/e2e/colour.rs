//! Colour depths, end to end: the real console in a pseudo-terminal for each
//! kind of terminal an operator meets (24-bit, 256, 16 as `TERM=linux` and
//! `TERM=screen`, none as `NO_COLOR` and `TERM=dumb`), reading back what the
//! terminal received: the colours of a status cell and of a log line's own
//! colours, the escape forms written, and the selection without colour.

use std::time::{Duration, Instant};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, PostParams};
use serde_json::json;
use testkit::pty::{CellStyle, Color, Console, Key, Screen};
use testkit::sandbox::{DEADLINE, TestNamespace, admin};

use crate::support::console;

/// What a log line of the test pod asks for: 24-bit orange, 256-colour green,
/// classic red, and black on black (which must not stay invisible).
const LINE: &str = "colour {n}: \u{1b}[38;2;255;135;0morange\u{1b}[0m \u{1b}[38;5;82mgreen\u{1b}[0m \u{1b}[31mred\u{1b}[0m \u{1b}[30;40mhidden\u{1b}[0m";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    TrueColor,
    Ansi256,
    Ansi16,
    Mono,
}

/// A namespace with one Job whose pod logs [`LINE`] twice a second; removed on drop.
struct ColourPod {
    _namespace: TestNamespace,
    ns: String,
    pod: String,
}

impl ColourPod {
    async fn start() -> Self {
        let client = admin().await.client;
        let namespace = TestNamespace::create("colour").await;
        let ns = namespace.name.clone();
        let job: Job = serde_json::from_value(json!({
            "metadata": {"name": "painter"},
            "spec": {"template": {
                "metadata": {
                    "labels": {"sandbox.batchtop.dev/worker": "logger"},
                    "annotations": {
                        "sandbox.batchtop.dev/run-duration": "10m",
                        "sandbox.batchtop.dev/log-rate": "2",
                        "sandbox.batchtop.dev/log-text": LINE,
                    }
                },
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}
            }}
        }))
        .unwrap();
        let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
        if jobs.get_opt("painter").await.unwrap().is_none() {
            jobs.create(&PostParams::default(), &job).await.expect("create the painter Job");
        }
        let pods: Api<Pod> = Api::namespaced(client, &ns);
        let start = Instant::now();
        let pod = loop {
            let list = pods.list(&ListParams::default().labels("batch.kubernetes.io/job-name=painter")).await.unwrap();
            let running =
                list.items.iter().find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"));
            if let Some(name) = running.and_then(|p| p.metadata.name.clone()) {
                break name;
            }
            assert!(start.elapsed() < DEADLINE, "the painter pod did not start");
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        Self { _namespace: namespace, ns, pod }
    }
}

/// The style of the first cell of `text` on screen.
fn style_of(s: &Screen, text: &str) -> Option<CellStyle> {
    let (row, col) = s.find(text)?;
    s.style_at(row, col)
}

fn is_16(c: Color) -> bool {
    matches!(c, Color::Idx(0..16))
}

/// Checks one terminal kind: the Pods screen (a status colour, the selection),
/// then the painter's log (its colours as this terminal can show them).
fn check(painter: &ColourPod, term: &str, env: &[(&str, &str)], expect: Expect) {
    let mut launch = console(&["-n", &painter.ns]).size(140, 30).term(term);
    for (k, v) in env {
        launch = launch.env(k, v);
    }
    let mut c: Console = launch.spawn();
    let case = format!("TERM={term} {env:?}");
    c.press(&[Key::Char('3')]);
    let row = c.wait_until(&format!("{case}: the painter's pod running"), DEADLINE, |s| {
        let (row, _) = s.find(&painter.pod).filter(|(r, _)| *r > 1)?;
        s.row(row).contains("Running").then_some(row)
    });
    c.with_screen(|s| {
        // The selection shows without colour too: reverse video.
        let selected = s.style_at(row, 0).unwrap();
        assert!(selected.inverse, "{case}: the selected row is reversed: {selected:?}");
        // The status word's colour is one of the palette's 16 (none without colour).
        let line = s.row(row);
        let col = line[..line.find("Running").unwrap()].chars().count() as u16;
        let status = s.style_at(row, col).unwrap();
        if expect == Expect::Mono {
            assert_eq!(status.fg, Color::Default, "{case}: {status:?}");
        } else {
            assert!(is_16(status.fg), "{case}: the status colour is a palette colour: {status:?}");
        }
    });
    c.press(&[Key::Char('l')]);
    c.wait_until(&format!("{case}: coloured log lines"), DEADLINE, |s| s.find("hidden").map(|_| ()));
    c.with_screen(|s| {
        let orange = style_of(s, "orange").unwrap();
        let green = style_of(s, "green").unwrap();
        let red = style_of(s, "red").unwrap();
        let hidden = style_of(s, "hidden").unwrap();
        match expect {
            Expect::TrueColor => {
                assert_eq!(orange.fg, Color::Rgb(255, 135, 0), "{case}");
                assert_eq!(green.fg, Color::Idx(82), "{case}");
            }
            Expect::Ansi256 => {
                assert_eq!(orange.fg, Color::Idx(208), "{case}: the nearest of the 256");
                assert_eq!(green.fg, Color::Idx(82), "{case}");
            }
            Expect::Ansi16 => {
                assert!(is_16(orange.fg) && is_16(green.fg), "{case}: {orange:?} {green:?}");
            }
            Expect::Mono => {
                for (name, st) in [("orange", orange), ("green", green), ("red", red), ("hidden", hidden)] {
                    assert_eq!((st.fg, st.bg), (Color::Default, Color::Default), "{case}: {name} has no colour");
                }
            }
        }
        if expect != Expect::Mono {
            assert_eq!(red.fg, Color::Idx(1), "{case}: red is the palette's red");
            assert_ne!(hidden.fg, hidden.bg, "{case}: black on black stays readable: {hidden:?}");
        }
    });
    let raw = String::from_utf8_lossy(&c.raw_tail()).to_string();
    match expect {
        Expect::Ansi16 => {
            assert!(!raw.contains("38;5;") && !raw.contains("48;5;"), "{case}: no 256-colour escapes");
            assert!(!raw.contains("38;2;") && !raw.contains("48;2;"), "{case}: no 24-bit escapes");
            assert!(
                raw.contains("\u{1b}[32m") || raw.contains(";32m") || raw.contains("[32;"),
                "{case}: classic codes"
            );
        }
        Expect::Ansi256 => assert!(!raw.contains("38;2;"), "{case}: no 24-bit escapes"),
        Expect::Mono => {
            let colours: Vec<u32> = sgr_params(&raw).into_iter().filter(|p| sets_a_colour(*p)).collect();
            assert!(colours.is_empty(), "{case}: colour codes written: {colours:?}");
        }
        Expect::TrueColor => {}
    }
    c.press(&[Key::Esc, Key::Char('q')]);
    c.wait_exit(Duration::from_secs(5)).expect("q quits");
}

/// Environment variables set for one case.
type Env<'a> = &'a [(&'a str, &'a str)];

/// Every parameter of every `ESC[...m` in `raw`.
fn sgr_params(raw: &str) -> Vec<u32> {
    raw.split('\u{1b}')
        .filter_map(|seq| seq.strip_prefix('['))
        .filter_map(|seq| {
            let end = seq.find(|c: char| !c.is_ascii_digit() && c != ';')?;
            (seq[end..].starts_with('m')).then(|| &seq[..end])
        })
        .flat_map(|params| params.split(';').filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
        .collect()
}

/// An SGR parameter that sets a colour (resets, 39 and 49, set none).
fn sets_a_colour(p: u32) -> bool {
    matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_colour_depth_shows_what_the_terminal_can() {
    let painter = ColourPod::start().await;
    let cases: [(&str, Env, Expect); 6] = [
        ("xterm-256color", &[("COLORTERM", "truecolor")], Expect::TrueColor),
        ("xterm-256color", &[], Expect::Ansi256),
        ("linux", &[], Expect::Ansi16),
        ("screen", &[], Expect::Ansi16),
        ("xterm-256color", &[("NO_COLOR", "1")], Expect::Mono),
        ("dumb", &[], Expect::Mono),
    ];
    for (term, env, expect) in cases {
        tokio::task::block_in_place(|| check(&painter, term, env, expect));
    }
}

/// `--once` on a terminal colours its STATUS column; with `NO_COLOR`, or
/// `--color never`, it writes no colour at all (piped, it never does: the
/// other `--once` tests read it through a pipe).
#[test]
fn once_on_a_terminal_is_coloured_unless_told_not_to() {
    let run = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["--once", "-n", "indexed"];
        args.extend_from_slice(extra);
        let mut launch = console(&args).size(200, 30);
        for (k, v) in env {
            launch = launch.env(k, v);
        }
        let mut c = launch.spawn();
        let status = c.wait_exit(Duration::from_secs(60)).expect("--once ends");
        c.drain_output(Duration::from_secs(5));
        assert!(status.success(), "{status:?}\n{}", c.text());
        let complete = c.with_screen(|s| style_of(s, "Complete")).unwrap_or_else(|| panic!("{}", c.text()));
        (complete, sgr_params(&String::from_utf8_lossy(&c.raw_tail())))
    };
    let (coloured, _) = run(&[], &[]);
    assert!(is_16(coloured.fg), "Complete is green on a terminal: {coloured:?}");
    for (extra, env) in [(&[][..], &[("NO_COLOR", "1")][..]), (&["--color", "never"][..], &[][..])] {
        let (plain, params) = run(extra, env);
        assert_eq!(plain.fg, Color::Default, "{extra:?} {env:?}");
        assert!(!params.iter().any(|p| sets_a_colour(*p)), "{extra:?} {env:?}: {params:?}");
    }
}
