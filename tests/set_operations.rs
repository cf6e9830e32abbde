//! Every set operation, with NULLs and duplicates, natively and by each emulation, on every
//! engine: the emulations must return exactly what the native operators return.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use setql::{Error, Support};

type Pair = (Option<i32>, Option<i32>);

/// `$set` run on `$capabilities`, as a sorted multiset of `(a, b)`.
macro_rules! pairs {
    ($pool:expr, $capabilities:expr, $set:expr) => {{
        let mut rows: Vec<Pair> = $set.on($capabilities).fetch_all($pool).await.unwrap();
        rows.sort_unstable();
        rows
    }};
}

const N: Option<i32> = None;

fn p(a: Option<i32>, b: Option<i32>) -> Pair {
    (a, b)
}

/// Left: (1,1)×2, (∅,1)×2, (∅,∅)×3, (2,∅). Right: (1,1), (∅,1)×3, (∅,∅), (3,3).
async fn pairs_table<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("pairs");
    exec(pool, format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, side VARCHAR(1) NOT NULL, a INTEGER NULL, b INTEGER NULL)")).await;
    exec(
        pool,
        format!(
            "INSERT INTO {t} VALUES \
             (1, 'L', 1, 1), (2, 'L', 1, 1), (3, 'L', NULL, 1), (4, 'L', NULL, 1), \
             (5, 'L', NULL, NULL), (6, 'L', NULL, NULL), (7, 'L', NULL, NULL), (8, 'L', 2, NULL), \
             (9, 'R', 1, 1), (10, 'R', NULL, 1), (11, 'R', NULL, 1), (12, 'R', NULL, 1), \
             (13, 'R', NULL, NULL), (14, 'R', 3, 3)"
        ),
    )
    .await;
    t
}

engines!(every_operator_natively_and_emulated, |pool, engine| {
    let t = pairs_table(pool).await;
    let side = |s: &str| {
        QuerySet::table(t.clone())
            .filter(Expr::col("side").eq(s))
            .columns(["a", "b"])
    };
    let (l, r) = (side("L"), side("R"));
    let dialect = <Db as setql::Backend>::DIALECT;
    let variants = [
        Capabilities::new(dialect),
        Capabilities::new(dialect).without_native_all(),
        Capabilities::new(dialect).without_native_intersect_except(),
    ];
    for caps in &variants {
        let label = format!("{engine:?} {caps:?}");
        let union = pairs!(pool, caps, l.clone() | r.clone());
        assert_eq!(
            union,
            [
                p(N, N),
                p(N, Some(1)),
                p(Some(1), Some(1)),
                p(Some(2), N),
                p(Some(3), Some(3))
            ],
            "{label}"
        );
        assert_eq!(
            pairs!(pool, caps, l.clone().union_all(r.clone())).len(),
            14,
            "{label}"
        );
        let both = pairs!(pool, caps, l.clone() & r.clone());
        assert_eq!(
            both,
            [p(N, N), p(N, Some(1)), p(Some(1), Some(1))],
            "{label}"
        );
        let both_all = pairs!(pool, caps, l.clone().intersection_all(r.clone()));
        assert_eq!(
            both_all,
            [p(N, N), p(N, Some(1)), p(N, Some(1)), p(Some(1), Some(1))],
            "{label}"
        );
        let left_only = pairs!(pool, caps, l.clone() - r.clone());
        assert_eq!(left_only, [p(Some(2), N)], "{label}");
        let left_all = pairs!(pool, caps, l.clone().difference_all(r.clone()));
        assert_eq!(
            left_all,
            [p(N, N), p(N, N), p(Some(1), Some(1)), p(Some(2), N)],
            "{label}"
        );
        let right_all = pairs!(pool, caps, r.clone().difference_all(l.clone()));
        assert_eq!(right_all, [p(N, Some(1)), p(Some(3), Some(3))], "{label}");
        let either = pairs!(pool, caps, l.clone() ^ r.clone());
        assert_eq!(either, [p(Some(2), N), p(Some(3), Some(3))], "{label}");
        // Counting, filtering and ordering work the same over an emulation.
        let counted = l
            .clone()
            .difference_all(r.clone())
            .on(caps)
            .count(pool)
            .await
            .unwrap();
        assert_eq!(counted, 4, "{label}");
        let filtered = pairs!(
            pool,
            caps,
            l.clone()
                .intersection_all(r.clone())
                .filter(Expr::col("a").is_null())
        );
        assert_eq!(filtered, [p(N, N), p(N, Some(1)), p(N, Some(1))], "{label}");
        let ordered: Vec<Pair> = (l.clone() - r.clone().filter(Expr::col("a").is_not_null()))
            .order_by("a", Order::Desc)
            .order_by("b", Order::Asc)
            .on(caps)
            .fetch_all(pool)
            .await
            .unwrap();
        // NULLs sort first ascending and last descending on every engine.
        assert_eq!(ordered, [p(Some(2), N), p(N, N), p(N, Some(1))], "{label}");
    }
});

engines!(multiset_laws_hold_for_three_operands, |pool, engine| {
    let t = pairs_table(pool).await;
    let side = |s: &str| {
        QuerySet::table(t.clone())
            .filter(Expr::col("side").eq(s))
            .columns(["a", "b"])
    };
    let nulls = QuerySet::table(t.clone())
        .filter(Expr::col("a").is_null())
        .columns(["a", "b"]);
    let dialect = <Db as setql::Backend>::DIALECT;
    for caps in [
        Capabilities::new(dialect),
        Capabilities::new(dialect).without_native_all(),
    ] {
        // L −all R −all nulls: (1,1) 2−1−0, (∅,∅) 3−1−4 → 0, (2,∅) 1.
        let chain = DelayedDifference::all([side("L"), side("R"), nulls.clone()]);
        assert_eq!(
            pairs!(pool, &caps, chain),
            [p(Some(1), Some(1)), p(Some(2), N)],
            "{engine:?} {caps:?}"
        );
        // min over three: (∅,1) min(2,3,5) = 2, (∅,∅) min(3,1,4) = 1.
        let all_three = DelayedIntersection::all([side("L"), side("R"), nulls.clone()]);
        assert_eq!(
            pairs!(pool, &caps, all_three),
            [p(N, N), p(N, Some(1)), p(N, Some(1))],
            "{engine:?} {caps:?}"
        );
        // DISTINCT of a difference all is not the plain difference.
        let distinct = side("L").difference_all(side("R")).distinct();
        assert_eq!(
            pairs!(pool, &caps, distinct),
            [p(N, N), p(Some(1), Some(1)), p(Some(2), N)],
            "{engine:?}"
        );
    }
});

engines!(emulations_really_run_and_explain_says_so, |pool, engine| {
    let t = pairs_table(pool).await;
    let side = |s: &str| {
        QuerySet::table(t.clone())
            .filter(Expr::col("side").eq(s))
            .columns(["a", "b"])
    };
    let dialect = <Db as setql::Backend>::DIALECT;
    let set = side("L")
        .intersection_all(side("R"))
        .filter(Expr::col("b").eq(1));
    let by_row_number = Capabilities::new(dialect).without_native_all();
    let by_exists = Capabilities::new(dialect).without_native_intersect_except();
    assert!(
        set.on(&by_row_number)
            .to_sql()
            .unwrap()
            .contains("ROW_NUMBER() OVER"),
        "{engine:?}"
    );
    let exists_sql = set.on(&by_exists).to_sql().unwrap();
    assert!(
        exists_sql.contains("EXISTS") && exists_sql.contains("ROW_NUMBER()"),
        "{exists_sql}"
    );
    let plan = set.on(&by_exists).explain().unwrap();
    assert!(
        plan.contains("intersection all of 2 branches: emulated with ROW_NUMBER() and EXISTS"),
        "{plan}"
    );
    assert!(plan.contains("filter pushed into every branch"), "{plan}");
    let native = set.explain(dialect).unwrap();
    let expected = if dialect == Dialect::Sqlite {
        "emulated with ROW_NUMBER() (SQLite"
    } else {
        "native"
    };
    assert!(
        native.contains(&format!("intersection all of 2 branches: {expected}")),
        "{native}"
    );
    assert!(native.contains("sql: SELECT"), "{native}");
    // The server's own version tells what it can do.
    let detected = Capabilities::detect(pool).await.unwrap();
    assert!(
        detected.server_version().is_some_and(|v| !v.is_empty()),
        "{detected:?}"
    );
    let native_all = detected.support(setql::SetOperation::IntersectAll) == Support::Native;
    assert_eq!(
        native_all,
        dialect != Dialect::Sqlite,
        "{engine:?}: {detected:?}"
    );
    assert_eq!(
        pairs!(pool, &detected, set.clone()),
        [p(N, Some(1)), p(N, Some(1)), p(Some(1), Some(1))]
    );
});

engines!(impossible_operations_fail_before_sending, |pool, engine| {
    let t = pairs_table(pool).await;
    let dialect = <Db as setql::Backend>::DIALECT;
    let closed = pool.clone();
    closed.close().await;
    // The ROW_NUMBER() emulation partitions by every column, so it needs their names.
    let whole = QuerySet::table(t.clone()).intersection_all(QuerySet::table(t.clone()));
    let forced = Capabilities::new(dialect).without_native_all();
    let err = whole.on(&forced).count(&closed).await.unwrap_err();
    assert!(
        matches!(err, Error::Unsupported { dialect: d, .. } if d == dialect),
        "{engine:?}: {err:?}"
    );
    // Capabilities of another dialect are refused.
    let other = if dialect == Dialect::Postgres {
        Dialect::MySql
    } else {
        Dialect::Postgres
    };
    let err = whole
        .on(&Capabilities::new(other))
        .count(&closed)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongDialect { .. }), "{err:?}");
});

#[test]
fn server_versions_map_to_capabilities() {
    use setql::SetOperation::{ExceptAll, Intersect, IntersectAll};
    let mysql = |version: &str| Capabilities::new(Dialect::MySql).with_server_version(version);
    assert_eq!(mysql("8.0.31").support(IntersectAll), Support::Native);
    assert!(matches!(
        mysql("8.0.30").support(Intersect),
        Support::EmulatedByExists { .. }
    ));
    assert!(matches!(
        mysql("8.0.30").support(ExceptAll),
        Support::EmulatedByRowNumber {
            plain_by_exists: true,
            ..
        }
    ));
    assert!(matches!(
        mysql("5.7.44-log").support(IntersectAll),
        Support::Unsupported { .. }
    ));
    assert!(matches!(
        mysql("5.7.44-log").support(Intersect),
        Support::EmulatedByExists { .. }
    ));
    assert_eq!(
        mysql("10.11.6-MariaDB-0+deb12u1").support(ExceptAll),
        Support::Native
    );
    assert!(matches!(
        mysql("10.4.32-MariaDB").support(IntersectAll),
        Support::EmulatedByRowNumber {
            plain_by_exists: false,
            ..
        }
    ));
    assert!(matches!(
        mysql("10.2.44-MariaDB").support(Intersect),
        Support::EmulatedByExists { .. }
    ));
    assert!(matches!(
        mysql("10.1.48-MariaDB").support(IntersectAll),
        Support::Unsupported { .. }
    ));
    assert!(matches!(
        Capabilities::new(Dialect::Sqlite).support(IntersectAll),
        Support::EmulatedByRowNumber {
            plain_by_exists: false,
            ..
        }
    ));
    let pg = Capabilities::new(Dialect::Postgres).with_server_version("15.19");
    assert_eq!(pg.support(ExceptAll), Support::Native);
}

#[test]
fn an_unsupported_operation_is_reported_when_rendered() {
    let old = Capabilities::new(Dialect::MySql).with_server_version("5.7.44");
    let set = QuerySet::table("t")
        .columns(["a"])
        .intersection_all(QuerySet::table("u").columns(["a"]));
    let err = set.on(&old).to_sql().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unsupported {
                dialect: Dialect::MySql,
                operation: "intersection all"
            }
        ),
        "{err:?}"
    );
    // The distinct form still runs there, through EXISTS.
    let plain = QuerySet::table("t")
        .columns(["a"])
        .intersection(QuerySet::table("u").columns(["a"]));
    assert_eq!(
        plain.on(&old).to_sql().unwrap(),
        "SELECT DISTINCT `a1`.* FROM (SELECT `a` FROM `t`) AS `a1` WHERE EXISTS(SELECT 1 FROM (SELECT `a` FROM `u`) AS `b2` WHERE `a1`.`a` <=> `b2`.`a`)"
    );
}
