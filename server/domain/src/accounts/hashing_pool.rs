//! Password hashing runs on a few threads of its own, at a lower CPU priority (nice 10 on Linux).
//! Argon2id is expensive on purpose; on a shared blocking pool a flood of sign-ins would take the
//! CPU from token checks and pages at equal priority, and every pool thread that ever hashed would
//! keep a 19 MiB heap arena of its own. Here the threads are few and fixed (they bound how many
//! hashes run at once; the rest wait in the queue), and any other work wins the CPU from them.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use crate::{Error, Result};

type Job = Box<dyn FnOnce() + Send>;

/// How much less CPU the hashing threads get than everything else (the `nice` value).
const NICENESS: i32 = 10;

#[derive(Clone)]
pub(crate) struct HashingPool {
    jobs: Sender<Job>,
}

impl HashingPool {
    /// Starts `threads` hashing threads (at least one); they end when the last handle is dropped.
    pub(crate) fn start(threads: usize) -> Result<HashingPool> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || work(&queue))
                .map_err(Error::internal)?;
        }
        Ok(HashingPool { jobs })
    }

    /// Runs `f` on a hashing thread and waits for its result without blocking the runtime.
    pub(crate) async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (answer, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(f());
        });
        self.jobs.send(job).map_err(|_| Error::internal_msg("the password-hashing threads have stopped"))?;
        result.await.map_err(|_| Error::internal_msg("a password hash failed"))
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        // The lock is held only while taking a job, never while hashing.
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A panic fails that one hash (its caller gets an error), not the thread.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux the nice value belongs to the thread, so this leaves the rest of the process alone.
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), NICENESS) {
        tracing::warn!(error = %e, "could not lower the priority of a password-hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {
    let _ = NICENESS;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_pool_at_lower_priority_and_a_panic_fails_only_its_job() {
        let pool = HashingPool::start(1).unwrap();
        let name = pool.run(|| std::thread::current().name().map(str::to_owned)).await.unwrap();
        assert_eq!(name.as_deref(), Some("password-hash-0"));
        #[cfg(target_os = "linux")]
        {
            let nice = pool.run(|| rustix::process::getpriority_process(Some(rustix::thread::gettid()))).await.unwrap().unwrap();
            assert!(nice >= NICENESS, "{nice}");
        }
        assert!(pool.run(|| panic!("boom")).await.is_err());
        assert_eq!(pool.run(|| 2 + 2).await.unwrap(), 4, "the thread lives on");
    }
}
