//! Writes that MySQL and MariaDB evaluate differently from PostgreSQL and SQLite, with the
//! one answer setql gives on every engine:
//! - every assignment of an update reads the row as it was, though MySQL evaluates a
//!   single-table `SET` left to right;
//! - a write through a set whose key may hold NULL is refused, since `key IN (…)` would
//!   skip the NULL rows silently.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use setql::{Error, set_add};

/// `(id, a, b)` with (1, 1, 100), (2, 2, 200), (3, 3, 300).
async fn pairs<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("pairs");
    exec(
        pool,
        format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, a BIGINT NOT NULL, b BIGINT NOT NULL)"),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {t} (id, a, b) VALUES (1, 1, 100), (2, 2, 200), (3, 3, 300)"),
    )
    .await;
    t
}

engines!(
    /// `SET a = a + 10, b = a`: b gets the old a, 1, not 11.
    a_later_assignment_reads_the_old_value,
    |pool, engine| {
        let t = pairs(pool).await;
        let one = QuerySet::table(t.clone()).primary_key("id").filter(Expr::col("id").eq(1));
        let matched = one
            .update(pool, [("a", Expr::col("a").add(10)), ("b", Expr::col("a"))])
            .await
            .unwrap();
        assert_eq!(matched, 1);
        let rows: Vec<(i64, i64, i64)> = QuerySet::table(t.clone()).order_by("id", Order::Asc).fetch_all(pool).await.unwrap();
        assert_eq!(rows, [(1, 11, 1), (2, 2, 200), (3, 3, 300)], "{engine:?}");
        // Without a declared key too: reordering needs none.
        let two = QuerySet::table(t.clone()).filter(Expr::col("id").eq(2));
        two.update(pool, [("a", Expr::col("b")), ("b", Expr::col("b").add(1))]).await.unwrap();
        let row: (i64, i64, i64) = QuerySet::table(t.clone()).filter(Expr::col("id").eq(2)).get(pool).await.unwrap();
        assert_eq!(row, (2, 200, 201), "{engine:?}");
    }
);

engines!(
    /// A swap reads both old values: (2, 200) becomes (200, 2), in place and through the key.
    a_swap_reads_both_old_values,
    |pool, engine| {
        let t = pairs(pool).await;
        let swap = [("a", Expr::col("b")), ("b", Expr::col("a"))];
        let keyed = || QuerySet::table(t.clone()).primary_key("id");
        keyed().filter(Expr::col("id").eq(2)).update(pool, swap.clone()).await.unwrap();
        // Through the key: a sliced set.
        keyed().order_by("id", Order::Desc).limit(1).update(pool, swap.clone()).await.unwrap();
        let rows: Vec<(i64, i64, i64)> = keyed().order_by("id", Order::Asc).fetch_all(pool).await.unwrap();
        assert_eq!(rows, [(1, 1, 100), (2, 200, 2), (3, 300, 3)], "{engine:?}");
        if engine == Engine::MySql {
            // MySQL reads the old row through a join on the key.
            let sql = keyed().filter(Expr::col("id").eq(2)).update_sql(setql::Dialect::MySql, swap.clone()).unwrap();
            assert_eq!(
                sql,
                format!("UPDATE `{t}` JOIN (SELECT DISTINCT `{t}`.`id`, `{t}`.`b`, `{t}`.`a` FROM `{t}` WHERE `id` = 2) AS `setql_old` ON `{t}`.`id` = `setql_old`.`id` SET `{t}`.`a` = `setql_old`.`b`, `{t}`.`b` = `setql_old`.`a`")
            );
        }
        // A swap without a key to read the old row by is refused on MySQL alone, before
        // anything is sent; elsewhere it runs as written.
        let unkeyed = QuerySet::table(t.clone()).filter(Expr::col("id").eq(1));
        let result = unkeyed.update(pool, swap.clone()).await;
        if engine == Engine::MySql {
            assert!(matches!(result, Err(Error::NotWritable { operation: "update", .. })), "{result:?}");
        } else {
            assert_eq!(result.unwrap(), 1);
        }
        let row: (i64, i64, i64) = keyed().filter(Expr::col("id").eq(1)).get(pool).await.unwrap();
        let expected = if engine == Engine::MySql { (1, 1, 100) } else { (1, 100, 1) };
        assert_eq!(row, expected, "{engine:?}");
    }
);

engines!(
    /// Set columns that read each other: {snickers, mars} and {orange}; tags gets x added to
    /// the old tags2, and tags2 gets y added to the old tags.
    set_columns_read_each_others_old_value,
    |pool, engine| {
        let t = unique("sets");
        exec(pool, format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, tags VARCHAR(100), tags2 VARCHAR(100))")).await;
        exec(pool, format!("INSERT INTO {t} (id, tags, tags2) VALUES (1, 'snickers,mars', 'orange')")).await;
        let row = QuerySet::table(t.clone()).primary_key("id").filter(Expr::col("id").eq(1));
        row.update(pool, [("tags", set_add("tags2", "x")), ("tags2", set_add("tags", "y"))]).await.unwrap();
        let (tags, tags2): (setql::CommaSet<String>, setql::CommaSet<String>) =
            row.clone().columns(["tags", "tags2"]).get(pool).await.unwrap();
        assert_eq!(tags.into_inner().into_iter().collect::<Vec<_>>(), ["orange", "x"], "{engine:?}");
        assert_eq!(tags2.into_inner().into_iter().collect::<Vec<_>>(), ["mars", "snickers", "y"], "{engine:?}");
    }
);

engines!(
    /// A column assigned twice means something else on each engine (PostgreSQL refuses it,
    /// SQLite keeps the last, MySQL applies both), so it is refused before sending.
    a_column_assigned_twice_is_refused,
    |pool, engine| {
        let t = pairs(pool).await;
        let set = QuerySet::table(t.clone()).filter(Expr::col("id").eq(1));
        let refused = set.update(pool, [("a", Expr::val(5)), ("a", Expr::val(6))]).await;
        assert!(matches!(refused, Err(Error::NotWritable { reason, .. }) if reason.contains("twice")), "{engine:?}: {refused:?}");
        let row: (i64, i64, i64) = set.get(pool).await.unwrap();
        assert_eq!(row, (1, 1, 100));
    }
);

engines!(
    /// `(id, code NULL, num)`: the three rows of lowest num are ids 1, 2 and 3, and id 1's
    /// key is NULL. A write through that key would skip it, so it is refused, and the same
    /// set keyed by the primary key writes exactly those three rows.
    a_write_through_a_key_that_may_hold_null_is_refused,
    |pool, engine| {
        let t = unique("codes");
        exec(pool, format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, code VARCHAR(8), num BIGINT NOT NULL)")).await;
        exec(pool, format!("INSERT INTO {t} (id, code, num) VALUES (1, NULL, 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4)")).await;
        let by_code = QuerySet::table(t.clone()).unique_key(["code"]).order_by("num", Order::Asc).limit(3);
        let mut fetched: Vec<(i64, Option<String>, i64)> = by_code.fetch_all(pool).await.unwrap();
        fetched.sort();
        assert_eq!(fetched.iter().map(|row| row.0).collect::<Vec<_>>(), [1, 2, 3]);
        let refused = by_code.delete(pool).await;
        assert!(matches!(refused, Err(Error::NotWritable { operation: "delete", .. })), "{engine:?}: {refused:?}");
        let refused = by_code.update(pool, [("num", Expr::val(0))]).await;
        assert!(matches!(refused, Err(Error::NotWritable { operation: "update", .. })), "{refused:?}");
        assert!(by_code.delete_sql(setql::Dialect::Postgres).is_err());
        assert_eq!(QuerySet::table(t.clone()).count(pool).await.unwrap(), 4, "{engine:?}: nothing was written");
        // Declared NOT NULL, the key is trusted again (here wrongly, so only for the check).
        let not_null = QuerySet::table(t.clone()).unique_key(["code"]).not_null(["code"]).order_by("num", Order::Asc).limit(3);
        assert!(not_null.delete_sql(setql::Dialect::Postgres).is_ok());
        // Through the primary key, the same three rows go.
        let by_id = QuerySet::table(t.clone()).primary_key("id").order_by("num", Order::Asc).limit(3);
        assert_eq!(by_id.delete(pool).await.unwrap(), 3, "{engine:?}");
        let left: Vec<i64> = QuerySet::table(t.clone()).columns(["id"]).fetch_scalars(pool).await.unwrap();
        assert_eq!(left, [4], "{engine:?}");
    }
);
