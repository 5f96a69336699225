//! Building the kube `Client` from `--kubeconfig` / `--context`, with one clear
//! line for every way it can go wrong (missing file, unknown context, server
//! unreachable, credentials refused). All of them exit with code 2.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{ExecInteractiveMode, KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::error_chain;

/// How long connecting to the API server may take before we call it unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A client for one kubeconfig context, and what the kubeconfig says about it.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    /// The kubeconfig context in use.
    pub context: String,
    /// The namespace the context sets, if it sets one.
    pub context_namespace: Option<String>,
    /// The API server URL.
    pub server: String,
    /// Every context of the kubeconfig, for a context picker.
    pub contexts: Vec<String>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("context", &self.context)
            .field("context_namespace", &self.context_namespace)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("kubeconfig {0} does not exist")]
    MissingKubeconfig(PathBuf),
    #[error("no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config")]
    NoKubeconfig,
    #[error("cannot read kubeconfig {path}: {reason}")]
    BadKubeconfig { path: String, reason: String },
    #[error("context \"{name}\" not found in kubeconfig {source_name} (available: {available})")]
    UnknownContext { name: String, source_name: String, available: String },
    #[error("kubeconfig {source_name} has no current-context: pass --context (available: {available})")]
    NoCurrentContext { source_name: String, available: String },
    #[error("context \"{context}\" is not usable: {reason}")]
    BadContext { context: String, reason: String },
    #[error("cannot reach the API server {server} (context \"{context}\"): {reason}")]
    Unreachable { server: String, context: String, reason: String },
    #[error("the API server {server} refused the credentials of context \"{context}\": {reason}")]
    Unauthorized { server: String, context: String, reason: String },
}

impl ConnectError {
    /// The process exit code: 2, "could not reach or authenticate to the cluster".
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// Where the kubeconfig came from, for messages.
struct Loaded {
    kubeconfig: Kubeconfig,
    source_name: String,
}

/// Reads the kubeconfig: `--kubeconfig` if given, else `KUBECONFIG` (a list;
/// like kubectl, files of the list that do not exist are skipped), else
/// `~/.kube/config`.
fn load_kubeconfig(explicit: Option<&Path>) -> Result<Loaded, ConnectError> {
    if let Some(path) = explicit {
        return read_one(path).map(|kubeconfig| Loaded { kubeconfig, source_name: path.display().to_string() });
    }
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let paths: Vec<PathBuf> = std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()).collect();
        let existing: Vec<&PathBuf> = paths.iter().filter(|p| p.exists()).collect();
        if existing.is_empty() {
            let shown = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":");
            return Err(ConnectError::MissingKubeconfig(PathBuf::from(format!("{shown} (from KUBECONFIG)"))));
        }
        let mut merged = Kubeconfig::default();
        for p in &existing {
            merged = merged
                .merge(read_one(p)?)
                .map_err(|e| ConnectError::BadKubeconfig { path: p.display().to_string(), reason: e.to_string() })?;
        }
        let source_name = existing.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(":");
        return Ok(Loaded { kubeconfig: merged, source_name });
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).ok_or(ConnectError::NoKubeconfig)?;
    let path = home.join(".kube").join("config");
    if !path.exists() {
        return Err(ConnectError::NoKubeconfig);
    }
    read_one(&path).map(|kubeconfig| Loaded { kubeconfig, source_name: path.display().to_string() })
}

fn read_one(path: &Path) -> Result<Kubeconfig, ConnectError> {
    if !path.exists() {
        return Err(ConnectError::MissingKubeconfig(path.to_path_buf()));
    }
    Kubeconfig::read_from(path).map_err(|e| ConnectError::BadKubeconfig {
        path: path.display().to_string(),
        reason: model::text::one_line(&error_chain(&e)),
    })
}

/// The context to use (explicit or current) and the namespace it sets.
fn choose_context(loaded: &Loaded, explicit: Option<&str>) -> Result<(String, Option<String>), ConnectError> {
    let contexts = &loaded.kubeconfig.contexts;
    let available = || {
        let names: Vec<&str> = contexts.iter().map(|c| c.name.as_str()).collect();
        if names.is_empty() { "none".to_string() } else { names.join(", ") }
    };
    let name = match explicit.or(loaded.kubeconfig.current_context.as_deref()).filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => {
            return Err(ConnectError::NoCurrentContext {
                source_name: loaded.source_name.clone(),
                available: available(),
            });
        }
    };
    let Some(found) = contexts.iter().find(|c| c.name == name) else {
        return Err(ConnectError::UnknownContext {
            name,
            source_name: loaded.source_name.clone(),
            available: available(),
        });
    };
    let namespace = found.context.as_ref().and_then(|c| c.namespace.clone()).filter(|n| !n.is_empty());
    Ok((name, namespace))
}

/// Builds the client for the chosen context without talking to the server.
pub async fn client_for(kubeconfig: Option<&Path>, context: Option<&str>) -> Result<Cluster, ConnectError> {
    let loaded = load_kubeconfig(kubeconfig)?;
    let (context, context_namespace) = choose_context(&loaded, context)?;
    let contexts = loaded.kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let options = KubeConfigOptions { context: Some(context.clone()), ..Default::default() };
    let bad = |e: &(dyn std::error::Error + 'static)| ConnectError::BadContext {
        context: context.clone(),
        reason: model::text::one_line(&error_chain(e)),
    };
    let mut config = Config::from_custom_kubeconfig(loaded.kubeconfig, &options).await.map_err(|e| bad(&e))?;
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    never_interactive(&mut config);
    // kube retries 429/503/504 by default, up to 15 times over many minutes and
    // without a word. batchtop retries nothing silently: watches back off and
    // show Retrying, and a drain reports each eviction a disruption budget
    // refuses (429) before trying again.
    config.default_retry = false;
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| bad(&e))?;
    Ok(Cluster { client, context, context_namespace, server, contexts })
}

/// Exec auth plugins (EKS, GKE, AKS kubeconfigs) run with no terminal: kube
/// otherwise hands them batchtop's stdin and stderr, so a token refresh or a
/// context switch would print over the console (which ratatui never repaints)
/// and a plugin that prompts would fight it for keys while every API call
/// waits on the token. Without a terminal kube captures the plugin's stderr;
/// when the plugin fails, [`crate::error::error_chain`] logs it and shows one
/// line. When it succeeds kube drops it: with [`log_exec_plugin_stderr`] the
/// plugin runs under batchtop's own shim, which logs it.
fn never_interactive(config: &mut Config) {
    if let Some(exec) = &mut config.auth_info.exec {
        exec.interactive_mode = Some(ExecInteractiveMode::Never);
        if let Some(shim) = EXEC_SHIM.get() {
            shim.wrap(exec);
        }
    }
}

/// The first argument that makes batchtop the shim of an exec auth plugin:
/// `batchtop __exec-auth-plugin -- COMMAND ARGS...` (the binary's `exec_plugin`).
pub const EXEC_SHIM_ARG: &str = "__exec-auth-plugin";

/// The environment variable that tells the shim which log file to write.
pub const EXEC_LOG_ENV: &str = "BATCHTOP_EXEC_PLUGIN_LOG";

/// How an exec auth plugin is run so that its stderr is logged: kube runs
/// this binary, which runs the plugin, hands its stdout (the credential) to
/// kube and writes its stderr, masked, to the log file. kube (5.0) captures
/// the stderr of a non-interactive plugin and drops it on success, with no
/// way to read it; this is the one place between the kubeconfig and kube.
#[derive(Debug)]
struct ExecShim {
    /// batchtop itself.
    exe: PathBuf,
    log: PathBuf,
}

static EXEC_SHIM: std::sync::OnceLock<ExecShim> = std::sync::OnceLock::new();

/// From now on every exec auth plugin runs under `exe` (this binary, which
/// must handle [`EXEC_SHIM_ARG`]), which logs what the plugin writes to
/// stderr into `log`. Called once, at start-up, by a binary with a log file;
/// without it a plugin's stderr is captured and dropped, as kube does.
pub fn log_exec_plugin_stderr(exe: PathBuf, log: PathBuf) {
    let _ = EXEC_SHIM.set(ExecShim { exe, log });
}

impl ExecShim {
    /// `command args...` becomes `exe __exec-auth-plugin -- command args...`,
    /// with the log file in the environment (kube sets `exec.env` on the
    /// process it starts; the shim removes it before starting the plugin).
    fn wrap(&self, exec: &mut kube::config::ExecConfig) {
        let Some(command) = exec.command.take() else { return };
        let mut args = vec![EXEC_SHIM_ARG.to_string(), "--".into(), command];
        args.extend(exec.args.take().unwrap_or_default());
        exec.command = Some(self.exe.to_string_lossy().into_owned());
        exec.args = Some(args);
        let var = [("name", EXEC_LOG_ENV.to_string()), ("value", self.log.to_string_lossy().into_owned())];
        exec.env.get_or_insert_with(Vec::new).push(var.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    }
}

/// Builds the client and checks the server answers and accepts the
/// credentials (GET /version: authentication runs on every request, so bad
/// credentials get 401 here; it needs no RBAC grant and writes nothing).
pub async fn connect(kubeconfig: Option<&Path>, context: Option<&str>) -> Result<Cluster, ConnectError> {
    let conn = client_for(kubeconfig, context).await?;
    probe(&conn).await?;
    Ok(conn)
}

pub async fn probe(conn: &Cluster) -> Result<(), ConnectError> {
    let unreachable = |reason: String| ConnectError::Unreachable {
        server: conn.server.clone(),
        context: conn.context.clone(),
        reason,
    };
    // Connect timeout plus a little for TLS and the answer itself.
    let deadline = CONNECT_TIMEOUT + Duration::from_secs(5);
    match tokio::time::timeout(deadline, conn.client.apiserver_version()).await {
        Err(_) => Err(unreachable(format!("no answer within {}s", deadline.as_secs()))),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(kube::Error::Api(status))) if status.code == 401 => Err(ConnectError::Unauthorized {
            server: conn.server.clone(),
            context: conn.context.clone(),
            reason: format!("401 {}", model::text::one_line(&status.message)),
        }),
        // 403 on /version: authenticated, just not allowed to read it. The
        // watches will report what they may and may not list.
        Ok(Err(kube::Error::Api(status))) if status.code == 403 => Ok(()),
        Ok(Err(e)) => Err(unreachable(model::text::one_line(&root_cause(&e)))),
    }
}

/// The innermost cause ("Cluster refused (os error 111)") reads better on
/// one line than kube's whole chain of wrappers; keep the chain when short.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let chain = error_chain(err);
    if chain.len() <= 160 {
        return chain;
    }
    let mut last = err;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(yaml: &str) -> Loaded {
        Loaded { kubeconfig: Kubeconfig::from_yaml(yaml).unwrap(), source_name: "test".into() }
    }

    const TWO_CONTEXTS: &str = r#"
apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: t}
contexts:
- name: admin
  context: {cluster: c, user: u}
- name: limited
  context: {cluster: c, user: u, namespace: indexed}
"#;

    #[test]
    fn context_is_explicit_or_current_and_carries_its_namespace() {
        let l = loaded(TWO_CONTEXTS);
        assert_eq!(choose_context(&l, None).unwrap(), ("admin".into(), None));
        assert_eq!(choose_context(&l, Some("limited")).unwrap(), ("limited".into(), Some("indexed".into())));
        let err = choose_context(&l, Some("nope")).unwrap_err().to_string();
        assert_eq!(err, "context \"nope\" not found in kubeconfig test (available: admin, limited)");
    }

    #[tokio::test]
    async fn exec_plugins_never_get_the_terminal() {
        let yaml = r#"
apiVersion: v1
kind: Config
current-context: exec
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: plugin, interactiveMode: Always}
contexts:
- name: exec
  context: {cluster: c, user: u}
"#;
        let options = KubeConfigOptions { context: Some("exec".into()), ..Default::default() };
        let mut config = Config::from_custom_kubeconfig(Kubeconfig::from_yaml(yaml).unwrap(), &options).await.unwrap();
        never_interactive(&mut config);
        assert_eq!(config.auth_info.exec.unwrap().interactive_mode, Some(ExecInteractiveMode::Never));
    }

    #[test]
    fn the_shim_runs_the_plugin_with_its_arguments_and_the_log_file() {
        let shim = ExecShim { exe: "/usr/bin/batchtop".into(), log: "/tmp/b.log".into() };
        let mut exec = kube::config::ExecConfig {
            command: Some("aws".into()),
            args: Some(vec!["eks".into(), "get-token".into()]),
            ..Default::default()
        };
        shim.wrap(&mut exec);
        assert_eq!(exec.command.as_deref(), Some("/usr/bin/batchtop"));
        assert_eq!(exec.args.unwrap(), ["__exec-auth-plugin", "--", "aws", "eks", "get-token"]);
        let env = exec.env.unwrap();
        assert_eq!(env[0].get("name").map(String::as_str), Some(EXEC_LOG_ENV));
        assert_eq!(env[0].get("value").map(String::as_str), Some("/tmp/b.log"));
    }

    #[test]
    fn missing_file_is_named() {
        let err = read_one(Path::new("/nonexistent/kubeconfig")).unwrap_err();
        assert_eq!(err.to_string(), "kubeconfig /nonexistent/kubeconfig does not exist");
        assert_eq!(err.exit_code(), 2);
    }
}
