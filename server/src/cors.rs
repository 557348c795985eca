//! Which web pages may call the server (CORS), and the refusal of the rest.
//!
//! A browser attaches `Origin` to cross-site requests and to same-origin POSTs, and
//! lets a page read a reply only if the server names its origin. Echoing any origin
//! (as before) let every website on the Internet drive a backend on the visitor's
//! machine, so only an allowlist is named: the server's own origin, loopback origins
//! (the demo, dev servers and the wasm test runner on another port) and
//! `--allow-origin`. CORS alone only hides replies; a simple POST still runs, so a
//! state-changing request from an origin off the list is refused outright (403).
//! Requests without `Origin` (curl, Node, reqwest) are not browsers' cross-site
//! requests and pass. No `Allow-Credentials`: the SDK sends no cookies.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The origins that may call.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    any: bool,
    listed: Vec<String>,
}

/// How a request's `Origin` fares.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No `Origin` header: not a browser cross-site request.
    NoOrigin,
    /// Allowed: answer with this `Access-Control-Allow-Origin`.
    Allowed(HeaderValue),
    /// Not on the list.
    Refused,
}

impl OriginPolicy {
    /// `--allow-origin` values; `*` allows all.
    pub fn new(allowed: &[String]) -> Self {
        OriginPolicy {
            any: allowed.iter().any(|o| o.trim() == "*"),
            listed: allowed
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|o| o != "*")
                .collect(),
        }
    }

    /// The verdict for a request's headers.
    pub fn judge(&self, headers: &HeaderMap) -> Verdict {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Verdict::NoOrigin;
        };
        let text = origin.to_str().unwrap_or_default().to_ascii_lowercase();
        if self.any {
            return Verdict::Allowed(HeaderValue::from_static("*"));
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let same_origin = !host.is_empty() && text == format!("http://{host}");
        if same_origin || is_loopback_origin(&text) || self.listed.contains(&text) {
            Verdict::Allowed(origin.clone())
        } else {
            Verdict::Refused
        }
    }
}

/// `http(s)://127.0.0.1`, `localhost` or `[::1]`, with any port or none.
fn is_loopback_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = match rest.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        Some((_, _)) if rest == "[::1]" => rest,
        Some(_) => return false,
        None => rest,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// Reads and writes need a method that changes nothing to pass a refused origin.
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD)
}

/// The CORS middleware: refuses what the policy refuses, names allowed origins.
pub async fn middleware(
    State(policy): State<Arc<OriginPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let verdict = policy.judge(request.headers());
    if verdict == Verdict::Refused && changes_state(request.method()) {
        return crate::http::problem(
            StatusCode::FORBIDDEN,
            "OriginNotAllowed",
            "this origin may not call the server; start it with --allow-origin <origin> to allow it",
        );
    }
    let private_network = request
        .headers()
        .get("access-control-request-private-network")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    let Verdict::Allowed(allow) = verdict else {
        return response;
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
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
    // Chromium asks before a public page (an --allow-origin site) may reach a
    // loopback address; an origin on the list may.
    if private_network {
        headers.insert(
            "access-control-allow-private-network",
            HeaderValue::from_static("true"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(policy: &OriginPolicy, origin: &str, host: &str) -> Verdict {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        policy.judge(&headers)
    }

    fn allowed(policy: &OriginPolicy, origin: &str) -> bool {
        matches!(judge(policy, origin, "127.0.0.1:3210"), Verdict::Allowed(_))
    }

    #[test]
    fn loopback_origins_on_any_port_are_allowed() {
        let p = OriginPolicy::new(&[]);
        for o in [
            "http://127.0.0.1:8000",
            "http://localhost:5173",
            "http://[::1]:9",
            "http://localhost",
            "https://localhost:8443",
        ] {
            assert!(allowed(&p, o), "{o}");
        }
        for o in [
            "http://evil.example",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example:80",
            "http://127.0.0.1:80@evil.example",
            "null",
            "file://",
            "",
        ] {
            assert!(!allowed(&p, o), "{o}");
        }
    }

    #[test]
    fn the_servers_own_origin_is_allowed() {
        let p = OriginPolicy::new(&[]);
        assert!(matches!(
            judge(&p, "http://myhost.lan:3210", "myhost.lan:3210"),
            Verdict::Allowed(_)
        ));
        assert_eq!(
            judge(&p, "http://myhost.lan:3211", "myhost.lan:3210"),
            Verdict::Refused
        );
    }

    #[test]
    fn listed_origins_null_and_star() {
        let p = OriginPolicy::new(&["https://app.example.com/".into(), "null".into()]);
        assert!(allowed(&p, "https://app.example.com"));
        assert!(allowed(&p, "null"));
        assert!(!allowed(&p, "https://other.example.com"));
        let star = OriginPolicy::new(&["*".into()]);
        assert_eq!(
            judge(&star, "https://any.example", "127.0.0.1:1"),
            Verdict::Allowed(HeaderValue::from_static("*"))
        );
    }
}
