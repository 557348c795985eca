//! A session's lifecycle states and the one table of transitions between them.
//!
//! The SDK checks a call against this table before storing it (an impossible call is
//! refused at once, not dead-lettered minutes later) and the local backend applies
//! ops by the same table, so the two cannot disagree on what is allowed:
//! connecting → connected → ended; connecting → failed; connected → failed;
//! connecting → ended (cancelled before connecting, no duration); connected ⇄
//! reconnecting (the media path dropped and came back), and a reconnecting call may
//! end or fail. Settings, quality reports and screen sharing leave the state as it
//! is and need an active session; a rating needs a finished one (ended or failed).

use serde::{Deserialize, Deserializer, Serialize};

/// Where a session is in its lifecycle (a session document's `sessionStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    #[default]
    Connecting,
    Connected,
    Ended,
    Failed,
    Reconnecting,
}

/// Text that is not one of the five states (a corrupt row or document).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown session status {0:?}; expected connecting, connected, ended, failed or reconnecting"
)]
pub struct UnknownStatus(pub String);

impl SessionStatus {
    pub const ALL: [SessionStatus; 5] = [
        SessionStatus::Connecting,
        SessionStatus::Connected,
        SessionStatus::Ended,
        SessionStatus::Failed,
        SessionStatus::Reconnecting,
    ];

    pub const NAMES: [&'static str; 5] =
        ["connecting", "connected", "ended", "failed", "reconnecting"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<SessionStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Connecting, connected or reconnecting: the call is still going on.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            SessionStatus::Connecting | SessionStatus::Connected | SessionStatus::Reconnecting
        )
    }

    /// The state after `t`, or why the backend refuses it.
    pub fn apply(self, t: Transition) -> Result<SessionStatus, TransitionRefused> {
        use SessionStatus::*;
        let to = match (self, t) {
            (Connecting, Transition::Connect) => Some(Connected),
            (Connected, Transition::Reconnect) => Some(Reconnecting),
            (Reconnecting, Transition::Reconnected) => Some(Connected),
            (Connecting | Connected | Reconnecting, Transition::End) => Some(Ended),
            (Connecting | Connected | Reconnecting, Transition::Fail) => Some(Failed),
            (Connecting | Connected | Reconnecting, Transition::Touch) => Some(self),
            (Ended | Failed, Transition::Rate) => Some(self),
            _ => None,
        };
        to.ok_or(TransitionRefused {
            from: self,
            transition: t,
        })
    }
}

impl std::str::FromStr for SessionStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, UnknownStatus> {
        SessionStatus::from_name(s).ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// By name, like the derived `Serialize` writes it (see `op_kind::deserialize_name`).
impl<'de> Deserialize<'de> for SessionStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::op_kind::deserialize_name(d, &SessionStatus::NAMES, SessionStatus::from_name)
    }
}

/// What an op wants to do to an existing session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Connect,
    End,
    Fail,
    /// Settings, quality report or screen share: no state change, the session must
    /// be active.
    Touch,
    /// connected → reconnecting.
    Reconnect,
    /// reconnecting → connected.
    Reconnected,
    /// A rating: no state change, the call must be over (ended or failed). Whether
    /// the session was rated already is the backend's check, not the table's.
    Rate,
}

impl Transition {
    pub const ALL: [Transition; 7] = [
        Transition::Connect,
        Transition::End,
        Transition::Fail,
        Transition::Touch,
        Transition::Reconnect,
        Transition::Reconnected,
        Transition::Rate,
    ];
}

/// A transition the table does not allow from the session's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRefused {
    pub from: SessionStatus,
    pub transition: Transition,
}

#[cfg(test)]
mod tests {
    use super::*;
    use SessionStatus::*;
    use Transition::*;

    #[test]
    fn the_whole_table() {
        let allowed = [
            (Connecting, Connect, Connected),
            (Connecting, End, Ended),
            (Connected, End, Ended),
            (Connecting, Fail, Failed),
            (Connected, Fail, Failed),
            (Connecting, Touch, Connecting),
            (Connected, Touch, Connected),
            (Connected, Reconnect, Reconnecting),
            (Reconnecting, Reconnected, Connected),
            (Reconnecting, End, Ended),
            (Reconnecting, Fail, Failed),
            (Reconnecting, Touch, Reconnecting),
            (Ended, Rate, Ended),
            (Failed, Rate, Failed),
        ];
        for from in SessionStatus::ALL {
            for t in Transition::ALL {
                let want = allowed
                    .iter()
                    .find(|(f, tr, _)| *f == from && *tr == t)
                    .map(|(_, _, to)| *to);
                match (from.apply(t), want) {
                    (Ok(to), Some(w)) => assert_eq!(to, w, "{from:?} {t:?}"),
                    (Err(e), None) => assert_eq!(
                        e,
                        TransitionRefused {
                            from,
                            transition: t
                        }
                    ),
                    (got, want) => panic!("{from:?} {t:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn statuses_read_their_names_and_refuse_others() {
        for s in SessionStatus::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<SessionStatus>(&json).unwrap(), s);
            assert_eq!(s.as_str().parse::<SessionStatus>(), Ok(s));
        }
        let err = serde_json::from_str::<SessionStatus>("\"Ended\"").unwrap_err();
        assert!(err.to_string().contains("unknown variant `Ended`"), "{err}");
        assert_eq!(
            "".parse::<SessionStatus>(),
            Err(UnknownStatus(String::new()))
        );
    }
}
