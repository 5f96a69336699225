//! What every broker poller provides, and the timing rules they all follow:
//! each poll is bounded by [`POLL_TIMEOUT`], a failing broker is retried with
//! [`backoff`], and errors whose cause is usual get a hint.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use model::queue::QueueReading;

/// Longest wait between retries of a failing broker.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A poll that takes longer than this counts as failed (and the connection is rebuilt).
pub const POLL_TIMEOUT: Duration = Duration::from_secs(5);
/// Connecting to a broker gives up after this long.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// What one successful poll returns: a reading per queue, and the management
/// API's error if only that part failed.
pub type PollResult = Result<(Vec<QueueReading>, Option<String>), String>;

/// A broker client that can read its queues. Implementations keep their
/// connection between polls and rebuild it after `reset`.
pub trait Poller: Send + 'static {
    fn poll(&mut self, queues: &BTreeSet<String>) -> impl Future<Output = PollResult> + Send;
    /// Drops the connection after a failure, so the next poll reconnects from scratch.
    fn reset(&mut self);
}

/// Delay before the next poll after `failures` failed polls in a row:
/// the refresh interval, doubling per failure, at most [`MAX_BACKOFF`].
pub fn backoff(refresh: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return refresh;
    }
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    refresh.saturating_mul(factor).min(MAX_BACKOFF.max(refresh))
}

/// Polls one source and maps a timeout to an error.
pub async fn poll_with_timeout<P: Poller>(p: &mut P, queues: &BTreeSet<String>) -> PollResult {
    match tokio::time::timeout(POLL_TIMEOUT, p.poll(queues)).await {
        Ok(r) => r.map_err(|e| with_hint(&e)),
        Err(_) => Err(format!("no answer within {}s", POLL_TIMEOUT.as_secs())),
    }
}

/// Adds what to do to errors whose cause is usual: a cluster-internal host
/// name (`rabbitmq-service`) does not resolve from the operator's machine.
pub fn with_hint(error: &str) -> String {
    let unresolved = ["failed to lookup address", "Name or service not known", "No address associated"];
    if unresolved.iter().any(|s| error.contains(s)) {
        format!("{error} (a cluster-internal name? map it under [hosts] in the batchtop config)")
    } else {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unresolvable_hosts_get_a_hint() {
        assert!(
            with_hint("IO error: failed to lookup address information: Name or service not known").contains("[hosts]")
        );
        assert_eq!(with_hint("Connection refused"), "Connection refused");
    }

    #[test]
    fn backoff_doubles_from_refresh_and_is_capped() {
        let r = Duration::from_secs(2);
        assert_eq!(backoff(r, 0), r);
        assert_eq!(backoff(r, 1), Duration::from_secs(2));
        assert_eq!(backoff(r, 2), Duration::from_secs(4));
        assert_eq!(backoff(r, 4), Duration::from_secs(16));
        assert_eq!(backoff(r, 9), MAX_BACKOFF);
        assert_eq!(backoff(r, u32::MAX), MAX_BACKOFF);
        assert_eq!(backoff(Duration::from_secs(60), 3), Duration::from_secs(60));
    }
}
