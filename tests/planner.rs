//! The planner fuses same-table branches into one SELECT only where the rows stay the same:
//! fused and as-written plans are compared on every engine, with NULLs in the predicates.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;

type Row = (i32, Option<i32>, Option<i32>);

/// Rows of `$set`, sorted, and the same for `$set.keep_branches()`.
macro_rules! both_plans {
    ($pool:expr, $set:expr) => {{
        let mut fused: Vec<Row> = $set.fetch_all($pool).await.unwrap();
        let mut kept: Vec<Row> = $set.clone().keep_branches().fetch_all($pool).await.unwrap();
        fused.sort_unstable();
        kept.sort_unstable();
        (fused, kept)
    }};
}

async fn abc<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("fusion");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, a INTEGER NULL, b INTEGER NULL)"),
    )
    .await;
    let rows: Vec<String> = (1..=30)
        .map(|id: i32| {
            let a = if id % 7 == 0 {
                "NULL".to_owned()
            } else {
                (id % 5).to_string()
            };
            let b = if id % 4 == 0 {
                "NULL".to_owned()
            } else {
                (id % 3).to_string()
            };
            format!("({id}, {a}, {b})")
        })
        .collect();
    exec(pool, format!("INSERT INTO {t} VALUES {}", rows.join(", "))).await;
    t
}

engines!(
    fused_plans_return_the_rows_of_the_compound,
    |pool, engine| {
        let t = abc(pool).await;
        let keyed = || QuerySet::table(t.clone()).primary_key("id");
        let a = |k: i32| Expr::col("a").gt(k);
        let b = |k: i32| Expr::col("b").lt(k);
        let sets = [
            (keyed().filter(a(2)) | keyed().filter(b(1))).exclude(Expr::col("a").eq(4)),
            (keyed().filter(a(1)) & keyed().filter(b(2)))
                .union(keyed().filter(Expr::col("a").is_null())),
            (keyed().filter(a(0))
                - keyed().filter(b(1))
                - keyed().filter(Expr::col("b").is_null()))
            .union(keyed().filter(Expr::col("id").eq(1))),
            // W5's shape: ((A ∪ B) ∩ (C ∪ D)), then an exclude.
            ((keyed().filter(a(3)) | keyed().filter(b(1)))
                & (keyed().filter(Expr::col("id").lt(20)) | keyed().filter(a(0))))
            .exclude(Expr::col("b").eq(2))
            .union(keyed().filter(Expr::col("id").eq(0))),
        ];
        for set in &sets {
            let plan = set.explain(setql::Dialect::Sqlite).unwrap();
            assert!(plan.contains("fused into one SELECT"), "{plan}");
            let (fused, kept) = both_plans!(pool, set);
            assert!(!fused.is_empty(), "{engine:?}: {plan}");
            assert_eq!(fused, kept, "{engine:?}: {plan}");
            let counted = set.count(pool).await.unwrap();
            assert_eq!(
                counted,
                u64::try_from(kept.len()).unwrap(),
                "{engine:?}: {plan}"
            );
        }
        // A fused plan is one SELECT: no set operator is left in the SQL.
        let sql = sets[3].to_sql(setql::Dialect::Postgres).unwrap();
        assert!(
            !sql.contains("UNION") && !sql.contains("INTERSECT"),
            "{sql}"
        );
        // Ordering and slicing apply to the fused rows, with the key as tie-breaker.
        let page = (keyed().filter(a(2)) | keyed().filter(b(1)))
            .order_by("a", Order::Desc)
            .offset(3)
            .limit(5);
        let fused: Vec<Row> = page.fetch_all(pool).await.unwrap();
        let kept: Vec<Row> = page.clone().keep_branches().fetch_all(pool).await.unwrap();
        assert_eq!(fused, kept, "{engine:?}");
        assert_eq!(fused.len(), 5);
    }
);

engines!(intersection_without_a_key_is_not_fused, |pool, engine| {
    let t = numbers(pool).await;
    let parity = |p: Expr| {
        QuerySet::table(t.clone())
            .filter(p)
            .column_as(Expr::col("num").modulo(2), "parity")
            .columns(["parity"])
    };
    // Different source rows give the same parity: fusing to `num <= 4 AND num >= 5` would
    // return nothing.
    let both = parity(Expr::col("num").lte(4)) & parity(Expr::col("num").gte(5));
    let mut rows: Vec<(i32,)> = both.fetch_all(pool).await.unwrap();
    rows.sort_unstable();
    assert_eq!(rows, [(0,), (1,)], "{engine:?}");
    assert!(
        !both
            .explain(setql::Dialect::Sqlite)
            .unwrap()
            .contains("fused")
    );
    let minus = parity(Expr::col("num").lte(4)) - parity(Expr::col("num").eq(5));
    let rows: Vec<(i32,)> = minus.fetch_all(pool).await.unwrap();
    assert_eq!(rows, [(0,)], "{engine:?}");
    // A union without a key fuses with DISTINCT.
    let either = parity(Expr::col("num").lte(4)) | parity(Expr::col("num").gte(5));
    assert!(
        either
            .to_sql(setql::Dialect::MySql)
            .unwrap()
            .starts_with("SELECT DISTINCT")
    );
    assert_eq!(either.count(pool).await.unwrap(), 2, "{engine:?}");
    // A union all keeps one copy per branch, which one SELECT cannot.
    let all = QuerySet::table(t.clone()).union_all(QuerySet::table(t.clone()));
    assert_eq!(all.count(pool).await.unwrap(), 20, "{engine:?}");
    assert!(
        all.to_sql(setql::Dialect::Sqlite)
            .unwrap()
            .contains("UNION ALL")
    );
});

engines!(keep_branches_renders_as_written, |pool, engine| {
    let t = numbers(pool).await;
    let n = |k: i32| {
        QuerySet::table(t.clone())
            .primary_key("id")
            .filter(Expr::col("num").eq(k))
    };
    let set = (n(1) | n(2)) - n(2);
    let kept = set.clone().keep_branches();
    for dialect in setql::Dialect::ALL {
        assert!(!set.to_sql(dialect).unwrap().contains("EXCEPT"));
        assert!(
            kept.to_sql(dialect).unwrap().contains("EXCEPT"),
            "{dialect}"
        );
    }
    assert_eq!(set.count(pool).await.unwrap(), 1, "{engine:?}");
    assert_eq!(kept.count(pool).await.unwrap(), 1, "{engine:?}");
    // A kept combination stays kept inside a larger one of the same kind.
    let nested = (n(1) | n(2)).keep_branches() | n(3);
    let sql = nested.to_sql(setql::Dialect::Postgres).unwrap();
    assert!(sql.contains("UNION"), "{sql}");
    assert_eq!(nested.count(pool).await.unwrap(), 3, "{engine:?}");
});
