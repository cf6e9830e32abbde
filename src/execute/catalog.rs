//! What the database's catalog says of the tables a set reads: their NOT NULL columns and
//! their ordered indexes.
//!
//! A column that holds no NULL needs no NULLS clause in an ordering (which keeps PostgreSQL's
//! indexes usable), no `IS NULL` term in a keyset cursor's predicate (which keeps every
//! engine's range scans usable), and can identify the rows a write changes. A caller may
//! declare such columns (`primary_key`, `not_null`). The indexes tell the planner whether an
//! index hands a union's branch its rows in the page's order (see `plan`). setql reads both
//! from the catalog the first time it runs a set over a table, on the same connection, with
//! the table's estimated size, and keeps them per engine and table name for ten minutes,
//! after which the next set over the table reads them again. In between, running a set over
//! the table costs a lookup in memory.
//!
//! The one assumption: within a process, a table name on one engine names tables with the
//! same NOT NULL columns and indexes. A process that reaches two databases whose tables of
//! one name differ there, or that makes a column nullable and cannot wait ten minutes for
//! setql to notice, calls [`forget_catalog`].
//! `to_sql`, `build` and `explain` use declarations only, so they read the same in every
//! process.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};

use sqlx::Connection as _;

use super::backend::Backend;
use super::raw;
use crate::Dialect;
use crate::error::{Error, Result};
use crate::query::node::Node;
use crate::query::nullability::TableFacts;

/// What the catalog said of each table, and when.
type Known = HashMap<String, (TableFacts, Instant)>;

/// How long what the catalog said is trusted before it is read again: a table's size, and
/// which indexes it has, change while a process runs.
const FRESH_FOR: Duration = Duration::from_secs(600);

/// What the catalogs said, one map per engine, so that a lookup by name allocates nothing.
static NOT_NULL: LazyLock<[RwLock<Known>; 3]> = LazyLock::new(Default::default);

fn known(dialect: Dialect) -> &'static RwLock<Known> {
    &NOT_NULL[match dialect {
        Dialect::Sqlite => 0,
        Dialect::Postgres => 1,
        Dialect::MySql => 2,
    }]
}

/// Forgets every table's NOT NULL columns and indexes that setql read from a catalog, so
/// that each is read again the next time a set over it runs: after a migration that makes
/// a column nullable or changes indexes, in a process that keeps running.
pub fn forget_catalog() {
    for dialect in Dialect::ALL {
        if let Ok(mut known) = known(dialect).write() {
            known.clear();
        }
    }
}

/// `node` with what the catalog is known to have said (NOT NULL columns, indexes), and the
/// tables it reads that the catalog has not been asked about yet.
pub(crate) fn applied(node: &Node, dialect: Dialect) -> (Option<Node>, Vec<String>) {
    let Ok(known) = known(dialect).read() else {
        return (None, Vec::new());
    };
    let unknown = std::cell::RefCell::new(Vec::new());
    // What is known is used even when it is due to be read again, which happens before
    // the statement is rendered a second time and sent.
    let lookup = |table: &str| {
        let entry = known.get(table);
        if entry.is_none_or(|(_, read)| read.elapsed() > FRESH_FOR) {
            let mut unknown = unknown.borrow_mut();
            if !unknown.iter().any(|seen: &String| seen == table) {
                unknown.push(table.to_owned());
            }
        }
        entry.map(|(facts, _)| facts.clone())
    };
    let learnt = node.with_catalog(&lookup);
    (learnt, unknown.into_inner())
}

/// Asks the catalog about `tables` on `conn`, and keeps what it says. A table the catalog
/// does not know is asked about again next time; a failure to ask is only logged, and the
/// set then runs on what was declared.
///
/// # Errors
/// A failure that leaves no transaction or no connection to run the set in: a conflict
/// ([`Error::Retryable`]: the engine rolled the whole transaction back, savepoints and all,
/// as Galera does when it aborts a transaction for another node's) or a lost connection.
/// Swallowed, it would come back as a misleading error of the next statement ("SAVEPOINT
/// does not exist"), and a retry loop would not know to run the transaction again.
pub(crate) async fn learn<DB: Backend>(conn: &mut DB::Connection, tables: &[String]) -> Result<()> {
    // Inside the caller's transaction, a failed statement would abort it on PostgreSQL, so
    // the catalog is read inside a savepoint there, which a failure only rolls back to.
    if conn.is_in_transaction() {
        let mut savepoint = match conn.begin().await {
            Ok(savepoint) => savepoint,
            Err(error) => return fatal(error.into()),
        };
        return match ask::<DB>(&mut savepoint, tables).await {
            Ok(()) => savepoint.commit().await.map_err(Error::from).or_else(fatal),
            Err(error) => {
                fatal(error)?;
                savepoint
                    .rollback()
                    .await
                    .map_err(Error::from)
                    .or_else(fatal)
            }
        };
    }
    ask::<DB>(conn, tables).await.or_else(fatal)
}

/// `Ok` for a failure to read the catalog that the set can run after (logged); the error
/// itself when it leaves nothing to run in.
fn fatal(error: Error) -> Result<()> {
    if matches!(error, Error::Retryable { .. } | Error::Connection { .. }) {
        return Err(error);
    }
    tracing::debug!(%error, "setql could not read the catalog");
    Ok(())
}

/// Reads `tables` from the catalog.
async fn ask<DB: Backend>(conn: &mut DB::Connection, tables: &[String]) -> Result<()> {
    for table in tables {
        // Part of the execution that needed it, so inside its span, not one of its own.
        let (sql, values) = crate::dialect::catalog::columns(DB::DIALECT, table);
        let columns = rows::<DB>(conn, sql, values).await?;
        if columns.is_empty() {
            continue;
        }
        let not_null: Vec<String> = columns
            .iter()
            .filter(|row| raw::int::<DB>(row, 1).is_ok_and(|flag| flag != 0))
            .filter_map(|row| raw::text::<DB>(row, 0).ok().flatten())
            .collect();
        let (sql, values) = crate::dialect::catalog::indexes(DB::DIALECT, table);
        let index_rows = rows::<DB>(conn, sql, values).await?;
        let facts = TableFacts {
            not_null: not_null.into(),
            indexes: indexes::<DB>(&index_rows).into(),
            rows: columns
                .first()
                .and_then(|row| raw::int::<DB>(row, 2).ok())
                .and_then(|rows| u64::try_from(rows).ok()),
        };
        if let Ok(mut known) = known(DB::DIALECT).write() {
            known.insert(table.clone(), (facts, Instant::now()));
        }
    }
    Ok(())
}

/// The rows of one catalog statement.
async fn rows<DB: Backend>(
    conn: &mut DB::Connection,
    sql: String,
    values: sea_query::Values,
) -> Result<Vec<DB::Row>> {
    DB::fetch_all(conn, sql.clone(), values)
        .await
        .map_err(|source| Error::query(&sql, source))
}

/// Each index's columns in order, from `(index, position, column)` rows sorted by index and
/// position; an index is cut at its first expression, which no column ordering matches.
fn indexes<DB: Backend>(rows: &[DB::Row]) -> Vec<Arc<[String]>> {
    let mut indexes: Vec<(String, Vec<String>, bool)> = Vec::new();
    for row in rows {
        let Ok(Some(index)) = raw::text::<DB>(row, 0) else {
            continue;
        };
        let column = raw::text::<DB>(row, 2).ok().flatten();
        if indexes.last().is_none_or(|(name, ..)| *name != index) {
            indexes.push((index, Vec::new(), false));
        }
        if let Some((_, columns, cut)) = indexes.last_mut() {
            match column {
                Some(column) if !*cut => columns.push(column),
                _ => *cut = true,
            }
        }
    }
    indexes
        .into_iter()
        .filter(|(_, columns, _)| !columns.is_empty())
        .map(|(_, columns, _)| columns.into())
        .collect()
}
