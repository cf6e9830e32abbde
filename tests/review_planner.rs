//! Review of the planner (fusion, IN collapse, key_union), keyset cursors, the EXISTS /
//! ROW_NUMBER() emulations with the INTERSECT ALL writer, and slice / reverse composition.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use setql::{Backend, Error};

type Row = (i32, Option<i32>, Option<i32>);

fn col(name: &'static str) -> Expr {
    Expr::col(name)
}

/// `(id, a, b)` for id 1..=12: a = id % 3 (NULL when id % 4 = 0), b = id % 2 (NULL when
/// id % 5 = 0).
async fn abc<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("rv_abc");
    let ddl = format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, a INTEGER NULL, b INTEGER NULL)");
    exec(pool, ddl).await;
    let rows: Vec<String> = (1..=12)
        .map(|id| {
            let a = if id % 4 == 0 {
                "NULL".into()
            } else {
                (id % 3).to_string()
            };
            let b = if id % 5 == 0 {
                "NULL".into()
            } else {
                (id % 2).to_string()
            };
            format!("({id}, {a}, {b})")
        })
        .collect();
    exec(pool, format!("INSERT INTO {t} VALUES {}", rows.join(", "))).await;
    t
}

// ---------------------------------------------------------------------------------------
// Failing counterexamples.
// ---------------------------------------------------------------------------------------

// Found in review, fixed: `Select::output_key` (and so
// `Compound::output_key`) accepts any output column *named* like the declared key, whatever
// expression produces it. `column_as(author, "id")` makes "id" an author id, yet `fuse`
// treats the union as keyed (no DISTINCT) and fuses the intersection / difference into
// AND / AND NOT over different source rows; `key_union` counts distinct authors on MySQL.
engines!(key_name_on_another_expression_is_no_key, |pool, engine| {
    let t = unique("rv_posts");
    let ddl = format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, author INTEGER, flag INTEGER)");
    exec(pool, ddl).await;
    let rows: Vec<String> = (1..=10)
        .map(|id| format!("({id}, {}, {})", id % 3, id % 2))
        .collect();
    exec(pool, format!("INSERT INTO {t} VALUES {}", rows.join(", "))).await;
    let authors = |p: Expr| {
        QuerySet::table(t.clone())
            .primary_key("id")
            .filter(p)
            .column_as(col("author"), "id")
            .columns(["id", "flag"])
    };
    let (low, high) = (|| authors(col("id").lte(5)), || authors(col("id").gt(5)));
    let hand = |op: &str| {
        format!(
            "SELECT author, flag FROM {t} WHERE id <= 5 {op} SELECT author, flag FROM {t} WHERE id > 5"
        )
    };
    type Pair = (i32, i32);
    let union: Vec<Pair> = raw!(pool, Pair, hand("UNION"));
    assert_eq!(union, [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]);
    let both: Vec<Pair> = raw!(pool, Pair, hand("INTERSECT"));
    assert_eq!(both, [(0, 1), (1, 0), (1, 1), (2, 0)]);
    let minus: Vec<Pair> = raw!(pool, Pair, hand("EXCEPT"));
    assert_eq!(minus, [(2, 1)]);
    let got = (
        sorted!(pool, Pair, low() | high()),
        sorted!(pool, Pair, low() & high()),
        sorted!(pool, Pair, low() - high()),
        (low() | high()).count(pool).await.unwrap(),
    );
    assert_eq!(got, (union, both, minus, 6), "{engine:?}");
});

// Found in review, fixed (now a typed refusal): Keyset pagination assumes the ordering values identify a row; a
// union all (or any set without a key that can repeat a row) has equal rows, and
// `Cursor::predicate` ("strictly after") skips the copies that follow the cursor's row.
// [0, 1, 2, 3, 3, 4, 4, 5, 5, 6 … 9] paged by 4 loses one 3. Expected: every row once, or a
// typed refusal (`keyset_order` returning None for sets that can hold duplicates).
engines!(keyset_pages_of_a_union_all_keep_copies, |pool, engine| {
    let t = numbers(pool).await;
    let n = |p: Expr| QuerySet::table(t.clone()).primary_key("id").filter(p);
    let set = n(col("num").lte(5))
        .union_all(n(col("num").gte(3)))
        .order_by("num", Order::Asc);
    let every = nums!(pool, set.clone());
    assert_eq!(every, [0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9]);
    // Copies cannot be told apart by a cursor: refused before anything is sent.
    let err = set
        .page_after::<_, (i32, i32, i32)>(None, 4, pool)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidCursor(_)),
        "{engine:?}: {err:?}"
    );
    // The same union without ALL has distinct rows and pages completely.
    let distinct = set.clone().distinct();
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    for _ in 0..10 {
        let page: KeysetPage<(i32, i32, i32)> =
            distinct.page_after(cursor.as_ref(), 4, pool).await.unwrap();
        seen.extend(page.items.iter().map(|r| r.1));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, (0..=9).collect::<Vec<_>>(), "{engine:?}");
});

engines!(keyset_cursor_reads_common_column_types, |pool, engine| {
    let t = unique("rv_real");
    let (id, score) = match engine {
        Engine::MySql => ("INT UNSIGNED", "DOUBLE"),
        _ => ("INTEGER", "REAL"),
    };
    let ddl = format!("CREATE TABLE {t} (id {id} PRIMARY KEY, score {score}, label VARCHAR(8))");
    exec(pool, ddl).await;
    let rows = "(1, 2.5, 'a'), (2, 1.5, 'b'), (3, 2.5, 'c'), (4, 0.5, 'd'), (5, 1.5, 'e')";
    exec(pool, format!("INSERT INTO {t} VALUES {rows}")).await;
    let set = QuerySet::table(t.clone())
        .primary_key("id")
        .columns(["label", "score", "id"])
        .order_by("score", Order::Asc);
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    for _ in 0..5 {
        let page: KeysetPage<(String,)> = set
            .page_after(cursor.as_ref(), 2, pool)
            .await
            .unwrap_or_else(|e| panic!("{engine:?}: {e}"));
        seen.extend(page.items.into_iter().map(|r| r.0));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["d", "b", "e", "a", "c"], "{engine:?}");
});

// Found in review, fixed (now a typed UnknownColumn everywhere; PostgreSQL said "for SELECT DISTINCT, ORDER BY expressions must appear in select
// list", an `Error::Query` from the server); SQLite and MariaDB run it. `Node::order_by`
// (chain.rs) adds an ordering by a dropped column to a DISTINCT SELECT. It should be a typed
// error before anything is sent (UnknownColumn), as setql promises for such names; then
// `with_sort_columns_visible` also cannot add that column to a DISTINCT select for `last()`.
engines!(distinct_then_order_by_a_dropped_column, |pool, engine| {
    let t = abc(pool).await;
    let values = QuerySet::table(t.clone())
        .columns(["a"])
        .distinct()
        .order_by("id", Order::Asc);
    match values.fetch_all::<_, (Option<i32>,)>(pool).await {
        Err(Error::UnknownColumn { column, .. }) => assert_eq!(column, "id", "{engine:?}"),
        other => panic!("{engine:?}: {other:?}"),
    }
});

// ---------------------------------------------------------------------------------------
// Suspicious areas that turn out exact: these pass.
// ---------------------------------------------------------------------------------------

// PASSES: the IN collapse (with a NULL value), factoring the pushed exclude out of the OR,
// `(p AND q) IS NOT TRUE` keeping its parentheses in a fused difference, and MySQL's
// key_union count, against hand-written compounds.
engines!(
    ok_fusion_in_list_factoring_and_difference,
    |pool, engine| {
        let t = abc(pool).await;
        let k = |p: Expr| QuerySet::table(t.clone()).primary_key("id").filter(p);
        let null = Expr::val(sea_query::Value::Int(None));
        let union = DelayedUnion::new([k(col("a").eq(1)), k(col("a").eq(2)), k(col("a").eq(null))])
            .exclude(col("b").eq(1));
        let sql = union.to_sql(setql::Dialect::Postgres).unwrap();
        assert!(sql.contains(r#""a" IN (1, 2, NULL)"#), "{sql}");
        let expected: Vec<Row> = raw!(
            pool,
            Row,
            format!(
                "SELECT * FROM (SELECT * FROM {t} WHERE a = 1 UNION SELECT * FROM {t} WHERE a = 2) u \
             WHERE b IS NULL OR b <> 1"
            )
        );
        assert_eq!(
            expected,
            [
                (2, Some(2), Some(0)),
                (5, Some(2), None),
                (10, Some(1), None)
            ]
        );
        assert_eq!(sorted!(pool, Row, union.clone()), expected, "{engine:?}");
        assert_eq!(union.count(pool).await.unwrap(), 3, "{engine:?}");
        let minus = k(col("a").gte(1)) - k(col("b").eq(1)).filter(col("id").gt(3));
        let sql = minus.to_sql(setql::Dialect::Sqlite).unwrap();
        assert!(!sql.contains("EXCEPT"), "{sql}");
        let expected: Vec<Row> = raw!(
            pool,
            Row,
            format!(
                "SELECT * FROM {t} WHERE a >= 1 EXCEPT SELECT * FROM {t} WHERE b = 1 AND id > 3"
            )
        );
        assert_eq!(
            expected.iter().map(|r| r.0).collect::<Vec<_>>(),
            [1, 2, 5, 10]
        );
        assert_eq!(sorted!(pool, Row, minus), expected, "{engine:?}");
    }
);

// PASSES: keyset pages with NULLs in both ordering columns, ascending (row values), mixed
// directions (OR chain), forwards and then backwards from the last page, with the edge
// cursors; checked against an ordering written by hand with `(x IS NULL)` terms.
engines!(ok_keyset_with_nulls_both_ways, |pool, engine| {
    let t = abc(pool).await;
    let keyed = || QuerySet::table(t.clone()).primary_key("id");
    let cases = [
        (
            keyed().order_by("a", Order::Asc).order_by("b", Order::Asc),
            "(a IS NULL) DESC, a, (b IS NULL) DESC, b",
        ),
        (
            keyed().order_by("a", Order::Desc).order_by("b", Order::Asc),
            "(a IS NULL), a DESC, (b IS NULL) DESC, b",
        ),
        (
            keyed()
                .order_by("b", Order::Desc)
                .order_by("a", Order::Desc),
            "(b IS NULL), b DESC, (a IS NULL), a DESC",
        ),
    ];
    for (set, order) in cases {
        // The key breaks ties in the direction of the last term.
        let tie_break = if order.ends_with("DESC") {
            "id DESC"
        } else {
            "id"
        };
        let sql = format!("SELECT id FROM {t} ORDER BY {order}, {tie_break}");
        let expected: Vec<i32> = raw!(pool, (i32,), sql, ordered)
            .into_iter()
            .map(|r| r.0)
            .collect();
        let (mut seen, mut cursor, mut firsts) = (Vec::new(), None::<Cursor>, Vec::new());
        loop {
            let page: KeysetPage<Row> = set.page_after(cursor.as_ref(), 5, pool).await.unwrap();
            assert_eq!(page.previous.is_some(), cursor.is_some(), "{engine:?}");
            seen.extend(page.items.iter().map(|r| r.0));
            firsts.push(page.previous);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{engine:?}: {order}");
        // Back from the last page (its first row): pages 2 and 1, in order.
        let back = firsts.last().cloned().flatten().unwrap();
        let page: KeysetPage<Row> = set.page_before(&back, 5, pool).await.unwrap();
        let ids: Vec<i32> = page.items.iter().map(|r| r.0).collect();
        assert_eq!(ids, expected[5..10], "{engine:?}: {order}");
        assert!(page.next.is_some() && page.previous.is_some(), "{engine:?}");
        let page: KeysetPage<Row> = set
            .page_before(page.previous.as_ref().unwrap(), 5, pool)
            .await
            .unwrap();
        let ids: Vec<i32> = page.items.iter().map(|r| r.0).collect();
        assert_eq!(
            (ids, page.previous),
            (expected[..5].to_vec(), None),
            "{engine:?}"
        );
    }
});

// PASSES: INTERSECT/EXCEPT (ALL) natively (the writer's `INTERSECT ALL (` on PostgreSQL and
// MariaDB), by ROW_NUMBER() and by EXISTS, with NULLs and duplicates, three operands too.
engines!(ok_emulations_match_native, |pool, engine| {
    let t = unique("rv_vals");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, v INTEGER NULL)"),
    )
    .await;
    let rows = "(1, NULL), (2, NULL), (3, 1), (4, 1), (5, 1), (6, 2), (7, 3)";
    exec(pool, format!("INSERT INTO {t} VALUES {rows}")).await;
    let v = |p: Expr| QuerySet::table(t.clone()).filter(p).columns(["v"]);
    let a = || v(col("id").gt(0)); // N N 1 1 1 2 3
    let b = || v(col("id").is_in([1, 3, 6])); // N 1 2
    let c = || v(col("id").gte(5)); // 1 2 3
    let sets: [(DelayedIntersection, &[Option<i32>]); 3] = [
        (a() & b(), &[None, Some(1), Some(2)]),
        (a().intersection_all(b()), &[None, Some(1), Some(2)]),
        (
            DelayedIntersection::all([a(), b(), c()]),
            &[Some(1), Some(2)],
        ),
    ];
    let dialect = <Db as Backend>::DIALECT;
    let modes = [
        Capabilities::new(dialect),
        Capabilities::new(dialect).without_native_all(),
        Capabilities::new(dialect).without_native_intersect_except(),
    ];
    for caps in &modes {
        for (set, expected) in &sets {
            let got = sorted!(pool, (Option<i32>,), set.on(caps));
            let got: Vec<Option<i32>> = got.into_iter().map(|r| r.0).collect();
            assert_eq!(got, *expected, "{engine:?} {caps:?}");
        }
        let differences: [(DelayedDifference, &[Option<i32>]); 3] = [
            (a() - b(), &[Some(3)]),
            (a().difference_all(b()), &[None, Some(1), Some(1), Some(3)]),
            (DelayedDifference::all([a(), b(), c()]), &[None, Some(1)]),
        ];
        for (set, expected) in &differences {
            let got = sorted!(pool, (Option<i32>,), set.on(caps));
            let got: Vec<Option<i32>> = got.into_iter().map(|r| r.0).collect();
            assert_eq!(got, *expected, "{engine:?} {caps:?}");
            let n = set.on(caps).count(pool).await.unwrap();
            assert_eq!(usize::try_from(n).unwrap(), expected.len(), "{engine:?}");
        }
    }
});

// PASSES: slices compose in order, first/last of a slice ordered by a dropped column, and
// last() of a fused, sliced union follows fetch_all.
engines!(ok_slices_and_reversal, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone()).primary_key("id");
    let window = n()
        .order_by("num", Order::Desc)
        .offset(1)
        .limit(5)
        .offset(2)
        .limit(2); // 8 7 6 5 4 → 6 5 4 → 6 5
    assert_eq!(nums!(pool, window.clone()), [6, 5], "{engine:?}");
    assert_eq!(window.count(pool).await.unwrap(), 2, "{engine:?}");
    let last: Option<(i32, i32, i32)> = window.last(pool).await.unwrap();
    assert_eq!(last.map(|r| r.1), Some(5), "{engine:?}");
    let ids = n()
        .columns(["id"])
        .order_by("other_num", Order::Asc)
        .limit(4);
    let first: Option<(i32,)> = ids.first(pool).await.unwrap();
    let last: Option<(i32,)> = ids.last(pool).await.unwrap();
    assert_eq!((first, last), (Some((10,)), Some((7,))), "{engine:?}");
    let union = (n().filter(col("num").lte(3)) | n().filter(col("num").gte(6)))
        .order_by("other_num", Order::Desc)
        .limit(3)
        .offset(1); // 0 1 2 → 1 2
    assert_eq!(nums!(pool, union.clone()), [1, 2], "{engine:?}");
    let last: Option<(i32, i32, i32)> = union.last(pool).await.unwrap();
    assert_eq!(last.map(|r| r.1), Some(2), "{engine:?}");
});
