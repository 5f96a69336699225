//! Tracing to a log file, never to the terminal (the console owns it, and
//! `--once` output must stay clean for scripts).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// The environment variable with the log filter (`info` when unset).
pub const LOG_ENV: &str = "BATCHTOP_LOG";

/// `$XDG_STATE_HOME/batchtop/batchtop.log`, else `~/.local/state/batchtop/batchtop.log`.
pub fn default_log_file() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))?;
    Some(state.join("batchtop").join("batchtop.log"))
}

/// Starts logging to `path` (or the default file). Logging is best effort:
/// when the file cannot be opened batchtop runs without a log rather than
/// writing to the terminal or refusing to start. Returns the file in use.
pub fn init(path: Option<&Path>) -> Option<PathBuf> {
    let path = path.map(Path::to_path_buf).or_else(default_log_file)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = OpenOptions::new().create(true).append(true).open(&path).ok()?;
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Mutex::new(file)).try_init().ok()?;
    Some(path)
}
