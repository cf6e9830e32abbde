//! Cross-engine differential test: a fixed corpus of generated set expressions runs on every
//! reachable engine, and every engine must return the same rows (as multisets, or as
//! sequences where the query is totally ordered).
//!
//! `SETQL_DIFFERENTIAL_CASES` sets the corpus size (default 240); the seed is fixed, so the
//! corpus is the same on every run.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use sqlx::Pool;

type Pair = (Option<i64>, Option<i64>);

/// A small deterministic generator (SplitMix64), so the corpus needs no extra crate.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn small(&mut self) -> i64 {
        i64::try_from(self.below(6)).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Union,
    UnionAll,
    Intersection,
    IntersectionAll,
    Difference,
    DifferenceAll,
    SymmetricDifference,
}

#[derive(Debug, Clone)]
enum Pred {
    Gt(&'static str, i64),
    Eq(&'static str, i64),
    IsNull(&'static str),
    ColumnsEqual,
    SumBelow(i64),
    Either(Box<Pred>, Box<Pred>),
}

/// A query in the corpus, kept as data so a mismatch can print it.
#[derive(Debug, Clone)]
enum Plan {
    /// Base set `k`: a filter on the table, projected onto `(a, b)` in one of three ways.
    Base(u64),
    Combine(Op, Vec<Plan>),
    Filter(Box<Plan>, Pred),
    Exclude(Box<Plan>, Pred),
    /// Ordered by `(a, b desc)`, then `limit`, `offset`.
    Slice(Box<Plan>, u64, u64),
    Distinct(Box<Plan>),
}

impl Plan {
    fn generate(rng: &mut Seeded, depth: u32) -> Plan {
        if depth == 0 || rng.below(5) == 0 {
            return Plan::Base(rng.below(6));
        }
        match rng.below(10) {
            0..=4 => {
                let op = [
                    Op::Union,
                    Op::UnionAll,
                    Op::Intersection,
                    Op::IntersectionAll,
                    Op::Difference,
                    Op::DifferenceAll,
                    Op::SymmetricDifference,
                ][usize::try_from(rng.below(7)).unwrap_or(0)];
                let arity = if matches!(op, Op::SymmetricDifference) {
                    2
                } else {
                    2 + rng.below(2)
                };
                let operands = (0..arity).map(|_| Plan::generate(rng, depth - 1)).collect();
                Plan::Combine(op, operands)
            }
            5 | 6 => Plan::Filter(
                Box::new(Plan::generate(rng, depth - 1)),
                Pred::generate(rng),
            ),
            7 => Plan::Exclude(
                Box::new(Plan::generate(rng, depth - 1)),
                Pred::generate(rng),
            ),
            8 => Plan::Slice(
                Box::new(Plan::generate(rng, depth - 1)),
                1 + rng.below(6),
                rng.below(3),
            ),
            _ => Plan::Distinct(Box::new(Plan::generate(rng, depth - 1))),
        }
    }

    /// Whether the rows come back in one defined order.
    fn is_ordered(&self) -> bool {
        matches!(self, Plan::Slice(..))
    }
}

impl Pred {
    fn generate(rng: &mut Seeded) -> Pred {
        let column = if rng.below(2) == 0 { "a" } else { "b" };
        match rng.below(7) {
            0 | 1 => Pred::Gt(column, rng.small()),
            2 => Pred::Eq(column, rng.small()),
            3 => Pred::IsNull(column),
            4 => Pred::ColumnsEqual,
            5 => Pred::SumBelow(rng.small() * 2),
            _ => Pred::Either(
                Box::new(Pred::Gt(column, rng.small())),
                Box::new(Pred::IsNull("b")),
            ),
        }
    }

    fn expr(&self) -> Expr {
        match self {
            Pred::Gt(column, value) => Expr::col(*column).gt(*value),
            Pred::Eq(column, value) => Expr::col(*column).eq(*value),
            Pred::IsNull(column) => Expr::col(*column).is_null(),
            Pred::ColumnsEqual => Expr::col("a").eq(Expr::col("b")),
            Pred::SumBelow(limit) => Expr::col("a").add(Expr::col("b")).lt(*limit),
            Pred::Either(left, right) => left.expr().or(right.expr()),
        }
    }
}

/// Any query set, so plans of every kind can nest.
#[derive(Clone)]
enum AnySet {
    Plain(QuerySet),
    Union(DelayedUnion),
    Intersection(DelayedIntersection),
    Difference(DelayedDifference),
}

macro_rules! each {
    ($set:expr, |$s:ident| $body:expr) => {
        match $set {
            AnySet::Plain($s) => AnySet::Plain($body),
            AnySet::Union($s) => AnySet::Union($body),
            AnySet::Intersection($s) => AnySet::Intersection($body),
            AnySet::Difference($s) => AnySet::Difference($body),
        }
    };
}

macro_rules! with_set {
    ($set:expr, |$s:ident| $body:expr) => {
        match $set {
            AnySet::Plain($s) => $body,
            AnySet::Union($s) => $body,
            AnySet::Intersection($s) => $body,
            AnySet::Difference($s) => $body,
        }
    };
}

fn combine(op: Op, left: AnySet, right: AnySet) -> AnySet {
    with_set!(left, |l| with_set!(right, |r| match op {
        Op::Union => AnySet::Union(l.union(r)),
        Op::UnionAll => AnySet::Union(l.union_all(r)),
        Op::Intersection => AnySet::Intersection(l.intersection(r)),
        Op::IntersectionAll => AnySet::Intersection(l.intersection_all(r)),
        Op::Difference => AnySet::Difference(l.difference(r)),
        Op::DifferenceAll => AnySet::Difference(l.difference_all(r)),
        Op::SymmetricDifference => AnySet::Union(l.symmetric_difference(r)),
    }))
}

fn build(plan: &Plan, table: &str) -> AnySet {
    match plan {
        Plan::Base(k) => {
            let rows = QuerySet::table(table.to_owned());
            let filtered = match k {
                0 => rows.filter(Expr::col("c").lt(3)),
                1 => rows.filter(Expr::col("c").gte(2)),
                2 => rows.filter(Expr::col("a").is_not_null()),
                3 => rows.exclude(Expr::col("c").eq(1)),
                4 => rows.filter(Expr::col("id").lt(25)),
                _ => rows,
            };
            // Three projections onto the same names, so pushdown must rename per branch.
            AnySet::Plain(match k % 3 {
                0 => filtered.columns(["a", "b"]),
                1 => filtered.column_as(Expr::col("c"), "b").columns(["a", "b"]),
                _ => filtered
                    .column_as(Expr::col("a").add(1), "a")
                    .columns(["a", "b"]),
            })
        }
        Plan::Combine(op, operands) => {
            let mut sets = operands.iter().map(|operand| build(operand, table));
            let first = sets.next().unwrap_or(AnySet::Plain(QuerySet::none()));
            sets.fold(first, |acc, next| combine(*op, acc, next))
        }
        Plan::Filter(inner, pred) => each!(build(inner, table), |s| s.filter(pred.expr())),
        Plan::Exclude(inner, pred) => each!(build(inner, table), |s| s.exclude(pred.expr())),
        Plan::Slice(inner, limit, offset) => each!(build(inner, table), |s| s
            .order_by("a", Order::Asc)
            .order_by("b", Order::Desc)
            .limit(*limit)
            .offset(*offset)),
        Plan::Distinct(inner) => each!(build(inner, table), |s| s.distinct()),
    }
}

/// 40 rows with NULLs and many duplicate `(a, b)` pairs, the same on every engine.
async fn seed<DB>(pool: &Pool<DB>, table: &str)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    exec(pool, format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, a BIGINT NULL, b BIGINT NULL, c BIGINT NULL)")).await;
    let value = |v: u64| {
        if v == 0 {
            "NULL".to_owned()
        } else {
            (v - 1).to_string()
        }
    };
    let rows: Vec<String> = (1..=40_u64)
        .map(|id| {
            format!(
                "({id}, {}, {}, {})",
                value(id * 7 % 5),
                value(id * 3 % 4),
                value(id % 5)
            )
        })
        .collect();
    exec(
        pool,
        format!("INSERT INTO {table} VALUES {}", rows.join(", ")),
    )
    .await;
}

/// The rows of `set` on one engine, or the error's text, and the SQL that ran.
async fn run<DB>(
    pool: &Pool<DB>,
    set: &AnySet,
    ordered: bool,
) -> (Result<Vec<Pair>, String>, String)
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
    Pair: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let sql = with_set!(set, |s| s.to_sql(DB::DIALECT)).unwrap_or_else(|e| e.to_string());
    let rows = with_set!(set, |s| s.fetch_all::<_, Pair>(pool).await);
    let rows = rows.map_err(|e| e.to_string()).map(|mut rows| {
        if !ordered {
            rows.sort_unstable();
        }
        rows
    });
    (rows, sql)
}

#[tokio::test]
async fn every_engine_returns_the_same_rows() {
    let cases: usize = std::env::var("SETQL_DIFFERENTIAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(240);
    let table = unique("differential");
    let sqlite = sqlite_pool().await;
    seed(&sqlite, &table).await;
    #[cfg(feature = "postgres")]
    let postgres = postgres_pool().await;
    #[cfg(feature = "postgres")]
    if let Some(pool) = &postgres {
        seed(pool, &table).await;
    }
    #[cfg(feature = "mysql")]
    let mysql = mysql_pool().await;
    #[cfg(feature = "mysql")]
    if let Some(pool) = &mysql {
        seed(pool, &table).await;
    }

    let mut rng = Seeded(0x5e7_0001);
    let mut mismatches = Vec::new();
    let mut engines = vec!["sqlite"];
    for case in 0..cases {
        let plan = Plan::generate(&mut rng, 4);
        let set = build(&plan, &table);
        let ordered = plan.is_ordered();
        let mut results = vec![("sqlite", run(&sqlite, &set, ordered).await)];
        #[cfg(feature = "postgres")]
        if let Some(pool) = &postgres {
            results.push(("postgres", run(pool, &set, ordered).await));
        }
        #[cfg(feature = "mysql")]
        if let Some(pool) = &mysql {
            results.push(("mysql", run(pool, &set, ordered).await));
        }
        if case == 0 {
            engines = results.iter().map(|(name, _)| *name).collect();
        }
        let reference = &results[0].1.0;
        let failed = reference.is_err() || results.iter().any(|(_, (rows, _))| rows != reference);
        if failed {
            let mut report = format!("case {case}: {plan:?}\n");
            for (engine, (rows, sql)) in &results {
                report.push_str(&format!("  {engine}: {sql}\n    rows: {rows:?}\n"));
            }
            mismatches.push(report);
        }
    }

    #[cfg(feature = "postgres")]
    if let Some(pool) = &postgres {
        drop_table(pool, &table).await;
    }
    #[cfg(feature = "mysql")]
    if let Some(pool) = &mysql {
        drop_table(pool, &table).await;
    }
    println!(
        "DIFFERENTIAL cases={cases} engines={} mismatches={}",
        engines.join(","),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} queries differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
