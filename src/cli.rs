//! Command-line flags (clap). Connection and scope flags are global so they
//! also apply after a subcommand (`batchtop logs ... --context x`).

use std::path::PathBuf;
use std::time::Duration;

use std::io::IsTerminal;

use clap::{Parser, ValueEnum};
use model::palette::Depth;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "batchtop",
    version,
    about = "A terminal console for Kubernetes batch work: Jobs, Pods, CronJobs and the queues that feed them",
    after_help = "Without -n or -A, batchtop watches the namespace the kubeconfig context sets, \
                  or all namespaces when the context sets none.\n\
                  Exit codes of --once: 0 all good, 1 some listed Job failed, \
                  2 could not reach, authenticate to, or list anything from the cluster."
)]
pub struct Cli {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: its current-context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// Watch this namespace (repeatable, or comma-separated).
    #[arg(short = 'n', long = "namespace", global = true, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespaces: Vec<String>,

    /// Watch all namespaces.
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,

    /// Label selector for Jobs and Pods, e.g. `jobgroup=jobexample` (kubectl syntax).
    #[arg(short = 'l', long, global = true, value_name = "SELECTOR", value_parser = parse_selector)]
    pub selector: Option<String>,

    /// Print the current state once and exit (for scripts and CI).
    #[arg(long)]
    pub once: bool,

    /// Output format of --once.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Text, requires = "once")]
    pub output: Output,

    /// How long --once waits for the first complete list of every kind.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Path to the batchtop config file (default: $BATCHTOP_CONFIG, then
    /// ~/.config/batchtop/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Never offer actions that write to the cluster.
    #[arg(long, global = true)]
    pub readonly: bool,

    /// Write the log here (default: $XDG_STATE_HOME/batchtop/batchtop.log).
    /// Verbosity from BATCHTOP_LOG (e.g. `debug`, `batchtop=trace`).
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// Colours: `auto` reads NO_COLOR, TERM and COLORTERM; the others say how
    /// many colours the terminal shows (`never` for none).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Redraw at most this many times per second (lower it on slow links).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub max_fps: u32,

    /// Lines a log view keeps (older ones are dropped as new ones arrive).
    #[arg(long, global = true, value_name = "N", default_value_t = 10_000, env = "BATCHTOP_LOG_LINES",
          value_parser = clap::value_parser!(u64).range(100..=1_000_000))]
    pub log_lines: u64,

    #[command(subcommand)]
    pub command: Option<Subcommand>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Never,
    #[value(name = "16")]
    Ansi16,
    #[value(name = "256")]
    Ansi256,
    Truecolor,
}

impl ColorChoice {
    /// The colours of the terminal: as `--color` says, or (`auto`) as the
    /// environment announces (`NO_COLOR`, `TERM`, `COLORTERM`).
    pub fn depth(self) -> Depth {
        match self {
            ColorChoice::Auto => {
                let var = |name: &str| std::env::var(name).ok();
                Depth::from_terminal(var("NO_COLOR").as_deref(), var("TERM").as_deref(), var("COLORTERM").as_deref())
            }
            ColorChoice::Never => Depth::Mono,
            ColorChoice::Ansi16 => Depth::Ansi16,
            ColorChoice::Ansi256 => Depth::Ansi256,
            ColorChoice::Truecolor => Depth::TrueColor,
        }
    }

    /// Whether printed output (`--once`, `batchtop logs`) is coloured: only
    /// on a terminal, and only when it shows colour.
    pub fn colours_stdout(self) -> bool {
        std::io::stdout().is_terminal() && self.depth() != Depth::Mono
    }
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Subcommand {
    /// Print the logs of a Job (all its pods, merged and prefixed) or of a Pod, like stern.
    Logs(crate::logs_cmd::LogsArgs),
    /// Wait until Jobs finish (job/NAME, -l SELECTOR, cronjob/NAME's next run), with progress; exit codes:
    /// 0 done, 1 a Job failed, 2 unreachable or refused, 3 timed out, 4 deleted or replaced, 5 bad arguments.
    Wait(crate::wait::WaitArgs),
    /// Write shell completions (bash, zsh, fish) and man pages into DIR.
    // Hidden from --help and the man pages (`make release` runs it to fill dist/);
    // clap_complete still lists hidden subcommands, hence words a user can read.
    #[command(hide = true)]
    Generate {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

fn parse_selector(s: &str) -> Result<String, String> {
    crate::selector::parse(s).map(|_| s.trim().to_string())
}

pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (try 10s, 1m)"))?;
    if d.is_zero() { Err("must be more than zero".into()) } else { Ok(d) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("batchtop").chain(args.iter().copied()))
    }

    #[test]
    fn flags_parse_kubectl_style() {
        let cli = parse(&["-n", "a", "--namespace", "b", "-l", "jobgroup=jobexample", "--once", "-o", "json"]).unwrap();
        assert_eq!(cli.namespaces, vec!["a", "b"]);
        assert_eq!(cli.selector.as_deref(), Some("jobgroup=jobexample"));
        assert_eq!(cli.output, Output::Json);
        assert_eq!(cli.timeout, Duration::from_secs(10));
        assert!(parse(&["-A", "--once", "--timeout", "1m"]).unwrap().all_namespaces);
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(parse(&["-A", "-n", "x"]).is_err(), "-A and -n conflict");
        assert!(parse(&["-o", "json"]).is_err(), "-o needs --once");
        assert!(parse(&["--once", "-o", "yaml"]).is_err());
        assert!(parse(&["--once", "--timeout", "soon"]).is_err());
        assert!(parse(&["--max-fps", "0"]).is_err());
    }
}
