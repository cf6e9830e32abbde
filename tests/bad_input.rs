//! Misuse gets a typed error before anything is sent, and never a panic.
//!
//! Each check runs against a closed pool: an engine error (or a pool error) would mean the
//! library tried to send something.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::Error;
use setql::prelude::*;

type Row = (i32, i32, i32);

engines!(misuse_is_reported_before_sending, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let closed = pool.clone();
    closed.close().await;

    let empty = DelayedUnion::new(Vec::<QuerySet>::new());
    let err = empty.fetch_all::<_, Row>(&closed).await.unwrap_err();
    assert!(
        matches!(err, Error::EmptyCombination { operation: "union" }),
        "{engine:?}: {err:?}"
    );
    let err = DelayedIntersection::new(Vec::<QuerySet>::new())
        .count(&closed)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::EmptyCombination {
                operation: "intersection"
            }
        ),
        "{err:?}"
    );
    let err = DelayedDifference::new(Vec::<QuerySet>::new())
        .exists(&closed)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::EmptyCombination {
                operation: "difference"
            }
        ),
        "{err:?}"
    );
    // The misuse survives later chaining and nesting.
    let nested = (empty.filter(Expr::col("num").eq(1)) | n()).order_by("num", Order::Asc);
    let err = nested.count(&closed).await.unwrap_err();
    assert!(matches!(err, Error::EmptyCombination { .. }), "{err:?}");

    let mismatched = n().columns(["num"]) | n().columns(["num", "other_num"]);
    let err = mismatched.fetch_all::<_, Row>(&closed).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ColumnCountMismatch {
                operation: "union",
                branch: 1,
                expected: 1,
                found: 2
            }
        ),
        "{err:?}"
    );

    let unknown_order =
        (n().columns(["num"]) & n().columns(["num"])).order_by("other_num", Order::Asc);
    let err = unknown_order.first::<_, (i32,)>(&closed).await.unwrap_err();
    match err {
        Error::UnknownColumn { column, available } => {
            assert_eq!(column, "other_num");
            assert_eq!(available, ["num"]);
        }
        other => panic!("{other:?}"),
    }

    // A filter on a column that a sliced, projected branch no longer has.
    let sliced = n().columns(["num"]).order_by("num", Order::Asc).limit(2);
    let err = (sliced | n().columns(["num"]))
        .filter(Expr::col("other_num").gt(1))
        .get::<_, (i32,)>(&closed)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { .. }), "{err:?}");

    // `last` reverses the ordering; an ordering by a value list has no reverse.
    let values = sea_query::Values(vec![3.into(), 1.into()]);
    let by_list = n().order_by("num", Order::Field(values));
    let err = by_list.last::<_, Row>(&closed).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");

    // The same errors come back from rendering, with no executor at all.
    for dialect in Dialect::ALL {
        assert!(matches!(
            mismatched.to_sql(dialect),
            Err(Error::ColumnCountMismatch { .. })
        ));
        assert!(matches!(
            unknown_order.build(dialect),
            Err(Error::UnknownColumn { .. })
        ));
    }
});

engines!(database_errors_carry_the_sql, |pool, engine| {
    let missing = QuerySet::table(unique("no_such_table")).filter(Expr::col("num").eq(1));
    let err = missing.fetch_all::<_, Row>(pool).await.unwrap_err();
    match err {
        Error::Query { sql, .. } => assert!(sql.contains("no_such_table"), "{engine:?}: {sql}"),
        other => panic!("{engine:?}: {other:?}"),
    }
    let err = missing.count(pool).await.unwrap_err();
    assert!(err.to_string().contains("no_such_table"), "{err}");
});
