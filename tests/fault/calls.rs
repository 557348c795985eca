//! What a device does: whole video calls drawn from its seeded generator — start
//! (with or without a support worker id, audio option, metadata), connect, settings,
//! quality issues, then end or markFailed (from connecting too). Only calls the
//! lifecycle allows, so the SDK accepts every one and the oracle can replay them.

use serde_json::{json, Value};

use super::rng::Rng;

/// Quality issues per call stay well under the backend's 50.
const MAX_ISSUES: u32 = 6;

/// Support workers, shared by all devices so worker stats aggregate across users.
pub const WORKERS: [(&str, &str); 3] = [
    ("worker-ana", "Ana Ruiz"),
    ("worker-ben", "Ben Okafor"),
    ("worker-chen", "Chen Wei"),
];
/// The name used for sessions without a `supportWorkerId`.
pub const NAMELESS_WORKER: &str = "Dr. Walk-in";

/// One call as the device made it.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Start {
        worker_name: String,
        worker_id: Option<String>,
        audio: Option<String>,
        metadata: Option<Value>,
    },
    Connect,
    Settings {
        camera: Option<bool>,
        mic: Option<bool>,
        audio: Option<String>,
    },
    Issue(String),
    End(Option<String>),
    Fail(Option<String>),
}

/// Where the device's current call is.
pub enum Phase {
    Idle,
    Active {
        session: String,
        connected: bool,
        issues: u32,
    },
}

/// The next call for the device's phase, and how far (ms) the clock should move.
pub fn next_op(rng: &mut Rng, phase: &Phase, device: usize, n: usize) -> (Op, u64) {
    let (connected, issues) = match phase {
        Phase::Idle => return (start_op(rng, device, n), rng.range(500, 30_000)),
        Phase::Active {
            connected, issues, ..
        } => (*connected, *issues),
    };
    let roll = rng.range(0, 99);
    let (connect, settings, issue, end) = if connected {
        (0, 30, 55, 85)
    } else {
        (60, 72, 82, 91)
    };
    if roll < connect {
        return (Op::Connect, rng.range(1_000, 20_000));
    }
    if roll < settings || (roll < issue && issues >= MAX_ISSUES) {
        return (settings_op(rng), rng.range(200, 10_000));
    }
    if roll < issue {
        let text = format!(
            "issue {device}-{n}: {}",
            rng.pick(&["audio choppy", "video frozen", "echo", "lag"])
        );
        return (Op::Issue(text), rng.range(200, 10_000));
    }
    let want = rng.range(1_000, 60_000);
    if roll < end {
        let reason = rng.chance(500).then(|| {
            rng.pick(&["user_ended", "worker_ended", "timeout"])
                .to_string()
        });
        (Op::End(reason), want)
    } else {
        let reason = rng
            .chance(500)
            .then(|| rng.pick(&["network_lost", "camera_error"]).to_string());
        (Op::Fail(reason), want)
    }
}

fn start_op(rng: &mut Rng, device: usize, n: usize) -> Op {
    let (worker_id, worker_name) = if rng.chance(800) {
        let (id, name) = *rng.pick(&WORKERS);
        (Some(id.to_string()), name.to_string())
    } else {
        (None, NAMELESS_WORKER.to_string())
    };
    Op::Start {
        worker_name,
        worker_id,
        audio: rng
            .chance(500)
            .then(|| rng.pick(&["wifi", "cellular", "bluetooth"]).to_string()),
        metadata: rng.chance(250).then(
            || json!({"device": format!("dev{device}"), "call": n, "tags": ["fault", "run"]}),
        ),
    }
}

fn settings_op(rng: &mut Rng) -> Op {
    let mut camera = rng.chance(500).then(|| rng.chance(500));
    let mic = rng.chance(500).then(|| rng.chance(500));
    let audio = rng
        .chance(300)
        .then(|| rng.pick(&["speaker", "headset"]).to_string());
    if camera.is_none() && mic.is_none() && audio.is_none() {
        camera = Some(rng.chance(500));
    }
    Op::Settings { camera, mic, audio }
}

pub fn advance(phase: Phase, op: &Op, session: &str) -> Phase {
    match (phase, op) {
        (_, Op::Start { .. }) => Phase::Active {
            session: session.to_string(),
            connected: false,
            issues: 0,
        },
        (_, Op::End(_) | Op::Fail(_)) => Phase::Idle,
        (
            Phase::Active {
                session, issues, ..
            },
            Op::Connect,
        ) => Phase::Active {
            session,
            connected: true,
            issues,
        },
        (
            Phase::Active {
                session,
                connected,
                issues,
            },
            Op::Issue(_),
        ) => Phase::Active {
            session,
            connected,
            issues: issues + 1,
        },
        (phase, _) => phase,
    }
}
