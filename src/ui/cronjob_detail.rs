//! One CronJob: its schedule in words, the countdown to the next run, last
//! schedule and success, policy, the history strip, and the table of its Jobs
//! (Enter opens one).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use model::text as format;
use model::{CronJobInfo, JobInfo, Kind, ObjKey, State, cronjob};

use super::screens::Screen;
use super::theme::Theme;
use super::{cronjobs, jobs};
use crate::console::keys::Keymap;
use crate::console::state::{App, Route, Shown, View};

/// A CronJob and the table of its Jobs.
pub struct CronJobDetailScreen;

impl Screen for CronJobDetailScreen {
    fn title(&self, route: &Route) -> String {
        match route {
            Route::CronJobDetail(key) => format!("cronjob {}", key.name),
            _ => "CronJob".into(),
        }
    }

    fn keymaps(&self) -> &'static [Keymap] {
        jobs::KEYMAPS
    }

    fn rows(&self, app: &App, view: &View) -> Vec<ObjKey> {
        jobs::rows(app, view).iter().map(jobs::key).collect()
    }

    fn row_kind(&self) -> Option<Kind> {
        Some(Kind::Job)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, app: &App, view: &View, theme: &Theme) -> Shown {
        match &view.route {
            Route::CronJobDetail(key) => render(frame, area, app, theme, view, key),
            _ => Shown::Nothing,
        }
    }

    fn sort_columns(&self) -> &'static [&'static str] {
        jobs::SORTS
    }

    fn open(&self, _app: &App, row: ObjKey) -> Option<Route> {
        Some(Route::JobDetail(row))
    }

    fn has_labels(&self) -> bool {
        true
    }
}

/// The Jobs of a CronJob (as the model's history finds them), any order: the
/// Jobs table sorts them.
pub fn jobs_of<'a>(state: &'a State, cronjob_key: &ObjKey) -> Vec<&'a JobInfo> {
    match state.cronjobs.get(cronjob_key) {
        Some(cj) => cronjob::history(cj, &state.jobs)
            .into_iter()
            .filter_map(|(name, _, _)| state.jobs.get(&ObjKey::new(cronjob_key.namespace.clone(), name)))
            .collect(),
        None => Vec::new(),
    }
}

fn header_lines(app: &App, theme: &Theme, cj: &CronJobInfo) -> Vec<Line<'static>> {
    let now = app.now;
    let label = |k: &str| Span::styled(format!(" {k:<13}"), theme.dim);
    let words = match cronjob::schedule_error(cj) {
        None => Span::styled(cronjobs::schedule_words(cj), theme.text),
        Some(e) => Span::styled(format::sanitize(&e), theme.bad),
    };
    let next = match cronjobs::next_run(cj, now) {
        Some(t) => format!("{}  at {}", format::countdown(t, now), t.format("%Y-%m-%d %H:%M:%S UTC")),
        None => cronjobs::next_text(cj, now),
    };
    let when = |t: Option<model::Time>| match t {
        Some(t) => format!("{} ago", format::duration(now - t)),
        None => "never".into(),
    };
    vec![
        Line::from(vec![
            label("schedule"),
            Span::styled(format!("{}  ", format::sanitize(&cj.schedule)), theme.text),
            words,
        ]),
        Line::from(vec![label("next run"), Span::styled(next, if cj.suspend { theme.warn } else { theme.busy })]),
        Line::from(vec![
            label("last run"),
            Span::styled(when(cj.last_schedule), theme.text),
            Span::styled("   last success ", theme.dim),
            Span::styled(when(cj.last_successful), theme.text),
        ]),
        Line::from(vec![
            label("policy"),
            Span::styled(
                format!(
                    "concurrency {} · suspend {} · keep {} ok / {} failed",
                    cj.concurrency_policy,
                    if cj.suspend { "yes" } else { "no" },
                    cj.successful_jobs_history_limit.map_or("-".into(), |n| n.to_string()),
                    cj.failed_jobs_history_limit.map_or("-".into(), |n| n.to_string()),
                ),
                theme.text,
            ),
        ]),
        Line::from(
            [
                vec![label("history")],
                cronjobs::history_strip(&app.state, cj, theme, 40).spans,
                vec![Span::styled(format!("   active {}", cj.active.len()), theme.dim)],
            ]
            .concat(),
        ),
    ]
}

fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, view: &View, key: &ObjKey) -> Shown {
    let Some(cj) = app.state.cronjobs.get(key) else {
        let text = format!(" CronJob {key} is gone (deleted, or outside the watched scope).");
        frame.render_widget(Paragraph::new(Line::styled(text, theme.warn)), area);
        return Shown::Nothing;
    };
    let header = header_lines(app, theme, cj);
    let title = Line::from(vec![Span::styled(format!(" CronJob {key} "), theme.title)]);
    let [top, head, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(header.len() as u16), Constraint::Fill(1)])
            .areas(area);
    frame.render_widget(Paragraph::new(title), top);
    frame.render_widget(Paragraph::new(header), head);
    let total = jobs_of(&app.state, key).len();
    jobs::render_table(frame, table, app, theme, view, "Its Jobs", total)
}
