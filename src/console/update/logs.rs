//! Opening the log screen for what is selected, its keys, and folding the
//! log source's events into it.

use std::path::Path;

use crossterm::event::KeyEvent;
use model::logs::buffer::LogEvent;
use model::logs::request::{LogRequest, LogTarget};
use model::{Kind, ObjKey};

use super::{Effect, Handled};
use crate::console::state::{
    App, ContainerChoice, LogCommand, LogView, Route, View, containers_of_job, containers_of_pod,
};
use crate::ui::screens;

/// Opens the log screen for what is selected: a pod, a Job (merged), or with
/// `by_index` all pods of the selected pod's completion index.
pub(super) fn open(app: &mut App, by_index: bool) {
    match request_for_selection(app, by_index) {
        Ok((request, containers)) => {
            app.logs = Some(LogView::new(request, app.log_limits, containers));
            app.details.push(View::new(Route::Logs));
        }
        Err(e) => app.flash(e, true),
    }
}

fn request_for_selection(app: &App, by_index: bool) -> Result<(LogRequest, Vec<ContainerChoice>), String> {
    let job_request = |key: &ObjKey, index: Option<u32>| {
        let containers = app.state.jobs.get(key).map(containers_of_job).unwrap_or_default();
        (LogRequest::new(key.namespace.clone(), LogTarget::Job { name: key.name.clone(), index }), containers)
    };
    let kind = screens::of(&app.view().route).row_kind();
    match (kind, screens::subject(app)) {
        (Some(Kind::Pod), Some(key)) => {
            let pod = app.state.pods.get(&key).ok_or("the pod is gone")?;
            match (by_index, &pod.job, pod.completion_index) {
                (true, Some(job), Some(index)) => {
                    Ok(job_request(&ObjKey::new(key.namespace.clone(), job.clone()), Some(index)))
                }
                (true, _, _) => {
                    Err("this pod has no completion index (not an Indexed Job's pod); l shows its logs".into())
                }
                (false, _, _) => Ok((
                    LogRequest::new(key.namespace.clone(), LogTarget::Pod(key.name.clone())),
                    containers_of_pod(pod),
                )),
            }
        }
        (Some(Kind::Job), Some(key)) if !by_index => Ok(job_request(&key, None)),
        (Some(Kind::Job), Some(_)) => {
            Err("i shows one completion index: open the Job's pods (p) and select a pod of that index".into())
        }
        _ => Err("logs: select a Job or a Pod first".into()),
    }
}

/// Keys for the log screen's input line or container chooser, when open.
pub(super) fn capture_key(app: &mut App, key: &KeyEvent) -> Option<Handled> {
    if app.view().route != Route::Logs {
        return None;
    }
    let view = app.logs.as_mut().filter(|v| v.captures_keys())?;
    Some(match view.input_key(*key) {
        Some(path) => Handled::effect(Effect::SaveLog { path, lines: view.lines_to_save() }),
        None => Handled::redraw(),
    })
}

/// A log screen key.
pub(super) fn command(app: &mut App, command: LogCommand) {
    if let Some(view) = app.logs.as_mut() {
        view.command(command);
    }
}

/// Folds a batch of the log source's events, unless they belong to an older stream.
pub(super) fn apply_events(app: &mut App, generation: u64, events: Vec<LogEvent>) -> bool {
    match app.logs.as_mut() {
        Some(view) if view.generation == generation => view.apply(events),
        _ => false,
    }
}

/// The runner saved (or could not save) the lines.
pub(super) fn saved(app: &mut App, path: &Path, result: Result<usize, String>) -> bool {
    match app.logs.as_mut() {
        Some(view) => {
            view.saved(path, result);
            true
        }
        None => false,
    }
}

/// Drops the log view once its screen is closed (Esc, another tab, a new
/// context): the runner stops the streams of a log view that is gone.
pub(super) fn close_if_hidden(app: &mut App) {
    if app.logs.is_some() && !app.details.iter().any(|v| v.route == Route::Logs) {
        app.logs = None;
    }
}
