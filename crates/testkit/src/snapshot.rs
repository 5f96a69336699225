//! The snapshot harness: a frame drawn into ratatui's `TestBackend` at the
//! sizes every screen is checked at, for `insta` to compare (the backend's
//! text form: one quoted line per row).

use ratatui::backend::TestBackend;
use ratatui::{Frame, Terminal};

/// Every screen is snapshotted at the bastion minimum and at a roomy size.
pub const SIZES: [(u16, u16); 2] = [(80, 24), (140, 40)];

/// Draws one frame at `width` x `height` and returns the terminal it drew on.
pub fn render(width: u16, height: u16, draw: impl FnOnce(&mut Frame)) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal.draw(draw).expect("drawing into a test terminal");
    terminal.backend().clone()
}
