//! Startup and shutdown: open the store, sweep, listen, serve until SIGINT or
//! SIGTERM, then let in-flight calls finish.
//!
//! The one line `listening on http://HOST:PORT` is printed (and flushed) only once
//! the socket accepts connections, so a test or script can wait for it. A server
//! started without auth says on stderr, before that line, that it is open to
//! anyone: anonymous mode must never be a silent default.

use crate::auth::{KeyError, Verifier};
use crate::config::Config;
use crate::cors::OriginPolicy;
use crate::db::{Db, OpenError};
use crate::functions::crons;
use crate::host::HostPolicy;
use crate::http::{self, AppState, Gate};
use crate::time;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Serve(std::io::Error),
    #[error("--www {0} is not a directory; give the folder holding the demo's index.html")]
    NoWww(String),
    #[error("cannot use the token keys: {0}")]
    Keys(#[from] KeyError),
}

/// The stderr line of a server that serves anonymous calls.
pub const ANONYMOUS_NOTICE: &str = "video-session-server: NO AUTH CONFIGURED: every call is anonymous and may name any userId, so anyone who can reach this port can read and change every user's sessions; start with --jwt-secret, --jwt-public-key or --jwks to require signed-in callers";

/// Runs the server until a shutdown signal.
pub async fn run(config: Config) -> Result<(), ServeError> {
    if let Some(www) = config.www.as_ref().filter(|dir| !dir.is_dir()) {
        return Err(ServeError::NoWww(www.display().to_string()));
    }
    let verifier = Verifier::from_source(
        config.key_source(),
        config.jwt_issuer.clone(),
        config.jwt_audience.clone(),
    )?;
    let db = Arc::new(Db::open(&config.db)?);
    spawn_sweeper(
        db.clone(),
        Duration::from_secs(config.sweep_interval_secs.max(1)),
        config.session_timeout_ms(),
    );
    let state = Arc::new(AppState {
        db,
        verifier,
        max_body_bytes: config.max_body_bytes,
        verbose: config.verbose,
        session_timeout_ms: config.session_timeout_ms(),
        test_hooks: config.test_hooks,
    });
    let gate = Gate {
        hosts: HostPolicy::new(&config.host, &config.allow_host),
        origins: OriginPolicy::new(&config.allow_origin),
    };
    let anonymous = !state.verifier.configured();
    let app = http::router(state, config.www.clone(), gate);
    let addr = format!("{}:{}", config.host, config.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: addr.clone(),
            source,
        })?;
    let local = listener.local_addr().map_err(ServeError::Serve)?;
    if anonymous {
        eprintln!("{ANONYMOUS_NOTICE}");
    }
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "listening on http://{local}");
    let _ = stdout.flush();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(ServeError::Serve)
}

/// Every `every` (and once at start): forgets `processedOps` older than 14 days; and
/// from the first interval on (not at start), closes sessions silent for more than
/// `session_timeout_ms`. Not at start: after a restart the devices that were waiting
/// for the server deliver what they hold first (a session closed at once would only
/// be reopened by them), and a file a test writes with past event times is not
/// rewritten under it when the server restarts on it.
fn spawn_sweeper(db: Arc<Db>, every: Duration, session_timeout_ms: i64) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        let mut at_start = true;
        loop {
            // The first tick fires at once: the sweep also runs at start.
            ticks.tick().await;
            let db = db.clone();
            let close_abandoned = !std::mem::take(&mut at_start);
            let swept = tokio::task::spawn_blocking(move || {
                let now = time::now_ms();
                let ops = crons::sweep_processed_ops(&db, now);
                let sessions = if close_abandoned {
                    crons::sweep_abandoned(&db, now, session_timeout_ms)
                } else {
                    Ok(0)
                };
                (ops, sessions)
            })
            .await;
            if let Ok((ops, sessions)) = swept {
                if let Err(e) = ops {
                    eprintln!("sweeping old processedOps failed (will retry): {e}");
                }
                if let Err(e) = sessions {
                    eprintln!("closing abandoned sessions failed (will retry): {e}");
                }
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
