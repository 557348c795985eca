//! Call helpers shared by the scripted outbox tests: typical arguments, a whole call
//! on the fake clock, and a view of the ops on disk.

use crate::support::{block_on, FakeEnv, TestClient};
use video_session_sdk::{EndSessionArgs, MemoryStorage, StartSessionArgs, UpdateSettingsArgs};

pub fn start_args(name: &str) -> StartSessionArgs {
    StartSessionArgs {
        support_worker_name: name.into(),
        audio_option: Some("wifi".into()),
        ..Default::default()
    }
}

pub fn ops_on_disk(disk: &MemoryStorage) -> Vec<serde_json::Value> {
    disk.dump()
        .into_iter()
        .filter(|(k, _)| k.starts_with("vss:op:"))
        .map(|(_, v)| serde_json::from_str(&v).unwrap())
        .collect()
}

/// A whole call: start, connect 15 s later, settings, issue, end 915 s after connect.
pub fn whole_call<S: video_session_sdk::platform::Storage>(
    c: &TestClient<S>,
    env: &FakeEnv,
) -> String {
    let id = block_on(c.start_session(start_args("Dr. Smith"))).unwrap();
    env.advance(15_000.0);
    block_on(c.mark_connected(None)).unwrap();
    env.advance(45_000.0);
    block_on(c.update_settings(UpdateSettingsArgs {
        camera_enabled: Some(false),
        ..Default::default()
    }))
    .unwrap();
    env.advance(60_000.0);
    block_on(c.report_quality_issue("Audio choppy".into(), None)).unwrap();
    env.advance(810_000.0);
    let end = block_on(c.end_session(EndSessionArgs {
        end_reason: Some("user_ended".into()),
        session: None,
    }))
    .unwrap();
    assert_eq!(end.duration, Some(915));
    id
}
