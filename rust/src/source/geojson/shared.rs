//! One index per GeoJSON data set in the process: maps in any runtime that
//! load the same bytes with the same options share it. A tile server's pool
//! of runtimes otherwise parsed and indexed a large file once per runtime,
//! multiplying its memory by the pool's size; shared, the index's tile cache
//! is one budget too.
//!
//! Data is known by its SHA-256 and length (a hostile style cannot make its
//! data pass for another's); an index lives while a map holds it, and a map
//! asking while another builds the same index waits for it rather than
//! building its own, and gives up waiting when it no longer wants it (its
//! map or runtime is gone). Failures are not kept: the next map tries again.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{BuildError, GeoJsonIndex, GeoJsonOptions};

type Key = ([u8; 32], usize);

/// One data set under one set of options.
struct Slot {
    options: GeoJsonOptions,
    state: Mutex<SlotState>,
    /// Signalled when a build ends.
    built: Condvar,
}

#[derive(Default)]
struct SlotState {
    index: Weak<GeoJsonIndex>,
    /// Someone builds the index now.
    building: bool,
}

/// How often a map waiting for another's build asks whether it still wants it.
const WAIT_STEP: Duration = Duration::from_millis(50);

impl Slot {
    fn new(options: GeoJsonOptions) -> Slot {
        Slot { options, state: Mutex::default(), built: Condvar::new() }
    }

    fn state(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Someone builds or waits for the index, or a map holds it.
    fn in_use(slot: &Arc<Slot>) -> bool {
        Arc::strong_count(slot) > 1 || slot.state().index.strong_count() > 0
    }

    /// The slot's index: the one a map holds, the one another thread is
    /// building (waited for while `wanted`), or one built here by `build`.
    fn get_or_build(
        &self,
        wanted: &dyn Fn() -> bool,
        build: impl FnOnce() -> Result<GeoJsonIndex, BuildError>,
    ) -> Result<Arc<GeoJsonIndex>, BuildError> {
        let mut state = self.state();
        loop {
            if let Some(index) = state.index.upgrade() {
                return Ok(index);
            }
            if !state.building {
                break;
            }
            if !wanted() {
                return Err(BuildError::Invalid("GeoJSON index no longer wanted (its map is gone) while another map built it".into()));
            }
            state = self.built.wait_timeout(state, WAIT_STEP).unwrap_or_else(|e| e.into_inner()).0;
        }
        state.building = true;
        drop(state);
        // Ends the build also when `build` panics: waiters build their own.
        struct Building<'a>(&'a Slot);
        impl Drop for Building<'_> {
            fn drop(&mut self) {
                self.0.state().building = false;
                self.0.built.notify_all();
            }
        }
        let guard = Building(self);
        let index = Arc::new(build()?);
        self.state().index = Arc::downgrade(&index);
        drop(guard);
        Ok(index)
    }
}

fn registry() -> &'static Mutex<HashMap<Key, Vec<Arc<Slot>>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<Key, Vec<Arc<Slot>>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

/// The index of GeoJSON text (as [`GeoJsonIndex::from_json`]), shared with
/// every other map of the process that loaded the same bytes with the same
/// options. While another map builds it, waits as long as `wanted()`; a
/// build here stops when `wanted()` turns false
/// ([`GeoJsonIndex::from_json_while`]).
pub fn shared_index(text: &[u8], options: GeoJsonOptions, wanted: &dyn Fn() -> bool) -> Result<Arc<GeoJsonIndex>, BuildError> {
    let key: Key = (Sha256::digest(text).into(), text.len());
    let slot = {
        let mut registry = registry().lock().unwrap_or_else(|e| e.into_inner());
        // Data sets no map holds any more go (the registry stays as small
        // as what is loaded).
        registry.retain(|_, slots| {
            slots.retain(Slot::in_use);
            !slots.is_empty()
        });
        let slots = registry.entry(key).or_default();
        match slots.iter().find(|s| s.options == options) {
            Some(s) => Arc::clone(s),
            None => {
                let s = Arc::new(Slot::new(options.clone()));
                slots.push(Arc::clone(&s));
                s
            }
        }
    };
    slot.get_or_build(wanted, || GeoJsonIndex::from_json_while(text, options, wanted))
}

/// Whether the registry holds `text` under some options (tests).
#[cfg(test)]
fn registered(text: &[u8]) -> bool {
    let key: Key = (Sha256::digest(text).into(), text.len());
    let registry = registry().lock().unwrap();
    registry.get(&key).is_some_and(|slots| slots.iter().any(Slot::in_use))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(tag: &str, n: usize) -> Vec<u8> {
        let features: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"type":"Feature","properties":{{"tag":"{tag}"}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}}"#, i, i))
            .collect();
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")).into_bytes()
    }

    #[test]
    fn the_same_bytes_and_options_share_one_index() {
        let data = points("shared-one", 50);
        let a = shared_index(&data, GeoJsonOptions::default(), &|| true).unwrap();
        let b = shared_index(&data.clone(), GeoJsonOptions::default(), &|| true).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "same data and options: one index");
        let other_options = shared_index(&data, GeoJsonOptions { buffer: 64.0, ..GeoJsonOptions::default() }, &|| true).unwrap();
        assert!(!Arc::ptr_eq(&a, &other_options), "other options: another index");
        let other_data = shared_index(&points("shared-one", 51), GeoJsonOptions::default(), &|| true).unwrap();
        assert!(!Arc::ptr_eq(&a, &other_data), "other data: another index");
        assert_eq!(a.tile(0, 0, 0), GeoJsonIndex::from_json(&data, GeoJsonOptions::default()).unwrap().tile(0, 0, 0));
    }

    #[test]
    fn an_index_no_map_holds_is_forgotten_and_failures_are_not_kept() {
        let data = points("forgotten", 20);
        let index = shared_index(&data, GeoJsonOptions::default(), &|| true).unwrap();
        let weak = Arc::downgrade(&index);
        assert!(registered(&data));
        drop(index);
        assert_eq!(weak.strong_count(), 0, "the registry does not keep the index alive");
        assert!(!registered(&data), "the data set's entry went with its last holder");
        let again = shared_index(&data, GeoJsonOptions::default(), &|| true).unwrap();
        assert!(again.tile(0, 0, 0).unwrap().is_some(), "built again");
        let bad = b"{\"type\": \"FeatureCollection\", \"features\": [";
        for _ in 0..2 {
            let e = shared_index(bad, GeoJsonOptions::default(), &|| true).unwrap_err();
            assert!(e.to_string().contains("not valid JSON"), "{e}");
        }
    }

    #[test]
    fn maps_asking_at_once_wait_for_one_build() {
        let data = Arc::new(points("at-once", 3000));
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (data, barrier) = (Arc::clone(&data), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    shared_index(&data, GeoJsonOptions::default(), &|| true).unwrap()
                })
            })
            .collect();
        let indexes: Vec<Arc<GeoJsonIndex>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(indexes.iter().all(|i| Arc::ptr_eq(i, &indexes[0])), "one index for all four");
    }

    #[test]
    fn a_waiting_map_gives_up_when_no_longer_wanted_and_failed_builds_let_waiters_build() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::mpsc;
        let data = points("waiting", 10);
        let slot = Arc::new(Slot::new(GeoJsonOptions::default()));
        // A build that holds on until released.
        let (started, build_started) = mpsc::channel::<()>();
        let (release, released) = mpsc::channel::<()>();
        let builder = {
            let (slot, data) = (Arc::clone(&slot), data.clone());
            std::thread::spawn(move || {
                slot.get_or_build(&|| true, || {
                    started.send(()).unwrap();
                    released.recv().unwrap();
                    GeoJsonIndex::from_json(&data, GeoJsonOptions::default())
                })
            })
        };
        build_started.recv().unwrap();
        // A map that waits, then is removed: it gives up before the build ends.
        let wanted = Arc::new(AtomicBool::new(true));
        let (answer, answered) = mpsc::channel();
        let gives_up = {
            let (slot, wanted) = (Arc::clone(&slot), Arc::clone(&wanted));
            std::thread::spawn(move || {
                let got = slot.get_or_build(&|| wanted.load(Ordering::SeqCst), || panic!("a waiter built its own"));
                answer.send(got.map(|_| ()).unwrap_err()).unwrap();
            })
        };
        // One that stays: it gets the builder's index.
        let stays = {
            let slot = Arc::clone(&slot);
            std::thread::spawn(move || slot.get_or_build(&|| true, || panic!("a waiter built its own")))
        };
        wanted.store(false, Ordering::SeqCst);
        let gave_up = answered.recv_timeout(Duration::from_secs(20));
        release.send(()).unwrap();
        let e = gave_up.expect("the removed map waited for the build to end");
        assert!(e.to_string().contains("no longer wanted"), "{e}");
        gives_up.join().unwrap();
        let built = builder.join().unwrap().unwrap();
        assert!(Arc::ptr_eq(&built, &stays.join().unwrap().unwrap()), "the waiter got the builder's index");
        // A failed build ends the wait: the waiter builds its own.
        drop(built);
        let (started, build_started) = mpsc::channel::<()>();
        let (release, released) = mpsc::channel::<()>();
        let failing = {
            let slot = Arc::clone(&slot);
            std::thread::spawn(move || {
                slot.get_or_build(&|| true, || {
                    started.send(()).unwrap();
                    released.recv().unwrap();
                    Err("bad data".to_string().into())
                })
            })
        };
        build_started.recv().unwrap();
        let waiter = {
            let (slot, data) = (Arc::clone(&slot), data.clone());
            std::thread::spawn(move || slot.get_or_build(&|| true, || GeoJsonIndex::from_json(&data, GeoJsonOptions::default())))
        };
        release.send(()).unwrap();
        assert_eq!(failing.join().unwrap().unwrap_err(), BuildError::Invalid("bad data".into()));
        assert!(waiter.join().unwrap().is_ok(), "the waiter built the index after the failed build");
    }
}
