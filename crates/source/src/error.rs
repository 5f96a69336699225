//! Error text as the console and the logs show it.

use kube::client::AuthError;

/// The error and its sources on one line ("watch stream failed: ...: connection refused").
/// An exec auth plugin's failure is the whole line ([`auth_line`]): every
/// wrapper of it repeats kube's text, which must not be shown.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = std::iter::successors(Some(err), |e| e.source());
    if let Some(auth) = chain.find_map(|e| e.downcast_ref::<AuthError>()) {
        return auth_line(auth);
    }
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// kube's text for a failed exec plugin carries the whole command (with the
/// environment it was given) and the plugin's raw stdout and stderr: not a
/// line for the screen, and stdout may hold a credential. The screen gets the
/// exit status; the log file gets the plugin's stderr (never its stdout).
fn auth_line(err: &AuthError) -> String {
    match err {
        AuthError::AuthExecRun { out, .. } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            for line in stderr.lines().filter(|l| !l.trim().is_empty()).take(STDERR_LINES_LOGGED) {
                let line = model::redact::mask_credentials(line, &[]);
                tracing::warn!(stderr = %model::text::sanitize(&line), "exec auth plugin failed");
            }
            format!("the exec auth plugin of the kubeconfig failed ({}; its stderr is in the log file)", out.status)
        }
        AuthError::AuthExecParse(_) => {
            "the exec auth plugin of the kubeconfig printed no readable ExecCredential".into()
        }
        other => other.to_string(),
    }
}

/// How many lines of a plugin's stderr go to the log file.
pub const STDERR_LINES_LOGGED: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn a_failed_exec_plugin_is_one_line_without_its_output() {
        let out = std::process::Output {
            status: std::process::ExitStatus::from_raw(1 << 8),
            stdout: b"{\"status\":{\"token\":\"secret-token\"}}".to_vec(),
            stderr: b"login required\nopen https://login.example/device\n".to_vec(),
        };
        let err = kube::Error::Auth(AuthError::AuthExecRun { cmd: "SECRET_ENV=x plugin".into(), out: Box::new(out) });
        let line = error_chain(&err);
        assert!(line.contains("exec auth plugin") && line.contains("exit status: 1"), "{line}");
        for leak in ["secret-token", "SECRET_ENV", "login required", "\n"] {
            assert!(!line.contains(leak), "{leak} in {line}");
        }
    }
}
