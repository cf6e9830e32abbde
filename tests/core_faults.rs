//! The faults found by trying setql as a new user would (issue 9), each kept with its right
//! value, on every engine.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use setql::prelude::*;

/// `t(id, a, b, s)`: (1, 1, 2, 'x'), (2, 5, 5, 'y').
async fn two_rows<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("t");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, s VARCHAR(8))"),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {t} VALUES (1, 1, 2, 'x'), (2, 5, 5, 'y')"),
    )
    .await;
    t
}

type Row = (i32, i32, String);

// 1. A same-named computed column does not make the branches share the key: the union holds
// the row of id 1 twice, so `id` alone breaks no tie and is no cursor.
engines!(
    computed_columns_of_one_name_do_not_share_the_key,
    |pool, engine| {
        let t = two_rows(pool).await;
        let branch = |e: &str| {
            QuerySet::table(t.clone())
                .primary_key("id")
                .column_as(Expr::col(e.to_owned()), "k")
                .columns(["id", "k", "s"])
        };
        let union = branch("a") | branch("b");
        assert_eq!(union.count(pool).await.unwrap(), 3, "{engine:?}");
        let top: Vec<Row> = union
            .clone()
            .order_by("s", Order::Asc)
            .limit(1)
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(top, [(1, 1, "x".to_owned())], "{engine:?}");
        let mut walked: Vec<Row> = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page: KeysetPage<Row> = union
                .clone()
                .order_by("s", Order::Asc)
                .page_after(cursor.as_ref(), 1, pool)
                .await
                .unwrap();
            walked.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let expected =
            [(1, 1, "x"), (1, 2, "x"), (2, 5, "y")].map(|(i, k, s)| (i, k, s.to_owned()));
        assert_eq!(walked, expected, "{engine:?}");
    }
);

// 1, as a feed: every post, and the boosted ones again as boosts, ordered by id.
engines!(
    a_feed_of_posts_and_boosts_pages_every_row,
    |pool, engine| {
        let feed = unique("feed");
        exec(
            pool,
            format!("CREATE TABLE {feed} (id INTEGER PRIMARY KEY, boosted INTEGER NOT NULL)"),
        )
        .await;
        exec(
            pool,
            format!("INSERT INTO {feed} VALUES (1, 1), (2, 0), (3, 1), (4, 0)"),
        )
        .await;
        let base = || QuerySet::table(feed.clone()).primary_key("id");
        let posts = base().column_as(Expr::val("post"), "src");
        let boosts = base()
            .filter(Expr::col("boosted").eq(1))
            .column_as(Expr::val("boost"), "src");
        let all = (posts | boosts).order_by("id", Order::Asc);
        let mut walked: Vec<(i32, String)> = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page: KeysetPage<(i32, i32, String)> =
                all.page_after(cursor.as_ref(), 2, pool).await.unwrap();
            walked.extend(page.items.into_iter().map(|(id, _, src)| (id, src)));
            match page.next {
                Some(next) => cursor = Some(Cursor::decode(&next.encode()).unwrap()),
                None => break,
            }
        }
        walked.sort();
        let expected = [
            (1, "boost"),
            (1, "post"),
            (2, "post"),
            (3, "boost"),
            (3, "post"),
            (4, "post"),
        ]
        .map(|(id, src)| (id, src.to_owned()));
        assert_eq!(walked, expected, "{engine:?}");
    }
);

// 2. `distinct()` keeps an ordering by a column it does not output only where the rows are
// distinct already; otherwise it is refused before anything is sent.
engines!(distinct_after_ordering_keeps_or_refuses, |pool, engine| {
    let t = two_rows(pool).await;
    let unkeyed = QuerySet::table(t.clone())
        .columns(["a"])
        .order_by("s", Order::Desc)
        .distinct();
    let refused: setql::Result<Vec<(i32,)>> = unkeyed.fetch_all(pool).await;
    assert!(
        matches!(&refused, Err(setql::Error::DistinctLosesOrder { column }) if column == "s"),
        "{engine:?}: {refused:?}"
    );
    let keyed = QuerySet::table(t.clone())
        .primary_key("id")
        .columns(["id"])
        .order_by("s", Order::Desc)
        .distinct();
    let ids: Vec<(i32,)> = keyed.fetch_all(pool).await.unwrap();
    assert_eq!(ids, [(2,), (1,)], "{engine:?}");
    let first: Option<(i32,)> = keyed.first(pool).await.unwrap();
    assert_eq!(first, Some((2,)), "{engine:?}");
});

// 3. `order_by` after a slice adds a term, with or without an `exclude` in between.
engines!(order_by_after_a_slice_adds_a_term, |pool, engine| {
    let t = unique("abc");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)"),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {t} VALUES (1, 1, 2), (2, 2, 1), (3, 3, 0)"),
    )
    .await;
    let sliced = || {
        QuerySet::table(t.clone())
            .order_by("a", Order::Asc)
            .limit(2)
    };
    let direct: Vec<(i32, i32, i32)> = sliced()
        .order_by("b", Order::Asc)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(direct, [(1, 1, 2), (2, 2, 1)], "{engine:?}");
    let through_exclude: Vec<(i32, i32, i32)> = sliced()
        .exclude(Expr::col("a").eq(99))
        .order_by("b", Order::Asc)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(through_exclude, direct, "{engine:?}");
    // A slice ordered by a column it does not output keeps that ordering too.
    let projected: Vec<(i32,)> = QuerySet::table(t.clone())
        .order_by("a", Order::Desc)
        .limit(2)
        .columns(["id"])
        .order_by("id", Order::Asc)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(projected, [(3,), (2,)], "{engine:?}");
});

// 4. An unknown column is an error on SQLite too, also where a pushed filter reaches a
// branch that lacks the column.
engines!(unknown_columns_are_errors_everywhere, |pool, engine| {
    let t = two_rows(pool).await;
    let u = two_rows(pool).await;
    let plain: setql::Result<Vec<Row>> = QuerySet::table(t.clone())
        .columns(["id", "a", "s"])
        .filter(Expr::col("nope").eq(1))
        .fetch_all(pool)
        .await;
    assert!(
        matches!(plain, Err(setql::Error::Query { .. })),
        "{engine:?}: {plain:?}"
    );
    exec(pool, format!("ALTER TABLE {t} ADD COLUMN only_t INTEGER")).await;
    let union =
        QuerySet::table(t.clone()).columns(["id", "a"]) | QuerySet::table(u).columns(["id", "b"]);
    let pushed: setql::Result<Vec<(i32, i32)>> = union
        .filter(Expr::col("only_t").is_null())
        .fetch_all(pool)
        .await;
    assert!(
        matches!(pushed, Err(setql::Error::Query { .. })),
        "{engine:?}: {pushed:?}"
    );
    // A string literal in single quotes is still a string.
    let text: Vec<Row> = QuerySet::table(t)
        .columns(["id", "a", "s"])
        .filter(Expr::col("s").eq(Expr::cust("'x'")))
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(text, [(1, 1, "x".to_owned())], "{engine:?}");
});

/// `cakes(id, name)` and `pies(id, name)`, as SeaORM would name them.
async fn bakery<DB>(pool: &sqlx::Pool<DB>) -> (String, String)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let cakes = unique("cakes");
    let pies = unique("pies");
    for (table, rows) in [
        (&cakes, "(1, 'Cheese'), (2, 'Apple'), (3, 'Carrot')"),
        (&pies, "(1, 'Cherry'), (2, 'Apple'), (3, 'Pecan')"),
    ] {
        exec(
            pool,
            format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY, name VARCHAR(16))"),
        )
        .await;
        exec(pool, format!("INSERT INTO {table} VALUES {rows}")).await;
    }
    (cakes, pies)
}

// 5. A table-qualified filter on a combination of two tables reads the output column in
// each branch, for union, difference and count.
engines!(qualified_filters_on_two_tables, |pool, engine| {
    let (cakes, pies) = bakery(pool).await;
    let qualified = || Expr::col((Alias::new(cakes.clone()), Alias::new("name"))).like("C%");
    let c = || QuerySet::table(cakes.clone()).columns(["name"]);
    let p = || QuerySet::table(pies.clone()).columns(["name"]);
    let union = (c() | p()).filter(qualified());
    let names: Vec<(String,)> = union
        .clone()
        .order_by("name", Order::Asc)
        .fetch_all(pool)
        .await
        .unwrap();
    let expected = ["Carrot", "Cheese", "Cherry"].map(|n| (n.to_owned(),));
    assert_eq!(names, expected, "{engine:?}");
    assert_eq!(union.count(pool).await.unwrap(), 3, "{engine:?}");
    let difference = (c() - p()).filter(qualified());
    assert_eq!(
        sorted!(pool, (String,), difference),
        ["Carrot", "Cheese"].map(|n| (n.to_owned(),)),
        "{engine:?}"
    );
    // Inside a function call the qualifier cannot be rewritten: a typed error, nothing sent.
    let lowered = Expr::expr(Func::lower(Expr::col((
        Alias::new(cakes.clone()),
        Alias::new("name"),
    ))))
    .like("c%");
    let refused = (c() | p()).filter(lowered).count(pool).await;
    assert!(
        matches!(refused, Err(setql::Error::QualifiedColumn { .. })),
        "{engine:?}: {refused:?}"
    );
});

// 6. Adopted statements whose columns repeat a name combine as written; where a derived table
// is unavoidable, the repeated name is a typed error.
engines!(adopted_statements_with_repeated_names, |pool, engine| {
    let (books, authors) = bakery(pool).await;
    let join = |name: &str| {
        Query::select()
            .column((Alias::new(books.clone()), Alias::new("id")))
            .column((Alias::new(authors.clone()), Alias::new("id")))
            .column((Alias::new(books.clone()), Alias::new("name")))
            .from(Alias::new(books.clone()))
            .inner_join(
                Alias::new(authors.clone()),
                Expr::col((Alias::new(books.clone()), Alias::new("id")))
                    .equals((Alias::new(authors.clone()), Alias::new("id"))),
            )
            .and_where(Expr::col((Alias::new(books.clone()), Alias::new("name"))).eq(name))
            .to_owned()
    };
    let union = QuerySet::from_select(join("Apple")) | QuerySet::from_select(join("Cheese"));
    assert_eq!(
        sorted!(pool, (i32, i32, String), union),
        [(1, 1, "Cheese".to_owned()), (2, 2, "Apple".to_owned())],
        "{engine:?}"
    );
    let counted = union.count(pool).await;
    assert!(
        matches!(&counted, Err(setql::Error::DuplicateColumn { column }) if column == "id"),
        "{engine:?}: {counted:?}"
    );
    let filtered: setql::Result<Vec<(i32, i32, String)>> = union
        .filter(Expr::col("name").eq("Apple"))
        .fetch_all(pool)
        .await;
    assert!(
        matches!(filtered, Err(setql::Error::DuplicateColumn { .. })),
        "{engine:?}"
    );
});

// 7. An aggregate in `column_as` is refused until grouping exists.
engines!(aggregates_in_column_as_are_refused, |pool, engine| {
    let t = two_rows(pool).await;
    let counted = QuerySet::table(t.clone())
        .columns(["a"])
        .column_as(Func::count(Expr::col("id")), "n");
    let got: setql::Result<Vec<(i32, i64)>> = counted.fetch_all(pool).await;
    assert!(
        matches!(&got, Err(setql::Error::AggregateColumn { column }) if column == "n"),
        "{engine:?}: {got:?}"
    );
    let raw = QuerySet::table(t).column_as(Expr::cust("max(b) + 1"), "top");
    assert!(matches!(
        raw.to_sql(Dialect::Sqlite),
        Err(setql::Error::AggregateColumn { .. })
    ));
});

// A declared composite key makes cursors compact: ordering columns and the key, never the
// free text nobody ordered by.
engines!(
    cursors_hold_the_ordering_and_the_key_only,
    |pool, engine| {
        let t = two_rows(pool).await;
        let posts = QuerySet::table(t.clone())
            .column_as(Expr::val("post"), "kind")
            .columns(["kind", "id", "a", "s"]);
        let notes = QuerySet::table(t.clone())
            .column_as(Expr::val("note"), "kind")
            .columns(["kind", "id", "a", "s"]);
        let feed = (posts | notes).order_by("a", Order::Desc);
        let refused = feed
            .page_after::<_, (String, i32, i32, String)>(None, 1, pool)
            .await;
        assert!(
            matches!(refused, Err(setql::Error::InvalidCursor(_))),
            "{engine:?}"
        );
        let keyed = feed.unique_key(["kind", "id"]);
        let page: KeysetPage<(String, i32, i32, String)> =
            keyed.page_after(None, 1, pool).await.unwrap();
        let token = page.next.unwrap().encode();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(token).unwrap()).unwrap();
        assert!(
            json.contains("\"kind\"") && json.contains("\"id\"") && json.contains("\"a\""),
            "{json}"
        );
        assert!(!json.contains("\"s\""), "{engine:?}: {json}");
    }
);

// Issue 15: an exclusion over columns declared NOT NULL is written as a plain comparison,
// and one over a nullable column still keeps the rows where it is NULL.
engines!(exclusions_on_declared_not_null_columns, |pool, engine| {
    let t = unique("st");
    exec(
        pool,
        format!(
            "CREATE TABLE {t} (id INTEGER PRIMARY KEY, status VARCHAR(8) NOT NULL, note VARCHAR(8))"
        ),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {t} VALUES (1, 'open', 'a'), (2, 'closed', NULL), (3, 'open', NULL)"),
    )
    .await;
    let declared = || {
        QuerySet::table(t.clone())
            .primary_key("id")
            .not_null(["status"])
    };
    let open = declared().exclude(Expr::col("status").eq("closed"));
    assert!(
        open.to_sql(Dialect::Sqlite)
            .unwrap()
            .ends_with(r#"WHERE "status" <> 'closed'"#)
    );
    assert_eq!(
        sorted!(pool, (i32, String, Option<String>), open).len(),
        2,
        "{engine:?}"
    );
    // `note` may be NULL: rows 2 and 3 are kept, and the SQL says so.
    let not_a = declared().exclude(Expr::col("note").eq("a"));
    assert!(
        not_a
            .to_sql(Dialect::Sqlite)
            .unwrap()
            .contains("IS NOT TRUE")
    );
    let ids: Vec<i32> = sorted!(pool, (i32, String, Option<String>), not_a)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(ids, [2, 3], "{engine:?}");
    // Through a union of declared branches, and not through a union with an undeclared one.
    let union = (declared().filter(Expr::col("id").lte(1))
        | declared().filter(Expr::col("id").gt(1)))
    .keep_branches()
    .exclude(Expr::col("status").eq("closed"));
    assert!(
        !union
            .to_sql(Dialect::Postgres)
            .unwrap()
            .contains("IS NOT TRUE")
    );
    assert_eq!(union.count(pool).await.unwrap(), 2, "{engine:?}");
    let mixed = (declared() | QuerySet::table(t.clone()).primary_key("id"))
        .keep_branches()
        .exclude(Expr::col("status").eq("closed"));
    assert!(
        mixed
            .to_sql(Dialect::Postgres)
            .unwrap()
            .contains("IS NOT TRUE")
    );
    // A NULL value in the predicate can make it NULL: no shortcut.
    let null_value = declared().exclude(Expr::col("status").eq(Option::<String>::None));
    assert_eq!(null_value.count(pool).await.unwrap(), 3, "{engine:?}");
});

// Found by the fuzz suite: SQLite reads a compound's `ORDER BY b` as the first member's
// `b AS k` when that comes first, and sorts by `k`. setql names such a column by position.
engines!(compound_order_names_mean_output_columns, |pool, engine| {
    let t = unique("ab");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)"),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {t} VALUES (1, 1, 2), (2, 5, 5), (3, 0, 9)"),
    )
    .await;
    let branch = |e: &str| {
        QuerySet::table(t.clone())
            .primary_key("id")
            .column_as(Expr::col(e.to_owned()), "k")
            .columns(["id", "k", "b"])
    };
    let union = (branch("b") | branch("a")).order_by("b", Order::Asc);
    let rows: Vec<(i32, i32, i32)> = union.clone().fetch_all(pool).await.unwrap();
    let bs: Vec<i32> = rows.iter().map(|row| row.2).collect();
    assert_eq!(bs, [2, 2, 5, 9, 9], "{engine:?}");
    let top: Vec<(i32, i32, i32)> = union.limit(2).fetch_all(pool).await.unwrap();
    assert_eq!(top, [(1, 1, 2), (1, 2, 2)], "{engine:?}");
});
