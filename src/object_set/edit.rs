//! Editing a stored set by hand: add, remove, clear, replace and purge. Each runs in one
//! transaction holding the set's row lock, returns how many members changed, and stores the
//! exact `count` and `modified` with the change.

use std::collections::BTreeSet;

use futures::future::BoxFuture;
use sea_query::{Alias, Expr};

use super::source::{MemberSource, Source};
use super::{ObjectSet, transaction};
use crate::error::Result;
use crate::execute::{Backend, Executor, OnConnection as _};
use crate::query::QueryChain;

impl ObjectSet {
    /// Adds the row with key `id`; returns 1 if it was not a member, else 0.
    ///
    /// # Errors
    /// [`Error::MissingObjects`](crate::Error::MissingObjects) when `id` is not a row of the
    /// kind's table; [`Error::NotFound`](crate::Error::NotFound) when the set was deleted.
    pub fn add<'s, 'a: 's, E, DB>(&'s mut self, executor: E, id: i64) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { self.add_many(executor, [id]).await })
    }

    /// Adds the rows with keys `ids`; returns how many were not members. Duplicates count
    /// once. Either every id is a row of the kind's table, or nothing is written.
    ///
    /// # Errors
    /// As [`add`](Self::add), with the count of missing ids.
    pub fn add_many<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        ids: impl IntoIterator<Item = i64> + Send + 's,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let source = Source::Ids(distinct(ids));
            let by_hand = self.kind().tracking;
            let mut conn = executor.acquire().await?;
            transaction::tries!(conn, &self.kind().store.retry, u64, {
                let mut tx = transaction::begin::<DB>(&mut conn).await?;
                let count = transaction::lock::<DB>(&mut tx, self.kind(), &[self.id()]).await?[0];
                source.check_ids::<DB>(&mut tx, self.kind()).await?;
                let added = self.admit::<DB>(&mut tx, &source, by_hand).await?;
                self.commit_count::<DB>(tx, (count, count + added, false), added)
                    .await?;
                Ok(added)
            })
        })
    }

    /// Removes the row with key `id`; returns 1 if it was a member, else 0. While the kind
    /// tracks changes, the member is marked removed instead (see [`purge`](Self::purge)).
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the set was deleted.
    pub fn remove<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        id: i64,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { self.remove_many(executor, [id]).await })
    }

    /// Removes the rows with keys `ids`; returns how many were members.
    ///
    /// # Errors
    /// As [`remove`](Self::remove).
    pub fn remove_many<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        ids: impl IntoIterator<Item = i64> + Send + 's,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let source = Source::Ids(distinct(ids));
            let by_hand = self.kind().tracking;
            let mut conn = executor.acquire().await?;
            transaction::tries!(conn, &self.kind().store.retry, u64, {
                let mut tx = transaction::begin::<DB>(&mut conn).await?;
                let count = transaction::lock::<DB>(&mut tx, self.kind(), &[self.id()]).await?[0];
                let removed = self.dismiss::<DB>(&mut tx, &source, by_hand).await?;
                let left = count.saturating_sub(removed);
                self.commit_count::<DB>(tx, (count, left, false), removed)
                    .await?;
                Ok(removed)
            })
        })
    }

    /// Removes every member; returns how many there were. While the kind tracks changes,
    /// they are marked removed (see [`purge`](Self::purge)); otherwise every row of the set
    /// goes, marks included.
    ///
    /// # Errors
    /// As [`remove`](Self::remove).
    pub fn clear<'s, 'a: 's, E, DB>(&'s mut self, executor: E) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let mut conn = executor.acquire().await?;
            transaction::tries!(conn, &self.kind().store.retry, u64, {
                let mut tx = transaction::begin::<DB>(&mut conn).await?;
                let count = transaction::lock::<DB>(&mut tx, self.kind(), &[self.id()]).await?[0];
                self.vacate::<DB>(&mut tx).await?;
                self.commit_count::<DB>(tx, (count, 0, true), count).await?;
                Ok(count)
            })
        })
    }

    /// Makes the members exactly `source` (as [`Kind::create`](super::Kind::create) takes
    /// it); returns how many members changed: those that left plus those that joined.
    /// While the kind tracks changes, the members that left are marked removed.
    ///
    /// # Errors
    /// As [`Kind::create`](super::Kind::create), and nothing is written.
    pub fn replace<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        source: impl MemberSource + 's,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let original = source.into_source(self.kind())?;
            let mut conn = executor.acquire().await?;
            transaction::tries!(conn, &self.kind().store.retry, u64, {
                // Staging rewrites the source to read a scratch copy, which a rolled
                // back try takes with it: each try starts from the caller's source.
                let mut source = original.clone();
                let mut tx = transaction::begin::<DB>(&mut conn).await?;
                let count = self.lock_with::<DB>(&mut tx, &mut source).await?;
                source.check_ids::<DB>(&mut tx, self.kind()).await?;
                // |old ∆ new| = |old| + |new| - 2 |old ∩ new|, so the kept members are counted
                // before the rows go; the count adds up over the chunks of a long list.
                let mut kept = 0;
                for piece in source.pieces(self.kind()) {
                    kept += self
                        .member_rows(false)
                        .filter_in(Alias::new("object_id"), &piece)
                        .count_on::<DB>(&mut *tx)
                        .await?;
                }
                self.vacate::<DB>(&mut tx).await?;
                let joined = if self.kind().tracking {
                    self.admit::<DB>(&mut tx, &source, false).await?
                } else {
                    source
                        .insert_into::<DB>(&mut tx, self.kind(), self.id(), false, true)
                        .await?
                };
                self.drop_scratch::<DB>(&mut tx, &source).await?;
                let changed = count + joined - 2 * kept;
                self.commit_count::<DB>(tx, (count, joined, true), changed)
                    .await?;
                Ok(changed)
            })
        })
    }

    /// Deletes the rows of members removed while tracking; returns how many.
    ///
    /// # Errors
    /// As [`remove`](Self::remove).
    pub fn purge<'s, 'a: 's, E, DB>(&'s mut self, executor: E) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let mut conn = executor.acquire().await?;
            transaction::tries!(conn, &self.kind().store.retry, u64, {
                let mut tx = transaction::begin::<DB>(&mut conn).await?;
                transaction::lock::<DB>(&mut tx, self.kind(), &[self.id()]).await?;
                let purged = self.member_rows(true).delete_on::<DB>(&mut *tx).await?;
                transaction::commit(tx).await?;
                Ok(purged)
            })
        })
    }

    /// Makes every member leave: marked removed while the kind tracks changes, else every
    /// row of the set is deleted.
    async fn vacate<DB>(&self, conn: &mut DB::Connection) -> Result<()>
    where
        DB: Backend,
    {
        if self.kind().tracking {
            self.member_rows(false)
                .update_on::<DB, _, _>(&mut *conn, [(Alias::new("removed"), Expr::val(true))])
                .await?;
        } else {
            self.rows().delete_on::<DB>(&mut *conn).await?;
        }
        Ok(())
    }

    /// Makes the ids of `source` members: rows marked removed are restored, and ids with no
    /// row get one. Returns how many joined. The caller holds the lock and has checked the
    /// ids.
    pub(super) async fn admit<DB>(
        &self,
        conn: &mut DB::Connection,
        source: &Source,
        by_hand: bool,
    ) -> Result<u64>
    where
        DB: Backend,
    {
        let mut restored = 0;
        for piece in source.pieces(self.kind()) {
            restored += self
                .member_rows(true)
                .filter_in(Alias::new("object_id"), &piece)
                .update_on::<DB, _, _>(
                    &mut *conn,
                    [
                        (Alias::new("removed"), Expr::val(false)),
                        (Alias::new("added_by_hand"), Expr::val(by_hand)),
                    ],
                )
                .await?;
        }
        let inserted = source
            .insert_into::<DB>(conn, self.kind(), self.id(), by_hand, false)
            .await?;
        Ok(restored + inserted)
    }

    /// Makes the ids of `source` non-members: marked removed when `soft`, else deleted.
    /// Returns how many left.
    pub(super) async fn dismiss<DB>(
        &self,
        conn: &mut DB::Connection,
        source: &Source,
        soft: bool,
    ) -> Result<u64>
    where
        DB: Backend,
    {
        let mut removed = 0;
        for piece in source.pieces(self.kind()) {
            let members = self
                .member_rows(false)
                .filter_in(Alias::new("object_id"), &piece);
            removed += if soft {
                members
                    .update_on::<DB, _, _>(&mut *conn, [(Alias::new("removed"), Expr::val(true))])
                    .await?
            } else {
                members.delete_on::<DB>(&mut *conn).await?
            };
        }
        Ok(removed)
    }
}

fn distinct(ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    ids.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
