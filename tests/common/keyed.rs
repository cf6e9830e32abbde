//! Sets whose rows keep the declared key, for the faults that hang on it: branches that
//! compute a same-named column differently (`branch(a) ∪ branch(b)` repeats `id`), DISTINCT
//! after an ordering, and cursor walks over columns holding NULLs. Each is plain data with
//! a builder and an in-memory oracle, as in `plan.rs`.

use std::cmp::Ordering;

use sea_query::{Expr, ExprTrait};
use setql::prelude::*;

use crate::common::plan::{AnySet, Op, Pair, Plan, Table, TableRow, apply, base_oracle};
use crate::common::plan::{base_rows, combine, distinct, order};
use crate::common::rows::{Row, Term, sort_total, window};

/// `(id, k, c)`.
pub type Triple = (i64, Option<i64>, Option<i64>);

/// What a branch computes as its output column `k`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Computed {
    A,
    B,
    C,
    APlusOne,
    Zero,
    One,
}

impl Computed {
    pub const ALL: [Computed; 6] = [
        Computed::A,
        Computed::B,
        Computed::C,
        Computed::APlusOne,
        Computed::Zero,
        Computed::One,
    ];

    fn expr(self) -> Expr {
        match self {
            Computed::A => Expr::col("a"),
            Computed::B => Expr::col("b"),
            Computed::C => Expr::col("c"),
            Computed::APlusOne => Expr::col("a").add(1),
            Computed::Zero => Expr::val(0_i64),
            Computed::One => Expr::val(1_i64),
        }
    }

    fn eval(self, (_, a, b, c): TableRow) -> Option<i64> {
        match self {
            Computed::A => a,
            Computed::B => b,
            Computed::C => c,
            Computed::APlusOne => a.map(|a| a + 1),
            Computed::Zero => Some(0),
            Computed::One => Some(1),
        }
    }
}

/// A filter on one output column of a keyed set.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyedPred {
    Gt(&'static str, i64),
    IsNull(&'static str),
}

impl KeyedPred {
    fn expr(&self, table: Option<&str>) -> Expr {
        let col = |name: &'static str| match table {
            Some(table) => Expr::col((table.to_owned(), name)),
            None => Expr::col(name),
        };
        match self {
            KeyedPred::Gt(column, value) => col(column).gt(*value),
            KeyedPred::IsNull(column) => col(column).is_null(),
        }
    }

    fn holds(&self, row: &Triple) -> bool {
        match self {
            KeyedPred::Gt(column, value) => row.get(column).is_some_and(|v| v > *value),
            KeyedPred::IsNull(column) => row.get(column).is_none(),
        }
    }
}

/// A set of `(id, k, c)` rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Keyed {
    /// `table.primary_key("id")`, narrowed by base filter `k`, then
    /// `.column_as(computed, "k").columns(["id", "k", "c"])`.
    Branch(Table, u64, Computed),
    Combine(Op, Vec<Keyed>),
    /// A filter; on a combination, qualified with the first branch's table when `true`.
    Filter(Box<Keyed>, KeyedPred, bool),
}

impl Keyed {
    fn first_table(&self) -> Table {
        match self {
            Keyed::Branch(table, ..) => *table,
            Keyed::Combine(_, operands) => operands.first().map_or(Table::Main, Keyed::first_table),
            Keyed::Filter(inner, ..) => inner.first_table(),
        }
    }

    pub fn build(&self, main: &str) -> AnySet {
        match self {
            Keyed::Branch(table, k, computed) => AnySet::Plain(
                base_rows(table.name(main), *k)
                    .column_as(computed.expr(), "k")
                    .columns(["id", "k", "c"]),
            ),
            Keyed::Combine(op, operands) => {
                let mut sets = operands.iter().map(|operand| operand.build(main));
                let first = sets.next().unwrap_or(AnySet::Plain(QuerySet::none()));
                sets.fold(first, |acc, next| combine(*op, acc, next))
            }
            Keyed::Filter(inner, pred, qualified) => {
                // A qualifier only where it names a branch's table, as on a combination.
                let qualify = *qualified && matches!(**inner, Keyed::Combine(..));
                let table = qualify.then(|| inner.first_table().name(main));
                let predicate = pred.expr(table.as_deref());
                crate::each!(inner.build(main), |s| s.filter(predicate.clone()))
            }
        }
    }

    pub fn oracle(&self) -> Vec<Triple> {
        match self {
            Keyed::Branch(table, k, computed) => base_oracle(*table, *k)
                .into_iter()
                .map(|row| (row.0, computed.eval(row), row.3))
                .collect(),
            Keyed::Combine(op, operands) => {
                let mut sets = operands.iter().map(Keyed::oracle);
                let first = sets.next().unwrap_or_default();
                sets.fold(first, |left, right| apply(*op, left, right))
            }
            Keyed::Filter(inner, pred, _) => inner
                .oracle()
                .into_iter()
                .filter(|row| pred.holds(row))
                .collect(),
        }
    }

    /// Whether a filter in this set is qualified with a table name.
    pub fn is_qualified(&self) -> bool {
        match self {
            Keyed::Branch(..) => false,
            Keyed::Combine(_, operands) => operands.iter().any(Keyed::is_qualified),
            Keyed::Filter(inner, _, qualified) => *qualified || inner.is_qualified(),
        }
    }

    /// Whether the set reads a table other than the first branch's. setql cannot prove a key
    /// for the rows of two tables, so a cursor walk may then be refused.
    pub fn mixes_tables(&self) -> bool {
        fn tables(keyed: &Keyed, out: &mut Vec<Table>) {
            match keyed {
                Keyed::Branch(table, ..) => out.push(*table),
                Keyed::Combine(_, operands) => operands.iter().for_each(|o| tables(o, out)),
                Keyed::Filter(inner, ..) => tables(inner, out),
            }
        }
        let mut all = Vec::new();
        tables(self, &mut all);
        all.windows(2).any(|pair| pair[0] != pair[1])
    }

    /// Whether the oracle's rows can repeat (an `ALL` operation), so a cursor walk may be
    /// refused.
    pub fn may_repeat(&self) -> bool {
        match self {
            Keyed::Branch(..) => false,
            Keyed::Combine(op, operands) => {
                matches!(op, Op::UnionAll | Op::IntersectionAll | Op::DifferenceAll)
                    || operands.iter().any(Keyed::may_repeat)
            }
            Keyed::Filter(inner, ..) => inner.may_repeat(),
        }
    }
}

/// What is done with a keyed set before it is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    /// Read as it is, compared as a multiset.
    Whole,
    /// `order_by(terms…).offset(offset).limit(limit)`: exact rows in setql's total order.
    Slice(Vec<Term>, u64, u64),
    /// `order_by(first).offset(offset).limit(limit).order_by(then)`.
    Reorder(Term, u64, u64, Term),
    /// `order_by(terms…)`, read whole and by `first()` and `last()`, which break ties as a
    /// slice does.
    Ends(Vec<Term>),
    /// A slice as [`Finish::Slice`], then read as a derived table: filtered, or projected
    /// onto its own columns. The window keeps the whole order that chose it.
    SliceThen(Vec<Term>, u64, u64, After),
}

/// What is done to a slice's rows after it is taken.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    Filter(KeyedPred),
    Project,
}

impl Finish {
    pub fn apply(&self, set: AnySet) -> AnySet {
        match self {
            Finish::Whole => set,
            Finish::Slice(terms, limit, offset) => {
                crate::each!(ordered_by(set, terms), |s| s.offset(*offset).limit(*limit))
            }
            Finish::Ends(terms) => ordered_by(set, terms),
            Finish::SliceThen(terms, limit, offset, after) => {
                let window =
                    crate::each!(ordered_by(set, terms), |s| s.offset(*offset).limit(*limit));
                match after {
                    After::Filter(pred) => {
                        let predicate = pred.expr(None);
                        crate::each!(window, |s| s.filter(predicate.clone()))
                    }
                    After::Project => crate::each!(window, |s| s.columns(["id", "k", "c"])),
                }
            }
            Finish::Reorder(first, limit, offset, then) => {
                crate::each!(set, |s| s
                    .order_by(first.0, order(first.1))
                    .offset(*offset)
                    .limit(*limit)
                    .order_by(then.0, order(then.1)))
            }
        }
    }

    /// The rows, and the terms they come back ordered by (`None`: any order).
    pub fn oracle(&self, rows: Vec<Triple>) -> (Vec<Triple>, Option<Vec<Term>>) {
        match self {
            Finish::Whole => (rows, None),
            Finish::Slice(terms, limit, offset) => {
                // The window in setql's total order, which orders the ties too.
                // setql's tie-breakers run in the direction of the last term.
                let descending = terms.last().is_some_and(|&(_, descending)| descending);
                let mut total = terms.clone();
                total.extend(Triple::COLUMNS.iter().map(|&column| (column, descending)));
                (window(rows, terms, *limit, *offset), Some(total))
            }
            Finish::Reorder(first, limit, offset, then) => (
                window(rows, &[*first], *limit, *offset),
                Some(vec![*first, *then]),
            ),
            Finish::Ends(terms) => (rows, Some(terms.clone())),
            Finish::SliceThen(terms, limit, offset, after) => {
                let (window, total) = Finish::Slice(terms.clone(), *limit, *offset).oracle(rows);
                let kept = match after {
                    After::Filter(pred) => {
                        window.into_iter().filter(|row| pred.holds(row)).collect()
                    }
                    After::Project => window,
                };
                (kept, total)
            }
        }
    }

    /// What `first()` and `last()` must return, for [`Finish::Ends`].
    pub fn ends(&self, rows: Vec<Triple>) -> Option<(Option<Triple>, Option<Triple>)> {
        let Finish::Ends(terms) = self else {
            return None;
        };
        let total = walk_order(rows, terms);
        Some((total.first().copied(), total.last().copied()))
    }
}

fn ordered_by(set: AnySet, terms: &[Term]) -> AnySet {
    terms.iter().fold(set, |set, (column, descending)| {
        crate::each!(set, |s| s.order_by(*column, order(*descending)))
    })
}

/// `table.primary_key("id")` narrowed by base filter `k`, then `.columns(columns)`,
/// `.order_by(terms…)` and `.distinct()`.
#[derive(Debug, Clone, PartialEq)]
pub struct DistinctOrdered {
    pub k: u64,
    pub columns: [&'static str; 2],
    pub terms: Vec<Term>,
}

/// What a [`DistinctOrdered`] set must give.
pub enum DistinctExpected {
    /// These rows, ordered by the terms, read through `value`.
    Rows(Vec<Pair>),
    /// A typed error before anything is sent: the order would name a column DISTINCT
    /// cannot keep.
    Refused,
}

impl DistinctOrdered {
    pub fn build(&self, main: &str) -> AnySet {
        let projected = base_rows(Table::Main.name(main), self.k).columns(self.columns);
        let ordered = self
            .terms
            .iter()
            .fold(projected, |set, (column, descending)| {
                set.order_by(*column, order(*descending))
            });
        AnySet::Plain(ordered.distinct())
    }

    /// Ordering only by output columns keeps the order; ordering by another column while the
    /// key is output (the rows are already distinct) makes `distinct` a no-op; anything else
    /// is refused.
    pub fn expected(&self) -> DistinctExpected {
        let outputs_all = self
            .terms
            .iter()
            .all(|(column, _)| self.columns.contains(column));
        let rows: Vec<Pair> = base_oracle(Table::Main, self.k)
            .iter()
            .map(|row| (row.get(self.columns[0]), row.get(self.columns[1])))
            .collect();
        if outputs_all {
            DistinctExpected::Rows(distinct(rows))
        } else if self.columns.contains(&"id") {
            DistinctExpected::Rows(rows)
        } else {
            DistinctExpected::Refused
        }
    }

    /// Two output rows under the terms, reading a column that is not output from the table
    /// row the output's `id` names.
    pub fn compare(&self, x: &Pair, y: &Pair) -> Ordering {
        let value = |row: &Pair, column: &str| -> Option<i64> {
            if let Some(at) = self.columns.iter().position(|c| *c == column) {
                return if at == 0 { row.0 } else { row.1 };
            }
            let at = self.columns.iter().position(|c| *c == "id")?;
            let id = if at == 0 { row.0 } else { row.1 };
            Table::Main
                .rows()
                .into_iter()
                .find(|table_row| Some(table_row.0) == id)
                .and_then(|table_row| table_row.get(column))
        };
        self.terms
            .iter()
            .map(|&(column, descending)| {
                crate::common::rows::compare_values(value(x, column), value(y, column), descending)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

/// A set ordered over columns with NULLs, to be walked by cursor.
#[derive(Debug, Clone, PartialEq)]
pub enum Walked {
    /// Whole rows of a table with its key declared, narrowed by base filter `k`.
    Table(Table, u64, Vec<Term>),
    /// A keyed set of `(id, k, c)` rows.
    Keyed(Keyed, Vec<Term>),
    /// `(a, b)` rows made distinct: a set without a key, whose output columns break ties.
    Pairs(Plan, Vec<Term>),
}

impl Walked {
    pub fn terms(&self) -> &[Term] {
        match self {
            Walked::Table(_, _, terms) | Walked::Keyed(_, terms) | Walked::Pairs(_, terms) => terms,
        }
    }

    pub fn build(&self, main: &str) -> AnySet {
        let set = match self {
            Walked::Table(table, k, _) => AnySet::Plain(base_rows(table.name(main), *k)),
            Walked::Keyed(keyed, _) => keyed.build(main),
            Walked::Pairs(plan, _) => {
                // Cleared, so the walk's order is only the terms below.
                crate::each!(crate::common::plan::build(plan, main), |s| s
                    .distinct()
                    .clear_order_by())
            }
        };
        self.terms().iter().fold(set, |set, (column, descending)| {
            crate::each!(set, |s| s.order_by(*column, order(*descending)))
        })
    }
}

/// The rows a walk must visit, in order.
pub fn walk_order<R: Row>(mut rows: Vec<R>, terms: &[Term]) -> Vec<R> {
    sort_total(&mut rows, terms);
    rows
}

/// The oracle's rows for a walked table set.
pub fn table_walk(table: Table, k: u64, terms: &[Term]) -> Vec<TableRow> {
    walk_order(base_oracle(table, k), terms)
}
