//! Counterexamples to "apply the operations in the order written, with SQL set semantics",
//! and checks of suspicious rewrites that turn out exact. `numbers` holds num 0..=9 with
//! id = num + 1 and other_num = 10 − num.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Func, Order};
use setql::prelude::*;

fn num() -> Expr {
    Expr::col("num")
}

/// `CASE WHEN <col> >= <at_least> THEN 1 ELSE 0 END = 1`: a predicate sea-query keeps opaque.
fn case_at_least(col: &str, at_least: i32) -> Expr {
    let case: Expr = Expr::case(Expr::col(col.to_owned()).gte(at_least), 1)
        .finally(0)
        .into();
    case.eq(1)
}

// ---------------------------------------------------------------------------------------
// Failing counterexamples.
// ---------------------------------------------------------------------------------------

// Found in review, fixed: `limit(3).offset(2)` takes 3 rows and then skips 2 of them (1 row); with_slice
// overwrites fields, so it renders LIMIT 3 OFFSET 2 (3 rows). Same for limit∘limit and
// offset∘offset.
engines!(slices_compose_in_the_order_written, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone()).order_by("num", Order::Asc);
    let expected: Vec<(i32,)> = raw!(
        pool,
        (i32,),
        format!("SELECT num FROM (SELECT num FROM {t} ORDER BY num LIMIT 3) w LIMIT 100 OFFSET 2")
    );
    assert_eq!(expected, [(2,)]);
    let got = (
        nums!(pool, n().limit(3).offset(2)),
        n().limit(3).offset(2).count(pool).await.unwrap(),
        nums!(pool, n().limit(2).limit(5)),
        nums!(pool, n().offset(2).offset(7)),
    );
    assert_eq!(got, (vec![2], 1, vec![0, 1], vec![9]), "{engine:?}");
    // On a union: [0, 1, 2, 8, 9] → first 4 → skip 3 → [8].
    let union = QuerySet::table(t.clone()).filter(num().lte(2))
        | QuerySet::table(t.clone()).filter(num().gte(8));
    let window = union.order_by("num", Order::Asc).limit(4).offset(3);
    assert_eq!(nums!(pool, window.clone()), [8], "{engine:?}");
    let last: Option<(i32, i32, i32)> = window.last(pool).await.unwrap();
    assert_eq!(last.map(|r| r.1), Some(8), "{engine:?}");
});

// Found in review, fixed: an opaque predicate (CASE) that reads no visible column names passes
// `rename_columns`' "untouched" check vacuously, so it reaches the second branch unrenamed,
// where `num` is the source column, not that branch's output column 2 (`other_num`).
engines!(
    opaque_predicate_is_not_renamed_into_branches,
    |pool, engine| {
        let t = numbers(pool).await;
        let a = QuerySet::table(t.clone())
            .filter(num().lte(2))
            .columns(["id", "num"]); // (1,0) (2,1) (3,2)
        let b = QuerySet::table(t.clone())
            .filter(num().gte(7))
            .columns(["id", "other_num"]); // (8,3) (9,2) (10,1)
        let union = a | b;
        let expected: Vec<(i32, i32)> = raw!(
            pool,
            (i32, i32),
            format!(
                "SELECT * FROM (SELECT id, num FROM {t} WHERE num <= 2 UNION \
             SELECT id, other_num FROM {t} WHERE num >= 7) u WHERE num >= 2"
            )
        );
        assert_eq!(expected, [(3, 2), (8, 3), (9, 2)]);
        // The transparent form is renamed correctly…
        let plain = sorted!(pool, (i32, i32), union.clone().filter(num().gte(2)));
        assert_eq!(plain, expected, "{engine:?}");
        // …the CASE form must give the same rows (actual: (10, 1) comes back too).
        let case = sorted!(pool, (i32, i32), union.filter(case_at_least("num", 2)));
        assert_eq!(case, expected, "{engine:?}");
    }
);

// Found in review, fixed: `Select::resolve_outputs`
// lets an opaque predicate through unchanged, so `WHERE CASE WHEN "tens" >= 80 …` names a
// SELECT alias that WHERE cannot see.
engines!(opaque_predicate_on_a_computed_column, |pool, engine| {
    let t = numbers(pool).await;
    let tens = QuerySet::table(t.clone())
        .column_as(num().mul(10), "tens")
        .columns(["num", "tens"]);
    let rows = sorted!(pool, (i32, i32), tens.filter(case_at_least("tens", 80)));
    assert_eq!(rows, [(8, 80), (9, 90)], "{engine:?}");
});

// Found in review, fixed (SQLite read the unknown "tens" as the string 'tens': wrong values, not an
// error; PostgreSQL and MariaDB reject it): `column_as` falls back to the raw expression when
// `resolve_outputs` cannot rewrite a function call, so COALESCE("tens", 0) names an alias of
// the same SELECT list. It should wrap (as `filter` does) instead of `unwrap_or(expr)`.
engines!(
    column_as_reads_an_earlier_alias_inside_a_function,
    |pool, engine| {
        let t = numbers(pool).await;
        let set = QuerySet::table(t.clone())
            .filter(num().gte(8))
            .column_as(num().mul(10), "tens")
            .column_as(Func::coalesce([Expr::col("tens"), Expr::val(0)]), "tens2")
            .columns(["num", "tens2"]);
        assert_eq!(
            sorted!(pool, (i32, i32), set),
            [(8, 80), (9, 90)],
            "{engine:?}"
        );
    }
);

// Found in review, fixed: `wrap` copies the slice's ORDER BY "num"
// outward, `columns` projects `num` away, and `distinct` then gives SELECT DISTINCT
// "other_num" … ORDER BY "num": "for SELECT DISTINCT, ORDER BY expressions must appear in
// select list". The copied ordering must be dropped (or projected) there.
//
// Since then, DISTINCT does not drop an ordering silently: the projected slice is still
// ordered by `num`, which DISTINCT cannot keep, so `distinct()` is refused until that
// ordering is cleared (the slice keeps its own).
engines!(distinct_after_projecting_a_slice, |pool, engine| {
    let t = numbers(pool).await;
    let projected = QuerySet::table(t.clone())
        .order_by("num", Order::Asc)
        .limit(3)
        .columns(["other_num"]);
    let refused = projected.clone().distinct().count(pool).await;
    assert!(
        matches!(&refused, Err(setql::Error::DistinctLosesOrder { column }) if column == "num"),
        "{engine:?}: {refused:?}"
    );
    let set = projected.clear_order_by().distinct();
    assert_eq!(set.count(pool).await.unwrap(), 3, "{engine:?}");
    assert_eq!(
        sorted!(pool, (i32,), set),
        [(8,), (9,), (10,)],
        "{engine:?}"
    );
});

/// `scores(id, score)`: (1, 1), (2, 2), (3, 2), (4, 5).
async fn scores<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("scores");
    let ddl = format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, score INTEGER NOT NULL)");
    exec(pool, ddl).await;
    let rows = format!("INSERT INTO {t} VALUES (1, 1), (2, 2), (3, 2), (4, 5)");
    exec(pool, rows).await;
    t
}

// Found in review, fixed: `last()` of a sliced set reverses only the user's ordering (reverse_order); the
// tie-breaker that `with_tie_breakers` appends to the LIMIT 1 stays ASC, so among tied rows
// it returns the first, not the last row that `fetch_all` returns.
engines!(last_of_a_sliced_set_with_ties, |pool, engine| {
    let t = scores(pool).await;
    let scores = || QuerySet::table(t.clone()).columns(["id", "score"]);
    let window = scores().order_by("score", Order::Asc).limit(3);
    let rows: Vec<(i32, i32)> = window.fetch_all(pool).await.unwrap();
    assert_eq!(rows, [(1, 1), (2, 2), (3, 2)], "{engine:?}");
    let last: Option<(i32, i32)> = window.last(pool).await.unwrap();
    assert_eq!(last, Some((3, 2)), "{engine:?}");
    // The same through a union.
    let union = (scores().filter(Expr::col("id").lte(2)) | scores().filter(Expr::col("id").gt(2)))
        .order_by("score", Order::Asc)
        .limit(3);
    let rows: Vec<(i32, i32)> = union.fetch_all(pool).await.unwrap();
    assert_eq!(rows, [(1, 1), (2, 2), (3, 2)], "{engine:?}");
    let last: Option<(i32, i32)> = union.last(pool).await.unwrap();
    assert_eq!(last, Some((3, 2)), "{engine:?}");
});

// Found in review, fixed: for a sliced set ordered by a column its projection drops, reverse_order puts that
// ordering back on the wrapper (`outer.orders = orders`), which validate::derived_select
// rejects as UnknownColumn. `first()` of the same set works.
engines!(
    last_of_a_slice_ordered_by_a_dropped_column,
    |pool, engine| {
        let t = scores(pool).await;
        let ids = QuerySet::table(t.clone())
            .columns(["id"])
            .order_by("score", Order::Asc)
            .order_by("id", Order::Asc)
            .limit(3);
        assert_eq!(sorted!(pool, (i32,), ids.clone()), [(1,), (2,), (3,)]);
        let first: Option<(i32,)> = ids.first(pool).await.unwrap();
        assert_eq!(first, Some((1,)), "{engine:?}");
        let last: Option<(i32,)> = ids.last(pool).await.unwrap();
        assert_eq!(last, Some((3,)), "{engine:?}");
    }
);

// Found in review, fixed: a table-qualified column (as SeaORM writes them) is kept qualified when
// the filter lands on a wrapped (sliced) branch, whose rows live in derived table "t1".
engines!(qualified_column_around_a_sliced_branch, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n().order_by("num", Order::Asc).limit(3) | n().filter(num().gte(8));
    let col = Expr::col((
        sea_query::Alias::new(t.clone()),
        sea_query::Alias::new("num"),
    ));
    let rows: Vec<(i32, i32, i32)> = union.filter(col.gt(0)).fetch_all(pool).await.unwrap();
    let mut got: Vec<i32> = rows.into_iter().map(|r| r.1).collect();
    got.sort_unstable();
    assert_eq!(got, [1, 2, 8, 9], "{engine:?}");
});

// Found in review, fixed (it panicked): sea-query-sqlx binds a u64 LIMIT with
// `i64::try_from(..).unwrap()`. "Misuse never panics": clamp to i64::MAX or return an error.
engines!(huge_limit_does_not_panic, |pool, engine| {
    let t = numbers(pool).await;
    let result: setql::Result<Vec<(i32, i32, i32)>> = QuerySet::table(t.clone())
        .limit(u64::MAX)
        .fetch_all(pool)
        .await;
    if let Ok(rows) = result {
        assert_eq!(rows.len(), 10, "{engine:?}");
    }
});

// Found in review, fixed: `columns()` replaces the projection but keeps ORDER BY "tens", an alias it just
// dropped: PostgreSQL and MariaDB reject it; SQLite reads "tens" as a string, a constant
// sort key, and returns the rows unsorted.
engines!(
    order_by_an_annotation_then_project_it_away,
    |pool, engine| {
        let t = numbers(pool).await;
        let set = QuerySet::table(t.clone())
            .column_as(Expr::col("other_num").mul(10), "tens")
            .order_by("tens", Order::Asc)
            .columns(["num"]);
        let rows: Vec<(i32,)> = set.fetch_all(pool).await.unwrap();
        let expected: Vec<(i32,)> = (0..=9).rev().map(|n| (n,)).collect();
        assert_eq!(rows, expected, "{engine:?}");
    }
);

// Pages of an ordered set never overlap or skip when setql can break ties: by a declared
// key (also through a union whose branches share it) or by named output columns. A `t.*` set
// with no declared key has neither; that limit is documented in the README.
engines!(
    pages_of_a_keyed_or_projected_set_do_not_overlap,
    |pool, engine| {
        let t = unique("ties");
        let ddl = format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, score INTEGER NOT NULL)");
        exec(pool, ddl).await;
        let rows: Vec<String> = (1..=40)
            .map(|i| format!("({i}, {})", (i * 7) % 3))
            .collect();
        exec(pool, format!("INSERT INTO {t} VALUES {}", rows.join(", "))).await;
        let every: Vec<i32> = (1..=40).collect();
        let keyed = QuerySet::table(t.clone()).primary_key("id");
        let keyed_union = keyed.clone().filter(Expr::col("id").lte(20))
            | keyed.clone().filter(Expr::col("id").gt(20));
        let projected = QuerySet::table(t.clone()).columns(["id", "score"]);
        let projected_union = projected.clone().filter(Expr::col("id").lte(20))
            | projected.clone().filter(Expr::col("id").gt(20));
        let mut seen = [Vec::new(), Vec::new(), Vec::new()];
        for page in 0..10_u64 {
            let window =
                |set: QuerySet| set.order_by("score", Order::Asc).offset(page * 4).limit(4);
            let rows: Vec<(i32, i32)> = window(keyed.clone()).fetch_all(pool).await.unwrap();
            seen[0].extend(rows.into_iter().map(|r| r.0));
            let union_window =
                |set: DelayedUnion| set.order_by("score", Order::Asc).offset(page * 4).limit(4);
            let rows: Vec<(i32, i32)> = union_window(keyed_union.clone())
                .fetch_all(pool)
                .await
                .unwrap();
            seen[1].extend(rows.into_iter().map(|r| r.0));
            let rows: Vec<(i32, i32)> = union_window(projected_union.clone())
                .fetch_all(pool)
                .await
                .unwrap();
            seen[2].extend(rows.into_iter().map(|r| r.0));
        }
        seen.iter_mut().for_each(|ids| ids.sort_unstable());
        assert_eq!(seen[0], every, "{engine:?}: keyed");
        assert_eq!(seen[1], every, "{engine:?}: union of keyed branches");
        assert_eq!(seen[2], every, "{engine:?}: union of projections");
    }
);

// ---------------------------------------------------------------------------------------
// Suspicious areas that turn out exact: these pass.
// ---------------------------------------------------------------------------------------

type Opt = (Option<i32>,);

// PASSES: NULLs through union all / intersection / difference with filter, exclude
// (IS NOT TRUE keeps NULLs, BETWEEN and OR keep their parentheses), and first/last.
engines!(ok_nulls_through_every_kind, |pool, engine| {
    let t = unique("vals");
    let ddl = format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, v INTEGER NULL)");
    exec(pool, ddl).await;
    let rows = format!("INSERT INTO {t} VALUES (1, NULL), (2, NULL), (3, 1), (4, 2), (5, 3)");
    exec(pool, rows).await;
    let v = || QuerySet::table(t.clone()).columns(["v"]);
    let id = || Expr::col("id");
    let all = v().filter(id().lte(3)).union_all(v().filter(id().gte(2)));
    let kept = all.clone().exclude(Expr::col("v").eq(1));
    let expected: Vec<Opt> = raw!(
        pool,
        Opt,
        format!(
            "SELECT v FROM (SELECT v FROM {t} WHERE id <= 3 UNION ALL \
             SELECT v FROM {t} WHERE id >= 2) u WHERE (v = 1) IS NOT TRUE"
        )
    );
    assert_eq!(
        expected,
        [(None,), (None,), (None,), (Some(2),), (Some(3),)]
    );
    assert_eq!(sorted!(pool, Opt, kept.clone()), expected, "{engine:?}");
    assert_eq!(kept.count(pool).await.unwrap(), 5, "{engine:?}");
    let between = all.exclude(Expr::col("v").between(1, 2).or(Expr::col("v").eq(9)));
    let got = sorted!(pool, Opt, between);
    assert_eq!(got, [(None,), (None,), (None,), (Some(3),)], "{engine:?}");
    let both = (v() & v().filter(id().gte(2))).exclude(Expr::col("v").eq(2));
    let got = sorted!(pool, Opt, both);
    assert_eq!(got, [(None,), (Some(1),), (Some(3),)], "{engine:?}");
    let minus = (v() - v().filter(id().eq(3))).filter(Expr::col("v").is_null());
    assert_eq!(sorted!(pool, Opt, minus), [(None,)], "{engine:?}");
    let union = (v() | v()).order_by("v", Order::Asc);
    let first: Option<Opt> = union.first(pool).await.unwrap();
    let last: Option<Opt> = union.last(pool).await.unwrap();
    assert_eq!(
        (first, last),
        (Some((None,)), Some((Some(3),))),
        "{engine:?}"
    );
});

// PASSES: duplicates in projections without a key, and the algebra of the empty set.
engines!(ok_duplicates_and_empty_operands, |pool, engine| {
    let t = numbers(pool).await;
    let halves = || {
        QuerySet::table(t.clone())
            .column_as(num().modulo(2), "half")
            .columns(["half"])
    };
    let all = halves().union_all(halves()).filter(Expr::col("half").eq(1));
    assert_eq!(all.count(pool).await.unwrap(), 10, "{engine:?}");
    let got: setql::Result<(i32,)> = all.get(pool).await;
    assert!(
        matches!(
            got,
            Err(setql::Error::MultipleRows {
                count: 10,
                exact: true
            })
        ),
        "{engine:?}: {got:?}"
    );
    let one: (i32,) = all.distinct().get(pool).await.unwrap();
    assert_eq!(one, (1,), "{engine:?}");
    let none = QuerySet::none;
    assert_eq!((halves() | none()).count(pool).await.unwrap(), 2);
    let kept = DelayedUnion::all([halves(), none()]);
    assert_eq!(kept.count(pool).await.unwrap(), 10, "{engine:?}");
    assert_eq!((halves() - none()).count(pool).await.unwrap(), 2);
    assert_eq!((none() ^ halves()).count(pool).await.unwrap(), 2);
    let single = DelayedIntersection::new([halves()]);
    assert_eq!(single.count(pool).await.unwrap(), 2, "{engine:?}");
    let empty = halves() & none();
    assert!(!empty.exists(pool).await.unwrap(), "{engine:?}");
    let first: Option<(i32,)> = empty.first(pool).await.unwrap();
    assert_eq!(first, None, "{engine:?}");
    let window = (halves() | none()).order_by("half", Order::Desc).limit(1);
    assert_eq!(sorted!(pool, (i32,), window), [(1,)], "{engine:?}");
});

// PASSES: first/last/get/exists/count on a sliced union nested in a difference, and
// order_by after the slice of a union (the window stays the same).
engines!(ok_shortcuts_on_nested_sliced_sets, |pool, engine| {
    let t = numbers(pool).await;
    let n = |p: Expr| QuerySet::table(t.clone()).filter(p);
    let top = (n(num().lte(2)) | n(num().gte(7)))
        .order_by("num", Order::Desc)
        .limit(3); // 9, 8, 7
    let set = top.clone() - n(num().eq(8));
    assert_eq!(set.count(pool).await.unwrap(), 2, "{engine:?}");
    assert!(set.exists(pool).await.unwrap(), "{engine:?}");
    let first: Option<(i32, i32, i32)> = set.first(pool).await.unwrap();
    let last: Option<(i32, i32, i32)> = set.last(pool).await.unwrap();
    assert_eq!((first.map(|r| r.1), last.map(|r| r.1)), (Some(7), Some(9)));
    let got: setql::Result<(i32, i32, i32)> = set.get(pool).await;
    assert!(matches!(
        got,
        Err(setql::Error::MultipleRows {
            count: 2,
            exact: true
        })
    ));
    let nine: (i32, i32, i32) = set.filter(num().gt(7)).get(pool).await.unwrap();
    assert_eq!(nine.1, 9, "{engine:?}");
    let reordered = top.clear_order_by().order_by("num", Order::Asc);
    assert_eq!(nums!(pool, reordered.clone()), [7, 8, 9], "{engine:?}");
    let first: Option<(i32, i32, i32)> = reordered.first(pool).await.unwrap();
    assert_eq!(first.map(|r| r.1), Some(7), "{engine:?}");
    assert_eq!(reordered.offset(1).count(pool).await.unwrap(), 2);
});

// PASSES: a filter on a column outside the output goes into every union/intersection
// branch; through a distinct branch it is a typed error, not wrong rows.
engines!(ok_filters_on_columns_outside_the_output, |pool, engine| {
    let t = numbers(pool).await;
    let other = |p: Expr| QuerySet::table(t.clone()).filter(p).columns(["other_num"]);
    let (a, b) = (other(num().lte(5)), other(num().gte(3)));
    let union = (a.clone() | b.clone()).filter(num().gte(4));
    let expected: Vec<(i32,)> = (1..=6).map(|v| (v,)).collect();
    assert_eq!(sorted!(pool, (i32,), union), expected, "{engine:?}");
    let both = (a.clone() & b.clone()).filter(num().gte(4));
    assert_eq!(sorted!(pool, (i32,), both), [(5,), (6,)], "{engine:?}");
    let distinct = (a.distinct() | b).filter(num().gte(4));
    let got: setql::Result<Vec<(i32,)>> = distinct.fetch_all(pool).await;
    assert!(
        matches!(got, Err(setql::Error::UnknownColumn { .. })),
        "{engine:?}"
    );
});

// PASSES: projection-aware pushdown with constant columns, and a function predicate that
// cannot be renamed falls back to filtering the combined rows.
engines!(ok_renaming_constants_and_functions, |pool, engine| {
    let t = numbers(pool).await;
    let low = QuerySet::table(t.clone())
        .filter(num().lte(4))
        .column_as(Expr::val(1), "kind")
        .columns(["kind", "num"]);
    let high = QuerySet::table(t.clone())
        .filter(num().gte(5))
        .column_as(Expr::val(2), "src")
        .column_as(Expr::col("other_num"), "val")
        .columns(["src", "val"]); // (2, 5) … (2, 1)
    let union = low | high;
    let mine = union.clone().filter(Expr::col("kind").eq(2));
    let got = sorted!(pool, (i32, i32), mine.clone().filter(num().gte(3)));
    assert_eq!(got, [(2, 3), (2, 4), (2, 5)], "{engine:?}");
    let abs = Func::abs(Expr::col("num")).gte(3);
    let got = sorted!(pool, (i32, i32), mine.filter(abs));
    assert_eq!(got, [(2, 3), (2, 4), (2, 5)], "{engine:?}");
    let got = sorted!(pool, (i32, i32), union.exclude(Expr::col("num").lte(3)));
    assert_eq!(got, [(1, 4), (2, 4), (2, 5)], "{engine:?}");
});

// PASSES: adopted statements (sliced, or themselves compound) and sliced compounds as later
// members, which PostgreSQL and MariaDB parenthesise and SQLite wraps.
engines!(ok_adopted_and_sliced_later_members, |pool, engine| {
    let t = numbers(pool).await;
    let n = |p: Expr| QuerySet::table(t.clone()).filter(p);
    let sliced = sea_query::Query::select()
        .columns(["id", "num", "other_num"])
        .from(t.clone())
        .and_where(num().lte(4))
        .order_by("num", Order::Desc)
        .limit(2)
        .to_owned(); // 4, 3
    let union = n(num().eq(9)) | QuerySet::from_select(sliced);
    assert_eq!(union.count(pool).await.unwrap(), 3, "{engine:?}");
    let even = union.filter(num().modulo(2).eq(0));
    let mut got = nums!(pool, even);
    got.sort_unstable();
    assert_eq!(got, [4], "{engine:?}");
    let select = |v: i32| {
        sea_query::Query::select()
            .columns(["id", "num", "other_num"])
            .from(t.clone())
            .and_where(num().eq(v))
            .to_owned()
    };
    let compound = select(1)
        .union(sea_query::UnionType::Distinct, select(2))
        .to_owned();
    let union = n(num().eq(0)) | QuerySet::from_select(compound);
    let mut got = nums!(pool, union);
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2], "{engine:?}");
    let ends = (n(num().lte(2)) | n(num().gte(8))).order_by("num", Order::Asc);
    let union = n(num().eq(5)) | ends.clone().limit(2);
    let mut got = nums!(pool, union);
    got.sort_unstable();
    assert_eq!(got, [0, 1, 5], "{engine:?}");
    let both = n(num().gte(0)) & ends.clear_order_by().order_by("num", Order::Desc).limit(3);
    let mut got = nums!(pool, both);
    got.sort_unstable();
    assert_eq!(got, [2, 8, 9], "{engine:?}");
});
