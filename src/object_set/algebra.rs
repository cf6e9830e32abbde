//! Set algebra between stored sets: in place (`union_with`, …), changing a set at once with
//! nothing pending, and saved (`union`, …), writing a new set in one `INSERT … SELECT`.

use futures::future::BoxFuture;
use sea_query::{Alias, Expr, ExprTrait};

use super::source::{MemberSource, Source};
use super::{ObjectSet, transaction};
use crate::error::Result;
use crate::execute::{Backend, Executor, OnConnection as _};
use crate::query::QueryChain;

/// Which in-place operation.
#[derive(Clone, Copy)]
enum InPlace {
    Union,
    Intersection,
    Difference,
    SymmetricDifference,
}

impl ObjectSet {
    /// Adds every member of `other` (another set or expression of this kind, a query set, or
    /// ids); returns how many joined.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) for a set this store's owner cannot see
    /// or that was deleted, [`Error::KindMismatch`](crate::Error::KindMismatch),
    /// [`Error::MissingObjects`](crate::Error::MissingObjects); nothing is written then.
    pub fn union_with<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        other: impl MemberSource + 's,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { self.in_place(executor, InPlace::Union, other).await })
    }

    /// Keeps only the members that are also in `other`; returns how many left.
    ///
    /// # Errors
    /// As [`union_with`](Self::union_with).
    pub fn intersect_with<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        other: impl MemberSource + 's,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { self.in_place(executor, InPlace::Intersection, other).await })
    }

    /// Removes the members that are in `other`; returns how many left.
    ///
    /// # Errors
    /// As [`union_with`](Self::union_with).
    pub fn difference_with<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        other: impl MemberSource + 's,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { self.in_place(executor, InPlace::Difference, other).await })
    }

    /// Keeps the ids in exactly one of the set and `other`; returns how many members changed.
    ///
    /// # Errors
    /// As [`union_with`](Self::union_with).
    pub fn symmetric_difference_with<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        other: impl MemberSource + 's,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            self.in_place(executor, InPlace::SymmetricDifference, other)
                .await
        })
    }

    /// Saves `self ∪ other` as a new set named `name`.
    ///
    /// # Errors
    /// As [`Kind::create`](super::Kind::create).
    pub fn union<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        other: &'s ObjectSet,
        name: &'s str,
    ) -> BoxFuture<'s, Result<ObjectSet>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { (self | other).save_as(executor, name).await })
    }

    /// Saves `self ∩ other` as a new set named `name`.
    ///
    /// # Errors
    /// As [`Kind::create`](super::Kind::create).
    pub fn intersection<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        other: &'s ObjectSet,
        name: &'s str,
    ) -> BoxFuture<'s, Result<ObjectSet>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { (self & other).save_as(executor, name).await })
    }

    /// Saves `self − other` as a new set named `name`.
    ///
    /// # Errors
    /// As [`Kind::create`](super::Kind::create).
    pub fn difference<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        other: &'s ObjectSet,
        name: &'s str,
    ) -> BoxFuture<'s, Result<ObjectSet>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { (self - other).save_as(executor, name).await })
    }

    /// Saves the ids in exactly one of `self` and `other` as a new set named `name`.
    ///
    /// # Errors
    /// As [`Kind::create`](super::Kind::create).
    pub fn symmetric_difference<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        other: &'s ObjectSet,
        name: &'s str,
    ) -> BoxFuture<'s, Result<ObjectSet>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { (self ^ other).save_as(executor, name).await })
    }

    fn in_place<'s, 'a: 's, E, DB>(
        &'s mut self,
        executor: E,
        operation: InPlace,
        other: impl MemberSource + 's,
    ) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let original = other.into_source(self.kind())?;
            let mut conn = executor.acquire().await?;
            transaction::tries!(conn, &self.kind().store.retry, u64, {
                // Staging rewrites the source to read a scratch copy, which a rolled
                // back try takes with it: each try starts from the caller's source.
                let mut source = original.clone();
                let mut tx = transaction::begin::<DB>(&mut conn).await?;
                let count = self.lock_with::<DB>(&mut tx, &mut source).await?;
                if matches!(operation, InPlace::Intersection) && source.is_long_list() {
                    // Keeping the members in the list takes the whole list in one statement,
                    // past every engine's limit on bound values for a long one; it is staged
                    // in a scratch set instead, chunk by chunk.
                    self.stage::<DB>(&mut tx, &mut source).await?;
                }
                let adds = matches!(operation, InPlace::Union | InPlace::SymmetricDifference);
                if adds {
                    source.check_ids::<DB>(&mut tx, self.kind()).await?;
                }
                let (joined, left) = match operation {
                    InPlace::Union => (self.admit::<DB>(&mut tx, &source, false).await?, 0),
                    InPlace::Difference => (0, self.dismiss::<DB>(&mut tx, &source, false).await?),
                    InPlace::Intersection => {
                        let outside = self
                            .member_rows(false)
                            .exclude_in(Alias::new("object_id"), &source.whole(self.kind()));
                        (0, outside.delete_on::<DB>(&mut *tx).await?)
                    }
                    InPlace::SymmetricDifference => self.toggle::<DB>(&mut tx, &source).await?,
                };
                self.drop_scratch::<DB>(&mut tx, &source).await?;
                let members = count + joined - left;
                self.commit_count::<DB>(tx, (count, members, false), joined + left)
                    .await?;
                Ok(joined + left)
            })
        })
    }

    /// The members of `source` leave and its other ids join, in three statements that each
    /// see the source as it was: rows of the source's ids swap between member and removed,
    /// ids with no row at all are inserted, and the rows that became removed are deleted
    /// (they were members before). Returns (joined, left).
    async fn toggle<DB>(&self, conn: &mut DB::Connection, source: &Source) -> Result<(u64, u64)>
    where
        DB: Backend,
    {
        let removed = Alias::new("removed");
        let pieces = source.pieces(self.kind());
        let mut swapped = 0;
        for piece in &pieces {
            swapped += self
                .rows()
                .filter_in(Alias::new("object_id"), piece)
                .update_on::<DB, _, _>(
                    &mut *conn,
                    [(removed.clone(), Expr::col(removed.clone()).not())],
                )
                .await?;
        }
        let inserted = source
            .insert_into::<DB>(conn, self.kind(), self.id(), false, false)
            .await?;
        let mut left = 0;
        for piece in &pieces {
            left += self
                .member_rows(true)
                .filter_in(Alias::new("object_id"), piece)
                .delete_on::<DB>(&mut *conn)
                .await?;
        }
        Ok((swapped - left + inserted, left))
    }

    /// Locks this set and the sets `source` reads, in id order, and returns this set's count.
    /// A source that reads this very set is first copied into a scratch set, so that each
    /// statement of the operation reads the source as it was before the operation began.
    pub(super) async fn lock_with<DB>(
        &self,
        conn: &mut DB::Connection,
        source: &mut Source,
    ) -> Result<u64>
    where
        DB: Backend,
    {
        let mut ids = vec![self.id()];
        ids.extend_from_slice(source.operands());
        let count = transaction::lock::<DB>(conn, self.kind(), &ids).await?[0];
        if source.operands().contains(&self.id()) {
            self.stage::<DB>(conn, source).await?;
        }
        Ok(count)
    }

    /// Copies `source` into a scratch set, which [`drop_scratch`](Self::drop_scratch)
    /// deletes when the operation ends, and makes `source` read that copy. A user's name
    /// cannot hold the control character that begins a scratch set's.
    async fn stage<DB>(&self, conn: &mut DB::Connection, source: &mut Source) -> Result<()>
    where
        DB: Backend,
    {
        let name = format!("\u{1}scratch:{}", self.id());
        let owner_key = self.kind().store.owner_key()?.to_owned();
        let scratch = self
            .kind()
            .insert_set::<DB>(conn, &name, &owner_key, source)
            .await?;
        *source = Source::copied_to(scratch.id(), &self.kind().store.tables);
        Ok(())
    }

    /// Deletes the scratch copy of `source`, if one was made.
    pub(super) async fn drop_scratch<DB>(
        &self,
        conn: &mut DB::Connection,
        source: &Source,
    ) -> Result<()>
    where
        DB: Backend,
    {
        let Some(scratch) = source.scratch() else {
            return Ok(());
        };
        let tables = &self.kind().store.tables;
        crate::QuerySet::table(Alias::new(&tables.members))
            .filter(Expr::col(Alias::new("set_id")).eq(scratch))
            .delete_on::<DB>(&mut *conn)
            .await?;
        crate::QuerySet::table(Alias::new(&tables.sets))
            .filter(Expr::col(Alias::new("id")).eq(scratch))
            .delete_on::<DB>(&mut *conn)
            .await?;
        Ok(())
    }
}
