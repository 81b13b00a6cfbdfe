//! A bound on the work of expression evaluation over many features.
//!
//! An expression's size is bounded when it is parsed, and the features a
//! frame or a tile's labels read are bounded by the layout's budgets, but
//! their product is not small: a filter searching a 2 MB literal string
//! (`in`, `index-of`) for each of 50,000 points took 10^11 steps (minutes)
//! from a 7 MB style. So work that evaluates
//! expressions over a frame's or a tile's features runs under
//! [`with_fuel`]: each evaluated node burns a step, and a step more for each
//! item of data it copies or scans (a literal's values, a searched string
//! or list, a `within` polygon's points against the feature's; `match` and
//! `in` a literal list look their values up in a hash set instead). Once the steps are
//! spent, every evaluation fails at once (a property takes its default and
//! a filter drops its feature), and the caller says so in a warning.
//!
//! Every value an evaluation makes or copies (a string built by `concat`, a
//! property or a `let` binding read again) burns steps for its size too, so
//! the bytes an evaluation moves are bounded with its steps, and a string it
//! builds is at most [`MAX_STRING_BYTES`]: `let` shares a binding between
//! its `var`s, so forty `let`s each concatenating the last with itself would
//! otherwise build a string of 2^40 bytes from a 2 KB style.
//!
//! The bound is per thread: work with no bound around it (the expression
//! suite) is not counted; a style's constant expressions are folded under one
//! bound for the style ([`bounded`]).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use super::EvalError;

thread_local! {
    /// Steps left in the current bound (`u64::MAX`: none).
    static LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    /// Whether the current bound ran out.
    static OUT: Cell<bool> = const { Cell::new(false) };
    /// Whether an evaluation under the current bound would have built a
    /// string past [`MAX_STRING_BYTES`].
    static LONG: Cell<bool> = const { Cell::new(false) };
}

/// What the work under a bound ran into (see [`with_fuel`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spent {
    /// The steps ran out: every evaluation after that failed.
    pub steps: bool,
    /// Some evaluations failed at the string bound.
    pub long_strings: bool,
}

impl Spent {
    pub fn any(self) -> bool {
        self.steps || self.long_strings
    }
}

/// Steps a frame's layout, a tile's labels or a GeoJSON source's index may
/// take: seconds of evaluation (a step is 20 to 80 ns here); the streets
/// benchmark's frame takes under 10^5.
pub const MAX_STEPS: u64 = 1 << 26;

/// Steps a style's constant expressions may take while it is parsed (each is
/// evaluated once, when folded): the streets benchmark's style takes 6. With a
/// string's bytes an eighth of a step each, the strings folded into a style
/// stay under 128 MiB.
pub const STYLE_STEPS: u64 = 1 << 24;

/// The longest string an evaluation builds (`concat`, `join`), in bytes.
pub const MAX_STRING_BYTES: usize = 1 << 20;

/// What an evaluation past its bound fails with.
pub const SPENT: &str = "Expression evaluation stopped: its work bound was spent.";

/// Runs `f` with at most `steps` evaluation steps on this thread; returns
/// its result and what it ran into. A bound inside another spends
/// the outer one's steps too.
pub fn with_fuel<R>(steps: u64, f: impl FnOnce() -> R) -> (R, Spent) {
    struct Restore {
        left: u64,
        out: bool,
        long: bool,
        steps: u64,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            let spent = self.steps - LEFT.get().min(self.steps);
            LEFT.set(self.left.saturating_sub(spent));
            OUT.set(self.out);
            LONG.set(self.long);
        }
    }
    let _restore = Restore { left: LEFT.replace(steps), out: OUT.replace(false), long: LONG.replace(false), steps };
    let r = f();
    (r, Spent { steps: OUT.get(), long_strings: LONG.get() })
}

/// Runs `f` under a bound of at most `max` steps taken from `pool`, the
/// steps several jobs share (a style's GeoJSON sources), and takes the
/// steps `f` used from it: once the pool is spent, later jobs run with none.
pub fn with_fuel_from<R>(pool: &AtomicU64, max: u64, f: impl FnOnce() -> R) -> (R, Spent, u64) {
    let steps = pool.load(Ordering::Relaxed).min(max);
    let ((r, left_over), spent) = with_fuel(steps, || {
        let r = f();
        (r, LEFT.get())
    });
    let used = steps - left_over.min(steps);
    let _ = pool.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| Some(p.saturating_sub(used)));
    (r, spent, steps)
}

/// Fails a string an evaluation would build of `bytes` bytes past
/// [`MAX_STRING_BYTES`], and says so to the bound around it.
pub fn string_of(bytes: usize) -> Result<(), EvalError> {
    if bytes <= MAX_STRING_BYTES {
        return Ok(());
    }
    LONG.set(true);
    Err(EvalError(format!(
        "Expected a string of at most {MAX_STRING_BYTES} bytes, but it would take {bytes} (the expression string bound)."
    )))
}

/// Runs `f` under a bound of `steps` unless a bound is already active, whose
/// steps it then spends (a style's constant expressions share the style's
/// bound; one folded alone has its own).
pub fn bounded<R>(steps: u64, f: impl FnOnce() -> R) -> R {
    if LEFT.get() == u64::MAX && !OUT.get() {
        with_fuel(steps, f).0
    } else {
        f()
    }
}

/// Fails, as [`burn`] does, work that would take more than the steps left,
/// without spending any: a value is weighed before it is built, then burns
/// its weight once built.
pub fn afford(n: u64) -> Result<(), EvalError> {
    if n <= LEFT.get() {
        Ok(())
    } else {
        burn(n)
    }
}

/// Steps left in the current bound.
pub fn left() -> u64 {
    LEFT.get()
}

/// Spends `n` steps of the current bound; past it, the evaluation fails.
#[inline]
pub fn burn(n: u64) -> Result<(), EvalError> {
    let left = LEFT.get();
    if left >= n {
        LEFT.set(left - n);
        Ok(())
    } else {
        LEFT.set(0);
        OUT.set(true);
        Err(EvalError(SPENT.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_past_the_bound_fail_and_the_bound_says_it_ran_out() {
        let (r, out) = with_fuel(10, || (burn(4), burn(6), burn(1)));
        assert_eq!((r.0.is_ok(), r.1.is_ok(), r.2.is_err()), (true, true, true));
        assert!(out.steps && !out.long_strings);
        let ((), out) = with_fuel(10, || burn(10).unwrap());
        assert!(!out.any(), "exactly the bound is within it");
        // Outside any bound nothing runs out.
        assert!(burn(u64::MAX / 2).is_ok() && burn(u64::MAX / 4).is_ok());
    }

    #[test]
    fn affording_work_spends_nothing_until_it_is_past_the_steps_left() {
        let ((fits, left_after, past), out) = with_fuel(10, || (afford(10).is_ok(), left(), afford(11).is_err()));
        assert_eq!((fits, left_after, past), (true, 10, true));
        assert!(out.steps, "work past the steps left runs the bound out, as burn does");
    }

    #[test]
    fn jobs_sharing_a_pool_take_what_is_left_of_it() {
        let pool = AtomicU64::new(10);
        let (ok, spent, had) = with_fuel_from(&pool, 6, || burn(4).is_ok());
        assert_eq!((ok, spent.any(), had, pool.load(Ordering::Relaxed)), (true, false, 6, 6), "at most max, then the used steps go");
        let (ok, spent, had) = with_fuel_from(&pool, 100, || burn(7).is_ok());
        assert_eq!((ok, spent.steps, had, pool.load(Ordering::Relaxed)), (false, true, 6, 0), "what is left");
        let (ok, spent, had) = with_fuel_from(&pool, 100, || (burn(0).is_ok(), burn(1).is_err()));
        assert_eq!((ok, spent.steps, had), ((true, true), true, 0), "a spent pool: work without evaluation still runs");
    }

    #[test]
    fn an_inner_bound_spends_the_outer_ones_steps() {
        let ((inner_out, outer_failed), outer_out) = with_fuel(10, || {
            let ((), inner_out) = with_fuel(100, || burn(8).unwrap());
            (inner_out, burn(3).is_err())
        });
        assert!(!inner_out.any());
        assert!(outer_failed && outer_out.steps, "8 + 3 is past the outer 10");
    }
}
