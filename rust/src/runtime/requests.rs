//! A runtime's outstanding resource requests, and how many are out at once.
//!
//! A style may ask for thousands of resources in one update (a source per
//! tile set, each with its tiles). Every request handed to the provider or
//! to a loader may come back with up to `max_resource_bytes`, and a host's
//! provider may hold a connection and a body for each. So at most
//! [`super::Limits::max_requests_in_flight`] are out at once, as MapLibre
//! Native's online file source does (20); the others wait here in the
//! order they were made and go out as answers come back. An answer counts
//! until the owner thread has handled it, so answers waiting in the inbox
//! count too, and then until the first job it started (decoding a tile,
//! say) is done: the job holds its [`Place`]. So the raw answers waiting
//! for a worker are bounded as well. A waiting request of a map that goes
//! is dropped without reaching anyone.
//!
//! Byte ranges that workers reading remote archives ask for
//! ([`super::Message::Range`]) are not counted: a tile read from a remote
//! archive is already out while it waits for its ranges, and the archive
//! readers are few ([`super::archives::REMOTE_READERS`]).

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// Why it is refused instead of sent (it is answered with this error
    /// in its turn, as any other answer).
    refusal: Option<String>,
}

impl Pending {
    pub fn new(map: u64, purpose: Box<dyn Any + Send>, request: Arc<Request>) -> Pending {
        Pending { map, purpose, request, provider: None, sent: false, refusal: None }
    }

    /// The request is to be answered with the error `why` instead of sent.
    pub fn refused(self, why: Option<String>) -> Pending {
        Pending { refusal: why, ..self }
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
    /// Answers whose work still holds their place.
    busy: Arc<AtomicUsize>,
    max_out: usize,
    /// Wakes the owner thread: run when a place is dropped unreleased.
    wake: Wake,
}

/// Wakes the owner thread (shared by every [`Place`]).
pub(super) type Wake = Arc<dyn Fn() + Send + Sync>;

/// An answered request's place among those in flight, held by the job its
/// answer started until the job's result is ready.
pub struct Place {
    busy: Option<Arc<AtomicUsize>>,
    /// Run when the place is dropped unreleased (a job skipped, or one that
    /// panicked outside `spawn_for`'s catch): nothing will reach the owner
    /// thread, so it is woken to send the next request.
    wake: Wake,
}

impl Place {
    /// Gives the place back (the owner thread sends the next request when
    /// it handles what comes now).
    pub fn release(mut self) {
        if let Some(busy) = self.busy.take() {
            busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(busy) = self.busy.take() {
            busy.fetch_sub(1, Ordering::SeqCst);
            (self.wake)();
        }
    }
}

impl Requests {
    /// Requests with at most `max_out` out at once (0 counts as 1); `wake`
    /// wakes the owner thread when a place is dropped unreleased.
    pub fn new(max_out: u32, wake: Wake) -> Requests {
        Requests {
            pending: HashMap::new(),
            waiting: VecDeque::new(),
            out: 0,
            busy: Default::default(),
            max_out: (max_out as usize).max(1),
            wake,
        }
    }

    /// A place for the work of an answer just taken ([`Requests::take`]):
    /// until it is released or dropped, one fewer request may go out.
    pub fn place(&self) -> Place {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Place { busy: Some(self.busy.clone()), wake: self.wake.clone() }
    }

    fn in_flight(&self) -> usize {
        self.out + self.busy.load(Ordering::SeqCst)
    }

    /// Adds a request; it waits for [`Requests::next_to_send`].
    pub fn add(&mut self, pending: Pending) {
        let id = pending.request.id;
        self.waiting.push_back(id);
        self.pending.insert(id, pending);
    }

    /// The next waiting request, if one may go out now (it then counts as
    /// out until answered or cancelled), and why it is refused, if it is.
    pub fn next_to_send(&mut self) -> Option<(Arc<Request>, Option<String>)> {
        while self.in_flight() < self.max_out {
            let id = self.waiting.pop_front()?;
            if let Some(p) = self.pending.get_mut(&id) {
                p.sent = true;
                self.out += 1;
                return Some((p.request.clone(), p.refusal.take()));
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

    /// Requests in flight (out, or answered with their work running), and
    /// waiting to go.
    pub fn counts(&self) -> (usize, usize) {
        (self.in_flight(), self.pending.len() - self.out)
    }

    /// How many may be out at once (the limit as taken: 0 counts as 1).
    pub fn max_out(&self) -> usize {
        self.max_out
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
        std::iter::from_fn(|| r.next_to_send()).map(|(q, _)| q.id).collect()
    }

    #[test]
    fn at_most_max_out_go_out_and_the_rest_follow_in_order() {
        let mut r = Requests::new(3, Arc::new(|| {}));
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
    fn an_answers_work_holds_its_place_until_released_or_dropped() {
        use std::sync::atomic::AtomicBool;
        let woken = Arc::new(AtomicBool::new(false));
        let flag = woken.clone();
        let mut r = Requests::new(2, Arc::new(move || flag.store(true, Ordering::SeqCst)));
        for id in 1..=5 {
            r.add(request(id));
        }
        assert_eq!(send_all(&mut r), [1, 2]);
        // Both answered; their decoding jobs hold the places.
        let places: Vec<Place> = [1, 2]
            .iter()
            .map(|&id| {
                assert!(r.take(id).is_some());
                r.place()
            })
            .collect();
        assert_eq!(send_all(&mut r), [0u64; 0], "no place is free while the jobs run");
        assert_eq!(r.counts(), (2, 3));
        let mut places = places.into_iter();
        places.next().unwrap().release();
        assert!(!woken.load(Ordering::SeqCst), "a released place does not wake the owner thread");
        assert_eq!(send_all(&mut r), [3]);
        // A job skipped (its map gone) drops its place: the owner thread is
        // woken to send the next request.
        drop(places.next());
        assert!(woken.load(Ordering::SeqCst));
        assert_eq!(send_all(&mut r), [4]);
        assert_eq!(r.counts(), (2, 1));
    }

    #[test]
    fn zero_means_one() {
        let mut r = Requests::new(0, Arc::new(|| {}));
        r.add(request(1));
        r.add(request(2));
        assert_eq!(send_all(&mut r), [1]);
        // The timeout message names the limit as taken.
        assert_eq!(r.max_out(), 1);
    }
}
