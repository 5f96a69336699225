//! Terminal setup and restore, the panic hook, and the signals that end the console.
//!
//! The terminal is put back (raw mode off, main screen, cursor shown) on every
//! way out: normal return, error (the guard's `Drop`), panic on the UI thread
//! (the hook), and SIGHUP/SIGTERM/SIGINT, which the event loop turns into a
//! clean exit so a dropped ssh session never leaves the process running.

use std::io::{self, IsTerminal, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

use crossterm::{cursor, event, execute, terminal};
use model::palette::Depth;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::classic_sgr::ClassicSgr;
use super::compact::{CursorTrack, compact_frame};

pub type Tui = Terminal<CrosstermBackend<TerminalOut>>;

/// The console's stdout. Each frame is held until its flush and compacted
/// ([`compact_frame`]: shorter cursor moves, a frame that changes nothing not
/// sent); on a terminal of 16 colours or fewer the colour escapes are then
/// rewritten to the classic codes such terminals know ([`ClassicSgr`]).
pub struct TerminalOut {
    stdout: Stdout,
    classic: Option<ClassicSgr>,
    cursor: CursorTrack,
    frame: Vec<u8>,
    compacted: Vec<u8>,
    rewritten: Vec<u8>,
}

impl Write for TerminalOut {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.frame.extend_from_slice(data);
        Ok(data.len())
    }

    /// A frame ends with a flush: it is compacted and sent whole.
    fn flush(&mut self) -> io::Result<()> {
        self.compacted.clear();
        // The width tells where a character leaves the cursor (see CursorTrack);
        // asked per frame, since the terminal may have been resized.
        if let Ok((width, _)) = terminal::size() {
            self.cursor.set_width(width);
        }
        compact_frame(&self.frame, &mut self.cursor, &mut self.compacted);
        self.frame.clear();
        if let Some(classic) = &mut self.classic {
            self.rewritten.clear();
            classic.rewrite(&self.compacted, &mut self.rewritten);
            classic.flush_into(&mut self.rewritten);
            self.stdout.write_all(&self.rewritten)?;
        } else {
            self.stdout.write_all(&self.compacted)?;
        }
        self.stdout.flush()
    }
}

/// The UI owns the terminal while this is true.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The thread that draws: a panic there ends the UI; panics elsewhere are only logged.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// Owns the terminal for the console's lifetime; restores it when dropped.
pub struct TerminalGuard {
    pub terminal: Tui,
}

/// Raw mode, alternate screen, hidden cursor. Refuses when stdout is not a
/// terminal. `depth` is the terminal's: up to 16 colours, escapes are rewritten.
pub fn setup(depth: Depth) -> anyhow::Result<TerminalGuard> {
    if !io::stdout().is_terminal() {
        anyhow::bail!("the console needs a terminal on stdout; use --once for scripts and pipes");
    }
    install_panic_hook();
    *UI_THREAD.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::thread::current().id());
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut stdout = io::stdout();
    // Bracketed paste: pasted text arrives as one Paste event, not as keys
    // (a paste holding `D` and `y` would otherwise delete).
    if let Err(e) = execute!(stdout, terminal::EnterAlternateScreen, cursor::Hide, event::EnableBracketedPaste) {
        restore();
        return Err(e.into());
    }
    let classic = (depth <= Depth::Ansi16).then(ClassicSgr::default);
    let out = TerminalOut {
        stdout,
        classic,
        cursor: CursorTrack::hidden(),
        frame: Vec::new(),
        compacted: Vec::new(),
        rewritten: Vec::new(),
    };
    match Terminal::new(CrosstermBackend::new(out)) {
        Ok(terminal) => Ok(TerminalGuard { terminal }),
        Err(e) => {
            restore();
            Err(e.into())
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back. Safe to call twice; errors are ignored because the
/// terminal may already be gone (SIGHUP after the ssh session dropped).
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = terminal::disable_raw_mode();
    let mut stdout = io::stdout();
    let _ = execute!(stdout, event::DisableBracketedPaste, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = stdout.flush();
}

/// A panic on the UI thread restores the terminal before the message is
/// printed. A panic in a background task (a watcher) must not print over the
/// UI: it goes to the log file, and the task's owner sees it as a failed task.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let on_ui_thread = *UI_THREAD.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
                == Some(std::thread::current().id());
            if ACTIVE.load(Ordering::SeqCst) && !on_ui_thread {
                tracing::error!("panic in a background task: {info}");
                return;
            }
            restore();
            previous(info);
        }));
    });
}

/// The signals that end the console: hangup (terminal gone), terminate, interrupt.
pub struct ExitSignals {
    hangup: Signal,
    terminate: Signal,
    interrupt: Signal,
}

impl ExitSignals {
    /// Must be called inside the tokio runtime.
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            hangup: signal(SignalKind::hangup())?,
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for the next exit signal and names it.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.hangup.recv() => "SIGHUP",
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}
