//! One simulated device: an SDK client over a [`MemoryStorage`] "disk", the
//! [`VirtualClock`] and a reqwest transport pointed at the fault proxy. It makes
//! `ops` calls that form whole video calls (start, connect, settings, quality
//! issues, end or markFailed), while a background pump delivers; at random points it
//! "crashes" — the pump is cancelled (sometimes while a batch is on the wire), the
//! in-memory client is dropped and a new one is opened on the same disk.
//!
//! Every accepted call is logged with the exact `occurredAt` it carries (the clock is
//! frozen during the call), which is all the oracle needs. Runs on its own thread with
//! a current-thread runtime: the SDK's futures are not `Send`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::task::{spawn_local, JoinHandle, LocalSet};
use video_session_sdk::native::ReqwestTransport;
use video_session_sdk::platform::Env;
use video_session_sdk::{
    Client, Config, DeliveryStep, EndSessionArgs, Event, MarkFailedArgs, MemoryStorage,
    StartSessionArgs, UpdateSettingsArgs,
};

use super::calls::{advance, next_op, Op, Phase};
use super::clock::VirtualClock;
use super::rng::Rng;

/// Chance per op that the device crashes before it.
const CRASH_PER_MILLE: u64 = 40;
/// Chance per drain round (every ~100 ms) that the device crashes.
const DRAIN_CRASH_PER_MILLE: u64 = 30;
/// Longest real pause between two calls, so delivery interleaves with them.
const MAX_GAP_MS: u64 = 12;
/// The transport's request timeout; the proxy's longest delay exceeds it.
const REQUEST_TIMEOUT_MS: u64 = 2_000;

type Sdk = Client<MemoryStorage, ReqwestTransport, VirtualClock>;

/// An accepted call: its session (the client session id) and event time.
#[derive(Debug, Clone)]
pub struct LoggedOp {
    pub session: String,
    pub at_ms: f64,
    pub op: Op,
}

/// What a device reports back to the run.
#[derive(Debug, Default)]
pub struct Report {
    pub user_id: String,
    pub log: Vec<LoggedOp>,
    pub crashes: u64,
    /// Crashes that cut off a flush with a batch on the wire (the pump, cancelled at
    /// every crash, may also have been mid-send; those are not counted).
    pub crashes_in_send: u64,
    pub delivered: u64,
    /// Deliveries the backend answered `duplicate` (it already had the op).
    pub duplicates: u64,
    pub retries: u64,
    pub pending_at_end: usize,
    pub dead_letters: Vec<String>,
    /// The run's deadline stopped this device.
    pub timed_out: bool,
    /// Calls the SDK refused, opens that failed, deadlines hit.
    pub errors: Vec<String>,
}

pub struct Plan {
    pub index: usize,
    pub seed: u64,
    pub ops: usize,
    pub proxy_url: String,
    pub deadline: Instant,
}

pub fn user_id(index: usize) -> String {
    format!("fault-user-{index:03}")
}

/// Runs one device to completion on the current thread.
pub fn run(plan: Plan) -> Report {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    LocalSet::new().block_on(&rt, drive(plan))
}

#[derive(Default)]
struct Counters {
    delivered: Cell<u64>,
    duplicates: Cell<u64>,
    retries: Cell<u64>,
}

/// One incarnation of the device's process: the client and its delivery pump.
struct Instance {
    client: Sdk,
    pump: JoinHandle<()>,
}

struct Device {
    plan: Plan,
    /// The calls: one draw sequence per op, so a seed replays the same calls.
    rng: Rng,
    /// Whether to crash before each op: one draw per op, so crash points replay too.
    crash_points: Rng,
    /// Draws whose number depends on timing (pauses, drain crashes).
    chaos: Rng,
    clock: VirtualClock,
    disk: MemoryStorage,
    counters: Rc<Counters>,
    report: Report,
}

async fn drive(plan: Plan) -> Report {
    let mut dev = Device {
        rng: Rng::stream(plan.seed, plan.index as u64 + 1),
        crash_points: Rng::stream(plan.seed, plan.index as u64 + 100_001),
        chaos: Rng::stream(plan.seed, plan.index as u64 + 200_001),
        report: Report {
            user_id: user_id(plan.index),
            ..Report::default()
        },
        plan,
        clock: VirtualClock::new(),
        disk: MemoryStorage::new(),
        counters: Rc::default(),
    };
    let Some(mut inst) = dev.open().await else {
        return dev.report;
    };
    let mut phase = Phase::Idle;
    for n in 0..dev.plan.ops {
        if Instant::now() > dev.plan.deadline {
            dev.report.timed_out = true;
            dev.report
                .errors
                .push(format!("deadline hit after {n} ops"));
            break;
        }
        if dev.crash_points.chance(CRASH_PER_MILLE) {
            inst = match dev.crash(inst).await {
                Some(i) => i,
                None => return dev.report,
            };
        }
        let (op, want_ms) = next_op(&mut dev.rng, &phase, dev.plan.index, n);
        let at_ms = dev.clock.next_op_time(want_ms);
        dev.clock.freeze(at_ms);
        let result = call(&inst.client, &phase, &op).await;
        dev.clock.release();
        match result {
            Ok(session) => {
                phase = advance(phase, &op, &session);
                dev.report.log.push(LoggedOp { session, at_ms, op });
            }
            Err(e) => dev
                .report
                .errors
                .push(format!("op {n} {op:?} refused: {e}")),
        }
        tokio::time::sleep(Duration::from_millis(dev.chaos.range(0, MAX_GAP_MS))).await;
    }
    let Some(inst) = dev.drain(inst).await else {
        return dev.report;
    };
    inst.pump.abort();
    let _ = inst.pump.await;
    dev.finish(&inst.client);
    dev.report
}

impl Device {
    async fn open(&mut self) -> Option<Instance> {
        let mut config = Config::new(user_id(self.plan.index));
        config.tab_id = Some(format!("dev{}", self.plan.index));
        config.batch_size = 10;
        config.debounce_ms = 30;
        // Transient failures must never give an op up here: the proof is "nothing lost".
        config.max_attempts = 1_000_000;
        let transport =
            ReqwestTransport::new(self.plan.proxy_url.clone()).with_timeout_ms(REQUEST_TIMEOUT_MS);
        let client =
            match Client::open(config, self.disk.clone(), transport, self.clock.clone()).await {
                Ok(c) => c,
                Err(e) => {
                    self.report.errors.push(format!("open failed: {e}"));
                    return None;
                }
            };
        let counters = self.counters.clone();
        client.set_event_handler(Box::new(move |e| match e {
            Event::Delivered { duplicate, .. } => {
                counters.delivered.set(counters.delivered.get() + 1);
                if *duplicate {
                    counters.duplicates.set(counters.duplicates.get() + 1);
                }
            }
            Event::Retrying { .. } => counters.retries.set(counters.retries.get() + 1),
            _ => {}
        }));
        let pump = spawn_local(pump(client.clone(), self.clock.clone()));
        Some(Instance { client, pump })
    }

    /// The process dies: the pump stops wherever it is, or a batch is cut off on the
    /// wire; memory is gone and a new process opens the same disk.
    async fn crash(&mut self, inst: Instance) -> Option<Instance> {
        self.report.crashes += 1;
        inst.pump.abort();
        let _ = inst.pump.await;
        if inst.client.pending_count() > 0 && self.chaos.chance(600) {
            let c = inst.client.clone();
            let send = spawn_local(async move {
                c.flush().await;
            });
            tokio::time::sleep(Duration::from_millis(self.chaos.range(0, 10))).await;
            send.abort();
            if send.await.is_err_and(|e| e.is_cancelled()) {
                self.report.crashes_in_send += 1;
            }
        }
        drop(inst.client);
        self.open().await
    }

    /// Delivers everything left, faults and crashes still on, until the outbox is
    /// empty: the pump keeps running (with its backoff) and a flush, which skips the
    /// backoff once, is forced every 100 ms.
    async fn drain(&mut self, mut inst: Instance) -> Option<Instance> {
        while inst.client.pending_count() > 0 {
            if Instant::now() > self.plan.deadline {
                self.report.timed_out = true;
                self.report.errors.push(format!(
                    "deadline hit while draining: {} ops still pending",
                    inst.client.pending_count()
                ));
                break;
            }
            if self.chaos.chance(DRAIN_CRASH_PER_MILLE) {
                inst = self.crash(inst).await?;
            }
            inst.client.flush().await;
            if inst.client.pending_count() > 0 {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Some(inst)
    }

    fn finish(&mut self, c: &Sdk) {
        let r = &mut self.report;
        r.pending_at_end = c.pending_count();
        r.dead_letters = c
            .dead_letters()
            .iter()
            .map(|d| format!("{} {}: {} {}", d.kind, d.op_id, d.code, d.reason))
            .collect();
        r.delivered = self.counters.delivered.get();
        r.duplicates = self.counters.duplicates.get();
        r.retries = self.counters.retries.get();
    }
}

/// Delivery as an app would run it: send when due, sleep until the next wake (at
/// most 100 ms, since the clock jumps when calls are made).
async fn pump(c: Sdk, clock: VirtualClock) {
    loop {
        let wait = match c.deliver_due().await {
            DeliveryStep::Sent { .. } => 0,
            DeliveryStep::Wait { until_ms } | DeliveryStep::Failed { retry_at: until_ms } => {
                (until_ms - clock.now_ms()).clamp(1.0, 100.0) as u64
            }
            DeliveryStep::Idle => 20,
            DeliveryStep::Busy => 5,
        };
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

/// Makes the call on the SDK; returns the session it was for.
async fn call(c: &Sdk, phase: &Phase, op: &Op) -> Result<String, String> {
    let session = match phase {
        Phase::Active { session, .. } => Some(session.clone()),
        Phase::Idle => None,
    };
    let s = session.clone();
    let r = match op.clone() {
        Op::Start {
            worker_name,
            worker_id,
            audio,
            metadata,
        } => {
            return c
                .start_session(StartSessionArgs {
                    support_worker_name: worker_name,
                    support_worker_id: worker_id,
                    appointment_id: None,
                    audio_option: audio,
                    metadata,
                })
                .await
                .map_err(|e| e.to_string())
        }
        Op::Connect => c.mark_connected(s).await,
        Op::Settings { camera, mic, audio } => {
            c.update_settings(UpdateSettingsArgs {
                camera_enabled: camera,
                mic_enabled: mic,
                audio_option: audio,
                session: s,
            })
            .await
        }
        Op::Issue(text) => c.report_quality_issue(text, s).await,
        Op::End(end_reason) => c
            .end_session(EndSessionArgs {
                session: s,
                end_reason,
            })
            .await
            .map(|_| ()),
        Op::Fail(reason) => c.mark_failed(MarkFailedArgs { session: s, reason }).await,
    };
    r.map_err(|e| e.to_string())?;
    session.ok_or_else(|| "an op other than start needs a session".to_string())
}
