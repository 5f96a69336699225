//! Batching of channel messages: a source's burst (a 10,000-pod relist, a log
//! flood) is folded into the state in a few large batches rather than one
//! wake-up per message, and a bound per batch keeps the console responsive.

use tokio::sync::mpsc;

/// `first`, then every message already waiting on `rx`, at most `max` in all.
pub fn with_ready<T>(rx: &mut mpsc::Receiver<T>, first: T, max: usize) -> Vec<T> {
    let mut batch = vec![first];
    while batch.len() < max {
        match rx.try_recv() {
            Ok(message) => batch.push(message),
            Err(_) => break,
        }
    }
    batch
}

/// Waits for at least one message, then takes what else is waiting (at most
/// `max` in all). `None` once the channel is closed and empty.
pub async fn next_batch<T>(rx: &mut mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let first = rx.recv().await?;
    Some(with_ready(rx, first, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_takes_what_is_waiting_up_to_the_bound() {
        let (tx, mut rx) = mpsc::channel(16);
        for i in 0..5 {
            tx.send(i).await.unwrap();
        }
        assert_eq!(next_batch(&mut rx, 3).await, Some(vec![0, 1, 2]));
        assert_eq!(next_batch(&mut rx, 3).await, Some(vec![3, 4]));
        drop(tx);
        assert_eq!(next_batch(&mut rx, 3).await, None);
    }
}
