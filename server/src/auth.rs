//! Bearer-token identity: HS256 JWTs signed with a shared secret.
//!
//! No `Authorization` header means an anonymous caller. A header that is present
//! must carry a token that verifies (signature, `alg`, `exp`/`nbf`, a string `sub`);
//! anything else is refused before any function runs, and so is every token when
//! no secret is configured.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The caller as a verified token names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("a token was sent but the server has no JWT secret; start it with --jwt-secret or VSS_JWT_SECRET")]
    NoSecretConfigured,
    #[error("the Authorization header must be `Bearer <JWT>`")]
    NotBearer,
    #[error("the token is not a well-formed JWT: {0}")]
    Malformed(&'static str),
    #[error("the token is not signed with HS256")]
    WrongAlgorithm,
    #[error("the token's signature does not match the server's secret")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token has no string `sub` claim")]
    NoSubject,
}

/// Verifies HS256 tokens.
#[derive(Clone)]
pub struct Verifier {
    secret: Option<Vec<u8>>,
}

impl Verifier {
    pub fn new(secret: Option<&str>) -> Self {
        Verifier {
            secret: secret
                .filter(|s| !s.is_empty())
                .map(|s| s.as_bytes().to_vec()),
        }
    }

    /// The identity for an `Authorization` header value (`None` = anonymous).
    pub fn identify(
        &self,
        header: Option<&str>,
        now_secs: i64,
    ) -> Result<Option<Identity>, AuthError> {
        let Some(header) = header else {
            return Ok(None);
        };
        let secret = self
            .secret
            .as_deref()
            .ok_or(AuthError::NoSecretConfigured)?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .ok_or(AuthError::NotBearer)?;
        verify(token, secret, now_secs).map(Some)
    }
}

fn verify(token: &str, secret: &[u8], now_secs: i64) -> Result<Identity, AuthError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed("expected three dot-separated parts"));
    };
    let header: serde_json::Value = decode_json(header)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(AuthError::WrongAlgorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| AuthError::Malformed("signature is not base64url"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|_| AuthError::Malformed("unusable secret"))?;
    mac.update(&token.as_bytes()[..token.rfind('.').unwrap_or(0)]);
    mac.verify_slice(&signature)
        .map_err(|_| AuthError::BadSignature)?;
    let claims: serde_json::Value = decode_json(payload)?;
    if let Some(exp) = claims.get("exp") {
        match exp.as_f64() {
            Some(exp) if (now_secs as f64) < exp => {}
            Some(_) => return Err(AuthError::Expired),
            None => return Err(AuthError::Malformed("`exp` is not a number")),
        }
    }
    if let Some(nbf) = claims.get("nbf") {
        match nbf.as_f64() {
            Some(nbf) if nbf <= now_secs as f64 => {}
            Some(_) => return Err(AuthError::NotYetValid),
            None => return Err(AuthError::Malformed("`nbf` is not a number")),
        }
    }
    match claims.get("sub").and_then(|s| s.as_str()) {
        Some(sub) if !sub.is_empty() => Ok(Identity {
            subject: sub.to_string(),
        }),
        _ => Err(AuthError::NoSubject),
    }
}

fn decode_json(part: &str) -> Result<serde_json::Value, AuthError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| AuthError::Malformed("a part is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed("a part is not JSON"))
}

/// Signs an HS256 token; the server never needs this, tests and tools do.
pub fn sign(claims: &serde_json::Value, secret: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;

    fn verifier() -> Verifier {
        Verifier::new(Some("s3cret"))
    }

    #[test]
    fn no_header_is_anonymous() {
        assert_eq!(verifier().identify(None, NOW), Ok(None));
    }

    #[test]
    fn a_signed_token_names_its_subject() {
        let token = sign(&json!({"sub": "user123", "exp": NOW + 60}), "s3cret");
        let id = verifier()
            .identify(Some(&format!("Bearer {token}")), NOW)
            .unwrap();
        assert_eq!(id.unwrap().subject, "user123");
    }

    #[test]
    fn refuses_bad_tokens() {
        let v = verifier();
        let other = sign(&json!({"sub": "u", "exp": NOW + 60}), "other");
        assert_eq!(
            v.identify(Some(&format!("Bearer {other}")), NOW),
            Err(AuthError::BadSignature)
        );
        let expired = sign(&json!({"sub": "u", "exp": NOW - 1}), "s3cret");
        assert_eq!(
            v.identify(Some(&format!("Bearer {expired}")), NOW),
            Err(AuthError::Expired)
        );
        let no_sub = sign(&json!({"exp": NOW + 60}), "s3cret");
        assert_eq!(
            v.identify(Some(&format!("Bearer {no_sub}")), NOW),
            Err(AuthError::NoSubject)
        );
        assert_eq!(
            v.identify(Some("Basic abc"), NOW),
            Err(AuthError::NotBearer)
        );
        assert!(matches!(
            v.identify(Some("Bearer abc"), NOW),
            Err(AuthError::Malformed(_))
        ));
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"sub":"u"}"#)
        );
        assert_eq!(
            v.identify(Some(&format!("Bearer {unsigned}")), NOW),
            Err(AuthError::WrongAlgorithm)
        );
    }

    #[test]
    fn any_token_without_a_secret_is_refused() {
        let token = sign(&json!({"sub": "u"}), "s3cret");
        assert_eq!(
            Verifier::new(None).identify(Some(&format!("Bearer {token}")), NOW),
            Err(AuthError::NoSecretConfigured)
        );
    }
}
