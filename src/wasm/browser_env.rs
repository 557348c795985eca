//! [`Env`] for browsers, workers and Node: `Date.now`, `setTimeout` and
//! `crypto.getRandomValues`, bound as globals so they work without a `window`.
//!
//! Invariants:
//! - a dropped [`Sleep`] clears its timer, so losing a race leaves nothing behind;
//! - a missing or throwing `crypto` falls back to `Math.random` rather than failing:
//!   the ids it feeds must be unique, not secret.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::platform::Env;

#[wasm_bindgen]
extern "C" {
    /// A number in browsers, a `Timeout` object in Node: kept opaque.
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = console, js_name = log)]
    fn console_log_js(line: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = console, js_name = warn)]
    fn console_warn_js(line: &str) -> Result<(), JsValue>;
}

/// `console.log`, silently nothing where there is no console (some embedded runtimes).
pub(crate) fn console_log(line: &str) {
    let _ = console_log_js(line);
}

pub(crate) fn console_warn(line: &str) {
    let _ = console_warn_js(line);
}

/// Browsers clamp longer delays to 1 ms; stay below 2^31 - 1.
const MAX_TIMER_MS: u64 = 0x7fff_ffff;

/// Resolves after a `setTimeout`; clears the timer when dropped early.
pub(crate) struct Sleep {
    fut: JsFuture,
    timer: JsValue,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.fut).poll(cx).map(|_| ())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if !self.timer.is_undefined() {
            let _ = clear_timeout(&self.timer);
        }
    }
}

/// A timer of `ms` milliseconds. Without a `setTimeout` it resolves at once rather
/// than never (there is then no way to wait at all).
pub(crate) fn sleep(ms: u64) -> Sleep {
    let mut timer = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |resolve, _reject| match set_timeout(
        &resolve,
        ms.min(MAX_TIMER_MS) as f64,
    ) {
        Ok(id) => timer = id,
        Err(_) => {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    Sleep {
        fut: JsFuture::from(promise),
        timer,
    }
}

/// The platform clock and randomness.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BrowserEnv;

impl Env for BrowserEnv {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now().floor()
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        sleep(ms)
    }

    fn random_u64(&self) -> u64 {
        let mut buf = [0u8; 8];
        if get_random_values(&mut buf).is_ok() && buf != [0u8; 8] {
            return u64::from_le_bytes(buf);
        }
        let half = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
        (half() << 32) | half()
    }

    fn utc_offset_min(&self, utc_ms: f64) -> i32 {
        let date = js_sys::Date::new(&JsValue::from_f64(utc_ms));
        crate::time::whole_utc_offset(-date.get_timezone_offset())
    }
}
