//! The NOT NULL columns of the tables a set reads, learnt from the database's catalog.
//!
//! A column that holds no NULL needs no NULLS clause in an ordering (which keeps PostgreSQL's
//! indexes usable), no `IS NULL` term in a keyset cursor's predicate (which keeps every
//! engine's range scans usable), and can identify the rows a write changes. A caller may
//! declare such columns (`primary_key`, `not_null`); setql also reads them from the catalog
//! the first time it runs a set over a table, on the same connection, and keeps them for the
//! life of the process, per engine and table name. After that, running a set over the table
//! costs a lookup in memory.
//!
//! The one assumption: within a process, a table name on one engine names tables with the
//! same NOT NULL columns. A process that reaches two databases whose tables of one name
//! differ there, or that makes a column nullable while it runs, calls [`forget_catalog`].
//! `to_sql`, `build` and `explain` use declarations only, so they read the same in every
//! process.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use sqlx::Connection as _;

use super::backend::Backend;
use super::raw;
use crate::Dialect;
use crate::query::node::Node;

/// Each table's NOT NULL columns, as the catalog said.
type Known = HashMap<String, Arc<[String]>>;

/// What the catalogs said, one map per engine, so that a lookup by name allocates nothing.
static NOT_NULL: LazyLock<[RwLock<Known>; 3]> = LazyLock::new(Default::default);

fn known(dialect: Dialect) -> &'static RwLock<Known> {
    &NOT_NULL[match dialect {
        Dialect::Sqlite => 0,
        Dialect::Postgres => 1,
        Dialect::MySql => 2,
    }]
}

/// Forgets every table's NOT NULL columns that setql read from a catalog, so that each is
/// read again the next time a set over it runs: after a migration that makes a column
/// nullable, in a process that keeps running.
pub fn forget_catalog() {
    for dialect in Dialect::ALL {
        if let Ok(mut known) = known(dialect).write() {
            known.clear();
        }
    }
}

/// `node` with the NOT NULL columns the catalog is known to have declared, and the tables it
/// reads that the catalog has not been asked about yet.
pub(crate) fn applied(node: &Node, dialect: Dialect) -> (Option<Node>, Vec<String>) {
    let Ok(known) = known(dialect).read() else {
        return (None, Vec::new());
    };
    let unknown = std::cell::RefCell::new(Vec::new());
    let lookup = |table: &str| {
        let columns = known.get(table).cloned();
        if columns.is_none() {
            let mut unknown = unknown.borrow_mut();
            if !unknown.iter().any(|seen: &String| seen == table) {
                unknown.push(table.to_owned());
            }
        }
        columns
    };
    let learnt = node.with_catalog(&lookup);
    (learnt, unknown.into_inner())
}

/// Asks the catalog about `tables` on `conn`, and keeps what it says. A table the catalog
/// does not know is asked about again next time; a failure to ask is only logged: the set
/// then runs on what was declared.
pub(crate) async fn learn<DB: Backend>(conn: &mut DB::Connection, tables: &[String]) {
    // Inside the caller's transaction, a failed statement would abort it on PostgreSQL, so
    // the catalog is read inside a savepoint there, which a failure only rolls back to.
    if conn.is_in_transaction() {
        if let Ok(mut savepoint) = conn.begin().await
            && ask::<DB>(&mut savepoint, tables).await
        {
            let _ = savepoint.commit().await;
        }
        return;
    }
    ask::<DB>(conn, tables).await;
}

/// Reads `tables` from the catalog; whether every statement ran.
async fn ask<DB: Backend>(conn: &mut DB::Connection, tables: &[String]) -> bool {
    for table in tables {
        // Part of the execution that needed it, so inside its span, not one of its own.
        let (sql, values) = crate::dialect::catalog::columns(DB::DIALECT, table);
        let rows = match DB::fetch_all(conn, sql, values).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::debug!(%error, table, "setql could not read the catalog");
                return false;
            }
        };
        if rows.is_empty() {
            continue;
        }
        let not_null: Vec<String> = rows
            .iter()
            .filter(|row| raw::int::<DB>(row, 1).is_ok_and(|flag| flag != 0))
            .filter_map(|row| raw::text::<DB>(row, 0).ok().flatten())
            .collect();
        if let Ok(mut known) = known(DB::DIALECT).write() {
            known.insert(table.clone(), not_null.into());
        }
    }
    true
}
