//! A runtime's outstanding resource requests, and how many are out at once.
//!
//! A style may ask for thousands of resources in one update (a source per
//! tile set, each with its tiles). Every request handed to the provider or
//! to a loader may come back with up to `max_resource_bytes`, and a host's
//! provider may hold a connection and a body for each. So at most
//! [`super::Limits::max_requests_in_flight`] are out at once, as MapLibre
//! Native's online file source does (20); the others wait here in the
//! order they were made and go out as answers come back (an answer counts
//! until the owner thread has handled it, so answers waiting in the inbox
//! count too). A waiting request of a map that goes is dropped without
//! reaching anyone.
//!
//! Byte ranges that workers reading remote archives ask for
//! ([`super::Message::Range`]) are not counted: a tile read from a remote
//! archive is already out while it waits for its ranges, and the archive
//! readers are few ([`super::archives::REMOTE_READERS`]).

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::resource::{Provider, Request};

/// One request the runtime waits for.
pub(super) struct Pending {
    pub map: u64,
    pub purpose: Box<dyn Any + Send>,
    pub request: Arc<Request>,
    /// The provider that took the request (it hears of cancellation).
    pub provider: Option<Arc<dyn Provider>>,
    /// Whether it went out (to the provider or a loader); else it waits.
    sent: bool,
}

impl Pending {
    pub fn new(map: u64, purpose: Box<dyn Any + Send>, request: Arc<Request>) -> Pending {
        Pending { map, purpose, request, provider: None, sent: false }
    }
}

/// The outstanding requests, those out and those waiting to go.
pub(super) struct Requests {
    pending: HashMap<u64, Pending>,
    /// Requests not yet sent, oldest first (ids of cancelled ones are
    /// skipped when they come up).
    waiting: VecDeque<u64>,
    /// Requests sent and not yet answered or cancelled.
    out: usize,
    max_out: usize,
}

impl Requests {
    pub fn new(max_out: u32) -> Requests {
        Requests { pending: HashMap::new(), waiting: VecDeque::new(), out: 0, max_out: (max_out as usize).max(1) }
    }

    /// Adds a request; it waits for [`Requests::next_to_send`].
    pub fn add(&mut self, pending: Pending) {
        let id = pending.request.id;
        self.waiting.push_back(id);
        self.pending.insert(id, pending);
    }

    /// The next waiting request, if one may go out now (it then counts as
    /// out until answered or cancelled).
    pub fn next_to_send(&mut self) -> Option<Arc<Request>> {
        while self.out < self.max_out {
            let id = self.waiting.pop_front()?;
            if let Some(p) = self.pending.get_mut(&id) {
                p.sent = true;
                self.out += 1;
                return Some(p.request.clone());
            }
        }
        None
    }

    /// Notes the provider that took request `id`.
    pub fn set_provider(&mut self, id: u64, provider: Arc<dyn Provider>) {
        if let Some(p) = self.pending.get_mut(&id) {
            p.provider = Some(provider);
        }
    }

    /// Takes request `id` off the books: answered, or cancelled.
    pub fn take(&mut self, id: u64) -> Option<Pending> {
        let p = self.pending.remove(&id)?;
        if p.sent {
            self.out -= 1;
        }
        Some(p)
    }

    /// The ids of `map`'s requests.
    pub fn of_map(&self, map: u64) -> Vec<u64> {
        self.pending.iter().filter(|(_, p)| p.map == map).map(|(id, _)| *id).collect()
    }

    /// Requests out, and waiting to go.
    pub fn counts(&self) -> (usize, usize) {
        (self.out, self.pending.len() - self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::resource::{ResourceInfo, ResourceKind, ResponseSink};
    use std::sync::Weak;

    fn request(id: u64) -> Pending {
        let sink: Weak<dyn ResponseSink> = Weak::<super::super::Shared>::new();
        let info = ResourceInfo { url: format!("https://x/{id}"), kind: ResourceKind::Tile, tile: None, range: None };
        Pending::new(id % 2, Box::new(()), Arc::new(Request::new(id, info, sink)))
    }

    fn send_all(r: &mut Requests) -> Vec<u64> {
        std::iter::from_fn(|| r.next_to_send()).map(|q| q.id).collect()
    }

    #[test]
    fn at_most_max_out_go_out_and_the_rest_follow_in_order() {
        let mut r = Requests::new(3);
        for id in 1..=7 {
            r.add(request(id));
        }
        assert_eq!(send_all(&mut r), [1, 2, 3]);
        assert_eq!(r.counts(), (3, 4));
        // An answer frees one place.
        assert!(r.take(2).is_some());
        assert_eq!(send_all(&mut r), [4]);
        // Cancelling map 1's requests (the odd ids) frees the places of 1
        // and 3 and drops waiting 5 and 7 unsent.
        for id in r.of_map(1) {
            r.take(id);
        }
        assert_eq!(r.counts(), (1, 1));
        assert_eq!(send_all(&mut r), [6]);
        assert_eq!(r.counts(), (2, 0));
        // A second answer for one request changes nothing.
        assert!(r.take(4).is_some());
        assert!(r.take(4).is_none());
        assert_eq!(r.counts(), (1, 0));
    }

    #[test]
    fn zero_means_one() {
        let mut r = Requests::new(0);
        r.add(request(1));
        r.add(request(2));
        assert_eq!(send_all(&mut r), [1]);
    }
}
