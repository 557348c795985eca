//! The `video-session-server` binary: parse flags, run until SIGINT/SIGTERM.

use clap::Parser;
use video_session_server::{config::Config, server};

fn main() -> std::process::ExitCode {
    let config = Config::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("video-session-server: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("video-session-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
