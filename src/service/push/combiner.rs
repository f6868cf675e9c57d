//! Flat combining: concurrent callers hand their jobs to one leader, which runs them
//! together and hands each caller its result.
//!
//! Pushes use it to share one write transaction (one lock acquisition, one version
//! bump, one commit) among the pushes that arrive while another batch is committing,
//! instead of queueing on the database's global lock one by one.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Where a submitted job stands.
enum SlotState<R> {
    /// Queued; its caller sleeps.
    Waiting,
    /// Its caller has been made the leader and must run the queue.
    Lead,
    /// Done; the result awaits its caller.
    Done(R),
    /// The result has been taken.
    Taken,
}

struct Slot<J, R> {
    job: J,
    state: Mutex<SlotState<R>>,
    wake: Condvar,
}

impl<J, R> Slot<J, R> {
    fn state(&self) -> MutexGuard<'_, SlotState<R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, state: SlotState<R>) {
        *self.state() = state;
        self.wake.notify_one();
    }
}

struct Queue<J, R> {
    waiting: Vec<Arc<Slot<J, R>>>,
    leader_active: bool,
}

/// Runs jobs in batches; at most one batch runs at a time per combiner.
pub struct Combiner<J, R> {
    queue: Mutex<Queue<J, R>>,
    max_batch: usize,
}

impl<J, R> Combiner<J, R> {
    /// A combiner running at most `max_batch` jobs together.
    pub fn new(max_batch: usize) -> Self {
        Combiner {
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                leader_active: false,
            }),
            max_batch: max_batch.max(1),
        }
    }

    fn queue(&self) -> MutexGuard<'_, Queue<J, R>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Submits `job` and blocks until its result is ready. When no batch is running the
    /// caller runs one itself; otherwise it waits to be served or made leader.
    /// `process` gets a batch of jobs and returns one result per job, in order; if it
    /// panics, every job of that batch gets `on_panic()`.
    pub fn run(
        &self,
        job: J,
        mut process: impl FnMut(&[&J]) -> Vec<R>,
        on_panic: impl Fn() -> R,
    ) -> R {
        let mine = Arc::new(Slot {
            job,
            state: Mutex::new(SlotState::Waiting),
            wake: Condvar::new(),
        });
        let lead = {
            let mut queue = self.queue();
            queue.waiting.push(Arc::clone(&mine));
            !std::mem::replace(&mut queue.leader_active, true)
        };
        if !lead && !self.wait_for_turn(&mine) {
            return self.take(&mine).unwrap_or_else(on_panic);
        }
        // Leader: run batches until this caller's own job is done, then hand over.
        loop {
            let batch = self.next_batch();
            let jobs: Vec<&J> = batch.iter().map(|slot| &slot.job).collect();
            let results = catch_unwind(AssertUnwindSafe(|| process(&jobs)));
            let results = match results {
                Ok(results) if results.len() == batch.len() => results,
                _ => batch.iter().map(|_| on_panic()).collect(),
            };
            for (slot, result) in batch.iter().zip(results) {
                slot.set(SlotState::Done(result));
            }
            if matches!(*mine.state(), SlotState::Done(_)) {
                break;
            }
        }
        self.hand_over();
        self.take(&mine).unwrap_or_else(on_panic)
    }

    /// Sleeps until the slot is done (false) or its caller must lead (true).
    fn wait_for_turn(&self, slot: &Slot<J, R>) -> bool {
        let mut state = slot.state();
        loop {
            match &*state {
                SlotState::Waiting => {
                    state = slot
                        .wake
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                SlotState::Lead => return true,
                SlotState::Done(_) | SlotState::Taken => return false,
            }
        }
    }

    fn next_batch(&self) -> Vec<Arc<Slot<J, R>>> {
        let mut queue = self.queue();
        let take = queue.waiting.len().min(self.max_batch);
        queue.waiting.drain(..take).collect()
    }

    /// Makes the oldest waiting caller the next leader, or marks the combiner idle.
    fn hand_over(&self) {
        let mut queue = self.queue();
        match queue.waiting.first() {
            Some(next) => next.set(SlotState::Lead),
            None => queue.leader_active = false,
        }
    }

    /// The slot's result; `None` only if it was not done, which the protocol above
    /// rules out (callers treat it like a failed batch).
    fn take(&self, slot: &Slot<J, R>) -> Option<R> {
        match std::mem::replace(&mut *slot.state(), SlotState::Taken) {
            SlotState::Done(result) => Some(result),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_job_gets_its_own_result_and_batches_form_under_contention() {
        let combiner = Arc::new(Combiner::<usize, usize>::new(8));
        let batches = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let (combiner, batches) = (Arc::clone(&combiner), Arc::clone(&batches));
                std::thread::spawn(move || {
                    (0..200)
                        .map(|k| {
                            let job = i * 1000 + k;
                            let result = combiner.run(
                                job,
                                |jobs| {
                                    batches.fetch_add(1, Ordering::SeqCst);
                                    std::thread::sleep(std::time::Duration::from_micros(50));
                                    jobs.iter().map(|&&j| j * 2).collect()
                                },
                                || usize::MAX,
                            );
                            (job, result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for thread in threads {
            for (job, result) in thread.join().unwrap_or_default() {
                assert_eq!(result, job * 2);
            }
        }
        assert!(
            batches.load(Ordering::SeqCst) < 16 * 200,
            "jobs were combined"
        );
    }

    #[test]
    fn a_panicking_batch_answers_every_job_and_the_combiner_keeps_working() {
        let combiner = Combiner::<u8, Option<u8>>::new(4);
        let failed = combiner.run(1, |_| panic!("boom"), || None);
        assert_eq!(failed, None);
        let ok = combiner.run(2, |jobs| jobs.iter().map(|&&j| Some(j)).collect(), || None);
        assert_eq!(ok, Some(2));
    }
}
