//! Keyset pagination: pages by cursor cover every row once, in order, forwards and
//! backwards, with NULLs and mixed directions in the ordering, on combined sets too.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::Error;
use setql::prelude::*;

type Row = (i32, Option<i32>, Option<String>);

async fn scored<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("scored");
    exec(
        pool,
        format!(
            "CREATE TABLE {t} (id INTEGER PRIMARY KEY, score INTEGER NULL, label VARCHAR(16) NULL)"
        ),
    )
    .await;
    let rows: Vec<String> = (1..=23)
        .map(|id: i32| {
            let score = if id % 5 == 0 {
                "NULL".to_owned()
            } else {
                (id % 4).to_string()
            };
            let label = if id % 7 == 0 {
                "NULL".to_owned()
            } else {
                format!("'l{}'", id % 3)
            };
            format!("({id}, {score}, {label})")
        })
        .collect();
    exec(pool, format!("INSERT INTO {t} VALUES {}", rows.join(", "))).await;
    t
}

engines!(cursor_pages_match_the_full_ordering, |pool, engine| {
    let t = scored(pool).await;
    let keyed = || QuerySet::table(t.clone()).primary_key("id");
    // The key breaks ties in the direction of the last term.
    let orderings = [
        (keyed().order_by("score", Order::Desc), Order::Desc),
        (
            keyed()
                .order_by("label", Order::Asc)
                .order_by("score", Order::Desc),
            Order::Desc,
        ),
        (
            keyed()
                .order_by("score", Order::Asc)
                .order_by("label", Order::Asc),
            Order::Asc,
        ),
    ];
    for (set, tie_break) in orderings {
        let union = (set.clone().filter(Expr::col("id").lte(12))
            | set.clone().filter(Expr::col("id").gt(12)))
        .order_by("score", Order::Desc)
        .order_by("label", Order::Asc);
        // The cursor order ends with the key; an unsliced fetch is only that total when asked.
        let expected: Vec<Row> = set
            .clone()
            .order_by("id", tie_break.clone())
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(expected.len(), 23);
        // Forwards, five at a time, with the cursor passed through its token.
        let mut seen: Vec<Row> = Vec::new();
        let mut cursor: Option<Cursor> = None;
        for _ in 0..10 {
            let page: KeysetPage<Row> = set.page_after(cursor.as_ref(), 5, pool).await.unwrap();
            seen.extend(page.items.iter().cloned());
            assert_eq!(page.previous.is_some(), cursor.is_some(), "{engine:?}");
            match page.next {
                Some(next) => cursor = Some(Cursor::decode(&next.encode()).unwrap()),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{engine:?}");
        // Backwards from the end of a 20-row page: the 19 rows before its last row.
        let last: KeysetPage<Row> = set.page_after(None, 20, pool).await.unwrap();
        let back: KeysetPage<Row> = set
            .page_before(last.next.as_ref().unwrap(), 20, pool)
            .await
            .unwrap();
        assert_eq!(back.items, expected[..19], "{engine:?}");
        let short: KeysetPage<Row> = set
            .page_before(last.next.as_ref().unwrap(), 4, pool)
            .await
            .unwrap();
        assert_eq!(short.items, expected[15..19], "{engine:?}");
        assert!(short.previous.is_some() && short.next.is_some());
        assert!(back.previous.is_none());
        let tail: Vec<Row> = set
            .clone()
            .after(last.next.as_ref().unwrap())
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(tail, expected[20..], "{engine:?}");
        // A union is paged the same way.
        // Its last term is ascending, so is its tie-breaker.
        let all: Vec<Row> = union
            .clone()
            .order_by("id", Order::Asc)
            .fetch_all(pool)
            .await
            .unwrap();
        let first: KeysetPage<Row> = union.page_after(None, 10, pool).await.unwrap();
        let second: KeysetPage<Row> = union
            .page_after(first.next.as_ref(), 10, pool)
            .await
            .unwrap();
        let mut both: Vec<Row> = first.items.clone();
        both.extend(second.items);
        assert_eq!(both, all[..20], "{engine:?}");
    }
});

engines!(cursors_of_another_ordering_are_refused, |pool, engine| {
    let t = scored(pool).await;
    let by_score = QuerySet::table(t.clone())
        .primary_key("id")
        .order_by("score", Order::Asc);
    let page: KeysetPage<Row> = by_score.page_after(None, 3, pool).await.unwrap();
    let cursor = page.next.unwrap();
    let closed = pool.clone();
    closed.close().await;
    let by_label = QuerySet::table(t.clone())
        .primary_key("id")
        .order_by("label", Order::Asc);
    let err = by_label
        .page_after::<_, Row>(Some(&cursor), 3, &closed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidCursor(_)),
        "{engine:?}: {err:?}"
    );
    let err = by_label
        .after(&cursor)
        .fetch_all::<_, Row>(&closed)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCursor(_)), "{err:?}");
});
