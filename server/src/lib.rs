//! video-session-server: the embedded local backend.
//!
//! It implements `docs/contract.md` — the videoCallSessions Convex functions over
//! Convex's HTTP API — on one SQLite file, so the SDK can run against it exactly
//! as against a Convex deployment. Layers: `http` (wire) → `functions` (the
//! contract, one transaction per call) → `db` (rows); `values`, `ids`, `time` and
//! `auth` are the shared vocabulary; `cors` and `host` decide who may call at
//! all.

#![warn(rust_2018_idioms, unused)]

pub mod auth;
pub mod body;
pub mod config;
pub mod cors;
pub mod db;
pub mod error;
pub mod functions;
pub mod host;
pub mod http;
pub mod ids;
pub mod server;
pub mod time;
pub mod values;
