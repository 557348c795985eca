//! The one error type the SDK's public calls return: a stable machine-readable
//! `code` a program can switch on, and a `message` a person can act on.
//!
//! Invariant: codes are stable strings (`INVALID_ARGUMENT`, …); adding a variant is
//! fine, renaming one is a breaking change for every app that switches on it.

use serde::{Deserialize, Serialize};

/// Stable error codes. Serialised as SCREAMING_SNAKE_CASE strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// An argument broke a documented limit; nothing was stored.
    InvalidArgument,
    /// The session is not in a state that allows this call; nothing was stored.
    InvalidTransition,
    /// No session was given and there is no current session (for `rateSession`: no
    /// session this client ended or failed).
    NoActiveSession,
    /// The session is not known on this device.
    NotFound,
    /// The caller may not touch this session (backend-side code, kept for dead letters).
    Forbidden,
    /// Storage failed in a way that could not be absorbed (e.g. unavailable at open).
    Storage,
    /// The backend could not be reached (only from calls that need it).
    Network,
    /// An op was given up after too many transient failures.
    RetriesExhausted,
    /// The backend replied with something that is not a Convex reply.
    BadReply,
    /// The backend reported an error without a code (validator, unknown function, HTTP 4xx).
    Rejected,
    /// An op too large for any batch (or refused alone with HTTP 413): dead-lettered.
    TooLarge,
}

/// The code of calls made after `close()`. Only the JS surface can be closed, so it
/// is no [`ErrorCode`] of the core; the TypeScript `ErrorCode` adds it to the union.
pub const CLOSED: &str = "CLOSED";

/// The code of calls the React Native entry rejects once the core's fixed heap ran
/// out (`js/react-native/runtime.js` makes it; the core itself never does). The
/// TypeScript `ErrorCode` adds it to the union.
pub const OUT_OF_MEMORY: &str = "OUT_OF_MEMORY";

impl ErrorCode {
    /// The wire/JS spelling of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::InvalidTransition => "INVALID_TRANSITION",
            ErrorCode::NoActiveSession => "NO_ACTIVE_SESSION",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Storage => "STORAGE",
            ErrorCode::Network => "NETWORK",
            ErrorCode::RetriesExhausted => "RETRIES_EXHAUSTED",
            ErrorCode::BadReply => "BAD_REPLY",
            ErrorCode::Rejected => "REJECTED",
            ErrorCode::TooLarge => "TOO_LARGE",
        }
    }

    /// Parses a code sent by the backend; unknown codes become `Rejected`.
    pub fn from_wire(code: &str) -> ErrorCode {
        match code {
            "INVALID_ARGUMENT" => ErrorCode::InvalidArgument,
            "INVALID_TRANSITION" => ErrorCode::InvalidTransition,
            "NO_ACTIVE_SESSION" => ErrorCode::NoActiveSession,
            "NOT_FOUND" => ErrorCode::NotFound,
            "FORBIDDEN" => ErrorCode::Forbidden,
            "STORAGE" => ErrorCode::Storage,
            "NETWORK" => ErrorCode::Network,
            "RETRIES_EXHAUSTED" => ErrorCode::RetriesExhausted,
            "BAD_REPLY" => ErrorCode::BadReply,
            "TOO_LARGE" => ErrorCode::TooLarge,
            _ => ErrorCode::Rejected,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from a public SDK call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }

    pub fn storage(err: &crate::platform::StorageError) -> Self {
        Self::new(
            ErrorCode::Storage,
            format!("local storage failed ({err}); check that storage is available and not full"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_as_stable_strings() {
        for code in [
            ErrorCode::InvalidArgument,
            ErrorCode::InvalidTransition,
            ErrorCode::NoActiveSession,
            ErrorCode::NotFound,
            ErrorCode::Forbidden,
            ErrorCode::Storage,
            ErrorCode::Network,
            ErrorCode::RetriesExhausted,
            ErrorCode::BadReply,
            ErrorCode::TooLarge,
        ] {
            assert_eq!(ErrorCode::from_wire(code.as_str()), code);
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(ErrorCode::from_wire("WHATEVER"), ErrorCode::Rejected);
    }
}
