//! `gatehouse`: parse configuration, then hand over to the command (see cli.rs).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    server::cli::run().await
}
