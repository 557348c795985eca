//! video-session-sdk: the core (lifecycle rules, durable outbox, delivery, local
//! view) in plain Rust, and a thin wasm-bindgen surface in `wasm/`.
//!
//! The core names no platform type: it talks to storage, network and clock only
//! through the traits in [`platform`], so it is tested natively with a fake clock, a
//! scripted transport and [`MemoryStorage`].
#![warn(rust_2018_idioms, unreachable_pub, unused)]

pub mod analytics;
pub mod api;
pub mod backoff;
pub mod client;
pub mod convex_http;
pub mod delivery;
pub mod error;
pub mod events;
pub mod json_fields;
pub mod json_write;
mod key_set;
pub mod lease;
pub mod lifecycle;
pub mod local_view;
pub mod memory_storage;
pub mod outbox;
pub mod platform;
pub mod race;
pub mod record;
pub mod send_schedule;
pub mod time;
#[cfg(feature = "ts")]
pub mod ts_decl;
pub mod validate;
pub mod wire;

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use analytics::{
    AnalyticsRangeArgs, DurationBucket, LeaderboardArgs, LeaderboardEntry, VolumeBucket,
};
pub use api::{
    Config, DeadLetter, DeliveryStep, EndSessionArgs, EndSessionResult, FlushReport,
    GetUserSessionsArgs, MarkFailedArgs, RateSessionArgs, ReportNetworkStatsArgs, SettingsArgs,
    StartSessionArgs, UpdateSettingsArgs,
};
pub use client::Client;
pub use error::{ApiError, ErrorCode};
pub use events::Event;
pub use lifecycle::SessionStatus;
pub use memory_storage::MemoryStorage;
pub use record::OpKind;
pub use wire::{CallStats, Session};
