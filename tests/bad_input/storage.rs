//! Family 3: bad things already in storage when a client opens, and a store that
//! refuses writes. Each case starts from two valid queued ops (start, connect) left
//! on "disk" by an earlier client, adds the bad input, and opens a new client on the
//! same storage. A record that does not parse must be set aside under
//! `{prefix}quarantine:` with its raw value kept, counted in one `Quarantined` event,
//! and removed from the op namespace; keys outside the op namespace, and keys in it
//! that are not op keys (another user's nested prefix), are left alone;
//! the two valid ops must still deliver and leave the session `connected`. A full
//! store must never fail a call: the op stays in memory, `StorageFull` is emitted,
//! and once space returns nothing valid is lost (not even across a restart).

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{json, Value};
use video_session_sdk::native::SystemEnv;
use video_session_sdk::platform::{Storage, StorageError};
use video_session_sdk::{Client, ErrorCode, Event};

use super::flaky::Flaky;
use super::sdk_args::config;
use super::server::{Server, Shared};

const BAD_KEY: &str = "vss:op:0000000000001-zzzzzzzz-000000";

pub enum Input {
    /// (key, raw value) pairs written next to the valid records.
    Records(Vec<(String, String)>),
    /// The store is full when an op is queued; space returns later.
    QuotaAtEnqueue,
    /// The store is full when open tries to move a bad record to quarantine.
    QuotaAtQuarantine,
    /// Full store while the backend is unreachable; space returns; the app restarts.
    QuotaOfflineThenRestart,
    /// Every write fails with a non-quota error while an op is queued.
    WritesFail,
    /// The store cannot even list keys at open.
    UnavailableAtOpen,
    /// A call the SDK accepts (metadata 200 levels deep), then a restart.
    AcceptedThenRestart,
}

pub enum Expect {
    /// These keys are quarantined (raw value kept), the valid ops deliver.
    Quarantined,
    /// Keys outside the op namespace: left as they are, nothing quarantined.
    Untouched,
    /// The call resolves; the op is kept in memory and delivered later.
    KeptInMemory,
    /// Open fails with a typed `STORAGE` error.
    StorageError,
}

pub struct Case {
    pub name: &'static str,
    pub input: Input,
    pub expect: Expect,
    pub known_bug: Option<&'static str>,
}

fn record(edit: impl FnOnce(&mut Value)) -> String {
    let mut v = json!({
        "opId": "11111111-1111-4111-8111-111111111111",
        "kind": "reportQualityIssue",
        "clientSessionId": "not-a-session-of-this-user",
        "args": {"clientSessionId": "not-a-session-of-this-user", "issue": "injected"},
        "occurredAt": "2024-01-15T10:30:00.000Z",
        "attempts": 0
    });
    edit(&mut v);
    v.to_string()
}

fn one(value: String) -> Input {
    Input::Records(vec![(BAD_KEY.to_string(), value)])
}

// One case per line: the table reads better than rustfmt's layout of it.
#[rustfmt::skip]
pub fn cases() -> Vec<Case> {
    use Expect::*;
    let full = record(|_| {});
    let bad_values: Vec<(&'static str, String)> = vec![
        ("not JSON", "garbage{{".into()),
        ("truncated record JSON", full[..full.len() / 2].to_string()),
        ("empty value", String::new()),
        ("JSON null", "null".into()),
        ("JSON array", "[1,2,3]".into()),
        ("JSON number", "42".into()),
        ("record of a future version (unknown kind, v:2)", record(|v| { v["kind"] = json!("shareScreen"); v["v"] = json!(2); })),
        ("valid shape, empty opId", record(|v| v["opId"] = json!(""))),
        ("valid shape, opId a number", record(|v| v["opId"] = json!(7))),
        ("valid shape, empty clientSessionId", record(|v| v["clientSessionId"] = json!(""))),
        ("valid shape, args a string", record(|v| v["args"] = json!("issue=x"))),
        ("valid shape, occurredAt not a time", record(|v| v["occurredAt"] = json!("yesterday"))),
        ("valid shape, occurredAt 2024-02-30", record(|v| v["occurredAt"] = json!("2024-02-30T10:30:00.000Z"))),
        ("valid shape, occurredAt with an offset", record(|v| v["occurredAt"] = json!("2024-01-15T10:30:00.000+02:00"))),
        ("valid shape, attempts -1", record(|v| v["attempts"] = json!(-1))),
        ("valid shape, kind missing", record(|v| { v.as_object_mut().map(|o| o.remove("kind")); })),
    ];
    let c = |name, input, expect| Case { name, input, expect, known_bug: None };
    let all: Vec<(String, String)> = bad_values
        .iter()
        .enumerate()
        .map(|(i, (_, v))| (format!("vss:op:000000000000{}-zzzzzzzz-{i:06}", i % 10), v.clone()))
        .collect();
    let mut out: Vec<Case> = bad_values
        .into_iter()
        .map(|(name, v)| c(name, one(v), Quarantined))
        .collect();
    out.extend([
        c("record in today's format without userId", one(record(|v| { v.as_object_mut().map(|o| o.remove("userId")); })), Quarantined),
        // Keys under the op namespace that are not op keys belong to a prefix that
        // begins with this one (user "op" on the unescaped `vss:{user}:` prefix).
        c("foreign key in the op namespace", Input::Records(vec![("vss:op:not-an-op-key".into(), "hello".into())]), Untouched),
        c("a nested user's keys inside the op namespace", Input::Records(vec![
            ("vss:op:current".into(), "cs-1".into()),
            ("vss:op:op:0000000000001-zzzzzzzz-000000".into(), record(|v| v["userId"] = json!("op"))),
            ("vss:op:dead:0000000000001-zzzzzzzz-000000".into(), "{}".into()),
        ]), Untouched),
        c("all bad records at once (16)", Input::Records(all), Quarantined),
        c("foreign key under the prefix, outside op:", Input::Records(vec![("vss:another-app-setting".into(), r#"{"theme":"dark"}"#.into())]), Untouched),
        c("key of a different prefix that looks like an op", Input::Records(vec![("vssx:op:0000000000001-zz-000000".into(), record(|_| {}))]), Untouched),
        c("quota exceeded when an op is queued", Input::QuotaAtEnqueue, KeptInMemory),
        c("quota exceeded when open moves a bad record", Input::QuotaAtQuarantine, Quarantined),
        c("quota exceeded offline, space returns, restart", Input::QuotaOfflineThenRestart, KeptInMemory),
        c("every write fails (not quota) when an op is queued", Input::WritesFail, KeptInMemory),
        c("storage unavailable at open", Input::UnavailableAtOpen, StorageError),
        c("an accepted op (200-deep metadata) is not quarantined at the next open", Input::AcceptedThenRestart, KeptInMemory),
    ]);
    out
}

type FlakyClient = Client<Flaky, Shared, SystemEnv>;

async fn open(store: &Flaky, user: &str, url: &str) -> Result<FlakyClient, String> {
    Client::open(config(user), store.clone(), Shared::new(url), SystemEnv)
        .await
        .map_err(|e| format!("open failed: {} {}", e.code, e.message))
}

/// Two valid ops (start, connect) on disk from a client that is then dropped.
async fn baseline(store: &Flaky, user: &str, url: &str) -> Result<(), String> {
    let c = open(store, user, url).await?;
    let id = c
        .start_session(video_session_sdk::StartSessionArgs {
            support_worker_name: "Dr. Smith".into(),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    c.mark_connected(Some(id))
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn events(c: &FlakyClient) -> Rc<RefCell<Vec<Event>>> {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    c.set_event_handler(Box::new(move |e| sink.borrow_mut().push(e.clone())));
    events
}

/// Delivers everything and checks the server has the user's session in `status`
/// with `issues` quality issues.
async fn delivers<S: Storage>(
    c: &Client<S, Shared, SystemEnv>,
    server: &Server,
    user: &str,
    applied: usize,
    issues: usize,
) -> Result<(), String> {
    let report = c.flush().await;
    if report.applied != applied || report.rejected != 0 || report.pending != 0 {
        return Err(format!(
            "valid ops did not all deliver: {report:?}, want {applied} applied"
        ));
    }
    let list = server
        .ok(
            "query",
            "videoCallSessions:getUserSessions",
            json!({"userId": user}),
            None,
        )
        .await?;
    let ok = list.as_array().is_some_and(|l| l.len() == 1)
        && list[0]["sessionStatus"] == "connected"
        && list[0]["qualityIssues"].as_array().map_or(0, Vec::len) == issues;
    match ok {
        true => Ok(()),
        false => Err(format!("server state after delivery: {list}")),
    }
}

fn quarantined_count(events: &[Event]) -> usize {
    events
        .iter()
        .map(|e| match e {
            Event::Quarantined { count } => *count,
            _ => 0,
        })
        .sum()
}

pub async fn run(server: &Server, i: usize, case: &Case) -> Result<(), String> {
    let user = format!("storage-case-{i}");
    let url = server.url.as_str();
    let store = Flaky::default();
    if let Input::UnavailableAtOpen = case.input {
        *store.fail_list.borrow_mut() = true;
        return match Client::open(config(&user), store.clone(), Shared::new(url), SystemEnv).await {
            Err(e) if e.code == ErrorCode::Storage && !e.message.is_empty() => Ok(()),
            Err(e) => Err(format!("got {} {}", e.code, e.message)),
            Ok(_) => Err("open succeeded on an unavailable store".into()),
        };
    }
    baseline(&store, &user, url).await?;
    match &case.input {
        Input::Records(records) => {
            for (k, v) in records {
                store.disk.set_now(k, v).map_err(|e| e.to_string())?;
            }
            let c = open(&store, &user, url).await?;
            let seen = events(&c);
            if c.pending_count() != 2 {
                return Err(format!(
                    "{} pending after open, want the 2 valid ops",
                    c.pending_count()
                ));
            }
            let in_ops: Vec<&(String, String)> = records
                .iter()
                .filter(|(k, _)| k.starts_with("vss:op:"))
                .collect();
            let count = quarantined_count(&seen.borrow());
            match case.expect {
                Expect::Untouched => {
                    for (k, v) in records {
                        if store.disk.get_now(k).as_ref() != Some(v) {
                            return Err(format!("{k} was changed or removed"));
                        }
                    }
                    if count != 0 {
                        return Err(format!("quarantined {count}"));
                    }
                }
                _ => {
                    if count != in_ops.len() {
                        return Err(format!("Quarantined count {count}, want {}", in_ops.len()));
                    }
                    for (k, v) in &in_ops {
                        let q = k.replacen("vss:op:", "vss:quarantine:", 1);
                        if store.disk.get_now(&q).as_ref() != Some(v) {
                            return Err(format!("{q} does not hold the raw value"));
                        }
                        if store.disk.get_now(k).is_some() {
                            return Err(format!("{k} is still in the op namespace"));
                        }
                    }
                }
            }
            delivers(&c, server, &user, 2, 0).await
        }
        Input::QuotaAtQuarantine => {
            store
                .disk
                .set_now(BAD_KEY, "garbage{{")
                .map_err(|e| e.to_string())?;
            *store.fail_set.borrow_mut() = Some(StorageError::QuotaExceeded);
            let c = open(&store, &user, url).await?;
            let seen = events(&c);
            if quarantined_count(&seen.borrow()) != 1 || c.pending_count() != 2 {
                return Err(format!(
                    "events {:?}, pending {}",
                    seen.borrow(),
                    c.pending_count()
                ));
            }
            if store.disk.get_now(BAD_KEY).is_none() {
                return Err(
                    "the bad record was removed although its quarantine copy could not be written"
                        .into(),
                );
            }
            delivers(&c, server, &user, 2, 0).await?;
            drop(c);
            *store.fail_set.borrow_mut() = None;
            let again = open(&store, &user, url).await?;
            let seen = events(&again);
            let moved = store
                .disk
                .get_now("vss:quarantine:0000000000001-zzzzzzzz-000000")
                .as_deref()
                == Some("garbage{{");
            match quarantined_count(&seen.borrow()) == 1 && moved && again.pending_count() == 0 {
                true => Ok(()),
                false => Err(format!(
                    "with space back: events {:?}, moved {moved}",
                    seen.borrow()
                )),
            }
        }
        Input::QuotaAtEnqueue | Input::WritesFail => {
            let c = open(&store, &user, url).await?;
            let seen = events(&c);
            let before = store.disk.dump();
            *store.fail_set.borrow_mut() = Some(match case.input {
                Input::WritesFail => StorageError::Other("I/O error".into()),
                _ => StorageError::QuotaExceeded,
            });
            c.report_quality_issue("while full".into(), None)
                .await
                .map_err(|e| format!("the call failed: {} {}", e.code, e.message))?;
            check_in_memory(&c, &seen.borrow(), &before, &store.disk.dump())?;
            *store.fail_set.borrow_mut() = None;
            delivers(&c, server, &user, 3, 1).await
        }
        Input::QuotaOfflineThenRestart => {
            let closed = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            let dead_url = format!("http://{}", closed.local_addr().map_err(|e| e.to_string())?);
            drop(closed);
            let c = open(&store, &user, &dead_url).await?;
            let seen = events(&c);
            let before = store.disk.dump();
            *store.fail_set.borrow_mut() = Some(StorageError::QuotaExceeded);
            c.report_quality_issue("while full and offline".into(), None)
                .await
                .map_err(|e| format!("the call failed: {} {}", e.code, e.message))?;
            check_in_memory(&c, &seen.borrow(), &before, &store.disk.dump())?;
            *store.fail_set.borrow_mut() = None;
            let report = c.flush().await;
            if report.pending != 3 || report.error.is_none() {
                return Err(format!("offline flush: {report:?}"));
            }
            drop(c);
            let restarted = open(&store, &user, url).await?;
            if restarted.pending_count() != 3 {
                return Err(format!("after restart {} pending, want 3 (the in-memory op was not written when space returned)", restarted.pending_count()));
            }
            delivers(&restarted, server, &user, 3, 1).await
        }
        Input::UnavailableAtOpen => unreachable!("handled above"),
        Input::AcceptedThenRestart => {
            let c = open(&store, &user, url).await?;
            let deep = (0..200).fold(json!(1), |v, _| json!({"a": v}));
            let args = video_session_sdk::StartSessionArgs {
                support_worker_name: "W".into(),
                metadata: Some(deep),
                ..Default::default()
            };
            if c.start_session(args).await.is_err() {
                // Refused at the call: nothing was accepted, so nothing can be lost.
                return delivers(&c, server, &user, 2, 0).await;
            }
            drop(c);
            let again = open(&store, &user, url).await?;
            let seen = events(&again);
            let quarantined = quarantined_count(&seen.borrow());
            match (again.pending_count(), quarantined) {
                (3, 0) => Ok(()),
                (n, q) => Err(format!(
                    "the accepted op did not survive the restart: {n} pending, {q} quarantined"
                )),
            }
        }
    }
}

fn check_in_memory(
    c: &FlakyClient,
    events: &[Event],
    before: &[(String, String)],
    after: &[(String, String)],
) -> Result<(), String> {
    if !events
        .iter()
        .any(|e| matches!(e, Event::StorageFull { in_memory: 1 }))
    {
        return Err(format!("no StorageFull {{inMemory: 1}} event: {events:?}"));
    }
    if c.pending_count() != 3 {
        return Err(format!(
            "{} pending, want 3 (2 stored + 1 in memory)",
            c.pending_count()
        ));
    }
    match before == after {
        true => Ok(()),
        false => Err("storage changed although every write failed".into()),
    }
}
