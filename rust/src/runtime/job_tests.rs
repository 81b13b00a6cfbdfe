//! Worker jobs whose map is gone are skipped: removing a map or destroying
//! a runtime does not wait for work nobody will see.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// A client that does nothing: the tests spawn jobs for its ids.
struct Idle;

impl Client for Idle {
    type Purpose = ();
    fn update(&mut self, _: &mut Core) {}
    fn touch(&mut self) {}
    fn on_response(&mut self, _: (), _: &ResourceInfo, _: Response, _: &mut Core) {}
    fn on_job_failed(&mut self, _: (), _: &str, _: &mut Core) {}
    fn has_style(&self) -> bool {
        false
    }
    fn is_view_loaded(&self) -> bool {
        true
    }
    fn describe_pending(&self) -> String {
        String::new()
    }
    fn render(&mut self, _: &mut Core) {}
}

fn runtime() -> Runtime<Idle> {
    let mut rt = Runtime::new(RuntimeOptions { worker_threads: 1, render_threads: 1, ..Default::default() }).unwrap();
    rt.add_map(1, Idle);
    rt.add_map(2, Idle);
    rt
}

fn nothing() -> MapWork<Idle> {
    Box::new(|_: &mut Idle, _: &mut Core| {})
}

/// A job that sets `flag` when it runs.
fn marks(flag: &Arc<AtomicBool>) -> impl FnOnce() -> MapWork<Idle> + Send + 'static {
    let flag = Arc::clone(flag);
    move || {
        flag.store(true, Ordering::SeqCst);
        nothing()
    }
}

#[test]
fn jobs_of_a_removed_map_are_skipped() {
    let mut rt = runtime();
    let (release, released) = mpsc::channel::<()>();
    let (ran_1, ran_2, ran_2_for) = (Arc::default(), Arc::default(), Arc::default());
    {
        let core = rt.map_mut(1).unwrap().1;
        // The one worker is busy until released: the jobs below queue.
        core.spawn(1, move || {
            released.recv().unwrap();
            nothing()
        });
        core.spawn(2, marks(&ran_2));
        core.spawn_for(2, (), marks(&ran_2_for));
        core.spawn(1, marks(&ran_1));
    }
    assert!(rt.remove_map(2).is_some());
    release.send(()).unwrap();
    // Map 1's job is the last in the queue: once it ran, the others have
    // run or been skipped.
    let start = Instant::now();
    while !ran_1.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(ran_1.load(Ordering::SeqCst), "map 1's job did not run");
    drop(rt);
    assert!(!ran_2.load(Ordering::SeqCst), "a job of the removed map ran");
    assert!(!ran_2_for.load(Ordering::SeqCst), "a spawn_for job of the removed map ran");
}

#[test]
fn destroying_a_runtime_skips_its_queued_jobs_and_tells_running_ones() {
    let mut rt = runtime();
    let ran = Arc::default();
    let gave_up = Arc::new(AtomicBool::new(false));
    let (started, job_started) = mpsc::channel::<()>();
    {
        let core = rt.map_mut(1).unwrap().1;
        // A long job that asks whether it is still wanted (as a map
        // waiting for another runtime's GeoJSON build does); it stops
        // after 20 s if nobody tells it.
        let (token, gave_up) = (core.job_token(1), Arc::clone(&gave_up));
        assert!(token.wanted());
        core.spawn(1, move || {
            started.send(()).unwrap();
            let start = Instant::now();
            while token.wanted() && start.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(5));
            }
            gave_up.store(!token.wanted(), Ordering::SeqCst);
            nothing()
        });
        core.spawn(1, marks(&ran));
    }
    job_started.recv().unwrap();
    let start = Instant::now();
    drop(rt);
    assert!(gave_up.load(Ordering::SeqCst), "the running job was not told (waited {:?})", start.elapsed());
    assert!(!ran.load(Ordering::SeqCst), "a queued job ran after its runtime was destroyed");
}
