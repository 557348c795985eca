//! `VideoSessionClient.create(options)`: reads and checks the options object.
//!
//! Invariant: every bad option is an `INVALID_ARGUMENT` error naming the option,
//! raised before anything is opened or stored.

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

use super::browser_env::console_warn;
use super::convert::{invalid, js_error, opt_u64, prop};
use super::js_storage::JsStorage;
use super::local_storage::{LocalStorage, WebStorage};
use crate::api::{user_storage_prefix, Config};
use crate::error::ErrorCode;
use crate::memory_storage::MemoryStorage;

/// The checked options.
pub(crate) struct Options {
    pub(crate) url: String,
    pub(crate) config: Config,
    pub(crate) storage: WebStorage,
    pub(crate) auth: Option<String>,
    pub(crate) on_event: Option<Function>,
    pub(crate) debug: bool,
    pub(crate) request_timeout_ms: u64,
}

/// A bearer token: non-empty, printable ASCII without spaces (what a header allows).
pub(crate) fn check_token(v: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_string() {
        Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()) => Ok(Some(t)),
        _ => Err(invalid(format!(
            "{what} must be a token string (a JWT) or null"
        ))),
    }
}

fn check_url(v: &JsValue) -> Result<String, JsValue> {
    let url = v.as_string().unwrap_or_default();
    let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
    if !scheme_ok || url.len() < 8 || url.chars().any(char::is_whitespace) {
        return Err(invalid(
            "options.url must be the backend's http(s) URL, e.g. https://<name>.convex.cloud or http://127.0.0.1:3210",
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn open_storage(v: &JsValue) -> Result<WebStorage, JsValue> {
    let storage_unavailable = |e: crate::platform::StorageError| {
        js_error(
            ErrorCode::Storage.as_str(),
            &format!("{e}; pass options.storage (an adapter, or \"memory\")"),
        )
    };
    if v.is_undefined() || v.is_null() {
        return Ok(match LocalStorage::open() {
            Ok(s) => WebStorage::Local(s),
            Err(e) => {
                console_warn(&format!(
                    "[video-session-sdk] {e}: ops are kept in memory only and are lost on reload; pass options.storage to keep them"
                ));
                WebStorage::Memory(MemoryStorage::new())
            }
        });
    }
    if let Some(name) = v.as_string() {
        return match name.as_str() {
            "localStorage" => LocalStorage::open()
                .map(WebStorage::Local)
                .map_err(storage_unavailable),
            "memory" => Ok(WebStorage::Memory(MemoryStorage::new())),
            _ => Err(invalid(
                "options.storage must be \"localStorage\", \"memory\" or a storage object",
            )),
        };
    }
    // A Web Storage object (localStorage, sessionStorage): used directly.
    if let Some(store) = v.dyn_ref::<web_sys::Storage>() {
        return Ok(WebStorage::Local(LocalStorage::from_store(store.clone())));
    }
    JsStorage::new(v.clone())
        .map(WebStorage::Js)
        .map_err(invalid)
}

/// Reads `options`; nothing is opened except the storage handle.
pub(crate) fn parse(options: &JsValue) -> Result<Options, JsValue> {
    if !options.is_object() {
        return Err(invalid(
            "VideoSessionClient.create needs an options object: { url, userId }",
        ));
    }
    let url = check_url(&prop(options, "url"))?;
    let user_id = prop(options, "userId")
        .as_string()
        .ok_or_else(|| invalid("options.userId must be a string"))?;
    let mut config = Config::new(user_id);
    // Each record names its user and a client delivers only its own user's, so a
    // shared prefix is safe; a prefix per user by default still keeps one user's
    // queue, dead letters and view apart from the next user's on this browser. The
    // user id is escaped so no user's prefix begins with another's; records an
    // earlier release stored under the unescaped prefix are moved at open.
    let legacy = format!("{}{}:", config.storage_prefix, config.user_id);
    config.storage_prefix = user_storage_prefix(&config.storage_prefix, &config.user_id);
    if legacy != config.storage_prefix {
        config.legacy_prefix = Some(legacy);
    }
    let prefix = prop(options, "storagePrefix");
    if !prefix.is_undefined() && !prefix.is_null() {
        match prefix.as_string() {
            Some(p) if !p.is_empty() && p.len() <= 100 => {
                config.storage_prefix = p;
                config.legacy_prefix = None;
            }
            _ => {
                return Err(invalid(
                    "options.storagePrefix must be a string of 1-100 characters",
                ))
            }
        }
    }
    if let Some(n) = opt_u64(options, "batchSize", 1, 100)? {
        config.batch_size = n as usize;
    }
    if let Some(n) = opt_u64(options, "maxBatchBytes", 32_768, 1_048_576)? {
        config.max_batch_bytes = n as usize;
    }
    if let Some(n) = opt_u64(options, "debounceMs", 0, 60_000)? {
        config.debounce_ms = n;
    }
    if let Some(n) = opt_u64(options, "readTimeoutMs", 1, 120_000)? {
        config.read_timeout_ms = n;
    }
    if let Some(n) = opt_u64(options, "maxAttempts", 1, 1_000)? {
        config.max_attempts = n as u32;
    }
    let request_timeout_ms = opt_u64(options, "requestTimeoutMs", 1, 300_000)?.unwrap_or(10_000);
    let auth = check_token(&prop(options, "auth"), "options.auth")?;
    let on_event = prop(options, "onEvent");
    let on_event = if on_event.is_undefined() || on_event.is_null() {
        None
    } else {
        Some(
            on_event
                .dyn_into::<Function>()
                .map_err(|_| invalid("options.onEvent must be a function"))?,
        )
    };
    let debug = prop(options, "debug");
    if !debug.is_undefined() && debug.as_bool().is_none() {
        return Err(invalid("options.debug must be a boolean"));
    }
    let storage = open_storage(&prop(options, "storage"))?;
    Ok(Options {
        url,
        config,
        storage,
        auth,
        on_event,
        debug: debug.as_bool().unwrap_or(false),
        request_timeout_ms,
    })
}
