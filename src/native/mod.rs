//! Native implementations of the platform traits: reqwest for the transport, tokio
//! and getrandom for the environment. Used by integration tests, the load generator
//! and CLIs; never compiled into the wasm build.

mod reqwest_transport;
mod system_env;

pub use reqwest_transport::ReqwestTransport;
pub use system_env::SystemEnv;
