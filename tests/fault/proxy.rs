//! A fault-injecting HTTP proxy on 127.0.0.1 between the SDK clients and the server.
//! Each request gets its fate from a seeded schedule indexed by arrival order: pass,
//! drop it (close without forwarding), drop the reply after the backend committed
//! (forward, read the reply, reset the client), delay it, reset the connection,
//! answer 503, answer 429 with `Retry-After`, or "flap" (reset everything for a
//! period). One request per connection: the proxy asks the server to close after
//! the reply, so a reply is simply everything up to EOF.
//!
//! `sabotage` exists only to prove the check can fail: it forwards every batch that
//! carries a quality issue a second time with fresh opIds and without the ops'
//! `clientId`/`seq` (by which the backend would know the copies), i.e. applies its
//! effect twice.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::rng::mix;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    DropRequest,
    DropReply,
    /// Forwarded after this many ms (the client may time out first; the server still commits).
    Delay(u64),
    Reset,
    Status503,
    /// 429 with `Retry-After` in seconds.
    Status429(u64),
    /// Unreachable (every connection reset) for this many ms.
    Flap(u64),
}

pub const KINDS: [&str; 8] = [
    "pass",
    "drop-request",
    "drop-reply",
    "delay",
    "reset",
    "503",
    "429",
    "flap",
];

impl Fault {
    fn index(self) -> usize {
        match self {
            Fault::Pass => 0,
            Fault::DropRequest => 1,
            Fault::DropReply => 2,
            Fault::Delay(_) => 3,
            Fault::Reset => 4,
            Fault::Status503 => 5,
            Fault::Status429(_) => 6,
            Fault::Flap(_) => 7,
        }
    }
}

/// The fate of request `n` under `seed`: about half pass, the rest spread over the
/// seven faults; flaps are rarer because each one also refuses what follows.
pub fn schedule(seed: u64, n: u64) -> Fault {
    let h = mix(seed ^ mix(n));
    let param = mix(h) % 1000;
    match h % 100 {
        0..=49 => Fault::Pass,
        50..=57 => Fault::DropRequest,
        58..=67 => Fault::DropReply,
        68..=77 => Fault::Delay(50 + param * 3),
        78..=84 => Fault::Reset,
        85..=91 => Fault::Status503,
        92..=96 => Fault::Status429(1),
        _ => Fault::Flap(100 + param / 2),
    }
}

/// Counters the run prints and checks.
#[derive(Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub by_kind: [AtomicU64; 8],
    /// Connections reset because a flap was in progress.
    pub refused_in_flap: AtomicU64,
    /// Forwards that reached the server (including the ones whose reply was lost).
    pub forwarded: AtomicU64,
    /// Forwards that failed at the server side (answered 502).
    pub upstream_errors: AtomicU64,
    pub sabotaged: AtomicU64,
}

impl Stats {
    pub fn summary(&self) -> String {
        let kinds: Vec<String> = KINDS
            .iter()
            .zip(&self.by_kind)
            .map(|(k, n)| format!("{k}={}", n.load(Ordering::Relaxed)))
            .collect();
        format!(
            "requests={} [{}] refused-during-flap={} forwarded={} upstream-errors={}",
            self.requests.load(Ordering::Relaxed),
            kinds.join(" "),
            self.refused_in_flap.load(Ordering::Relaxed),
            self.forwarded.load(Ordering::Relaxed),
            self.upstream_errors.load(Ordering::Relaxed),
        )
    }
}

struct Shared {
    upstream: SocketAddr,
    seed: u64,
    next: AtomicU64,
    stats: Arc<Stats>,
    flap_until: Mutex<Option<Instant>>,
    sabotage: bool,
}

pub struct Proxy {
    pub url: String,
    pub stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Listens on 127.0.0.1 (a free port) and serves on its own thread.
    pub fn start(upstream: SocketAddr, seed: u64, sabotage: bool) -> std::io::Result<Proxy> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let url = format!("http://{}", std_listener.local_addr()?);
        let stats = Arc::new(Stats::default());
        let shared = Arc::new(Shared {
            upstream,
            seed,
            next: AtomicU64::new(0),
            stats: stats.clone(),
            flap_until: Mutex::new(None),
            sabotage,
        });
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("a tokio listener");
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        accepted = listener.accept() => {
                            if let Ok((sock, _)) = accepted {
                                tokio::spawn(handle(sock, shared.clone()));
                            }
                        }
                    }
                }
            });
        });
        Ok(Proxy {
            url,
            stats,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Closes with RST instead of FIN: the client sees "connection reset".
fn reset(sock: TcpStream) {
    let _ = sock.set_zero_linger();
    drop(sock);
}

fn in_flap(shared: &Shared) -> bool {
    let guard = shared.flap_until.lock().expect("flap lock");
    guard.is_some_and(|until| Instant::now() < until)
}

async fn handle(mut sock: TcpStream, shared: Arc<Shared>) {
    if in_flap(&shared) {
        shared.stats.refused_in_flap.fetch_add(1, Ordering::Relaxed);
        return reset(sock);
    }
    let Some((head, body)) = read_request(&mut sock).await else {
        return;
    };
    let n = shared.next.fetch_add(1, Ordering::Relaxed);
    let fault = schedule(shared.seed, n);
    let stats = &shared.stats;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    stats.by_kind[fault.index()].fetch_add(1, Ordering::Relaxed);
    match fault {
        Fault::Pass => {
            let reply = forward(&shared, &head, &body).await;
            let _ = sock.write_all(&reply).await;
            let _ = sock.shutdown().await;
        }
        Fault::DropRequest => drop(sock),
        Fault::DropReply => {
            let _ = forward(&shared, &head, &body).await;
            reset(sock);
        }
        Fault::Delay(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            let reply = forward(&shared, &head, &body).await;
            let _ = sock.write_all(&reply).await;
            let _ = sock.shutdown().await;
        }
        Fault::Reset => reset(sock),
        Fault::Status503 => {
            let _ = sock.write_all(&canned("503 Service Unavailable", "")).await;
            let _ = sock.shutdown().await;
        }
        Fault::Status429(secs) => {
            let extra = format!("retry-after: {secs}\r\n");
            let _ = sock
                .write_all(&canned("429 Too Many Requests", &extra))
                .await;
            let _ = sock.shutdown().await;
        }
        Fault::Flap(ms) => {
            *shared.flap_until.lock().expect("flap lock") =
                Some(Instant::now() + Duration::from_millis(ms));
            reset(sock);
        }
    }
}

fn canned(status: &str, extra_headers: &str) -> Vec<u8> {
    let body = "injected fault";
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one request: the head (up to the blank line) and a `content-length` body.
async fn read_request(sock: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Some((head, body))
}

/// Sends the request to the server on a fresh connection and returns its whole reply
/// (a 502 if the server could not be reached).
async fn forward(shared: &Shared, head: &str, body: &[u8]) -> Vec<u8> {
    if shared.sabotage {
        if let Some(copy) = with_fresh_op_ids(body) {
            shared.stats.sabotaged.fetch_add(1, Ordering::Relaxed);
            let _ = send_upstream(shared.upstream, head, &copy).await;
        }
    }
    shared.stats.forwarded.fetch_add(1, Ordering::Relaxed);
    match send_upstream(shared.upstream, head, body).await {
        Ok(reply) => reply,
        Err(_) => {
            shared.stats.upstream_errors.fetch_add(1, Ordering::Relaxed);
            canned("502 Bad Gateway", "")
        }
    }
}

async fn send_upstream(upstream: SocketAddr, head: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|l| {
            let name = l.split(':').next().unwrap_or("").trim();
            !name.eq_ignore_ascii_case("connection") && !name.eq_ignore_ascii_case("content-length")
        })
        .collect();
    let length = format!("content-length: {}", body.len());
    lines.push(&length);
    lines.push("connection: close");
    let mut request = lines.join("\r\n").into_bytes();
    request.extend_from_slice(b"\r\n\r\n");
    request.extend_from_slice(body);
    let work = async {
        let mut up = TcpStream::connect(upstream).await?;
        up.write_all(&request).await?;
        let mut reply = Vec::new();
        up.read_to_end(&mut reply).await?;
        Ok(reply)
    };
    tokio::time::timeout(Duration::from_secs(30), work)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "upstream timeout"))?
}

/// The sabotage copy: an `applyBatch` body carrying a quality issue, every opId renamed.
fn with_fresh_op_ids(body: &[u8]) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let args = v.get_mut("args")?;
    let batch = match args {
        Value::Array(a) => a.get_mut(0)?,
        other => other,
    };
    let ops = batch.get_mut("ops")?.as_array_mut()?;
    if !ops.iter().any(|op| op["kind"] == "reportQualityIssue") {
        return None;
    }
    for op in ops {
        let id = op["opId"].as_str()?.to_string();
        op["opId"] = Value::from(format!("sabotage-{id}"));
        if let Some(op) = op.as_object_mut() {
            op.remove("clientId");
            op.remove("seq");
        }
    }
    serde_json::to_vec(&v).ok()
}
