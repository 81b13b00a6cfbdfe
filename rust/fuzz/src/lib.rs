//! The fuzz targets' entry points (one per target, in src/entries.rs), and
//! what makes a run of one input repeat exactly.
//!
//! std's hash maps (and serde_json's ordered maps, which use them) hash with
//! keys drawn at random: from the thread's first keys (from `getrandom`),
//! plus one for every map the thread made before. Which keys collide, and so
//! which branches of the table's probing run, then changed from one run of
//! an input to the next, and libFuzzer kept "finding" such edges (and adding
//! inputs for them) long after the code under test had stopped giving new
//! ones. So in the fuzz binaries `getrandom` gives fixed bytes, and each
//! input runs on a fresh thread ([`run`]), whose keys start from them: the
//! same input hashes the same way every time. Worker threads of the render
//! and capi targets still interleave as they will. (The stable replay test
//! includes only entries.rs: its maps keep std's random keys.)

pub mod entries;

/// Runs `entry` over `data` on a new thread (with the main thread's 8 MiB of
/// stack), so that it hashes as on every other run of `data` (see above). A
/// panic there reaches libFuzzer as one here would.
pub fn run(data: &[u8], entry: fn(&[u8])) {
    let joined = std::thread::scope(|s| std::thread::Builder::new().stack_size(8 << 20).spawn_scoped(s, || entry(data)).map(|t| t.join()));
    match joined {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        // No thread (out of threads): run here rather than not at all.
        Err(_) => entry(data),
    }
}

/// Fixed bytes for std's hash keys in the fuzz binaries (see above): this
/// definition takes the place of the C library's for the whole binary.
/// Nothing fuzzed wants real randomness.
///
/// # Safety
/// `buf` must be valid for `len` bytes of writes (as for getrandom(2)).
#[cfg(fuzzing)]
#[no_mangle]
pub unsafe extern "C" fn getrandom(buf: *mut u8, len: usize, _flags: u32) -> isize {
    for i in 0..len {
        *buf.add(i) = (i as u8).wrapping_mul(31).wrapping_add(7);
    }
    len as isize
}
