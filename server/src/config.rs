//! Command-line flags. Every flag is documented in `--help`.

use clap::Parser;
use std::path::PathBuf;

/// The embedded local backend: the videoCallSessions Convex functions over
/// Convex's HTTP API, stored in one SQLite file.
#[derive(Debug, Clone, Parser)]
#[command(name = "video-session-server", version)]
pub struct Config {
    /// TCP port to listen on; 0 picks a free port (the chosen one is printed).
    #[arg(long, default_value_t = 3210)]
    pub port: u16,

    /// Address to listen on. Keep 127.0.0.1 unless other machines must reach it.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// SQLite database file; missing parent directories are created.
    #[arg(long, default_value = "./data/video-sessions.sqlite3")]
    pub db: PathBuf,

    /// Directory of static files served at `/` (the demo); without it `/` is a
    /// short text page.
    #[arg(long)]
    pub www: Option<PathBuf>,

    /// HS256 secret for verifying `Authorization: Bearer <JWT>` tokens. Without a
    /// secret, calls are anonymous and any token is refused with 401.
    #[arg(long, env = "VSS_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Largest accepted request body in bytes; larger ones get 413.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Seconds between sweeps of processedOps older than 14 days (one also runs
    /// at start).
    #[arg(long, default_value_t = 3600)]
    pub sweep_interval_secs: u64,

    /// Log every function call (path, outcome, time) to stderr.
    #[arg(long)]
    pub verbose: bool,
}
