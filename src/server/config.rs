//! Configuration from environment variables, with laptop-friendly defaults.
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`; default: `sqlite://<data dir>/herald.db`.
    pub database_url: String,
    /// `HERALD_DATA_DIR`; default `./data`.
    pub data_dir: PathBuf,
    /// `HERALD_PUBLIC_URL`: base for absolute links in messages.
    pub public_url: String,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(
            std::env::var("HERALD_DATA_DIR").unwrap_or_else(|_| "./data".to_string()),
        );
        let database_url = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => url,
            _ => format!("sqlite://{}", data_dir.join("herald.db").display()),
        };
        let public_url = std::env::var("HERALD_PUBLIC_URL")
            .unwrap_or_else(|_| "http://127.0.0.1:3000".to_string());
        let parsed = url::Url::parse(&public_url)
            .map_err(|e| anyhow::anyhow!("HERALD_PUBLIC_URL `{public_url}` is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!("HERALD_PUBLIC_URL must be an http or https URL");
        }
        Ok(Config {
            database_url,
            data_dir,
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }

    /// Creates the data directory when the database lives in it.
    pub fn prepare(&self) -> anyhow::Result<()> {
        if self.database_url.starts_with("sqlite:") {
            std::fs::create_dir_all(&self.data_dir).map_err(|e| {
                anyhow::anyhow!(
                    "cannot create data directory {}: {e}",
                    self.data_dir.display()
                )
            })?;
        }
        Ok(())
    }
}
