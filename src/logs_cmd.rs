//! `batchtop logs <job|pod>`: the console's log streams without the console,
//! for scripts and quick looks over ssh. Prints the merged, prefixed,
//! sanitised lines to stdout like stern; explanations and notes go to
//! stderr; exits non-zero when a log could not be read.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use model::logs::buffer::{
    LogEvent, Prefix, ReadLine, StreamId, StreamStatus, format_timestamp, prefix_colour, stream_label,
};
use model::logs::explain::Explanation;
use model::logs::request::{LogRequest, LogTarget};
use model::sanitize::{SgrStyle, sgr_sequence, to_ansi};
use source::logs;

use crate::logging;

#[derive(Debug, Clone, Args, PartialEq, Eq)]
pub struct LogsArgs {
    /// A Job or a Pod: NAME (a Job if one has that name, else a Pod), job/NAME or pod/NAME.
    #[arg(value_name = "JOB|POD")]
    pub target: String,

    /// Only the pods of this completion index (Indexed Jobs).
    #[arg(long, value_name = "N")]
    pub index: Option<u32>,

    /// The container (init containers too); default: each pod's first container.
    #[arg(short = 'c', long, value_name = "NAME")]
    pub container: Option<String>,

    /// Keep streaming new lines; pods that start later join. Ends when the Job
    /// (or pod) finished and every stream ended.
    #[arg(short = 'f', long)]
    pub follow: bool,

    /// Only lines newer than this (e.g. 30s, 5m, 1h).
    #[arg(long, value_name = "DURATION", value_parser = parse_since)]
    pub since: Option<Duration>,

    /// Only the last N lines of each pod.
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,

    /// Print the kubelet's timestamp before each line.
    #[arg(long)]
    pub timestamps: bool,

    /// The previous run of a restarted container.
    #[arg(short = 'p', long)]
    pub previous: bool,
}

fn parse_since(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (try 30s, 5m, 1h)"))?;
    if d.as_secs() == 0 { Err("must be at least one second".into()) } else { Ok(d) }
}

/// The one namespace `batchtop <command>` (logs, wait) reads: `-n` (once),
/// else the kubeconfig context's, else `default` (as kubectl does).
pub fn namespace_for(
    command: &str,
    all: bool,
    namespaces: &[String],
    context_namespace: Option<&str>,
) -> Result<String, String> {
    let given: Vec<&str> =
        namespaces.iter().flat_map(|n| n.split(',')).map(str::trim).filter(|n| !n.is_empty()).collect();
    match (all, given.as_slice()) {
        (true, _) => Err(format!("batchtop {command} reads one namespace: give -n NAMESPACE instead of -A")),
        (false, []) => Ok(context_namespace.filter(|n| !n.is_empty()).unwrap_or("default").to_string()),
        (false, [one]) => Ok(one.to_string()),
        (false, _) => Err(format!("batchtop {command} reads one namespace: give -n only once")),
    }
}

/// Exit codes: 0 everything read; 1 some log could not be read (or the
/// target was not found); 130 interrupted.
/// `colour`: lines keep their colours (`--color`, and stdout is a terminal).
pub async fn run(client: kube::Client, namespace: &str, args: &LogsArgs, colour: bool) -> i32 {
    let target = match logs::resolve_target(&client, namespace, &args.target).await {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let target = match (target, args.index) {
        (LogTarget::Job { name, .. }, index) => LogTarget::Job { name, index },
        (LogTarget::Pod(name), Some(_)) => {
            logging::to_stderr(format_args!("--index applies to a Job, and {name} is a Pod"));
            return 1;
        }
        (pod, None) => pod,
    };
    let request = LogRequest {
        namespace: namespace.to_string(),
        target,
        container: args.container.clone(),
        follow: args.follow,
        tail_lines: args.tail,
        since_seconds: args.since.map(|d| d.as_secs() as i64),
        previous: args.previous,
    };
    let prefixed = request.prefix() == Prefix::PodOrIndex;
    let mut session = logs::spawn(client, request);
    let mut printer = Printer::new(args.timestamps, colour);
    printer.set_prefixed(prefixed);
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            batch = session.next_batch(256) => match batch {
                Some(events) => {
                    for ev in events {
                        if let Flow::Stop = printer.event(ev) {
                            return printer.exit_code();
                        }
                    }
                    if printer.flush().is_err() {
                        // stdout closed (`| head`): nothing more to do.
                        return printer.exit_code();
                    }
                }
                None => return printer.exit_code(),
            },
            _ = &mut interrupted => {
                let _ = printer.flush();
                return 130;
            }
        }
    }
}

fn fail(e: &Explanation) -> i32 {
    logging::to_stderr(format_args!("{e}"));
    1
}

enum Flow {
    Go,
    Stop,
}

/// Turns events into output. Separate from the I/O loop so tests can drive it.
pub struct Printer<W: Write = std::io::Stdout> {
    out: std::io::BufWriter<W>,
    timestamps: bool,
    colour: bool,
    /// Labels by stream (only merged Job views have them).
    labels: Vec<(StreamId, String, Option<u32>)>,
    prefixed: bool,
    failed: bool,
    broken_pipe: bool,
}

impl Printer<std::io::Stdout> {
    fn new(timestamps: bool, colour: bool) -> Self {
        Printer::to(std::io::stdout(), timestamps, colour)
    }
}

impl<W: Write> Printer<W> {
    pub fn to(out: W, timestamps: bool, colour: bool) -> Self {
        Self {
            out: std::io::BufWriter::with_capacity(64 * 1024, out),
            timestamps,
            colour,
            labels: Vec::new(),
            prefixed: false,
            failed: false,
            broken_pipe: false,
        }
    }

    fn event(&mut self, ev: LogEvent) -> Flow {
        match ev {
            LogEvent::Joined { stream, index } => {
                self.labels.push((stream.clone(), stream_label(&stream.pod, index), index));
            }
            LogEvent::Lines { stream, lines } => {
                for line in &lines {
                    if self.line(&stream, line).is_err() {
                        self.broken_pipe = true;
                        return Flow::Stop;
                    }
                }
            }
            LogEvent::Status { stream, status } => self.status(&stream, status),
            LogEvent::ViewFailed(e) => {
                logging::to_stderr(format_args!("{e}"));
                self.failed = true;
                return Flow::Stop;
            }
            LogEvent::Done => return Flow::Stop,
        }
        Flow::Go
    }

    /// A Job's merged output has prefixes (pod name or completion index); a single pod's has none.
    pub fn set_prefixed(&mut self, prefixed: bool) {
        self.prefixed = prefixed;
    }

    fn line(&mut self, stream: &StreamId, line: &ReadLine) -> std::io::Result<()> {
        if self.prefixed {
            let (label, index) = self
                .labels
                .iter()
                .find(|(s, _, _)| s == stream)
                .map_or_else(|| (stream.pod.clone(), None), |(_, l, i)| (l.clone(), *i));
            if self.colour {
                let style = SgrStyle { fg: Some(prefix_colour(&label, index)), ..SgrStyle::default() };
                write!(self.out, "{}{label}\x1b[0m ", sgr_sequence(&style))?;
            } else {
                write!(self.out, "{label} ")?;
            }
        }
        if self.timestamps
            && let Some(ts) = line.ts
        {
            write!(self.out, "{} ", format_timestamp(ts))?;
        }
        if self.colour {
            writeln!(self.out, "{}", to_ansi(&line.text))
        } else {
            writeln!(self.out, "{}", line.text.text)
        }
    }

    fn status(&mut self, stream: &StreamId, status: StreamStatus) {
        let _ = self.out.flush();
        let who = format!("{} ({})", stream.pod, stream.container);
        match status {
            StreamStatus::Waiting(e) => logging::to_stderr(format_args!("waiting: {e}")),
            StreamStatus::Reconnecting(why) => logging::to_stderr(format_args!("{who}: reconnecting: {why}")),
            StreamStatus::Failed(e) => {
                logging::to_stderr(format_args!("{e}"));
                self.failed = true;
            }
            StreamStatus::Streaming | StreamStatus::Ended(_) => {}
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    fn exit_code(&mut self) -> i32 {
        let _ = self.out.flush();
        i32::from(self.failed && !self.broken_pipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::logs::explain::LogProblem;
    use model::sanitize::sanitize_line;

    fn sid(pod: &str) -> StreamId {
        StreamId { pod: pod.into(), container: "worker".into() }
    }

    fn lines(raw: &[&str]) -> Vec<ReadLine> {
        raw.iter().map(|r| ReadLine { ts: None, text: sanitize_line(r.as_bytes()) }).collect()
    }

    fn run_events(events: Vec<LogEvent>, colour: bool) -> (String, i32) {
        let merged = events.iter().any(|e| matches!(e, LogEvent::Joined { index: Some(_), .. }));
        let mut buf = Vec::new();
        let code = {
            let mut p = Printer::to(&mut buf, false, colour);
            p.set_prefixed(merged);
            for ev in events {
                if let Flow::Stop = p.event(ev) {
                    break;
                }
            }
            p.exit_code()
        };
        (String::from_utf8(buf).unwrap(), code)
    }

    #[test]
    fn one_namespace_is_chosen() {
        assert_eq!(namespace_for("logs", false, &[], None).unwrap(), "default");
        assert_eq!(namespace_for("logs", false, &[], Some("ctx")).unwrap(), "ctx");
        assert_eq!(namespace_for("logs", false, &["indexed".into()], Some("ctx")).unwrap(), "indexed");
        assert!(namespace_for("logs", true, &[], None).is_err());
        assert!(namespace_for("logs", false, &["a,b".into()], None).is_err());
    }

    #[test]
    fn merged_lines_are_prefixed_by_index_or_pod() {
        let (out, code) = run_events(
            vec![
                LogEvent::Joined { stream: sid("j-a"), index: Some(0) },
                LogEvent::Joined { stream: sid("j-b"), index: Some(3) },
                LogEvent::Lines { stream: sid("j-b"), lines: lines(&["xuq"]) },
                LogEvent::Lines { stream: sid("j-a"), lines: lines(&["first"]) },
                LogEvent::Done,
            ],
            false,
        );
        assert_eq!(out, "#3 xuq\n#0 first\n");
        assert_eq!(code, 0);
    }

    #[test]
    fn single_pod_is_not_prefixed() {
        let (out, _) = run_events(
            vec![
                LogEvent::Joined { stream: sid("p"), index: None },
                LogEvent::Lines { stream: sid("p"), lines: lines(&["a"]) },
            ],
            false,
        );
        assert_eq!(out, "a\n");
    }

    #[test]
    fn hostile_lines_print_harmlessly() {
        let hostile = "ok\x1b[2J\x1b[H\x1b]0;owned\x07\x1b]52;c;cHduZWQ=\x07\x1b[31mred\x1b[0m\r\x08";
        let (plain, _) = run_events(
            vec![
                LogEvent::Joined { stream: sid("p"), index: None },
                LogEvent::Lines { stream: sid("p"), lines: lines(&[hostile]) },
            ],
            false,
        );
        assert_eq!(plain, "okred\n");
        let (coloured, _) = run_events(
            vec![
                LogEvent::Joined { stream: sid("p"), index: None },
                LogEvent::Lines { stream: sid("p"), lines: lines(&[hostile]) },
            ],
            true,
        );
        // Only the SGR colour we rebuilt survives.
        assert_eq!(coloured, "ok\x1b[38;5;1mred\x1b[0m\n");
    }

    #[test]
    fn a_failed_stream_makes_the_exit_code_non_zero() {
        let e = Explanation { problem: LogProblem::KubeletCertificate, summary: "s".into(), hint: None, detail: None };
        let (_, code) = run_events(
            vec![
                LogEvent::Joined { stream: sid("p"), index: None },
                LogEvent::Status { stream: sid("p"), status: StreamStatus::Failed(e) },
                LogEvent::Done,
            ],
            false,
        );
        assert_eq!(code, 1);
    }
}
