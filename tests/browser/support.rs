//! Helpers for the browser tests: options objects, awaiting Promises, reading
//! localStorage, sleeping, and querying the test server directly (not through the
//! SDK), so assertions see what the backend really stored.
// Shared by two test crates; each uses a different subset.
#![allow(dead_code)]

use js_sys::{JsString, Object, Promise, Reflect};
use serde_json::Value;
use video_session_sdk::wasm::{StartSessionArgs, VideoSessionClient};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(inline_js = r#"
export function makeAsyncStore() {
  const map = new Map();
  const later = (v) => new Promise((resolve) => setTimeout(() => resolve(v), 1));
  return {
    map,
    calls: 0,
    getItem(k) { this.calls++; return later(map.has(k) ? map.get(k) : null); },
    setItem(k, v) { this.calls++; return later(void map.set(k, String(v))); },
    removeItem(k) { this.calls++; return later(void map.delete(k)); },
    getAllKeys() { this.calls++; return later([...map.keys()]); },
  };
}
export function makeSyncStore() {
  const map = new Map();
  return {
    map,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => { map.set(k, String(v)); },
    removeItem: (k) => { map.delete(k); },
    keys: () => map.keys(),
  };
}
// An AsyncStorage-shaped store that logs each read: `reads` lists the keys getItem
// was asked for, `bulk` the size of each multiGet call (withMultiGet only). With
// `reversed`, multiGet answers its pairs in reverse order (a loose adapter).
export function makeCountingStore(withMultiGet, reversed) {
  const map = new Map();
  const store = {
    map, reads: [], bulk: [],
    getItem(k) { this.reads.push(k); return Promise.resolve(map.has(k) ? map.get(k) : null); },
    setItem(k, v) { map.set(k, String(v)); return Promise.resolve(); },
    removeItem(k) { map.delete(k); return Promise.resolve(); },
    getAllKeys() { return Promise.resolve([...map.keys()]); },
  };
  if (withMultiGet) {
    store.multiGet = function (keys) {
      this.bulk.push(keys.length);
      const pairs = keys.map((k) => [k, map.has(k) ? map.get(k) : null]);
      return Promise.resolve(reversed ? pairs.reverse() : pairs);
    };
  }
  return store;
}
export function storeReads(store) { return store.reads.slice(); }
export function storeBulk(store) { return store.bulk.slice(); }
export function storeKeys(store) { return [...store.map.keys()]; }
export function storeCalls(store) { return store.calls; }
export function eventLog() {
  const events = [];
  return { events, handler: (e) => events.push(e) };
}
export function dispatchWindowEvent(type) { window.dispatchEvent(new Event(type)); }
export function hideWebLocks(hide) {
  if (hide) Object.defineProperty(navigator, "locks", { value: undefined, configurable: true });
  else delete navigator.locks;
}
export function postJson(url, body) {
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body })
    .then((r) => r.text());
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeAsyncStore)]
    pub fn make_async_store() -> JsValue;
    #[wasm_bindgen(js_name = makeSyncStore)]
    pub fn make_sync_store() -> JsValue;
    #[wasm_bindgen(js_name = makeCountingStore)]
    pub fn make_counting_store(with_multi_get: bool, reversed: bool) -> JsValue;
    #[wasm_bindgen(js_name = storeReads)]
    fn store_reads_js(store: &JsValue) -> js_sys::Array;
    #[wasm_bindgen(js_name = storeBulk)]
    fn store_bulk_js(store: &JsValue) -> js_sys::Array;
    #[wasm_bindgen(js_name = storeKeys)]
    fn store_keys_js(store: &JsValue) -> js_sys::Array;
    #[wasm_bindgen(js_name = storeCalls)]
    pub fn store_calls(store: &JsValue) -> f64;
    #[wasm_bindgen(js_name = eventLog)]
    fn event_log_js() -> JsValue;
    #[wasm_bindgen(js_name = dispatchWindowEvent)]
    pub fn dispatch_window_event(kind: &str);
    /// Shadows `navigator.locks` with `undefined` (or restores it), to exercise the
    /// storage-lease fallback.
    #[wasm_bindgen(js_name = hideWebLocks)]
    pub fn hide_web_locks(hide: bool);
    #[wasm_bindgen(js_name = postJson)]
    fn post_json(url: &str, body: &str) -> Promise;
}

/// The test server's URL: baked in at compile time by scripts/test-browser.sh, which
/// starts a server on a free port; under a bare `wasm-pack test --headless --chrome` it
/// is the local backend's default address, so a contributor starts one there first
/// (`cargo run -p video-session-server`, see the README's "Contributing").
pub fn server_url() -> &'static str {
    option_env!("VSS_TEST_SERVER_URL").unwrap_or("http://127.0.0.1:3210")
}

/// A URL where nothing listens (a free port the script found and left closed).
pub fn dead_url() -> &'static str {
    option_env!("VSS_TEST_DEAD_URL").unwrap_or("http://127.0.0.1:1")
}

/// A fresh id, so tests never share users or storage prefixes.
pub fn unique(tag: &str) -> String {
    let r = (js_sys::Math::random() * 1e12) as u64;
    format!("{tag}-{}-{r}", js_sys::Date::now() as u64)
}

pub fn set(obj: &JsValue, key: &str, value: impl Into<JsValue>) {
    Reflect::set(obj, &JsValue::from_str(key), &value.into()).expect("set a property");
}

pub fn remove(obj: &JsValue, key: &str) {
    Reflect::delete_property(obj.unchecked_ref::<Object>(), &JsValue::from_str(key))
        .expect("delete");
}

pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `{ url, userId, storagePrefix, debounceMs: 20, readTimeoutMs: 1500 }`.
pub fn options(url: &str, user: &str, prefix: &str) -> JsValue {
    let o: JsValue = Object::new().into();
    set(&o, "url", url);
    set(&o, "userId", user);
    set(&o, "storagePrefix", prefix);
    set(&o, "debounceMs", 20);
    set(&o, "readTimeoutMs", 1500);
    set(&o, "requestTimeoutMs", 5000);
    o
}

pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o: JsValue = Object::new().into();
    for (k, v) in pairs {
        set(&o, k, v.clone());
    }
    o
}

pub async fn open(options: JsValue) -> VideoSessionClient {
    match VideoSessionClient::create(options.unchecked_into()).await {
        Ok(c) => c,
        Err(e) => panic!("create failed: {}", describe(&e)),
    }
}

pub async fn wait(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

pub async fn ok(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("call failed: {}", describe(&e)),
    }
}

/// The error a Promise rejected with; panics if it resolved.
pub async fn err(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

pub fn code(e: &JsValue) -> String {
    get(e, "code").as_string().unwrap_or_default()
}

pub fn describe(e: &JsValue) -> String {
    format!(
        "{} [{}]",
        get(e, "message")
            .as_string()
            .unwrap_or_else(|| format!("{e:?}")),
        code(e)
    )
}

/// A JS value as serde JSON (via JSON.stringify).
pub fn json(v: &JsValue) -> Value {
    if v.is_undefined() {
        return Value::Null;
    }
    let s: String = js_sys::JSON::stringify(v).expect("stringify").into();
    serde_json::from_str(&s).expect("valid JSON")
}

pub async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    let _ = JsFuture::from(p).await;
}

fn local_storage() -> web_sys::Storage {
    web_sys::window()
        .expect("a window")
        .local_storage()
        .expect("localStorage access")
        .expect("localStorage")
}

/// localStorage keys starting with `prefix`, sorted.
pub fn local_keys(prefix: &str) -> Vec<String> {
    let s = local_storage();
    let n = s.length().expect("length");
    let mut keys: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .collect();
    keys.sort();
    keys
}

pub fn local_get(key: &str) -> Option<String> {
    local_storage().get_item(key).ok().flatten()
}

/// The op records stored under `{prefix}op:`, in key (= creation) order.
pub fn local_ops(prefix: &str) -> Vec<Value> {
    local_keys(&format!("{prefix}op:"))
        .iter()
        .map(|k| serde_json::from_str(&local_get(k).expect("value")).expect("an op record"))
        .collect()
}

pub fn store_keys(store: &JsValue) -> Vec<String> {
    let mut keys: Vec<String> = store_keys_js(store)
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    keys.sort();
    keys
}

/// `{events, handler}`: pass `handler` as `onEvent`, read `events` later.
pub fn event_log() -> (JsValue, JsValue) {
    let log = event_log_js();
    (get(&log, "events"), get(&log, "handler"))
}

pub fn events(list: &JsValue) -> Vec<Value> {
    json(list).as_array().cloned().unwrap_or_default()
}

/// Calls a function of the test server directly over Convex's HTTP API.
pub async fn backend(kind: &str, path: &str, args: Value) -> Value {
    let body = serde_json::json!({"path": path, "format": "json", "args": args}).to_string();
    let text = wait(post_json(&format!("{}/api/{kind}", server_url()), &body))
        .await
        .unwrap_or_else(|e| panic!("the test server did not answer: {}", describe(&e)));
    let text = text.as_string().expect("text");
    let reply: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    assert_eq!(
        reply["status"], "success",
        "backend call {path} failed: {text}"
    );
    reply["value"].clone()
}

pub fn is_error(v: &JsValue) -> bool {
    v.is_instance_of::<js_sys::Error>()
}

pub fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

pub fn start(worker: &str) -> StartSessionArgs {
    obj(&[
        ("supportWorkerName", s(worker)),
        ("audioOption", s("speaker")),
    ])
    .unchecked_into()
}

pub fn kinds(ops: &[Value]) -> Vec<String> {
    ops.iter()
        .map(|o| o["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

pub fn js(v: &str) -> JsString {
    JsString::from(v)
}

/// How many `delivered` events an event log saw.
pub fn delivered(log: &JsValue) -> usize {
    events(log)
        .iter()
        .filter(|e| e["type"] == "delivered")
        .count()
}

pub fn occurred_at(ops: &[Value], kind: &str) -> String {
    ops.iter()
        .find(|o| o["kind"] == kind)
        .and_then(|o| o["occurredAt"].as_str())
        .unwrap_or_else(|| panic!("no {kind} op stored"))
        .to_string()
}

pub async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

/// Polls `cond` every 50 ms for up to 5 s.
pub async fn wait_until(cond: impl Fn() -> bool) {
    for _ in 0..100 {
        if cond() {
            return;
        }
        sleep(50).await;
    }
    panic!("timed out waiting for a condition");
}

/// The keys a counting store's getItem was asked for, in order.
pub fn store_reads(store: &JsValue) -> Vec<String> {
    store_reads_js(store)
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

/// The size of each multiGet call a counting store received.
pub fn store_bulk(store: &JsValue) -> Vec<f64> {
    store_bulk_js(store)
        .iter()
        .filter_map(|n| n.as_f64())
        .collect()
}
