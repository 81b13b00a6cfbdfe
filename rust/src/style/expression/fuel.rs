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
//! The bound is per thread: work with no bound around it (the expression
//! suite, a host's query) is not counted.

use std::cell::Cell;

use super::EvalError;

thread_local! {
    /// Steps left in the current bound (`u64::MAX`: none).
    static LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    /// Whether the current bound ran out.
    static OUT: Cell<bool> = const { Cell::new(false) };
}

/// Steps a frame's layout, a tile's labels or a GeoJSON source's index may
/// take: seconds of evaluation (a step is 20 to 80 ns here); the streets
/// benchmark's frame takes under 10^5.
pub const MAX_STEPS: u64 = 1 << 26;

/// What an evaluation past its bound fails with.
pub const SPENT: &str = "Expression evaluation stopped: its work bound was spent.";

/// Runs `f` with at most `steps` evaluation steps on this thread; returns
/// its result and whether the steps ran out. A bound inside another spends
/// the outer one's steps too.
pub fn with_fuel<R>(steps: u64, f: impl FnOnce() -> R) -> (R, bool) {
    struct Restore {
        left: u64,
        out: bool,
        steps: u64,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            let spent = self.steps - LEFT.get().min(self.steps);
            LEFT.set(self.left.saturating_sub(spent));
            OUT.set(self.out);
        }
    }
    let _restore = Restore { left: LEFT.replace(steps), out: OUT.replace(false), steps };
    let r = f();
    (r, OUT.get())
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
        assert!(out);
        let ((), out) = with_fuel(10, || burn(10).unwrap());
        assert!(!out, "exactly the bound is within it");
        // Outside any bound nothing runs out.
        assert!(burn(u64::MAX / 2).is_ok() && burn(u64::MAX / 4).is_ok());
    }

    #[test]
    fn an_inner_bound_spends_the_outer_ones_steps() {
        let ((inner_out, outer_failed), outer_out) = with_fuel(10, || {
            let ((), inner_out) = with_fuel(100, || burn(8).unwrap());
            (inner_out, burn(3).is_err())
        });
        assert!(!inner_out);
        assert!(outer_failed && outer_out, "8 + 3 is past the outer 10");
    }
}
