//! One sender per origin: the cross-instance lock a delivery round runs under, and
//! the local gate that keeps one instance's loop and `flush()` from sending at once.
//!
//! With Web Locks (`navigator.locks`) the lock is `video-session-sdk:{prefix}sender`.
//! Without them (Node, React Native, old Safari) the core's storage lease
//! (`crate::lease`) stands in.
//!
//! The lock is an optimisation, not what makes delivery correct: every op carries its
//! `opId` and the backend dedupes, so when locking fails (locks refused, storage
//! unwritable) the round runs anyway rather than never.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::browser_env::BrowserEnv;
use super::convert::prop;
use super::local_storage::WebStorage;
use crate::lease;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks` (not in web-sys' stable API).
    type LockManager;
    #[wasm_bindgen(method, catch, js_name = request)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> Result<Promise, JsValue>;
}

/// A local async mutex (single-threaded).
#[derive(Default)]
struct Gate {
    held: Cell<bool>,
    waiters: RefCell<Vec<Waker>>,
}

struct GateGuard<'a>(&'a Gate);

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        self.0.held.set(false);
        let waiters = std::mem::take(&mut *self.0.waiters.borrow_mut());
        for w in waiters {
            w.wake();
        }
    }
}

impl Gate {
    async fn lock(&self) -> GateGuard<'_> {
        poll_fn(|cx| {
            if self.held.replace(true) {
                self.waiters.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        GateGuard(self)
    }
}

enum CrossTab {
    Locks(LockManager),
    Lease { storage: WebStorage, me: String },
}

/// The lock of one instance: its local gate and the cross-instance mechanism.
pub(crate) struct SenderLock {
    gate: Gate,
    cross: CrossTab,
    /// The Web Lock name, or the lease's storage key.
    name: String,
}

fn lock_manager() -> Option<LockManager> {
    let navigator = prop(&js_sys::global(), "navigator");
    let locks = prop(&navigator, "locks");
    let has_request = prop(&locks, "request").is_function();
    has_request.then(|| locks.unchecked_into())
}

impl SenderLock {
    /// Web Locks when the platform has them, else a lease in `storage`; `tab` names
    /// this instance as a lease holder.
    pub(crate) fn new(storage: WebStorage, prefix: &str, tab: String) -> Self {
        let (cross, name) = match lock_manager() {
            Some(locks) => (
                CrossTab::Locks(locks),
                format!("video-session-sdk:{prefix}sender"),
            ),
            None => (
                CrossTab::Lease { storage, me: tab },
                lease::lease_key(prefix),
            ),
        };
        SenderLock {
            gate: Gate::default(),
            cross,
            name,
        }
    }

    /// Runs `work` holding the local gate and the cross-instance lock. `wait`: wait
    /// for the lock; otherwise `None` if someone else holds it. `closed` ends a wait.
    pub(crate) async fn run<T: 'static>(
        &self,
        wait: bool,
        closed: &Cell<bool>,
        work: impl Future<Output = T> + 'static,
    ) -> Option<T> {
        // The locking below is compiled once: `work` is boxed as a unit future that
        // leaves its output in `slot`.
        let slot: Rc<RefCell<Option<T>>> = Rc::default();
        let out = slot.clone();
        self.run_boxed(
            wait,
            closed,
            Box::pin(async move {
                *out.borrow_mut() = Some(work.await);
            }),
        )
        .await;
        let result = slot.borrow_mut().take();
        result
    }

    async fn run_boxed(&self, wait: bool, closed: &Cell<bool>, work: Job) {
        let _gate = self.gate.lock().await;
        match &self.cross {
            CrossTab::Locks(locks) => with_web_lock(locks, &self.name, wait, work).await,
            CrossTab::Lease { storage, me } => {
                if !lease::acquire(storage, &BrowserEnv, &self.name, me, wait, closed).await {
                    return;
                }
                work.await;
                // A lease left behind expires by itself.
                lease::release(storage, &self.name, me).await;
            }
        }
    }
}

/// A round's work, boxed so the lock code is not compiled once per kind of round.
type Job = Pin<Box<dyn Future<Output = ()>>>;

async fn with_web_lock(locks: &LockManager, name: &str, wait: bool, work: Job) {
    let work = Rc::new(RefCell::new(Some(work)));
    let work2 = work.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
        let job = work2.borrow_mut().take();
        match job {
            Some(job) if !lock.is_null() && !lock.is_undefined() => {
                // The same boxed type as `VideoSessionClient::call`'s: one copy of
                // the Promise glue.
                let run: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> =
                    Box::pin(async move {
                        job.await;
                        Ok(JsValue::TRUE)
                    });
                future_to_promise(run)
            }
            _ => Promise::resolve(&JsValue::FALSE),
        }
    });
    let options = Object::new();
    if !wait {
        let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    }
    match locks.request(name, &options, &callback) {
        Ok(p) => {
            let _ = JsFuture::from(p).await;
        }
        Err(_) => {
            // Locks refused (opaque origin, …): deliver without, dedupe keeps it safe.
            let job = work.borrow_mut().take();
            if let Some(job) = job {
                job.await;
            }
        }
    }
}
