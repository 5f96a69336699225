//! Label groups panel (waiting for model::groups).
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use crate::app::App;
pub fn panel_lines(_app: &App, _width: u16) -> Vec<Line<'static>> { Vec::new() }
pub fn render(_frame: &mut Frame, _area: Rect, _app: &App, _lines: Vec<Line<'static>>) {}
