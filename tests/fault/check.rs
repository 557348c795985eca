//! Compares the server's state (read directly, not through the proxy) with the
//! oracle: every session present exactly once with exactly the expected document,
//! `getSession` and `getUserSessions` agreeing with the paged listing, newest first,
//! call stats, the active session and every worker's stats row exact.
//!
//! Numbers are compared as float64 (the wire's only number type), so `3` and `3.0`
//! are equal and nothing else is loosened.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use video_session_sdk::native::ReqwestTransport;
use video_session_sdk::platform::{CallKind, Transport};

use super::oracle::Expected;

/// Every number as a float, recursively.
pub fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

/// An expected value as the client reads it off the wire: serialised (shortest
/// round-trip form, as the server prints it) and parsed by the same parser as the
/// reply. serde_json without `float_roundtrip` may parse e.g. 8/17 one ulp off;
/// this keeps the comparison exact without depending on that.
fn as_read(v: &Value) -> Value {
    serde_json::from_str(&v.to_string()).unwrap_or(Value::Null)
}

struct Api {
    t: ReqwestTransport,
}

impl Api {
    async fn query(&self, path: &str, args: Value) -> Result<Value, String> {
        self.t
            .call(CallKind::Query, &format!("videoCallSessions:{path}"), args)
            .await
            .map_err(|e| format!("{path} failed: {e}"))
    }
}

/// Every difference found (empty when the server matches the oracle).
pub async fn check(server_url: &str, expected: &Expected) -> Result<Vec<String>, String> {
    let api = Api {
        t: ReqwestTransport::new(server_url).with_timeout_ms(30_000),
    };
    let mut problems = Vec::new();
    for (user, exp) in &expected.users {
        let docs = all_sessions(&api, user).await?;
        check_user(&api, user, exp, &docs, &mut problems).await?;
    }
    for (id, (name, counters)) in &expected.workers {
        let rows = api
            .query("getSupportWorkerStats", json!({"supportWorkerId": id}))
            .await?;
        let want = normalise(&as_read(&json!([counters.worker_row(id, name)])));
        if normalise(&rows) != want {
            problems.push(format!("worker {id}: stats {rows} != expected {want}"));
        }
    }
    Ok(problems)
}

async fn all_sessions(api: &Api, user: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    let mut cursor = Value::Null;
    for _ in 0..1_000 {
        let page = api
            .query(
                "getUserSessionsPage",
                json!({"userId": user, "paginationOpts": {"numItems": 100, "cursor": cursor}}),
            )
            .await?;
        docs.extend(page["page"].as_array().cloned().unwrap_or_default());
        if page["isDone"] == json!(true) {
            return Ok(docs);
        }
        cursor = page["continueCursor"].clone();
    }
    Err(format!("{user}: getUserSessionsPage never finished"))
}

async fn check_user(
    api: &Api,
    user: &str,
    exp: &super::oracle::UserExpectation,
    docs: &[Value],
    problems: &mut Vec<String>,
) -> Result<(), String> {
    let times: Vec<f64> = docs
        .iter()
        .map(|d| d["_creationTime"].as_f64().unwrap_or(f64::NAN))
        .collect();
    if !times.windows(2).all(|w| w[0] >= w[1]) {
        problems.push(format!("{user}: sessions are not newest first"));
    }
    let mut by_csid: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for d in docs {
        let csid = d["clientSessionId"]
            .as_str()
            .unwrap_or("<none>")
            .to_string();
        by_csid.entry(csid).or_default().push(d);
    }
    for (csid, found) in &by_csid {
        if !exp.sessions.contains_key(csid) {
            problems.push(format!(
                "{user}: unexpected session {csid} ({} copies)",
                found.len()
            ));
        } else if found.len() != 1 {
            problems.push(format!(
                "{user}: session {csid} stored {} times",
                found.len()
            ));
        }
    }
    for (csid, want) in &exp.sessions {
        let Some(doc) = by_csid.get(csid).and_then(|f| f.first()) else {
            problems.push(format!("{user}: session {csid} is missing"));
            continue;
        };
        let mut got: Map<String, Value> = doc.as_object().cloned().unwrap_or_default();
        got.remove("_id");
        got.remove("_creationTime");
        let (got, want) = (
            normalise(&Value::Object(got)),
            normalise(&as_read(&Value::Object(want.clone()))),
        );
        if got != want {
            problems.push(format!("{user}: session {csid}: {}", diff(&got, &want)));
        }
        let one = api
            .query("getSession", json!({"sessionId": doc["_id"]}))
            .await?;
        if normalise(&one) != normalise(doc) {
            problems.push(format!(
                "{user}: getSession({}) differs from the listing",
                doc["_id"]
            ));
        }
    }
    let first = api
        .query("getUserSessions", json!({"userId": user, "limit": 200}))
        .await?;
    let listed: Vec<Value> = docs.iter().take(200).map(normalise).collect();
    if normalise(&first) != Value::Array(listed) {
        problems.push(format!(
            "{user}: getUserSessions differs from the paged listing"
        ));
    }
    let stats = api.query("getCallStats", json!({"userId": user})).await?;
    let want = normalise(&as_read(&exp.stats.call_stats()));
    if normalise(&stats) != want {
        problems.push(format!("{user}: getCallStats {stats} != expected {want}"));
    }
    let active = api
        .query("getActiveSession", json!({"userId": user}))
        .await?;
    let got = active["clientSessionId"].as_str().map(str::to_string);
    if got != exp.active {
        problems.push(format!(
            "{user}: active session {got:?} != expected {:?}",
            exp.active
        ));
    }
    Ok(())
}

/// The keys whose values differ, with both sides.
fn diff(got: &Value, want: &Value) -> String {
    let empty = Map::new();
    let (g, w) = (
        got.as_object().unwrap_or(&empty),
        want.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = g.keys().chain(w.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| g.get(*k) != w.get(*k))
        .map(|k| {
            let show = |v: Option<&Value>| v.map_or("<absent>".to_string(), Value::to_string);
            format!("{k}: got {} want {}", show(g.get(k)), show(w.get(k)))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
