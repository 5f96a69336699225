use ratatui::Frame;
use ratatui::layout::Rect;
use crate::app::{App, View};
use crate::model::{CronJobInfo, ObjKey};
pub const SORTS: &[&str] = &["namespace"];
pub fn rows<'a>(app: &'a App, _view: &View) -> Vec<&'a CronJobInfo> { app.state.cronjobs.values().collect() }
pub fn key(c: &&CronJobInfo) -> ObjKey { c.key.clone() }
pub fn render(_frame: &mut Frame, _area: Rect, _app: &App, _view: &mut View) {}
