//! One stored set: its row, its members as query sets, and reading it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use sea_query::{Alias, Expr, ExprTrait, Query};

use super::expr::MemberIds;
use super::{Kind, transaction};
use crate::error::Result;
use crate::execute::raw;
use crate::execute::{Backend, Executor, OnConnection as _};
use crate::query::{QueryChain, QuerySet};
use crate::render::object_set as statements;

/// A stored set of rows of one [`Kind`], as read when it was created, loaded or last
/// changed through this value.
///
/// Operations take `&mut self` and refresh the value's `count` and `modified` from the
/// database, inside the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSet {
    kind: Kind,
    id: i64,
    name: String,
    count: u64,
    created: i64,
    modified: i64,
}

impl ObjectSet {
    pub(super) fn new(
        kind: Kind,
        id: i64,
        name: String,
        count: u64,
        created: i64,
        modified: i64,
    ) -> Self {
        ObjectSet {
            kind,
            id,
            name,
            count,
            created,
            modified,
        }
    }

    /// A set from a row of `statements::select_sets`.
    pub(super) fn from_row<DB: Backend>(kind: Kind, row: &DB::Row) -> Result<Self> {
        Ok(ObjectSet {
            id: raw::int::<DB>(row, 0)?,
            name: raw::text::<DB>(row, 2)?.unwrap_or_default(),
            count: transaction::count(raw::int::<DB>(row, 4)?),
            created: raw::int::<DB>(row, 5)?,
            modified: raw::int::<DB>(row, 6)?,
            kind,
        })
    }

    /// The set's id.
    #[must_use]
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The set's name, unique among its owner's sets of its kind.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The owner; `None` for a set without one.
    #[must_use]
    pub fn owner(&self) -> Option<&str> {
        self.kind.store.owner()
    }

    /// The kind: the table whose rows the set holds, and its key.
    #[must_use]
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// How many members the set has; exact as of the last read or change.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// When the set was created.
    #[must_use]
    pub fn created(&self) -> SystemTime {
        instant(self.created)
    }

    /// When the set's membership last changed.
    #[must_use]
    pub fn modified(&self) -> SystemTime {
        instant(self.modified)
    }

    /// The members' ids, a one-column query set (`object_id`), for `filter_in` and
    /// `exclude_in` on any other query set:
    ///
    /// ```
    /// use setql::object_set::ObjectSetStore;
    /// use setql::prelude::*;
    /// # fn show(cohort: &setql::object_set::ObjectSet) -> setql::Result<()> {
    /// let visits = QuerySet::table("visits").filter_in("patient_id", &cohort.ids());
    /// println!("{}", visits.to_sql(Dialect::MySql)?);
    /// // SELECT * FROM `visits` WHERE `patient_id` IN (SELECT `object_id` FROM
    /// //   `setql_object_set_members` WHERE `set_id` = 7 AND `removed` = FALSE)
    /// # Ok(()) }
    /// ```
    pub fn ids(&self) -> MemberIds {
        MemberIds::of(self)
    }

    /// The members: the kind's table restricted to the set, with its key declared, so it
    /// combines, filters, pages and counts like any other query set.
    pub fn members(&self) -> QuerySet {
        self.kind_rows()
            .filter_in(Alias::new(&self.kind.key), &self.ids())
    }

    /// The members added by hand while the kind tracks changes.
    pub fn added(&self) -> QuerySet {
        let added = self
            .member_rows(false)
            .filter(Expr::col(Alias::new("added_by_hand")).eq(true));
        self.kind_rows().filter_in(
            Alias::new(&self.kind.key),
            &added.columns([Alias::new("object_id")]),
        )
    }

    /// The rows removed by hand while the kind tracks changes, until
    /// [`purge`](Self::purge). They are not members.
    pub fn removed(&self) -> QuerySet {
        let removed = self.member_rows(true).columns([Alias::new("object_id")]);
        self.kind_rows()
            .filter_in(Alias::new(&self.kind.key), &removed)
    }

    /// Whether the row with key `id` is a member.
    ///
    /// # Errors
    /// [`Error::Query`](crate::Error::Query) when the database refuses the query.
    pub fn contains<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        id: i64,
    ) -> BoxFuture<'s, Result<bool>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let mut conn = executor.acquire().await?;
            let n = self
                .member_rows(false)
                .filter(Expr::col(Alias::new("object_id")).eq(id))
                .count_on::<DB>(&mut *conn)
                .await?;
            Ok(n > 0)
        })
    }

    /// Reads the set's row again.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the set was deleted.
    pub fn refresh<'s, 'a: 's, E, DB>(&'s mut self, executor: E) -> BoxFuture<'s, Result<()>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            *self = self.kind.load(executor, self.id).await?;
            Ok(())
        })
    }

    /// Deletes the set and its memberships.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when it was already deleted or is not the store owner's.
    pub fn delete<'s, 'a: 's, E, DB>(&'s self, executor: E) -> BoxFuture<'s, Result<()>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let mut conn = executor.acquire().await?;
            transaction::tries!(conn, &self.kind.store.retry, (), {
                let mut tx = transaction::begin::<DB>(&mut conn).await?;
                transaction::lock::<DB>(&mut tx, &self.kind, &[self.id]).await?;
                // The foreign key cascades too; deleting here keeps a store whose engine was told
                // to ignore foreign keys (SQLite's `PRAGMA foreign_keys = OFF`) clean.
                self.rows().delete_on::<DB>(&mut *tx).await?;
                let delete = Query::delete()
                    .from_table(Alias::new(&self.kind.store.tables.sets))
                    .and_where(Expr::col(Alias::new("id")).eq(self.id))
                    .to_owned();
                raw::run::<DB>(&mut tx, statements::build(&delete, DB::DIALECT)).await?;
                transaction::commit(tx).await?;
                Ok(())
            })
        })
    }

    /// The kind's table with its key declared.
    fn kind_rows(&self) -> QuerySet {
        QuerySet::table(Alias::new(&self.kind.table)).primary_key(Alias::new(&self.kind.key))
    }

    /// Every membership row of the set, removed ones included.
    pub(super) fn rows(&self) -> QuerySet {
        QuerySet::table(Alias::new(&self.kind.store.tables.members))
            .filter(Expr::col(Alias::new("set_id")).eq(self.id))
    }

    /// The set's membership rows that are (`removed == false`) or are not members.
    pub(super) fn member_rows(&self, removed: bool) -> QuerySet {
        self.rows()
            .filter(Expr::col(Alias::new("removed")).eq(removed))
    }

    /// Ends an edit made under the set's lock that changed `changed` memberships and leaves
    /// `members`, where the locked row held `locked`: stores the count with the modification
    /// time, commits `tx`, and records both here. An edit that changed nothing leaves
    /// `modified` as it was, since it is when the membership last changed.
    ///
    /// The count moves by `members - locked` (`count = count + n`) unless `exact`: a count
    /// written as a value read earlier would undo a concurrent edit's if the lock did not
    /// hold, as when Galera aborts a transaction between two of its statements.
    pub(super) async fn commit_count<DB>(
        &mut self,
        mut tx: sqlx::Transaction<'_, DB>,
        (locked, members, exact): (u64, u64, bool),
        changed: u64,
    ) -> Result<()>
    where
        DB: Backend,
    {
        if changed == 0 {
            transaction::commit(tx).await?;
            self.count = members;
            return Ok(());
        }
        let now = transaction::now();
        let count = if exact {
            transaction::Count::To(members)
        } else {
            let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            transaction::Count::By(signed(members) - signed(locked))
        };
        transaction::store_count::<DB>(&mut tx, &self.kind().store.tables, self.id(), count, now)
            .await?;
        transaction::commit(tx).await?;
        self.count = members;
        self.modified = now;
        Ok(())
    }
}

/// A stored timestamp (microseconds since the Unix epoch) as a time.
fn instant(micros: i64) -> SystemTime {
    let since = Duration::from_micros(u64::try_from(micros).unwrap_or(0));
    UNIX_EPOCH + since
}
