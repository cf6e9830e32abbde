//! The SQL dialects setql renders for, and what each engine can do.

use std::fmt;

/// An SQL engine family. Rendering differs per dialect; the rows returned do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite 3.35 or newer.
    Sqlite,
    /// PostgreSQL 12 or newer.
    Postgres,
    /// MySQL 8.0.31 or newer, or MariaDB 10.5 or newer.
    MySql,
}

impl Dialect {
    /// Every dialect, in a stable order.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql];

    /// Whether a compound member may be written in parentheses.
    ///
    /// SQLite's grammar has no parenthesised compound members, and sea-query's SQLite
    /// builder silently drops them, so nested or sliced members must become derived tables.
    #[must_use]
    pub fn supports_parenthesized_members(self) -> bool {
        !matches!(self, Dialect::Sqlite)
    }

    /// Whether counting a union of one table's rows is faster as a `UNION` of their keys
    /// than as one `SELECT COUNT(*) … WHERE p1 OR p2`. Measured on MariaDB 10.11 with
    /// 200,000 rows (W2): the OR scans the table, the key union reads two indexes, 3x
    /// faster. SQLite and PostgreSQL plan the OR well.
    #[must_use]
    pub fn counts_unions_by_key(self) -> bool {
        matches!(self, Dialect::MySql)
    }

    /// The statement that reports the server's version, read once by `Capabilities::detect`.
    #[must_use]
    pub fn version_query(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SELECT sqlite_version()",
            // `version()`, not `server_version`: CockroachDB reports a PostgreSQL number there
            // and names itself only here.
            Dialect::Postgres => "SELECT version()",
            Dialect::MySql => "SELECT VERSION()",
        }
    }

    /// Whether an unnamed statement must run inside a transaction to reach the server
    /// connection it was parsed on, behind a pooler in transaction mode.
    ///
    /// sqlx sends an unnamed PostgreSQL statement in two exchanges, each ending in a Sync:
    /// Parse and Describe, then Bind and Execute. Outside a transaction the server is idle
    /// after the first, so pgbouncer may hand the second to another server connection,
    /// which answers 26000 "unnamed prepared statement does not exist" or 08P01 "bind
    /// message supplies 3 parameters, but prepared statement \"\" requires 1" (seen on
    /// CI's pgbouncer 1.18). Inside a transaction the pooler keeps the connection.
    /// MySQL's and SQLite's drivers send theirs in one exchange.
    pub(crate) fn unnamed_statements_need_a_transaction(self) -> bool {
        self == Dialect::Postgres
    }

    /// The lowercase name used in messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::MySql => "mysql",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod capabilities;
pub(crate) mod catalog;
pub(crate) mod failure;
mod planning;
mod replication;

pub use capabilities::{Capabilities, Server, SetOperation, Support};
pub(crate) use planning::{Planning, SMALL_TABLE, Shape as PlannedShape};
pub(crate) use replication::Replication;
