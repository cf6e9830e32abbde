//! What every object-set operation does around its statements: begin a write transaction,
//! lock the sets it reads and writes, and keep each set's `count` and `modified` exact.

use std::time::{SystemTime, UNIX_EPOCH};

use sea_query::{Alias, Expr, ExprTrait, Query};
use sqlx::{AssertSqlSafe, Connection, Transaction};

use super::Kind;
use crate::error::{Error, Result};
use crate::execute::raw;
use crate::execute::{Attempts, Backend, Retry};
use crate::render::object_set::{self as statements, Tables};

/// Begins the operation's transaction: a savepoint inside the caller's transaction, else a
/// write transaction begun as the engine needs (see `render::object_set`).
pub(super) async fn begin<DB>(conn: &mut DB::Connection) -> Result<Transaction<'_, DB>>
where
    DB: Backend,
{
    if conn.is_in_transaction() {
        return Ok(conn.begin().await?);
    }
    let (before, begin) = statements::write_transaction(DB::DIALECT);
    if let Some(sql) = before {
        raw::run_plain::<DB>(conn, sql).await?;
    }
    Ok(match begin {
        Some(sql) => conn.begin_with(AssertSqlSafe(sql)).await?,
        None => conn.begin().await?,
    })
}

/// The tries of an operation on `conn`: run again after a retryable error as `retry` allows
/// when the operation begins its own transaction, and never inside the caller's, whose
/// earlier statements the engine rolled back with it.
pub(super) fn attempts<DB: Backend>(conn: &DB::Connection, retry: &Retry) -> Attempts {
    Attempts::new(retry, !conn.is_in_transaction())
}

/// Runs `$body`, the contents of an async block that yields `Result<$ty>`, on `$conn`, and
/// again after a retryable error as `$retry` allows when the operation owns its
/// transaction (see [`attempts`]); evaluates to the last try's outcome. A macro, not a
/// function taking a closure, because each try borrows the connection and the set mutably.
macro_rules! tries {
    ($conn:ident, $retry:expr, $ty:ty, $body:block) => {{
        let mut attempts = transaction::attempts::<DB>(&$conn, $retry);
        loop {
            let outcome: $crate::error::Result<$ty> = async $body.await;
            if let Some(done) = attempts.settle(outcome).await {
                break done;
            }
        }
    }};
}
pub(super) use tries;

/// Commits the operation's transaction. A failure here (a Galera certification failure
/// is raised at COMMIT) names the statement as `COMMIT`.
pub(super) async fn commit<DB: Backend>(tx: Transaction<'_, DB>) -> Result<()> {
    tx.commit()
        .await
        .map_err(|source| Error::query("COMMIT", source))
}

/// Locks the rows of sets `ids` of `kind` visible to its store's owner, in id order, so
/// that two operations on the same sets take their locks in one order and cannot deadlock.
/// Returns each set's stored count, in the order of `ids`.
///
/// # Errors
/// [`Error::NotFound`] when one of them is not such a set (deleted, another owner's, or
/// never created).
pub(super) async fn lock<DB>(
    conn: &mut DB::Connection,
    kind: &Kind,
    ids: &[i64],
) -> Result<Vec<u64>>
where
    DB: Backend,
{
    let owner_key = kind.store.owner_key()?;
    kind.store.check_exact::<DB>(conn).await?;
    let mut order: Vec<i64> = ids.to_vec();
    order.sort_unstable();
    order.dedup();
    let mut counts = Vec::with_capacity(order.len());
    for &id in &order {
        let sql = statements::lock_set(&kind.store.tables, id, &kind.table, owner_key, DB::DIALECT);
        let rows = raw::rows::<DB>(conn, sql).await?;
        let row = rows.first().ok_or(Error::NotFound)?;
        counts.push((id, count(raw::int::<DB>(row, 0)?)));
    }
    Ok(ids
        .iter()
        .map(|id| {
            counts
                .iter()
                .find(|(locked, _)| locked == id)
                .map_or(0, |&(_, n)| n)
        })
        .collect())
}

/// Refuses a kind whose table or key column does not exist, by reading no row of it.
pub(super) async fn check_kind<DB>(conn: &mut DB::Connection, kind: &Kind) -> Result<()>
where
    DB: Backend,
{
    let probe = Query::select()
        .column(Alias::new(&kind.key))
        .from(Alias::new(&kind.table))
        .and_where(Expr::val(1).eq(0))
        .to_owned();
    // Only the engine's "no such table" or "no such column" makes the kind unknown; any other
    // failure (a permission, a lock timeout, a pooler's error) is passed on with its code.
    match raw::rows::<DB>(conn, statements::build(&probe, DB::DIALECT)).await {
        Ok(_) => Ok(()),
        Err(error) => match error.into_undefined_object() {
            Ok(source) => Err(Error::UnknownKind {
                table: kind.table.clone(),
                key: kind.key.clone(),
                source,
            }),
            Err(other) => Err(other),
        },
    }
}

/// What an edit does to a set's stored `count`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Count {
    /// Moves it by this many members: written `count = count + n`, so that the row's
    /// current count is what moves, never a value the edit read earlier.
    By(i64),
    /// Sets it: for an edit that decides every member (create, replace, clear).
    To(u64),
}

/// Stores `count` and `modified` of set `id`.
pub(super) async fn store_count<DB>(
    conn: &mut DB::Connection,
    tables: &Tables,
    id: i64,
    count: Count,
    now: i64,
) -> Result<()>
where
    DB: Backend,
{
    let column = || Alias::new("count");
    let value = match count {
        Count::By(n) => Expr::col(column()).add(n),
        Count::To(n) => Expr::val(i64::try_from(n).unwrap_or(i64::MAX)),
    };
    let update = Query::update()
        .table(Alias::new(&tables.sets))
        .value(column(), value)
        .value(Alias::new("modified"), now)
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    raw::run::<DB>(conn, statements::build(&update, DB::DIALECT)).await?;
    Ok(())
}

/// A duplicate name as [`Error::DuplicateSetName`]; any other error as it is.
pub(super) fn duplicate_name(error: Error, kind: &Kind, name: &str) -> Error {
    match &error {
        Error::Query {
            driver: sqlx::Error::Database(database),
            ..
        } if database.is_unique_violation() => Error::DuplicateSetName {
            kind: kind.table.clone(),
            name: name.to_owned(),
        },
        _ => error,
    }
}

/// Now, in microseconds since the Unix epoch: how `created` and `modified` are stored.
pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
        })
}

/// A count read from the database, where it is never negative.
pub(super) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
