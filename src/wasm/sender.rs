//! The background sender: runs the loop that delivers for this instance. When a
//! round runs is the core's `send_schedule` (pure, tested natively); which instance
//! of the origin may deliver is `sender_lock`'s job; this module does the waiting,
//! the triggers and the I/O.
//!
//! Every tab writes its own records; whoever holds the lock first adopts the records
//! other instances wrote (`sync_from_storage`), so every tab's ops are delivered by
//! whichever tab sends.
//!
//! Invariants:
//! - the loop sleeps until the core's `next_wake_at` (debounce after an enqueue, or the
//!   end of the backoff) or until a trigger: an enqueue, `online`, `visibilitychange`
//!   to hidden, `pagehide`; it also looks for orphaned records every 30 s;
//! - `online` and `visibilitychange` to hidden send now despite the backoff; a hidden
//!   page sends with `keepalive`, since it may be killed without a `pagehide`;
//! - `pagehide` delivers at once, without waiting for any lock (the page is going
//!   away), with `keepalive` fetches;
//! - within one instance, the loop and `flush()` never send at the same time (the
//!   lock's local gate), so a caller's `flush()` waits for a round in progress instead
//!   of seeing "busy".

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::EventTarget;

use super::browser_env::{sleep, BrowserEnv};
use super::fetch_transport::{FetchTransport, TransportControl};
use super::local_storage::WebStorage;
use super::sender_lock::SenderLock;
use crate::api::{DeliveryStep, FlushReport};
use crate::client::Client;
use crate::platform::Env;
use crate::race::race;
use crate::send_schedule::{Next, Outcome, SendSchedule, MAX_BATCHES_PER_ROUND};

pub(crate) type WebClient = Client<WebStorage, FetchTransport, BrowserEnv>;

/// A one-slot wake-up: `notify` before `wait` is not lost.
#[derive(Default)]
struct Signal {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Signal {
    fn notify(&self) {
        self.fired.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    fn wait(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.fired.replace(false) {
                Poll::Ready(())
            } else {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

struct Shared {
    client: WebClient,
    control: Rc<TransportControl>,
    lock: SenderLock,
    closed: Cell<bool>,
    force: Cell<bool>,
    kick: Signal,
}

type Listener = (EventTarget, &'static str, Closure<dyn FnMut()>);

/// The running sender of one client instance.
pub(crate) struct Sender {
    shared: Rc<Shared>,
    listeners: RefCell<Vec<Listener>>,
}

impl Sender {
    /// Starts the loop and the page triggers. `tab` identifies this instance in a lease.
    pub(crate) fn start(
        client: WebClient,
        control: Rc<TransportControl>,
        storage: WebStorage,
        prefix: &str,
        tab: String,
    ) -> Sender {
        let shared = Rc::new(Shared {
            client,
            control,
            lock: SenderLock::new(storage, prefix, tab),
            closed: Cell::new(false),
            force: Cell::new(false),
            kick: Signal::default(),
        });
        spawn_local(run(shared.clone()));
        let sender = Sender {
            shared,
            listeners: RefCell::new(Vec::new()),
        };
        sender.listen();
        sender
    }

    /// Wakes the loop: after an enqueue (`force` false: the debounce applies), or on a
    /// trigger that should send now despite the backoff (`force` true).
    pub(crate) fn kick(&self, force: bool) {
        if force {
            self.shared.force.set(true);
        }
        self.shared.kick.notify();
    }

    /// A wake-up after an enqueue, for a call that resolves later.
    pub(crate) fn kicker(&self) -> impl Fn() + 'static {
        let sh = self.shared.clone();
        move || sh.kick.notify()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.shared.closed.get()
    }

    /// Delivers everything now, waiting for the lock (and for a round in progress).
    pub(crate) fn flush(&self) -> impl Future<Output = FlushReport> + 'static {
        let sh = self.shared.clone();
        async move {
            let work = {
                let sh = sh.clone();
                async move {
                    sh.client.sync_from_storage().await;
                    sh.client.flush().await
                }
            };
            match sh.lock.run(true, &sh.closed, work).await {
                Some(report) => report,
                None => FlushReport {
                    pending: sh.client.pending_count(),
                    error: Some("could not get the sender lock; delivery will retry".into()),
                    ..FlushReport::default()
                },
            }
        }
    }

    /// Stops the loop and removes the page listeners. Stored ops stay stored.
    pub(crate) fn close(&self) {
        self.shared.closed.set(true);
        self.shared.kick.notify();
        for (target, kind, f) in self.listeners.borrow_mut().drain(..) {
            let _ = target.remove_event_listener_with_callback(kind, f.as_ref().unchecked_ref());
        }
    }

    fn listen(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let sh = &self.shared;
        let add = |target: EventTarget, kind: &'static str, f: Box<dyn FnMut()>| {
            let f = Closure::wrap(f);
            if target
                .add_event_listener_with_callback(kind, f.as_ref().unchecked_ref())
                .is_ok()
            {
                self.listeners.borrow_mut().push((target, kind, f));
            }
        };
        let s = sh.clone();
        add(
            window.clone().into(),
            "online",
            Box::new(move || {
                s.force.set(true);
                s.kick.notify();
            }),
        );
        let s = sh.clone();
        add(
            window.clone().into(),
            "pagehide",
            Box::new(move || {
                s.control.set_keepalive(true);
                let s = s.clone();
                spawn_local(async move {
                    s.client.flush().await;
                });
            }),
        );
        let s = sh.clone();
        add(
            window.clone().into(),
            "pageshow",
            Box::new(move || s.control.set_keepalive(false)),
        );
        if let Some(document) = window.document() {
            let s = sh.clone();
            let doc = document.clone();
            add(
                document.into(),
                "visibilitychange",
                Box::new(move || {
                    // Read as a string: web-sys' enum conversion carries a panic path.
                    let hidden = super::convert::prop(&doc, "visibilityState")
                        .as_string()
                        .as_deref()
                        == Some("hidden");
                    // A hidden page may be killed without a pagehide (mobile).
                    s.control.set_keepalive(hidden);
                    if hidden {
                        s.force.set(true);
                        s.kick.notify();
                    }
                }),
            );
        }
    }
}

/// The delivery loop of one instance; ends when the instance is closed.
async fn run(sh: Rc<Shared>) {
    // Start in a later task, so `create()` resolves before the first round (which
    // lists storage again and may send) runs on the main thread.
    sleep(0).await;
    // Read the stored queue now, in slices, whether or not this instance gets the
    // lock: the app's calls wait for it, and pendingCount() is exact after it.
    if !sh.closed.get() {
        sh.client.recovered().await;
    }
    let env = BrowserEnv;
    let mut schedule = SendSchedule::default();
    while !sh.closed.get() {
        let now = env.now_ms();
        let force = match schedule.next(now, sh.force.replace(false), sh.client.next_wake_at()) {
            Next::Sleep(ms) => {
                race(sh.kick.wait(), sleep(ms)).await;
                continue;
            }
            Next::Round { force } => force,
        };
        let progressed = sh
            .lock
            .run(false, &sh.closed, round(sh.clone(), force))
            .await;
        let now = env.now_ms();
        let outcome = progressed.map_or(Outcome::Locked, |progressed| Outcome::Ran { progressed });
        let still_due = sh.client.next_wake_at().is_some_and(|t| t <= now);
        schedule.after(now, outcome, still_due, env.random_u64());
    }
}

/// One delivery round under the lock: adopt other instances' records, then send
/// what is due. Returns whether anything was delivered or dead-lettered.
async fn round(sh: Rc<Shared>, force: bool) -> bool {
    sh.client.sync_from_storage().await;
    if force {
        let r = sh.client.flush().await;
        return r.applied + r.rejected > 0;
    }
    let mut progressed = false;
    for _ in 0..MAX_BATCHES_PER_ROUND {
        match sh.client.deliver_due().await {
            DeliveryStep::Sent { .. } => progressed = true,
            _ => break,
        }
    }
    progressed
}
