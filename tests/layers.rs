//! The layers, checked: `cargo test --test layers`.
//!
//! Cargo already refuses a cycle between crates; this test holds the rest of
//! the architecture the README describes:
//! - each workspace crate depends only on the crates below it, and the model
//!   (and the config) on no async runtime, kube client, broker client or
//!   terminal library, even indirectly;
//! - the testkit is only ever a dev-dependency;
//! - inside the binary crate, no module reaches into a layer above it, the ui
//!   never takes the console's state mutably, and the runner is the one place
//!   of the console that spawns;
//! - the model reads no clock, file, environment or network.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Workspace crates (package names) and the workspace crates each may depend on.
const ALLOWED: &[(&str, &[&str])] = &[
    ("batchtop-model", &[]),
    ("batchtop-config", &["batchtop-model"]),
    ("batchtop-source", &["batchtop-model"]),
    ("batchtop-action", &["batchtop-model"]),
    ("batchtop-testkit", &["batchtop-model", "batchtop-source"]),
    ("batchtop", &["batchtop-model", "batchtop-config", "batchtop-source", "batchtop-action"]),
];

/// Libraries that do I/O or drive a terminal: not in the model or the config, even indirectly.
const IO_CRATES: &[&str] =
    &["tokio", "kube", "kube-client", "k8s-openapi", "hyper", "reqwest", "lapin", "redis", "ratatui", "crossterm"];

/// Normal (not dev, not build) dependencies of every workspace package, as `cargo metadata` resolves them.
struct Graph {
    /// package id -> (name, normal dependency ids)
    nodes: BTreeMap<String, (String, Vec<String>)>,
    workspace: BTreeMap<String, String>,
}

impl Graph {
    fn load() -> Graph {
        let out = Command::new(env!("CARGO"))
            .args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(root().join("Cargo.toml"))
            .output()
            .expect("running cargo metadata");
        assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
        let names: BTreeMap<String, String> = meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["id"].as_str().unwrap().to_string(), p["name"].as_str().unwrap().to_string()))
            .collect();
        let mut nodes = BTreeMap::new();
        for node in meta["resolve"]["nodes"].as_array().unwrap() {
            let id = node["id"].as_str().unwrap().to_string();
            let normal = node["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
                .map(|d| d["pkg"].as_str().unwrap().to_string())
                .collect();
            nodes.insert(id.clone(), (names[&id].clone(), normal));
        }
        let workspace = meta["workspace_members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| (names[id.as_str().unwrap()].clone(), id.as_str().unwrap().to_string()))
            .collect();
        Graph { nodes, workspace }
    }

    fn id(&self, package: &str) -> &str {
        self.workspace.get(package).unwrap_or_else(|| panic!("{package} is not a workspace member"))
    }

    fn direct(&self, package: &str) -> BTreeSet<String> {
        self.nodes[self.id(package)].1.iter().map(|d| self.nodes[d].0.clone()).collect()
    }

    /// Every package `package` needs to build (normal dependencies, transitively).
    fn closure(&self, package: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![self.id(package).to_string()];
        while let Some(id) = todo.pop() {
            for dep in &self.nodes[&id].1 {
                if seen.insert(self.nodes[dep].0.clone()) {
                    todo.push(dep.clone());
                }
            }
        }
        seen
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn each_crate_depends_only_on_the_crates_below_it() {
    let graph = Graph::load();
    let members: BTreeSet<&str> = graph.workspace.keys().map(String::as_str).collect();
    let listed: BTreeSet<&str> = ALLOWED.iter().map(|(p, _)| *p).collect();
    assert_eq!(members, listed, "every workspace crate has its place in ALLOWED (and the README's tree)");
    for (package, allowed) in ALLOWED {
        let workspace_deps: BTreeSet<String> =
            graph.direct(package).into_iter().filter(|d| members.contains(d.as_str())).collect();
        let allowed: BTreeSet<String> = allowed.iter().map(std::string::ToString::to_string).collect();
        assert!(workspace_deps.is_subset(&allowed), "{package} depends on {workspace_deps:?}; allowed: {allowed:?}");
    }
}

#[test]
fn the_model_and_the_config_do_no_io() {
    let graph = Graph::load();
    for package in ["batchtop-model", "batchtop-config"] {
        let closure = graph.closure(package);
        let io: Vec<&&str> = IO_CRATES.iter().filter(|c| closure.contains(**c)).collect();
        assert!(io.is_empty(), "{package} pulls in {io:?}");
    }
}

#[test]
fn the_testkit_is_never_shipped() {
    let graph = Graph::load();
    for package in graph.workspace.keys() {
        assert!(
            !graph.direct(package).contains("batchtop-testkit"),
            "{package} depends on the testkit outside its tests"
        );
    }
}

/// Files that are test modules through and through (declared `#[cfg(test)] mod ...;`).
const TEST_MODULES: &[&str] = &["tests.rs", "snapshots.rs", "every_screen.rs", "test_support.rs"];

/// The Rust files below `dir` with their text, but for test modules.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let test_module = path.file_name().is_some_and(|n| TEST_MODULES.iter().any(|t| n == *t));
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") && !test_module {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path, text));
        }
    }
    out
}

/// The code of a file without its test module (tests may reach anywhere) and comments.
fn code(text: &str) -> String {
    let main = text.split("#[cfg(test)]").next().unwrap_or_default();
    main.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Modules of the binary crate and the paths they must not use: the layer above them.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "console/state",
        &[
            "crate::ui",
            "crate::console::update",
            "crate::console::runner",
            "crate::report",
            "super::update",
            "super::runner",
        ],
    ),
    ("console/update", &["crate::console::runner", "super::runner", "crate::report"]),
    ("console/keys.rs", &["crate::ui", "crate::console::update", "crate::console::runner"]),
    ("ui", &["crate::console::update", "crate::console::runner", "crate::report"]),
    ("report", &["crate::console", "crate::ui"]),
    ("cli.rs", &["crate::console", "crate::ui", "crate::report"]),
    ("dist.rs", &["crate::console", "crate::ui", "crate::report"]),
];

#[test]
fn no_module_of_the_binary_reaches_into_a_layer_above() {
    let src = root().join("src");
    let mut violations = Vec::new();
    for (module, forbidden) in FORBIDDEN {
        let path = src.join(module);
        let files =
            if path.is_dir() { sources(&path) } else { vec![(path.clone(), std::fs::read_to_string(&path).unwrap())] };
        for (file, text) in files {
            let code = code(&text);
            for f in *forbidden {
                if code.contains(f) {
                    violations.push(format!("{} uses {f}", file.strip_prefix(root()).unwrap().display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "layer violations:\n{}", violations.join("\n"));
}

#[test]
fn the_ui_only_reads_the_console_state() {
    for (file, text) in sources(&root().join("src/ui")) {
        let code = code(&text);
        assert!(!code.contains("&mut App"), "{} takes the App mutably", file.display());
        assert!(!code.contains("std::cell"), "{} mutates through a cell", file.display());
    }
}

#[test]
fn the_runner_is_the_only_place_of_the_console_that_spawns() {
    let src = root().join("src");
    for dir in ["console", "ui", "report"] {
        for (file, text) in sources(&src.join(dir)) {
            if file.ends_with("console/runner.rs") {
                continue;
            }
            assert!(!code(&text).contains("spawn("), "{} spawns", file.display());
        }
    }
}

#[test]
fn the_model_reads_no_clock_file_environment_or_network() {
    for (file, text) in sources(&root().join("crates/model/src")) {
        let code = code(&text);
        for io in
            ["Utc::now", "std::fs", "std::env", "std::net", "std::process", "std::io", "SystemTime", "Instant::now"]
        {
            assert!(!code.contains(io), "{} uses {io}", file.display());
        }
    }
}
