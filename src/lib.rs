//! video-session-sdk: the core (lifecycle rules, durable outbox, delivery, local
//! view) in plain Rust, and a thin wasm-bindgen surface in `wasm/`.
#![warn(rust_2018_idioms, unreachable_pub, unused)]

pub mod platform;
