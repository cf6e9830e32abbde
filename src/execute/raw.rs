//! Statements that are not a query set's own: the object-set store's DDL, bookkeeping and
//! member writes, run on one connection inside the store's transaction.

use sea_query::Values;
use sqlx::{AssertSqlSafe, Executor};

use super::backend::{Backend, Bound};
use super::trace::{self, Trace};
use crate::error::{Error, Result};

/// The span of one statement of the store, as every execution has one (see `trace`).
fn traced<DB: Backend>(sql: &str) -> Trace {
    let trace = Trace::new("object_set", DB::DIALECT);
    trace.record_sql(sql);
    trace
}

/// Runs `sql` with `values`, returning the rows it matched.
pub(crate) async fn run<DB>(
    conn: &mut DB::Connection,
    (sql, values): (String, Values),
) -> Result<u64>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let arguments = Bound(DB::arguments(values));
    let work = async {
        let result = sqlx::query_with(AssertSqlSafe(sql.clone()), arguments)
            .execute(&mut *conn)
            .await
            .map_err(|source| Error::query(&sql, source))?;
        Ok(DB::rows_affected(&result))
    };
    traced::<DB>(&sql).run(work, |rows| *rows).await
}

/// Runs `sql`, which binds nothing (DDL, session settings).
pub(crate) async fn run_plain<DB>(conn: &mut DB::Connection, sql: &str) -> Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let work = async {
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut *conn)
            .await
            .map_err(|source| Error::query(sql, source))
    };
    traced::<DB>(sql)
        .run(work, DB::rows_affected)
        .await
        .map(drop)
}

/// The rows of `sql` with `values`.
pub(crate) async fn rows<DB>(
    conn: &mut DB::Connection,
    (sql, values): (String, Values),
) -> Result<Vec<DB::Row>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let arguments = Bound(DB::arguments(values));
    let work = async {
        sqlx::query_with(AssertSqlSafe(sql.clone()), arguments)
            .fetch_all(&mut *conn)
            .await
            .map_err(|source| Error::query(&sql, source))
    };
    traced::<DB>(&sql)
        .run(work, |rows| trace::count(rows))
        .await
}

/// Runs an INSERT of one row and returns the id it allocated: from its `RETURNING` column
/// when `returning`, otherwise as the engine reports it with the result.
pub(crate) async fn insert_id<DB>(
    conn: &mut DB::Connection,
    (sql, values, returning): (String, Values, bool),
) -> Result<i64>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let arguments = Bound(DB::arguments(values));
    let query = sqlx::query_with(AssertSqlSafe(sql.clone()), arguments);
    let work = async {
        if returning {
            let row = query
                .fetch_one(&mut *conn)
                .await
                .map_err(|source| Error::query(&sql, source))?;
            Ok(Some(
                DB::read_i64_at(&row, 0).map_err(|source| Error::query(&sql, source))?,
            ))
        } else {
            let result = query
                .execute(&mut *conn)
                .await
                .map_err(|source| Error::query(&sql, source))?;
            Ok(DB::last_insert_id(&result))
        }
    };
    let id = traced::<DB>(&sql).run(work, |_| 1).await?;
    id.ok_or_else(|| Error::Unsupported {
        dialect: DB::DIALECT,
        operation: "reading the id of an inserted object set",
    })
}

/// Column `index` of `row` as an integer.
pub(crate) fn int<DB: Backend>(row: &DB::Row, index: usize) -> Result<i64> {
    Ok(DB::read_i64_at(row, index)?)
}

/// Column `index` of `row` as text, or `None` for NULL.
pub(crate) fn text<DB: Backend>(row: &DB::Row, index: usize) -> Result<Option<String>> {
    Ok(DB::read_text_at(row, index)?)
}
