//! The local session state machine, mirroring the backend's transitions so an
//! impossible call is refused at once (typed error, nothing stored) instead of
//! becoming a dead letter minutes later.
//!
//! connecting → connected → ended; connecting → failed; connected → failed;
//! connecting → ended (cancelled before connecting, no duration). Settings and
//! quality reports are allowed while the session is connecting or connected.

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{ApiError, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    #[default]
    Connecting,
    Connected,
    Ended,
    Failed,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Connecting => "connecting",
            SessionStatus::Connected => "connected",
            SessionStatus::Ended => "ended",
            SessionStatus::Failed => "failed",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        [
            SessionStatus::Connecting,
            SessionStatus::Connected,
            SessionStatus::Ended,
            SessionStatus::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Connecting or connected: the session can still change.
    pub fn is_active(self) -> bool {
        matches!(self, SessionStatus::Connecting | SessionStatus::Connected)
    }
}

/// By name, like the derived `Serialize` writes it (see `record::deserialize_name`).
impl<'de> Deserialize<'de> for SessionStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::record::deserialize_name(
            d,
            &["connecting", "connected", "ended", "failed"],
            SessionStatus::from_name,
        )
    }
}

/// What a mutating call wants to do to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Connect,
    End,
    Fail,
    /// Settings or quality report: no status change, session must be active.
    Touch,
}

impl Transition {
    fn verb(self) -> &'static str {
        match self {
            Transition::Connect => "mark it connected",
            Transition::End => "end it",
            Transition::Fail => "mark it failed",
            Transition::Touch => "change it",
        }
    }
}

/// The status after `t`, or `INVALID_TRANSITION` when the backend would refuse it.
pub fn apply(from: SessionStatus, t: Transition) -> Result<SessionStatus, ApiError> {
    use SessionStatus::*;
    let to = match (from, t) {
        (Connecting, Transition::Connect) => Some(Connected),
        (Connecting | Connected, Transition::End) => Some(Ended),
        (Connecting | Connected, Transition::Fail) => Some(Failed),
        (Connecting | Connected, Transition::Touch) => Some(from),
        _ => None,
    };
    to.ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "the session is {}, so it is not possible to {}",
                from.as_str(),
                t.verb()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use SessionStatus::*;

    #[test]
    fn allowed_transitions() {
        assert_eq!(apply(Connecting, Transition::Connect).unwrap(), Connected);
        assert_eq!(apply(Connected, Transition::End).unwrap(), Ended);
        assert_eq!(apply(Connecting, Transition::End).unwrap(), Ended);
        assert_eq!(apply(Connecting, Transition::Fail).unwrap(), Failed);
        assert_eq!(apply(Connected, Transition::Fail).unwrap(), Failed);
        assert_eq!(apply(Connected, Transition::Touch).unwrap(), Connected);
    }

    #[test]
    fn refused_transitions_are_typed() {
        for (from, t) in [
            (Connected, Transition::Connect),
            (Ended, Transition::Connect),
            (Ended, Transition::End),
            (Failed, Transition::End),
            (Ended, Transition::Fail),
            (Failed, Transition::Touch),
            (Ended, Transition::Touch),
        ] {
            let err = apply(from, t).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidTransition, "{from:?} {t:?}");
        }
    }
}
