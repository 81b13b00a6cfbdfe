//! A small pool of worker threads for decoding and layout.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Fixed-size thread pool. Jobs run in submission order per free worker;
/// dropping the pool finishes queued jobs and joins the threads.
pub struct WorkerPool {
    sender: Option<mpsc::Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Starts `count` workers (at least one).
    pub fn new(count: usize) -> std::io::Result<WorkerPool> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut threads = Vec::new();
        for i in 0..count.max(1) {
            let receiver = receiver.clone();
            let handle = std::thread::Builder::new().name(format!("mapcore-worker-{i}")).spawn(move || loop {
                let job = match receiver.lock() {
                    Ok(r) => r.recv(),
                    Err(_) => return,
                };
                match job {
                    // A panicking job must not take the worker down; the job's
                    // owner sees its result never arrive and reports that.
                    Ok(job) => {
                        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                            log::error!("a worker job panicked");
                        }
                    }
                    Err(_) => return,
                }
            })?;
            threads.push(handle);
        }
        Ok(WorkerPool { sender: Some(sender), threads })
    }

    /// Queues a job.
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(sender) = &self.sender {
            // Send fails only when every worker is gone (after a drop started).
            let _ = sender.send(Box::new(job));
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.sender.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// How many threads to use for `requested` (0 = one per core, at most 8).
pub fn thread_count(requested: u32) -> usize {
    if requested > 0 {
        return requested.min(64) as usize;
    }
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn runs_every_job_and_survives_a_panicking_one() {
        let done = Arc::new(AtomicUsize::new(0));
        {
            let pool = WorkerPool::new(2).unwrap();
            pool.spawn(|| panic!("job failure"));
            for _ in 0..10 {
                let done = done.clone();
                pool.spawn(move || {
                    done.fetch_add(1, Ordering::SeqCst);
                });
            }
        }
        assert_eq!(done.load(Ordering::SeqCst), 10);
    }
}
