//! The runtime's inbox: finished work posted from any thread, waited on by the
//! owner thread. A wake is a message without content.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::Instant;

/// A queue of messages with a blocking wait, shared between the owner thread
/// (which drains it) and workers, resource completions and wakers (which post).
pub struct Inbox<M> {
    state: Mutex<InboxState<M>>,
    ready: Condvar,
}

struct InboxState<M> {
    queue: VecDeque<M>,
    woken: bool,
}

impl<M> Default for Inbox<M> {
    fn default() -> Self {
        Inbox { state: Mutex::new(InboxState { queue: VecDeque::new(), woken: false }), ready: Condvar::new() }
    }
}

impl<M> Inbox<M> {
    fn lock(&self) -> std::sync::MutexGuard<'_, InboxState<M>> {
        // A panic while holding this lock cannot leave the queue inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Posts a message and wakes the waiting thread. Any thread.
    pub fn post(&self, message: M) {
        self.lock().queue.push_back(message);
        self.ready.notify_all();
    }

    /// Makes the current or next wait return. Any thread.
    pub fn wake(&self) {
        self.lock().woken = true;
        self.ready.notify_all();
    }

    /// Takes every queued message. Waits until a message or a wake arrives or
    /// `deadline` passes (`None` = no wait); a pending wake is consumed.
    pub fn take(&self, deadline: Option<Instant>) -> Vec<M> {
        let mut state = self.lock();
        if let Some(deadline) = deadline {
            while state.queue.is_empty() && !state.woken {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = match self.ready.wait_timeout(state, deadline - now) {
                    Ok((s, _)) => s,
                    Err(e) => e.into_inner().0,
                };
            }
        }
        state.woken = false;
        state.queue.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn take_returns_posted_messages_in_order() {
        let inbox = Inbox::default();
        inbox.post(1);
        inbox.post(2);
        assert_eq!(inbox.take(None), vec![1, 2]);
        assert!(inbox.take(None).is_empty());
    }

    #[test]
    fn wake_from_another_thread_ends_a_wait() {
        let inbox: Arc<Inbox<u8>> = Arc::new(Inbox::default());
        let other = inbox.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            other.wake();
        });
        let start = Instant::now();
        let got = inbox.take(Some(start + Duration::from_secs(30)));
        t.join().unwrap();
        assert!(got.is_empty());
        assert!(start.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn post_from_another_thread_ends_a_wait() {
        let inbox: Arc<Inbox<u8>> = Arc::new(Inbox::default());
        let other = inbox.clone();
        let t = std::thread::spawn(move || other.post(7));
        let got = inbox.take(Some(Instant::now() + Duration::from_secs(30)));
        t.join().unwrap();
        assert_eq!(got, vec![7]);
    }
}
