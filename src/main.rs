#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    herald::server::cli::main().await
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser build has no binary; see lib.rs `hydrate`.
}
