//! How a session learns where its writes reached on a primary, and how a replica says it
//! has applied them: the statements behind [`WritePosition`](crate::WritePosition).
//!
//! PostgreSQL names a place in its write-ahead log (an LSN): `pg_current_wal_lsn()` on the
//! primary after a commit is at or past that commit's record, and a streaming replica's
//! `pg_last_wal_replay_lsn()` is what it has applied. MariaDB Galera keeps its nodes in
//! step by itself when a session sets `wsrep_sync_wait` (see the README), so it needs no
//! position; MySQL's and MariaDB's asynchronous replication and SQLite have none here.

use super::Dialect;

/// The two statements of one engine.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Replication {
    /// Reads the primary's position as text. It binds nothing.
    pub(crate) position: &'static str,
    /// Returns 1 when the server has applied the position bound as its one value, else 0.
    /// A server that is not a replica has everything it wrote: 1.
    pub(crate) applied: &'static str,
}

impl Dialect {
    /// The statements of this engine, where it has them.
    pub(crate) fn replication(self) -> Option<Replication> {
        match self {
            Dialect::Postgres => Some(Replication {
                position: "SELECT CAST(pg_current_wal_lsn() AS TEXT)",
                applied: "SELECT CAST(CASE WHEN COALESCE(pg_last_wal_replay_lsn() >= CAST($1 AS pg_lsn), \
                          NOT pg_is_in_recovery()) THEN 1 ELSE 0 END AS BIGINT)",
            }),
            Dialect::Sqlite | Dialect::MySql => None,
        }
    }
}
