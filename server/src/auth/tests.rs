use super::*;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde_json::json;

const NOW: i64 = 1_700_000_000;

fn verifier() -> Verifier {
    Verifier::new(Some("s3cret"))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[test]
fn no_header_is_anonymous_only_without_auth() {
    assert_eq!(Verifier::anonymous().identify(None, NOW), Ok(None));
    assert_eq!(verifier().identify(None, NOW), Err(AuthError::Missing));
}

#[test]
fn a_signed_token_names_its_user() {
    let token = sign(&json!({"sub": "user123", "exp": NOW + 60}), "s3cret");
    let id = verifier().identify(Some(&bearer(&token)), NOW).unwrap();
    assert_eq!(id.unwrap().subject, "user123");
}

#[test]
fn the_user_key_is_the_subject_up_to_the_first_bar() {
    let token = sign(&json!({"sub": "u1|session9|x", "exp": NOW + 60}), "s3cret");
    let id = verifier()
        .identify(Some(&bearer(&token)), NOW)
        .unwrap()
        .unwrap();
    assert_eq!(id.subject, "u1");
    assert_eq!(id.token_subject, "u1|session9|x");
    let empty_user = sign(&json!({"sub": "|s", "exp": NOW + 60}), "s3cret");
    assert_eq!(
        verifier().identify(Some(&bearer(&empty_user)), NOW),
        Err(AuthError::NoSubject)
    );
}

#[test]
fn the_scheme_is_case_insensitive() {
    let token = sign(&json!({"sub": "u", "exp": NOW + 60}), "s3cret");
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let header = format!("{scheme} {token}");
        assert!(verifier().identify(Some(&header), NOW).is_ok(), "{scheme}");
    }
    assert_eq!(
        verifier().identify(Some("Bearer"), NOW),
        Err(AuthError::NotBearer)
    );
    assert_eq!(
        verifier().identify(Some(&format!("Bearerx {token}")), NOW),
        Err(AuthError::NotBearer)
    );
}

#[test]
fn tokens_must_expire() {
    let forever = sign(&json!({"sub": "u"}), "s3cret");
    assert_eq!(
        verifier().identify(Some(&bearer(&forever)), NOW),
        Err(AuthError::NoExpiry)
    );
    let text_exp = sign(&json!({"sub": "u", "exp": "tomorrow"}), "s3cret");
    assert_eq!(
        verifier().identify(Some(&bearer(&text_exp)), NOW),
        Err(AuthError::NoExpiry)
    );
}

#[test]
fn a_subject_longer_than_a_user_id_is_refused() {
    let at_limit = "a".repeat(USER_ID);
    let token = sign(&json!({"sub": at_limit, "exp": NOW + 60}), "s3cret");
    assert!(verifier().identify(Some(&bearer(&token)), NOW).is_ok());
    let over = format!("{at_limit}a");
    let token = sign(&json!({"sub": over, "exp": NOW + 60}), "s3cret");
    assert_eq!(
        verifier().identify(Some(&bearer(&token)), NOW),
        Err(AuthError::SubjectTooLong)
    );
    // Only the user key counts: a long session part after `|` is fine.
    let long_session = format!("u|{}", "s".repeat(500));
    let token = sign(&json!({"sub": long_session, "exp": NOW + 60}), "s3cret");
    assert!(verifier().identify(Some(&bearer(&token)), NOW).is_ok());
}

#[test]
fn refuses_bad_tokens() {
    let v = verifier();
    let other = sign(&json!({"sub": "u", "exp": NOW + 60}), "other");
    assert_eq!(
        v.identify(Some(&bearer(&other)), NOW),
        Err(AuthError::BadSignature)
    );
    let expired = sign(&json!({"sub": "u", "exp": NOW}), "s3cret");
    assert_eq!(
        v.identify(Some(&bearer(&expired)), NOW),
        Err(AuthError::Expired)
    );
    let early = sign(
        &json!({"sub": "u", "exp": NOW + 60, "nbf": NOW + 1}),
        "s3cret",
    );
    assert_eq!(
        v.identify(Some(&bearer(&early)), NOW),
        Err(AuthError::NotYetValid)
    );
    let no_sub = sign(&json!({"exp": NOW + 60}), "s3cret");
    assert_eq!(
        v.identify(Some(&bearer(&no_sub)), NOW),
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
        URL_SAFE_NO_PAD.encode(br#"{"sub":"u","exp":9999999999}"#)
    );
    assert!(matches!(
        v.identify(Some(&bearer(&unsigned)), NOW),
        Err(AuthError::WrongAlgorithm(_))
    ));
}

#[test]
fn any_token_without_auth_is_refused() {
    let token = sign(&json!({"sub": "u", "exp": NOW + 60}), "s3cret");
    assert_eq!(
        Verifier::anonymous().identify(Some(&bearer(&token)), NOW),
        Err(AuthError::NotConfigured)
    );
}

#[test]
fn issuer_and_audience_are_checked_when_configured() {
    let v = Verifier {
        issuer: Some("https://issuer.example".into()),
        audience: Some("convex".into()),
        ..verifier()
    };
    let good = sign(
        &json!({"sub": "u", "exp": NOW + 60, "iss": "https://issuer.example", "aud": "convex"}),
        "s3cret",
    );
    assert!(v.identify(Some(&bearer(&good)), NOW).is_ok());
    let wrong_iss = sign(
        &json!({"sub": "u", "exp": NOW + 60, "iss": "https://evil.example", "aud": "convex"}),
        "s3cret",
    );
    assert_eq!(
        v.identify(Some(&bearer(&wrong_iss)), NOW),
        Err(AuthError::WrongIssuer)
    );
    let no_iss = sign(
        &json!({"sub": "u", "exp": NOW + 60, "aud": "convex"}),
        "s3cret",
    );
    assert_eq!(
        v.identify(Some(&bearer(&no_iss)), NOW),
        Err(AuthError::WrongIssuer)
    );
    let wrong_aud = sign(
        &json!({"sub": "u", "exp": NOW + 60, "iss": "https://issuer.example", "aud": "other"}),
        "s3cret",
    );
    assert_eq!(
        v.identify(Some(&bearer(&wrong_aud)), NOW),
        Err(AuthError::WrongAudience)
    );
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn signed(alg: Algorithm, kid: Option<&str>, private: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(private)).unwrap();
    let key = match alg {
        Algorithm::RS256 => jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap(),
        _ => jsonwebtoken::EncodingKey::from_ec_pem(&pem).unwrap(),
    };
    keys::sign(alg, kid, claims, &key)
}

fn public_key(file: &str) -> Verifier {
    let path = fixture(file);
    Verifier::from_source(Some(KeySource::PublicKeyFile(&path)), None, None).unwrap()
}

#[test]
fn rs256_and_es256_with_a_pem_public_key() {
    let claims = json!({"sub": "u|s", "exp": NOW + 60});
    let rs = signed(Algorithm::RS256, None, "rsa-private.pem", &claims);
    let es = signed(Algorithm::ES256, None, "ec-private.pem", &claims);
    let rsa = public_key("rsa-public.pem");
    let ec = public_key("ec-public.pem");
    assert_eq!(
        rsa.identify(Some(&bearer(&rs)), NOW)
            .unwrap()
            .unwrap()
            .subject,
        "u"
    );
    assert_eq!(
        ec.identify(Some(&bearer(&es)), NOW)
            .unwrap()
            .unwrap()
            .subject,
        "u"
    );
    // Each key verifies only its own algorithm; HS256 signed with the public key
    // text (the classic confusion attack) is refused.
    assert!(matches!(
        rsa.identify(Some(&bearer(&es)), NOW),
        Err(AuthError::WrongAlgorithm(_))
    ));
    let pem = std::fs::read_to_string(fixture("rsa-public.pem")).unwrap();
    let confused = sign(&claims, &pem);
    assert!(matches!(
        rsa.identify(Some(&bearer(&confused)), NOW),
        Err(AuthError::WrongAlgorithm(_))
    ));
    let stranger = signed(Algorithm::ES256, None, "ec-other-private.pem", &claims);
    assert_eq!(
        ec.identify(Some(&bearer(&stranger)), NOW),
        Err(AuthError::BadSignature)
    );
    let forever = signed(
        Algorithm::ES256,
        None,
        "ec-private.pem",
        &json!({"sub": "u"}),
    );
    assert_eq!(
        ec.identify(Some(&bearer(&forever)), NOW),
        Err(AuthError::NoExpiry)
    );
}

#[test]
fn a_jwks_matches_keys_by_kid() {
    let path = fixture("jwks.json");
    let v = Verifier::from_source(Some(KeySource::JwksFile(&path)), None, None).unwrap();
    let claims = json!({"sub": "alice", "exp": NOW + 60});
    let rs = signed(Algorithm::RS256, Some("rsa-1"), "rsa-private.pem", &claims);
    let es = signed(Algorithm::ES256, Some("ec-1"), "ec-private.pem", &claims);
    let es_no_kid = signed(Algorithm::ES256, None, "ec-private.pem", &claims);
    for token in [&rs, &es, &es_no_kid] {
        assert_eq!(
            v.identify(Some(&bearer(token)), NOW)
                .unwrap()
                .unwrap()
                .subject,
            "alice"
        );
    }
    let unknown_kid = signed(Algorithm::ES256, Some("ec-9"), "ec-private.pem", &claims);
    assert_eq!(
        v.identify(Some(&bearer(&unknown_kid)), NOW),
        Err(AuthError::UnknownKey)
    );
    let stranger = signed(
        Algorithm::ES256,
        Some("ec-1"),
        "ec-other-private.pem",
        &claims,
    );
    assert_eq!(
        v.identify(Some(&bearer(&stranger)), NOW),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn unusable_key_files_are_errors_at_start() {
    let jwks_as_pem = fixture("jwks.json");
    assert!(matches!(
        Verifier::from_source(Some(KeySource::PublicKeyFile(&jwks_as_pem)), None, None),
        Err(KeyError::NotAPublicKey { .. })
    ));
    let pem_as_jwks = fixture("ec-public.pem");
    assert!(matches!(
        Verifier::from_source(Some(KeySource::JwksFile(&pem_as_jwks)), None, None),
        Err(KeyError::NotAJwks { .. })
    ));
    let missing = fixture("missing.pem");
    assert!(matches!(
        Verifier::from_source(Some(KeySource::PublicKeyFile(&missing)), None, None),
        Err(KeyError::Read { .. })
    ));
}
