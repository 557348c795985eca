//! The clients' clock: virtual time that the workload moves forward by seconds per op
//! (so calls have real durations), frozen while an op is recorded (so the workload
//! knows every op's `occurredAt` to the millisecond), and flowing at the real rate in
//! between (so backoff and `Retry-After` expire while delivery runs).
//!
//! Invariants: time never goes backwards; it stays within [`MAX_DRIFT_MS`] of the
//! wall clock, so a batch's `sentAt` is never more than 120 s from the server's now
//! and the server applies no skew shift — the expected timestamps are exactly the
//! recorded ones.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use video_session_sdk::native::SystemEnv;
use video_session_sdk::platform::Env;

/// How far virtual time may run ahead of (or start behind) the wall clock. The
/// server shifts event times only when |serverNow − sentAt| > 120 s; the margin
/// covers the proxy's longest delay.
pub const MAX_DRIFT_MS: f64 = 90_000.0;

pub fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

struct State {
    base_virtual: Cell<f64>,
    base_real: Cell<Instant>,
    frozen: Cell<Option<f64>>,
}

/// Shared by every incarnation of one client (a crash loses memory, not the clock).
#[derive(Clone)]
pub struct VirtualClock {
    state: Rc<State>,
}

impl VirtualClock {
    /// Starts [`MAX_DRIFT_MS`] behind the wall clock, leaving room to run ahead.
    pub fn new() -> Self {
        VirtualClock {
            state: Rc::new(State {
                base_virtual: Cell::new(wall_ms() - MAX_DRIFT_MS),
                base_real: Cell::new(Instant::now()),
                frozen: Cell::new(None),
            }),
        }
    }

    /// The time the next op will carry: `want_ms` after now, at least 1 ms after now
    /// (so op keys and event times strictly increase), capped by the drift bound.
    pub fn next_op_time(&self, want_ms: u64) -> f64 {
        let now = self.now_ms();
        let cap = wall_ms() + MAX_DRIFT_MS;
        (now + want_ms as f64).min(cap).max(now + 1.0)
    }

    /// Stops the clock at `at` until [`VirtualClock::release`].
    pub fn freeze(&self, at: f64) {
        self.state.frozen.set(Some(at));
    }

    /// Lets time flow again from the frozen instant.
    pub fn release(&self) {
        if let Some(at) = self.state.frozen.take() {
            self.state.base_virtual.set(at);
            self.state.base_real.set(Instant::now());
        }
    }
}

impl Env for VirtualClock {
    fn now_ms(&self) -> f64 {
        if let Some(at) = self.state.frozen.get() {
            return at;
        }
        let elapsed = self.state.base_real.get().elapsed().as_millis() as f64;
        self.state.base_virtual.get() + elapsed
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        tokio::time::sleep(Duration::from_millis(ms))
    }

    fn random_u64(&self) -> u64 {
        SystemEnv.random_u64()
    }
}
