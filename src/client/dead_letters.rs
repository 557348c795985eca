//! The dead letters held in memory, by storage key. Keys sort by creation, so key
//! order is oldest first.
//!
//! A sorted `Vec` rather than a `BTreeMap`: there are at most `MAX_DEAD_LETTERS`
//! (1,000), and a B-tree instantiation for this one value type costs the wasm build
//! over 1 KB gzip. Invariant: keys are unique and ascending.

use crate::api::DeadLetter;

#[derive(Default)]
pub(crate) struct DeadLetters(Vec<(String, DeadLetter)>);

impl DeadLetters {
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Adds or replaces the letter under `key`.
    pub(crate) fn insert(&mut self, key: String, letter: DeadLetter) {
        match self.find(&key) {
            Ok(i) => self.0[i].1 = letter,
            Err(i) => self.0.insert(i, (key, letter)),
        }
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Removes and returns the oldest letter.
    pub(crate) fn pop_first(&mut self) -> Option<(String, DeadLetter)> {
        (!self.0.is_empty()).then(|| self.0.remove(0))
    }

    /// The letters, oldest first.
    pub(crate) fn values(&self) -> impl Iterator<Item = &DeadLetter> {
        self.0.iter().map(|(_, d)| d)
    }

    /// Every `(key, letter)`, oldest first.
    pub(crate) fn into_entries(self) -> impl Iterator<Item = (String, DeadLetter)> {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::OpKind;

    fn letter(op: &str) -> DeadLetter {
        DeadLetter {
            op_id: op.into(),
            kind: OpKind::MarkConnected,
            client_session_id: "s".into(),
            args: serde_json::Value::Null,
            occurred_at: String::new(),
            code: "NOT_FOUND".into(),
            reason: String::new(),
            dead_at: String::new(),
        }
    }

    #[test]
    fn keeps_keys_sorted_unique_and_pops_the_oldest() {
        let mut d = DeadLetters::default();
        for (k, op) in [("p:dead:3", "c"), ("p:dead:1", "a"), ("p:dead:2", "b")] {
            d.insert(k.into(), letter(op));
        }
        d.insert("p:dead:2".into(), letter("b2"));
        assert_eq!(d.len(), 3);
        assert!(d.contains_key("p:dead:1") && !d.contains_key("p:dead:4"));
        let ops: Vec<&str> = d.values().map(|l| l.op_id.as_str()).collect();
        assert_eq!(ops, ["a", "b2", "c"]);
        assert_eq!(d.pop_first().map(|(k, _)| k), Some("p:dead:1".into()));
        let keys: Vec<String> = d.into_entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["p:dead:2", "p:dead:3"]);
        assert!(DeadLetters::default().pop_first().is_none());
    }
}
