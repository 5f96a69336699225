//! Background tasks that must not die unseen: a source task runs until the app
//! stops listening, so its end (or a panic) is a failure to show, not to log only.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

/// Runs a source task to its end and says why it ended: it panicked (with the
/// panic's message) or it returned. Either way its rows stop updating.
pub async fn why_it_ended(task: impl Future<Output = ()>) -> String {
    match AssertUnwindSafe(task).catch_unwind().await {
        Ok(()) => "the task stopped".to_string(),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            format!("the task panicked: {}", model::text::one_line(&message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_or_an_end_is_named() {
        assert_eq!(why_it_ended(async {}).await, "the task stopped");
        let panicked = why_it_ended(async { panic!("index out of range\nat line 3") }).await;
        assert!(panicked.starts_with("the task panicked: index out of range"), "{panicked}");
        assert!(!panicked.contains('\n'));
    }
}
