//! Drives a real binary in a pseudo-terminal, as a person at a terminal would.
//!
//! [`Launch`] starts a program in a PTY of a chosen size and `TERM`; the
//! [`Console`] it returns feeds keys, resizes, sends signals, and reads the
//! screen back through a terminal emulator (`vt100`), colours and attributes
//! included. Everything the program writes is parsed on a reader thread, so a
//! test only ever looks at the emulated screen: no test copies the program's
//! event loop.
//!
//! Every wait has a deadline and, when it passes, panics with what the screen
//! showed: a failing test says what it saw.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::kill;
use nix::sys::termios::LocalFlags;
use nix::unistd::Pid;
use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

pub use nix::sys::signal::Signal;
pub use vt100::Color;

/// How long a wait lasts unless the test says otherwise.
pub const DEADLINE: Duration = Duration::from_secs(60);
/// Pause between keys, so an Esc is not read together with the next key as Alt+key.
const KEY_GAP: Duration = Duration::from_millis(40);
/// Raw output kept for checks of escape sequences (the newest bytes).
const RAW_TAIL: usize = 256 * 1024;

/// What to start, and in what terminal.
#[derive(Debug, Clone)]
#[must_use = "a Launch does nothing until spawned"]
pub struct Launch {
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    cols: u16,
    rows: u16,
    cwd: Option<PathBuf>,
}

impl Launch {
    /// `program` in an 80x24 `xterm-256color` terminal, with the test's
    /// environment minus the variables that change colour (`NO_COLOR`,
    /// `COLORTERM`, `FORCE_COLOR`, `CLICOLOR*`): a test that wants them says so.
    pub fn new(program: impl AsRef<Path>) -> Self {
        let env = ["NO_COLOR", "COLORTERM", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE"]
            .into_iter()
            .map(|k| (OsString::from(k), None))
            .chain([(OsString::from("TERM"), Some(OsString::from("xterm-256color")))])
            .collect();
        Self { program: program.as_ref().to_path_buf(), args: Vec::new(), env, cols: 80, rows: 24, cwd: None }
    }

    pub fn size(mut self, cols: u16, rows: u16) -> Self {
        self.cols = cols;
        self.rows = rows;
        self
    }

    pub fn term(self, term: &str) -> Self {
        self.env("TERM", term)
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    pub fn env_remove(mut self, key: impl Into<OsString>) -> Self {
        self.env.push((key.into(), None));
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Starts the program; panics (with the reason) when the PTY or the program cannot be started.
    pub fn spawn(self) -> Console {
        let pty = native_pty_system()
            .openpty(pty_size(self.cols, self.rows))
            .unwrap_or_else(|e| panic!("cannot open a pseudo-terminal: {e}"));
        let mut cmd = CommandBuilder::new(&self.program);
        cmd.args(&self.args);
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            }
        }
        let cwd = self.cwd.clone().or_else(|| std::env::current_dir().ok());
        if let Some(dir) = cwd {
            cmd.cwd(dir);
        }
        let child = pty
            .slave
            .spawn_command(cmd)
            .unwrap_or_else(|e| panic!("cannot start {} in a PTY: {e}", self.program.display()));
        // Only the child holds the terminal side now, so its exit ends our reads.
        drop(pty.slave);
        let reader = pty.master.try_clone_reader().expect("PTY reader");
        let writer: Input = Arc::new(Mutex::new(pty.master.take_writer().expect("PTY writer")));
        let shared = Arc::new(Shared {
            output: Mutex::new(Output {
                parser: vt100::Parser::new(nonzero(self.rows), nonzero(self.cols), 0),
                bytes: 0,
                raw: Vec::new(),
                closed: false,
            }),
            changed: Condvar::new(),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            let answers = Arc::clone(&writer);
            std::thread::spawn(move || read_into(reader, &shared, &answers))
        };
        Console { child, master: pty.master, writer, shared, reader: Some(thread), exit: None }
    }
}

fn nonzero(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n.max(1)).expect("at least 1")
}

fn pty_size(cols: u16, rows: u16) -> PtySize {
    PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }
}

struct Shared {
    output: Mutex<Output>,
    changed: Condvar,
}

struct Output {
    parser: vt100::Parser,
    /// Everything the program wrote, counted.
    bytes: u64,
    /// The newest bytes, for checks of escape sequences.
    raw: Vec<u8>,
    /// The terminal side closed (the program and everything it started exited).
    closed: bool,
}

/// The program's terminal input, shared by the keys a test presses and the
/// answers the terminal gives to the program's queries.
type Input = Arc<Mutex<Box<dyn Write + Send>>>;

/// The cursor position query (DSR 6). A real terminal answers it, and programs
/// that ask (crossterm's `cursor::position`, which kdash calls at start) wait for
/// the answer and fail without it; `vt100` only emulates the screen, so the
/// reader answers for it.
const CURSOR_QUERY: &[u8] = b"\x1b[6n";

fn read_into(mut reader: Box<dyn Read + Send>, shared: &Shared, answers: &Input) {
    let mut buf = [0u8; 16 * 1024];
    // The start of a query cut off at the end of the previous read.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = reader.read(&mut buf).unwrap_or(0);
        let mut out = shared.output.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if n == 0 {
            out.closed = true;
            shared.changed.notify_all();
            return;
        }
        let mut chunk = std::mem::take(&mut carry);
        chunk.extend_from_slice(&buf[..n]);
        carry = chunk.split_off(chunk.len() - query_prefix_at_end(&chunk));
        // The screen is emulated up to each query before it is answered, so the
        // answer is where the cursor was when the program asked.
        for piece in after_each_query(&chunk) {
            out.parser.process(piece);
            if piece.ends_with(CURSOR_QUERY) {
                let (row, col) = out.parser.screen().cursor_position();
                let mut input = answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let _ = write!(input, "\x1b[{};{}R", row + 1, col + 1);
                let _ = input.flush();
            }
        }
        out.bytes += n as u64;
        out.raw.extend_from_slice(&buf[..n]);
        if out.raw.len() > RAW_TAIL {
            let cut = out.raw.len() - RAW_TAIL;
            out.raw.drain(..cut);
        }
        shared.changed.notify_all();
    }
}

/// `bytes` cut after each cursor query (the last piece ends with none).
fn after_each_query(bytes: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(CURSOR_QUERY.len()).position(|w| w == CURSOR_QUERY) {
        let (piece, tail) = rest.split_at(at + CURSOR_QUERY.len());
        pieces.push(piece);
        rest = tail;
    }
    pieces.push(rest);
    pieces
}

/// How many bytes at the end of `bytes` begin a cursor query (kept for the next read).
fn query_prefix_at_end(bytes: &[u8]) -> usize {
    (1..CURSOR_QUERY.len()).rev().find(|&n| bytes.ends_with(&CURSOR_QUERY[..n])).unwrap_or(0)
}

/// A key as a terminal sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Enter,
    Esc,
    Tab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Key {
    fn bytes(self) -> Vec<u8> {
        match self {
            Key::Char(c) => c.to_string().into_bytes(),
            Key::Ctrl(c) => vec![(c.to_ascii_lowercase() as u8) & 0x1f],
            Key::Enter => b"\r".to_vec(),
            Key::Esc => b"\x1b".to_vec(),
            Key::Tab => b"\t".to_vec(),
            Key::Backspace => b"\x7f".to_vec(),
            Key::Up => b"\x1b[A".to_vec(),
            Key::Down => b"\x1b[B".to_vec(),
            Key::Right => b"\x1b[C".to_vec(),
            Key::Left => b"\x1b[D".to_vec(),
            Key::PageUp => b"\x1b[5~".to_vec(),
            Key::PageDown => b"\x1b[6~".to_vec(),
            Key::Home => b"\x1b[H".to_vec(),
            Key::End => b"\x1b[F".to_vec(),
        }
    }
}

/// The style of one cell on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellStyle {
    pub fg: Color,
    pub bg: Color,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub inverse: bool,
}

/// What the terminal showed at one moment: text, styles and modes.
pub struct Screen<'a>(&'a vt100::Screen);

impl Screen<'_> {
    /// The screen's rows, trailing blanks trimmed, joined by newlines.
    pub fn text(&self) -> String {
        let (_, cols) = self.0.size();
        self.0.rows(0, cols.get()).map(|r| r.trim_end().to_string()).collect::<Vec<_>>().join("\n")
    }

    /// The text of row `row`.
    pub fn row(&self, row: u16) -> String {
        let (_, cols) = self.0.size();
        self.0.rows(0, cols.get()).nth(row as usize).unwrap_or_default()
    }

    pub fn contains(&self, text: &str) -> bool {
        self.text().contains(text)
    }

    /// Where `text` starts on screen (row, column), the first match from the top.
    pub fn find(&self, text: &str) -> Option<(u16, u16)> {
        let (rows, _) = self.0.size();
        (0..rows.get()).find_map(|r| {
            let line = self.row(r);
            let byte = line.find(text)?;
            Some((r, u16::try_from(line[..byte].chars().count()).ok()?))
        })
    }

    pub fn style_at(&self, row: u16, col: u16) -> Option<CellStyle> {
        let c = self.0.cell(row, col)?;
        Some(CellStyle {
            fg: c.fgcolor(),
            bg: c.bgcolor(),
            bold: c.bold(),
            dim: c.dim(),
            italic: c.italic(),
            underline: c.underline(),
            inverse: c.inverse(),
        })
    }

    /// Every cell's style on row `row`.
    pub fn row_styles(&self, row: u16) -> Vec<CellStyle> {
        let (_, cols) = self.0.size();
        (0..cols.get()).filter_map(|c| self.style_at(row, c)).collect()
    }

    /// Every colour used on screen, foreground and background.
    pub fn colours(&self) -> Vec<Color> {
        let (rows, cols) = self.0.size();
        let mut seen = Vec::new();
        for r in 0..rows.get() {
            for c in 0..cols.get() {
                if let Some(s) = self.style_at(r, c) {
                    for colour in [s.fg, s.bg] {
                        if !seen.contains(&colour) {
                            seen.push(colour);
                        }
                    }
                }
            }
        }
        seen
    }

    pub fn alternate_screen(&self) -> bool {
        self.0.alternate_screen()
    }

    pub fn cursor_hidden(&self) -> bool {
        self.0.hide_cursor()
    }

    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.0.size();
        (cols.get(), rows.get())
    }
}

/// A program running in a PTY. Dropping it kills the program.
pub struct Console {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Input,
    shared: Arc<Shared>,
    reader: Option<JoinHandle<()>>,
    exit: Option<ExitStatus>,
}

impl Console {
    fn output(&self) -> MutexGuard<'_, Output> {
        self.shared.output.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Looks at the screen as it is now.
    pub fn with_screen<T>(&self, look: impl FnOnce(&Screen) -> T) -> T {
        let out = self.output();
        look(&Screen(out.parser.screen()))
    }

    /// The screen as text, now.
    pub fn text(&self) -> String {
        let out = self.output();
        Screen(out.parser.screen()).text()
    }

    /// Bytes the program has written to the terminal so far.
    pub fn bytes_written(&self) -> u64 {
        self.output().bytes
    }

    /// The newest raw output (at most 256 KiB), escape sequences and all.
    pub fn raw_tail(&self) -> Vec<u8> {
        self.output().raw.clone()
    }

    /// Waits until `ready` finds what it looks for on screen; panics at the
    /// deadline (or when the program ends first) with the screen's text.
    pub fn wait_until<T>(&self, what: &str, timeout: Duration, mut ready: impl FnMut(&Screen) -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        let mut out = self.output();
        loop {
            if let Some(found) = ready(&Screen(out.parser.screen())) {
                return found;
            }
            let now = Instant::now();
            if now >= deadline || out.closed {
                let why = if out.closed { "the program ended" } else { "timed out" };
                let text = Screen(out.parser.screen()).text();
                drop(out);
                panic!("{what}: {why} after {timeout:?}; the screen showed:\n{text}\n{}", self.exit_note());
            }
            out = self.next_output(out, deadline - now);
        }
    }

    /// Waits (at most `wait`) for the program to write more, or end.
    fn next_output<'a>(&'a self, out: MutexGuard<'a, Output>, wait: Duration) -> MutexGuard<'a, Output> {
        self.shared.changed.wait_timeout(out, wait).unwrap_or_else(std::sync::PoisonError::into_inner).0
    }

    /// Waits until `text` is on screen and returns the screen's text.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_within(text, DEADLINE)
    }

    pub fn wait_for_within(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(&format!("{text:?} on screen"), timeout, |s| {
            let shown = s.text();
            shown.contains(text).then_some(shown)
        })
    }

    /// Waits until every one of `texts` is on screen at once.
    pub fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("{texts:?} on screen"), DEADLINE, |s| {
            let shown = s.text();
            texts.iter().all(|t| shown.contains(t)).then_some(shown)
        })
    }

    /// Waits until `text` is gone from the screen.
    pub fn wait_gone(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} gone from the screen"), DEADLINE, |s| {
            let shown = s.text();
            (!shown.contains(text)).then_some(shown)
        })
    }

    /// Types keys, one write each, with a short gap between them.
    pub fn press(&mut self, keys: &[Key]) {
        for key in keys {
            self.key(*key);
            std::thread::sleep(KEY_GAP);
        }
    }

    /// Sends one key at once (no gap after it: for timing a key's effect).
    pub fn key(&mut self, key: Key) {
        self.write(&key.bytes());
    }

    /// Types text (each character a key).
    pub fn type_text(&mut self, text: &str) {
        let keys: Vec<Key> = text.chars().map(Key::Char).collect();
        self.press(&keys);
    }

    /// Writes raw bytes to the program's terminal input.
    pub fn write(&mut self, bytes: &[u8]) {
        // A program that already exited closes its side: nothing to write to.
        let mut input = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = input.write_all(bytes);
        let _ = input.flush();
    }

    /// Resizes the terminal (the program gets SIGWINCH) and the emulated screen.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.output().parser.screen_mut().set_size(nonzero(rows), nonzero(cols));
        self.master.resize(pty_size(cols, rows)).expect("resize the PTY");
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the child's pid")
    }

    pub fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.pid()).expect("pid fits"));
        // The process may have exited already; the caller's wait says what happened.
        let _ = kill(pid, signal);
    }

    /// Waits for the program to exit; `None` at the deadline (it still runs).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_exit() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit.clone()
    }

    /// After the program exited: waits until everything it wrote has been read
    /// (the terminal side closed), so the screen shows its last words.
    pub fn drain_output(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut out = self.output();
        while !out.closed {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            out = self.next_output(out, deadline - now);
        }
    }

    /// Whether the terminal is in raw mode (no line editing, no echo), read
    /// from the PTY's own settings, as `stty` would.
    pub fn raw_mode(&self) -> bool {
        let termios = self.master.get_termios().expect("the PTY's termios");
        !termios.local_flags.intersects(LocalFlags::ICANON | LocalFlags::ECHO)
    }

    /// Whether a process with the program's pid still exists (zombies included until reaped).
    pub fn process_exists(&self) -> bool {
        let pid = Pid::from_raw(i32::try_from(self.pid()).expect("pid fits"));
        kill(pid, None).is_ok()
    }

    fn exit_note(&self) -> String {
        match &self.exit {
            Some(status) => format!("(exit status: {status:?})"),
            None => String::new(),
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if self.try_exit().is_none() {
            self.signal(Signal::SIGKILL);
            let _ = self.child.wait();
        }
        // Not joined: a grandchild holding the terminal open would block the
        // join; the reader ends by itself when the last holder exits.
        drop(self.reader.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_cut_after_each_cursor_query() {
        let pieces = after_each_query(b"ab\x1b[6ncd\x1b[6n");
        assert_eq!(pieces, [&b"ab\x1b[6n"[..], b"cd\x1b[6n", b""]);
        assert_eq!(after_each_query(b"plain"), [&b"plain"[..]]);
    }

    #[test]
    fn a_query_cut_by_a_read_is_kept_whole_for_the_next() {
        assert_eq!(query_prefix_at_end(b"ab\x1b[6"), 3);
        assert_eq!(query_prefix_at_end(b"ab\x1b"), 1);
        assert_eq!(query_prefix_at_end(b"ab\x1b[6n"), 0, "a whole query is answered now");
        assert_eq!(query_prefix_at_end(b"ab["), 0);
    }

    /// A program that asks where the cursor is gets the answer a terminal gives.
    #[test]
    fn the_terminal_answers_where_the_cursor_is() {
        let script = r#"stty raw -echo; printf '\033[3;5H\033[6n'; answer=$(dd bs=1 count=6 2>/dev/null | od -An -c | tr -d ' '); stty sane; printf '\033[10;1Hgot:%s.' "$answer"; sleep 5"#;
        let c = Launch::new("sh").args(["-c", script]).size(40, 12).spawn();
        let text = c.wait_for_within("got:", Duration::from_secs(10));
        assert!(text.contains(r"got:033[3;5R."), "{text}");
    }
}
