//! The `Host` header check, against DNS rebinding.
//!
//! A page on `evil.example` can make its own name resolve to 127.0.0.1; the
//! browser then treats the local server as `evil.example`, same-origin, and the
//! CORS allowlist never sees a foreign origin. The request still names
//! `evil.example` in `Host`, so only loopback names, the address the server listens
//! on and `--allow-host` names are served; any other `Host` gets 403
//! `HostNotAllowed` (403 rather than 421: the request is refused, not misrouted).

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The names the server answers to.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    names: Vec<String>,
}

impl HostPolicy {
    /// Loopback names, plus the listen address (unless a wildcard) and `extra`.
    pub fn new(listen_host: &str, extra: &[String]) -> Self {
        let mut names: Vec<String> = ["127.0.0.1", "localhost", "[::1]", "::1"]
            .into_iter()
            .map(str::to_string)
            .collect();
        let listen = listen_host.trim().to_ascii_lowercase();
        if !matches!(listen.as_str(), "0.0.0.0" | "::" | "[::]" | "") {
            names.push(listen);
        }
        names.extend(
            extra
                .iter()
                .map(|n| n.trim().trim_end_matches('.').to_ascii_lowercase()),
        );
        HostPolicy { names }
    }

    /// True if a `Host` value (name or address, with or without a port) is served.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = match host.rsplit_once(':') {
            // `[::1]:3210`, `name:3210`; a bare `::1` has colons but no brackets.
            Some((name, port))
                if port.bytes().all(|b| b.is_ascii_digit()) && !name.contains(':')
                    || name.ends_with(']') =>
            {
                name
            }
            _ => host.as_str(),
        };
        let name = name.trim_end_matches('.');
        !name.is_empty() && self.names.iter().any(|n| n == name)
    }
}

/// Refuses requests whose `Host` (or, in HTTP/2, URI authority) is not served.
pub async fn middleware(
    State(policy): State<Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    match host {
        Some(host) if policy.allows(&host) => next.run(request).await,
        _ => crate::http::problem(
            StatusCode::FORBIDDEN,
            "HostNotAllowed",
            "this Host is not served; use 127.0.0.1, localhost or [::1], or start the server with --allow-host <name>",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_with_any_port() {
        let p = HostPolicy::new("127.0.0.1", &[]);
        for h in [
            "127.0.0.1:3210",
            "127.0.0.1",
            "localhost:80",
            "LOCALHOST",
            "[::1]:9",
            "[::1]",
            "localhost.",
        ] {
            assert!(p.allows(h), "{h}");
        }
        for h in [
            "evil.example",
            "evil.example:3210",
            "127.0.0.1.evil.example",
            "localhost.evil.example:1",
            "",
            ":3210",
            "10.0.0.5:3210",
        ] {
            assert!(!p.allows(h), "{h}");
        }
    }

    #[test]
    fn the_listen_address_and_allowed_names() {
        let p = HostPolicy::new("10.0.0.5", &["MyHost.lan".into()]);
        assert!(p.allows("10.0.0.5:3210"));
        assert!(p.allows("myhost.lan:3210"));
        assert!(p.allows("myhost.lan"));
        assert!(!p.allows("otherhost.lan"));
        let wildcard = HostPolicy::new("0.0.0.0", &[]);
        assert!(!wildcard.allows("0.0.0.0:3210"));
    }
}
