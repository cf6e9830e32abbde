//! Grouping and aggregates over any set: per-group rows that are themselves a set (filtered,
//! ordered, sliced, paged, counted and combined), whole-set aggregates, one Rust type per
//! aggregate on every engine, and the misuse refused before anything is sent.

mod common;

use std::collections::BTreeMap;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::Error;
use setql::prelude::*;

const AUTHORS: [&str; 7] = ["ann", "bob", "cat", "dan", "eve", "fay", "gus"];

/// `(author, id, score)` of the posts and of the comments.
fn author(n: i32) -> String {
    AUTHORS[usize::try_from(n % 7).unwrap_or_default()].to_owned()
}

fn posts() -> Vec<(String, i32, i32)> {
    (1..=20).map(|id| (author(id), id, id)).collect()
}

fn comments() -> Vec<(String, i32, i32)> {
    (1..=15).map(|id| (author(id * 3), id, id * 2)).collect()
}

async fn feed_tables<DB>(pool: &sqlx::Pool<DB>) -> (String, String)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let mut names = Vec::new();
    for rows in [posts(), comments()] {
        let t = unique("grp");
        exec(
            pool,
            format!(
                "CREATE TABLE {t} (id INTEGER PRIMARY KEY, author VARCHAR(16) NOT NULL, score INTEGER NOT NULL)"
            ),
        )
        .await;
        let values: Vec<String> = rows
            .iter()
            .map(|(author, id, score)| format!("({id}, '{author}', {score})"))
            .collect();
        exec(
            pool,
            format!("INSERT INTO {t} VALUES {}", values.join(", ")),
        )
        .await;
        names.push(t);
    }
    (names[0].clone(), names[1].clone())
}

/// Posts and comments as one feed: `(author, id, score, kind)`.
fn feed(posts: &str, comments: &str) -> DelayedUnion {
    let branch = |table: &str, kind: &str| {
        QuerySet::table(table.to_owned())
            .primary_key("id")
            .columns(["author", "id", "score"])
            .column_as(Expr::val(kind.to_owned()), "kind")
    };
    branch(posts, "post").union(branch(comments, "comment"))
}

/// Per author: (count, sum, min, max) of the feed's rows, computed here.
fn expected_per_author() -> BTreeMap<String, (i64, i64, i32, i32)> {
    let mut groups: BTreeMap<String, (i64, i64, i32, i32)> = BTreeMap::new();
    for (author, _, score) in posts().into_iter().chain(comments()) {
        let entry = groups.entry(author).or_insert((0, 0, i32::MAX, i32::MIN));
        entry.0 += 1;
        entry.1 += i64::from(score);
        entry.2 = Ord::min(entry.2, score);
        entry.3 = Ord::max(entry.3, score);
    }
    groups
}

fn per_author(posts: &str, comments: &str) -> QuerySet {
    feed(posts, comments).group_by(["author"]).aggregate([
        Aggregate::count("n"),
        Aggregate::sum("score", "total"),
        Aggregate::avg("score", "mean"),
        Aggregate::min("score", "low"),
        Aggregate::max("score", "high"),
        Aggregate::count_distinct("kind", "kinds"),
    ])
}

type Group = (
    String,
    i64,
    Option<i64>,
    Option<f64>,
    Option<i32>,
    Option<i32>,
    i64,
);

engines!(feed_items_per_author_top_five_by_count, |pool, engine| {
    let (p, c) = feed_tables(pool).await;
    let top: Vec<Group> = per_author(&p, &c)
        .order_by("n", Order::Desc)
        .limit(5)
        .fetch_all(pool)
        .await
        .unwrap();
    // Ties on n are broken by the key, the author, in the direction of the last term.
    let names: Vec<(&str, i64)> = top.iter().map(|g| (g.0.as_str(), g.1)).collect();
    assert_eq!(
        names,
        [("dan", 6), ("gus", 5), ("fay", 5), ("eve", 5), ("cat", 5)],
        "{engine:?}"
    );
    let expected = expected_per_author();
    for (author, n, total, mean, low, high, kinds) in &top {
        let (count, sum, min, max) = expected[author];
        assert_eq!(
            (*n, *total, *low, *high),
            (count, Some(sum), Some(min), Some(max))
        );
        #[allow(clippy::cast_precision_loss)]
        let average = sum as f64 / count as f64;
        assert!(
            (mean.unwrap() - average).abs() < 1e-9,
            "{engine:?} {mean:?}"
        );
        assert_eq!(*kinds, 2, "{engine:?}");
    }

    // One row over the whole set, and still one row over no rows.
    let whole = feed(&p, &c).aggregate([
        Aggregate::count("n"),
        Aggregate::sum("score", "total"),
        Aggregate::avg("score", "mean"),
    ]);
    let (n, total, mean): (i64, Option<i64>, Option<f64>) = whole.fetch_one(pool).await.unwrap();
    let sum: i64 = expected_per_author().values().map(|g| g.1).sum();
    assert_eq!((n, total), (35, Some(sum)), "{engine:?}");
    #[allow(clippy::cast_precision_loss)]
    let average = sum as f64 / 35.0;
    assert!(
        (mean.unwrap() - average).abs() < 1e-9,
        "{engine:?} {mean:?}"
    );
    let none = feed(&p, &c)
        .filter(Expr::col("score").gt(1000))
        .aggregate([Aggregate::count("n"), Aggregate::sum("score", "total")]);
    let row: (i64, Option<i64>) = none.fetch_one(pool).await.unwrap();
    assert_eq!(row, (0, None), "{engine:?}");
    // A filter on the whole-set row applies to that row, not below it.
    let emptied = feed(&p, &c)
        .aggregate([Aggregate::count("n")])
        .filter(Expr::col("n").eq(0));
    assert_eq!(emptied.count(pool).await.unwrap(), 0, "{engine:?}");
});

engines!(
    a_filter_on_an_aggregate_stays_above_a_filter_on_a_group_moves_below,
    |pool, engine| {
        let (p, c) = feed_tables(pool).await;
        let grouped = feed(&p, &c)
            .group_by(["author"])
            .aggregate([Aggregate::count("n")]);

        let busy = grouped.clone().filter(Expr::col("n").gte(5));
        let sql = busy.to_sql(Dialect::Postgres).unwrap();
        let (_, after_grouping) = sql.split_once("GROUP BY").unwrap();
        assert!(after_grouping.contains(r#"WHERE "n" >= 5"#), "{sql}");
        let rows: Vec<(String, i64)> = sorted!(pool, (String, i64), busy);
        assert_eq!(rows.len(), 6, "{engine:?}");
        assert!(rows.iter().all(|(author, _)| author != "ann"));

        let quiet = grouped.clone().exclude(Expr::col("n").gte(5));
        let rows: Vec<(String, i64)> = quiet.fetch_all(pool).await.unwrap();
        assert_eq!(rows, [("ann".to_owned(), 4)], "{engine:?}");

        // A filter on the grouping column moves into the set, and on into both branches.
        let dan = grouped.filter(Expr::col("author").eq("dan"));
        let sql = dan.to_sql(Dialect::Postgres).unwrap();
        let (below, after_grouping) = sql.split_once("GROUP BY").unwrap();
        assert!(!after_grouping.contains("WHERE"), "{sql}");
        assert_eq!(
            below.matches(r#"WHERE "author" = 'dan'"#).count(),
            2,
            "{sql}"
        );
        let rows: Vec<(String, i64)> = dan.fetch_all(pool).await.unwrap();
        assert_eq!(rows, [("dan".to_owned(), 6)], "{engine:?}");
    }
);

engines!(counting_a_grouped_set_counts_groups, |pool, engine| {
    let (p, c) = feed_tables(pool).await;
    let grouped = feed(&p, &c)
        .group_by(["author"])
        .aggregate([Aggregate::count("n")]);
    assert_eq!(grouped.count(pool).await.unwrap(), 7, "{engine:?}");
    let busy = grouped.clone().filter(Expr::col("n").gte(5));
    assert_eq!(busy.count(pool).await.unwrap(), 6, "{engine:?}");
    assert_eq!(grouped.clone().limit(3).count(pool).await.unwrap(), 3);
    assert!(grouped.exists(pool).await.unwrap(), "{engine:?}");
    let kinds = feed(&p, &c)
        .group_by(["kind"])
        .aggregate([Aggregate::count("n")]);
    assert_eq!(kinds.count(pool).await.unwrap(), 2, "{engine:?}");
});

engines!(grouped_sets_combine_with_other_sets, |pool, engine| {
    let (p, c) = feed_tables(pool).await;
    let per = |table: &str| {
        QuerySet::table(table.to_owned())
            .group_by(["author"])
            .aggregate([Aggregate::count("n")])
    };
    let count = |rows: Vec<(String, i32, i32)>| {
        let mut counts: BTreeMap<String, i64> = BTreeMap::new();
        for (author, _, _) in rows {
            *counts.entry(author).or_default() += 1;
        }
        counts
    };
    let (in_posts, in_comments) = (count(posts()), count(comments()));

    // (author, n) pairs of either table; a filter on the aggregate goes into each branch,
    // where it reads that branch's grouped rows.
    let either = per(&p).union(per(&c)).filter(Expr::col("n").gte(3));
    let mut expected: Vec<(String, i64)> = in_posts
        .iter()
        .chain(&in_comments)
        .filter(|(_, n)| **n >= 3)
        .map(|(a, n)| (a.clone(), *n))
        .collect();
    expected.sort_unstable();
    expected.dedup();
    assert_eq!(sorted!(pool, (String, i64), either), expected, "{engine:?}");

    // Authors with as many posts as comments.
    let same = per(&p).intersection(per(&c));
    let expected: Vec<(String, i64)> = in_posts
        .iter()
        .filter(|(a, n)| in_comments.get(*a) == Some(n))
        .map(|(a, n)| (a.clone(), *n))
        .collect();
    assert_eq!(sorted!(pool, (String, i64), same), expected, "{engine:?}");
    assert_eq!(
        per(&p).difference(per(&c)).count(pool).await.unwrap(),
        7 - u64::try_from(expected.len()).unwrap(),
        "{engine:?}"
    );
});

engines!(grouped_sets_page_by_number_and_by_cursor, |pool, engine| {
    let (p, c) = feed_tables(pool).await;
    let ranked = feed(&p, &c)
        .group_by(["author"])
        .aggregate([Aggregate::count("n")])
        .order_by("n", Order::Desc);
    let all: Vec<(String, i64)> = ranked
        .clone()
        .order_by("author", Order::Desc)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(all.len(), 7);

    let page: Page<(String, i64)> = ranked.page(2, 3, pool).await.unwrap();
    assert_eq!((page.total, page.num_pages), (7, 3), "{engine:?}");
    assert_eq!(page.items, all[3..6], "{engine:?}");

    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page: KeysetPage<(String, i64)> =
            ranked.page_after(cursor.as_ref(), 2, pool).await.unwrap();
        seen.extend(page.items.iter().cloned());
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, all, "{engine:?}");
});

engines!(
    grouping_misuse_is_refused_before_anything_is_sent,
    |pool, engine| {
        let (p, c) = feed_tables(pool).await;
        let unknown = |err: Error, name: &str| match err {
            Error::UnknownColumn { column, .. } => assert_eq!(column, name, "{engine:?}"),
            other => panic!("{engine:?}: {other:?}"),
        };
        let by_missing = feed(&p, &c)
            .group_by(["nope"])
            .aggregate([Aggregate::count("n")]);
        unknown(
            by_missing.fetch_all::<_, (i64,)>(pool).await.unwrap_err(),
            "nope",
        );
        let sum_missing = feed(&p, &c)
            .group_by(["author"])
            .aggregate([Aggregate::sum("nope", "total")]);
        unknown(sum_missing.count(pool).await.unwrap_err(), "nope");
        let grouped = feed(&p, &c)
            .group_by(["author"])
            .aggregate([Aggregate::count("n")]);
        unknown(
            grouped
                .clone()
                .order_by("score", Order::Asc)
                .to_sql(Dialect::MySql)
                .unwrap_err(),
            "score",
        );
        // Aggregates belong in a grouping; an ungrouped annotation is refused as before, and so
        // is one over the grouped rows.
        let annotated = feed(&p, &c).column_as(Expr::col("score").sum(), "total");
        assert!(matches!(
            annotated.fetch_all::<_, (i64,)>(pool).await.unwrap_err(),
            Error::AggregateColumn { .. }
        ));
        assert!(matches!(
            grouped
                .column_as(Expr::col("n").max(), "most")
                .to_sql(Dialect::Sqlite)
                .unwrap_err(),
            Error::AggregateColumn { .. }
        ));
        let nothing = feed(&p, &c).aggregate([]);
        assert!(matches!(
            nothing.fetch_all::<_, (i64,)>(pool).await.unwrap_err(),
            Error::NoAggregates
        ));
    }
);

#[test]
fn grouped_sql_for_each_engine() {
    let feed = QuerySet::table("posts")
        .columns(["author", "score"])
        .union_all(QuerySet::table("comments").columns(["author", "score"]));
    let grouped = feed
        .group_by(["author"])
        .aggregate([
            Aggregate::count("n"),
            Aggregate::sum("score", "total"),
            Aggregate::avg("score", "mean"),
        ])
        .filter(Expr::col("n").gt(1))
        .order_by("n", Order::Desc)
        .limit(5);
    assert_eq!(
        grouped.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT * FROM (SELECT "author", COUNT(*) AS "n", CAST(SUM("score") AS INTEGER) AS "total", CAST(AVG("score") AS REAL) AS "mean" FROM (SELECT "author", "score" FROM "posts" UNION ALL SELECT "author", "score" FROM "comments") AS "t1" GROUP BY "author") AS "t2" WHERE "n" > 1 ORDER BY "n" DESC, "author" DESC LIMIT 5"#
    );
    assert_eq!(
        grouped.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM (SELECT "author", COUNT(*) AS "n", CAST(SUM("score") AS BIGINT) AS "total", CAST(AVG("score") AS DOUBLE PRECISION) AS "mean" FROM (SELECT "author", "score" FROM "posts" UNION ALL (SELECT "author", "score" FROM "comments")) AS "t1" GROUP BY "author") AS "t2" WHERE "n" > 1 ORDER BY "n" DESC NULLS LAST, "author" DESC NULLS LAST LIMIT 5"#
    );
    assert_eq!(
        grouped.to_sql(Dialect::MySql).unwrap(),
        "SELECT * FROM (SELECT `author`, COUNT(*) AS `n`, CAST(SUM(`score`) AS SIGNED) AS `total`, CAST(AVG(`score`) AS DOUBLE) AS `mean` FROM (SELECT `author`, `score` FROM `posts` UNION ALL (SELECT `author`, `score` FROM `comments`)) AS `t1` GROUP BY `author`) AS `t2` WHERE `n` > 1 ORDER BY `n` DESC, `author` DESC LIMIT 5"
    );
}

engines!(grouped_rows_take_the_rest_of_the_chain, |pool, engine| {
    let (p, c) = feed_tables(pool).await;
    let grouped = feed(&p, &c)
        .group_by(["author"])
        .aggregate([Aggregate::count("n"), Aggregate::sum("score", "total")]);
    // A projection and a computed column read the grouped rows.
    let doubled = grouped
        .clone()
        .column_as(Expr::col("n").mul(2), "twice")
        .columns(["author", "twice"])
        .filter(Expr::col("twice").gt(10));
    let rows: Vec<(String, i64)> = doubled.fetch_all(pool).await.unwrap();
    assert_eq!(rows, [("dan".to_owned(), 12)], "{engine:?}");
    // first() and last() order an unordered grouped set by its key.
    let first: Option<(String, i64, Option<i64>)> = grouped.first(pool).await.unwrap();
    let last: Option<(String, i64, Option<i64>)> = grouped.last(pool).await.unwrap();
    let expected = expected_per_author();
    assert_eq!(
        first.unwrap(),
        ("ann".to_owned(), 4, Some(expected["ann"].1))
    );
    assert_eq!(
        last.unwrap(),
        ("gus".to_owned(), 5, Some(expected["gus"].1))
    );
    // distinct() changes nothing: each group is one row already.
    assert_eq!(grouped.clone().distinct().count(pool).await.unwrap(), 7);
    // A whole-set aggregate is one row.
    let whole = feed(&p, &c).aggregate([Aggregate::count("n")]);
    assert_eq!(whole.count(pool).await.unwrap(), 1, "{engine:?}");
});
