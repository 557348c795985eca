//! The ways a function call can fail, as the wire protocol distinguishes them.
//!
//! A `Coded` error is a Convex `ConvexError({code, message})` and is the only kind
//! that carries `errorData`; validator failures and unknown functions carry only a
//! message. Every variant is answered with HTTP 200 and `status: "error"`.
//!
//! Messages may quote what the caller sent, but only a bounded slice of it
//! (`echo`): a reply must not grow with the input (a 1 MB field once made a 2 MB
//! error), and a log line must stay readable. `cap_message` is the last bound the
//! HTTP layer puts on every message, whoever built it.

use serde::Serialize;

/// The codes a `ConvexError` may carry; the client treats all as permanent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Code {
    #[serde(rename = "INVALID_ARGUMENT")]
    InvalidArgument,
    #[serde(rename = "NOT_FOUND")]
    NotFound,
    #[serde(rename = "INVALID_TRANSITION")]
    InvalidTransition,
    #[serde(rename = "FORBIDDEN")]
    Forbidden,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::NotFound => "NOT_FOUND",
            Code::InvalidTransition => "INVALID_TRANSITION",
            Code::Forbidden => "FORBIDDEN",
        }
    }

    pub fn parse(text: &str) -> Option<Code> {
        [
            Code::InvalidArgument,
            Code::NotFound,
            Code::InvalidTransition,
            Code::Forbidden,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}

/// A failed function call.
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    /// `ConvexError({code, message})`.
    #[error("{message}")]
    Coded { code: Code, message: String },
    /// The arguments did not match the function's validator.
    #[error("ArgumentValidationError: {0}")]
    Validation(String),
    /// No public function of that kind at that path.
    #[error("{0}")]
    UnknownFunction(String),
    /// The database failed; nothing was committed.
    #[error("Server Error: {0}")]
    Internal(String),
}

impl FunctionError {
    pub fn coded(code: Code, message: impl Into<String>) -> Self {
        FunctionError::Coded {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::coded(Code::InvalidArgument, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::coded(Code::NotFound, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::coded(Code::Forbidden, message)
    }

    pub fn transition(message: impl Into<String>) -> Self {
        Self::coded(Code::InvalidTransition, message)
    }
}

impl From<rusqlite::Error> for FunctionError {
    fn from(e: rusqlite::Error) -> Self {
        FunctionError::Internal(e.to_string())
    }
}

/// The most characters of one input value a message quotes.
pub const ECHO_MAX_CHARS: usize = 200;

/// The most characters of any error message the server sends.
pub const MESSAGE_MAX_CHARS: usize = 1000;

/// `input` for quoting in a message: at most `ECHO_MAX_CHARS` characters, with `…`
/// when cut.
pub fn echo(input: &str) -> String {
    cut(input, ECHO_MAX_CHARS)
}

/// A whole message bounded to `MESSAGE_MAX_CHARS` characters (with `…` when cut).
pub fn cap_message(message: String) -> String {
    if message.chars().nth(MESSAGE_MAX_CHARS).is_none() {
        return message;
    }
    cut(&message, MESSAGE_MAX_CHARS)
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_keeps_short_input_and_cuts_long_input() {
        assert_eq!(echo("abc"), "abc");
        let exact = "é".repeat(ECHO_MAX_CHARS);
        assert_eq!(echo(&exact), exact);
        let long = "é".repeat(ECHO_MAX_CHARS + 1);
        let quoted = echo(&long);
        assert_eq!(quoted.chars().count(), ECHO_MAX_CHARS + 1);
        assert!(quoted.ends_with('…'));
        let message = cap_message("x".repeat(1_000_000));
        assert_eq!(message.chars().count(), MESSAGE_MAX_CHARS + 1);
    }
}
