//! Locks shared by the threads of a run.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, also after a thread panicked holding it: a panic already fails the run, and
/// what keyless guards with a lock (caches, queues, counters) stays valid between updates, so
/// the other threads go on with it rather than panicking again.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
