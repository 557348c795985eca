//! Throughput benchmark: prints figures, asserts nothing about speed.
//!
//! Starts the release server on a free port with a temp database, then measures
//! (1) single mutations over keep-alive HTTP — startSession + markConnected +
//! endSession sequences from a few client threads — and (2) `applyBatch` with 100
//! ops per batch. Run: `cargo run --release -p video-session-server --example throughput`.
//! Knobs: `VSS_BENCH_THREADS` (default 4), `VSS_BENCH_SEQUENCES` per thread
//! (default 300), `VSS_BENCH_BATCHES` (default 50).

use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let dir = exe
        .parent()
        .and_then(|examples| examples.parent())
        .expect("target dir");
    let bin = dir.join("video-session-server");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let profile = if dir.ends_with("release") {
            vec!["--release"]
        } else {
            vec![]
        };
        let status = Command::new(cargo)
            .args([
                "build",
                "-p",
                "video-session-server",
                "--bin",
                "video-session-server",
            ])
            .args(profile)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the server failed");
    }
    bin
}

struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &std::path::Path) -> Running {
    let mut child = Command::new(server_binary())
        .args(["--port", "0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .spawn()
        .expect("server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    Running { child, url }
}

fn call(client: &Client, url: &str, path: &str, args: Value) -> Value {
    let body = json!({"path": path, "format": "convex_encoded_json", "args": [args]});
    let reply: Value = client
        .post(format!("{url}/api/mutation"))
        .json(&body)
        .send()
        .expect("answered")
        .json()
        .expect("json");
    assert_eq!(reply["status"], "success", "{reply}");
    reply["value"].clone()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn single_mutations(url: &str, threads: usize, sequences: usize) {
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let url = url.to_string();
            std::thread::spawn(move || {
                let client = Client::new();
                let mut latencies = Vec::with_capacity(sequences * 3);
                for i in 0..sequences {
                    let user = format!("bench-user-{t}");
                    let timed = |latencies: &mut Vec<Duration>, path: &str, args: Value| {
                        let at = Instant::now();
                        let v = call(&client, &url, path, args);
                        latencies.push(at.elapsed());
                        v
                    };
                    let id = timed(
                        &mut latencies,
                        "videoCallSessions:startSession",
                        json!({"userId": user, "supportWorkerName": "Bench", "supportWorkerId": format!("w{}", i % 7),
                               "opId": format!("s-{t}-{i}")}),
                    );
                    timed(
                        &mut latencies,
                        "videoCallSessions:markConnected",
                        json!({"sessionId": id, "opId": format!("c-{t}-{i}")}),
                    );
                    timed(
                        &mut latencies,
                        "videoCallSessions:endSession",
                        json!({"sessionId": id, "opId": format!("e-{t}-{i}")}),
                    );
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("client thread"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let n = latencies.len();
    println!(
        "single mutations: {n} in {elapsed:.2} s from {threads} threads = {:.0} mutations/s \
         ({:.0} start+connect+end sequences/s); latency p50 {:.2} ms, p99 {:.2} ms",
        n as f64 / elapsed,
        (n / 3) as f64 / elapsed,
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
    );
}

fn batch_ops(url: &str, batches: usize) {
    let client = Client::new();
    let started = Instant::now();
    let mut applied = 0usize;
    for b in 0..batches {
        let mut ops = Vec::with_capacity(100);
        for s in 0..33 {
            let client_id = format!("cs-{b}-{s}");
            for (k, kind, at) in [
                ("s", "startSession", "2024-01-15T10:30:00.000Z"),
                ("c", "markConnected", "2024-01-15T10:30:15.000Z"),
                ("e", "endSession", "2024-01-15T10:45:30.000Z"),
            ] {
                let mut args = json!({"clientSessionId": client_id});
                if kind == "startSession" {
                    args["supportWorkerName"] = json!("Bench");
                    args["supportWorkerId"] = json!(format!("w{}", s % 7));
                }
                ops.push(json!({"opId": format!("batch-{k}-{b}-{s}"), "kind": kind, "occurredAt": at, "args": args}));
            }
        }
        ops.push(
            json!({"opId": format!("batch-x-{b}"), "kind": "startSession",
            "occurredAt": "2024-01-15T10:31:00.000Z",
            "args": {"clientSessionId": format!("cs-{b}-extra"), "supportWorkerName": "Bench"}}),
        );
        let reply = call(
            &client,
            url,
            "videoCallSessions:applyBatch",
            json!({"userId": "bench-batch", "ops": ops}),
        );
        applied += reply["results"]
            .as_array()
            .map(|r| r.iter().filter(|o| o["status"] == "applied").count())
            .unwrap_or(0);
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "applyBatch (100 ops each): {batches} batches in {elapsed:.2} s = {:.1} batches/s, \
         {:.0} ops/s ({applied} ops applied)",
        batches as f64 / elapsed,
        (batches * 100) as f64 / elapsed,
    );
}

fn main() {
    let threads = knob("VSS_BENCH_THREADS", 4);
    let sequences = knob("VSS_BENCH_SEQUENCES", 300);
    let batches = knob("VSS_BENCH_BATCHES", 50);
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start(&dir.path().join("bench.sqlite3"));
    println!(
        "server {} (SQLite WAL, synchronous=FULL, temp DB)",
        server.url
    );
    single_mutations(&server.url, threads, sequences);
    batch_ops(&server.url, batches);
}
