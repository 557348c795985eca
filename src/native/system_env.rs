//! [`Env`] from the system clock, tokio timers and the OS random source.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::platform::Env;

/// The real clock. `sleep` needs a tokio runtime with time enabled.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemEnv;

impl Env for SystemEnv {
    fn now_ms(&self) -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
            .floor()
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        tokio::time::sleep(Duration::from_millis(ms))
    }

    fn random_u64(&self) -> u64 {
        getrandom::u64().expect("the OS random source is available")
    }
}
