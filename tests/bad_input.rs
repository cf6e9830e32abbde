//! The bad-input catalogue: one test per misuse the README and the changelog name. Each asserts
//! the exact error variant, and each runs against a closed pool, so an engine or pool error
//! would show that something was sent.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use setql::{Error, SetOperation};

type Row = (i32, i32, i32);

/// A pool that refuses everything: an answer from it proves nothing was sent.
macro_rules! closed {
    ($pool:expr) => {{
        let closed = $pool.clone();
        closed.close().await;
        closed
    }};
}

engines!(an_empty_combination, |pool, engine| {
    let closed = closed!(pool);
    let none = Vec::<QuerySet>::new;
    let cases: [(Result<u64, Error>, &str); 4] = [
        (DelayedUnion::new(none()).count(&closed).await, "union"),
        (
            DelayedIntersection::new(none()).count(&closed).await,
            "intersection",
        ),
        (
            DelayedDifference::all(none()).count(&closed).await,
            "difference all",
        ),
        (
            DelayedUnion::new(none())
                .exists(&closed)
                .await
                .map(u64::from),
            "union",
        ),
    ];
    for (result, expected) in cases {
        let err = result.unwrap_err();
        assert!(
            matches!(err, Error::EmptyCombination { operation } if operation == expected),
            "{engine:?}: {err:?}"
        );
    }
    let err = DelayedUnion::new(none())
        .fetch_all::<_, Row>(&closed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::EmptyCombination { operation: "union" }),
        "{err:?}"
    );
    // The misuse survives later chaining and nesting.
    let nested = (DelayedUnion::all(Vec::<QuerySet>::new()).filter(Expr::col("n").eq(1))
        | QuerySet::table("t"))
    .order_by("n", Order::Asc);
    let err = nested.count(&closed).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::EmptyCombination {
                operation: "union all"
            }
        ),
        "{err:?}"
    );
});

engines!(branches_with_different_column_counts, |pool, engine| {
    let closed = closed!(pool);
    let mismatched = QuerySet::table("t").columns(["a"]) | QuerySet::table("t").columns(["a", "b"]);
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
        "{engine:?}: {err:?}"
    );
    let three = DelayedIntersection::new([
        QuerySet::table("t").columns(["a", "b"]),
        QuerySet::table("t").columns(["a", "b"]),
        QuerySet::table("t").columns(["a"]),
    ]);
    let err = three.count(&closed).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ColumnCountMismatch {
                branch: 2,
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{err:?}"
    );
});

engines!(
    ordering_by_a_name_that_is_not_an_output_column,
    |pool, engine| {
        let closed = closed!(pool);
        let set = (QuerySet::table("t").columns(["a"]) & QuerySet::table("u").columns(["a"]))
            .order_by("b", Order::Asc);
        let err = set.first::<_, (i32,)>(&closed).await.unwrap_err();
        match err {
            Error::UnknownColumn { column, available } => {
                assert_eq!(
                    (column.as_str(), available),
                    ("b", vec!["a".to_owned()]),
                    "{engine:?}"
                );
            }
            other => panic!("{engine:?}: {other:?}"),
        }
    }
);

engines!(
    filtering_a_slice_by_a_column_it_no_longer_has,
    |pool, engine| {
        let closed = closed!(pool);
        let sliced = QuerySet::table("t")
            .columns(["a"])
            .order_by("a", Order::Asc)
            .limit(2);
        let err = (sliced | QuerySet::table("t").columns(["a"]))
            .filter(Expr::col("b").gt(1))
            .get::<_, (i32,)>(&closed)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::UnknownColumn { column, .. } if column == "b"),
            "{engine:?}: {err:?}"
        );
    }
);

engines!(
    an_operation_the_engine_lacks_and_cannot_emulate,
    |pool, engine| {
        let closed = closed!(pool);
        let dialect = <Db as setql::Backend>::DIALECT;
        // The ROW_NUMBER() emulation partitions by every column, so it needs their names.
        let unnamed = QuerySet::table("t").intersection_all(QuerySet::table("u"));
        let forced = Capabilities::new(dialect).without_native_all();
        let err = unnamed.on(&forced).count(&closed).await.unwrap_err();
        assert!(
            matches!(err, Error::Unsupported { dialect: d, .. } if d == dialect),
            "{engine:?}: {err:?}"
        );
        // MySQL 5.7 has neither INTERSECT ALL nor window functions to emulate it.
        let old = Capabilities::new(Dialect::MySql).with_server_version("5.7.44");
        let named = QuerySet::table("t")
            .columns(["a"])
            .difference_all(QuerySet::table("u").columns(["a"]));
        let err = named.on(&old).to_sql().unwrap_err();
        assert!(
            matches!(
                err,
                Error::Unsupported {
                    dialect: Dialect::MySql,
                    operation: "difference all"
                }
            ),
            "{err:?}"
        );
        assert!(matches!(
            old.support(SetOperation::ExceptAll),
            setql::Support::Unsupported { .. }
        ));
    }
);

engines!(capabilities_of_another_engine, |pool, engine| {
    let closed = closed!(pool);
    let dialect = <Db as setql::Backend>::DIALECT;
    let other = if dialect == Dialect::Postgres {
        Dialect::Sqlite
    } else {
        Dialect::Postgres
    };
    let err = QuerySet::table("t")
        .on(&Capabilities::new(other))
        .count(&closed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WrongDialect { executor, capabilities } if executor == dialect && capabilities == other),
        "{engine:?}: {err:?}"
    );
});

engines!(reversing_an_ordering_by_a_value_list, |pool, engine| {
    let closed = closed!(pool);
    let values = sea_query::Values(vec![3.into(), 1.into()]);
    let by_list = QuerySet::table("t").order_by("n", Order::Field(values));
    let err = by_list.last::<_, Row>(&closed).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                operation: "reversing an ordering by a value list",
                ..
            }
        ),
        "{engine:?}: {err:?}"
    );
});

engines!(a_page_that_cannot_exist, |pool, engine| {
    let closed = closed!(pool);
    let set = QuerySet::table("t") | QuerySet::table("u");
    let err = set.page::<_, Row>(0, 10, &closed).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidPage {
                number: 0,
                per_page: 10,
                num_pages: None
            }
        ),
        "{engine:?}: {err:?}"
    );
    let err = set.page::<_, Row>(1, 0, &closed).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidPage {
                number: 1,
                per_page: 0,
                num_pages: None
            }
        ),
        "{err:?}"
    );
    let err = set
        .page_after::<_, Row>(None, 0, &closed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidPage { per_page: 0, .. }),
        "{err:?}"
    );
});

engines!(a_cursor_that_does_not_fit, |pool, engine| {
    let closed = closed!(pool);
    assert!(matches!(
        Cursor::decode("%%%"),
        Err(Error::InvalidCursor(_))
    ));
    assert!(
        matches!(Cursor::decode("e30"), Err(Error::InvalidCursor(_))),
        "an empty JSON object"
    );
    // Sets whose ordering cannot be named have no cursor at all.
    let unnamed = QuerySet::table("t");
    let err = unnamed
        .page_after::<_, Row>(None, 5, &closed)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidCursor(_)),
        "{engine:?}: {err:?}"
    );
});

engines!(
    a_limit_too_large_for_the_engine_is_clamped,
    |pool, engine| {
        let t = numbers(pool).await;
        let rows: Vec<Row> = QuerySet::table(t.clone())
            .offset(u64::MAX)
            .limit(u64::MAX)
            .fetch_all(pool)
            .await
            .unwrap();
        assert!(rows.is_empty(), "{engine:?}");
        let all: Vec<Row> = (QuerySet::table(t.clone()) | QuerySet::table(t.clone()))
            .limit(u64::MAX)
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(all.len(), 10, "{engine:?}");
    }
);

engines!(get_with_no_row_or_many, |pool, engine| {
    let t = numbers(pool).await;
    let n = || QuerySet::table(t.clone());
    let err = (n() & n().filter(Expr::col("num").lt(0)))
        .get::<_, Row>(pool)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound), "{engine:?}: {err:?}");
    let err = n().union_all(n()).get::<_, Row>(pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::MultipleRows {
                count: 20,
                exact: true
            }
        ),
        "{engine:?}: {err:?}"
    );
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

/// Rendering reports the same misuse with no executor at all.
#[test]
fn rendering_reports_misuse_too() {
    let mismatched = QuerySet::table("t").columns(["a"]) | QuerySet::table("t").columns(["a", "b"]);
    let unknown = (QuerySet::table("t").columns(["a"]) | QuerySet::table("u").columns(["a"]))
        .order_by("z", Order::Asc);
    for dialect in Dialect::ALL {
        assert!(matches!(
            mismatched.to_sql(dialect),
            Err(Error::ColumnCountMismatch { .. })
        ));
        assert!(matches!(
            unknown.build(dialect),
            Err(Error::UnknownColumn { .. })
        ));
        assert!(matches!(
            unknown.explain(dialect),
            Err(Error::UnknownColumn { .. })
        ));
    }
}
