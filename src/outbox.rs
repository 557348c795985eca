//! The outbox's in-memory mirror of the stored op records, and the pure rules the
//! client applies to it: key allocation, coalescing, eviction and recovery parsing.
//! The client does the storage I/O these rules call for.
//!
//! Invariants:
//! - every record is under its own key `{prefix}op:…`; there is no index blob, so two
//!   tabs never overwrite each other and enqueue cost does not grow with the queue;
//! - keys handed out never go backwards (max of the clock and the last key seen, then
//!   a counter), so key order is creation order for one instance; each new record also
//!   takes the instance's next `seq`, so an instance's `seq`s rise in key order and,
//!   since ops are sent in key order, reach the backend in rising order (the backend's
//!   watermark relies on no lower `seq` arriving long after a higher one);
//! - a key is a sort position, not an event time: the clock follows only this user's
//!   stored keys and only up to [`MAX_KEY_LEAD_MS`] ahead of the device's clock, so a
//!   planted key (`op:9999999999999-…`), another user's keys or a tab whose clock ran
//!   ahead cannot drag later keys, let alone `occurredAt`, into the future;
//! - lifecycle ops (start/connected/end/failed) are never evicted; over the cap the
//!   oldest settings/quality ops go first;
//! - an op in flight is never coalesced, evicted or dropped by a re-sync;
//! - a network sample folds in place into its session's report only while this
//!   instance made it and never sent it ([`Entry::foldable`]): one stored report per
//!   session between deliveries, and a folded report keeps its key, `opId` and `seq`
//!   (no backend has seen them), so a storage rewrite is one atomic `set`. After a
//!   failed attempt the sender holds such a report back (with everything after it,
//!   keeping `seq` order) unless it is first in line, so an outage adds at most the
//!   report sent when it began (client/deliver.rs);
//! - a record that is not durable yet (storage full) stays in memory and is written
//!   again later.

use std::collections::BTreeMap;

use crate::record::{key_ms, op_key, op_prefix, BadRecord, Op, OpRecord};
use protocol::Settings;

/// How far ahead of the device's clock a stored key may be and still be followed:
/// keys of tabs on one device share its clock, so more than a minute ahead means a
/// clock that has since been set back, or a planted key.
pub const MAX_KEY_LEAD_MS: u64 = 60_000;

/// The device's clock as whole ms (0 when it reads nonsense).
fn clock_ms(now_ms: f64) -> u64 {
    if now_ms.is_finite() && now_ms > 0.0 {
        now_ms as u64
    } else {
        0
    }
}

/// One record in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub rec: OpRecord,
    /// Written to storage (false while storage is full).
    pub durable: bool,
    /// Part of a batch whose reply has not been handled yet.
    pub in_flight: bool,
    /// Size of the stored JSON.
    pub bytes: usize,
    /// A network report this instance made and has never put in a batch, so no
    /// backend can have seen its `opId`: new samples of its session may be folded
    /// into it, in place (same key, `opId` and `seq`). Records read from storage
    /// (which another instance may be sending, or which may have been sent before a
    /// restart) are never foldable; a record that goes in flight stops being so.
    pub foldable: bool,
}

/// The ordered set of pending records.
#[derive(Debug, Clone)]
pub struct Outbox {
    prefix: String,
    tab_id: String,
    /// This instance's id and the last `seq` it gave (records carry both).
    client_id: String,
    seq: u64,
    entries: BTreeMap<String, Entry>,
    /// (session name, its records' keys ascending), sorted by name, so checking a
    /// call reads the session's own records, not the whole queue. Sorted lists, not
    /// B-trees: the lists are short, and each B-tree instantiation costs the wasm
    /// build kilobytes.
    by_session: Vec<(String, Vec<String>)>,
    last_ms: u64,
    counter: u32,
    bytes: usize,
}

/// Stored raw records sorted into the ones that parse and the ones set aside.
#[derive(Debug, Default)]
pub struct Recovery {
    /// (key, record, length of its stored JSON).
    pub good: Vec<(String, OpRecord, usize)>,
    /// (key, raw value, why) of records that do not parse.
    pub bad: Vec<(String, String, BadRecord)>,
    /// Keys of records made for another user (left alone; see `foreign` in the client).
    pub foreign: Vec<String>,
}

/// Adds `key` to the ascending list `keys` unless it is there already.
fn insert_sorted(keys: &mut Vec<String>, key: &str) {
    if let Err(at) = keys.binary_search_by(|k| k.as_str().cmp(key)) {
        keys.insert(at, key.to_string());
    }
}

/// Splits stored (key, raw) pairs into `user`'s records, other users' keys and
/// quarantine candidates. The one place stored records are judged: opening and
/// picking up other instances' records both come here.
pub fn recover(raw: Vec<(String, String)>, user: &str) -> Recovery {
    let mut out = Recovery::default();
    for (key, value) in raw {
        match OpRecord::parse(&value) {
            Ok(rec) if rec.belongs_to(user) => out.good.push((key, rec, value.len())),
            Ok(_) => out.foreign.push(key),
            Err(why) => out.bad.push((key, value, why)),
        }
    }
    out
}

/// Where a record that does not parse is set aside.
pub fn quarantine_key(prefix: &str, op_key: &str) -> String {
    let suffix = op_key.strip_prefix(&op_prefix(prefix)).unwrap_or(op_key);
    format!("{prefix}quarantine:{suffix}")
}

impl Outbox {
    pub fn new(prefix: &str, tab_id: &str) -> Self {
        Outbox {
            prefix: prefix.to_string(),
            tab_id: tab_id.to_string(),
            client_id: String::new(),
            seq: 0,
            entries: BTreeMap::new(),
            by_session: Vec::new(),
            last_ms: 0,
            counter: 0,
            bytes: 0,
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Names this instance (random, never reused); its ops are numbered from 1.
    pub fn set_client_id(&mut self, client_id: String) {
        self.client_id = client_id;
        self.seq = 0;
    }

    /// This instance's id and the next op's number. Called with [`Outbox::next_key`]
    /// for each new record, so the instance's numbers rise in its key order.
    pub fn next_seq(&mut self) -> (String, u64) {
        self.seq = self.seq.saturating_add(1);
        (self.client_id.clone(), self.seq)
    }

    /// Allocates the next key: a sort position after every key handed out or
    /// followed so far. It is not the op's event time (that is the device's clock).
    pub fn next_key(&mut self, now_ms: f64) -> String {
        let now = clock_ms(now_ms);
        if now > self.last_ms {
            self.last_ms = now;
            self.counter = 0;
        } else {
            self.counter = self.counter.saturating_add(1);
            if self.counter >= 1_000_000 {
                self.last_ms = self.last_ms.saturating_add(1);
                self.counter = 0;
            }
        }
        let mut key = op_key(&self.prefix, self.last_ms, &self.tab_id, self.counter);
        while self.entries.contains_key(&key) {
            self.counter = self.counter.saturating_add(1);
            key = op_key(&self.prefix, self.last_ms, &self.tab_id, self.counter);
        }
        key
    }

    /// Notes a key of this user's seen in storage so later keys sort after it.
    /// Returns false, and follows nothing, when the key's time is more than
    /// [`MAX_KEY_LEAD_MS`] ahead of `now_ms`: such a record sorts after every new one
    /// unless the caller moves it to a fresh key.
    pub fn observe_key(&mut self, key: &str, now_ms: f64) -> bool {
        let Some(ms) = key.strip_prefix(&op_prefix(&self.prefix)).and_then(key_ms) else {
            return true;
        };
        if ms > clock_ms(now_ms).saturating_add(MAX_KEY_LEAD_MS) {
            return false;
        }
        // The next key goes to the following ms: at the same ms it would sort by tab
        // id, which may put it before the key seen.
        if ms >= self.last_ms {
            self.last_ms = ms.saturating_add(1);
            self.counter = 0;
        }
        true
    }

    /// Adds a record whose stored JSON is `bytes` long (the caller has that JSON, from
    /// storage or about to write it, so it is not serialised again here).
    pub fn insert(&mut self, key: String, rec: OpRecord, bytes: usize, durable: bool) {
        self.remove(&key);
        self.bytes = self.bytes.saturating_add(bytes);
        let session = &rec.client_session_id;
        let i = match self.session_slot(session) {
            Ok(i) => i,
            Err(i) => {
                self.by_session.insert(i, (session.clone(), Vec::new()));
                i
            }
        };
        insert_sorted(&mut self.by_session[i].1, &key);
        self.entries.insert(
            key,
            Entry {
                rec,
                durable,
                in_flight: false,
                bytes,
                foldable: false,
            },
        );
    }

    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let e = self.entries.remove(key)?;
        self.bytes = self.bytes.saturating_sub(e.bytes);
        self.unindex(&e.rec.client_session_id, key);
        Some(e)
    }

    fn unindex(&mut self, session: &str, key: &str) {
        if let Ok(s) = self.session_slot(session) {
            let keys = &mut self.by_session[s].1;
            if let Ok(i) = keys.binary_search_by(|k| k.as_str().cmp(key)) {
                keys.remove(i);
            }
            if keys.is_empty() {
                self.by_session.remove(s);
            }
        }
    }

    /// Where `session` is (`Ok`) or would go (`Err`) in `by_session`.
    fn session_slot(&self, session: &str) -> Result<usize, usize> {
        self.by_session
            .binary_search_by(|(name, _)| name.as_str().cmp(session))
    }

    /// The records of the sessions named in `names`, in key order.
    pub fn records_of<'a>(&'a self, names: &[String]) -> impl Iterator<Item = &'a OpRecord> {
        let mut keys: Vec<String> = Vec::new();
        for slot in names.iter().filter_map(|n| self.session_slot(n).ok()) {
            for k in &self.by_session[slot].1 {
                insert_sorted(&mut keys, k);
            }
        }
        keys.into_iter()
            .filter_map(|k| self.entries.get(&k))
            .map(|e| &e.rec)
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.get_mut(key)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Every entry in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter()
    }

    /// Records in key order (pending and in flight): what the local view folds.
    pub fn records(&self) -> impl Iterator<Item = &OpRecord> {
        self.entries.values().map(|e| &e.rec)
    }

    /// Keys of records not yet written to storage.
    pub fn not_durable(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(_, e)| !e.durable)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The creation time (ms) of the oldest record.
    pub fn oldest_ms(&self) -> Option<u64> {
        let key = self.entries.keys().next()?;
        key.strip_prefix(&op_prefix(&self.prefix)).and_then(key_ms)
    }

    /// Creation time of the oldest record not in flight (what a sender waits to send).
    /// `None` when every record is in flight; else `Some` of the oldest waiting
    /// record's creation time, if its key carries one.
    pub fn oldest_waiting_ms(&self) -> Option<Option<u64>> {
        let (key, _) = self.entries.iter().find(|(_, e)| !e.in_flight)?;
        Some(key.strip_prefix(&op_prefix(&self.prefix)).and_then(key_ms))
    }

    /// The record a new settings update for `session` may merge into: the session's
    /// last op, if it is a settings update that is not in flight.
    pub fn coalesce_target(&self, session: &str) -> Option<String> {
        let (key, e) = self
            .entries
            .iter()
            .rev()
            .find(|(_, e)| e.rec.client_session_id == session)?;
        let settings = matches!(e.rec.args.op, Op::UpdateSessionSettings(_));
        (settings && !e.in_flight).then(|| key.clone())
    }

    /// Removes [`Outbox::coalesce_target`]'s record and returns its key and
    /// settings, for a new update of `session` to merge them and take its place.
    pub fn take_coalesce_target(&mut self, session: &str) -> Option<(String, Settings)> {
        let key = self.coalesce_target(session)?;
        match self.remove(&key)?.rec.args.op {
            Op::UpdateSessionSettings(s) => Some((key, s)),
            _ => None,
        }
    }

    /// The session's pending network report a new sample folds into: its foldable
    /// report (see [`Entry::foldable`]), never one in flight. At most one per session.
    pub fn report_target(&self, session: &str) -> Option<(String, &OpRecord)> {
        let slot = self.session_slot(session).ok()?;
        self.by_session[slot].1.iter().rev().find_map(|k| {
            let e = self.entries.get(k)?;
            let report = matches!(e.rec.args.op, Op::ReportNetworkStats(_));
            (report && e.foldable && !e.in_flight).then(|| (k.clone(), &e.rec))
        })
    }

    /// Oldest evictable records to drop so the outbox fits `max_records`/`max_bytes`.
    pub fn eviction_victims(&self, max_records: usize, max_bytes: usize) -> Vec<String> {
        let (mut n, mut bytes) = (self.entries.len(), self.bytes);
        let mut out = Vec::new();
        for (key, e) in &self.entries {
            if n <= max_records && bytes <= max_bytes {
                break;
            }
            if e.rec.kind().is_lifecycle() || e.in_flight {
                continue;
            }
            out.push(key.clone());
            n = n.saturating_sub(1);
            bytes = bytes.saturating_sub(e.bytes);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{plain_op, sample, OpKind};

    fn put(o: &mut Outbox, key: String, rec: OpRecord, durable: bool) {
        let bytes = rec.to_json().len();
        o.insert(key, rec, bytes, durable);
    }

    fn rec(op: &str, kind: OpKind, session: &str) -> OpRecord {
        sample(op, plain_op(kind), session, "2024-01-15T10:30:00.000Z")
    }

    #[test]
    fn keys_never_go_backwards() {
        let mut o = Outbox::new("p:", "t");
        let a = o.next_key(5000.0);
        let b = o.next_key(5000.0);
        let c = o.next_key(4000.0);
        assert!(a < b && b < c, "{a} {b} {c}");
        assert!(o.observe_key(&op_key("p:", 9000, "other", 3), 6000.0));
        let d = o.next_key(6000.0);
        assert!(d > op_key("p:", 9000, "other", 3));
    }

    #[test]
    fn keys_far_ahead_of_the_clock_are_not_followed() {
        let mut o = Outbox::new("p:", "t");
        let now = 1_705_314_600_000.0;
        let planted = op_key("p:", 9_999_999_999_999, "evil", 0);
        assert!(!o.observe_key(&planted, now));
        let a = o.next_key(now);
        assert!(a.starts_with("p:op:1705314600000-t-"), "{a}");
        // Up to a minute ahead is followed (a clock set back a little).
        let near = op_key("p:", 1_705_314_650_000, "t2", 0);
        assert!(o.observe_key(&near, now));
        assert!(o.next_key(now) > near);
        let far = op_key("p:", 1_705_314_600_000 + MAX_KEY_LEAD_MS + 1, "t2", 0);
        assert!(!o.observe_key(&far, now));
        assert!(o.next_key(now) < far);
    }

    #[test]
    fn coalesce_only_into_the_sessions_last_settings_op() {
        let mut o = Outbox::new("p:", "t");
        let camera_off = Settings {
            camera_enabled: Some(false),
            ..Default::default()
        };
        let first = sample(
            "a",
            Op::UpdateSessionSettings(camera_off.clone()),
            "s",
            "2024-01-15T10:30:00.000Z",
        );
        put(&mut o, "p:op:1".into(), first.clone(), true);
        assert_eq!(o.coalesce_target("s"), Some("p:op:1".into()));
        assert_eq!(o.coalesce_target("other"), None);
        assert_eq!(o.take_coalesce_target("other"), None);
        assert_eq!(
            o.take_coalesce_target("s"),
            Some(("p:op:1".into(), camera_off))
        );
        assert!(o.is_empty() && o.bytes() == 0);
        put(&mut o, "p:op:1".into(), first, true);
        put(
            &mut o,
            "p:op:2".into(),
            rec("b", OpKind::ReportQualityIssue, "s"),
            true,
        );
        assert_eq!(o.coalesce_target("s"), None);
        put(
            &mut o,
            "p:op:3".into(),
            rec("c", OpKind::UpdateSessionSettings, "s"),
            true,
        );
        o.get_mut("p:op:3").unwrap().in_flight = true;
        assert_eq!(o.coalesce_target("s"), None);
        assert_eq!(o.take_coalesce_target("s"), None);
        assert_eq!(o.len(), 3);
    }

    #[test]
    fn eviction_spares_lifecycle_and_takes_oldest_first() {
        let mut o = Outbox::new("p:", "t");
        put(
            &mut o,
            "p:op:1".into(),
            rec("a", OpKind::StartSession, "s"),
            true,
        );
        put(
            &mut o,
            "p:op:2".into(),
            rec("b", OpKind::ReportQualityIssue, "s"),
            true,
        );
        put(
            &mut o,
            "p:op:3".into(),
            rec("c", OpKind::MarkConnected, "s"),
            true,
        );
        put(
            &mut o,
            "p:op:4".into(),
            rec("d", OpKind::UpdateSessionSettings, "s"),
            true,
        );
        assert!(o.eviction_victims(4, usize::MAX).is_empty());
        assert_eq!(
            o.eviction_victims(3, usize::MAX),
            vec!["p:op:2".to_string()]
        );
        assert_eq!(
            o.eviction_victims(1, usize::MAX),
            vec!["p:op:2".to_string(), "p:op:4".into()]
        );
        let total = o.bytes();
        o.remove("p:op:2");
        assert!(o.bytes() < total);
    }

    #[test]
    fn recovery_sets_aside_what_does_not_parse() {
        let good = rec("a", OpKind::StartSession, "s");
        let r = recover(
            vec![
                ("p:op:1".into(), good.to_json()),
                ("p:op:2".into(), "{\"opId\":".into()),
                ("p:op:3".into(), "null".into()),
            ],
            "u",
        );
        let len = good.to_json().len();
        assert_eq!(r.good, vec![("p:op:1".to_string(), good.clone(), len)]);
        assert_eq!(r.bad.len(), 2);
        let other = recover(vec![("p:op:4".into(), good.to_json())], "someone-else");
        assert_eq!(other.foreign, vec!["p:op:4".to_string()]);
        assert!(other.good.is_empty());
        assert_eq!(quarantine_key("p:", "p:op:2"), "p:quarantine:2");
    }

    #[test]
    fn records_of_follows_inserts_and_removals_in_key_order() {
        let mut o = Outbox::new("p:", "t");
        let ids = |o: &Outbox, names: &[&str]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            o.records_of(&names)
                .map(|r| r.op_id.clone())
                .collect::<Vec<_>>()
        };
        put(
            &mut o,
            "p:op:3".into(),
            rec("c", OpKind::MarkConnected, "s1"),
            true,
        );
        put(
            &mut o,
            "p:op:1".into(),
            rec("a", OpKind::StartSession, "s1"),
            true,
        );
        put(
            &mut o,
            "p:op:2".into(),
            rec("b", OpKind::StartSession, "srv"),
            true,
        );
        assert_eq!(ids(&o, &["s1"]), ["a", "c"]);
        assert_eq!(ids(&o, &["srv", "s1"]), ["a", "b", "c"]);
        o.remove("p:op:1");
        assert_eq!(ids(&o, &["s1"]), ["c"]);
        // Re-inserting a key (a record read back from storage) indexes it once.
        put(
            &mut o,
            "p:op:3".into(),
            rec("c", OpKind::MarkConnected, "s1"),
            true,
        );
        assert_eq!(ids(&o, &["s1"]), ["c"]);
        o.remove("p:op:3");
        assert!(ids(&o, &["s1"]).is_empty());
        assert_eq!(o.len(), 1);
    }
}
