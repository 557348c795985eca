//! [`Storage`] over any JS object with `getItem`, `setItem`, `removeItem` and a key
//! listing (`getAllKeys()` or `keys()`), whose methods return values or Promises —
//! React Native's AsyncStorage, localForage, an IndexedDB wrapper, a test double.
//!
//! Invariants:
//! - `set` resolves only after the adapter's `setItem` (or its Promise) completed;
//! - a throw or rejection never escapes: it becomes a `StorageError`, and one whose
//!   name or message says "quota" becomes `QuotaExceeded`;
//! - `keys()` may return an array, any iterable, or a Promise of either;
//! - `multiGet(keys)` is optional (AsyncStorage's shape: `[key, value | null][]`, or a
//!   Promise of it): when present, opening a client reads every record in one call
//!   instead of one bridge crossing per record. A pair whose key is not the one asked
//!   at its position is read again with `getItem`, so a loose adapter stays correct.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::convert::{describe, error_name, prop};
use crate::platform::{Storage, StorageError};

/// A JS storage object, checked once when the client is created.
#[derive(Clone)]
pub(crate) struct JsStorage {
    obj: JsValue,
    get_item: Function,
    set_item: Function,
    remove_item: Function,
    list_keys: Function,
    multi_get: Option<Function>,
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = from)]
    fn array_from(items: &JsValue) -> Result<Array, JsValue>;
}

fn method(obj: &JsValue, name: &str) -> Option<Function> {
    prop(obj, name).dyn_into::<Function>().ok()
}

fn storage_error(err: JsValue) -> StorageError {
    let text = format!("{} {}", error_name(&err), describe(&err)).to_ascii_lowercase();
    // A byte window, not `str::contains`: that one links core's Two-Way substring
    // search into the wasm for this one check.
    if text.as_bytes().windows(5).any(|w| w == b"quota") {
        StorageError::QuotaExceeded
    } else {
        StorageError::Other(describe(&err))
    }
}

impl JsStorage {
    /// Checks that `obj` has the methods; the error names what is missing.
    pub(crate) fn new(obj: JsValue) -> Result<Self, String> {
        let need = |name: &str| {
            method(&obj, name).ok_or_else(|| format!("options.storage has no {name}() method"))
        };
        let get_item = need("getItem")?;
        let set_item = need("setItem")?;
        let remove_item = need("removeItem")?;
        let list_keys = method(&obj, "getAllKeys")
            .or_else(|| method(&obj, "keys"))
            .ok_or("options.storage needs getAllKeys() or keys() to list its keys")?;
        let multi_get = method(&obj, "multiGet");
        Ok(JsStorage {
            obj,
            get_item,
            set_item,
            remove_item,
            list_keys,
            multi_get,
        })
    }

    /// Calls `f` and waits for its result if it is a thenable.
    async fn call(&self, f: &Function, args: &[&str]) -> Result<JsValue, StorageError> {
        let result = match args {
            [] => f.call0(&self.obj),
            [a] => f.call1(&self.obj, &JsValue::from_str(a)),
            [a, b, ..] => f.call2(&self.obj, &JsValue::from_str(a), &JsValue::from_str(b)),
        }
        .map_err(storage_error)?;
        settle(result).await
    }
}

/// Waits for `result` if it is a thenable, else returns it.
async fn settle(result: JsValue) -> Result<JsValue, StorageError> {
    let is_thenable = result.is_object() && prop(&result, "then").is_function();
    if !is_thenable {
        return Ok(result);
    }
    let promise = match result.dyn_into::<Promise>() {
        Ok(p) => p,
        Err(thenable) => Promise::resolve(&thenable),
    };
    JsFuture::from(promise).await.map_err(storage_error)
}

impl Storage for JsStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        let v = self.call(&self.get_item, &[key]).await?;
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.as_string()
            .map(Some)
            .ok_or_else(|| StorageError::Other(format!("getItem(\"{key}\") returned a non-string")))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StorageError> {
        let Some(multi_get) = &self.multi_get else {
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                out.push(self.get(k).await?);
            }
            return Ok(out);
        };
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let asked: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
        let result = multi_get.call1(&self.obj, &asked).map_err(storage_error)?;
        let pairs = settle(result).await?;
        let pairs = if pairs.is_undefined() || pairs.is_null() {
            Array::new()
        } else {
            array_from(&pairs).map_err(storage_error)?
        };
        let mut out = Vec::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            let pair = pairs.get(i as u32);
            let pair = pair.dyn_ref::<Array>();
            let matches = pair.is_some_and(|p| p.get(0).as_string().as_deref() == Some(k));
            let value = pair.map(|p| p.get(1)).filter(|_| matches);
            match value {
                Some(v) if v.is_undefined() || v.is_null() => out.push(None),
                Some(v) if v.is_string() => out.push(v.as_string()),
                // Missing, out of order or not a string: ask for this key alone.
                _ => out.push(self.get(k).await?),
            }
        }
        Ok(out)
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.call(&self.set_item, &[key, value]).await.map(|_| ())
    }

    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.call(&self.remove_item, &[key]).await.map(|_| ())
    }

    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let listed = self.call(&self.list_keys, &[]).await?;
        if listed.is_undefined() || listed.is_null() {
            return Ok(Vec::new());
        }
        // Array.from takes arrays, iterators (Map#keys) and array-likes alike.
        let arr = array_from(&listed).map_err(storage_error)?;
        // One string for the whole listing, not one per key: on React Native every
        // crossing into the core runs as interpreted code, and a thousand small ones
        // cost more than one long one. A key holding a newline splits into pieces;
        // a piece that looks like one of ours reads as absent and is skipped.
        // Sorted here, by the host's own sort (native code in Hermes): opening then
        // finds the listing in order and skips sorting it in the core, where key
        // compares are interpreted (`Array.from` made a copy, so the adapter's own
        // array is not reordered). UTF-16 order equals the core's byte order on op
        // keys, which share their prefix and end in ASCII; the core checks anyway.
        arr.sort();
        let joined = String::from(arr.join("\n"));
        Ok(joined
            .split('\n')
            .filter(|k| k.starts_with(prefix))
            .map(str::to_owned)
            .collect())
    }
}
