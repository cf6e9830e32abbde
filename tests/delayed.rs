//! The behaviours setql exists for: filters, excludes and ordering after combining, and the
//! places where a naive pushdown returns wrong rows.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;

macro_rules! sorted_nums {
    ($pool:expr, $set:expr) => {{
        let rows: Vec<(i32, i32, i32)> = $set.fetch_all($pool).await.unwrap();
        let mut nums: Vec<i32> = rows.into_iter().map(|(_, num, _)| num).collect();
        nums.sort_unstable();
        nums
    }};
}

/// One projected integer column, sorted.
macro_rules! sorted_column {
    ($pool:expr, $set:expr) => {{
        let rows: Vec<(i32,)> = $set.fetch_all($pool).await.unwrap();
        let mut values: Vec<i32> = rows.into_iter().map(|(v,)| v).collect();
        values.sort_unstable();
        values
    }};
}

fn num() -> Expr {
    Expr::col("num")
}

fn even() -> Expr {
    Expr::col("num").modulo(2).eq(0)
}

engines!(filter_and_exclude_after_each_kind, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n().filter(num().lte(3)) | n().filter(num().gte(7));
    assert_eq!(
        sorted_nums!(pool, union.clone().filter(even())),
        [0, 2, 8],
        "{engine:?}"
    );
    assert_eq!(
        sorted_nums!(pool, union.exclude(even())),
        [1, 3, 7, 9],
        "{engine:?}"
    );

    let intersection = n().filter(num().lte(6)) & n().filter(num().gte(3));
    assert_eq!(
        sorted_nums!(pool, intersection.clone().filter(even())),
        [4, 6],
        "{engine:?}"
    );
    assert_eq!(
        sorted_nums!(pool, intersection.exclude(even())),
        [3, 5],
        "{engine:?}"
    );

    let difference = n() - n().filter(num().gte(5));
    assert_eq!(
        sorted_nums!(pool, difference.clone().filter(even())),
        [0, 2, 4],
        "{engine:?}"
    );
    assert_eq!(
        sorted_nums!(pool, difference.exclude(even())),
        [1, 3],
        "{engine:?}"
    );

    let all = n().filter(num().lte(1)).union_all(n().filter(num().lte(2)));
    assert_eq!(
        sorted_nums!(pool, all.filter(num().gte(1))),
        [1, 1, 2],
        "{engine:?}"
    );
});

engines!(
    difference_filters_the_first_branch_for_non_output_columns,
    |pool, engine| {
        let t = numbers(pool).await;
        // Output is only `parity`; many source rows share each value.
        let parity = |set: QuerySet| set.column_as(num().modulo(2), "parity").columns(["parity"]);
        let minuend = parity(QuerySet::table(t.clone()).filter(num().lte(4))); // {0, 1}
        let subtrahend = parity(QuerySet::table(t.clone()).filter(num().eq(3))); // {1}
        let difference = minuend - subtrahend;
        assert_eq!(sorted_column!(pool, difference.clone()), [0], "{engine:?}");
        // other_num >= 8 keeps num 0..=2 in the first branch. Filtering the subtracted side too
        // would empty it and bring parity 1 back.
        let filtered = difference.filter(Expr::col("other_num").gte(8));
        assert_eq!(sorted_column!(pool, filtered), [0], "{engine:?}");
    }
);

engines!(filters_go_around_sliced_branches, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let lowest = n().order_by("num", Order::Asc).limit(2); // 0, 1
    let highest = n().order_by("num", Order::Desc).limit(2); // 9, 8
    let union = lowest | highest;
    // Inside the slices the filter would pick 1, 3 and 9, 7.
    assert_eq!(
        sorted_nums!(pool, union.clone().exclude(even())),
        [1, 9],
        "{engine:?}"
    );
    assert_eq!(
        sorted_nums!(pool, union.filter(even())),
        [0, 8],
        "{engine:?}"
    );
    // A distinct branch is filtered from outside too, and still compares whole rows.
    let distinct = n()
        .columns(["other_num"])
        .distinct()
        .filter(Expr::col("other_num").gt(8));
    assert_eq!(sorted_column!(pool, distinct), [9, 10], "{engine:?}");
});

engines!(filter_after_slice_filters_the_slice, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n().filter(num().lte(4)) | n().filter(num().gte(8));
    let top = union
        .order_by("num", Order::Asc)
        .limit(3)
        .filter(num().gt(0));
    let rows: Vec<(i32, i32, i32)> = top.fetch_all(pool).await.unwrap();
    // The slice is 0, 1, 2; the filter then drops 0, and the order is kept.
    assert_eq!(
        rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        [1, 2],
        "{engine:?}"
    );
    assert_eq!(top.count(pool).await.unwrap(), 2, "{engine:?}");
    // A plain set behaves the same way.
    let plain = n().order_by("num", Order::Desc).limit(3).filter(even());
    assert_eq!(sorted_nums!(pool, plain), [8], "{engine:?}");
    // Reordering a slice does not change which rows are in it. `order_by` adds a term, so
    // the slice's own ordering is cleared first.
    let reordered = n()
        .order_by("num", Order::Asc)
        .limit(3)
        .clear_order_by()
        .order_by("num", Order::Desc);
    let rows: Vec<(i32, i32, i32)> = reordered.fetch_all(pool).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        [2, 1, 0],
        "{engine:?}"
    );
});

engines!(exclude_keeps_nulls, |pool, engine| {
    let t = unique("nullable");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, flag INTEGER NULL)"),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {t} VALUES (1, 1), (2, 0), (3, NULL), (4, 1), (5, NULL)"),
    )
    .await;
    let all = || QuerySet::table(t.clone()).columns(["id"]);
    let flag = || Expr::col("flag");
    let union = all().filter(Expr::col("id").lte(2)) | all().filter(Expr::col("id").gte(3));
    assert_eq!(
        sorted_column!(pool, union.clone().exclude(flag().eq(1))),
        [2, 3, 5],
        "{engine:?}"
    );
    assert_eq!(
        sorted_column!(pool, union.clone().filter(flag().eq(1))),
        [1, 4],
        "{engine:?}"
    );
    assert_eq!(
        sorted_column!(pool, all().exclude(flag().eq(1))),
        [2, 3, 5],
        "{engine:?}"
    );
    let difference = all() - all().filter(Expr::col("id").eq(2));
    assert_eq!(
        sorted_column!(pool, difference.exclude(flag().eq(1))),
        [3, 5],
        "{engine:?}"
    );
    let intersection = all() & all().filter(Expr::col("id").gte(2));
    assert_eq!(
        sorted_column!(pool, intersection.exclude(flag().eq(0))),
        [3, 4, 5],
        "{engine:?}"
    );
});

engines!(set_operations_compare_nulls_as_equal, |pool, engine| {
    let t = unique("nulls");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, v INTEGER NULL)"),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {t} VALUES (1, NULL), (2, NULL), (3, 7)"),
    )
    .await;
    let values = || QuerySet::table(t.clone()).columns(["v"]);
    let count = (values() | values()).count(pool).await.unwrap();
    assert_eq!(count, 2, "{engine:?}: NULL and 7");
    let both = (values().filter(Expr::col("id").eq(1)) & values().filter(Expr::col("id").eq(2)))
        .count(pool)
        .await
        .unwrap();
    assert_eq!(both, 1, "{engine:?}: the NULLs match");
    let left = (values() - values().filter(Expr::col("id").eq(2)))
        .count(pool)
        .await
        .unwrap();
    assert_eq!(left, 1, "{engine:?}: only 7 is left");
});

engines!(
    mixed_nesting_gives_the_same_rows_everywhere,
    |pool, engine| {
        let t = numbers(pool).await;
        let n = |p: Expr| QuerySet::table(t.clone()).filter(p);
        // (A ∪ B) ∩ (C ∪ D): left to right (SQLite) this would be ((A ∪ B) ∩ C) ∪ D; with
        // INTERSECT binding tighter (PostgreSQL, MySQL) it would be A ∪ (B ∩ C) ∪ D.
        let a = n(num().lte(2));
        let b = n(num().gte(7));
        let c = n(num().eq(1));
        let d = n(num().eq(5));
        let nested = (a.clone() | b.clone()) & (c.clone() | d.clone());
        assert_eq!(sorted_nums!(pool, nested.clone()), [1], "{engine:?}");
        assert_eq!(nested.count(pool).await.unwrap(), 1, "{engine:?}");
        // A ∩ (B ∪ C), and a difference of unions.
        let right_nested = a.clone() & (b.clone() | c.clone());
        assert_eq!(sorted_nums!(pool, right_nested), [1], "{engine:?}");
        let minus = (a.clone() | b.clone()) - (c.clone() | n(num().eq(9)));
        assert_eq!(
            sorted_nums!(pool, minus.clone()),
            [0, 2, 7, 8],
            "{engine:?}"
        );
        // Filters and ordering after nesting reach every leaf.
        let filtered = minus.filter(even()).order_by("num", Order::Desc);
        let rows: Vec<(i32, i32, i32)> = filtered.fetch_all(pool).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            [8, 2, 0],
            "{engine:?}"
        );
        // A sliced member inside a nesting keeps its own slice.
        let sliced = (n(num().gte(0)).order_by("num", Order::Desc).limit(3) | c) & (b | d);
        assert_eq!(sorted_nums!(pool, sliced), [7, 8, 9], "{engine:?}");
    }
);

engines!(
    projection_aware_pushdown_across_two_tables,
    |pool, engine| {
        let posts = unique("posts");
        let comments = unique("comments");
        exec(pool, format!("CREATE TABLE {posts} (id INTEGER PRIMARY KEY, title VARCHAR(64) NOT NULL, created_at INTEGER NOT NULL)")).await;
        exec(pool, format!("CREATE TABLE {comments} (cid INTEGER PRIMARY KEY, body VARCHAR(64) NOT NULL, posted_at INTEGER NOT NULL)")).await;
        exec(
            pool,
            format!("INSERT INTO {posts} VALUES (1, 'p1', 10), (2, 'p2', 30), (3, 'p3', 50)"),
        )
        .await;
        exec(
            pool,
            format!("INSERT INTO {comments} VALUES (1, 'c1', 20), (2, 'c2', 40), (3, 'c3', 60)"),
        )
        .await;

        let post_feed = QuerySet::table(posts.clone()).columns(["title", "created_at"]);
        let comment_feed = QuerySet::table(comments.clone())
            .column_as(Expr::col("body"), "title")
            .column_as(Expr::col("posted_at"), "created_at")
            .columns(["title", "created_at"]);
        let feed = post_feed | comment_feed;
        let recent = feed
            .filter(Expr::col("created_at").gt(25))
            .exclude(Expr::col("title").eq("c3"))
            .order_by("created_at", Order::Desc);
        // The filter reaches the comments branch as `posted_at > 25`, not a column it lacks.
        let sql = recent.to_sql(setql::Dialect::Postgres).unwrap();
        assert!(sql.contains(r#""posted_at" > 25"#), "{sql}");
        let rows: Vec<(String, i32)> = recent.fetch_all(pool).await.unwrap();
        assert_eq!(
            rows,
            [
                ("p3".to_owned(), 50),
                ("c2".to_owned(), 40),
                ("p2".to_owned(), 30)
            ],
            "{engine:?}"
        );
        // The second branch's own names work as well: output column 2 is `created_at`.
        let renamed = QuerySet::table(posts.clone()).columns(["id", "created_at"])
            | QuerySet::table(comments.clone()).columns(["cid", "posted_at"]);
        let late: Vec<(i32, i32)> = renamed
            .filter(Expr::col("created_at").gte(40))
            .order_by("created_at", Order::Asc)
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(late, [(2, 40), (3, 50), (3, 60)], "{engine:?}");
    }
);

engines!(symmetric_difference_and_operators, |pool, engine| {
    let t = numbers(pool).await;
    let n = |p: Expr| QuerySet::table(t.clone()).filter(p);
    let either = n(num().lte(5)) ^ n(num().gte(3));
    assert_eq!(
        sorted_nums!(pool, either.clone()),
        [0, 1, 2, 6, 7, 8, 9],
        "{engine:?}"
    );
    assert_eq!(
        sorted_nums!(pool, either.filter(even())),
        [0, 2, 6, 8],
        "{engine:?}"
    );
    let same = n(num().lte(5)).symmetric_difference(n(num().gte(3)));
    assert_eq!(same.count(pool).await.unwrap(), 7, "{engine:?}");
    // Operators chain on combined sets too.
    let chained = (n(num().lte(1)) | n(num().eq(5))) & n(num().gte(1)) | n(num().eq(9));
    assert_eq!(sorted_nums!(pool, chained), [1, 5, 9], "{engine:?}");
});

engines!(
    adopted_sea_query_statements_are_used_whole,
    |pool, engine| {
        let t = numbers(pool).await;
        let statement = sea_query::Query::select()
            .columns(["id", "num", "other_num"])
            .from(t.clone())
            .and_where(num().lte(4))
            .order_by("num", Order::Desc)
            .limit(3)
            .to_owned();
        let adopted = QuerySet::from_select(statement);
        // Its own ORDER BY and LIMIT stay its own: 4, 3, 2.
        assert_eq!(sorted_nums!(pool, adopted.clone()), [2, 3, 4], "{engine:?}");
        let union = adopted.clone() | QuerySet::table(t.clone()).filter(num().eq(9));
        assert_eq!(
            sorted_nums!(pool, union.clone()),
            [2, 3, 4, 9],
            "{engine:?}"
        );
        assert_eq!(
            sorted_nums!(pool, union.filter(even())),
            [2, 4],
            "{engine:?}"
        );
        assert_eq!(
            sorted_nums!(pool, adopted.exclude(even())),
            [3],
            "{engine:?}"
        );
    }
);

engines!(
    computed_columns_are_filtered_by_their_expression,
    |pool, engine| {
        let t = numbers(pool).await;
        let tens = QuerySet::table(t.clone())
            .column_as(num().mul(10), "tens")
            .columns(["num", "tens"])
            .filter(Expr::col("tens").gte(70))
            .order_by("tens", Order::Asc);
        let rows: Vec<(i32, i32)> = tens.fetch_all(pool).await.unwrap();
        assert_eq!(rows, [(7, 70), (8, 80), (9, 90)], "{engine:?}");
        // An annotation on a combined set applies to its rows; filters then see it.
        let union = QuerySet::table(t.clone()).filter(num().lte(1))
            | QuerySet::table(t.clone()).filter(num().gte(9));
        let annotated = union
            .column_as(Expr::col("num").add(100), "shifted")
            .columns(["shifted"])
            .filter(Expr::col("shifted").gt(100));
        let rows: Vec<(i32,)> = annotated
            .order_by("shifted", Order::Asc)
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(rows, [(101,), (109,)], "{engine:?}");
    }
);

engines!(clear_order_by_and_distinct_branches, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = (n().filter(num().lte(1)) | n().filter(num().eq(7))).order_by("num", Order::Desc);
    let first: Option<(i32, i32, i32)> = union.clone().clear_order_by().first(pool).await.unwrap();
    assert_eq!(first.map(|r| r.1), Some(0), "{engine:?}");
    let first: Option<(i32, i32, i32)> = union.first(pool).await.unwrap();
    assert_eq!(first.map(|r| r.1), Some(7), "{engine:?}");
    // Duplicates inside a union all are kept until `distinct()`.
    let halves = n().column_as(num().modulo(2), "half").columns(["half"]);
    let all = halves.clone().union_all(halves.clone());
    assert_eq!(all.count(pool).await.unwrap(), 20, "{engine:?}");
    assert_eq!(sorted_column!(pool, all.distinct()), [0, 1], "{engine:?}");
});
