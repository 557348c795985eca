//! Fault injection against the real local backend: devices make whole calls through a
//! proxy that drops requests, drops replies after the commit, delays, resets, answers
//! 503/429 and flaps, while the devices crash and reopen their storage. Afterwards the
//! server must hold exactly what the calls describe — nothing lost, nothing applied
//! twice, every timestamp and duration exact. See `tests/fault/` and, for the full
//! 20 × 500 run, `scripts/fault-run.sh`.
//!
//! `VSS_FAULT_SEED` replays a seed; `VSS_FAULT_CLIENTS`, `VSS_FAULT_OPS` and
//! `VSS_FAULT_TIMEOUT_SECS` resize the run; `VSS_SERVER_BIN` picks the server binary.
#![cfg(not(target_arch = "wasm32"))]

mod fault;

use fault::RunConfig;

fn report(problems: &[String]) -> String {
    let shown: Vec<&str> = problems.iter().take(40).map(String::as_str).collect();
    format!(
        "{} problems (first {}):\n  {}",
        problems.len(),
        shown.len(),
        shown.join("\n  ")
    )
}

#[test]
fn faults_and_crashes_lose_nothing_and_apply_nothing_twice() {
    let cfg = RunConfig::from_env(4, 60, 50);
    let outcome = fault::run(&cfg).unwrap_or_else(|e| panic!("{e}"));
    println!("{}", outcome.summary);
    assert!(
        outcome.problems.is_empty(),
        "seed {}: the server's state differs from the oracle: {}",
        cfg.seed,
        report(&outcome.problems)
    );
}

/// The check itself can fail: a proxy that applies batches with quality issues a
/// second time (fresh opIds) must be caught.
#[test]
fn the_check_catches_effects_applied_twice() {
    let mut cfg = RunConfig::from_env(2, 40, 50);
    cfg.clients = 2;
    cfg.ops = 40;
    cfg.sabotage = true;
    let outcome = fault::run(&cfg).unwrap_or_else(|e| panic!("{e}"));
    println!("{}", outcome.summary);
    assert!(
        outcome
            .problems
            .iter()
            .any(|p| p.to_lowercase().contains("qualityissue")),
        "seed {}: the sabotaged run was not caught: {}",
        cfg.seed,
        report(&outcome.problems)
    );
    println!("fault: sabotage caught: {}", report(&outcome.problems));
}
