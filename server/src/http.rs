//! The HTTP layer: Convex's public HTTP API (`POST /api/query`, `/api/mutation`),
//! `/version` and the static demo, behind the Host check (`host`) and the CORS
//! allowlist (`cors`). Thin by design: it checks the request, authenticates,
//! hands the call to `functions::call` on a blocking thread and encodes the answer.
//!
//! Status codes: function outcomes (success or error) are HTTP 200; a body that is
//! not JSON `{path, args}` is 400 `BadJsonBody`; a body that is not
//! `application/json` 415; over the size limit 413; a missing or bad token 401
//! `Unauthenticated`; a refused Origin or Host 403; an unknown route (any method)
//! 404; a database failure 500.
//!
//! Bodies are read (JSON only, bounded, drained when refused) by `body`.

use crate::auth::Verifier;
use crate::body::{close_unless, is_json, read_call, refuse_after_drain, Rejection};
use crate::cors::{self, OriginPolicy};
use crate::db::Db;
use crate::error::{cap_message, echo, FunctionError};
use crate::functions::{self, Kind};
use crate::host::{self, HostPolicy};
use crate::time;
use crate::values::Value;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, get_service, post};
use axum::{Json, Router};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

/// What every request handler shares.
pub struct AppState {
    pub db: Arc<Db>,
    pub verifier: Verifier,
    pub max_body_bytes: usize,
    pub verbose: bool,
    /// `--session-timeout-minutes` in milliseconds.
    pub session_timeout_ms: i64,
    /// `--test-hooks`: whether `POST /test/sweepAbandoned` exists.
    pub test_hooks: bool,
}

/// Who may reach the routes: the Host and Origin rules.
pub struct Gate {
    pub hosts: HostPolicy,
    pub origins: OriginPolicy,
}

/// The whole route table.
pub fn router(state: Arc<AppState>, www: Option<PathBuf>, gate: Gate) -> Router {
    let api = Router::new()
        .route("/api/query", post(query))
        .route("/api/mutation", post(mutation))
        .route("/version", get(version));
    let api = if state.test_hooks {
        api.route("/test/sweepAbandoned", post(sweep_abandoned))
    } else {
        api
    };
    let api = match www {
        // Files answer GET and HEAD; any other method on them is an unknown route.
        Some(dir) => api.fallback_service(
            get_service(tower_http::services::ServeDir::new(dir)).fallback(not_found),
        ),
        None => api.route("/", get(home)).fallback(not_found),
    };
    api.layer(middleware::from_fn_with_state(
        Arc::new(gate.origins),
        cors::middleware,
    ))
    .layer(middleware::from_fn_with_state(
        Arc::new(gate.hosts),
        host::middleware,
    ))
    .with_state(state)
}

/// A JSON `{code, message}` reply; the message is capped.
pub fn problem(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = json!({ "code": code, "message": cap_message(message.into()) });
    (status, Json(body)).into_response()
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("no route for {method} {}", echo(uri.path())),
    )
}

async fn version() -> String {
    format!("video-session-server {}", env!("CARGO_PKG_VERSION"))
}

async fn home() -> &'static str {
    "video-session-server: a local backend speaking Convex's HTTP API.\n\
     POST /api/query and /api/mutation with {\"path\": \"videoCallSessions:...\", \"args\": {...}}.\n\
     Start with --www <dir> to serve the demo here.\n"
}

async fn query(state: State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    handle(state, headers, body, Kind::Query).await
}

async fn mutation(state: State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    handle(state, headers, body, Kind::Mutation).await
}

async fn handle(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
    kind: Kind,
) -> Response {
    if !is_json(&headers) {
        let refusal = problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "the body must be sent as Content-Type: application/json",
        );
        return refuse_after_drain(body, refusal).await;
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let now_ms = time::now_ms();
    let identity = match state.verifier.identify(authorization, now_ms / 1000) {
        Ok(identity) => identity,
        Err(e) => {
            let mut refusal = problem(StatusCode::UNAUTHORIZED, "Unauthenticated", e.to_string());
            refusal
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return refuse_after_drain(body, refusal).await;
        }
    };
    let (path, args) = match read_call(body, &headers, state.max_body_bytes).await {
        Ok(call) => call,
        Err(Rejection::TooLarge { limit, drained }) => {
            let refusal = problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PayloadTooLarge",
                format!("the request body is larger than {limit} bytes"),
            );
            return close_unless(drained, refusal);
        }
        Err(Rejection::BadBody(message)) => {
            return problem(StatusCode::BAD_REQUEST, "BadJsonBody", message)
        }
    };
    let db = state.db.clone();
    let call_path = path.clone();
    let started = std::time::Instant::now();
    let outcome = tokio::task::spawn_blocking(move || {
        functions::call(&db, kind, &call_path, identity.as_ref(), &args, now_ms)
    })
    .await
    .unwrap_or_else(|e| {
        Err(FunctionError::Internal(format!(
            "the call did not finish: {e}"
        )))
    });
    if state.verbose {
        let status = if outcome.is_ok() { "success" } else { "error" };
        eprintln!("{}: {status} in {:?}", echo(&path), started.elapsed());
    }
    encode_outcome(outcome)
}

/// `--test-hooks` only: the abandoned-session sweep as if the time were the body's
/// `now` (the shared scenarios' `sweepAbandoned` step) → `{"closed": n}`.
async fn sweep_abandoned(
    State(state): State<Arc<AppState>>,
    Json(body): Json<serde_json::Value>,
) -> Response {
    let Some(now_ms) = body
        .get("now")
        .and_then(serde_json::Value::as_str)
        .and_then(|t| time::parse_iso(t).ok())
    else {
        return problem(
            StatusCode::BAD_REQUEST,
            "BadJsonBody",
            "the body must be {\"now\": \"<ISO time>\"}",
        );
    };
    let db = state.db.clone();
    let timeout_ms = state.session_timeout_ms;
    let swept = tokio::task::spawn_blocking(move || {
        functions::crons::sweep_abandoned(&db, now_ms, timeout_ms)
    })
    .await;
    match swept {
        Ok(Ok(closed)) => (StatusCode::OK, Json(json!({ "closed": closed }))).into_response(),
        Ok(Err(e)) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            e.to_string(),
        ),
        Err(e) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            e.to_string(),
        ),
    }
}

fn encode_outcome(outcome: Result<Value, FunctionError>) -> Response {
    let body = match outcome {
        Ok(value) => json!({ "status": "success", "value": value.to_json(), "logLines": [] }),
        Err(FunctionError::Coded { code, message }) => {
            let message = cap_message(message);
            json!({
            "status": "error",
            "errorMessage": message,
                "errorData": { "code": code.as_str(), "message": message },
                "logLines": [],
            })
        }
        Err(FunctionError::Internal(message)) => {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                message,
            )
        }
        Err(other) => {
            json!({ "status": "error", "errorMessage": cap_message(other.to_string()), "logLines": [] })
        }
    };
    (StatusCode::OK, Json(body)).into_response()
}
