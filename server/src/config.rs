//! Command-line flags. Every flag is documented in `--help`.

use crate::auth::KeySource;
use clap::Parser;
use std::path::PathBuf;

/// What `--help` says after the flags: who can call, and from where.
const SECURITY_HELP: &str = "\
Auth: with --jwt-secret, --jwt-public-key or --jwks every call (queries too) needs
`Authorization: Bearer <JWT>` with `exp` and `sub` (the user is `sub` up to its first
`|`); calls without a valid token get 401. WITHOUT any of them the server is open:
every call is anonymous and may name any userId (it says so on stderr at start).

Browsers: only the server's own origin, loopback origins (http://127.0.0.1:*,
http://localhost:*, http://[::1]:*) and --allow-origin may call it; the Host header
must be loopback, the --host address or an --allow-host name. See docs/security.md.";

/// The embedded local backend: the videoCallSessions Convex functions over
/// Convex's HTTP API, stored in one SQLite file.
#[derive(Debug, Clone, Parser)]
#[command(name = "video-session-server", version, after_help = SECURITY_HELP)]
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

    /// HS256 secret for verifying `Authorization: Bearer <JWT>` tokens (tests and
    /// simple set-ups). With it, calls without a valid token are refused (401).
    #[arg(long, env = "VSS_JWT_SECRET", hide_env_values = true,
          conflicts_with_all = ["jwt_public_key", "jwks"])]
    pub jwt_secret: Option<String>,

    /// PEM public key (RSA → RS256, EC P-256 → ES256) for verifying tokens, as a
    /// Convex custom JWT provider does. With it, calls without a valid token get 401.
    #[arg(long, value_name = "FILE", conflicts_with = "jwks")]
    pub jwt_public_key: Option<PathBuf>,

    /// JSON Web Key Set file (RS256/ES256 keys, matched by `kid`) for verifying
    /// tokens. With it, calls without a valid token get 401.
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,

    /// Required `iss` claim of every token.
    #[arg(long, value_name = "ISSUER")]
    pub jwt_issuer: Option<String>,

    /// Required `aud` claim of every token.
    #[arg(long, value_name = "AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// A browser origin (e.g. https://app.example.com) allowed to call besides the
    /// server's own and loopback origins; repeatable. `*` allows every origin,
    /// `null` the opaque origin of sandboxed pages and files.
    #[arg(long, value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,

    /// A host name (e.g. myhost.lan) accepted in the Host header besides loopback
    /// names and the --host address; repeatable. Other Host values get 403.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,

    /// Largest accepted request body in bytes; larger ones get 413.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Seconds between sweeps of processedOps older than 14 days (one also runs
    /// at start).
    #[arg(long, default_value_t = 3600)]
    pub sweep_interval_secs: u64,

    /// Minutes without any update after which a connecting, connected or
    /// reconnecting session counts as abandoned: the sweeper (every
    /// --sweep-interval-secs, the first time one interval after start) closes it as
    /// ended with endReason "timeout"; a late op from its device undoes that
    /// (docs/contract.md, "Abandoned sessions").
    #[arg(long, default_value_t = DEFAULT_SESSION_TIMEOUT_MINUTES,
          value_parser = clap::value_parser!(u64).range(1..=MAX_SESSION_TIMEOUT_MINUTES))]
    pub session_timeout_minutes: u64,

    /// FOR TESTS ONLY: adds `POST /test/sweepAbandoned` (body `{"now": "<iso>"}`),
    /// which runs the abandoned-session sweep as if it were that time, for anyone
    /// who can reach the server. Off by default; never use it in production.
    #[arg(long)]
    pub test_hooks: bool,

    /// Log every function call (path, outcome, time) to stderr.
    #[arg(long)]
    pub verbose: bool,
}

/// The contract's default timeout for abandoned sessions: 4 hours.
pub const DEFAULT_SESSION_TIMEOUT_MINUTES: u64 = 240;

/// The longest timeout accepted: a year (anything longer is a typo, and keeps the
/// cutoff far inside the range of times the server reads).
pub const MAX_SESSION_TIMEOUT_MINUTES: u64 = 366 * 24 * 60;

impl Config {
    /// `--session-timeout-minutes` in milliseconds.
    pub fn session_timeout_ms(&self) -> i64 {
        self.session_timeout_minutes as i64 * 60_000
    }

    /// The one configured source of token keys, if any (an empty secret is none).
    pub fn key_source(&self) -> Option<KeySource<'_>> {
        if let Some(path) = &self.jwt_public_key {
            return Some(KeySource::PublicKeyFile(path));
        }
        if let Some(path) = &self.jwks {
            return Some(KeySource::JwksFile(path));
        }
        self.jwt_secret
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(KeySource::Secret)
    }
}
