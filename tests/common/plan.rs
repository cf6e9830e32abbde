//! Set expressions as plain data, shared by the differential and fuzz suites: how to build
//! each as a setql query set, and an in-memory oracle that evaluates it with SQL's rules
//! (three-valued logic, `exclude` keeps NULL, set operations compare NULLs as equal,
//! multisets for ALL, slices over a total order).

use std::cmp::Ordering;

use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use sqlx::Pool;

use crate::common::rows::Term;

// Named here too, where the differential suite has always imported it from.
#[allow(unused_imports)]
pub use crate::common::engines::Engines;

/// One output row: `(a, b)`.
pub type Pair = (Option<i64>, Option<i64>);

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Union,
    UnionAll,
    Intersection,
    IntersectionAll,
    Difference,
    DifferenceAll,
    SymmetricDifference,
}

impl Op {
    pub const ALL: [Op; 7] = [
        Op::Union,
        Op::UnionAll,
        Op::Intersection,
        Op::IntersectionAll,
        Op::Difference,
        Op::DifferenceAll,
        Op::SymmetricDifference,
    ];
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    Gt(&'static str, i64),
    Eq(&'static str, i64),
    IsNull(&'static str),
    ColumnsEqual,
    SumBelow(i64),
    Not(Box<Pred>),
    Either(Box<Pred>, Box<Pred>),
}

/// Which of the two tables of the same columns (and different rows) a set reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Table {
    /// The table named in [`Engines::table`].
    Main,
    /// A second table, so combinations of two tables are covered (cakes and pies).
    Other,
}

impl Table {
    /// The engine's name for this table, given the main table's name.
    pub fn name(self, main: &str) -> String {
        match self {
            Table::Main => main.to_owned(),
            Table::Other => other_table(main),
        }
    }

    pub fn rows(self) -> Vec<TableRow> {
        match self {
            Table::Main => table_rows(),
            Table::Other => other_rows(),
        }
    }
}

/// The second table's name: derived from the main one, so every caller that knows the main
/// table knows both.
pub fn other_table(main: &str) -> String {
    format!("{main}_other")
}

/// A query, kept as data so a mismatch can print it.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Base set `k` (0..6): a filter on the table, projected onto `(a, b)` one of three ways.
    Base(u64),
    /// Base set `k` of the other table.
    Other(u64),
    Combine(Op, Vec<Plan>),
    Filter(Box<Plan>, Pred),
    Exclude(Box<Plan>, Pred),
    /// Ordered by `(a, b desc)`, then `offset`, then `limit`.
    Slice(Box<Plan>, u64, u64),
    Distinct(Box<Plan>),
    /// Rendered as written, without fusion.
    KeepBranches(Box<Plan>),
    /// `order_by(first)`, then `offset`, then `limit`, then (after an `exclude` when there is
    /// one) `order_by(then)`, which adds a term: the window is chosen under `first` and its
    /// tie-breakers, and the rows come back ordered by `first` and then `then`.
    Reorder(Box<Plan>, Term, u64, u64, Option<Pred>, Term),
    /// A filter on a combination whose columns are qualified with the table of its first
    /// (`false`) or last (`true`) leaf. A qualified column that names an output column means
    /// that output column, in every branch, as an unqualified one does.
    Qualified(Box<Plan>, Pred, bool),
}

impl Plan {
    /// Whether the rows come back in one defined order.
    pub fn is_ordered(&self) -> bool {
        self.ordering().is_some()
    }

    /// The terms the rows come back ordered by; ties under them may come in any order.
    pub fn ordering(&self) -> Option<Vec<Term>> {
        match self {
            Plan::Slice(..) => Some(vec![("a", false), ("b", true)]),
            Plan::Reorder(_, first, _, _, _, then) => Some(vec![*first, *then]),
            Plan::KeepBranches(inner) => inner.ordering(),
            _ => None,
        }
    }

    /// The table of the first (or last) base set in this plan.
    pub fn leaf_table(&self, last: bool) -> Table {
        match self {
            Plan::Base(_) => Table::Main,
            Plan::Other(_) => Table::Other,
            Plan::Combine(_, operands) => {
                let leaf = if last {
                    operands.last()
                } else {
                    operands.first()
                };
                leaf.map_or(Table::Main, |plan| plan.leaf_table(last))
            }
            Plan::Filter(inner, _)
            | Plan::Exclude(inner, _)
            | Plan::Slice(inner, ..)
            | Plan::Distinct(inner)
            | Plan::KeepBranches(inner)
            | Plan::Reorder(inner, ..)
            | Plan::Qualified(inner, ..) => inner.leaf_table(last),
        }
    }
}

impl Pred {
    pub fn expr(&self) -> Expr {
        self.expr_in(None)
    }

    /// The predicate with every column qualified by `table` when there is one.
    pub fn expr_in(&self, table: Option<&str>) -> Expr {
        let col = |name: &'static str| match table {
            Some(table) => Expr::col((table.to_owned(), name)),
            None => Expr::col(name),
        };
        match self {
            Pred::Gt(column, value) => col(column).gt(*value),
            Pred::Eq(column, value) => col(column).eq(*value),
            Pred::IsNull(column) => col(column).is_null(),
            Pred::ColumnsEqual => col("a").eq(col("b")),
            Pred::SumBelow(limit) => col("a").add(col("b")).lt(*limit),
            Pred::Not(inner) => inner.expr_in(table).not(),
            Pred::Either(left, right) => left.expr_in(table).or(right.expr_in(table)),
        }
    }

    /// SQL's three-valued answer for one row: `None` is NULL.
    pub fn eval(&self, (a, b): Pair) -> Option<bool> {
        let column = |name: &str| if name == "a" { a } else { b };
        match self {
            Pred::Gt(name, value) => column(name).map(|v| v > *value),
            Pred::Eq(name, value) => column(name).map(|v| v == *value),
            Pred::IsNull(name) => Some(column(name).is_none()),
            Pred::ColumnsEqual => Some(a? == b?),
            Pred::SumBelow(limit) => Some(a? + b? < *limit),
            Pred::Not(inner) => inner.eval((a, b)).map(|v| !v),
            Pred::Either(left, right) => match (left.eval((a, b)), right.eval((a, b))) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
        }
    }
}

/// Any query set, so plans of every kind can nest.
#[derive(Clone)]
pub enum AnySet {
    Plain(QuerySet),
    Union(DelayedUnion),
    Intersection(DelayedIntersection),
    Difference(DelayedDifference),
}

/// Applies a chain call that returns `Self` to whichever set it is.
#[macro_export]
macro_rules! each {
    ($set:expr, |$s:ident| $body:expr) => {
        match $set {
            $crate::common::plan::AnySet::Plain($s) => $crate::common::plan::AnySet::Plain($body),
            $crate::common::plan::AnySet::Union($s) => $crate::common::plan::AnySet::Union($body),
            $crate::common::plan::AnySet::Intersection($s) => {
                $crate::common::plan::AnySet::Intersection($body)
            }
            $crate::common::plan::AnySet::Difference($s) => {
                $crate::common::plan::AnySet::Difference($body)
            }
        }
    };
}

/// Evaluates `$body` with `$s` bound to whichever set it is.
#[macro_export]
macro_rules! with_set {
    ($set:expr, |$s:ident| $body:expr) => {
        match $set {
            $crate::common::plan::AnySet::Plain($s) => $body,
            $crate::common::plan::AnySet::Union($s) => $body,
            $crate::common::plan::AnySet::Intersection($s) => $body,
            $crate::common::plan::AnySet::Difference($s) => $body,
        }
    };
}

pub fn combine(op: Op, left: AnySet, right: AnySet) -> AnySet {
    crate::with_set!(left, |l| crate::with_set!(right, |r| match op {
        Op::Union => AnySet::Union(l.union(r)),
        Op::UnionAll => AnySet::Union(l.union_all(r)),
        Op::Intersection => AnySet::Intersection(l.intersection(r)),
        Op::IntersectionAll => AnySet::Intersection(l.intersection_all(r)),
        Op::Difference => AnySet::Difference(l.difference(r)),
        Op::DifferenceAll => AnySet::Difference(l.difference_all(r)),
        Op::SymmetricDifference => AnySet::Union(l.symmetric_difference(r)),
    }))
}

/// The setql query set for `plan` over `table`.
/// Table `table` narrowed by base filter `k` (0..6), with its key declared.
pub fn base_rows(table: String, k: u64) -> QuerySet {
    let rows = QuerySet::table(table).primary_key("id");
    match k {
        0 => rows.filter(Expr::col("c").lt(3)),
        1 => rows.filter(Expr::col("c").gte(2)),
        2 => rows.filter(Expr::col("a").is_not_null()),
        3 => rows.exclude(Expr::col("c").eq(1)),
        4 => rows.filter(Expr::col("id").lt(25)),
        _ => rows,
    }
}

/// The rows base filter `k` keeps, as [`base_rows`] filters them.
pub fn base_oracle(table: Table, k: u64) -> Vec<TableRow> {
    table
        .rows()
        .into_iter()
        .filter(|&(id, a, _, c)| {
            let kept = match k {
                0 => c.map(|c| c < 3),
                1 => c.map(|c| c >= 2),
                2 => Some(a.is_some()),
                3 => c.map(|c| c == 1).map(|hit| !hit).or(Some(true)),
                4 => Some(id < 25),
                _ => Some(true),
            };
            kept == Some(true)
        })
        .collect()
}

fn base(table: String, k: u64) -> AnySet {
    let filtered = base_rows(table, k);
    // Three projections onto the same names, so pushdown must rename per branch.
    AnySet::Plain(match k % 3 {
        0 => filtered.columns(["a", "b"]),
        1 => filtered.column_as(Expr::col("c"), "b").columns(["a", "b"]),
        _ => filtered
            .column_as(Expr::col("a").add(1), "a")
            .columns(["a", "b"]),
    })
}

pub fn build(plan: &Plan, table: &str) -> AnySet {
    match plan {
        Plan::Base(k) => base(Table::Main.name(table), *k),
        Plan::Other(k) => base(Table::Other.name(table), *k),
        Plan::Combine(op, operands) => {
            let mut sets = operands.iter().map(|operand| build(operand, table));
            let first = sets.next().unwrap_or(AnySet::Plain(QuerySet::none()));
            sets.fold(first, |acc, next| combine(*op, acc, next))
        }
        Plan::Filter(inner, pred) => crate::each!(build(inner, table), |s| s.filter(pred.expr())),
        Plan::Exclude(inner, pred) => {
            crate::each!(build(inner, table), |s| s.exclude(pred.expr()))
        }
        // Cleared first, so the window does not depend on an ordering the inner set keeps.
        Plan::Slice(inner, limit, offset) => crate::each!(build(inner, table), |s| s
            .clear_order_by()
            .order_by("a", Order::Asc)
            .order_by("b", Order::Desc)
            .offset(*offset)
            .limit(*limit)),
        Plan::Distinct(inner) => crate::each!(build(inner, table), |s| s.distinct()),
        Plan::KeepBranches(inner) => crate::each!(build(inner, table), |s| s.keep_branches()),
        Plan::Reorder(inner, first, limit, offset, exclude, then) => {
            let sliced = crate::each!(build(inner, table), |s| s
                .clear_order_by()
                .order_by(first.0, order(first.1))
                .offset(*offset)
                .limit(*limit));
            let sliced = match exclude {
                Some(pred) => crate::each!(sliced, |s| s.exclude(pred.expr())),
                None => sliced,
            };
            crate::each!(sliced, |s| s.order_by(then.0, order(then.1)))
        }
        Plan::Qualified(inner, pred, last) => {
            let qualifier = inner.leaf_table(*last).name(table);
            crate::each!(build(inner, table), |s| s
                .filter(pred.expr_in(Some(&qualifier))))
        }
    }
}

pub fn order(descending: bool) -> Order {
    if descending { Order::Desc } else { Order::Asc }
}

/// One table row: `(id, a, b, c)`.
pub type TableRow = (i64, Option<i64>, Option<i64>, Option<i64>);

/// 40 rows with NULLs and many duplicate `(a, b)` pairs.
pub fn table_rows() -> Vec<TableRow> {
    let value = |v: i64| if v == 0 { None } else { Some(v - 1) };
    (1..=40_i64)
        .map(|id| (id, value(id * 7 % 5), value(id * 3 % 4), value(id % 5)))
        .collect()
}

/// The other table: 30 rows whose ids overlap the main table's, with other values.
pub fn other_rows() -> Vec<TableRow> {
    let value = |v: i64| if v == 0 { None } else { Some(v - 1) };
    (1..=30_i64)
        .map(|id| (id, value(id * 3 % 5), value(id % 4), value(id * 7 % 6)))
        .collect()
}

/// Creates `table` holding [`table_rows`], and its [`other_table`] holding [`other_rows`].
pub async fn seed<DB>(pool: &Pool<DB>, table: &str)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    seed_rows(pool, table, table_rows()).await;
    seed_rows(pool, &other_table(table), other_rows()).await;
}

async fn seed_rows<DB>(pool: &Pool<DB>, table: &str, rows: Vec<TableRow>)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    crate::common::exec(
        pool,
        format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, a BIGINT NULL, b BIGINT NULL, c BIGINT NULL)"),
    )
    .await;
    let sql = |v: Option<i64>| v.map_or("NULL".to_owned(), |v| v.to_string());
    let rows: Vec<String> = rows
        .into_iter()
        .map(|(id, a, b, c)| format!("({id}, {}, {}, {})", sql(a), sql(b), sql(c)))
        .collect();
    crate::common::exec(
        pool,
        format!("INSERT INTO {table} VALUES {}", rows.join(", ")),
    )
    .await;
    // Indexes that serve some branches in the order slices use (`a` first), so that every
    // shape a page of a union takes is exercised: paged, merged and fused.
    for (name, columns) in [("a", "a"), ("c_a", "c, a")] {
        crate::common::exec(
            pool,
            format!("CREATE INDEX {table}_{name} ON {table} ({columns})"),
        )
        .await;
    }
}

/// The rows `plan` must return, computed in memory: a multiset, in order when sliced.
pub fn oracle(plan: &Plan) -> Vec<Pair> {
    match plan {
        Plan::Base(k) => base_pairs(Table::Main, *k),
        Plan::Other(k) => base_pairs(Table::Other, *k),
        Plan::Combine(op, operands) => {
            let mut sets = operands.iter().map(oracle);
            let first = sets.next().unwrap_or_default();
            sets.fold(first, |left, right| apply(*op, left, right))
        }
        Plan::Filter(inner, pred) => oracle(inner)
            .into_iter()
            .filter(|row| pred.eval(*row) == Some(true))
            .collect(),
        Plan::Exclude(inner, pred) => oracle(inner)
            .into_iter()
            .filter(|row| pred.eval(*row) != Some(true))
            .collect(),
        Plan::Slice(inner, limit, offset) => {
            let mut rows = oracle(inner);
            rows.sort_by(|x, y| ascending(x.0, y.0).then(ascending(y.1, x.1)));
            rows.into_iter()
                .skip(usize::try_from(*offset).unwrap_or(usize::MAX))
                .take(usize::try_from(*limit).unwrap_or(usize::MAX))
                .collect()
        }
        Plan::Distinct(inner) => distinct(oracle(inner)),
        Plan::KeepBranches(inner) => oracle(inner),
        Plan::Reorder(inner, first, limit, offset, exclude, _) => {
            let rows = crate::common::rows::window(oracle(inner), &[*first], *limit, *offset);
            rows.into_iter()
                .filter(|row| exclude.as_ref().is_none_or(|p| p.eval(*row) != Some(true)))
                .collect()
        }
        Plan::Qualified(inner, pred, _) => oracle(inner)
            .into_iter()
            .filter(|row| pred.eval(*row) == Some(true))
            .collect(),
    }
}

fn base_pairs(table: Table, k: u64) -> Vec<Pair> {
    base_oracle(table, k)
        .into_iter()
        .map(|(_, a, b, c)| match k % 3 {
            0 => (a, b),
            1 => (a, c),
            _ => (a.map(|a| a + 1), b),
        })
        .collect()
}

/// NULL sorts first ascending, as setql orders on every engine.
fn ascending(x: Option<i64>, y: Option<i64>) -> Ordering {
    x.cmp(&y)
}

pub fn distinct<T: PartialEq>(rows: Vec<T>) -> Vec<T> {
    let mut seen = Vec::new();
    for row in rows {
        if !seen.contains(&row) {
            seen.push(row);
        }
    }
    seen
}

fn count<T: PartialEq>(rows: &[T], row: &T) -> usize {
    rows.iter().filter(|r| *r == row).count()
}

pub fn apply<T: PartialEq + Clone>(op: Op, left: Vec<T>, right: Vec<T>) -> Vec<T> {
    match op {
        Op::Union => distinct(left.into_iter().chain(right).collect()),
        Op::UnionAll => left.into_iter().chain(right).collect(),
        Op::Intersection => distinct(left)
            .into_iter()
            .filter(|row| right.contains(row))
            .collect(),
        Op::IntersectionAll => distinct(left.clone())
            .into_iter()
            .flat_map(|row| {
                let copies = count(&left, &row).min(count(&right, &row));
                std::iter::repeat_n(row, copies)
            })
            .collect(),
        Op::Difference => distinct(left)
            .into_iter()
            .filter(|row| !right.contains(row))
            .collect(),
        Op::DifferenceAll => distinct(left.clone())
            .into_iter()
            .flat_map(|row| {
                let copies = count(&left, &row).saturating_sub(count(&right, &row));
                std::iter::repeat_n(row, copies)
            })
            .collect(),
        Op::SymmetricDifference => {
            let only_left = apply(Op::Difference, left.clone(), right.clone());
            let only_right = apply(Op::Difference, right, left);
            apply(Op::Union, only_left, only_right)
        }
    }
}
