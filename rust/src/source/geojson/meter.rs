//! The memory a GeoJSON read makes, held to a limit as it is made.
//!
//! Text is bounded by the resource limit, but what a read makes from it is
//! not bounded by its text: `{},` is 3 bytes and an object of about 200,
//! `"k":0,` 6 bytes and a member of about 60, `[[],[]]` a list entry per 3
//! bytes. 60 MB of `{}` in a FeatureCollection took 4.9 GB to read. Every
//! value the readers keep is charged here before the next is read, so a
//! read stops, with an error naming the limit, within one value of it.

use std::cell::Cell;

/// Bytes charged by one read, and its limit.
pub struct Meter {
    max: u64,
    used: Cell<u64>,
    /// Set when a charge passed the limit, so the error the read unwinds
    /// with is told from a JSON error without reading its message.
    over: Cell<bool>,
}

impl Meter {
    pub fn new(max: u64) -> Meter {
        Meter { max, used: Cell::new(0), over: Cell::new(false) }
    }

    /// A meter that never stops a read (parsed values, tests).
    pub fn unlimited() -> Meter {
        Meter::new(u64::MAX)
    }

    /// Charges `bytes`; past the limit, the read stops.
    pub fn charge<E: serde::de::Error>(&self, bytes: usize) -> Result<(), E> {
        let used = self.used.get().saturating_add(bytes as u64);
        self.used.set(used);
        if used > self.max {
            self.over.set(true);
            return Err(E::custom(format!("past {} bytes read", self.max)));
        }
        Ok(())
    }

    /// Charges one value of type `T` and `extra` bytes it holds.
    pub fn charge_for<T, E: serde::de::Error>(&self, extra: usize) -> Result<(), E> {
        self.charge(std::mem::size_of::<T>().saturating_add(extra))
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// Whether a charge passed the limit.
    pub fn over(&self) -> bool {
        self.over.get()
    }
}
