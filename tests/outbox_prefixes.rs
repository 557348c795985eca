//! Storage boundaries (#12.5): a stored record that does not name its user is
//! quarantined, never delivered as whoever opens the client; one user's default
//! prefix never begins with another's, and keys of a nested prefix written by today's
//! release (`acme` vs `acme:op`) are left alone; records in today's exact format
//! still load, and a user whose id needed escaping gets theirs moved to the new prefix.
// Native only: fake clocks, tokio and proptest do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::*;
use video_session_sdk::api::user_storage_prefix;
use video_session_sdk::{Client, Config, Event, MemoryStorage};

/// A record exactly as today's release writes it (`OpRecord::to_json`).
fn todays_record(op: &str, user: Option<&str>) -> String {
    let user = user.map_or(String::new(), |u| format!(",\"userId\":\"{u}\""));
    format!(
        "{{\"opId\":\"{op}\",\"kind\":\"startSession\",\"clientSessionId\":\"cs-{op}\",\
         \"args\":{{\"supportWorkerName\":\"Dr. Smith\",\"audioOption\":\"wifi\",\
         \"clientSessionId\":\"cs-{op}\"}},\"occurredAt\":\"2024-01-15T10:29:00.000Z\"{user},\
         \"attempts\":0}}"
    )
}

fn open_as(
    user: &str,
    prefix: &str,
    disk: &MemoryStorage,
    t: &ScriptedTransport,
    env: &FakeEnv,
) -> TestClient {
    let mut cfg = Config::new(user);
    cfg.storage_prefix = prefix.into();
    cfg.tab_id = Some("tab9".into());
    block_on(Client::open(cfg, disk.clone(), t.clone(), env.clone())).unwrap()
}

#[test]
fn a_record_without_its_user_is_quarantined_not_delivered() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(51),
    );
    let raw = todays_record("nouser", None);
    disk.set_now("vss:op:1705314540000-3f2a9c1b-000000", &raw)
        .unwrap();
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    assert_eq!(
        events.borrow().as_slice(),
        &[Event::Quarantined { count: 1 }]
    );
    assert_eq!(c.pending_count(), 0);
    assert_eq!(block_on(c.flush()).applied, 0);
    assert!(t.oracle.borrow().applied.is_empty());
    assert_eq!(
        disk.get_now("vss:quarantine:1705314540000-3f2a9c1b-000000"),
        Some(raw)
    );
    // One that appears while the client runs is set aside too.
    disk.set_now(
        "vss:op:1705314540001-3f2a9c1b-000000",
        &todays_record("late", None),
    )
    .unwrap();
    block_on(c.sync_from_storage());
    assert_eq!(c.pending_count(), 0);
    assert!(disk
        .get_now("vss:quarantine:1705314540001-3f2a9c1b-000000")
        .is_some());
}

#[test]
fn default_prefixes_do_not_nest() {
    let (a, b) = (
        user_storage_prefix("vss:", "acme"),
        user_storage_prefix("vss:", "acme:op"),
    );
    assert_eq!(a, "vss:acme:", "ids without ':' or '%' keep today's prefix");
    assert_eq!(b, "vss:acme%3Aop:");
    assert!(!b.starts_with(&a));
    // Escaping is one-to-one: a literal "%3A" in an id is not a ':'.
    assert_ne!(
        user_storage_prefix("vss:", "a%3Ab"),
        user_storage_prefix("vss:", "a:b")
    );
    for (x, y) in [
        ("acme", "acme:"),
        ("a", "a:op:0000000000001-t-000000"),
        ("u", "u%"),
    ] {
        let (px, py) = (
            user_storage_prefix("vss:", x),
            user_storage_prefix("vss:", y),
        );
        assert!(!px.starts_with(&py) && !py.starts_with(&px), "{px} {py}");
    }
}

#[test]
fn a_nested_prefix_of_todays_release_is_left_alone() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(52),
    );
    // User "acme:op" on today's release: prefix "vss:acme:op:", inside acme's op
    // namespace "vss:acme:op:".
    let nested = [
        ("vss:acme:op:current", "cs-1".to_string()),
        ("vss:acme:op:view:sessions", "[]".to_string()),
        (
            "vss:acme:op:op:1705314540000-3f2a9c1b-000000",
            todays_record("n1", Some("acme:op")),
        ),
        (
            "vss:acme:op:dead:1705314540000-3f2a9c1b-000001",
            "{}".to_string(),
        ),
        (
            "vss:acme:op:quarantine:1705314540000-3f2a9c1b-000002",
            "x".to_string(),
        ),
    ];
    for (k, v) in &nested {
        disk.set_now(k, v).unwrap();
    }
    let acme = open_as("acme", "vss:acme:", &disk, &t, &env);
    let events = record_events(&acme);
    block_on(acme.sync_from_storage());
    assert!(events.borrow().is_empty(), "{:?}", events.borrow());
    assert_eq!(acme.pending_count(), 0);
    block_on(acme.start_session(start_args("A"))).unwrap();
    assert_eq!(block_on(acme.flush()).applied, 1);
    for (k, v) in &nested {
        assert_eq!(disk.get_now(k).as_ref(), Some(v), "{k}");
    }
}

#[test]
fn records_in_todays_format_still_load_under_todays_prefix() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(53),
    );
    disk.set_now(
        "vss:alice:op:1705314540000-3f2a9c1b-000000",
        &todays_record("a1", Some("alice")),
    )
    .unwrap();
    disk.set_now("vss:alice:current", "cs-a1").unwrap();
    let prefix = user_storage_prefix("vss:", "alice");
    let c = open_as("alice", &prefix, &disk, &t, &env);
    assert_eq!(c.pending_count(), 1);
    assert_eq!(c.current_session().as_deref(), Some("cs-a1"));
    assert_eq!(block_on(c.flush()).applied, 1);
    assert_eq!(t.oracle.borrow().session("cs-a1").unwrap().user_id, "alice");
}

#[test]
fn an_escaped_users_records_move_from_todays_prefix() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(54),
    );
    let old = "vss:acme:op:op:1705314540000-3f2a9c1b-000000";
    disk.set_now(old, &todays_record("m1", Some("acme:op")))
        .unwrap();
    // Under the old prefix but another user's record: it stays.
    let other = "vss:acme:op:op:1705314540000-3f2a9c1b-000001";
    disk.set_now(other, &todays_record("m2", Some("acme:op:x")))
        .unwrap();
    let mut cfg = Config::new("acme:op");
    cfg.storage_prefix = user_storage_prefix("vss:", "acme:op");
    cfg.legacy_prefix = Some("vss:acme:op:".into());
    let c = block_on(Client::open(cfg, disk.clone(), t.clone(), env)).unwrap();
    assert_eq!(c.pending_count(), 1);
    assert!(disk.get_now(old).is_none());
    assert!(disk
        .get_now("vss:acme%3Aop:op:1705314540000-3f2a9c1b-000000")
        .is_some());
    assert!(disk.get_now(other).is_some());
    assert_eq!(block_on(c.flush()).applied, 1);
    assert_eq!(
        t.oracle.borrow().session("cs-m1").unwrap().user_id,
        "acme:op"
    );
}

#[test]
fn a_tab_id_that_would_break_the_key_shape_is_refused() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(55),
    );
    for bad in ["", "a:b", &"t".repeat(65)] {
        let mut cfg = config();
        cfg.tab_id = Some(bad.into());
        let e = block_on(Client::open(cfg, disk.clone(), t.clone(), env.clone()))
            .err()
            .expect("refused");
        assert_eq!(
            e.code,
            video_session_sdk::ErrorCode::InvalidArgument,
            "{bad}"
        );
    }
    assert!(disk.dump().is_empty());
}
