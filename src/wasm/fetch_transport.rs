//! [`Transport`] over the global `fetch` (browsers, workers, Node 18+), speaking
//! Convex's HTTP API through the same encoding and reply rules as the native
//! transport (`crate::convex_http`).
//!
//! Invariants:
//! - the bearer token lives in [`TransportControl`], in memory only; nothing here
//!   writes to storage;
//! - a request that outlives its timeout is aborted (`AbortController`) and reported
//!   as `Timeout`, a rejected `fetch` as `Network`; neither is retried here;
//! - `keepalive` is set only while the page is being hidden or unloaded, because
//!   keepalive requests share a 64 KiB budget per page.
//!
//! `Retry-After` is read when the browser lets us: a cross-origin backend must list
//! it in `Access-Control-Expose-Headers`, or it reads as absent (the delivery engine
//! then falls back to its own backoff).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit, Response};

use super::browser_env::sleep;
use super::convert::describe;
use crate::convex_http::{endpoint, parse_reply, request_body};
use crate::platform::{CallKind, Transport, TransportError};
use crate::race::{race, Either};
use crate::wire::json_text;
use serde_json::Value;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch_with_init(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
}

/// Bodies at most this large go out with `keepalive` while the page is hidden.
const KEEPALIVE_MAX_BODY: usize = 60 * 1024;

/// What the client object changes at run time: the token and the keepalive flag.
#[derive(Debug, Default)]
pub(crate) struct TransportControl {
    token: RefCell<Option<String>>,
    keepalive: Cell<bool>,
}

impl TransportControl {
    pub(crate) fn set_token(&self, token: Option<String>) {
        *self.token.borrow_mut() = token;
    }

    pub(crate) fn set_keepalive(&self, on: bool) {
        self.keepalive.set(on);
    }
}

/// Calls the Convex deployment (or local server) at `url`.
pub(crate) struct FetchTransport {
    url: String,
    timeout_ms: u64,
    control: Rc<TransportControl>,
}

impl FetchTransport {
    pub(crate) fn new(url: String, timeout_ms: u64, control: Rc<TransportControl>) -> Self {
        FetchTransport {
            url,
            timeout_ms,
            control,
        }
    }

    fn init(
        &self,
        body: &str,
        signal: Option<&web_sys::AbortSignal>,
    ) -> Result<RequestInit, JsValue> {
        let headers = Object::new();
        Reflect::set(&headers, &"Content-Type".into(), &"application/json".into())?;
        if let Some(t) = self.control.token.borrow().as_deref() {
            Reflect::set(
                &headers,
                &"Authorization".into(),
                &format!("Bearer {t}").into(),
            )?;
        }
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(body));
        init.set_signal(signal);
        // Keepalive requests over the per-page 64 KiB budget are refused outright.
        if self.control.keepalive.get() && body.len() < KEEPALIVE_MAX_BODY {
            Reflect::set(&init, &"keepalive".into(), &JsValue::TRUE)?;
        }
        Ok(init)
    }

    async fn send(
        &self,
        url: String,
        body: String,
        controller: Option<&AbortController>,
    ) -> Result<Value, TransportError> {
        let network = |e: JsValue| TransportError::Network(describe(&e));
        let init = self
            .init(&body, controller.map(|c| c.signal()).as_ref())
            .map_err(network)?;
        let resp: Response = JsFuture::from(fetch_with_init(&url, &init).map_err(network)?)
            .await
            .map_err(network)?
            .dyn_into()
            .map_err(|_| {
                TransportError::BadReply("fetch resolved to something other than a Response".into())
            })?;
        let status = resp.status();
        let retry_after = resp.headers().get("retry-after").ok().flatten();
        let text = JsFuture::from(resp.text().map_err(network)?)
            .await
            .map_err(network)?
            .as_string()
            .unwrap_or_default();
        parse_reply(status, retry_after.as_deref(), &text, js_sys::Date::now())
    }
}

impl Transport for FetchTransport {
    async fn call(&self, kind: CallKind, path: &str, args: Value) -> Result<Value, TransportError> {
        let url = endpoint(&self.url, kind);
        let body = json_text(&request_body(path, args));
        let controller = AbortController::new().ok();
        match race(
            self.send(url, body, controller.as_ref()),
            sleep(self.timeout_ms),
        )
        .await
        {
            Either::Left(result) => result,
            Either::Right(()) => {
                if let Some(c) = &controller {
                    c.abort();
                }
                Err(TransportError::Timeout(self.timeout_ms))
            }
        }
    }
}
