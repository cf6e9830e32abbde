//! Statements that are not a query set's own: the object-set store's DDL, bookkeeping and
//! member writes, run on one connection inside the store's transaction.

use sea_query::Values;

use super::backend::Backend;
use super::trace::{self, Trace};
use crate::error::{Error, Result};

/// The span of one statement of the store, as every execution has one (see `trace`).
fn traced<DB: Backend>(sql: &str) -> Trace {
    let trace = Trace::new("object_set", DB::DIALECT);
    trace.record_sql(sql);
    trace
}

/// Runs `sql` with `values`, returning the rows it matched.
pub(crate) async fn run<DB: Backend>(
    conn: &mut DB::Connection,
    (sql, values): (String, Values),
) -> Result<u64> {
    let trace = traced::<DB>(&sql);
    let work = async {
        let result = DB::execute(conn, sql.clone(), values)
            .await
            .map_err(|source| Error::query(&sql, source))?;
        Ok(DB::rows_affected(&result))
    };
    trace.run(work, |rows| *rows).await
}

/// Runs `sql`, which binds nothing (DDL, session settings).
pub(crate) async fn run_plain<DB: Backend>(conn: &mut DB::Connection, sql: &str) -> Result<()> {
    let work = async {
        DB::execute_plain(conn, sql.to_owned())
            .await
            .map_err(|source| Error::query(sql, source))
    };
    traced::<DB>(sql)
        .run(work, DB::rows_affected)
        .await
        .map(drop)
}

/// The rows of `sql` with `values`.
pub(crate) async fn rows<DB: Backend>(
    conn: &mut DB::Connection,
    (sql, values): (String, Values),
) -> Result<Vec<DB::Row>> {
    let trace = traced::<DB>(&sql);
    let work = async {
        DB::fetch_all(conn, sql.clone(), values)
            .await
            .map_err(|source| Error::query(&sql, source))
    };
    trace.run(work, |rows| trace::count(rows)).await
}

/// Runs an INSERT of one row and returns the id it allocated: from its `RETURNING` column
/// when `returning`, otherwise as the engine reports it with the result.
pub(crate) async fn insert_id<DB: Backend>(
    conn: &mut DB::Connection,
    (sql, values, returning): (String, Values, bool),
) -> Result<i64> {
    let trace = traced::<DB>(&sql);
    let work = async {
        let failed = |source| Error::query(&sql, source);
        if returning {
            let rows = DB::fetch_all(conn, sql.clone(), values)
                .await
                .map_err(failed)?;
            let row = rows.first().ok_or(Error::NotFound)?;
            Ok(Some(DB::read_i64_at(row, 0).map_err(failed)?))
        } else {
            let result = DB::execute(conn, sql.clone(), values)
                .await
                .map_err(failed)?;
            Ok(DB::last_insert_id(&result))
        }
    };
    let id = trace.run(work, |_| 1).await?;
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
