//! The real local backend for native tests that deliver to it: the built
//! `video-session-server` on a free loopback port over a temporary database, stopped
//! and its files removed on drop; and a device clock that runs at a set offset from
//! the system clock and "waits" without sleeping (the backend shifts event times by
//! the skew it sees, keeping the seconds between them).

use std::cell::Cell;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use video_session_sdk::native::SystemEnv;
use video_session_sdk::platform::Env;

pub struct LocalServer {
    child: Child,
    dir: PathBuf,
    pub url: String,
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl LocalServer {
    /// Starts the server with `flags` (e.g. `--test-hooks`) before `--db`; `tag`
    /// names its temporary directory.
    pub fn start(tag: &str, flags: &[&str]) -> LocalServer {
        let bin = std::env::var_os("VSS_SERVER_BIN").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/debug/video-session-server"),
            PathBuf::from,
        );
        assert!(
            bin.exists(),
            "{} is missing: cargo build -p video-session-server",
            bin.display()
        );
        let dir = std::env::temp_dir().join(format!(
            "vss-{tag}-{}-{}",
            std::process::id(),
            SystemEnv.random_u64()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(&bin)
            .args(["--port", "0"])
            .args(flags)
            .arg("--db")
            .arg(dir.join("db.sqlite3"))
            .env_remove("VSS_JWT_SECRET")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().unwrap();
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
            .expect("the server prints its address");
        let url = line.strip_prefix("listening on ").unwrap().to_string();
        LocalServer { child, dir, url }
    }
}

/// The system clock moved by an offset the test sets.
#[derive(Clone)]
pub struct ShiftedEnv(pub Rc<Cell<f64>>);

impl ShiftedEnv {
    pub fn advance(&self, ms: f64) {
        self.0.set(self.0.get() + ms);
    }
}

impl Env for ShiftedEnv {
    fn now_ms(&self) -> f64 {
        SystemEnv.now_ms() + self.0.get()
    }
    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        SystemEnv.sleep(ms)
    }
    fn random_u64(&self) -> u64 {
        SystemEnv.random_u64()
    }
}
