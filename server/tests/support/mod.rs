//! Test harness: the real server binary on 127.0.0.1 with a SQLite file in a
//! temp dir, driven over real HTTP.

#![allow(dead_code)]

use reqwest::blocking::Client;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const SECRET: &str = "test-secret";

pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub db: PathBuf,
    pub client: Client,
    _dir: Option<tempfile::TempDir>,
}

/// Starts the binary with `args`, waits for its `listening on` line.
fn spawn(args: &[String]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_video-session-server"))
        .args(args)
        .env_remove("VSS_JWT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("server binary starts");
    // Forwarded through the test's own stderr, which the harness captures: shown
    // with a failing test only (an anonymous server's notice would flood the run).
    let stderr = child.stderr.take().expect("stderr piped");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("server: {line}");
        }
    });
    let stdout = child.stdout.take().expect("stdout piped");
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = send.send(line);
        }
        for _ in lines {}
    });
    let line = receive
        .recv_timeout(Duration::from_secs(20))
        .expect("server prints its address");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (child, url)
}

impl Server {
    /// A fresh server without auth (anonymous calls naming a userId) and an empty
    /// database.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// A fresh server with a JWT secret (every call needs a token) and an empty
    /// database.
    pub fn start_auth() -> Server {
        Server::start_with(&["--jwt-secret", SECRET])
    }

    /// A fresh server with extra flags and an empty database.
    pub fn start_with(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("nested/dir/db.sqlite3");
        let mut server = Server::start_on(&db, extra);
        server._dir = Some(dir);
        server
    }

    /// A server on an existing database file (for restarts).
    pub fn start_on(db: &Path, extra: &[&str]) -> Server {
        let mut args = vec![
            "--port".to_string(),
            "0".to_string(),
            "--db".to_string(),
            db.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let (child, url) = spawn(&args);
        Server {
            child: Some(child),
            url,
            db: db.to_path_buf(),
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            _dir: None,
        }
    }

    /// POSTs a raw body; returns status and parsed JSON (Null if not JSON).
    pub fn post_raw(
        &self,
        route: &str,
        body: impl Into<reqwest::blocking::Body>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{}{route}", self.url))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let response = request.send().expect("request is answered");
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Calls a function the way ConvexHttpClient does.
    pub fn call(&self, kind: &str, path: &str, args: Value, token: Option<&str>) -> Value {
        let body = json!({"path": path, "format": "convex_encoded_json", "args": [args]});
        let (status, reply) = self.post_raw(&format!("/api/{kind}"), body.to_string(), token);
        assert_eq!(status, 200, "{path}: {reply}");
        reply
    }

    /// A mutation that must succeed; returns its value.
    pub fn mutation(&self, path: &str, args: Value) -> Value {
        success(self.call("mutation", path, args, None))
    }

    /// A query that must succeed; returns its value.
    pub fn query(&self, path: &str, args: Value) -> Value {
        success(self.call("query", path, args, None))
    }

    /// A mutation as `user` (signed token) that must succeed.
    pub fn mutation_as(&self, user: &str, path: &str, args: Value) -> Value {
        success(self.call("mutation", path, args, Some(&token(user))))
    }

    /// A call that must fail with a ConvexError; returns its code.
    pub fn error_code(&self, kind: &str, path: &str, args: Value, as_user: Option<&str>) -> String {
        let token = as_user.map(token);
        let reply = self.call(kind, path, args, token.as_deref());
        assert_eq!(reply["status"], "error", "{path} should fail: {reply}");
        let code = reply["errorData"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no errorData.code in {reply}"));
        code.to_string()
    }

    /// A call that must fail argument validation (no errorData).
    pub fn validator_error(&self, kind: &str, path: &str, args: Value) -> String {
        let reply = self.call(kind, path, args, None);
        assert_eq!(reply["status"], "error", "{path} should fail: {reply}");
        assert!(reply.get("errorData").is_none(), "{reply}");
        let message = reply["errorMessage"].as_str().unwrap().to_string();
        assert!(message.starts_with("ArgumentValidationError:"), "{message}");
        message
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for _ in 0..200 {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        panic!("server did not exit within 10 s of SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The value of a successful reply.
pub fn success(reply: Value) -> Value {
    assert_eq!(reply["status"], "success", "{reply}");
    assert_eq!(reply["logLines"], json!([]), "{reply}");
    reply["value"].clone()
}

/// A signed HS256 token for `user`, valid for an hour.
pub fn token(user: &str) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    video_session_server::auth::sign(&json!({"sub": user, "exp": exp}), SECRET)
}

/// Starts a session for `user` at `t`; returns its id.
pub fn start_session(server: &Server, user: &str, worker: Option<&str>, t: &str) -> String {
    let mut args = json!({"userId": user, "supportWorkerName": "Dr. Smith", "occurredAt": t});
    if let Some(worker) = worker {
        args["supportWorkerId"] = json!(worker);
    }
    server
        .mutation("videoCallSessions:startSession", args)
        .as_str()
        .expect("an id")
        .to_string()
}
