use ratatui::Frame;
use ratatui::layout::Rect;
use crate::app::{App, View};
use crate::model::{JobInfo, ObjKey, State};
pub fn jobs_of<'a>(state: &'a State, _cj: &ObjKey) -> Vec<&'a JobInfo> { state.jobs.values().collect() }
pub fn render(_frame: &mut Frame, _area: Rect, _app: &App, _view: &mut View, _key: &ObjKey) {}
