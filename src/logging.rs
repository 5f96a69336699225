//! Tracing to a log file, never to the terminal (the console owns it, and
//! `--once` output must stay clean for scripts); and the one way batchtop
//! writes a message to stderr.
//!
//! The log file is private (0600: it holds cluster names, object names and
//! errors), capped at [`MAX_LOG_BYTES`] with one previous generation kept
//! (`batchtop.log.1`), and every line goes through [`mask_url`] on its way
//! in, whatever logged it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use model::redact::mask_url;
use tracing_subscriber::EnvFilter;

/// The environment variable with the log filter (`info` when unset).
pub const LOG_ENV: &str = "BATCHTOP_LOG";

/// The log file's size cap: past it, the file becomes `<name>.1` (replacing the
/// one before) and a new one starts.
pub const MAX_LOG_BYTES: u64 = 10 * 1024 * 1024;

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
    let file = LogFile::open(path.clone(), MAX_LOG_BYTES).ok()?;
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Mutex::new(file)).try_init().ok()?;
    Some(path)
}

/// Writes `batchtop: <message>` to stderr, the message made safe first: no
/// password (it may quote a URL) and no escape sequence or control character
/// (it may quote the cluster: an object name, an API error, a log line).
pub fn to_stderr(message: impl std::fmt::Display) {
    eprintln!("batchtop: {}", stderr_text(&message.to_string()));
}

/// What [`to_stderr`] prints after `batchtop: `: each line sanitised (an
/// explanation may have several; a carriage return cannot rewrite one).
pub fn stderr_text(message: &str) -> String {
    mask_url(message).lines().map(model::text::sanitize).collect::<Vec<_>>().join("\n")
}

/// The log file: private, capped, masked.
pub struct LogFile {
    path: PathBuf,
    file: File,
    written: u64,
    cap: u64,
}

impl LogFile {
    /// Opens (appending) or creates `path` with mode 0600, and makes an
    /// existing file 0600 too. A file already past `cap` is rotated first.
    pub fn open(path: PathBuf, cap: u64) -> io::Result<Self> {
        let file = open_private(&path)?;
        let written = file.metadata()?.len();
        let mut log = Self { path, file, written, cap };
        if log.written >= cap {
            log.rotate()?;
        }
        Ok(log)
    }

    fn rotate(&mut self) -> io::Result<()> {
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, old)?;
        self.file = open_private(&self.path)?;
        self.written = 0;
        Ok(())
    }
}

fn open_private(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    // `mode` applies only when the file is created: an older, wider one is narrowed.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

impl Write for LogFile {
    /// Takes one formatted event per call (tracing formats an event whole, then
    /// writes it once) and masks it whole: a `write!` in pieces would be masked
    /// piece by piece.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let masked = mask_url(&String::from_utf8_lossy(buf));
        if self.written > 0 && self.written + masked.len() as u64 > self.cap {
            self.rotate()?;
        }
        self.file.write_all(masked.as_bytes())?;
        self.written += masked.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A directory of its own per test (removed with it) and the log path in it.
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn temp_log() -> (Scratch, PathBuf) {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("batchtop-log-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("batchtop.log");
        (Scratch(dir), path)
    }

    #[test]
    fn the_log_file_is_private_even_when_it_was_not() {
        let (_dir, path) = temp_log();
        drop(LogFile::open(path.clone(), 1000).expect("open"));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(LogFile::open(path.clone(), 1000).expect("reopen"));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn the_log_file_is_capped_keeping_one_generation() {
        let (_dir, path) = temp_log();
        let mut log = LogFile::open(path.clone(), 100).expect("open");
        for i in 0..30 {
            log.write_all(format!("line {i:02} of the log\n").as_bytes()).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap();
        let previous = std::fs::read_to_string(path.with_extension("log.1")).unwrap();
        assert!(current.len() <= 100 && previous.len() <= 100, "{current:?} {previous:?}");
        assert!(current.ends_with("line 29 of the log\n"), "{current:?}");
        assert_eq!(std::fs::metadata(path.with_extension("log.1")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn stderr_text_is_one_safe_line() {
        assert_eq!(stderr_text("job \x1b[2Jx\rfailed: amqp://u:p w@h"), "job x failed: amqp://u:***@h");
        assert_eq!(stderr_text("no logs\nhint: \x07wait"), "no logs\nhint: wait");
    }

    proptest! {
        #[test]
        fn no_password_reaches_the_log_file_or_stderr(pw in "[ -~]{6,24}") {
            let (_dir, path) = temp_log();
            let mut log = LogFile::open(path.clone(), 10_000).expect("open");
            log.write_all(format!("poll failed: redis://:{pw}@redis:6379/0: refused\n").as_bytes()).unwrap();
            let logged = std::fs::read_to_string(&path).unwrap();
            prop_assert_eq!(logged, "poll failed: redis://:***@redis:6379/0: refused\n");
            let shown = stderr_text(&format!("poll failed: redis://:{pw}@redis:6379/0: refused"));
            prop_assert_eq!(shown, "poll failed: redis://:***@redis:6379/0: refused");
        }
    }
}
