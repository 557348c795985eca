//! The fault-injection run: the real server on a temp SQLite file, the fault proxy in
//! front of it, N devices × M calls through the proxy with crashes, then a check of
//! the server's whole state against the oracle. Prints the seed first so a failure
//! can be replayed (`VSS_FAULT_SEED`), and a summary of what was injected.
//!
//! Replaying a seed repeats the fault schedule (by request index), each device's
//! calls and the crash points between them; thread timing still varies, and with it
//! the interleaving, which request meets which fault, and crashes during the drain.
//! The whole run is bounded by `timeout`: devices stop at the deadline and report it.

pub mod calls;
pub mod check;
pub mod clock;
pub mod oracle;
pub mod proxy;
pub mod rng;
pub mod server;
pub mod workload;

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The size and seed of a run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub seed: u64,
    pub clients: usize,
    pub ops: usize,
    pub timeout: Duration,
    /// Make the proxy apply some effects twice (to prove the check fails).
    pub sabotage: bool,
}

fn env_num(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

impl RunConfig {
    /// Defaults, overridden by `VSS_FAULT_SEED`, `VSS_FAULT_CLIENTS`, `VSS_FAULT_OPS`,
    /// `VSS_FAULT_TIMEOUT_SECS`. Without a seed, one is drawn from the clock.
    pub fn from_env(clients: usize, ops: usize, timeout_secs: u64) -> Self {
        let seed = env_num("VSS_FAULT_SEED")
            .unwrap_or_else(|| rng::mix(clock::wall_ms() as u64 ^ u64::from(std::process::id())));
        RunConfig {
            seed,
            clients: env_num("VSS_FAULT_CLIENTS").map_or(clients, |n| n as usize),
            ops: env_num("VSS_FAULT_OPS").map_or(ops, |n| n as usize),
            timeout: Duration::from_secs(env_num("VSS_FAULT_TIMEOUT_SECS").unwrap_or(timeout_secs)),
            sabotage: false,
        }
    }
}

/// What a finished run found.
pub struct Outcome {
    /// Differences and device errors; empty means nothing lost, nothing doubled.
    pub problems: Vec<String>,
    pub summary: String,
}

/// Runs everything. `Err` is a run that could not be carried out (no server, timeout).
pub fn run(cfg: &RunConfig) -> Result<Outcome, String> {
    println!(
        "fault: seed={} (replay with VSS_FAULT_SEED={}) clients={} ops/client={} timeout={}s{}",
        cfg.seed,
        cfg.seed,
        cfg.clients,
        cfg.ops,
        cfg.timeout.as_secs(),
        if cfg.sabotage { " SABOTAGED" } else { "" }
    );
    let bin = server::binary()?;
    let server = server::Server::start(&bin)?;
    let proxy = proxy::Proxy::start(server.addr(), cfg.seed, cfg.sabotage)
        .map_err(|e| format!("cannot start the proxy: {e}"))?;
    println!("fault: server {} behind proxy {}", server.url, proxy.url);
    let started = Instant::now();
    let deadline = started + cfg.timeout;

    let (tx, rx) = mpsc::channel();
    for index in 0..cfg.clients {
        let plan = workload::Plan {
            index,
            seed: cfg.seed,
            ops: cfg.ops,
            proxy_url: proxy.url.clone(),
            deadline,
        };
        let tx = tx.clone();
        std::thread::Builder::new()
            .name(format!("fault-device-{index}"))
            .spawn(move || {
                let _ = tx.send(workload::run(plan));
            })
            .map_err(|e| format!("cannot spawn a device thread: {e}"))?;
    }
    drop(tx);
    let mut reports = Vec::with_capacity(cfg.clients);
    let grace = deadline + Duration::from_secs(15);
    while reports.len() < cfg.clients {
        let left = grace.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(r) => reports.push(r),
            Err(_) => {
                return Err(format!(
                    "fault run timed out after {} s: {} of {} devices never finished (seed {})",
                    cfg.timeout.as_secs(),
                    cfg.clients - reports.len(),
                    cfg.clients,
                    cfg.seed
                ))
            }
        }
    }
    let delivery_elapsed = started.elapsed();
    let late: Vec<String> = reports
        .iter()
        .filter(|r| r.timed_out)
        .map(|r| format!("{} ({} ops made)", r.user_id, r.log.len()))
        .collect();
    if !late.is_empty() {
        return Err(format!(
            "fault run exceeded its time limit of {} s (VSS_FAULT_TIMEOUT_SECS), seed {}: \
             devices stopped at the deadline: {}",
            cfg.timeout.as_secs(),
            cfg.seed,
            late.join(", ")
        ));
    }
    reports.sort_by(|a, b| a.user_id.cmp(&b.user_id));

    let mut problems = Vec::new();
    for r in &reports {
        problems.extend(r.errors.iter().map(|e| format!("{}: {e}", r.user_id)));
        if r.pending_at_end > 0 {
            problems.push(format!(
                "{}: {} ops never delivered",
                r.user_id, r.pending_at_end
            ));
        }
        problems.extend(
            r.dead_letters
                .iter()
                .map(|d| format!("{}: dead letter {d}", r.user_id)),
        );
    }
    let expected = oracle::expected(&reports);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    problems.extend(rt.block_on(check::check(&server.url, &expected))?);

    let sum = |f: fn(&workload::Report) -> u64| reports.iter().map(f).sum::<u64>();
    let sessions: usize = expected.users.values().map(|u| u.sessions.len()).sum();
    let summary = format!(
        "fault: schedule: {}\n\
         fault: devices={} ops-made={} sessions={} crashes={} (in-flight={}) \
         deliveries={} (duplicates={}) retries={} sabotaged-copies={}\n\
         fault: delivery {:.1}s, total {:.1}s, problems={}",
        proxy.stats.summary(),
        reports.len(),
        sum(|r| r.log.len() as u64),
        sessions,
        sum(|r| r.crashes),
        sum(|r| r.crashes_in_send),
        sum(|r| r.delivered),
        sum(|r| r.duplicates),
        sum(|r| r.retries),
        proxy.stats.sabotaged.load(Ordering::Relaxed),
        delivery_elapsed.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        problems.len(),
    );
    Ok(Outcome { problems, summary })
}
