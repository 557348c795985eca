//! The server's clock, and the contract's timestamps from `protocol::time` (the one
//! copy of the date code, shared with the SDK) under the names the functions use.

pub use protocol::time::{format_iso, parse_iso, MAX_MS};

/// The wall clock in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
