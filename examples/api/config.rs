//! The service's settings, from the environment, with defaults that run as they are.

use std::net::SocketAddr;
use std::time::Duration;

use crate::db::PoolConfig;

/// How the service runs.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// `DATABASE_URL`: `sqlite::memory:` (the default), `postgres://…` or `mysql://…`.
    pub(crate) database_url: String,
    /// `API_ADDR`: where `--serve` listens; `127.0.0.1:3000` by default.
    pub(crate) addr: SocketAddr,
    /// `API_TABLE_PREFIX`: the feed's tables are `{prefix}posts` and `{prefix}comments`,
    /// replaced at start; `setql_api_` by default.
    pub(crate) table_prefix: String,
    /// `API_POOL_SIZE` connections (8 by default).
    pub(crate) pool: PoolConfig,
    /// `API_REQUEST_TIMEOUT_MS`: a request still running after this is answered with 503
    /// (5,000 ms by default).
    pub(crate) request_timeout: Duration,
}

impl Config {
    /// The settings for a pool of `pool_size` connections and requests of at most `timeout`.
    pub(crate) fn new(database_url: &str, pool_size: u32, timeout: Duration) -> Config {
        Config {
            database_url: database_url.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            table_prefix: "setql_api_".to_owned(),
            pool: PoolConfig {
                max_connections: pool_size,
                // A request that gets no connection in half its time answers 503 itself,
                // before the timeout cuts it off.
                acquire_timeout: timeout / 2,
            },
            request_timeout: timeout,
        }
    }

    /// The settings the environment names, the defaults for the rest.
    pub(crate) fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let number = |name: &str, default: u64| match var(name) {
            None => Ok(default),
            Some(value) => value
                .parse::<u64>()
                .map_err(|_| format!("{name} must be a whole number, not {value:?}")),
        };
        let pool_size = u32::try_from(number("API_POOL_SIZE", 8)?)
            .map_err(|_| "API_POOL_SIZE is too large".to_owned())?;
        if pool_size == 0 {
            return Err("API_POOL_SIZE must be at least 1".to_owned());
        }
        let timeout = Duration::from_millis(number("API_REQUEST_TIMEOUT_MS", 5_000)?);
        if timeout.is_zero() {
            return Err("API_REQUEST_TIMEOUT_MS must be at least 1".to_owned());
        }
        let url = var("DATABASE_URL").unwrap_or_else(|| "sqlite::memory:".to_owned());
        let mut config = Config::new(&url, pool_size, timeout);
        if let Some(addr) = var("API_ADDR") {
            config.addr = addr
                .parse()
                .map_err(|_| format!("API_ADDR must be host:port, not {addr:?}"))?;
        }
        if let Some(prefix) = var("API_TABLE_PREFIX") {
            config.table_prefix = prefix;
        }
        Ok(config)
    }
}
