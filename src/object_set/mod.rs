//! Persistent object sets: named, stored sets of rows, with set algebra done in the database.
//!
//! A query set is a description, computed again each time it runs. An object set is a
//! saved result: the ids of "the 4,000 patients in this cohort as of today", kept in a
//! membership table, so that it can be edited by hand, combined with other stored sets and
//! used as a building block of later queries.
//!
//! - An [`ObjectSetStore`] names the two tables (`setql_object_sets` and
//!   `setql_object_set_members` by default) and, with [`for_owner`](ObjectSetStore::for_owner),
//!   scopes every lookup and operation to one owner's sets.
//! - A [`Kind`] names the table whose rows a set holds and its key column, given once:
//!   `store.kind("patients", "id")`. Sets are created, found and listed through it.
//! - An [`ObjectSet`] is one stored set. Its edits ([`add`](ObjectSet::add),
//!   [`remove_many`](ObjectSet::remove_many), [`replace`](ObjectSet::replace), …) and
//!   in-place algebra ([`union_with`](ObjectSet::union_with), …) each run in one
//!   transaction holding the set's row lock, and keep its `count` and `modified` exact.
//! - `&a | &b`, `&a & &b`, `&a - &b` and `&a ^ &b` build a lazy [`SetExpr`]: counted,
//!   fetched and filtered like any query set, and saved with [`SetExpr::save_as`].
//! - [`ObjectSet::members`] is an ordinary [`QuerySet`](crate::QuerySet) over the kind's
//!   table, and [`ObjectSet::ids`] a one-column set for `filter_in`/`exclude_in`, so a
//!   stored set composes with everything else.
//!
//! Members never pass through Rust: a set is filled by one `INSERT … SELECT` inside the
//! database, from a query set, another stored set, or a list of ids.
//!
//! Object ids are 64-bit integers; a kind whose key is text or a UUID is not supported yet.
//!
//! ```no_run
//! use setql::object_set::ObjectSetStore;
//! use setql::prelude::*;
//!
//! # async fn run(pool: sqlx::SqlitePool) -> setql::Result<()> {
//! let store = ObjectSetStore::new();
//! store.install(&pool).await?;
//! let patients = store.kind("patients", "id");
//!
//! let diabetic = QuerySet::table("patients").filter(Expr::col("diagnosis").eq("diabetes"));
//! let mut cohort = patients.create(&pool, "diabetic 2026", diabetic).await?;
//! cohort.add_many(&pool, [17, 42]).await?;
//! let over_60 = QuerySet::table("patients").filter(Expr::col("age").gt(60));
//! let older = patients.create(&pool, "over 60", over_60).await?;
//!
//! let both = &cohort & &older;
//! println!("{} patients in both", both.count(&pool).await?);
//! let saved = both.save_as(&pool, "diabetic and over 60").await?;
//! assert_eq!(saved.count(), both.count(&pool).await?);
//! # Ok(())
//! # }
//! ```

mod algebra;
mod edit;
mod expr;
mod set;
mod source;
mod transaction;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::future::BoxFuture;
use sea_query::{Alias, Expr, ExprTrait, Order, Query};

pub use expr::{MemberIds, SetExpr};
pub use set::ObjectSet;
pub use source::MemberSource;
use source::Source;

use crate::error::{Error, Result};
use crate::execute::raw;
use crate::execute::{Backend, Executor, Retry};
use crate::render::object_set::{self as statements, KIND_LIMIT, NAME_LIMIT, OWNER_LIMIT, Tables};

/// Where object sets are stored, and whose sets an operation may see.
///
/// A store without an owner manages the sets that have none; [`for_owner`](Self::for_owner)
/// gives a store that manages one owner's sets only. Reaching another owner's set through
/// it, by id, by name or as the operand of an operation, is [`Error::NotFound`], the same
/// answer as for a set that does not exist.
///
/// # Conflicts
/// An operation that begins its own transaction (given a pool or a connection outside a
/// transaction) runs again when the engine gives it up for another one
/// ([`Error::Retryable`]: a deadlock, a lock wait timeout, a Galera certification
/// failure), as [`retry`](Self::retry) allows: 5 more tries by default. Given a
/// transaction of the caller's, it returns that error at once, since the engine rolled
/// back the caller's earlier statements with it: run the whole transaction again, e.g. with
/// [`Retry::transaction`](crate::Retry::transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSetStore {
    tables: Arc<Tables>,
    owner: Option<Arc<str>>,
    retry: Retry,
}

impl Default for ObjectSetStore {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectSetStore {
    /// The store in `setql_object_sets` and `setql_object_set_members`.
    #[must_use]
    pub fn new() -> Self {
        Self::with_prefix("setql_")
    }

    /// The store in `{prefix}object_sets` and `{prefix}object_set_members`.
    #[must_use]
    pub fn with_prefix(prefix: &str) -> Self {
        ObjectSetStore {
            tables: Arc::new(Tables::new(
                format!("{prefix}object_sets"),
                format!("{prefix}object_set_members"),
            )),
            owner: None,
            retry: Retry::default(),
        }
    }

    /// The same store, running an operation that owns its transaction again as `retry`
    /// allows; [`Retry::NEVER`] returns the first retryable error.
    #[must_use]
    pub fn retry(&self, retry: Retry) -> Self {
        ObjectSetStore {
            retry,
            ..self.clone()
        }
    }

    /// The same store, seeing only the sets of `owner`.
    #[must_use]
    pub fn for_owner(&self, owner: impl Into<String>) -> Self {
        ObjectSetStore {
            tables: Arc::clone(&self.tables),
            owner: Some(owner.into().into()),
            retry: self.retry,
        }
    }

    /// The owner whose sets this store sees; `None` for the sets without one.
    #[must_use]
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    /// The table of set rows.
    #[must_use]
    pub fn sets_table(&self) -> &str {
        &self.tables.sets
    }

    /// The table of memberships.
    #[must_use]
    pub fn members_table(&self) -> &str {
        &self.tables.members
    }

    /// Sets of the rows of `table`, whose key column `key` holds 64-bit integer ids.
    #[must_use]
    pub fn kind(&self, table: impl Into<String>, key: impl Into<String>) -> Kind {
        Kind {
            store: self.clone(),
            table: table.into(),
            key: key.into(),
            tracking: false,
        }
    }

    /// Creates the two tables and the member index where they do not exist yet.
    ///
    /// # Errors
    /// [`Error::Query`] when the database refuses a statement.
    pub fn install<'s, 'a: 's, E, DB>(&'s self, executor: E) -> BoxFuture<'s, Result<()>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let mut conn = executor.acquire().await?;
            for sql in statements::install(&self.tables, DB::DIALECT) {
                raw::run_plain::<DB>(&mut conn, &sql).await?;
            }
            if self.inexact_columns::<DB>(&mut conn).await? > 0 {
                let sql = statements::make_exact(&self.tables, DB::DIALECT);
                raw::run_plain::<DB>(&mut conn, &sql).await?;
            }
            self.tables.exact.store(true, Ordering::Relaxed);
            Ok(())
        })
    }

    /// Refuses a store whose text columns do not compare exactly, with
    /// [`Error::OutdatedStore`], once per store value and its clones.
    pub(crate) async fn check_exact<DB>(&self, conn: &mut DB::Connection) -> Result<()>
    where
        DB: Backend,
    {
        if self.tables.exact.load(Ordering::Relaxed) {
            return Ok(());
        }
        if self.inexact_columns::<DB>(conn).await? > 0 {
            return Err(Error::OutdatedStore {
                table: self.tables.sets.clone(),
            });
        }
        self.tables.exact.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// How many text columns of the sets table compare inexactly (see
    /// `statements::inexact_columns`); 0 on engines whose stores always compared exactly.
    async fn inexact_columns<DB>(&self, conn: &mut DB::Connection) -> Result<i64>
    where
        DB: Backend,
    {
        let Some(query) = statements::inexact_columns(&self.tables, DB::DIALECT) else {
            return Ok(0);
        };
        let rows = raw::rows::<DB>(conn, query).await?;
        rows.first().map_or(Ok(0), |row| raw::int::<DB>(row, 0))
    }

    /// The key the unique index and every lookup use for the owner: '' for none.
    fn owner_key(&self) -> Result<&str> {
        match self.owner.as_deref() {
            None => Ok(""),
            Some(owner) => {
                check_text("owner", owner, OWNER_LIMIT)?;
                Ok(owner)
            }
        }
    }
}

/// The sets of one table's rows, in one store: what a set holds, and how its rows are
/// named. Every set is created, loaded, found and listed through its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kind {
    store: ObjectSetStore,
    table: String,
    key: String,
    tracking: bool,
}

impl Kind {
    /// With tracking on, [`ObjectSet::remove`] marks a member removed instead of deleting
    /// its row, and [`ObjectSet::add`] marks a member added by hand, so that
    /// [`ObjectSet::added`] and [`ObjectSet::removed`] can list them until
    /// [`ObjectSet::purge`]. A removed member is not a member anywhere.
    #[must_use]
    pub fn tracking(mut self, on: bool) -> Self {
        self.tracking = on;
        self
    }

    /// The table whose rows the sets hold.
    #[must_use]
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The table's key column.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The store the sets are kept in.
    #[must_use]
    pub fn store(&self) -> &ObjectSetStore {
        &self.store
    }

    /// Saves `source` as a new set named `name`: a query set or combination (its key column
    /// if it outputs one, else its only column), a stored set or set expression of this
    /// kind, or a list of ids (an empty one is fine). The members are written by one
    /// `INSERT … SELECT` in the database, and the set's row, `count` included, in the same
    /// transaction.
    ///
    /// # Errors
    /// [`Error::InvalidSetName`] before anything is sent; [`Error::UnknownKind`],
    /// [`Error::DuplicateSetName`], [`Error::MissingObjects`] (ids that are not rows of the
    /// kind's table), [`Error::MemberSourceColumns`], [`Error::KindMismatch`]; in each case
    /// nothing is written.
    pub fn create<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        name: &'s str,
        source: impl MemberSource + 's,
    ) -> BoxFuture<'s, Result<ObjectSet>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            check_text("name", name, NAME_LIMIT)?;
            check_text("kind", &self.table, KIND_LIMIT)?;
            let owner_key = self.store.owner_key()?.to_owned();
            let source = source.into_source(self)?;
            let mut conn = executor.acquire().await?;
            self.store.check_exact::<DB>(&mut conn).await?;
            transaction::tries!(conn, &self.store.retry, ObjectSet, {
                let mut tx = transaction::begin::<DB>(&mut conn).await?;
                transaction::check_kind::<DB>(&mut tx, self).await?;
                source.lock_operands::<DB>(&mut tx, self).await?;
                source.check_ids::<DB>(&mut tx, self).await?;
                let set = self
                    .insert_set::<DB>(&mut tx, name, &owner_key, &source)
                    .await?;
                transaction::commit(tx).await?;
                Ok(set)
            })
        })
    }

    /// Writes a set's row and its members from `source`, inside the caller's transaction.
    pub(super) async fn insert_set<DB>(
        &self,
        conn: &mut DB::Connection,
        name: &str,
        owner_key: &str,
        source: &Source,
    ) -> Result<ObjectSet>
    where
        DB: Backend,
    {
        let now = transaction::now();
        let insert = Query::insert()
            .into_table(Alias::new(&self.store.tables.sets))
            .columns(
                [
                    "kind",
                    "name",
                    "owner",
                    "owner_key",
                    "count",
                    "created",
                    "modified",
                ]
                .map(Alias::new),
            )
            .values_panic([
                self.table.as_str().into(),
                name.into(),
                self.store.owner.as_deref().map(str::to_owned).into(),
                owner_key.into(),
                0i64.into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        let id = raw::insert_id::<DB>(conn, statements::insert_set(insert, DB::DIALECT))
            .await
            .map_err(|error| transaction::duplicate_name(error, self, name))?;
        let added = source
            .insert_into::<DB>(conn, self, id, false, true)
            .await?;
        transaction::store_count::<DB>(
            conn,
            &self.store.tables,
            id,
            transaction::Count::To(added),
            now,
        )
        .await?;
        Ok(ObjectSet::new(
            self.clone(),
            id,
            name.to_owned(),
            added,
            now,
            now,
        ))
    }

    /// The set with id `id`, if it is of this kind and visible to this store's owner.
    ///
    /// # Errors
    /// [`Error::NotFound`] otherwise.
    pub fn load<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        id: i64,
    ) -> BoxFuture<'s, Result<ObjectSet>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let found = self
                .sets::<DB, _>(executor, |select| {
                    select.and_where(Expr::col(Alias::new("id")).eq(id));
                })
                .await?;
            found.into_iter().next().ok_or(Error::NotFound)
        })
    }

    /// The set of this kind named `name`, among this store's owner's sets.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none.
    pub fn find<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        name: &'s str,
    ) -> BoxFuture<'s, Result<ObjectSet>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let found = self
                .sets::<DB, _>(executor, |select| {
                    select.and_where(Expr::col(Alias::new("name")).eq(name));
                })
                .await?;
            found.into_iter().next().ok_or(Error::NotFound)
        })
    }

    /// Every set of this kind among this store's owner's sets, by name.
    ///
    /// # Errors
    /// [`Error::Query`] when the database refuses the query.
    pub fn list<'s, 'a: 's, E, DB>(&'s self, executor: E) -> BoxFuture<'s, Result<Vec<ObjectSet>>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            self.sets::<DB, _>(executor, |select| {
                select.order_by_expr(statements::name_order(DB::DIALECT), Order::Asc);
            })
            .await
        })
    }

    /// The rows of this kind's sets visible to the store's owner, narrowed by `narrow`.
    fn sets<'s, 'a: 's, DB, E>(
        &'s self,
        executor: E,
        narrow: impl FnOnce(&mut sea_query::SelectStatement) + Send + 's,
    ) -> BoxFuture<'s, Result<Vec<ObjectSet>>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let owner_key = self.store.owner_key()?;
            let mut select = statements::select_sets(&self.store.tables, DB::DIALECT);
            select
                .and_where(Expr::col(Alias::new("kind")).eq(self.table.as_str()))
                .and_where(Expr::col(Alias::new("owner_key")).eq(owner_key));
            narrow(&mut select);
            let mut conn = executor.acquire().await?;
            self.store.check_exact::<DB>(&mut conn).await?;
            let rows = raw::rows::<DB>(&mut conn, statements::build(&select, DB::DIALECT)).await?;
            rows.iter()
                .map(|row| ObjectSet::from_row::<DB>(self.clone(), row))
                .collect()
        })
    }

    /// Whether `other` is of the same store, owner and table: the sets an operation on a
    /// set of this kind may read.
    fn check_operand(&self, other: &Kind) -> Result<()> {
        if other.store != self.store {
            // Another owner's set is one that does not exist, as far as this owner knows.
            return Err(Error::NotFound);
        }
        if other.table != self.table || other.key != self.key {
            return Err(Error::KindMismatch {
                left: self.table.clone(),
                right: other.table.clone(),
            });
        }
        Ok(())
    }
}

/// Refuses an empty or over-long `field` before anything is sent.
fn check_text(field: &'static str, text: &str, limit: usize) -> Result<()> {
    let reason = if text.trim().is_empty() {
        "it is empty"
    } else if text.chars().any(char::is_control) {
        "it contains a control character"
    } else if text.chars().count() > limit {
        "it is longer than its column holds (200 characters for a name, 128 for a kind or an owner)"
    } else {
        return Ok(());
    };
    Err(Error::InvalidSetName { field, reason })
}
