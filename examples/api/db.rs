//! The database behind the service: one connection pool, of whichever engine the URL names.
//!
//! setql runs a query set on any sqlx pool, and each engine's pool is its own type, so the
//! service holds an enum of the three and [`with_pool!`] runs one piece of code on whichever
//! it holds. PostgreSQL and MySQL/MariaDB exist only when their features are on.

use std::time::Duration;

use sea_query_sqlx::SqlxBinder;
#[cfg(feature = "mysql")]
use setql::sea_query::MysqlQueryBuilder;
#[cfg(feature = "postgres")]
use setql::sea_query::PostgresQueryBuilder;
use setql::sea_query::{SchemaStatementBuilder, SqliteQueryBuilder};
use setql::sqlx::sqlite::SqlitePoolOptions;
use setql::sqlx::{self, AssertSqlSafe, SqlitePool};

/// How the pool is sized and how long a request may wait for a connection.
#[derive(Debug, Clone)]
pub(crate) struct PoolConfig {
    /// The most connections open at once.
    pub(crate) max_connections: u32,
    /// How long a query waits for a free connection before it fails.
    pub(crate) acquire_timeout: Duration,
}

/// A connection pool of one engine.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// A PostgreSQL server.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// A MySQL or MariaDB server.
    #[cfg(feature = "mysql")]
    MySql(sqlx::MySqlPool),
}

/// Runs `$body` with `$pool` bound to the engine's own pool: `with_pool!(pool, |p| set.count(p).await)`.
macro_rules! with_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::db::Pool::Sqlite($p) => $body,
            #[cfg(feature = "postgres")]
            $crate::db::Pool::Postgres($p) => $body,
            #[cfg(feature = "mysql")]
            $crate::db::Pool::MySql($p) => $body,
        }
    };
}
pub(crate) use with_pool;

impl Pool {
    /// Opens a pool on `url`: `sqlite::memory:` (or a SQLite file), `postgres://…` or
    /// `mysql://…` (MariaDB too).
    pub(crate) async fn connect(url: &str, config: &PoolConfig) -> Result<Pool, sqlx::Error> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => {
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                let mut options = SqlitePoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(config.acquire_timeout);
                if in_memory {
                    // An in-memory database lives as long as one connection to it is open.
                    options = options
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None);
                }
                Ok(Pool::Sqlite(options.connect(url).await?))
            }
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => {
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(config.acquire_timeout)
                    .connect(url)
                    .await?;
                Ok(Pool::Postgres(pool))
            }
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => {
                let pool = sqlx::mysql::MySqlPoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(config.acquire_timeout)
                    .connect(url)
                    .await?;
                Ok(Pool::MySql(pool))
            }
            other => Err(sqlx::Error::Configuration(
                format!(
                    "no engine for `{other}:` URLs in this build: use sqlite:, or turn on the \
                     postgres or mysql feature (`--all-features`)"
                )
                .into(),
            )),
        }
    }

    /// Waits for every connection to be returned, then closes them.
    pub(crate) async fn close(&self) {
        with_pool!(self, |pool| pool.close().await);
    }

    /// Runs a schema statement (`CREATE TABLE`, `DROP TABLE`, …), written for this engine.
    pub(crate) async fn run_schema(
        &self,
        statement: &impl SchemaStatementBuilder,
    ) -> sqlx::Result<()> {
        let sql = match self {
            Pool::Sqlite(_) => statement.to_string(SqliteQueryBuilder),
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => statement.to_string(PostgresQueryBuilder),
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => statement.to_string(MysqlQueryBuilder),
        };
        with_pool!(self, |pool| {
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(pool).await?;
        });
        Ok(())
    }

    /// Runs an `INSERT`, `UPDATE` or `DELETE` with its values bound, in a transaction that
    /// runs again if the database gives it up for another (`setql::Retry`), and returns the
    /// number of rows it changed.
    pub(crate) async fn execute(&self, statement: &impl SqlxBinder) -> setql::Result<u64> {
        let (sql, values) = match self {
            Pool::Sqlite(_) => statement.build_sqlx(SqliteQueryBuilder),
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => statement.build_sqlx(PostgresQueryBuilder),
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => statement.build_sqlx(MysqlQueryBuilder),
        };
        // Named statements unless setql was told a transaction pooler is in front.
        let named = setql::prepared_statements() == setql::PreparedStatements::Named;
        let done = with_pool!(self, |pool| {
            setql::Retry::default()
                .transaction(pool, |tx| {
                    let (sql, values) = (sql.clone(), values.clone());
                    Box::pin(async move {
                        let done = sqlx::query_with(AssertSqlSafe(sql), values)
                            .persistent(named)
                            .execute(&mut **tx)
                            .await?;
                        Ok(done.rows_affected())
                    })
                })
                .await?
        });
        Ok(done)
    }
}

impl From<SqlitePool> for Pool {
    fn from(pool: SqlitePool) -> Pool {
        Pool::Sqlite(pool)
    }
}

#[cfg(feature = "postgres")]
impl From<sqlx::PgPool> for Pool {
    fn from(pool: sqlx::PgPool) -> Pool {
        Pool::Postgres(pool)
    }
}

#[cfg(feature = "mysql")]
impl From<sqlx::MySqlPool> for Pool {
    fn from(pool: sqlx::MySqlPool) -> Pool {
        Pool::MySql(pool)
    }
}
