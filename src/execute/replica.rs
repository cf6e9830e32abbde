//! Reading after a write from a replica: the position a write left on the primary, and a
//! wait until a replica has applied it.

use std::time::{Duration, Instant};

use backon::{Sleeper, TokioSleeper};
use sea_query::Values;

use super::backend::private::Sealed as _;
use super::{Backend, Executor, raw};
use crate::error::{Error, Result};

/// Where the writes a session committed on the primary reached, so that a read on a
/// streaming replica can wait until the replica has them.
///
/// A replica applies the primary's writes a moment after they commit: a read sent to it
/// right after a write can miss that write (12 reads in 50 did, on this repository's CI
/// replica). Take the position on the primary after the commit, hand it to the code that
/// reads, and wait on the replica before reading:
///
/// ```no_run
/// # async fn run(primary: &sqlx::PgPool, replica: &sqlx::PgPool) -> setql::Result<()> {
/// use std::time::Duration;
/// use setql::WritePosition;
///
/// let mut tx = primary.begin().await?;
/// // … writes …
/// tx.commit().await?;
/// let written = WritePosition::of_primary(primary).await?;
/// written.wait(replica, Duration::from_secs(2)).await?;
/// // Reads on `replica` now see every write committed before `of_primary`.
/// # Ok(()) }
/// ```
///
/// On PostgreSQL the position is the primary's WAL position (`pg_current_wal_lsn()`) and the
/// wait polls `pg_last_wal_replay_lsn()` on the replica. A server that is not a replica
/// has its own writes, so waiting on the primary returns at once. Writes belong on the
/// primary: a write sent to a replica fails with [`Error::ReadOnly`].
///
/// MariaDB Galera needs no position: a session with `wsrep_sync_wait = 1` waits on every
/// read until its node has applied what the cluster committed before it (see the README).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritePosition {
    position: String,
}

impl WritePosition {
    /// The position of the writes committed on `primary` so far.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on an engine without one (SQLite, MySQL/MariaDB), and any
    /// error of the statement, e.g. when `primary` is itself a replica.
    pub async fn of_primary<'a, E>(primary: E) -> Result<WritePosition>
    where
        E: Executor<'a>,
    {
        let statements = statements::<E::Database>()?;
        let mut conn = primary.acquire().await?;
        let rows = raw::rows::<E::Database>(
            &mut conn,
            (statements.position.to_owned(), Values(Vec::new())),
        )
        .await?;
        let row = rows.first().ok_or(Error::NotFound)?;
        let position = E::Database::read_text_at(row, 0)
            .map_err(|source| Error::query(statements.position, source))?
            .unwrap_or_default();
        Ok(WritePosition { position })
    }

    /// Returns once `replica` has applied this position, checking at once and then every
    /// millisecond.
    ///
    /// # Errors
    /// [`Error::ReplicaBehind`] when `timeout` passed first, with how far the replica
    /// lagged; any error of the statement.
    pub async fn wait<'a, E>(&self, replica: E, timeout: Duration) -> Result<()>
    where
        E: Executor<'a>,
    {
        let statements = statements::<E::Database>()?;
        let mut conn = replica.acquire().await?;
        let start = Instant::now();
        loop {
            let values = Values(vec![self.position.clone().into()]);
            let rows = raw::rows::<E::Database>(&mut conn, (statements.applied.to_owned(), values))
                .await?;
            let applied = match rows.first() {
                Some(row) => E::Database::read_i64_at(row, 0)
                    .map_err(|source| Error::query(statements.applied, source))?,
                None => 0,
            };
            if applied == 1 {
                return Ok(());
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(Error::ReplicaBehind {
                    position: self.position.clone(),
                    waited,
                });
            }
            TokioSleeper.sleep(Duration::from_millis(1)).await;
        }
    }

    /// The position as the engine writes it, e.g. `0/3000148` on PostgreSQL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.position
    }
}

fn statements<DB: Backend>() -> Result<crate::dialect::Replication> {
    DB::DIALECT.replication().ok_or(Error::Unsupported {
        dialect: DB::DIALECT,
        operation: "a write position (reading after a write on a replica)",
    })
}
