//! When a background sender runs a delivery round: the sender loop's decisions, with
//! no I/O, so every host's loop shares them and they are tested natively with a fake
//! clock (`tests/send_schedule.rs`). The wasm loop (`wasm/sender.rs`) only sleeps,
//! waits for triggers, takes the lock and runs the round this says to run.
//!
//! The rules:
//! - a round runs when forced (a trigger such as `online`), when the client's own
//!   wake time (debounce after an enqueue, end of a backoff) has come, or every
//!   [`ADOPT_EVERY_MS`] in any case, to pick up records no live instance will send;
//! - when another instance holds the lock, look again after [`LOCK_RETRY_MS`] plus up
//!   to half a second of jitter (so two instances do not retry in step);
//! - a round that delivered nothing while ops are still due waits [`STALL_PAUSE_MS`]
//!   rather than spin (the backend answers but will not take them yet);
//! - otherwise the loop sleeps until the next wake time or adoption, at least 1 ms.

/// How soon to look again when another instance holds the lock.
pub const LOCK_RETRY_MS: f64 = 1_000.0;
/// How often an idle instance looks for records no live instance will send.
pub const ADOPT_EVERY_MS: f64 = 30_000.0;
/// Batches per round, so one round never holds the lock for long.
pub const MAX_BATCHES_PER_ROUND: usize = 20;
/// A round that made no progress but still has due ops waits this long.
pub const STALL_PAUSE_MS: f64 = 5_000.0;
/// Most jitter added to [`LOCK_RETRY_MS`].
pub const LOCK_JITTER_MS: u64 = 500;

/// What the loop does next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Run a round now; `force` ignores the backoff.
    Round { force: bool },
    /// Sleep this many ms, or until a trigger.
    Sleep(u64),
}

/// How a round ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Another instance holds the lock.
    Locked,
    /// The round ran; whether it delivered or dead-lettered anything.
    Ran { progressed: bool },
}

/// The loop's memory between rounds.
#[derive(Debug, Clone, Default)]
pub struct SendSchedule {
    /// No round before this, unless forced.
    not_before: f64,
    /// The next adoption round.
    next_adopt: f64,
}

impl SendSchedule {
    /// What to do at `now`. `wake` is the client's `next_wake_at()`.
    pub fn next(&mut self, now: f64, force: bool, wake: Option<f64>) -> Next {
        let wake = wake.map(|t| t.max(self.not_before));
        if force || now >= self.next_adopt || wake.is_some_and(|t| t <= now) {
            self.next_adopt = now + ADOPT_EVERY_MS;
            return Next::Round { force };
        }
        let until = wake.map_or(self.next_adopt, |t| t.min(self.next_adopt));
        Next::Sleep((until - now).max(1.0) as u64)
    }

    /// Records how a round ended at `now`. `still_due`: the client's wake time has
    /// come (ops are due); `jitter` is a random number.
    pub fn after(&mut self, now: f64, outcome: Outcome, still_due: bool, jitter: u64) {
        self.not_before = match outcome {
            Outcome::Locked => now + LOCK_RETRY_MS + (jitter % LOCK_JITTER_MS) as f64,
            Outcome::Ran { progressed: false } if still_due => now + STALL_PAUSE_MS,
            Outcome::Ran { .. } => 0.0,
        };
    }
}
