//! The ways a function call can fail, as the wire protocol distinguishes them.
//!
//! A `Coded` error is a Convex `ConvexError({code, message})` and is the only kind
//! that carries `errorData`; validator failures and unknown functions carry only a
//! message. Every variant is answered with HTTP 200 and `status: "error"`.

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
