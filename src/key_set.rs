//! A sorted set of storage keys. It wraps `serde_json::Map` (a B-tree map from
//! `String`) instead of being a `BTreeSet<String>`: the JSON map is compiled into the
//! wasm build anyway, and a second B-tree instantiation there costs ≈1.4 KB gzip.
//!
//! Invariant: `into_sorted` yields keys in order. serde_json's `Map` is a `BTreeMap`
//! unless its `preserve_order` feature is on, which another crate of a native build
//! can switch on (the server does, in this workspace's `cargo test --workspace`), so
//! native builds sort explicitly; the wasm build, where size counts, has no such crate.

use serde_json::{Map, Value};

#[derive(Default)]
pub(crate) struct KeySet(Map<String, Value>);

impl KeySet {
    pub(crate) fn insert(&mut self, key: String) {
        self.0.insert(key, Value::Null);
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// The keys in sorted order.
    pub(crate) fn into_sorted(self) -> impl Iterator<Item = String> {
        #[allow(unused_mut)]
        let mut keys: Vec<String> = self.0.into_iter().map(|(k, _)| k).collect();
        #[cfg(not(target_arch = "wasm32"))]
        keys.sort_unstable();
        keys.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterates_sorted_and_answers_membership() {
        let mut set = KeySet::default();
        for k in ["p:op:3", "p:op:1", "p:op:2", "p:op:1"] {
            set.insert(k.to_string());
        }
        assert!(set.contains("p:op:2") && !set.contains("p:op:4"));
        let sorted: Vec<String> = set.into_sorted().collect();
        assert_eq!(sorted, ["p:op:1", "p:op:2", "p:op:3"]);
    }
}
