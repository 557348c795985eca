//! The videoCallSessions protocol, written once for the SDK and the local backend.
//!
//! Both sides used to carry their own copy of the op kinds, the session states, the
//! limits and the date code, and nothing but the shared scenarios noticed when the
//! copies drifted. Here each is defined once; `convex/` cannot link Rust, so
//! `limits.json` restates the table for its tests and a test here keeps the file equal
//! to these constants.
//!
//! No I/O, no clock, no platform crate: the SDK's wasm build links this crate, so
//! everything here must stay small and must not pull a dependency into that build.
#![warn(
    rust_2018_idioms,
    unreachable_pub,
    unused,
    missing_debug_implementations
)]

pub mod analytics;
pub mod limits;
pub mod network;
pub mod op;
pub mod op_kind;
pub mod status;
pub mod text;
pub mod time;
pub mod wire;

pub use op::{ArgsMismatch, Field, Op, OpArgs, Problem, SessionRef, Settings, StartSession};
pub use op_kind::{OpKind, UnknownOpKind};
pub use status::{SessionStatus, Transition, TransitionRefused, UnknownStatus};
