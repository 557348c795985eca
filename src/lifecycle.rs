//! The session state machine as the app meets it: the backend's transition table
//! (`protocol::status`) checked before anything is stored, so an impossible call is
//! refused at once with `INVALID_TRANSITION` and a sentence saying why, instead of
//! becoming a dead letter minutes later.

pub use protocol::{SessionStatus, Transition};

use crate::error::{ApiError, ErrorCode};

fn verb(t: Transition) -> &'static str {
    match t {
        Transition::Connect => "mark it connected",
        Transition::End => "end it",
        Transition::Fail => "mark it failed",
        Transition::Touch => "change it",
        Transition::Reconnect => "mark it reconnecting",
        Transition::Reconnected => "mark it reconnected",
        Transition::Rate => "rate it",
    }
}

/// The status after `t`, or `INVALID_TRANSITION` when the backend would refuse it.
pub fn apply(from: SessionStatus, t: Transition) -> Result<SessionStatus, ApiError> {
    from.apply(t).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "the session is {}, so it is not possible to {}",
                from.as_str(),
                verb(t)
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
