//! Running a transaction again when the engine gave it up for another one.
//!
//! A serialization failure, a deadlock, a lock wait timeout or a Galera certification
//! failure rolls the whole transaction back ([`Error::Retryable`]); running it again from
//! its first statement can succeed. The backoff between tries is `backon`'s: exponential,
//! jittered so that the transactions that collided do not collide again in step, and
//! bounded in tries and in delay.

use std::time::Duration;

use backon::{
    BackoffBuilder, ExponentialBackoff, ExponentialBuilder, RetryableWithContext, Sleeper,
    TokioSleeper,
};
use futures::future::BoxFuture;
use sqlx::{Pool, Transaction};

use super::Backend;
use crate::error::{Error, Result};

/// How many times, and after how long, a transaction that the engine gave up
/// ([`Error::is_retryable`]) is run again.
///
/// The default runs it again up to 5 times, after about 10, 20, 40, 80 and 160 ms, each
/// delay jittered and none over 1 s. A connection failure ([`Error::Connection`]) is not
/// retried: when it happens at `COMMIT` the transaction may have committed, and only the
/// caller knows whether running it twice is safe.
///
/// ```no_run
/// # async fn run(pool: &sqlx::SqlitePool) -> setql::Result<()> {
/// use setql::Retry;
///
/// let moved: u64 = Retry::default()
///     .transaction(pool, |tx| {
///         Box::pin(async move {
///             let out = sqlx::query("UPDATE accounts SET balance = balance - 5 WHERE id = 1")
///                 .execute(&mut **tx)
///                 .await?;
///             sqlx::query("UPDATE accounts SET balance = balance + 5 WHERE id = 2")
///                 .execute(&mut **tx)
///                 .await?;
///             Ok(out.rows_affected())
///         })
///     })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    times: usize,
    first_delay: Duration,
    max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            times: 5,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
        }
    }
}

impl Retry {
    /// Never runs a transaction again: the first retryable error is returned.
    pub const NEVER: Retry = Retry {
        times: 0,
        first_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// Runs a transaction again at most `times` times after its first try.
    #[must_use]
    pub fn times(self, times: usize) -> Self {
        Retry { times, ..self }
    }

    /// Waits about `first` before the first retry, doubling up to `max` (jittered).
    #[must_use]
    pub fn delays(self, first: Duration, max: Duration) -> Self {
        Retry {
            first_delay: first,
            max_delay: max.max(first),
            ..self
        }
    }

    /// Runs `work` in a transaction begun on `pool` and commits it; on a retryable error,
    /// from a statement of `work` or from `COMMIT`, rolls back and runs `work` again in a
    /// new transaction, as this policy allows.
    ///
    /// `work` may run more than once, so it must do nothing outside the transaction that it
    /// cannot repeat. The future it returns borrows the transaction, hence the `Box::pin`.
    /// It is `Send`, so the call can be awaited in an axum handler.
    ///
    /// # Errors
    /// The error of the last try: [`Error::Retryable`] when every try was given up, any
    /// other error of `work` or of `BEGIN` at once.
    pub async fn transaction<'w, DB, T, F>(&self, pool: &Pool<DB>, work: F) -> Result<T>
    where
        DB: Backend,
        T: Send,
        // `'w` bounds every transaction `work` is given, so that the futures it returns may
        // borrow what the caller borrowed for at least `'w`, not only what it owns.
        F: for<'t> FnMut(&'t mut Transaction<'w, DB>) -> BoxFuture<'t, Result<T>> + Send,
    {
        let once = |mut work: F| async move {
            let outcome = async {
                let mut tx: Transaction<'w, DB> = pool.begin().await?;
                let value = work(&mut tx).await?;
                tx.commit()
                    .await
                    .map_err(|source| Error::query("COMMIT", source))?;
                Ok(value)
            }
            .await;
            (work, outcome)
        };
        let (_, outcome) = once
            .retry(self.builder())
            // backon wants its sleeper before its context.
            .sleep(TokioSleeper)
            .context(work)
            .when(Error::is_retryable)
            .notify(|error, delay| {
                tracing::debug!(%error, ?delay, "setql: running the transaction again");
            })
            .await;
        outcome
    }

    fn builder(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.first_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.times)
            .with_jitter()
    }
}

/// The tries of one operation that owns its transaction (an object-set write): after a
/// retryable error it waits and says to run the operation again, as [`Retry`] allows. An
/// operation inside a caller's transaction is not run again, since the caller's earlier
/// statements were rolled back with it: the caller gets the error.
pub(crate) struct Attempts {
    backoff: Option<ExponentialBackoff>,
}

impl Attempts {
    pub(crate) fn new(retry: &Retry, owns_transaction: bool) -> Self {
        Attempts {
            backoff: owns_transaction.then(|| retry.builder().build()),
        }
    }

    /// The outcome to return, or `None` once it has waited to run the operation again.
    pub(crate) async fn settle<T>(&mut self, outcome: Result<T>) -> Option<Result<T>> {
        match outcome {
            Err(error) if error.is_retryable() => {
                match self.backoff.as_mut().and_then(Iterator::next) {
                    Some(delay) => {
                        tracing::debug!(%error, ?delay, "setql: running the operation again");
                        TokioSleeper.sleep(delay).await;
                        None
                    }
                    None => Some(Err(error)),
                }
            }
            done => Some(done),
        }
    }
}
