//! The mutations an op can be, named as the backend's functions, because that
//! name is what a stored record and an `applyBatch` op carry.
//!
//! Invariant: a kind reads back only from its exact name; anything else is a typed
//! error (a stored record with another kind is quarantined, never guessed at).

use serde::{de, Deserialize, Deserializer, Serialize};

use crate::status::Transition;

/// What an op does: the name of the backend mutation it is delivered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum OpKind {
    StartSession,
    MarkConnected,
    EndSession,
    UpdateSessionSettings,
    ReportQualityIssue,
    MarkFailed,
    MarkReconnecting,
    MarkReconnected,
    MarkScreenShare,
    RateSession,
    ReportNetworkStats,
}

/// A name that is not one of the op kinds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown op kind {0:?}; expected one of startSession, markConnected, endSession, updateSessionSettings, reportQualityIssue, markFailed, markReconnecting, markReconnected, markScreenShare, rateSession, reportNetworkStats")]
pub struct UnknownOpKind(pub String);

impl OpKind {
    pub const ALL: [OpKind; 11] = [
        OpKind::StartSession,
        OpKind::MarkConnected,
        OpKind::EndSession,
        OpKind::UpdateSessionSettings,
        OpKind::ReportQualityIssue,
        OpKind::MarkFailed,
        OpKind::MarkReconnecting,
        OpKind::MarkReconnected,
        OpKind::MarkScreenShare,
        OpKind::RateSession,
        OpKind::ReportNetworkStats,
    ];

    pub const NAMES: [&'static str; 11] = [
        "startSession",
        "markConnected",
        "endSession",
        "updateSessionSettings",
        "reportQualityIssue",
        "markFailed",
        "markReconnecting",
        "markReconnected",
        "markScreenShare",
        "rateSession",
        "reportNetworkStats",
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<OpKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Only settings, quality reports and network-stats reports may be evicted when
    /// storage is full: every other op changes state or a total (a dropped
    /// screen-share stop would count the rest of the call as shared), or is the
    /// user's own word (a rating).
    pub fn is_lifecycle(self) -> bool {
        !matches!(
            self,
            OpKind::UpdateSessionSettings | OpKind::ReportQualityIssue | OpKind::ReportNetworkStats
        )
    }

    /// What the op does to an existing session; `None` for `startSession`, which
    /// makes one.
    pub fn transition(self) -> Option<Transition> {
        match self {
            OpKind::StartSession => None,
            OpKind::MarkConnected => Some(Transition::Connect),
            OpKind::EndSession => Some(Transition::End),
            OpKind::MarkFailed => Some(Transition::Fail),
            OpKind::UpdateSessionSettings
            | OpKind::ReportQualityIssue
            | OpKind::MarkScreenShare
            | OpKind::ReportNetworkStats => Some(Transition::Touch),
            OpKind::MarkReconnecting => Some(Transition::Reconnect),
            OpKind::MarkReconnected => Some(Transition::Reconnected),
            OpKind::RateSession => Some(Transition::Rate),
        }
    }
}

impl std::str::FromStr for OpKind {
    type Err = UnknownOpKind;

    fn from_str(s: &str) -> Result<Self, UnknownOpKind> {
        OpKind::from_name(s).ok_or_else(|| UnknownOpKind(s.to_string()))
    }
}

impl std::fmt::Display for OpKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads a unit enum from its name. Hand-written for [`OpKind`] and
/// [`SessionStatus`](crate::SessionStatus): serde's derived enum visitor is compiled
/// into the SDK's wasm build once per enum, while reading a string then matching it
/// shares the string path and gives the same "unknown variant" error.
pub(crate) fn deserialize_name<'de, D, T>(
    d: D,
    names: &'static [&'static str],
    from: fn(&str) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let s = String::deserialize(d)?;
    from(&s).ok_or_else(|| de::Error::unknown_variant(&s, names))
}

impl<'de> Deserialize<'de> for OpKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_name(d, &OpKind::NAMES, OpKind::from_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_their_names_and_refuse_others() {
        for k in OpKind::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{k}\""));
            assert_eq!(serde_json::from_str::<OpKind>(&json).unwrap(), k);
            assert_eq!(k.as_str().parse::<OpKind>(), Ok(k));
        }
        let err = serde_json::from_str::<OpKind>("\"dance\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("unknown variant `dance`, expected one of `startSession`"),
            "{err}"
        );
        assert!(serde_json::from_str::<OpKind>("3").is_err());
        assert_eq!(
            "StartSession".parse::<OpKind>(),
            Err(UnknownOpKind("StartSession".into()))
        );
    }

    #[test]
    fn only_settings_quality_and_network_ops_may_be_evicted() {
        let evictable: Vec<OpKind> = OpKind::ALL
            .into_iter()
            .filter(|k| !k.is_lifecycle())
            .collect();
        assert_eq!(
            evictable,
            [
                OpKind::UpdateSessionSettings,
                OpKind::ReportQualityIssue,
                OpKind::ReportNetworkStats
            ]
        );
    }
}
