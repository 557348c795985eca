//! Bearer-token identity, verified as a Convex deployment verifies a custom JWT
//! provider's tokens (RS256/ES256 against a public key or a JWKS), plus HS256 with a
//! shared secret for tests and simple set-ups.
//!
//! Auth is all or nothing (docs/security.md): once a key is configured, a call with
//! no valid token is refused before any function runs, so no one can act as another
//! user by naming their `userId`. Only a server with no key serves anonymous calls,
//! and it then refuses every token rather than half-trusting it. Every token must
//! carry `exp`: a token that never expires would stay a key to the account forever.

pub mod keys;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, decode_header, Algorithm, Validation};
use keys::Keys;
pub use keys::{KeyError, KeySource};
use protocol::limits::USER_ID;
use protocol::text::utf16_len;
use serde_json::Value;
use std::collections::HashSet;

/// The caller as a verified token names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user key: the token's `sub` up to its first `|`. Convex Auth subjects are
    /// `userId|sessionId`, so every sign-in of one user has the same key; Clerk's
    /// subjects have no `|` and are the key as they are.
    pub subject: String,
    /// The whole `sub` claim, as the token carries it.
    pub token_subject: String,
}

/// Why a request's identity was refused (always HTTP 401 `Unauthenticated`).
/// No message repeats the token.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("this server requires a signed-in caller: send `Authorization: Bearer <JWT>`")]
    Missing,
    #[error("a token was sent but the server has no auth configured (it serves anonymous calls only); start it with --jwt-secret, --jwt-public-key or --jwks")]
    NotConfigured,
    #[error("the Authorization header must be `Bearer <JWT>`")]
    NotBearer,
    #[error("the token is not a well-formed JWT: {0}")]
    Malformed(&'static str),
    #[error("the token's algorithm is not one this server accepts ({0})")]
    WrongAlgorithm(&'static str),
    #[error("the token names a key (kid) this server does not know")]
    UnknownKey,
    #[error("the token's signature does not verify with the server's key")]
    BadSignature,
    #[error("the token has no numeric `exp` claim; tokens must expire")]
    NoExpiry,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token has no non-empty string `sub` claim")]
    NoSubject,
    #[error(
        "the token's user (its `sub` up to the first `|`) is longer than {USER_ID} characters"
    )]
    SubjectTooLong,
    #[error("the token's issuer (`iss`) is not the one this server accepts")]
    WrongIssuer,
    #[error("the token's audience (`aud`) is not the one this server accepts")]
    WrongAudience,
}

/// Checks `Authorization` headers against the configured keys.
#[derive(Clone)]
pub struct Verifier {
    keys: Option<Keys>,
    issuer: Option<String>,
    audience: Option<String>,
}

impl Verifier {
    /// No auth: anonymous calls only.
    pub fn anonymous() -> Self {
        Verifier {
            keys: None,
            issuer: None,
            audience: None,
        }
    }

    /// HS256 with a shared secret (an empty secret means no auth).
    pub fn new(secret: Option<&str>) -> Self {
        let keys = secret.filter(|s| !s.is_empty()).map(Keys::secret);
        Verifier {
            keys,
            ..Verifier::anonymous()
        }
    }

    /// Keys from `source`, with optional `iss`/`aud` checks.
    pub fn from_source(
        source: Option<KeySource<'_>>,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> Result<Self, KeyError> {
        Ok(Verifier {
            keys: source.map(Keys::load).transpose()?,
            issuer,
            audience,
        })
    }

    /// True when calls need a valid token.
    pub fn configured(&self) -> bool {
        self.keys.is_some()
    }

    /// The identity for an `Authorization` header value; `None` = anonymous, which
    /// only a server without auth allows.
    pub fn identify(
        &self,
        header: Option<&str>,
        now_secs: i64,
    ) -> Result<Option<Identity>, AuthError> {
        let (Some(keys), Some(header)) = (&self.keys, header) else {
            return match (self.configured(), header) {
                (true, _) => Err(AuthError::Missing),
                (false, None) => Ok(None),
                (false, Some(_)) => Err(AuthError::NotConfigured),
            };
        };
        let token = bearer_token(header)?;
        let claims = self.verify_signature(keys, token)?;
        identity_from(&claims, now_secs).map(Some)
    }

    fn verify_signature(&self, keys: &Keys, token: &str) -> Result<Value, AuthError> {
        let header = decode_header(token).map_err(|_| match raw_alg(token) {
            Some(_) => AuthError::WrongAlgorithm("`alg` is none or unknown"),
            None => AuthError::Malformed("the header is not base64url JSON with an `alg`"),
        })?;
        let candidates = keys.for_token(header.alg, header.kid.as_deref())?;
        let mut first_error = None;
        for key in candidates {
            match decode::<Value>(token, key, &self.validation(header.alg)) {
                Ok(data) => return Ok(data.claims),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.map_or(AuthError::UnknownKey, |e| map_error(&e)))
    }

    /// Signature, `alg`, `iss` and `aud` only: `exp`, `nbf` and `sub` are checked by
    /// `identity_from` against the caller's clock, so tests can pin the time.
    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.required_spec_claims = HashSet::new();
        v.validate_exp = false;
        v.validate_nbf = false;
        v.validate_aud = self.audience.is_some();
        if let Some(aud) = &self.audience {
            v.set_audience(&[aud]);
            v.required_spec_claims.insert("aud".into());
        }
        if let Some(iss) = &self.issuer {
            v.set_issuer(&[iss]);
            v.required_spec_claims.insert("iss".into());
        }
        v
    }
}

/// The header's `alg` string, read without trusting anything else in it.
fn raw_alg(token: &str) -> Option<String> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let header = URL_SAFE_NO_PAD.decode(token.split('.').next()?).ok()?;
    let header: Value = serde_json::from_slice(&header).ok()?;
    header.get("alg")?.as_str().map(str::to_string)
}

/// The token after a case-insensitive `Bearer` scheme (RFC 9110 §11.1).
fn bearer_token(header: &str) -> Result<&str, AuthError> {
    let (scheme, token) = header
        .trim()
        .split_once([' ', '\t'])
        .ok_or(AuthError::NotBearer)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthError::NotBearer);
    }
    Ok(token)
}

fn map_error(e: &jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            AuthError::WrongAlgorithm("it does not match the key")
        }
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => AuthError::WrongIssuer,
        ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => AuthError::WrongAudience,
        ErrorKind::InvalidToken => AuthError::Malformed("expected three dot-separated parts"),
        ErrorKind::Base64(_) => AuthError::Malformed("a part is not base64url"),
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => AuthError::Malformed("a part is not JSON"),
        _ => AuthError::BadSignature,
    }
}

/// `exp` (required), `nbf` and `sub` of verified claims.
fn identity_from(claims: &Value, now_secs: i64) -> Result<Identity, AuthError> {
    let now = now_secs as f64;
    match claims.get("exp").map(Value::as_f64) {
        None => return Err(AuthError::NoExpiry),
        Some(None) => return Err(AuthError::NoExpiry),
        Some(Some(exp)) if now >= exp => return Err(AuthError::Expired),
        Some(Some(_)) => {}
    }
    match claims.get("nbf").map(Value::as_f64) {
        None => {}
        Some(Some(nbf)) if nbf <= now => {}
        Some(Some(_)) => return Err(AuthError::NotYetValid),
        Some(None) => return Err(AuthError::Malformed("`nbf` is not a number")),
    }
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(AuthError::NoSubject)?;
    let user = sub.split('|').next().unwrap_or_default();
    if user.is_empty() {
        return Err(AuthError::NoSubject);
    }
    if utf16_len(user) > USER_ID {
        return Err(AuthError::SubjectTooLong);
    }
    Ok(Identity {
        subject: user.to_string(),
        token_subject: sub.to_string(),
    })
}

/// Signs an HS256 token; the server never needs this, tests and tools do.
pub fn sign(claims: &Value, secret: &str) -> String {
    keys::sign(
        Algorithm::HS256,
        None,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
}

#[cfg(test)]
mod tests;
