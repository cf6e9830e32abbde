//! Update and delete through a set: exactly the set's rows change, on every engine; the count
//! is of matched rows everywhere; a write inside a transaction rolls back with it; and a set
//! that cannot be written exactly is refused before anything is sent.

mod common;

use common::plan::AnySet;
use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::Error;
use setql::prelude::*;

/// `(id, num, other_num)` rows of `t`, by id.
async fn rows<DB>(pool: &sqlx::Pool<DB>, t: &str) -> Vec<(i32, i32, i32)>
where
    DB: setql::Backend,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    (i32, i32, i32): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    QuerySet::table(t.to_owned())
        .order_by("id", Order::Asc)
        .fetch_all(pool)
        .await
        .expect("reading the table back")
}

/// The ids of `t` whose `other_num` is at least `floor`.
async fn ids_over<DB>(pool: &sqlx::Pool<DB>, t: &str, floor: i32) -> Vec<i32>
where
    DB: setql::Backend,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    (i32, i32, i32): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    rows(pool, t)
        .await
        .into_iter()
        .filter(|&(_, _, other)| other >= floor)
        .map(|(id, ..)| id)
        .collect()
}

fn keyed(t: &str) -> QuerySet {
    QuerySet::table(t.to_owned()).primary_key("id")
}

engines!(
    an_update_that_changes_nothing_counts_matched_rows,
    |pool, engine| {
        let t = numbers(pool).await;
        let before = rows(pool, &t).await;
        // MySQL would count 0 changed rows; every engine reports the 3 rows matched.
        let set = keyed(&t).filter(Expr::col("num").lt(3));
        let matched = set
            .update(pool, [("other_num", Expr::col("other_num"))])
            .await
            .unwrap();
        assert_eq!(matched, 3, "{engine:?}");
        // The key-IN form too (a slice), assigning the values the rows already hold.
        let sliced = keyed(&t).order_by("num", Order::Asc).limit(2);
        let matched = sliced
            .update(pool, [("num", Expr::col("id").sub(1))])
            .await
            .unwrap();
        assert_eq!(matched, 2, "{engine:?}");
        assert_eq!(rows(pool, &t).await, before, "{engine:?}");
    }
);

engines!(
    an_update_through_a_sliced_ordered_set_changes_exactly_the_fetched_rows,
    |pool, engine| {
        let t = numbers(pool).await;
        exec(pool, format!("UPDATE {t} SET other_num = num % 3")).await;
        // Ties under `other_num`, broken by the key, decide which rows are in the window.
        let low = keyed(&t).filter(Expr::col("num").lt(5));
        let high = keyed(&t).filter(Expr::col("num").gte(7));
        let sets = [
            AnySet::Plain(
                keyed(&t)
                    .order_by("other_num", Order::Desc)
                    .offset(2)
                    .limit(3),
            ),
            AnySet::Union(
                (low.clone() | high.clone())
                    .keep_branches()
                    .order_by("other_num", Order::Asc)
                    .offset(1)
                    .limit(4),
            ),
            AnySet::Union((low | high).order_by("other_num", Order::Asc).limit(3)),
        ];
        for (i, set) in sets.iter().enumerate() {
            let fetched: Vec<(i32, i32, i32)> =
                with_set!(set, |s| s.fetch_all(pool).await).unwrap();
            let mut expected: Vec<i32> = fetched.iter().map(|&(id, ..)| id).collect();
            expected.sort_unstable();
            let floor = 100 * (i32::try_from(i).unwrap() + 1);
            let matched = with_set!(set, |s| s
                .update(pool, [("other_num", Expr::val(floor))])
                .await)
            .unwrap();
            assert_eq!(
                matched,
                u64::try_from(expected.len()).unwrap(),
                "{engine:?} set {i}"
            );
            let changed: Vec<i32> = rows(pool, &t)
                .await
                .into_iter()
                .filter(|&(_, _, other)| other == floor)
                .map(|(id, ..)| id)
                .collect();
            assert_eq!(changed, expected, "{engine:?} set {i}");
            exec(pool, format!("UPDATE {t} SET other_num = num % 3")).await;
        }
    }
);

engines!(
    an_update_through_a_difference_changes_no_subtracted_row,
    |pool, engine| {
        let t = numbers(pool).await;
        let first = keyed(&t).filter(Expr::col("num").lt(6));
        let subtracted = keyed(&t).filter(Expr::col("num").gte(3));
        // Fused into one statement, and kept as EXCEPT: both must leave nums 3..=5 alone.
        for kept in [false, true] {
            let difference = first.clone() - subtracted.clone();
            let difference = if kept {
                difference.keep_branches()
            } else {
                difference
            };
            let floor = if kept { 200 } else { 100 };
            let matched = difference
                .update(pool, [("other_num", Expr::col("other_num").add(floor))])
                .await
                .unwrap();
            assert_eq!(matched, 3, "{engine:?} kept={kept}");
            assert_eq!(
                ids_over(pool, &t, floor).await,
                [1, 2, 3],
                "{engine:?} kept={kept}"
            );
            exec(pool, format!("UPDATE {t} SET other_num = 10 - num")).await;
        }
    }
);

engines!(
    a_delete_through_a_union_deletes_the_unions_rows,
    |pool, engine| {
        for kept in [false, true] {
            let t = numbers(pool).await;
            let union =
                keyed(&t).filter(Expr::col("num").lt(2)) | keyed(&t).filter(Expr::col("num").gt(7));
            let union = if kept { union.keep_branches() } else { union };
            assert_eq!(
                union.delete(pool).await.unwrap(),
                4,
                "{engine:?} kept={kept}"
            );
            let left: Vec<i32> = rows(pool, &t)
                .await
                .into_iter()
                .map(|(id, ..)| id)
                .collect();
            assert_eq!(left, [3, 4, 5, 6, 7, 8], "{engine:?} kept={kept}");
            // The same rows again: none is left to match.
            assert_eq!(
                union.delete(pool).await.unwrap(),
                0,
                "{engine:?} kept={kept}"
            );
        }
    }
);

engines!(
    a_delete_through_a_union_all_of_repeated_rows_deletes_each_once,
    |pool, engine| {
        let t = numbers(pool).await;
        let twice = keyed(&t)
            .filter(Expr::col("num").lt(3))
            .union_all(keyed(&t).filter(Expr::col("num").lt(4)));
        assert_eq!(twice.count(pool).await.unwrap(), 7, "{engine:?}");
        assert_eq!(twice.delete(pool).await.unwrap(), 4, "{engine:?}");
        assert_eq!(rows(pool, &t).await.len(), 6, "{engine:?}");
    }
);

engines!(score_plus_one_through_a_fused_union, |pool, engine| {
    let t = numbers(pool).await;
    let union = keyed(&t).filter(Expr::col("num").eq(1)) | keyed(&t).filter(Expr::col("num").eq(8));
    // Fused: one UPDATE over the table, no subquery.
    let sql = union
        .update_sql(
            Dialect::Postgres,
            [("other_num", Expr::col("other_num").add(1))],
        )
        .unwrap();
    assert_eq!(
        sql,
        format!(r#"UPDATE "{t}" SET "other_num" = "other_num" + 1 WHERE "num" IN (1, 8)"#)
    );
    let matched = union
        .update(pool, [("other_num", Expr::col("other_num").add(1))])
        .await
        .unwrap();
    assert_eq!(matched, 2, "{engine:?}");
    let after = rows(pool, &t).await;
    let changed: Vec<(i32, i32, i32)> = after
        .into_iter()
        .filter(|&(_, num, other)| other != 10 - num)
        .collect();
    assert_eq!(changed, [(2, 1, 10), (9, 8, 3)], "{engine:?}");
});

engines!(a_composite_key_is_matched_as_a_row_value, |pool, engine| {
    let t = unique("pairs");
    exec(pool, format!("CREATE TABLE {t} (x INTEGER NOT NULL, y INTEGER NOT NULL, v INTEGER NOT NULL, PRIMARY KEY (x, y))")).await;
    exec(
        pool,
        format!("INSERT INTO {t} (x, y, v) VALUES (1, 1, 0), (1, 2, 0), (2, 1, 0), (2, 2, 0)"),
    )
    .await;
    let set = QuerySet::table(t.clone())
        .unique_key(["x", "y"])
        .order_by("y", Order::Desc)
        .order_by("x", Order::Asc)
        .limit(3);
    assert_eq!(
        set.update(pool, [("v", Expr::val(1))]).await.unwrap(),
        3,
        "{engine:?}"
    );
    let marked: Vec<(i32, i32, i32)> = QuerySet::table(t.clone())
        .filter(Expr::col("v").eq(1))
        .order_by("x", Order::Asc)
        .order_by("y", Order::Asc)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(marked, [(1, 1, 1), (1, 2, 1), (2, 2, 1)], "{engine:?}");
});

engines!(
    a_write_inside_a_transaction_rolls_back_with_it,
    |pool, engine| {
        let t = numbers(pool).await;
        let before = rows(pool, &t).await;
        let sliced = keyed(&t).order_by("num", Order::Desc).limit(3);
        let mut tx = pool.begin().await.unwrap();
        let matched = sliced
            .update(&mut *tx, [("other_num", Expr::val(0))])
            .await
            .unwrap();
        assert_eq!(matched, 3, "{engine:?}");
        let deleted = keyed(&t)
            .filter(Expr::col("other_num").eq(0))
            .delete(&mut *tx)
            .await
            .unwrap();
        assert_eq!(deleted, 3, "{engine:?}");
        assert_eq!(keyed(&t).count(&mut *tx).await.unwrap(), 7, "{engine:?}");
        tx.rollback().await.unwrap();
        assert_eq!(rows(pool, &t).await, before, "{engine:?}");
    }
);

engines!(
    a_set_without_one_table_and_key_is_refused_before_sending,
    |pool, engine| {
        let t = numbers(pool).await;
        let u = numbers(pool).await;
        let before = rows(pool, &t).await;
        let no_key = QuerySet::table(t.clone());
        let refused = [
            // No declared key, and not a plain filter of the table.
            AnySet::Plain(no_key.clone().order_by("num", Order::Asc).limit(2)),
            AnySet::Plain(no_key.clone().distinct()),
            AnySet::Union(
                no_key.clone().filter(Expr::col("num").lt(2))
                    | no_key.clone().filter(Expr::col("num").gt(7)),
            ),
            // Two tables, each keyed.
            AnySet::Union(keyed(&t) | keyed(&u)),
            AnySet::Union((keyed(&t).filter(Expr::col("num").lt(2)) | keyed(&u)).keep_branches()),
        ];
        let refuses = |update: &setql::Result<u64>, operation: &str| matches!(update, Err(Error::NotWritable { operation: op, .. }) if *op == operation);
        for (i, set) in refused.iter().enumerate() {
            let update = with_set!(set, |s| s.update(pool, [("other_num", Expr::val(0))]).await);
            assert!(refuses(&update, "update"), "{engine:?} set {i}: {update:?}");
            let delete = with_set!(set, |s| s.delete(pool).await);
            assert!(refuses(&delete, "delete"), "{engine:?} set {i}: {delete:?}");
            assert!(
                with_set!(set, |s| s.delete_sql(Dialect::MySql)).is_err(),
                "{engine:?} set {i}"
            );
        }
        assert_eq!(rows(pool, &t).await, before, "{engine:?}");
        // A plain filter of a table needs no key.
        let matched = no_key
            .filter(Expr::col("num").lt(2))
            .update(pool, [("other_num", Expr::val(0))])
            .await
            .unwrap();
        assert_eq!(matched, 2, "{engine:?}");
        // On a closed pool, anything sent would fail as a connection error instead.
        let closed = pool.clone();
        closed.close().await;
        for (i, set) in refused.iter().enumerate() {
            let update = with_set!(set, |s| s
                .update(&closed, [("other_num", Expr::val(0))])
                .await);
            assert!(refuses(&update, "update"), "{engine:?} set {i}: {update:?}");
        }
        let nothing: [(&str, Expr); 0] = [];
        let empty = keyed(&t).update(&closed, nothing).await;
        assert!(refuses(&empty, "update"), "{engine:?}: {empty:?}");
        // A set empty by construction sends nothing and matches nothing.
        assert_eq!(
            QuerySet::none().delete(&closed).await.unwrap(),
            0,
            "{engine:?}"
        );
    }
);

#[test]
fn the_key_list_is_materialized_on_mysql_only() {
    let posts = || QuerySet::table("posts").primary_key("id");
    let recent = posts().order_by("created_at", Order::Desc).limit(10);
    assert_eq!(
        recent.delete_sql(Dialect::Postgres).unwrap(),
        r#"DELETE FROM "posts" WHERE "posts"."id" IN (SELECT "s"."id" FROM (SELECT * FROM "posts" ORDER BY "created_at" DESC NULLS LAST, "id" DESC LIMIT 10) AS "s")"#
    );
    assert_eq!(
        recent.delete_sql(Dialect::Sqlite).unwrap(),
        r#"DELETE FROM "posts" WHERE "posts"."id" IN (SELECT "s"."id" FROM (SELECT * FROM "posts" ORDER BY "created_at" DESC, "id" DESC LIMIT 10) AS "s")"#
    );
    assert_eq!(
        recent.delete_sql(Dialect::MySql).unwrap(),
        "DELETE FROM `posts` WHERE `posts`.`id` IN (SELECT `w`.`id` FROM (SELECT DISTINCT `s`.`id` FROM (SELECT * FROM `posts` ORDER BY `created_at` DESC, `id` DESC LIMIT 10) AS `s`) AS `w`)"
    );
    assert_eq!(
        posts()
            .filter(Expr::col("draft").eq(true))
            .delete_sql(Dialect::MySql)
            .unwrap(),
        "DELETE FROM `posts` WHERE `draft` = TRUE"
    );
}
