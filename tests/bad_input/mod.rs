//! The bad-input catalogue's families and the data every family must leave intact.

pub mod flaky;
pub mod harness;
pub mod http_bodies;
pub mod jwt;
pub mod sdk_args;
pub mod security;
pub mod server;
pub mod storage;
pub mod verbatim;

use serde_json::{json, Value};

use server::Server;

/// Valid data written before any bad input: a whole call for `keeper`.
pub struct Keeper {
    snapshot: Value,
}

async fn keeper_state(server: &Server) -> Result<Value, String> {
    let sessions = server
        .ok(
            "query",
            "videoCallSessions:getUserSessions",
            json!({"userId": "keeper"}),
            None,
        )
        .await?;
    let stats = server
        .ok(
            "query",
            "videoCallSessions:getCallStats",
            json!({"userId": "keeper"}),
            None,
        )
        .await?;
    let worker = server
        .ok(
            "query",
            "videoCallSessions:getSupportWorkerStats",
            json!({"supportWorkerId": "keeper-worker"}),
            None,
        )
        .await?;
    Ok(json!({"sessions": sessions, "stats": stats, "worker": worker}))
}

impl Keeper {
    /// The seed's worked example: connected 10:30:15, ended 10:45:30 → 915 s.
    pub async fn create(server: &Server) -> Result<Keeper, String> {
        let id = server
            .ok(
                "mutation",
                "videoCallSessions:startSession",
                json!({"userId": "keeper", "supportWorkerName": "Dr. Smith", "supportWorkerId": "keeper-worker", "occurredAt": "2024-01-15T10:30:00.000Z"}),
                None,
            )
            .await?;
        for (path, at) in [
            (
                "videoCallSessions:markConnected",
                "2024-01-15T10:30:15.000Z",
            ),
            ("videoCallSessions:endSession", "2024-01-15T10:45:30.000Z"),
        ] {
            server
                .ok(
                    "mutation",
                    path,
                    json!({"sessionId": id, "occurredAt": at}),
                    None,
                )
                .await?;
        }
        let snapshot = keeper_state(server).await?;
        if snapshot["sessions"][0]["duration"] != 915 || snapshot["stats"]["totalDuration"] != 915 {
            return Err(format!("keeper set-up is wrong: {snapshot}"));
        }
        Ok(Keeper { snapshot })
    }

    pub async fn intact(&self, server: &Server) -> Result<(), String> {
        let now = keeper_state(server).await?;
        match now == self.snapshot {
            true => Ok(()),
            false => Err(format!(
                "keeper's data changed: was {} now {now}",
                self.snapshot
            )),
        }
    }
}
