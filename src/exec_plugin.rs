//! `batchtop __exec-auth-plugin -- COMMAND ARGS...`: batchtop as the shim
//! kube runs instead of a kubeconfig's exec auth plugin (see
//! `source::cluster::log_exec_plugin_stderr`). It runs the plugin with no
//! terminal, hands its stdout (the ExecCredential) to kube unchanged, and
//! writes what the plugin said on stderr to batchtop's log file, with the
//! credential it printed, any token and any URL password masked. kube drops
//! a succeeding plugin's stderr, so without the shim it would be lost.
//!
//! On failure the plugin's stderr goes to the shim's stderr instead: kube
//! puts it in its error, which batchtop logs and words as one line
//! (`source::error`), as it did before the shim.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use model::redact::mask_credentials;
use source::cluster::EXEC_LOG_ENV;
use source::error::STDERR_LINES_LOGGED;

/// Runs `plugin` (its command and arguments) as kube would, and exits as it did.
pub fn run(plugin: &[OsString]) -> ExitCode {
    let Some((command, args)) = plugin.split_first() else {
        eprintln!("batchtop: {}: no plugin command", source::cluster::EXEC_SHIM_ARG);
        return ExitCode::from(2);
    };
    let log = std::env::var_os(EXEC_LOG_ENV);
    let out = match Command::new(command).args(args).env_remove(EXEC_LOG_ENV).stdin(Stdio::null()).output() {
        Ok(out) => out,
        Err(e) => {
            // kube words this as the plugin's failure (its exit status), the log says why.
            eprintln!("cannot run {}: {e}", command.to_string_lossy());
            return ExitCode::from(1);
        }
    };
    let mut stdout = std::io::stdout();
    if stdout.write_all(&out.stdout).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(1);
    }
    if !out.status.success() {
        let _ = std::io::stderr().write_all(&out.stderr);
        return ExitCode::from(u8::try_from(out.status.code().unwrap_or(1)).unwrap_or(1));
    }
    if let Some(log) = log.filter(|_| !out.stderr.is_empty()) {
        log_stderr(Path::new(&log), &plugin_name(command), &out.stdout, &out.stderr);
    }
    ExitCode::SUCCESS
}

/// The plugin's file name: its directory may name the user's home.
fn plugin_name(command: &OsString) -> String {
    Path::new(command).file_name().unwrap_or(command).to_string_lossy().into_owned()
}

/// Writes the stderr lines of a plugin that succeeded to the log file.
fn log_stderr(log: &Path, plugin: &str, credential: &[u8], stderr: &[u8]) {
    if crate::logging::init(Some(log)).is_none() {
        return;
    }
    for line in masked_lines(credential, stderr) {
        tracing::info!(plugin, stderr = %line, "exec auth plugin succeeded");
    }
}

/// The first lines of `stderr`, made safe for the log: the secrets of the
/// credential the plugin printed (`credential`), any token and any URL
/// password masked, control characters removed.
fn masked_lines(credential: &[u8], stderr: &[u8]) -> Vec<String> {
    let secrets = secrets_of(credential);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let text = mask_credentials(&String::from_utf8_lossy(stderr), &secrets);
    text.lines().filter(|l| !l.trim().is_empty()).take(STDERR_LINES_LOGGED).map(model::text::sanitize).collect()
}

/// The secret fields of an ExecCredential (JSON, the form every common
/// plugin prints): its token and its client key.
fn secrets_of(credential: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(credential) else { return Vec::new() };
    ["token", "clientKeyData"]
        .iter()
        .filter_map(|field| value["status"][field].as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_never_reaches_the_log_lines() {
        let credential = br#"{"kind":"ExecCredential","status":{"token":"tok-Zq9-123","clientKeyData":"KEY-Zq9"}}"#;
        let stderr = b"using token tok-Zq9-123\n\n\x1b[31mkey KEY-Zq9\x1b[0m via https://u:Zq9pw@sso.example\n";
        let lines = masked_lines(credential, stderr);
        assert_eq!(lines, ["using token ***", "key *** via https://u:***@sso.example"]);
    }

    #[test]
    fn only_the_first_lines_are_kept() {
        let stderr = (0..100).map(|i| format!("line {i}")).collect::<Vec<_>>().join("\n");
        assert_eq!(masked_lines(b"not json", stderr.as_bytes()).len(), STDERR_LINES_LOGGED);
    }
}
