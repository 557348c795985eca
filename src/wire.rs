//! The wire types (`protocol::wire`), and how the SDK reads a backend value into
//! them: by way of its JSON text, so every type shares one deserializer in the wasm
//! build.

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use protocol::wire::*;

/// Reads a backend value into a serde type by way of its JSON text. Same result as
/// `serde_json::from_value`, but every type then shares the one text deserializer
/// instead of also compiling `Value`'s into the wasm build.
pub fn from_backend<T: DeserializeOwned>(value: &Value) -> Result<T, serde_json::Error> {
    serde_json::from_str(&json_text(value))
}

/// `value` as compact JSON text, like `value.to_string()`, but through the same
/// serializer as every other `serde_json::to_string` call (`Display` compiles its own).
pub fn json_text(value: &Value) -> String {
    // A `Value` always serialises: its map keys are strings.
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn from_backend_matches_from_value() {
        let doc = json!({"userId": "u", "sessionStatus": "ended", "duration": 42.0,
            "metadata": {"a": [1, 2.5, null]}, "qualityIssues": ["x"]});
        let a: Session = from_backend(&doc).unwrap();
        let b: Session = serde_json::from_value(doc).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn from_backend_refuses_a_bad_reply() {
        let bad = json!({"results": [{"opId": "a", "status": "maybe"}]});
        let err = from_backend::<BatchReply>(&bad).unwrap_err().to_string();
        assert!(err.contains("unknown variant"), "{err}");
    }
}
