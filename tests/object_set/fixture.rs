//! A kind table and a store with unique names, dropped when the test ends.

use setql::object_set::{Kind, ObjectSet, ObjectSetStore};
use setql::prelude::*;

use crate::common::{drop_later, exec, unique};

/// `objects (id BIGINT PRIMARY KEY, grp INTEGER NOT NULL)` holding ids 1..=20, with
/// `grp = id % 3`, and an installed store of sets of its rows.
pub(crate) struct Fixture {
    pub(crate) table: String,
    pub(crate) store: ObjectSetStore,
}

impl Fixture {
    pub(crate) async fn new<DB>(pool: &sqlx::Pool<DB>) -> Fixture
    where
        DB: setql::Backend,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let table = unique("objects");
        exec(
            pool,
            format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, grp INTEGER NOT NULL)"),
        )
        .await;
        let rows: Vec<String> = (1..=20).map(|id| format!("({id}, {})", id % 3)).collect();
        exec(
            pool,
            format!("INSERT INTO {table} (id, grp) VALUES {}", rows.join(", ")),
        )
        .await;
        let prefix = format!("{}_", unique("os"));
        let store = ObjectSetStore::with_prefix(&prefix);
        // Members go before sets, which they reference.
        drop_later(store.sets_table());
        drop_later(store.members_table());
        store.install(pool).await.expect("installing the store");
        Fixture { table, store }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.store.kind(self.table.clone(), "id")
    }

    /// The kind's rows whose id is in `ids`, as a query set.
    pub(crate) fn rows(&self, ids: &[i64]) -> QuerySet {
        QuerySet::table(self.table.clone())
            .primary_key("id")
            .filter(Expr::col("id").is_in(ids.iter().copied()))
    }
}

/// The member ids of `set`, read from the database, sorted.
pub(crate) async fn ids<DB>(pool: &sqlx::Pool<DB>, set: &ObjectSet) -> Vec<i64>
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let mut ids: Vec<i64> = set
        .members()
        .columns(["id"])
        .fetch_scalars(pool)
        .await
        .expect("reading the members");
    ids.sort_unstable();
    ids
}

/// Asserts that `set`'s stored count, its value's count and its members agree with
/// `expected`.
pub(crate) async fn assert_members<DB>(pool: &sqlx::Pool<DB>, set: &ObjectSet, expected: &[i64])
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    assert_eq!(ids(pool, set).await, expected, "members of {}", set.name());
    assert_eq!(
        set.count(),
        expected.len() as u64,
        "count held by {}",
        set.name()
    );
    let stored = set
        .kind()
        .load(pool, set.id())
        .await
        .expect("reloading the set");
    assert_eq!(
        stored.count(),
        expected.len() as u64,
        "stored count of {}",
        set.name()
    );
}
