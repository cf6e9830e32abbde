//! Django's own combinator behaviours (tests/queries/test_qs_combinators.py), on every engine.
//!
//! `numbers` holds num 0..=9 with id = num + 1 and other_num = 10 − num.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;

/// As `nums!`, sorted, for sets that are not ordered.
macro_rules! sorted_nums {
    ($pool:expr, $set:expr) => {{
        let mut nums = nums!($pool, $set);
        nums.sort_unstable();
        nums
    }};
}

fn num() -> Expr {
    Expr::col("num")
}

engines!(simple_union_intersection_difference, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());

    let union = DelayedUnion::new([
        n().filter(num().lte(1)),
        n().filter(num().gte(8)),
        n().filter(num().eq(5)),
    ]);
    assert_eq!(sorted_nums!(pool, union), [0, 1, 5, 8, 9], "{engine:?}");

    let intersection = DelayedIntersection::new([
        n().filter(num().lte(5)),
        n().filter(num().gte(5)),
        n().filter(num().gte(4).and(num().lte(6))),
    ]);
    assert_eq!(nums!(pool, intersection), [5], "{engine:?}");

    let difference = n().filter(num().lte(5)) - n().filter(num().lte(4));
    assert_eq!(nums!(pool, difference), [5], "{engine:?}");

    let three_way = DelayedDifference::new([n(), n().filter(num().lt(3)), n().filter(num().gt(6))]);
    assert_eq!(sorted_nums!(pool, three_way), [3, 4, 5, 6], "{engine:?}");
});

engines!(union_distinct_and_all, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    assert_eq!(
        n().union_all(n()).count(pool).await.unwrap(),
        20,
        "{engine:?}"
    );
    assert_eq!(n().union(n()).count(pool).await.unwrap(), 10, "{engine:?}");
    assert_eq!(
        DelayedUnion::all([n(), n()])
            .fetch_all::<_, (i32, i32, i32)>(pool)
            .await
            .unwrap()
            .len(),
        20
    );
    // `distinct()` turns a union all into a union.
    assert_eq!(
        n().union_all(n()).distinct().count(pool).await.unwrap(),
        10,
        "{engine:?}"
    );
});

engines!(nested_unions, |pool, engine| {
    let t = numbers(pool).await;
    let n = |k: i32| QuerySet::table(t.clone()).filter(num().eq(k));
    let nested = n(0).union(n(1).union(n(2)));
    assert_eq!(sorted_nums!(pool, nested), [0, 1, 2], "{engine:?}");
    let deeper = (n(0) | n(1)) | (n(2) | (n(3) | n(1)));
    assert_eq!(sorted_nums!(pool, deeper), [0, 1, 2, 3], "{engine:?}");
});

engines!(ordering_after_combining, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n().filter(num().lte(1)) | n().filter(num().gte(2).and(num().lte(3)));
    assert_eq!(
        nums!(pool, union.clone().order_by("num", Order::Desc)),
        [3, 2, 1, 0]
    );
    assert_eq!(
        nums!(pool, union.order_by("other_num", Order::Asc)),
        [3, 2, 1, 0],
        "{engine:?}"
    );
});

engines!(limits, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n() | n();
    assert_eq!(nums!(pool, union.clone().limit(2)).len(), 2, "{engine:?}");
    let page = union.order_by("num", Order::Asc).offset(3).limit(2);
    assert_eq!(nums!(pool, page.clone()), [3, 4], "{engine:?}");
    assert_eq!(page.count(pool).await.unwrap(), 2, "{engine:?}");
    // An offset with no limit runs everywhere, although SQLite and MySQL need a LIMIT for it.
    let tail = (n() | n()).order_by("num", Order::Asc).offset(8);
    assert_eq!(nums!(pool, tail), [8, 9], "{engine:?}");
});

engines!(count_exists_get_of_each_kind, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n().filter(num().lte(1)) | n().filter(num().gte(8));
    let intersection = n().filter(num().lte(5)) & n().filter(num().gte(5));
    let difference = n().filter(num().lte(5)) - n().filter(num().lte(4));
    assert_eq!(union.count(pool).await.unwrap(), 4, "{engine:?}");
    assert_eq!(intersection.count(pool).await.unwrap(), 1, "{engine:?}");
    assert_eq!(difference.count(pool).await.unwrap(), 1, "{engine:?}");
    // A union with no rows counts zero rather than failing.
    let nothing = n().filter(num().lt(0)) | n().filter(num().gt(100));
    assert_eq!(nothing.count(pool).await.unwrap(), 0, "{engine:?}");

    assert!(union.exists(pool).await.unwrap());
    assert!(intersection.exists(pool).await.unwrap());
    assert!(difference.exists(pool).await.unwrap());
    assert!(!nothing.exists(pool).await.unwrap());
    assert!(!(n().filter(num().lte(4)) - n()).exists(pool).await.unwrap());

    let row: (i32, i32, i32) = union.clone().filter(num().eq(8)).get(pool).await.unwrap();
    assert_eq!(row, (9, 8, 2), "{engine:?}");
    let row: (i32, i32, i32) = intersection.get(pool).await.unwrap();
    assert_eq!(row, (6, 5, 5), "{engine:?}");
    let row: (i32, i32, i32) = difference.get(pool).await.unwrap();
    assert_eq!(row, (6, 5, 5), "{engine:?}");

    let missing = union
        .clone()
        .filter(num().eq(5))
        .get::<_, (i32, i32, i32)>(pool)
        .await;
    assert!(
        matches!(missing, Err(setql::Error::NotFound)),
        "{missing:?}"
    );
    let many = union.get::<_, (i32, i32, i32)>(pool).await;
    assert!(
        matches!(
            many,
            Err(setql::Error::MultipleRows {
                count: 4,
                exact: true
            })
        ),
        "{many:?}"
    );
});

engines!(empty_operands, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let none = QuerySet::none;
    assert_eq!(nums!(pool, n() | none()).len(), 10, "{engine:?}");
    assert_eq!(nums!(pool, none() | n()).len(), 10, "{engine:?}");
    assert_eq!((none() | none()).count(pool).await.unwrap(), 0);
    assert_eq!((n() & none()).count(pool).await.unwrap(), 0);
    assert_eq!((none() & n()).count(pool).await.unwrap(), 0);
    assert_eq!((n() - none()).count(pool).await.unwrap(), 10);
    assert_eq!((none() - n()).count(pool).await.unwrap(), 0);
    // A union of one real operand still answers filters, ordering and slices.
    let one = (n() | none())
        .filter(num().gt(6))
        .order_by("num", Order::Desc)
        .limit(2);
    assert_eq!(nums!(pool, one), [9, 8], "{engine:?}");
});

engines!(sets_empty_by_construction_send_nothing, |pool, engine| {
    let t = numbers(pool).await;
    let empty = QuerySet::table(t.clone()) & QuerySet::none();
    // A closed pool fails any query, so an answer proves nothing was sent.
    let closed = pool.clone();
    closed.close().await;
    assert_eq!(empty.count(&closed).await.unwrap(), 0, "{engine:?}");
    assert!(!empty.exists(&closed).await.unwrap());
    assert!(
        empty
            .fetch_all::<_, (i32, i32, i32)>(&closed)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        empty
            .first::<_, (i32, i32, i32)>(&closed)
            .await
            .unwrap()
            .is_none()
    );
    let got = empty.get::<_, (i32, i32, i32)>(&closed).await;
    assert!(matches!(got, Err(setql::Error::NotFound)), "{got:?}");
});

engines!(ordered_and_sliced_branches, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let lowest = n().order_by("num", Order::Asc).limit(2);
    let highest = n().order_by("num", Order::Desc).limit(2);
    let union = (lowest | highest).order_by("num", Order::Desc).limit(4);
    assert_eq!(nums!(pool, union), [9, 8, 1, 0], "{engine:?}");
});

engines!(projections, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n().filter(num().lte(1)) | n().filter(num().gte(8));
    let values: Vec<(i32, i32)> = union
        .clone()
        .columns(["num", "other_num"])
        .order_by("num", Order::Asc)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(values, [(0, 10), (1, 9), (8, 2), (9, 1)], "{engine:?}");

    // Projected branches compare only the projected columns.
    let parity = |set: QuerySet| {
        set.column_as(Expr::col("num").modulo(2), "parity")
            .columns(["parity"])
    };
    let both = parity(n().filter(num().lte(3))) | parity(n().filter(num().gte(8)));
    let parities: Vec<(i32,)> = both
        .order_by("parity", Order::Asc)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(parities, [(0,), (1,)], "{engine:?}");

    // An annotation on each branch, then a filter on it after combining.
    let annotated = |set: QuerySet| {
        set.column_as(Expr::col("num").mul(10), "tens")
            .columns(["num", "tens"])
    };
    let union = annotated(n().filter(num().lte(2))) | annotated(n().filter(num().gte(9)));
    let rows: Vec<(i32, i32)> = union
        .filter(Expr::col("tens").gte(20))
        .order_by("tens", Order::Asc)
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(rows, [(2, 20), (9, 90)], "{engine:?}");
});

engines!(
    union_of_two_tables_ordered_by_first_output_name,
    |pool, engine| {
        let t = numbers(pool).await;
        let reserved = unique("reserved");
        exec(
        pool,
        format!("CREATE TABLE {reserved} (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, ord INTEGER NOT NULL)"),
    )
    .await;
        exec(
            pool,
            format!("INSERT INTO {reserved} VALUES (1, 'a', 2), (2, 'b', 5)"),
        )
        .await;
        let numbers = QuerySet::table(t.clone())
            .filter(num().lte(3))
            .columns(["num"]);
        let names = QuerySet::table(reserved.clone()).columns(["ord"]);
        let rows: Vec<(i32,)> = (numbers | names)
            .order_by("num", Order::Desc)
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(rows, [(5,), (3,), (2,), (1,), (0,)], "{engine:?}");
    }
);

engines!(first_and_last, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n().filter(num().lte(2)) | n().filter(num().gte(7));
    // Unordered: by the first column (id = num + 1).
    let first: Option<(i32, i32, i32)> = union.first(pool).await.unwrap();
    assert_eq!(first.map(|r| r.1), Some(0), "{engine:?}");
    let last: Option<(i32, i32, i32)> = union.last(pool).await.unwrap();
    assert_eq!(last.map(|r| r.1), Some(9), "{engine:?}");
    // Ordered: by that order, within a slice.
    let ordered = union.clone().order_by("other_num", Order::Asc).limit(3);
    let first: Option<(i32, i32, i32)> = ordered.first(pool).await.unwrap();
    assert_eq!(first.map(|r| r.1), Some(9), "{engine:?}");
    let last: Option<(i32, i32, i32)> = ordered.last(pool).await.unwrap();
    assert_eq!(last.map(|r| r.1), Some(7), "{engine:?}");
    // A declared key orders a plain set.
    let keyed = n().primary_key("id").filter(num().gte(4));
    let first: Option<(i32, i32, i32)> = keyed.first(pool).await.unwrap();
    assert_eq!(first, Some((5, 4, 6)), "{engine:?}");
    let none: Option<(i32, i32, i32)> = (n() & QuerySet::none()).last(pool).await.unwrap();
    assert_eq!(none, None);
});

engines!(fetch_one_optional_and_stream, |pool, engine| {
    use futures::TryStreamExt;
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = (n().filter(num().lte(1)) | n().filter(num().eq(9))).order_by("num", Order::Asc);
    let one: (i32, i32, i32) = union.fetch_one(pool).await.unwrap();
    assert_eq!(one.1, 0, "{engine:?}");
    let none: Option<(i32, i32, i32)> = union
        .clone()
        .filter(num().eq(5))
        .fetch_optional(pool)
        .await
        .unwrap();
    assert_eq!(none, None);
    let missing = union
        .clone()
        .filter(num().eq(5))
        .fetch_one::<_, (i32, i32, i32)>(pool)
        .await;
    assert!(
        matches!(missing, Err(setql::Error::NotFound)),
        "{missing:?}"
    );
    let streamed: Vec<(i32, i32, i32)> = union
        .fetch::<_, (i32, i32, i32)>(pool)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        streamed.iter().map(|r| r.1).collect::<Vec<_>>(),
        [0, 1, 9],
        "{engine:?}"
    );
});

engines!(runs_on_connections_and_transactions, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let union = n().filter(num().lte(1)) | n().filter(num().eq(9));
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(union.count(&mut *tx).await.unwrap(), 3, "{engine:?}");
    let row: (i32, i32, i32) = union
        .clone()
        .filter(num().eq(9))
        .get(&mut *tx)
        .await
        .unwrap();
    assert_eq!(row.1, 9);
    tx.rollback().await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(sorted_nums!(&mut *conn, union), [0, 1, 9], "{engine:?}");
});
