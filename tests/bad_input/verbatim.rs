//! Security cases with hostile strings: SQL metacharacters, NUL, LIKE wildcards and
//! HTML in every string field must be stored and returned verbatim and match only
//! themselves — a user named `%` sees one session, a worker `_` one stats row, and
//! nothing else in the database moves (the catalogue checks `keeper` at the end).

use serde_json::{json, Value};
use video_session_sdk::native::SystemEnv;
use video_session_sdk::{Client, MemoryStorage, StartSessionArgs};

use super::sdk_args::config;
use super::server::{Server, Shared};

pub async fn over_http(server: &Server, s: &str) -> Result<(), String> {
    let audio: String = s.chars().take(50).collect();
    server
        .ok(
            "mutation",
            "videoCallSessions:startSession",
            json!({"userId": s, "supportWorkerName": s, "supportWorkerId": s, "audioOption": audio,
                   "clientSessionId": s, "metadata": {"note": s}, "opId": s, "occurredAt": "2024-01-15T10:30:00.000Z"}),
            None,
        )
        .await?;
    let r = json!({"clientSessionId": s});
    let with = |extra: Value| {
        let mut v = r.clone();
        if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        v
    };
    server
        .ok(
            "mutation",
            "videoCallSessions:reportQualityIssue",
            with(json!({"issue": s})),
            None,
        )
        .await?;
    server
        .ok(
            "mutation",
            "videoCallSessions:endSession",
            with(json!({"endReason": s})),
            None,
        )
        .await?;
    let doc = server
        .ok("query", "videoCallSessions:getSession", r.clone(), None)
        .await?;
    for (field, got, want) in [
        ("userId", &doc["userId"], json!(s)),
        ("supportWorkerName", &doc["supportWorkerName"], json!(s)),
        ("supportWorkerId", &doc["supportWorkerId"], json!(s)),
        ("audioOption", &doc["audioOption"], json!(audio)),
        ("clientSessionId", &doc["clientSessionId"], json!(s)),
        ("metadata", &doc["metadata"], json!({"note": s})),
        ("qualityIssues", &doc["qualityIssues"], json!([s])),
        ("endReason", &doc["endReason"], json!(s)),
        ("sessionStatus", &doc["sessionStatus"], json!("ended")),
    ] {
        if *got != want {
            return Err(format!("{field} came back as {got}, stored {want}"));
        }
    }
    let mine = server
        .ok(
            "query",
            "videoCallSessions:getUserSessions",
            json!({"userId": s}),
            None,
        )
        .await?;
    if mine.as_array().map_or(0, Vec::len) != 1 {
        return Err(format!(
            "getUserSessions({s:?}) matched {} sessions",
            mine.as_array().map_or(0, Vec::len)
        ));
    }
    let workers = server
        .ok(
            "query",
            "videoCallSessions:getSupportWorkerStats",
            json!({"supportWorkerId": s}),
            None,
        )
        .await?;
    let ok = workers.as_array().is_some_and(|w| w.len() == 1)
        && workers[0]["supportWorkerName"] == s
        && workers[0]["totalSessions"] == 1;
    if !ok {
        return Err(format!("getSupportWorkerStats({s:?}) gave {workers}"));
    }
    let stats = server
        .ok(
            "query",
            "videoCallSessions:getCallStats",
            json!({"userId": s}),
            None,
        )
        .await?;
    match stats["totalSessions"] == 1
        && stats["completedSessions"] == 1
        && stats["totalQualityIssues"] == 1
    {
        true => Ok(()),
        false => Err(format!("getCallStats({s:?}) gave {stats}")),
    }
}

pub async fn through_sdk(server: &Server, user: &str, worker: &str) -> Result<(), String> {
    let storage = MemoryStorage::new();
    let c = Client::open(config(user), storage, Shared::new(&server.url), SystemEnv)
        .await
        .map_err(|e| e.to_string())?;
    c.start_session(StartSessionArgs {
        support_worker_name: worker.into(),
        support_worker_id: Some(worker.into()),
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    c.mark_connected(None).await.map_err(|e| e.to_string())?;
    c.report_quality_issue(user.into(), None)
        .await
        .map_err(|e| e.to_string())?;
    let report = c.flush().await;
    if report.applied != 3 || report.rejected != 0 {
        return Err(format!("flush {report:?}"));
    }
    let mine = c.get_user_sessions(None).await.map_err(|e| e.to_string())?;
    let on_server = server
        .ok(
            "query",
            "videoCallSessions:getUserSessions",
            json!({"userId": user}),
            None,
        )
        .await?;
    let ok = mine.len() == 1
        && mine[0].support_worker_name == worker
        && on_server.as_array().is_some_and(|l| l.len() == 1)
        && on_server[0]["supportWorkerName"] == worker
        && on_server[0]["userId"] == user
        && on_server[0]["qualityIssues"] == json!([user]);
    match ok {
        true => Ok(()),
        false => Err(format!("sdk saw {mine:?}, server has {on_server}")),
    }
}
