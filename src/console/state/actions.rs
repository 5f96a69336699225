//! The console's side of actions: read-only mode, what RBAC said, which
//! reviews are under way, and the actions running now with their history.

use std::collections::{HashMap, HashSet};

use action::access::{Access, AccessCache, AccessKey};
use action::{Action, ActionSpec, Outcome};
use model::Time;
use tokio_util::sync::CancellationToken;

use super::ActionHistory;
use super::history::ProgressLine;

#[derive(Debug, Default)]
pub struct Actions {
    /// `--readonly` was given (the config can also make a context read-only).
    pub readonly_flag: bool,
    pub access: AccessCache,
    /// Reviews sent and not answered yet.
    asked: HashSet<AccessKey>,
    pub history: ActionHistory,
    /// How to stop each running action.
    cancels: HashMap<u64, CancellationToken>,
    next_id: u64,
    /// The running drains (not previews), by action id.
    drains: HashSet<u64>,
    /// When `q` last asked whether to abandon a running drain.
    pub quit_asked: Option<Time>,
}

impl Actions {
    /// Notes a confirmed action as running; its id and the token that cancels it.
    pub fn start(&mut self, now: Time, action: &Action) -> (u64, CancellationToken) {
        self.next_id += 1;
        let id = self.next_id;
        let cancel = CancellationToken::new();
        self.cancels.insert(id, cancel.clone());
        self.history.start(id, now, &action.context, action.describe());
        if action.id == action::ActionId::DrainNode {
            self.drains.insert(id);
        }
        (id, cancel)
    }

    /// A drain still running: quitting would abandon it half done.
    pub fn running_drain(&self) -> Option<&super::Entry> {
        self.history.running().find(|e| self.drains.contains(&e.id))
    }

    /// A running action reported progress; the line for the status bar, if any.
    pub fn progress(&mut self, id: u64, event: &action::ProgressEvent) -> Option<ProgressLine> {
        self.history.progress(id, event)
    }

    pub fn finish(&mut self, id: u64, outcome: &Outcome) {
        self.cancels.remove(&id);
        self.drains.remove(&id);
        self.history.finish(id, outcome);
    }

    /// Asks every running action to stop; how many were running.
    pub fn cancel_running(&self) -> usize {
        for token in self.cancels.values() {
            token.cancel();
        }
        self.cancels.len()
    }

    /// The reviews `spec` needs in `namespaces` that nobody has asked yet,
    /// noted as asked.
    pub fn ask(&mut self, context: &str, spec: &ActionSpec, namespaces: &[Option<String>]) -> Vec<AccessKey> {
        let missing: Vec<AccessKey> =
            self.access.missing(context, spec, namespaces).into_iter().filter(|k| !self.asked.contains(k)).collect();
        self.asked.extend(missing.iter().cloned());
        missing
    }

    /// RBAC answered a review.
    pub fn answered(&mut self, key: AccessKey, access: Access) {
        self.asked.remove(&key);
        self.access.insert(key, access);
    }
}
