//! The bad-input catalogue: table-driven cases of bad input to the SDK core, the
//! backend's HTTP API, the SDK's storage, and the auth/ownership rules, each with the
//! clear error it must get, run against the real local backend
//! (`target/debug/video-session-server`, 127.0.0.1, temp SQLite, JWT secret).
//!
//! Every case runs, even after another fails (a panic is that case's failure); the
//! run ends with `bad-input catalogue: N cases, all passed` or the failing names.
//! After all cases: the server process is still alive, a valid call works, and the
//! valid data written before any bad input is unchanged.
//!
//! Run: `CARGO_TARGET_DIR=target-bad cargo test --test bad_input -- --nocapture`
//! (needs `target/debug/video-session-server`, or `VSS_SERVER_BIN`). The cases that
//! need a real browser (NaN through the JS API, a real localStorage quota) are in
//! `tests/e2e/bad_input_browser.test.mjs`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "bad_input/mod.rs"]
mod catalogue;

use catalogue::harness::{guarded, Report};
use catalogue::server::Server;
use catalogue::{http_bodies, jwt, sdk_args, security, storage, Keeper};

#[test]
fn bad_input_catalogue() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    jwt::self_check().expect("the JWT helper matches published vectors");
    let mut server = Server::start().expect("the server starts");
    let keeper = rt
        .block_on(Keeper::create(&server))
        .expect("valid data before the bad input");
    let foreign = rt
        .block_on(server.ok(
            "mutation",
            "videoCallSessions:startSession",
            serde_json::json!({"userId": "someone-else", "supportWorkerName": "W"}),
            None,
        ))
        .expect("another user's session");
    let foreign = foreign.as_str().unwrap_or_default().to_string();
    let mut report = Report::default();

    for (i, case) in sdk_args::cases().iter().enumerate() {
        let r = guarded(&rt, sdk_args::run(&server, &foreign, i, case));
        report.add("sdk", case.name, case.known_bug, r);
    }

    for case in http_bodies::cases() {
        let r = guarded(&rt, http_bodies::run(&server, &case));
        report.add("http", case.name, case.known_bug, r);
    }
    let alive = server.alive();
    report.add(
        "http",
        "after all bad bodies: the process is alive",
        None,
        if alive {
            Ok(())
        } else {
            Err("the server exited".into())
        },
    );
    let r = guarded(&rt, http_bodies::after_all(&server));
    report.add(
        "http",
        "after all bad bodies: nothing stored for probe, a valid call works",
        None,
        r,
    );

    for (i, case) in storage::cases().iter().enumerate() {
        let r = guarded(&rt, storage::run(&server, i, case));
        report.add("storage", case.name, case.known_bug, r);
    }

    match rt.block_on(security::alice(&server)) {
        Ok(alice) => {
            for (i, case) in security::cases().iter().enumerate() {
                let r = guarded(&rt, security::run(&server, &alice, i, case));
                report.add("security", case.name, case.known_bug, r);
            }
        }
        Err(e) => report.add("security", "set up alice", None, Err(e)),
    }

    let r = guarded(&rt, keeper.intact(&server));
    report.add(
        "security",
        "after everything: the earlier valid data is unchanged",
        None,
        r,
    );
    let alive = server.alive();
    report.add(
        "security",
        "after everything: the process is alive",
        None,
        if alive {
            Ok(())
        } else {
            Err("the server exited".into())
        },
    );

    if let Err(failed) = report.finish() {
        panic!("{failed}");
    }
}
