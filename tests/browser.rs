//! Browser tests of the wasm surface on this device: real headless Chromium, real
//! localStorage, JS storage adapters, typed errors. Run with
//! `bash scripts/test-browser.sh` (it also runs tests/browser_delivery.rs).
//!
//! Every test uses its own user id and storage prefix, so tests never see each
//! other's records even though they share one page's localStorage.
#![cfg(target_arch = "wasm32")]

#[path = "browser/support.rs"]
mod support;

use serde_json::{json, Value};
use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn each_call_writes_one_local_storage_key() {
    let prefix = format!("{}:", unique("keys"));
    let (log, handler) = event_log();
    let o = options(dead_url(), &unique("u"), &prefix);
    set(&o, "onEvent", handler);
    set(&o, "debounceMs", 60_000);
    let c = open(o).await;
    assert!(local_keys(&prefix).is_empty());

    let id = ok(c.start_session(start("Dr. Smith"))).await;
    let id = id
        .as_string()
        .expect("startSession resolves with a string id");
    assert_eq!(local_ops(&prefix).len(), 1);
    ok(c.mark_connected(None)).await;
    assert_eq!(local_ops(&prefix).len(), 2);
    ok(c.update_settings(obj(&[("micEnabled", JsValue::FALSE)]).unchecked_into())).await;
    ok(c.report_quality_issue(js("Audio choppy"), Some(js(&id)))).await;

    let ops = local_ops(&prefix);
    assert_eq!(
        kinds(&ops),
        [
            "startSession",
            "markConnected",
            "updateSessionSettings",
            "reportQualityIssue"
        ]
    );
    assert!(ops.iter().all(|o| o["clientSessionId"] == id.as_str()));
    let mut op_ids: Vec<&str> = ops.iter().filter_map(|o| o["opId"].as_str()).collect();
    op_ids.dedup();
    assert_eq!(op_ids.len(), 4, "every op has its own opId");
    assert_eq!(c.pending_count(), 4);
    let queued = events(&log)
        .into_iter()
        .filter(|e| e["type"] == "queued")
        .count();
    assert_eq!(queued, 4);
    c.close();
    // Closing keeps the records for the next instance.
    assert_eq!(local_ops(&prefix).len(), 4);
}

#[wasm_bindgen_test]
async fn bad_input_is_a_typed_error_and_stores_nothing() {
    let prefix = format!("{}:", unique("errors"));
    let c = open(options(dead_url(), &unique("u"), &prefix)).await;

    let e = err(c.start_session(obj(&[("supportWorkerName", s("   "))]).unchecked_into())).await;
    assert!(is_error(&e), "rejections are Error objects");
    assert_eq!(code(&e), "INVALID_ARGUMENT");
    assert_eq!(
        get(&e, "name").as_string().as_deref(),
        Some("VideoSessionError")
    );
    let e = err(c.start_session(obj(&[("supportWorkerName", JsValue::from(42))]).unchecked_into()))
        .await;
    assert_eq!(code(&e), "INVALID_ARGUMENT");
    let e = err(c.start_session(JsValue::UNDEFINED.unchecked_into())).await;
    assert_eq!(code(&e), "INVALID_ARGUMENT");
    let e = err(c.mark_connected(None)).await;
    assert_eq!(code(&e), "NO_ACTIVE_SESSION");
    let e = err(c.report_quality_issue(JsValue::from(7).unchecked_into(), None)).await;
    assert_eq!(code(&e), "INVALID_ARGUMENT");
    let e = err(c.get_user_sessions(Some(obj(&[("limit", JsValue::from(0.5))]).unchecked_into())))
        .await;
    assert_eq!(code(&e), "INVALID_ARGUMENT");
    // Bytes in metadata (D2): refused, not stored as `{}` or an index map.
    let bytes: [JsValue; 3] = [
        js_sys::ArrayBuffer::new(4).into(),
        js_sys::Uint8Array::new_with_length(3).into(),
        obj(&[("file", js_sys::Uint8Array::new_with_length(3).into())]),
    ];
    for b in bytes {
        let args = obj(&[("supportWorkerName", s("W")), ("metadata", b)]);
        let e = err(c.start_session(args.unchecked_into())).await;
        assert_eq!(code(&e), "INVALID_ARGUMENT", "{}", describe(&e));
        assert!(describe(&e).contains("bytes"), "{}", describe(&e));
    }
    // Nine levels deep (D2: at most eight).
    let mut deep = s("x");
    for _ in 0..9 {
        deep = obj(&[("a", deep)]);
    }
    let args = obj(&[("supportWorkerName", s("W")), ("metadata", deep)]);
    let e = err(c.start_session(args.unchecked_into())).await;
    assert_eq!(code(&e), "INVALID_ARGUMENT", "{}", describe(&e));
    assert!(
        local_keys(&prefix).is_empty(),
        "nothing stored: {:?}",
        local_keys(&prefix)
    );
    assert_eq!(c.pending_count(), 0);

    // A lifecycle error after a valid start stores nothing more.
    ok(c.start_session(start("Dr. Jones"))).await;
    ok(c.end_session(None)).await;
    let before = local_ops(&prefix).len();
    let e = err(c.mark_connected(Some(js("no-such-session")))).await;
    assert_eq!(code(&e), "NOT_FOUND");
    assert_eq!(local_ops(&prefix).len(), before);

    assert!(c.set_auth(Some(JsValue::from(5).unchecked_into())).is_err());
    c.close();
    let e = err(c.get_call_stats()).await;
    assert_eq!(code(&e), "CLOSED");

    let bad = [
        options("ftp://x", "u", &prefix),
        options(server_or_dead(), "", &prefix),
        {
            let o = options(dead_url(), "u", &prefix);
            set(&o, "storage", obj(&[("getItem", JsValue::from(1))]));
            o
        },
        {
            let o = options(dead_url(), "u", &prefix);
            set(&o, "batchSize", 1000);
            o
        },
        {
            let o = options(dead_url(), "u", &prefix);
            set(&o, "maxBatchBytes", 10);
            o
        },
    ];
    for o in bad {
        match video_session_sdk::wasm::VideoSessionClient::create(o.unchecked_into()).await {
            Ok(_) => panic!("bad options were accepted"),
            Err(e) => assert_eq!(code(&e), "INVALID_ARGUMENT", "{}", describe(&e)),
        }
    }
}

fn server_or_dead() -> &'static str {
    server_url()
}

#[wasm_bindgen_test]
async fn the_auth_token_is_never_stored() {
    let prefix = format!("{}:", unique("auth"));
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2VjcmV0LXNpZ25hdHVyZQ";
    let o = options(dead_url(), &unique("u"), &prefix);
    set(&o, "auth", token);
    let c = open(o).await;
    ok(c.start_session(start("Dr. Smith"))).await;
    c.set_auth(Some(js("another.token.value")))
        .expect("a valid token");
    ok(c.mark_connected(None)).await;
    let keys = local_keys(&prefix);
    assert!(!keys.is_empty());
    for k in keys {
        let v = local_get(&k).unwrap_or_default();
        assert!(
            !v.contains(token) && !v.contains("another.token"),
            "{k} holds the token"
        );
    }
}

#[wasm_bindgen_test]
async fn a_reload_recovers_pending_ops_and_reads_answer_offline() {
    let prefix = format!("{}:", unique("reload"));
    let user = unique("u");
    let a = open(options(dead_url(), &user, &prefix)).await;
    let id = ok(a.start_session(start("Dr. Smith")))
        .await
        .as_string()
        .unwrap();
    ok(a.mark_connected(None)).await;
    a.close();
    drop(a);

    // The "reloaded page": a new instance over the same storage, still offline.
    let b = open(options(dead_url(), &user, &prefix)).await;
    assert_eq!(b.pending_count(), 2);
    assert_eq!(
        b.current_session_id().as_string().as_deref(),
        Some(id.as_str())
    );
    let age = b.oldest_pending_age_ms().as_f64().expect("an age");
    assert!(age >= 0.0);
    let active = json(&ok(b.get_active_session()).await);
    assert_eq!(active["clientSessionId"], id.as_str());
    assert_eq!(active["sessionStatus"], "connected");
    assert_eq!(active["supportWorkerName"], "Dr. Smith");
    assert!(!b.is_online(), "the backend is unreachable");
    // The recovered session can be ended without naming it.
    let end = json(&ok(b.end_session(None)).await);
    assert_eq!(end["sessionId"], id.as_str());
    assert_eq!(b.pending_count(), 3);
    assert_eq!(json(&ok(b.get_active_session()).await), Value::Null);
}

#[wasm_bindgen_test]
async fn a_promise_returning_storage_adapter_works_end_to_end() {
    let prefix = "vss:";
    let store = make_async_store();
    let user = unique("u");
    let o = options(dead_url(), &user, prefix);
    set(&o, "storage", store.clone());
    let a = open(o).await;
    let id = ok(a.start_session(start("Dr. Smith")))
        .await
        .as_string()
        .unwrap();
    ok(a.mark_connected(None)).await;
    let keys = store_keys(&store);
    let op_keys: Vec<&String> = keys.iter().filter(|k| k.starts_with("vss:op:")).collect();
    assert_eq!(op_keys.len(), 2, "{keys:?}");
    assert!(store_calls(&store) > 0.0);
    a.close();
    drop(a);

    let o = options(dead_url(), &user, prefix);
    set(&o, "storage", store.clone());
    let b = open(o).await;
    assert_eq!(b.pending_count(), 2, "recovered through the async adapter");
    b.close();
    drop(b);

    let (log, handler) = event_log();
    let o = options(server_url(), &user, prefix);
    set(&o, "storage", store.clone());
    set(&o, "onEvent", handler);
    let c = open(o).await;
    let report = json(&ok(c.flush()).await);
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(delivered(&log), 2);
    assert!(store_keys(&store).iter().all(|k| !k.starts_with("vss:op:")));
    let active = backend(
        "query",
        "videoCallSessions:getActiveSession",
        json!({"userId": user}),
    )
    .await;
    assert_eq!(active["clientSessionId"], id.as_str());
    assert_eq!(active["sessionStatus"], "connected");
}

#[wasm_bindgen_test]
async fn a_sync_adapter_with_an_iterator_of_keys_works() {
    let store = make_sync_store();
    let user = unique("u");
    let o = options(dead_url(), &user, "p:");
    set(&o, "storage", store.clone());
    let c = open(o).await;
    ok(c.start_session(start("Dr. Smith"))).await;
    ok(c.report_quality_issue(js("Video frozen"), None)).await;
    c.close();
    let o = options(dead_url(), &user, "p:");
    set(&o, "storage", store.clone());
    let d = open(o).await;
    assert_eq!(d.pending_count(), 2);
    assert_eq!(
        store_keys(&store)
            .iter()
            .filter(|k| k.starts_with("p:op:"))
            .count(),
        2
    );
}

/// Writes two ops through `store`, then opens a second client on it (what an app
/// restart does) and returns its pending count.
async fn reopen_with_two_ops(store: &JsValue, prefix: &str) -> u32 {
    let user = unique("u");
    let o = options(dead_url(), &user, prefix);
    set(&o, "storage", store.clone());
    let a = open(o).await;
    ok(a.start_session(start("Dr. Smith"))).await;
    ok(a.mark_connected(None)).await;
    a.close();
    drop(a);
    let o = options(dead_url(), &user, prefix);
    set(&o, "storage", store.clone());
    let b = open(o).await;
    let n = b.pending_count();
    // The stored records are read after create(), before any call that needs them.
    ok(b.get_call_stats()).await;
    b.close();
    n
}

#[wasm_bindgen_test]
async fn open_reads_stored_ops_with_multi_get_when_the_adapter_has_it() {
    let store = make_counting_store(true, false);
    assert_eq!(reopen_with_two_ops(&store, "mg:").await, 2);
    let op_reads: Vec<String> = store_reads(&store)
        .into_iter()
        .filter(|k| k.starts_with("mg:op:"))
        .collect();
    assert!(op_reads.is_empty(), "ops read one by one: {op_reads:?}");
    assert!(
        store_bulk(&store).contains(&2.0),
        "{:?}",
        store_bulk(&store)
    );
}

#[wasm_bindgen_test]
async fn open_reads_stored_ops_with_get_item_without_multi_get() {
    let store = make_counting_store(false, false);
    assert_eq!(reopen_with_two_ops(&store, "ng:").await, 2);
    let op_reads = store_reads(&store)
        .into_iter()
        .filter(|k| k.starts_with("ng:op:"))
        .count();
    assert_eq!(op_reads, 2);
}

#[wasm_bindgen_test]
async fn a_multi_get_answering_out_of_order_still_reads_each_record() {
    let store = make_counting_store(true, true);
    assert_eq!(reopen_with_two_ops(&store, "ro:").await, 2);
    // Both pairs came back in the wrong positions: each key is read again alone.
    let op_reads = store_reads(&store)
        .into_iter()
        .filter(|k| k.starts_with("ro:op:"))
        .count();
    assert_eq!(op_reads, 2);
}

#[wasm_bindgen_test]
async fn reconnection_screen_sharing_and_rating_through_the_js_surface() {
    let prefix = format!("{}:", unique("reconnect"));
    let c = open(options(dead_url(), &unique("u"), &prefix)).await;
    let id = ok(c.start_session(start("Dr. Smith")))
        .await
        .as_string()
        .unwrap();
    ok(c.mark_connected(None)).await;
    ok(c.mark_screen_share(js_sys::Boolean::from(true), None)).await;
    ok(c.mark_reconnecting(None)).await;
    assert_eq!(
        c.current_session_id().as_string().as_deref(),
        Some(id.as_str()),
        "a reconnecting call stays the current one"
    );
    let active = json(&ok(c.get_active_session()).await);
    assert_eq!(active["sessionStatus"], "reconnecting", "{active}");
    assert_eq!(active["reconnectCount"], 1);
    ok(c.mark_reconnected(Some(js(&id)))).await;
    let e = err(c.mark_reconnected(None)).await;
    assert_eq!(code(&e), "INVALID_TRANSITION", "{}", describe(&e));
    ok(c.mark_screen_share(js_sys::Boolean::from(false), None)).await;

    // Bad input: typed errors, nothing stored, no panic.
    let stored = || (local_keys(&prefix), local_ops(&prefix));
    let before = stored();
    let not_booleans = [
        s("true"),
        JsValue::from(1),
        JsValue::NULL,
        JsValue::UNDEFINED,
    ];
    for bad in not_booleans {
        let e = err(c.mark_screen_share(bad.clone().unchecked_into(), None)).await;
        assert_eq!(code(&e), "INVALID_ARGUMENT", "{bad:?}: {}", describe(&e));
        assert!(describe(&e).contains("boolean"), "{}", describe(&e));
    }
    let e = err(c.mark_reconnecting(Some(JsValue::from(7).unchecked_into()))).await;
    assert_eq!(code(&e), "INVALID_ARGUMENT");
    let e = err(c.rate_session(obj(&[("rating", JsValue::from(5))]).unchecked_into())).await;
    assert_eq!(
        code(&e),
        "NO_ACTIVE_SESSION",
        "this client finished no call yet"
    );
    let e = err(c.rate_session(
        obj(&[("rating", JsValue::from(5)), ("sessionId", s(&id))]).unchecked_into(),
    ))
    .await;
    assert_eq!(code(&e), "INVALID_TRANSITION", "the call is still going on");
    ok(c.end_session(None)).await;
    let before_rating = stored();
    assert_eq!(before_rating.1.len(), before.1.len() + 1, "only the end");
    let bad_ratings = [
        s("5"),
        JsValue::from(4.5),
        JsValue::from(f64::NAN),
        JsValue::from(f64::INFINITY),
        JsValue::from(0),
        JsValue::from(6),
        JsValue::from(-1),
        JsValue::NULL,
        JsValue::TRUE,
    ];
    for bad in bad_ratings {
        let e = err(c.rate_session(obj(&[("rating", bad.clone())]).unchecked_into())).await;
        assert_eq!(code(&e), "INVALID_ARGUMENT", "{bad:?}: {}", describe(&e));
        // The field is named, whether the reader (a string, NaN, null, true) or the
        // check (4.5, 0, 6, -1) refuses it.
        assert!(describe(&e).contains("rating"), "{bad:?}: {}", describe(&e));
    }
    for args in [
        JsValue::UNDEFINED,
        obj(&[]),
        obj(&[
            ("rating", JsValue::from(4)),
            ("comment", s(&"x".repeat(1001))),
        ]),
        obj(&[("rating", JsValue::from(4)), ("comment", JsValue::from(42))]),
        obj(&[
            ("rating", JsValue::from(4)),
            ("sessionId", JsValue::from(42)),
        ]),
    ] {
        let e = err(c.rate_session(args.clone().unchecked_into())).await;
        assert_eq!(code(&e), "INVALID_ARGUMENT", "{args:?}: {}", describe(&e));
        assert_eq!(
            get(&e, "name").as_string().as_deref(),
            Some("VideoSessionError")
        );
    }
    assert_eq!(stored(), before_rating, "no bad call stored anything");

    // Without an id: the call this client just ended. Once.
    ok(c.rate_session(
        obj(&[("rating", JsValue::from(5)), ("comment", s("Great 👍"))]).unchecked_into(),
    ))
    .await;
    let e = err(c.rate_session(
        obj(&[("rating", JsValue::from(1)), ("sessionId", s(&id))]).unchecked_into(),
    ))
    .await;
    assert_eq!(code(&e), "INVALID_TRANSITION", "{}", describe(&e));
    let ops = local_ops(&prefix);
    assert_eq!(
        kinds(&ops),
        [
            "startSession",
            "markConnected",
            "markScreenShare",
            "markReconnecting",
            "markReconnected",
            "markScreenShare",
            "endSession",
            "rateSession"
        ]
    );
    assert_eq!(
        ops[7]["args"],
        json!({"clientSessionId": id, "rating": 5, "comment": "Great 👍"})
    );
    let stats = json(&ok(c.get_call_stats()).await);
    assert_eq!(stats["totalReconnects"], 1, "{stats}");
    assert_eq!(stats["averageRating"], 5, "{stats}");
    let session = &json(&ok(c.get_user_sessions(None)).await)[0];
    assert_eq!(session["rating"], 5);
    assert_eq!(session["ratingComment"], "Great 👍");
    assert!(session.get("reconnectingSince").is_none(), "{session}");
    c.close();
}
