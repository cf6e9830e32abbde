//! Running query sets through sqlx: fetching, streaming, counting and single-row lookups.
//!
//! Every method renders first, so misuse is reported before anything is sent, and a set
//! that is empty by construction returns at once without touching the executor.

mod backend;
mod shortcuts;

pub use backend::Backend;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt, stream};
use sqlx::{AssertSqlSafe, Database, Executor, FromRow};
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::query::QueryChain;
use crate::query::node::Node;
use crate::render::{self, Statement};
use backend::Bound;
use backend::private::Sealed as _;

/// A statement ready to send: its SQL and its bound values.
struct Prepared<DB: Database> {
    sql: String,
    arguments: Bound<DB>,
}

/// Renders `statement` for `DB`, or `None` when there is nothing to run.
fn prepare<DB: Backend>(statement: Result<Statement>) -> Result<Option<Prepared<DB>>> {
    let statement = statement?;
    if statement.is_empty() {
        return Ok(None);
    }
    let (sql, values) = statement.build(DB::DIALECT);
    Ok(Some(Prepared {
        sql,
        arguments: Bound(DB::arguments(values)),
    }))
}

/// Execution for every query set, over any sqlx executor of a supported database:
/// `&Pool`, `&mut PoolConnection`, `&mut Transaction`, or a connection.
///
/// Methods take `&self`, so one set can be counted and then fetched.
pub trait Execute: QueryChain {
    /// Every row.
    ///
    /// # Errors
    /// Misuse in the chain (nothing is sent), or [`Error::Query`] with the failed SQL.
    fn fetch_all<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<Vec<R>>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
        R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
    {
        fetch_all_rendered(render::render(self.node(), E::Database::DIALECT), executor)
    }

    /// The rows as a stream, fetched as they are read.
    ///
    /// Misuse arrives as the stream's only item.
    fn fetch<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxStream<'e, Result<R>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
        R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
    {
        match prepare::<E::Database>(render::render(self.node(), E::Database::DIALECT)) {
            Err(error) => stream::once(async { Err(error) }).boxed(),
            Ok(None) => stream::empty().boxed(),
            Ok(Some(Prepared { sql, arguments })) => {
                tracing::debug!(sql = %sql, "setql.fetch");
                sqlx::query_as_with::<_, R, _>(AssertSqlSafe(sql.clone()), arguments)
                    .fetch(executor)
                    .map_err(move |source| Error::query(&sql, source))
                    .boxed()
            }
        }
    }

    /// The first row the database returns, or `None`.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn fetch_optional<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<Option<R>>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
        R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
    {
        fetch_optional_node(self.node().clone(), executor)
    }

    /// The first row the database returns.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no row; otherwise as [`fetch_all`](Self::fetch_all).
    fn fetch_one<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<R>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
        R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
    {
        let row = fetch_optional_node(self.node().clone(), executor);
        async move { row.await?.ok_or(Error::NotFound) }.boxed()
    }

    /// The first row in the set's order; an unordered set is ordered by its declared key,
    /// or else by its first output column.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn first<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<Option<R>>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
        R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
    {
        let node = shortcuts::take(shortcuts::ensure_ordered(self.node().clone()), 1);
        fetch_optional_node(node, executor)
    }

    /// The last row in the set's order, chosen as [`first`](Self::first) chooses.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn last<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<Option<R>>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
        R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
    {
        let reversed = shortcuts::ensure_ordered(self.node().clone()).reverse_order();
        fetch_optional_node(shortcuts::take(reversed, 1), executor)
    }

    /// Exactly one row.
    ///
    /// # Errors
    /// [`Error::NotFound`] for no row, [`Error::MultipleRows`] with the count for more than one.
    fn get<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<R>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
        R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
    {
        let prepared = prepare::<E::Database>(render::render(self.node(), E::Database::DIALECT));
        async move {
            let Some(Prepared { sql, arguments }) = prepared? else {
                return Err(Error::NotFound);
            };
            let failed = |source| Error::query(&sql, source);
            tracing::debug!(sql = %sql, "setql.get");
            // One statement, so any executor works (a `&mut` connection cannot run two): the
            // first row is decoded and the rest are only counted, for the error.
            let mut rows = sqlx::query_with(AssertSqlSafe(sql.clone()), arguments).fetch(executor);
            let Some(first) = rows.try_next().await.map_err(failed)? else {
                return Err(Error::NotFound);
            };
            let mut count = 1_u64;
            while rows.try_next().await.map_err(failed)?.is_some() {
                count += 1;
            }
            if count > 1 {
                return Err(Error::MultipleRows { count });
            }
            R::from_row(&first).map_err(failed)
        }
        .boxed()
    }

    /// Whether the set has any row; reads at most one.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn exists<'e, 'c: 'e, E>(&self, executor: E) -> BoxFuture<'e, Result<bool>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
    {
        let counted = count_node(shortcuts::take(self.node().clone(), 1), executor);
        async move { Ok(counted.await? > 0) }.boxed()
    }

    /// The number of rows, counted in the database; a slice is respected.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn count<'e, 'c: 'e, E>(&self, executor: E) -> BoxFuture<'e, Result<u64>>
    where
        E: Executor<'c> + 'e,
        E::Database: Backend,
    {
        count_node(self.node().clone(), executor)
    }
}

impl<T: QueryChain> Execute for T {}

fn fetch_all_rendered<'e, 'c: 'e, E, R>(
    statement: Result<Statement>,
    executor: E,
) -> BoxFuture<'e, Result<Vec<R>>>
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
    R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
{
    let prepared = prepare::<E::Database>(statement);
    async move {
        let Some(Prepared { sql, arguments }) = prepared? else {
            return Ok(Vec::new());
        };
        let span = tracing::debug_span!("setql.fetch_all", sql = %sql);
        sqlx::query_as_with::<_, R, _>(AssertSqlSafe(sql.clone()), arguments)
            .fetch_all(executor)
            .instrument(span)
            .await
            .map_err(|source| Error::query(&sql, source))
    }
    .boxed()
}

fn fetch_optional_node<'e, 'c: 'e, E, R>(
    node: Node,
    executor: E,
) -> BoxFuture<'e, Result<Option<R>>>
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
    R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
{
    let prepared = prepare::<E::Database>(render::render(&node, E::Database::DIALECT));
    async move {
        let Some(Prepared { sql, arguments }) = prepared? else {
            return Ok(None);
        };
        let span = tracing::debug_span!("setql.fetch_optional", sql = %sql);
        sqlx::query_as_with::<_, R, _>(AssertSqlSafe(sql.clone()), arguments)
            .fetch_optional(executor)
            .instrument(span)
            .await
            .map_err(|source| Error::query(&sql, source))
    }
    .boxed()
}

fn count_node<'e, 'c: 'e, E>(node: Node, executor: E) -> BoxFuture<'e, Result<u64>>
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
{
    let prepared = prepare::<E::Database>(render::render_count(&node, E::Database::DIALECT));
    async move {
        let Some(Prepared { sql, arguments }) = prepared? else {
            return Ok(0);
        };
        let span = tracing::debug_span!("setql.count", sql = %sql);
        let row = sqlx::query_with(AssertSqlSafe(sql.clone()), arguments)
            .fetch_one(executor)
            .instrument(span)
            .await
            .map_err(|source| Error::query(&sql, source))?;
        let count = E::Database::read_count(&row).map_err(|source| Error::query(&sql, source))?;
        // COUNT(*) is a signed 64-bit integer on every engine; it is never negative.
        u64::try_from(count).map_err(|_| Error::Decode(format!("COUNT(*) returned {count}")))
    }
    .boxed()
}
