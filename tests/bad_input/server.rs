//! The real local backend for the catalogue: `target/debug/video-session-server`
//! (or `$VSS_SERVER_BIN`) on 127.0.0.1 with a SQLite file in a temp dir, plus the
//! HTTP helpers the cases use. Two processes share that one database: one without
//! auth, for the anonymous calls most families make, and one with a JWT secret,
//! which refuses every call without a valid token (D1: a server with auth serves no
//! anonymous calls). Calls and posts with a token go to the second. The processes
//! and the temp dir go away when the `Server` is dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use video_session_sdk::native::ReqwestTransport;
use video_session_sdk::platform::{CallKind, Transport, TransportError};

pub const SECRET: &str = "bad-input-secret";

pub struct Server {
    child: Child,
    authed_child: Child,
    /// The server without auth.
    pub url: String,
    pub addr: String,
    /// The server with `SECRET` on the same database.
    pub authed_url: String,
    dir: PathBuf,
    http: reqwest::Client,
}

/// What an HTTP reply was: status and body (JSON when it parses, else `Null`).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub json: Value,
    pub text: String,
}

fn binary() -> PathBuf {
    std::env::var_os("VSS_SERVER_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/debug/video-session-server"),
        PathBuf::from,
    )
}

/// Starts one process with `args`; returns it and its URL.
fn spawn(bin: &PathBuf, args: &[&str], db: &std::path::Path) -> Result<(Child, String), String> {
    let mut child = Command::new(bin)
        .args(["--port", "0"])
        .args(args)
        .arg("--db")
        .arg(db)
        .env_remove("VSS_JWT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = send.send(line);
        }
        for _ in lines {}
    });
    let line = receive
        .recv_timeout(Duration::from_secs(20))
        .map_err(|_| "the server did not print its address".to_string())?;
    let url = line
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("unexpected first line {line:?}"))?
        .to_string();
    Ok((child, url))
}

impl Server {
    pub fn start() -> Result<Server, String> {
        let bin = binary();
        if !bin.exists() {
            return Err(format!(
                "{} is missing: build it with `cargo build -p video-session-server` (or set VSS_SERVER_BIN)",
                bin.display()
            ));
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("vss-bad-input-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let db = dir.join("db.sqlite3");
        let (child, url) = spawn(&bin, &[], &db)?;
        let (authed_child, authed_url) = match spawn(&bin, &["--jwt-secret", SECRET], &db) {
            Ok(started) => started,
            Err(e) => {
                let mut child = child;
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let addr = url.trim_start_matches("http://").to_string();
        Ok(Server {
            child,
            authed_child,
            url,
            addr,
            authed_url,
            dir,
            http: reqwest::Client::new(),
        })
    }

    /// True while both processes run (a crash on bad input would end one).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
            && matches!(self.authed_child.try_wait(), Ok(None))
    }

    /// A POST with full control of content type, body, Authorization and other
    /// headers; `to_authed` picks the server with auth.
    pub async fn post_to(
        &self,
        to_authed: bool,
        route: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        auth: Option<&str>,
        extra: &[(&str, String)],
    ) -> Reply {
        let base = if to_authed {
            &self.authed_url
        } else {
            &self.url
        };
        let mut req = self.http.post(format!("{base}{route}")).body(body);
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        for (name, value) in extra {
            req = req.header(*name, value.as_str());
        }
        read(req.send().await).await
    }

    /// A POST with full control of content type, body and Authorization (to the
    /// server with auth when `auth` is given).
    pub async fn post(
        &self,
        route: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        auth: Option<&str>,
    ) -> Reply {
        self.post_to(auth.is_some(), route, content_type, body, auth, &[])
            .await
    }

    /// A Convex call the way the SDK sends it; `user` signs a token.
    pub async fn call(&self, kind: &str, path: &str, args: Value, user: Option<&str>) -> Reply {
        let body = json!({"path": path, "format": "convex_encoded_json", "args": [args]});
        let auth = user.map(|u| format!("Bearer {}", super::jwt::token(u, SECRET)));
        self.post(
            &format!("/api/{kind}"),
            Some("application/json"),
            body.to_string().into_bytes(),
            auth.as_deref(),
        )
        .await
    }

    /// A call that must succeed; its value.
    pub async fn ok(
        &self,
        kind: &str,
        path: &str,
        args: Value,
        user: Option<&str>,
    ) -> Result<Value, String> {
        let r = self.call(kind, path, args, user).await;
        if r.status == 200 && r.json["status"] == "success" {
            Ok(r.json["value"].clone())
        } else {
            Err(format!(
                "{path} should succeed, got HTTP {} {}",
                r.status, r.text
            ))
        }
    }

    /// Sends raw bytes on a fresh connection and returns the reply's status and body.
    /// The reply is read while the request is still being written: a server may
    /// answer (413) and close before the body ends, and a client that only reads after
    /// writing everything would see a reset instead of the answer.
    pub async fn raw(&self, head: &str, chunks: Vec<Vec<u8>>) -> Result<Reply, String> {
        let sock = tokio::net::TcpStream::connect(&self.addr)
            .await
            .map_err(|e| e.to_string())?;
        let (mut rd, mut wr) = sock.into_split();
        let reader = tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            // Keep what arrived even if the connection is then reset.
            while let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_secs(10), rd.read(&mut chunk)).await
            {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf
        });
        if wr.write_all(head.as_bytes()).await.is_ok() {
            for c in &chunks {
                if wr.write_all(c).await.is_err() {
                    break;
                }
            }
        }
        let buf = reader.await.map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&buf).to_string();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                format!(
                    "no HTTP status in {:?}",
                    text.chars().take(200).collect::<String>()
                )
            })?;
        let body = text
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        Ok(Reply {
            status,
            json: serde_json::from_str(&body).unwrap_or(Value::Null),
            text: body,
        })
    }
}

async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Reply {
    match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            Reply {
                status,
                json: serde_json::from_str(&text).unwrap_or(Value::Null),
                text,
            }
        }
        Err(e) => Reply {
            status: 0,
            json: Value::Null,
            text: format!("no reply: {e}"),
        },
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for child in [&mut self.child, &mut self.authed_child] {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A transport the test keeps a handle to, so it can set the token the SDK client's
/// transport sends (the client owns its transport).
#[derive(Clone)]
pub struct Shared(pub Rc<ReqwestTransport>);

impl Shared {
    pub fn new(url: &str) -> Self {
        Shared(Rc::new(ReqwestTransport::new(url).with_timeout_ms(10_000)))
    }
}

impl Transport for Shared {
    fn call(
        &self,
        kind: CallKind,
        path: &str,
        args: Value,
    ) -> impl std::future::Future<Output = Result<Value, TransportError>> {
        self.0.call(kind, path, args)
    }
}
