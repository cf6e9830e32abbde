//! `order_by_with_nulls`: NULLs first or last, in one sequence on every engine, on plain sets
//! and combinations, through `first`/`last`, and through keyset cursors in both directions.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, NullOrdering, Order};
use setql::Error;
use setql::prelude::*;

type Row = (i32, Option<i32>);

/// `(id, score)`: three NULL scores, and ties among the others.
const ROWS: [Row; 8] = [
    (1, None),
    (2, Some(3)),
    (3, Some(1)),
    (4, None),
    (5, Some(2)),
    (6, Some(3)),
    (7, None),
    (8, Some(1)),
];

/// Every direction with every placement.
const PLACEMENTS: [(Order, NullOrdering); 4] = [
    (Order::Asc, NullOrdering::Last),
    (Order::Desc, NullOrdering::First),
    (Order::Asc, NullOrdering::First),
    (Order::Desc, NullOrdering::Last),
];

async fn scores<DB>(pool: &sqlx::Pool<DB>, rows: &[Row]) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("scores");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, score INTEGER NULL)"),
    )
    .await;
    let values: Vec<String> = rows
        .iter()
        .map(|(id, score)| match score {
            Some(score) => format!("({id}, {score})"),
            None => format!("({id}, NULL)"),
        })
        .collect();
    exec(
        pool,
        format!("INSERT INTO {t} (id, score) VALUES {}", values.join(", ")),
    )
    .await;
    t
}

/// The ids of `ROWS` ordered by score as `order`/`nulls` say, then by id in the same
/// direction (setql's tie-breakers follow the last term): worked out here, not by any engine.
fn expected(order: &Order, nulls: NullOrdering) -> Vec<i32> {
    let mut rows = ROWS.to_vec();
    rows.sort_by(|(a_id, a), (b_id, b)| {
        let by_score = match (a, b) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) if nulls == NullOrdering::First => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) if nulls == NullOrdering::First => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (Some(a), Some(b)) if matches!(order, Order::Desc) => b.cmp(a),
            (Some(a), Some(b)) => a.cmp(b),
        };
        let by_id = if matches!(order, Order::Desc) {
            b_id.cmp(a_id)
        } else {
            a_id.cmp(b_id)
        };
        by_score.then(by_id)
    });
    rows.into_iter().map(|(id, _)| id).collect()
}

fn score_of(id: i32) -> Option<i32> {
    ROWS.iter().find(|row| row.0 == id).and_then(|row| row.1)
}

fn ids(rows: &[Row]) -> Vec<i32> {
    rows.iter().map(|(id, _)| *id).collect()
}

#[test]
fn the_oracle_places_nulls_as_asked() {
    assert_eq!(
        expected(&Order::Asc, NullOrdering::Last),
        [3, 8, 5, 2, 6, 1, 4, 7]
    );
    assert_eq!(
        expected(&Order::Desc, NullOrdering::First),
        [7, 4, 1, 6, 2, 5, 8, 3]
    );
    assert_eq!(
        expected(&Order::Asc, NullOrdering::First),
        [1, 4, 7, 3, 8, 5, 2, 6]
    );
    assert_eq!(
        expected(&Order::Desc, NullOrdering::Last),
        [6, 2, 5, 8, 3, 7, 4, 1]
    );
}

/// The ordered sets under test: one table, a same-table union (fused into one SELECT), the
/// same union kept as a compound, and a union of two tables.
fn ordered_sets(
    whole: &str,
    low: &str,
    high: &str,
    order: &Order,
    nulls: NullOrdering,
) -> Vec<(&'static str, DelayedUnion)> {
    let keyed = |t: &str| QuerySet::table(t.to_owned()).primary_key("id");
    let fused =
        keyed(whole).filter(Expr::col("id").lte(4)) | keyed(whole).filter(Expr::col("id").gt(4));
    // Rows of two tables: setql cannot prove a key, so the ids (disjoint here) are declared.
    let two_tables = (keyed(low).columns(["id", "score"]) | keyed(high).columns(["id", "score"]))
        .unique_key(["id"]);
    let order_by = |set: DelayedUnion| set.order_by_with_nulls("score", order.clone(), nulls);
    vec![
        ("fused union", order_by(fused.clone())),
        ("kept union", order_by(fused.keep_branches())),
        ("two-table union", order_by(two_tables)),
    ]
}

engines!(every_engine_returns_one_sequence, |pool, engine| {
    let whole = scores(pool, &ROWS).await;
    let low = scores(pool, &ROWS[..4]).await;
    let high = scores(pool, &ROWS[4..]).await;
    for (order, nulls) in PLACEMENTS {
        let want = expected(&order, nulls);
        let plain = QuerySet::table(whole.clone())
            .primary_key("id")
            .order_by_with_nulls("score", order.clone(), nulls)
            .order_by("id", order.clone());
        let rows: Vec<Row> = plain.fetch_all(pool).await.unwrap();
        assert_eq!(ids(&rows), want, "{engine:?} plain {order:?} {nulls:?}");
        // A slice takes the first rows of that sequence (the key breaks ties).
        let rows: Vec<Row> = QuerySet::table(whole.clone())
            .primary_key("id")
            .order_by_with_nulls("score", order.clone(), nulls)
            .limit(4)
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(
            ids(&rows),
            want[..4],
            "{engine:?} plain sliced {order:?} {nulls:?}"
        );
        // DISTINCT orders by what it selects; MySQL's `IS NULL` term reads only that.
        let distinct: Vec<(Option<i32>,)> = QuerySet::table(whole.clone())
            .columns(["score"])
            .distinct()
            .order_by_with_nulls("score", order.clone(), nulls)
            .fetch_all(pool)
            .await
            .unwrap();
        let mut scores: Vec<Option<i32>> = want.iter().map(|&id| score_of(id)).collect();
        scores.dedup();
        assert_eq!(
            distinct
                .into_iter()
                .map(|(score,)| score)
                .collect::<Vec<_>>(),
            scores,
            "{engine:?} distinct {order:?} {nulls:?}"
        );
        for (name, set) in ordered_sets(&whole, &low, &high, &order, nulls) {
            let rows: Vec<Row> = set
                .clone()
                .order_by("id", order.clone())
                .fetch_all(pool)
                .await
                .unwrap();
            assert_eq!(ids(&rows), want, "{engine:?} {name} {order:?} {nulls:?}");
            let rows: Vec<Row> = set
                .clone()
                .offset(2)
                .limit(4)
                .fetch_all(pool)
                .await
                .unwrap();
            assert_eq!(
                ids(&rows),
                want[2..6],
                "{engine:?} {name} sliced {order:?} {nulls:?}"
            );
        }
    }
});

engines!(first_and_last_agree_with_the_sequence, |pool, engine| {
    let whole = scores(pool, &ROWS).await;
    let low = scores(pool, &ROWS[..4]).await;
    let high = scores(pool, &ROWS[4..]).await;
    for (order, nulls) in PLACEMENTS {
        let want = expected(&order, nulls);
        let (head, tail) = (want[0], want[want.len() - 1]);
        let plain = QuerySet::table(whole.clone())
            .primary_key("id")
            .order_by_with_nulls("score", order.clone(), nulls);
        let first: Option<Row> = plain.first(pool).await.unwrap();
        let last: Option<Row> = plain.last(pool).await.unwrap();
        assert_eq!(
            first.map(|r| r.0),
            Some(head),
            "{engine:?} plain {order:?} {nulls:?}"
        );
        assert_eq!(
            last.map(|r| r.0),
            Some(tail),
            "{engine:?} plain {order:?} {nulls:?}"
        );
        // `last` of a slice is the slice's last row.
        let sliced = plain.clone().limit(5);
        let last: Option<Row> = sliced.last(pool).await.unwrap();
        assert_eq!(
            last.map(|r| r.0),
            Some(want[4]),
            "{engine:?} sliced {order:?} {nulls:?}"
        );
        for (name, set) in ordered_sets(&whole, &low, &high, &order, nulls) {
            let first: Option<Row> = set.first(pool).await.unwrap();
            let last: Option<Row> = set.last(pool).await.unwrap();
            assert_eq!(
                first.map(|r| r.0),
                Some(head),
                "{engine:?} {name} {order:?} {nulls:?}"
            );
            assert_eq!(
                last.map(|r| r.0),
                Some(tail),
                "{engine:?} {name} {order:?} {nulls:?}"
            );
        }
    }
});

/// Walks `$set` forward by cursor, then back from the last page to the start; gives the ids
/// seen each way.
macro_rules! walk {
    ($set:expr, $per_page:expr, $pool:expr) => {{
        let (set, per_page, pool) = (&$set, $per_page, $pool);
        let mut forward = Vec::new();
        let mut cursor: Option<Cursor> = None;
        let last_page = loop {
            let page: KeysetPage<Row> = set
                .page_after(cursor.as_ref(), per_page, pool)
                .await
                .unwrap();
            forward.extend(ids(&page.items));
            assert!(
                forward.len() <= ROWS.len(),
                "the walk does not end: {forward:?}"
            );
            match &page.next {
                // Through the token, as a web client would pass it.
                Some(next) => cursor = Some(Cursor::decode(&next.encode()).unwrap()),
                None => break page,
            }
        };
        let mut backward = ids(&last_page.items);
        let mut cursor = last_page.previous;
        while let Some(at) = cursor {
            let page: KeysetPage<Row> = set.page_before(&at, per_page, pool).await.unwrap();
            assert!(!page.items.is_empty(), "an empty page before {at:?}");
            let mut earlier = ids(&page.items);
            earlier.extend(backward);
            backward = earlier;
            assert!(
                backward.len() <= ROWS.len(),
                "the walk does not end: {backward:?}"
            );
            cursor = page.previous;
        }
        (forward, backward)
    }};
}

engines!(cursor_walks_visit_every_row_once, |pool, engine| {
    let whole = scores(pool, &ROWS).await;
    let low = scores(pool, &ROWS[..4]).await;
    let high = scores(pool, &ROWS[4..]).await;
    for (order, nulls) in PLACEMENTS {
        let want = expected(&order, nulls);
        let plain = QuerySet::table(whole.clone())
            .primary_key("id")
            .order_by_with_nulls("score", order.clone(), nulls);
        for per_page in [1, 2, 3] {
            let (forward, backward) = walk!(plain, per_page, pool);
            assert_eq!(
                forward, want,
                "{engine:?} plain {order:?} {nulls:?} by {per_page}"
            );
            assert_eq!(
                backward, want,
                "{engine:?} plain {order:?} {nulls:?} by {per_page}"
            );
            for (name, set) in ordered_sets(&whole, &low, &high, &order, nulls) {
                let (forward, backward) = walk!(set, per_page, pool);
                let what = format!("{engine:?} {name} {order:?} {nulls:?} by {per_page}");
                assert_eq!(forward, want, "{what}");
                assert_eq!(backward, want, "{what}");
            }
        }
        // `after` a cursor on a NULL is the rest of the sequence.
        let null_at = want.iter().position(|&id| id == 4).unwrap();
        let page: KeysetPage<Row> = plain
            .page_after(None, null_at as u64 + 1, pool)
            .await
            .unwrap();
        let rest: Vec<Row> = plain
            .clone()
            .after(page.next.as_ref().unwrap())
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(
            ids(&rest),
            want[null_at + 1..],
            "{engine:?} {order:?} {nulls:?}"
        );
    }
});

engines!(cursors_remember_where_nulls_went, |pool, engine| {
    let whole = scores(pool, &ROWS).await;
    let set = |nulls| {
        QuerySet::table(whole.clone())
            .primary_key("id")
            .order_by_with_nulls("score", Order::Asc, nulls)
    };
    let page: KeysetPage<Row> = set(NullOrdering::Last)
        .page_after(None, 2, pool)
        .await
        .unwrap();
    let cursor = page.next.unwrap();
    let closed = pool.clone();
    closed.close().await;
    // The same column and direction with NULLs at the other end is another ordering.
    let err = set(NullOrdering::First)
        .page_after::<_, Row>(Some(&cursor), 2, &closed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidCursor(_)),
        "{engine:?}: {err:?}"
    );
    let err = QuerySet::table(whole.clone())
        .primary_key("id")
        .order_by("score", Order::Asc)
        .after(&cursor)
        .fetch_all::<_, Row>(&closed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidCursor(_)),
        "{engine:?}: {err:?}"
    );
});

#[test]
fn the_usual_placement_reads_as_plain_order_by() {
    let usual = QuerySet::table("t").order_by_with_nulls("n", Order::Desc, NullOrdering::Last);
    let plain = QuerySet::table("t").order_by("n", Order::Desc);
    for dialect in Dialect::ALL {
        assert_eq!(
            usual.to_sql(dialect).unwrap(),
            plain.to_sql(dialect).unwrap()
        );
    }
    assert_eq!(
        usual.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT * FROM "t" ORDER BY "n" DESC"#
    );
}

#[test]
fn each_dialect_writes_the_placement() {
    let set = QuerySet::table("t").order_by_with_nulls("n", Order::Desc, NullOrdering::First);
    assert_eq!(
        set.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT * FROM "t" ORDER BY "n" DESC NULLS FIRST"#
    );
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM "t" ORDER BY "n" DESC NULLS FIRST"#
    );
    assert_eq!(
        set.to_sql(Dialect::MySql).unwrap(),
        "SELECT * FROM `t` ORDER BY `n` IS NULL DESC, `n` DESC"
    );
}

#[test]
fn a_compound_is_ordered_by_names_on_every_dialect() {
    let a = QuerySet::table("a").columns(["id", "n"]);
    let b = QuerySet::table("b").columns(["id", "n"]);
    let set = (a | b).order_by_with_nulls("n", Order::Asc, NullOrdering::Last);
    assert_eq!(
        set.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT "id", "n" FROM "a" UNION SELECT "id", "n" FROM "b" ORDER BY "n" ASC NULLS LAST"#
    );
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT "id", "n" FROM "a" UNION (SELECT "id", "n" FROM "b") ORDER BY "n" ASC NULLS LAST"#
    );
    // MySQL's `IS NULL` term is an expression, which a compound's ORDER BY does not take.
    assert_eq!(
        set.to_sql(Dialect::MySql).unwrap(),
        "SELECT * FROM (SELECT `id`, `n` FROM `a` UNION (SELECT `id`, `n` FROM `b`)) AS `t1` \
         ORDER BY `n` IS NULL ASC, `n` ASC"
    );
    // The usual placement needs no derived table.
    let usual = set.clone().clear_order_by().order_by("n", Order::Asc);
    assert_eq!(
        usual.to_sql(Dialect::MySql).unwrap(),
        "SELECT `id`, `n` FROM `a` UNION (SELECT `id`, `n` FROM `b`) ORDER BY `n` ASC"
    );
}
