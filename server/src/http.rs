//! The HTTP layer: Convex's public HTTP API (`POST /api/query`, `/api/mutation`),
//! CORS, `/version` and the static demo. Thin by design: it decodes, authenticates,
//! hands the call to `functions::call` on a blocking thread and encodes the answer.
//!
//! Status codes: function outcomes (success or error) are HTTP 200; a body that is
//! not JSON `{path, args}` is 400 `BadJsonBody`; over the size limit 413; a bad
//! token 401 `Unauthenticated`; an unknown route 404; a database failure 500.

use crate::auth::Verifier;
use crate::db::Db;
use crate::error::FunctionError;
use crate::functions::{self, Kind};
use crate::time;
use crate::values::Value;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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
}

/// The whole route table.
pub fn router(state: Arc<AppState>, www: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/api/query", post(query))
        .route("/api/mutation", post(mutation))
        .route("/version", get(version));
    let api = match www {
        Some(dir) => api.fallback_service(tower_http::services::ServeDir::new(dir)),
        None => api.route("/", get(home)).fallback(not_found),
    };
    api.layer(middleware::from_fn(cors)).with_state(state)
}

fn problem(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = json!({ "code": code, "message": message.into() });
    (status, Json(body)).into_response()
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("no route for {method} {}", uri.path()),
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

async fn cors(request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type, Authorization, Convex-Client"),
    );
    // Without this a cross-origin page cannot read Retry-After, and the SDK's backoff
    // could not honour it.
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

async fn query(state: State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    handle(state, headers, body, Kind::Query).await
}

async fn mutation(state: State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    handle(state, headers, body, Kind::Mutation).await
}

/// Why a request never reached a function.
enum Rejection {
    TooLarge(usize),
    BadBody(String),
}

async fn read_call(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<(String, Value), Rejection> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(Rejection::TooLarge(limit));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            Rejection::TooLarge(limit)
        } else {
            Rejection::BadBody(format!("could not read the request body: {e}"))
        }
    })?;
    let json: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Rejection::BadBody(format!("the body is not valid JSON: {e}")))?;
    let bad = |m: &str| Rejection::BadBody(m.to_string());
    let path = json
        .get("path")
        .and_then(|p| p.as_str())
        .ok_or_else(|| bad("the body must be an object with a string `path`"))?;
    match json.get("format").map(|f| f.as_str()) {
        None | Some(Some("json")) | Some(Some("convex_encoded_json")) => {}
        _ => return Err(bad("`format` must be \"json\" or \"convex_encoded_json\"")),
    }
    let args = match json.get("args") {
        Some(serde_json::Value::Array(items)) if items.len() == 1 && items[0].is_object() => {
            &items[0]
        }
        Some(args @ serde_json::Value::Object(_)) => args,
        _ => {
            return Err(bad(
                "`args` must be an object or an array holding one object",
            ))
        }
    };
    let args = Value::from_json(args)
        .map_err(|e| Rejection::BadBody(format!("`args` is not a Convex value: {e}")))?;
    Ok((path.to_string(), args))
}

async fn handle(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
    kind: Kind,
) -> Response {
    let (path, args) = match read_call(body, &headers, state.max_body_bytes).await {
        Ok(call) => call,
        Err(Rejection::TooLarge(limit)) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PayloadTooLarge",
                format!("the request body is larger than {limit} bytes"),
            )
        }
        Err(Rejection::BadBody(message)) => {
            return problem(StatusCode::BAD_REQUEST, "BadJsonBody", message)
        }
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let now_ms = time::now_ms();
    let identity = match state.verifier.identify(authorization, now_ms / 1000) {
        Ok(identity) => identity,
        Err(e) => return problem(StatusCode::UNAUTHORIZED, "Unauthenticated", e.to_string()),
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
        eprintln!("{path}: {status} in {:?}", started.elapsed());
    }
    encode_outcome(outcome)
}

fn encode_outcome(outcome: Result<Value, FunctionError>) -> Response {
    let body = match outcome {
        Ok(value) => json!({ "status": "success", "value": value.to_json(), "logLines": [] }),
        Err(FunctionError::Coded { code, message }) => json!({
            "status": "error",
            "errorMessage": message,
            "errorData": { "code": code.as_str(), "message": message },
            "logLines": [],
        }),
        Err(FunctionError::Internal(message)) => {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                message,
            )
        }
        Err(other) => {
            json!({ "status": "error", "errorMessage": other.to_string(), "logLines": [] })
        }
    };
    (StatusCode::OK, Json(body)).into_response()
}
