//! The engines a differential test runs on, each seeded with the fuzz tables, and reading a
//! set on all of them at once: rows, counts and cursor walks.

use setql::prelude::*;

use crate::common::plan::{AnySet, Pair, other_table, seed};
use crate::common::rows::{Fetched, Walk, ends_on, fetch_on, walk_on};

/// What `first()` and `last()` returned, or the error's text.
pub type Ends<R> = Result<(Option<R>, Option<R>), String>;

/// The reachable engines, each holding a table of [`table_rows`].
pub struct Engines {
    sqlite: sqlx::SqlitePool,
    #[cfg(feature = "postgres")]
    postgres: Option<sqlx::PgPool>,
    #[cfg(feature = "mysql")]
    mysql: Option<sqlx::MySqlPool>,
    pub table: String,
}

impl Engines {
    pub async fn open(prefix: &str) -> Engines {
        let table = crate::common::unique(prefix);
        let sqlite = crate::common::sqlite_pool().await;
        seed(&sqlite, &table).await;
        #[cfg(feature = "postgres")]
        let postgres = crate::common::postgres_pool().await;
        #[cfg(feature = "postgres")]
        if let Some(pool) = &postgres {
            seed(pool, &table).await;
        }
        #[cfg(feature = "mysql")]
        let mysql = crate::common::mysql_pool().await;
        #[cfg(feature = "mysql")]
        if let Some(pool) = &mysql {
            seed(pool, &table).await;
        }
        Engines {
            sqlite,
            #[cfg(feature = "postgres")]
            postgres,
            #[cfg(feature = "mysql")]
            mysql,
            table,
        }
    }

    pub fn names(&self) -> Vec<&'static str> {
        #[allow(unused_mut)]
        let mut names = vec!["sqlite"];
        #[cfg(feature = "postgres")]
        if self.postgres.is_some() {
            names.push("postgres");
        }
        #[cfg(feature = "mysql")]
        if self.mysql.is_some() {
            names.push("mysql");
        }
        names
    }

    /// Each engine's rows for `set` (sorted unless `ordered`), with its SQL.
    pub async fn rows(
        &self,
        set: &AnySet,
        ordered: bool,
    ) -> Vec<(&'static str, String, Result<Vec<Pair>, String>)> {
        self.fetch(set, ordered).await
    }

    /// Each engine's rows of type `R` for `set` (sorted unless `ordered`), with its SQL.
    pub async fn fetch<R: Fetched>(
        &self,
        set: &AnySet,
        ordered: bool,
    ) -> Vec<(&'static str, String, Result<Vec<R>, String>)> {
        #[allow(unused_mut)]
        let mut results = vec![("sqlite", fetch_on(&self.sqlite, set, ordered).await)];
        #[cfg(feature = "postgres")]
        if let Some(pool) = &self.postgres {
            results.push(("postgres", fetch_on(pool, set, ordered).await));
        }
        #[cfg(feature = "mysql")]
        if let Some(pool) = &self.mysql {
            results.push(("mysql", fetch_on(pool, set, ordered).await));
        }
        results
            .into_iter()
            .map(|(name, (rows, sql))| (name, sql, rows))
            .collect()
    }

    /// Each engine's `first()` and `last()` of `set`.
    pub async fn ends<R: Fetched>(&self, set: &AnySet) -> Vec<Ends<R>> {
        #[allow(unused_mut)]
        let mut ends = vec![ends_on(&self.sqlite, set).await];
        #[cfg(feature = "postgres")]
        if let Some(pool) = &self.postgres {
            ends.push(ends_on(pool, set).await);
        }
        #[cfg(feature = "mysql")]
        if let Some(pool) = &self.mysql {
            ends.push(ends_on(pool, set).await);
        }
        ends
    }

    /// Each engine's cursor walk over `set` (see [`walk_on`]), with its SQL.
    pub async fn walks<R: Fetched>(
        &self,
        set: &AnySet,
        per_page: u64,
        max_pages: usize,
    ) -> Vec<(&'static str, String, Result<Walk<R>, String>)> {
        let sql = |dialect| {
            crate::with_set!(set, |s| s.to_sql(dialect)).unwrap_or_else(|e| e.to_string())
        };
        #[allow(unused_mut)]
        let mut walks = vec![(
            "sqlite",
            sql(Dialect::Sqlite),
            walk_on(&self.sqlite, set, per_page, max_pages).await,
        )];
        #[cfg(feature = "postgres")]
        if let Some(pool) = &self.postgres {
            let walk = walk_on(pool, set, per_page, max_pages).await;
            walks.push(("postgres", sql(Dialect::Postgres), walk));
        }
        #[cfg(feature = "mysql")]
        if let Some(pool) = &self.mysql {
            let walk = walk_on(pool, set, per_page, max_pages).await;
            walks.push(("mysql", sql(Dialect::MySql), walk));
        }
        walks
    }

    /// Each engine's `count()` of `set`.
    pub async fn counts(&self, set: &AnySet) -> Vec<Result<u64, String>> {
        #[allow(unused_mut)]
        let mut counts = vec![count_on(&self.sqlite, set).await];
        #[cfg(feature = "postgres")]
        if let Some(pool) = &self.postgres {
            counts.push(count_on(pool, set).await);
        }
        #[cfg(feature = "mysql")]
        if let Some(pool) = &self.mysql {
            counts.push(count_on(pool, set).await);
        }
        counts
    }

    pub async fn close(self) {
        #[cfg(feature = "postgres")]
        if let Some(pool) = &self.postgres {
            crate::common::drop_table(pool, &self.table).await;
            crate::common::drop_table(pool, &other_table(&self.table)).await;
        }
        #[cfg(feature = "mysql")]
        if let Some(pool) = &self.mysql {
            crate::common::drop_table(pool, &self.table).await;
            crate::common::drop_table(pool, &other_table(&self.table)).await;
        }
    }
}

pub async fn count_on<DB>(pool: &sqlx::Pool<DB>, set: &AnySet) -> Result<u64, String>
where
    DB: setql::Backend,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
{
    crate::with_set!(set, |s| s.count(pool).await).map_err(|e| e.to_string())
}
