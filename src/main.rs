//! batchtop: a terminal console for Kubernetes batch work. This file only wires
//! the modes (console, `--once`) together.

use std::process::ExitCode;
use std::time::Duration;

use batchtop::cli::{Cli, Subcommand};
use batchtop::console::{self, ClientFactory};
use batchtop::report::once;
use batchtop::ui::theme::Theme;
use batchtop::{dist, exec_plugin, logging, logs_cmd, wait};
use clap::Parser;
use model::scope::{Namespaces, Scope};
use source::cluster::{self, Cluster};

fn main() -> ExitCode {
    // kube runs batchtop as the shim of an exec auth plugin: no flags, no log set-up here.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == cluster::EXEC_SHIM_ARG) && argv.get(2).is_some_and(|a| a == "--") {
        return exec_plugin::run(&argv[3..]);
    }
    let cli = match parse_cli() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // Needs no cluster, no runtime and no log file.
    if let Some(Subcommand::Generate { dir }) = &cli.command {
        return match dist::write(dir) {
            Ok(files) => {
                for f in &files {
                    println!("{}", f.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                logging::to_stderr(format_args!("cannot write to {}: {e}", dir.display()));
                ExitCode::from(1)
            }
        };
    }
    if let (Some(log), Ok(exe)) = (logging::init(cli.log_file.as_deref()), std::env::current_exe()) {
        // An exec auth plugin's stderr goes to the log file, through this binary.
        cluster::log_exec_plugin_stderr(exe, log);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            logging::to_stderr(format_args!("cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(run(cli));
    // Watch tasks may sit in a network read: do not wait for them.
    runtime.shutdown_timeout(Duration::from_millis(200));
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// The flags, or how to exit: help and version print and exit 0; a usage
/// error exits 2 as clap's do, except under `batchtop wait`, where scripts
/// read 2 as "the cluster is unreachable": 5 (bad arguments) there.
fn parse_cli() -> Result<Cli, ExitCode> {
    use clap::error::ErrorKind;
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(e) => {
            let _ = e.print();
            let usage_error = !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            let waiting = std::env::args().skip(1).any(|a| a == "wait");
            Err(match (usage_error, waiting) {
                (false, _) => ExitCode::SUCCESS,
                (true, true) => ExitCode::from(5),
                (true, false) => ExitCode::from(2),
            })
        }
    }
}

async fn run(cli: Cli) -> i32 {
    // Connect before touching the terminal, so a bad kubeconfig, context or
    // server is one line on stderr and exit code 2.
    let conn = match cluster::connect(cli.kubeconfig.as_deref(), cli.context.as_deref()).await {
        Ok(conn) => conn,
        Err(e) => {
            tracing::error!("{e}");
            logging::to_stderr(format_args!("{e}"));
            return e.exit_code();
        }
    };
    tracing::info!(context = %conn.context, server = %conn.server, "connected");
    if let Some(Subcommand::Logs(args)) = &cli.command {
        let Some(namespace) = one_namespace("logs", &cli, &conn) else { return 2 };
        return logs_cmd::run(conn.client, &namespace, args, cli.color.colours_stdout()).await;
    }
    if let Some(Subcommand::Wait(args)) = &cli.command {
        let Some(namespace) = one_namespace("wait", &cli, &conn) else { return 5 };
        return Box::pin(wait::run(&conn, &namespace, args, cli.selector.as_deref(), cli.readonly)).await;
    }
    let namespaces = Scope::resolve_namespaces(cli.all_namespaces, &cli.namespaces, conn.context_namespace.as_deref());
    if cli.once {
        let scope = Scope {
            namespaces,
            selector: cli.selector.clone(),
            kinds: Scope::ONCE_KINDS.to_vec(),
            events_of: Scope::ONCE_EVENTS_OF,
        };
        let (config, problems) = config::load(cli.config.as_deref());
        for p in &problems {
            logging::to_stderr(format_args!("config: {p}"));
        }
        return once::run(&conn, &scope, cli.timeout, cli.output, &config, cli.color.colours_stdout()).await;
    }
    console(&cli, conn, namespaces).await
}

/// The one namespace a subcommand reads, or `None` after saying why on stderr.
fn one_namespace(command: &str, cli: &Cli, conn: &Cluster) -> Option<String> {
    match logs_cmd::namespace_for(command, cli.all_namespaces, &cli.namespaces, conn.context_namespace.as_deref()) {
        Ok(ns) => Some(ns),
        Err(e) => {
            logging::to_stderr(format_args!("{e}"));
            None
        }
    }
}

async fn console(cli: &Cli, conn: Cluster, namespaces: Namespaces) -> i32 {
    // A bad config is reported in the console (and the log); batchtop runs on without it.
    let (config, config_problems) = config::load(cli.config.as_deref());
    for p in &config_problems {
        tracing::warn!("config: {p}");
    }
    let kubeconfig = cli.kubeconfig.clone();
    // Switching context at runtime builds a new client from the same kubeconfig.
    let client_for: ClientFactory = Box::new(move |context: &str| {
        let (kubeconfig, context) = (kubeconfig.clone(), context.to_string());
        Box::pin(async move { cluster::connect(kubeconfig.as_deref(), Some(&context)).await.map(|c| c.client) })
    });
    let options = console::Options {
        context: conn.context,
        contexts: conn.contexts,
        namespaces,
        selector: cli.selector.clone(),
        client: Some(conn.client),
        client_for,
        theme: Theme::for_depth(cli.color.depth()),
        max_fps: cli.max_fps,
        config,
        config_problems,
        readonly: cli.readonly,
        log_lines: cli.log_lines as usize,
    };
    match console::run(options).await {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("{e:#}");
            logging::to_stderr(format_args!("{e:#}"));
            1
        }
    }
}
