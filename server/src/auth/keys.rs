//! The keys tokens are checked against, loaded once at start so a bad key file
//! stops the server with a clear message instead of refusing every call later.
//!
//! Public keys are limited to what a Convex custom JWT provider accepts: RS256 and
//! ES256 (P-256). A JWKS may hold other keys (providers publish several); those are
//! skipped, and a set with none usable is an error.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use std::path::Path;

use super::AuthError;

/// Where the verifying keys come from (at most one source per server).
#[derive(Debug, Clone, Copy)]
pub enum KeySource<'a> {
    /// HS256 shared secret.
    Secret(&'a str),
    /// A PEM public key file (RSA → RS256, EC P-256 → ES256).
    PublicKeyFile(&'a Path),
    /// A JSON Web Key Set file.
    JwksFile(&'a Path),
}

/// Why the configured keys cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a PEM RSA or EC (P-256) public key")]
    NotAPublicKey { path: String },
    #[error("{path} is not a JSON Web Key Set: {reason}")]
    NotAJwks { path: String, reason: String },
    #[error("{path} holds no RS256 or ES256 (P-256) key")]
    NoUsableKey { path: String },
}

#[derive(Clone)]
struct Key {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

/// The loaded keys.
#[derive(Clone)]
pub(super) struct Keys(Vec<Key>);

impl Keys {
    pub(super) fn secret(secret: &str) -> Keys {
        Keys(vec![Key {
            kid: None,
            alg: Algorithm::HS256,
            key: DecodingKey::from_secret(secret.as_bytes()),
        }])
    }

    pub(super) fn load(source: KeySource<'_>) -> Result<Keys, KeyError> {
        match source {
            KeySource::Secret(secret) => Ok(Keys::secret(secret)),
            KeySource::PublicKeyFile(path) => {
                let pem = read(path)?;
                let key = DecodingKey::from_rsa_pem(&pem)
                    .map(|k| (Algorithm::RS256, k))
                    .or_else(|_| DecodingKey::from_ec_pem(&pem).map(|k| (Algorithm::ES256, k)))
                    .map_err(|_| KeyError::NotAPublicKey {
                        path: path.display().to_string(),
                    })?;
                Ok(Keys(vec![Key {
                    kid: None,
                    alg: key.0,
                    key: key.1,
                }]))
            }
            KeySource::JwksFile(path) => load_jwks(path),
        }
    }

    /// The keys that may have signed a token with this header.
    pub(super) fn for_token(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<Vec<&DecodingKey>, AuthError> {
        if !self.0.iter().any(|k| k.alg == alg) {
            let accepted = match self.0.first().map(|k| k.alg) {
                Some(Algorithm::HS256) => "HS256 only",
                _ => "RS256 or ES256 with the configured keys",
            };
            return Err(AuthError::WrongAlgorithm(accepted));
        }
        let keys: Vec<&DecodingKey> = self
            .0
            .iter()
            .filter(|k| k.alg == alg)
            .filter(|k| match (&k.kid, kid) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            })
            .map(|k| &k.key)
            .collect();
        if keys.is_empty() {
            return Err(AuthError::UnknownKey);
        }
        Ok(keys)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn load_jwks(path: &Path) -> Result<Keys, KeyError> {
    let text = read(path)?;
    let set: JwkSet = serde_json::from_slice(&text).map_err(|e| KeyError::NotAJwks {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let keys: Vec<Key> = set
        .keys
        .iter()
        .filter_map(|jwk| {
            let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
                (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
                (AlgorithmParameters::EllipticCurve(ec), None | Some(KeyAlgorithm::ES256))
                    if ec.curve == EllipticCurve::P256 =>
                {
                    Algorithm::ES256
                }
                _ => return None,
            };
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some(Key {
                kid: jwk.common.key_id.clone(),
                alg,
                key,
            })
        })
        .collect();
    if keys.is_empty() {
        return Err(KeyError::NoUsableKey {
            path: path.display().to_string(),
        });
    }
    Ok(Keys(keys))
}

/// A signed token (empty if the key cannot sign with `alg`); for tests and tools.
pub fn sign(
    alg: Algorithm,
    kid: Option<&str>,
    claims: &serde_json::Value,
    key: &EncodingKey,
) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&header, claims, key).unwrap_or_default()
}
