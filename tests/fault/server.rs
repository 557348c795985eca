//! Starts the local backend (`video-session-server`) on 127.0.0.1 with a fresh
//! SQLite file in a temp directory, and stops it (and removes the directory) on drop.
//!
//! The binary is `VSS_SERVER_BIN` if set; else the one beside this test in the same
//! target directory if it is newer than every file of `server/` and `Cargo.lock`;
//! else it is built with `cargo build -p video-session-server` into
//! `<target>/fault-server` — a separate target directory, so the build never waits on
//! the lock of the running `cargo test`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

pub struct Server {
    child: Child,
    dir: PathBuf,
    pub url: String,
}

/// The server binary to run, building it if needed.
pub fn binary() -> Result<PathBuf, String> {
    if let Ok(bin) = std::env::var("VSS_SERVER_BIN") {
        let bin = PathBuf::from(bin);
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!("VSS_SERVER_BIN={} is not a file", bin.display()))
        };
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // <target>/<profile>/deps/fault_injection-…
    let target = exe
        .ancestors()
        .nth(3)
        .ok_or("cannot locate the target directory")?
        .to_path_buf();
    let beside = exe
        .ancestors()
        .nth(2)
        .map(|profile| profile.join("video-session-server"));
    if let Some(bin) = beside.filter(|b| is_fresh(b)) {
        return Ok(bin);
    }
    let build_dir = target.join("fault-server");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!(
        "fault: cargo build -p video-session-server into {} (slow only the first time)",
        build_dir.display()
    );
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", "video-session-server"])
        .env("CARGO_TARGET_DIR", &build_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .map_err(|e| format!("cannot run cargo to build the server: {e}"))?;
    if !status.success() {
        return Err(format!("building video-session-server failed: {status}"));
    }
    Ok(build_dir.join("debug").join("video-session-server"))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file under `dir` (recursively).
fn newest_under(dir: &Path) -> Option<SystemTime> {
    let mut newest = modified(dir);
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_under(&path)
        } else {
            modified(&path)
        };
        newest = newest.max(t);
    }
    newest
}

/// True when `bin` exists and no server source (nor the lock file) is newer.
fn is_fresh(bin: &Path) -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(built) = modified(bin) else {
        return false;
    };
    let sources = newest_under(&root.join("server")).max(modified(&root.join("Cargo.lock")));
    sources.is_some_and(|s| s <= built)
}

impl Server {
    pub fn start(bin: &PathBuf) -> Result<Server, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("vss-fault-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let db = dir.join("sessions.sqlite3");
        let mut child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", "0", "--db"])
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let mut server = Server {
            child,
            dir,
            url: String::new(),
        };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => {
                server.url = url;
                Ok(server)
            }
            Err(_) => Err(format!(
                "{} did not print `listening on …` within 30 s",
                bin.display()
            )),
        }
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.url
            .trim_start_matches("http://")
            .parse()
            .expect("the server prints http://127.0.0.1:PORT")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
