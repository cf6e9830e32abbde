//! `page`: 1-based pages that never overlap or skip, on combined sets too.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::Error;
use setql::prelude::*;

type Row = (i32, i32, i32);

engines!(pages_cover_every_row_once, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone()).primary_key("id");
    // other_num % 3 has many ties, so only the tie-breaker keeps pages apart.
    let union = (n().filter(Expr::col("num").lte(4)) | n().filter(Expr::col("num").gte(3)))
        .column_as(Expr::col("other_num").modulo(3), "bucket")
        .order_by("bucket", Order::Asc);
    for set in [union.clone(), union.clone().keep_branches()] {
        let mut seen = Vec::new();
        for number in 1..=4 {
            let page: Page<(i32, i32, i32, i32)> = set.page(number, 3, pool).await.unwrap();
            assert_eq!(
                (page.total, page.num_pages, page.number),
                (10, 4, number),
                "{engine:?}"
            );
            assert_eq!(page.has_previous(), number > 1);
            assert_eq!(page.has_next(), number < 4);
            let expected_len = if number == 4 { 1 } else { 3 };
            assert_eq!(page.items.len(), expected_len, "{engine:?}");
            seen.extend(page.items.iter().map(|row| row.1));
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..=9).collect::<Vec<_>>(), "{engine:?}");
    }
    // An unordered set is ordered for paging (by its key here).
    let first: Page<Row> = n().page(1, 2, pool).await.unwrap();
    assert_eq!(
        first.items.iter().map(|r| r.1).collect::<Vec<_>>(),
        [0, 1],
        "{engine:?}"
    );
});

engines!(pages_past_the_end_and_of_empty_sets, |pool, engine| {
    let t = numbers(pool).await;
    let set = QuerySet::table(t.clone()) | QuerySet::table(t.clone());
    let err = set.page::<_, Row>(3, 5, pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidPage {
                number: 3,
                num_pages: Some(2),
                ..
            }
        ),
        "{engine:?}: {err:?}"
    );
    let closed = pool.clone();
    closed.close().await;
    // An empty set has one empty page, and nothing runs for it.
    let empty = QuerySet::table(t.clone()) & QuerySet::none();
    let page: Page<Row> = empty.page(1, 5, &closed).await.unwrap();
    assert_eq!((page.total, page.num_pages, page.items.len()), (0, 1, 0));
    assert!(!page.has_next() && !page.has_previous());
});
