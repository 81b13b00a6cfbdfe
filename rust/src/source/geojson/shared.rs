//! One index per GeoJSON data set in the process: maps in any runtime that
//! load the same bytes with the same options share it. A tile server's pool
//! of runtimes otherwise parsed and indexed a large file once per runtime,
//! multiplying its memory by the pool's size; shared, the index's tile cache
//! is one budget too.
//!
//! Data is known by its SHA-256 and length (a hostile style cannot make its
//! data pass for another's); an index lives while a map holds it, and a map
//! asking while another builds the same index waits for it rather than
//! building its own. Failures are not kept: the next map tries again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use sha2::{Digest, Sha256};

use super::{GeoJsonIndex, GeoJsonOptions};

type Key = ([u8; 32], usize);

/// One data set under one set of options.
struct Slot {
    options: GeoJsonOptions,
    /// Locked while the index is built.
    index: Mutex<Weak<GeoJsonIndex>>,
}

impl Slot {
    /// Someone builds or waits for the index, or a map holds it.
    fn in_use(slot: &Arc<Slot>) -> bool {
        // Only holders of the slot lock it: with none, this never waits.
        Arc::strong_count(slot) > 1 || slot.index.lock().unwrap_or_else(|e| e.into_inner()).strong_count() > 0
    }
}

fn registry() -> &'static Mutex<HashMap<Key, Vec<Arc<Slot>>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<Key, Vec<Arc<Slot>>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

/// The index of GeoJSON text (as [`GeoJsonIndex::from_json`]), shared with
/// every other map of the process that loaded the same bytes with the same
/// options.
pub fn shared_index(text: &[u8], options: GeoJsonOptions) -> Result<Arc<GeoJsonIndex>, String> {
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
                let s = Arc::new(Slot { options: options.clone(), index: Mutex::new(Weak::new()) });
                slots.push(Arc::clone(&s));
                s
            }
        }
    };
    let mut held = slot.index.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(index) = held.upgrade() {
        return Ok(index);
    }
    let index = Arc::new(GeoJsonIndex::from_json(text, options)?);
    *held = Arc::downgrade(&index);
    Ok(index)
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
        let a = shared_index(&data, GeoJsonOptions::default()).unwrap();
        let b = shared_index(&data.clone(), GeoJsonOptions::default()).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "same data and options: one index");
        let other_options = shared_index(&data, GeoJsonOptions { buffer: 64.0, ..GeoJsonOptions::default() }).unwrap();
        assert!(!Arc::ptr_eq(&a, &other_options), "other options: another index");
        let other_data = shared_index(&points("shared-one", 51), GeoJsonOptions::default()).unwrap();
        assert!(!Arc::ptr_eq(&a, &other_data), "other data: another index");
        assert_eq!(a.tile(0, 0, 0), GeoJsonIndex::from_json(&data, GeoJsonOptions::default()).unwrap().tile(0, 0, 0));
    }

    #[test]
    fn an_index_no_map_holds_is_forgotten_and_failures_are_not_kept() {
        let data = points("forgotten", 20);
        let index = shared_index(&data, GeoJsonOptions::default()).unwrap();
        let weak = Arc::downgrade(&index);
        assert!(registered(&data));
        drop(index);
        assert_eq!(weak.strong_count(), 0, "the registry does not keep the index alive");
        assert!(!registered(&data), "the data set's entry went with its last holder");
        let again = shared_index(&data, GeoJsonOptions::default()).unwrap();
        assert!(again.tile(0, 0, 0).is_some(), "built again");
        let bad = b"{\"type\": \"FeatureCollection\", \"features\": [";
        for _ in 0..2 {
            let e = shared_index(bad, GeoJsonOptions::default()).unwrap_err();
            assert!(e.contains("not valid JSON"), "{e}");
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
                    shared_index(&data, GeoJsonOptions::default()).unwrap()
                })
            })
            .collect();
        let indexes: Vec<Arc<GeoJsonIndex>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(indexes.iter().all(|i| Arc::ptr_eq(i, &indexes[0])), "one index for all four");
    }
}
