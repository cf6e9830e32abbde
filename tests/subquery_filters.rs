//! A set as a filter in another query: `filter_in` and `exclude_in`, on every engine.
//!
//! `numbers` holds num 0..=9 with id = num + 1 and other_num = 10 − num. Each test is a
//! counterexample to one wrong rendering: `NOT IN` against a NULL, a filter pushed into a
//! subtracted branch, a nested set flattened by SQLite, a LIMIT directly inside `IN`.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::Error;
use setql::prelude::*;

fn num() -> Expr {
    Expr::col("num")
}

/// A table `(id INTEGER PRIMARY KEY, v INTEGER)` holding `values`, NULLs included.
async fn values_table<DB>(pool: &sqlx::Pool<DB>, values: &[Option<i32>]) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let name = unique("vals");
    exec(
        pool,
        format!("CREATE TABLE {name} (id INTEGER PRIMARY KEY, v INTEGER)"),
    )
    .await;
    let rows: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(at, v)| match v {
            Some(v) => format!("({}, {v})", at + 1),
            None => format!("({}, NULL)", at + 1),
        })
        .collect();
    exec(
        pool,
        format!("INSERT INTO {name} (id, v) VALUES {}", rows.join(", ")),
    )
    .await;
    name
}

/// The one column of every row of `$set`, sorted.
macro_rules! ones {
    ($pool:expr, $set:expr) => {{
        let fetched: Vec<(Option<i32>,)> = $set.fetch_all($pool).await.unwrap();
        let mut rows: Vec<Option<i32>> = fetched.into_iter().map(|(v,)| v).collect();
        rows.sort_unstable();
        rows
    }};
}

/// `num` of `$set`'s rows, fused and with branches kept, each sorted.
macro_rules! both_plans {
    ($pool:expr, $set:expr) => {{
        let mut fused = nums!($pool, $set.clone());
        let mut kept = nums!($pool, $set.clone().keep_branches());
        fused.sort_unstable();
        kept.sort_unstable();
        (fused, kept)
    }};
}

engines!(filter_in_keeps_the_members, |pool, engine| {
    let t = numbers(pool).await;
    let v = values_table(pool, &[Some(1), Some(3), None, Some(5)]).await;
    let set = QuerySet::table(v.clone()).columns(["v"]);
    let kept = QuerySet::table(t.clone()).filter_in("num", &set);
    let mut got = nums!(pool, kept.clone());
    got.sort_unstable();
    assert_eq!(got, [1, 3, 5], "{engine:?}");
    assert_eq!(kept.count(pool).await.unwrap(), 3, "{engine:?}");
    assert!(kept.exists(pool).await.unwrap(), "{engine:?}");
});

// The NOT IN trap: `x NOT IN (1, NULL)` is never true, so a bare `NOT IN` would keep no row.
engines!(exclude_in_against_a_set_holding_null, |pool, engine| {
    let t = numbers(pool).await;
    let v = values_table(pool, &[Some(1), Some(3), None, Some(5)]).await;
    let trap: Vec<(i32,)> = raw!(
        pool,
        (i32,),
        format!("SELECT num FROM {t} WHERE num NOT IN (SELECT v FROM {v})")
    );
    assert!(
        trap.is_empty(),
        "{engine:?}: the trap this test guards against"
    );
    let set = QuerySet::table(v.clone()).columns(["v"]);
    let expected = [0, 2, 4, 6, 7, 8, 9];
    let mut got = nums!(pool, QuerySet::table(t.clone()).exclude_in("num", &set));
    got.sort_unstable();
    assert_eq!(got, expected, "{engine:?}");
    // Declaring `num` NOT NULL must not turn the exclusion into `NOT IN`: the set's NULL
    // is what makes it NULL.
    let declared = QuerySet::table(t.clone()).not_null(["num"]);
    let mut got = nums!(pool, declared.exclude_in("num", &set));
    got.sort_unstable();
    assert_eq!(got, expected, "{engine:?}");
});

// A NULL column is in no set: filter_in drops it, exclude_in keeps it.
engines!(a_null_column_is_kept_by_exclude_in_only, |pool, engine| {
    let outer = values_table(pool, &[Some(1), Some(2), None, Some(5)]).await;
    let inner = values_table(pool, &[Some(1), Some(2), Some(7)]).await;
    let set = QuerySet::table(inner.clone()).columns(["v"]);
    let rows = QuerySet::table(outer.clone()).columns(["v"]);
    assert_eq!(
        ones!(pool, rows.clone().filter_in("v", &set)),
        [Some(1), Some(2)],
        "{engine:?}"
    );
    assert_eq!(
        ones!(pool, rows.clone().exclude_in("v", &set)),
        [None, Some(5)],
        "{engine:?}"
    );
    // Both traps at once: a NULL column against a set holding a NULL.
    let with_null = QuerySet::table(outer.clone())
        .exclude(Expr::col("v").eq(5))
        .columns(["v"]);
    assert_eq!(
        ones!(pool, with_null.clone()),
        [None, Some(1), Some(2)],
        "{engine:?}"
    );
    assert_eq!(
        ones!(pool, rows.exclude_in("v", &with_null)),
        [None, Some(5)],
        "{engine:?}"
    );
});

// A union of two tables projected to common names by position: the second branch reads the
// filter in its own column, `val`.
engines!(filter_in_on_a_union_of_two_tables, |pool, engine| {
    let t = numbers(pool).await;
    let other = unique("other");
    exec(
        pool,
        format!("CREATE TABLE {other} (key_id INTEGER PRIMARY KEY, val INTEGER NOT NULL)"),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {other} (key_id, val) VALUES (100, 20), (101, 21), (102, 3)"),
    )
    .await;
    let v = values_table(pool, &[Some(3), Some(21), None]).await;
    let set = QuerySet::table(v.clone()).columns(["v"]);
    let union = QuerySet::table(t.clone()).columns(["id", "num"])
        | QuerySet::table(other.clone()).columns(["key_id", "val"]);
    let filtered = union.clone().filter_in("num", &set);
    let sql = filtered.to_sql(Dialect::Postgres).unwrap();
    assert!(sql.contains(r#""val" IN (SELECT"#), "{sql}");
    let mut rows: Vec<(i32, i32)> = filtered.fetch_all(pool).await.unwrap();
    rows.sort_unstable();
    assert_eq!(rows, [(4, 3), (101, 21), (102, 3)], "{engine:?}");
    let mut rows: Vec<(i32, i32)> = union.exclude_in("num", &set).fetch_all(pool).await.unwrap();
    rows.sort_unstable();
    assert_eq!(rows.len(), 10, "{engine:?}: {rows:?}");
    assert!(
        rows.contains(&(100, 20)) && !rows.contains(&(4, 3)),
        "{engine:?}"
    );
});

// A filter_in on a union of one table's rows goes into the fused SELECT or every branch.
engines!(filter_in_on_a_fused_union, |pool, engine| {
    let t = numbers(pool).await;
    let v = values_table(pool, &[Some(1), Some(8), Some(4)]).await;
    let set = QuerySet::table(v.clone()).columns(["v"]);
    let n = |p: Expr| QuerySet::table(t.clone()).primary_key("id").filter(p);
    let union = n(num().lte(3)) | n(num().gte(7));
    assert_eq!(
        both_plans!(pool, union.clone().filter_in("num", &set)),
        (vec![1, 8], vec![1, 8]),
        "{engine:?}"
    );
    assert_eq!(
        both_plans!(pool, union.clone().exclude_in("num", &set)),
        (vec![0, 2, 3, 7, 9], vec![0, 2, 3, 7, 9]),
        "{engine:?}"
    );
    // Branch filters that are themselves subquery filters fuse too.
    let fused = n(num().lte(3)).filter_in("num", &set) | n(num().gte(7)).exclude_in("num", &set);
    let sql = fused.to_sql(Dialect::Sqlite).unwrap();
    assert!(
        !sql.contains("UNION") && sql.matches(" IN (SELECT").count() == 2,
        "{sql}"
    );
    let sql = union
        .clone()
        .filter_in("num", &set)
        .to_sql(Dialect::Postgres)
        .unwrap();
    assert!(!sql.contains("UNION"), "{sql}");
    assert_eq!(
        both_plans!(pool, fused),
        (vec![1, 7, 9], vec![1, 7, 9]),
        "{engine:?}"
    );
    assert_eq!(
        (n(num().lte(3)).filter_in("num", &set) - n(num().gte(1)).filter_in("num", &set))
            .count(pool)
            .await
            .unwrap(),
        0,
        "{engine:?}"
    );
});

// Through a difference, on an output column: into every branch.
engines!(
    filter_in_through_a_difference_on_an_output_column,
    |pool, engine| {
        let t = numbers(pool).await;
        let v = values_table(pool, &[Some(0), Some(4), Some(6), None]).await;
        let set = QuerySet::table(v.clone()).columns(["v"]);
        let n = |p: Expr| QuerySet::table(t.clone()).filter(p).columns(["num"]);
        let difference = n(num().lte(6)) - n(num().eq(4));
        assert_eq!(
            ones!(pool, difference.clone().filter_in("num", &set)),
            [Some(0), Some(6)],
            "{engine:?}"
        );
        assert_eq!(
            ones!(pool, difference.keep_branches().exclude_in("num", &set)),
            [Some(1), Some(2), Some(3), Some(5)],
            "{engine:?}"
        );
    }
);

// Through a difference, on a column the difference does not output: into the first branch
// only. Rows 1 and 2 both output grp 1; filtering the subtracted branch too would drop row 2
// from it, and grp 1 would come back.
engines!(
    filter_in_through_a_difference_on_a_hidden_column,
    |pool, engine| {
        let pairs = unique("pairs");
        exec(
        pool,
        format!("CREATE TABLE {pairs} (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, h INTEGER NOT NULL)"),
    )
    .await;
        exec(
            pool,
            format!("INSERT INTO {pairs} (id, grp, h) VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30)"),
        )
        .await;
        let v = values_table(pool, &[Some(10), Some(30)]).await;
        let set = QuerySet::table(v.clone()).columns(["v"]);
        let rows = |p: Expr| {
            QuerySet::table(pairs.clone())
                .primary_key("id")
                .filter(p)
                .columns(["grp"])
        };
        let difference = rows(Expr::col("id").is_in([1, 3])) - rows(Expr::col("id").eq(2));
        for set_kept in [difference.clone(), difference.clone().keep_branches()] {
            assert_eq!(
                ones!(pool, set_kept.clone().filter_in("h", &set)),
                [Some(2)],
                "{engine:?}"
            );
            // h of row 1 is 10, so exclude_in keeps row 3's grp 2 only... and row 1's grp 1 is
            // subtracted anyway.
            assert_eq!(
                ones!(pool, set_kept.exclude_in("h", &set)),
                Vec::<Option<i32>>::new(),
                "{engine:?}"
            );
        }
    }
);

// The set is itself a nested combination. SQLite has no parenthesised members, so
// `A ∩ (B ∪ C)` flattened would read `(A ∩ B) ∪ C`; inside IN it must keep its structure.
engines!(a_nested_combination_as_the_set, |pool, engine| {
    let t = numbers(pool).await;
    let other = numbers(pool).await;
    let n = |p: Expr| QuerySet::table(other.clone()).filter(p).columns(["num"]);
    let nested = (n(num().lte(5)) & (n(num().lte(1)) | n(num().gte(8)))).keep_branches();
    let outer = QuerySet::table(t.clone());
    let mut got = nums!(pool, outer.clone().filter_in("num", &nested));
    got.sort_unstable();
    assert_eq!(got, [0, 1], "{engine:?}");
    let minus = (n(num().lte(6)) - (n(num().lte(1)) | n(num().gte(5)))).keep_branches();
    let mut got = nums!(pool, outer.clone().filter_in("num", &minus));
    got.sort_unstable();
    assert_eq!(got, [2, 3, 4], "{engine:?}");
    let mut got = nums!(pool, outer.clone().exclude_in("num", &minus));
    got.sort_unstable();
    assert_eq!(got, [0, 1, 5, 6, 7, 8, 9], "{engine:?}");
    // A set that filters by a set of its own.
    let inner = n(num().gte(7));
    let twice = n(num().gte(5))
        .filter_in("num", &inner)
        .union(n(num().eq(0)));
    let mut got = nums!(pool, outer.filter_in("num", &twice));
    got.sort_unstable();
    assert_eq!(got, [0, 7, 8, 9], "{engine:?}");
});

// A sliced set: MySQL and MariaDB refuse LIMIT directly inside IN.
engines!(a_sliced_set, |pool, engine| {
    let t = numbers(pool).await;
    let other = numbers(pool).await;
    let n = |p: Expr| QuerySet::table(other.clone()).filter(p).columns(["num"]);
    let outer = QuerySet::table(t.clone());
    let top = n(num().gte(0)).order_by("num", Order::Desc).limit(3);
    let mut got = nums!(pool, outer.clone().filter_in("num", &top));
    got.sort_unstable();
    assert_eq!(got, [7, 8, 9], "{engine:?}");
    let mut got = nums!(
        pool,
        outer.clone().exclude_in("num", &top.clone().offset(1))
    );
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 3, 4, 5, 6, 9], "{engine:?}");
    // A sliced combination, and a combination with a sliced member.
    let sliced_union = (n(num().lte(2)) | n(num().gte(8)))
        .order_by("num", Order::Asc)
        .offset(1)
        .limit(2);
    let mut got = nums!(pool, outer.clone().filter_in("num", &sliced_union));
    got.sort_unstable();
    assert_eq!(got, [1, 2], "{engine:?}");
    let sliced_member = n(num().lte(2)) | n(num().gte(5)).order_by("num", Order::Asc).limit(2);
    let mut got = nums!(pool, outer.filter_in("num", &sliced_member));
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 5, 6], "{engine:?}");
});

// A set of two columns is refused before anything is sent.
engines!(a_set_of_two_columns_is_refused, |pool, engine| {
    let t = numbers(pool).await;
    let two = QuerySet::table(t.clone()).columns(["id", "num"]);
    let bad = QuerySet::table(t.clone()).filter_in("num", &two);
    let closed = pool.clone();
    closed.close().await;
    let fetched: Result<Vec<(i32, i32, i32)>, Error> = bad.fetch_all(&closed).await;
    let err = fetched.unwrap_err();
    match err {
        Error::SubqueryColumns { columns } => assert_eq!(columns, ["id", "num"], "{engine:?}"),
        other => panic!("{engine:?}: {other:?}"),
    }
    let annotated = QuerySet::table(t.clone()).column_as(num().add(1), "next");
    let err = QuerySet::table(t.clone())
        .exclude_in("num", &annotated)
        .to_sql(Dialect::Sqlite)
        .unwrap_err();
    assert!(
        matches!(&err, Error::SubqueryColumns { columns } if columns.len() == 2),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "a set used as a filter must output exactly one column, but this one outputs ({t}.*, next)"
        )
    );
});

// The empty set: nothing is in it.
engines!(the_empty_set, |pool, engine| {
    let t = numbers(pool).await;
    let outer = QuerySet::table(t.clone());
    assert_eq!(
        outer
            .clone()
            .filter_in("num", &QuerySet::none())
            .count(pool)
            .await
            .unwrap(),
        0,
        "{engine:?}"
    );
    assert_eq!(
        outer
            .exclude_in("num", &QuerySet::none())
            .count(pool)
            .await
            .unwrap(),
        10,
        "{engine:?}"
    );
});

// The README's example: comments on posts by author 7 or tagged "rust", except banned users'.
#[test]
fn the_set_is_rendered_for_the_outer_dialect() {
    let by_author = QuerySet::table("posts")
        .filter(Expr::col("author_id").eq(7))
        .columns(["id"]);
    let tagged = QuerySet::table("tags")
        .filter(Expr::col("tag").eq("rust"))
        .columns(["post_id"]);
    let banned = QuerySet::table("bans").columns(["user_id"]);
    let comments = QuerySet::table("comments")
        .filter_in(
            "post_id",
            &(by_author | tagged).order_by("id", Order::Desc).limit(50),
        )
        .exclude_in("author_id", &banned);
    assert_eq!(
        comments.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT * FROM "comments" WHERE "post_id" IN (SELECT "id" FROM "posts" WHERE "author_id" = 7 UNION SELECT "post_id" FROM "tags" WHERE "tag" = 'rust' ORDER BY "id" DESC LIMIT 50) AND ("author_id" IN (SELECT "user_id" FROM "bans")) IS NOT TRUE"#
    );
    assert_eq!(
        comments.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM "comments" WHERE "post_id" IN (SELECT * FROM (SELECT DISTINCT "id" FROM "posts" WHERE "author_id" = 7 ORDER BY "id" DESC NULLS LAST LIMIT 50) AS "m1" UNION (SELECT DISTINCT "post_id" FROM "tags" WHERE "tag" = 'rust' ORDER BY "post_id" DESC NULLS LAST LIMIT 50) ORDER BY "id" DESC NULLS LAST LIMIT 50) AND ("author_id" IN (SELECT "user_id" FROM "bans")) IS NOT TRUE"#
    );
    assert_eq!(
        comments.to_sql(Dialect::MySql).unwrap(),
        "SELECT * FROM `comments` WHERE `post_id` IN (SELECT * FROM (SELECT * FROM (SELECT DISTINCT `id` FROM `posts` WHERE `author_id` = 7 ORDER BY `id` DESC LIMIT 50) AS `m1` UNION (SELECT DISTINCT `post_id` FROM `tags` WHERE `tag` = 'rust' ORDER BY `post_id` DESC LIMIT 50) ORDER BY `id` DESC LIMIT 50) AS `s2`) AND (`author_id` IN (SELECT `user_id` FROM `bans`)) IS NOT TRUE"
    );
}

// A write through a set filtered by a set: in place, with the set read before the write on
// MySQL, which refuses a subquery that reads the table being written (error 1093). Both the
// set of another table and a set of the written table itself.
engines!(writes_through_a_set_filtered_by_a_set, |pool, engine| {
    let t = numbers(pool).await;
    let v = values_table(pool, &[Some(1), Some(3), None]).await;
    let others = QuerySet::table(v.clone()).columns(["v"]);
    let rows = QuerySet::table(t.clone());
    let updated = rows
        .clone()
        .filter_in("num", &others)
        .update(pool, [("other_num", Expr::val(100))])
        .await
        .unwrap();
    assert_eq!(updated, 2, "{engine:?}");
    // The rows whose num is a member of the same table's top three by other_num.
    let top = rows
        .clone()
        .order_by("other_num", Order::Desc)
        .limit(3)
        .columns(["num"]);
    assert_eq!(
        ones!(pool, top.clone()),
        [Some(0), Some(1), Some(3)],
        "{engine:?}"
    );
    let deleted = rows
        .clone()
        .exclude_in("num", &top)
        .filter(num().lte(4))
        .delete(pool)
        .await
        .unwrap();
    assert_eq!(deleted, 2, "{engine:?}");
    let mut left = nums!(pool, rows.clone());
    left.sort_unstable();
    assert_eq!(left, [0, 1, 3, 5, 6, 7, 8, 9], "{engine:?}");
    let sql = rows
        .filter_in("num", &top)
        .update_sql(Dialect::MySql, [("other_num", Expr::val(0))])
        .unwrap();
    assert!(sql.contains("SELECT DISTINCT * FROM"), "{sql}");
});
