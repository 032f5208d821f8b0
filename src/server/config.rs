//! Configuration from environment variables, with laptop-friendly defaults,
//! validated once at start.
use super::dispatch::retry::RetrySchedule;
use super::dispatch::ssrf::AllowList;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`; default: `sqlite://<data dir>/herald.db`.
    pub database_url: String,
    /// `HERALD_DATA_DIR`; default `./data`.
    pub data_dir: PathBuf,
    /// `HERALD_PUBLIC_URL`: base for absolute links in messages.
    pub public_url: String,
    pub delivery: DeliveryConfig,
    pub auth: AuthConfig,
}

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// `HERALD_SESSION_TTL` (default 14d): a session unused this long ends.
    pub session_ttl: Duration,
    /// `HERALD_TRUSTED_PROXIES`: load balancers whose `X-Forwarded-For` names
    /// the real client, for the sign-in rate limit per address.
    pub trusted_proxies: AllowList,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_ttl: Duration::from_secs(14 * 24 * 3600),
            trusted_proxies: AllowList::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// `HERALD_DELIVERY_TIMEOUT` (default 10s).
    pub timeout: Duration,
    /// `HERALD_RETRY_SCHEDULE` (default `0,5s,5m,30m,2h,5h,10h,10h`).
    pub retry: RetrySchedule,
    /// `HERALD_ALLOWED_NETWORKS`: CIDRs the SSRF guard lets through.
    pub allowed_networks: AllowList,
    /// `HERALD_MAX_IN_FLIGHT` (default 64): concurrent requests overall.
    pub max_in_flight: usize,
    /// `HERALD_MAX_IN_FLIGHT_PER_CHANNEL` (default 8).
    pub max_in_flight_per_channel: usize,
    /// `HERALD_DISABLE_AFTER` (default 5d): a channel failing this long is disabled…
    pub disable_after: Duration,
    /// …`HERALD_DISABLE_MIN_FAILURES` (default 10): …once it also has this many failures in a row.
    pub disable_min_failures: u32,
    /// `HERALD_EXTRA_CHAT_HOSTS`: hosts (or host:port) Slack, Discord and
    /// Teams channels may post to besides the services' own, e.g. a
    /// Mattermost server that takes Slack's format; http is allowed for them.
    pub extra_chat_hosts: Vec<String>,
    /// Whether `herald serve` runs the dispatcher too; `--no-dispatch`
    /// turns it off, leaving delivery to `herald worker` processes.
    pub dispatch: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            timeout: Duration::from_secs(10),
            retry: RetrySchedule::default(),
            allowed_networks: AllowList::default(),
            max_in_flight: 64,
            max_in_flight_per_channel: 8,
            disable_after: Duration::from_secs(5 * 24 * 3600),
            disable_min_failures: 10,
            extra_chat_hosts: Vec::new(),
            dispatch: true,
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `10s`, `500ms`, `5m`, `2h`, `5d`, or a bare number of seconds.
pub fn parse_duration(name: &str, value: &str) -> anyhow::Result<Duration> {
    let v = value.trim();
    let (num, unit) = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| v.split_at(i))
        .unwrap_or((v, "s"));
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("{name}: `{value}` is not a duration like 10s, 5m or 2h"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => anyhow::bail!("{name}: unknown unit in `{value}` (use ms, s, m, h or d)"),
    };
    Ok(Duration::from_secs_f64(secs))
}

fn parse_count(name: &str, value: &str) -> anyhow::Result<usize> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => anyhow::bail!("{name}: `{value}` is not a positive whole number"),
    }
}

/// Comma-separated host names or host:port pairs, lower-cased.
fn parse_hosts(name: &str, value: &str) -> anyhow::Result<Vec<String>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            let ok = h
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
            if ok {
                Ok(h.to_ascii_lowercase())
            } else {
                Err(anyhow::anyhow!(
                    "{name}: `{h}` is not a host name or host:port like chat.example.com:8065"
                ))
            }
        })
        .collect()
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir =
            PathBuf::from(env("HERALD_DATA_DIR").unwrap_or_else(|| "./data".to_string()));
        let database_url = env("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("herald.db").display()));
        let public_url =
            env("HERALD_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".to_string());
        let parsed = url::Url::parse(&public_url)
            .map_err(|e| anyhow::anyhow!("HERALD_PUBLIC_URL `{public_url}` is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!("HERALD_PUBLIC_URL must be an http or https URL");
        }
        let mut delivery = DeliveryConfig::default();
        if let Some(v) = env("HERALD_DELIVERY_TIMEOUT") {
            delivery.timeout = parse_duration("HERALD_DELIVERY_TIMEOUT", &v)?;
        }
        if let Some(v) = env("HERALD_RETRY_SCHEDULE") {
            delivery.retry = RetrySchedule::parse(&v)
                .map_err(|e| anyhow::anyhow!("HERALD_RETRY_SCHEDULE: {e}"))?;
        }
        if let Some(v) = env("HERALD_ALLOWED_NETWORKS") {
            delivery.allowed_networks = AllowList::parse(&v)
                .map_err(|e| anyhow::anyhow!("HERALD_ALLOWED_NETWORKS: {e}"))?;
        }
        if let Some(v) = env("HERALD_MAX_IN_FLIGHT") {
            delivery.max_in_flight = parse_count("HERALD_MAX_IN_FLIGHT", &v)?;
        }
        if let Some(v) = env("HERALD_MAX_IN_FLIGHT_PER_CHANNEL") {
            delivery.max_in_flight_per_channel =
                parse_count("HERALD_MAX_IN_FLIGHT_PER_CHANNEL", &v)?;
        }
        if let Some(v) = env("HERALD_DISABLE_AFTER") {
            delivery.disable_after = parse_duration("HERALD_DISABLE_AFTER", &v)?;
        }
        if let Some(v) = env("HERALD_EXTRA_CHAT_HOSTS") {
            delivery.extra_chat_hosts = parse_hosts("HERALD_EXTRA_CHAT_HOSTS", &v)?;
        }
        if let Some(v) = env("HERALD_DISABLE_MIN_FAILURES") {
            delivery.disable_min_failures = parse_count("HERALD_DISABLE_MIN_FAILURES", &v)? as u32;
        }
        let mut auth = AuthConfig::default();
        if let Some(v) = env("HERALD_SESSION_TTL") {
            auth.session_ttl = parse_duration("HERALD_SESSION_TTL", &v)?;
            if auth.session_ttl < Duration::from_secs(60) {
                anyhow::bail!("HERALD_SESSION_TTL: `{v}` is shorter than a minute");
            }
        }
        if let Some(v) = env("HERALD_TRUSTED_PROXIES") {
            auth.trusted_proxies =
                AllowList::parse(&v).map_err(|e| anyhow::anyhow!("HERALD_TRUSTED_PROXIES: {e}"))?;
        }
        Ok(Config {
            database_url,
            data_dir,
            public_url: public_url.trim_end_matches('/').to_string(),
            delivery,
            auth,
        })
    }

    /// Session cookies carry `Secure` when Herald is reached over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("X", "10s").unwrap(), Duration::from_secs(10));
        assert_eq!(
            parse_duration("X", "250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            parse_duration("X", "5d").unwrap(),
            Duration::from_secs(432_000)
        );
        assert_eq!(parse_duration("X", "3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("X", "ten")
            .unwrap_err()
            .to_string()
            .contains("X"));
        assert!(parse_duration("X", "5w").is_err());
    }

    #[test]
    fn chat_hosts() {
        assert_eq!(
            parse_hosts("X", " Chat.example.com:8065, ,127.0.0.1").unwrap(),
            vec!["chat.example.com:8065", "127.0.0.1"]
        );
        assert!(parse_hosts("X", "https://chat.example.com")
            .unwrap_err()
            .to_string()
            .contains("X: `https://chat.example.com`"));
    }
}
