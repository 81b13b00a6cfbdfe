//! Each hostile case of `hostile_tests` in a process of its own, held to a
//! peak resident set under 1 GiB: the cases render in one test process side
//! by side, where no one case's memory can be told apart, so this runs the
//! test binary again once per case and reads the child's peak from the
//! kernel as it is reaped (`wait4`'s `ru_maxrss`: the most the process ever
//! held, however briefly). A case that once grew to 24 GB fails here even if
//! the machine running it had the memory. (Linux on 64-bit targets, for
//! `wait4` and its `struct rusage`.)

use std::process::{Command, Stdio};

/// Set in the children, so a child never starts children of its own.
const CHILD: &str = "MAPCORE_HOSTILE_PEAKS_CHILD";
const CASES: &str = "map::hostile_tests::";
const LIMIT_KIB: i64 = 1 << 20;

/// Linux's `struct rusage` on 64-bit targets: two `timeval`s, then fourteen
/// `long`s of which `ru_maxrss` (KiB) is the first.
#[repr(C)]
#[derive(Default)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    maxrss: i64,
    rest: [i64; 13],
}

extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, usage: *mut Rusage) -> i32;
}

/// Runs `exe` on the one test `name`; its exit status and peak RSS (KiB).
fn run_alone(exe: &std::path::Path, name: &str) -> (i32, i64) {
    let child = Command::new(exe)
        .args(["--exact", name, "--test-threads=1", "-q"])
        .env(CHILD, "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {} for {name}: {e}", exe.display()));
    let pid = i32::try_from(child.id()).expect("a pid fits in pid_t");
    let mut status = 0;
    let mut usage = Rusage::default();
    // SAFETY: `pid` is our own unreaped child (std's Child does not wait on
    // drop); status and usage are valid for writes of their C types.
    let reaped = unsafe { wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4 for {name}: {}", std::io::Error::last_os_error());
    (status, usage.maxrss)
}

#[test]
fn every_hostile_case_peaks_under_1_gib_in_a_process_of_its_own() {
    if std::env::var_os(CHILD).is_some() {
        return; // a child runs one named case only; this is never it
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let listing = Command::new(&exe).args(["--list", "--format", "terse"]).env(CHILD, "1").output().expect("the test list");
    let cases: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .filter(|name| name.starts_with(CASES))
        .map(str::to_string)
        .collect();
    assert!(cases.len() >= 20, "the test binary lists {} hostile cases (filtered builds cannot run this test)", cases.len());
    let mut peaks = Vec::new();
    for name in &cases {
        let (status, kib) = run_alone(&exe, name);
        assert_eq!(status, 0, "{name} failed alone (wait status {status:#x}): run it with --exact to see why");
        assert!(kib < LIMIT_KIB, "{name} peaked at {} MiB resident, past {} MiB", kib / 1024, LIMIT_KIB / 1024);
        peaks.push((kib, name));
    }
    peaks.sort();
    let (kib, name) = peaks.last().expect("cases ran");
    eprintln!("{} hostile cases, each alone: the largest peak {} MiB ({name})", peaks.len(), kib / 1024);
}
