//! Reading and rewriting the column references of a predicate.
//!
//! Pushdown needs two facts about a predicate: which column names it reads, and whether
//! every reference can be rewritten. sea-query keeps some expression kinds opaque (CASE,
//! function arguments, raw SQL, subqueries), so those make a predicate *opaque*: setql then
//! only moves it where no rewrite is needed. The set-field functions (`set_contains`, …) are
//! calls setql builds itself, with plain arguments, so their column is read and renamed like
//! any other reference.

use std::collections::BTreeSet;

use sea_query::{ColumnRef, Expr, Func};

use crate::set_field::SetFunction;

/// The column names a predicate reads, whether that list is complete, and whether the
/// references can be rewritten.
#[derive(Debug, Default)]
pub(crate) struct ColumnUse {
    /// Unqualified names of every column reference that could be read.
    pub(crate) names: BTreeSet<String>,
    /// Part of the expression was not inspected (CASE, raw SQL, a subquery), so it may read
    /// columns missing from `names`.
    pub(crate) incomplete: bool,
    /// Some reference sits where it cannot be rewritten (a function argument).
    pub(crate) fixed: bool,
}

impl ColumnUse {
    pub(crate) fn of(expr: &Expr) -> Self {
        let mut uses = ColumnUse::default();
        uses.visit(expr);
        uses
    }

    fn visit(&mut self, expr: &Expr) {
        match expr {
            Expr::Column(ColumnRef::Column(name)) => {
                self.names.insert(name.1.inner().into_owned());
            }
            Expr::Column(_) => self.incomplete = true,
            Expr::Tuple(items) | Expr::CustomWithExpr(_, items) => {
                if matches!(expr, Expr::CustomWithExpr(..)) {
                    // Raw SQL around the arguments may name columns of its own.
                    self.incomplete = true;
                }
                items.iter().for_each(|item| self.visit(item));
            }
            Expr::Unary(_, inner) | Expr::AsEnum(_, inner) => self.visit(inner),
            Expr::Binary(left, _, right) => {
                self.visit(left);
                self.visit(right);
            }
            Expr::FunctionCall(call) => {
                call.get_args().iter().for_each(|arg| self.visit(arg));
                // The arguments can be read but not rebuilt, so renaming inside is impossible;
                // a set-field function is setql's own, with plain arguments, so it can be.
                if !call.get_args().is_empty() && SetFunction::of(call).is_none() {
                    self.fixed = true;
                }
            }
            Expr::Value(_)
            | Expr::Values(_)
            | Expr::Constant(_)
            | Expr::Keyword(_)
            | Expr::TypeName(_) => {}
            // A set used as a filter never reads the outer row.
            marker if super::subquery::is_marker(marker) => {}
            // Subqueries, CASE, raw SQL and kinds added to sea-query later are not inspected.
            _ => self.incomplete = true,
        }
    }

    /// Whether every name the predicate reads is in `output`; false when that is unknown.
    pub(crate) fn within(&self, output: &[String]) -> bool {
        !self.incomplete && self.names.iter().all(|name| output.contains(name))
    }
}

/// Rewrites every column reference through `rename`; references it returns `None` for stay.
///
/// Returns `None` when that cannot be done exactly: a part of the expression was not
/// inspected (it might read a renamed column), or a renamed column sits where it cannot be
/// rewritten. Callers that rename nothing should not call this at all.
pub(crate) fn rename_columns(expr: &Expr, rename: &dyn Fn(&str) -> Option<Expr>) -> Option<Expr> {
    let uses = ColumnUse::of(expr);
    if uses.incomplete {
        return None;
    }
    if uses.fixed {
        let untouched = uses.names.iter().all(|name| rename(name).is_none());
        return untouched.then(|| expr.clone());
    }
    Some(rewrite(expr, rename))
}

/// `expr` with table qualifiers dropped from its column references, for a predicate that
/// now reads a derived table, where only the bare output names exist; `None` when there is
/// nothing to drop (or it cannot be reached).
pub(crate) fn unqualified(expr: &Expr) -> Option<Expr> {
    let uses = ColumnUse::of(expr);
    if uses.incomplete || uses.fixed {
        return None;
    }
    let dropped = std::cell::Cell::new(false);
    let rewritten = rewrite_columns(expr, &|column| match column {
        ColumnRef::Column(name) if name.0.is_some() => {
            dropped.set(true);
            Some(output_column(&name.1.inner()))
        }
        _ => None,
    });
    dropped.get().then_some(rewritten)
}

fn rewrite(expr: &Expr, rename: &dyn Fn(&str) -> Option<Expr>) -> Expr {
    rewrite_columns(expr, &|column| match column {
        ColumnRef::Column(name) => rename(&name.1.inner()),
        _ => None,
    })
}

fn rewrite_columns(expr: &Expr, replace: &dyn Fn(&ColumnRef) -> Option<Expr>) -> Expr {
    let again = |inner: &Expr| Box::new(rewrite_columns(inner, replace));
    match expr {
        Expr::Column(column) => replace(column).unwrap_or_else(|| expr.clone()),
        Expr::Tuple(items) => Expr::Tuple(
            items
                .iter()
                .map(|item| rewrite_columns(item, replace))
                .collect(),
        ),
        Expr::Unary(op, inner) => Expr::Unary(*op, again(inner)),
        Expr::AsEnum(name, inner) => Expr::AsEnum(name.clone(), again(inner)),
        Expr::Binary(left, op, right) => Expr::Binary(again(left), *op, again(right)),
        Expr::FunctionCall(call) if SetFunction::of(call).is_some() => Expr::FunctionCall(
            call.clone().args(
                call.get_args()
                    .iter()
                    .map(|arg| rewrite_columns(arg, replace)),
            ),
        ),
        other => other.clone(),
    }
}

/// An unqualified reference to an output column.
pub(crate) fn output_column(name: &str) -> Expr {
    Expr::col(name.to_owned())
}

/// Whether `expr` is a plain reference to a column called `name`.
pub(crate) fn is_column_named(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Column(ColumnRef::Column(column)) if column.1.inner() == name)
}

/// Whether `expr` computes an aggregate over the rows it is evaluated on: one of sea-query's
/// aggregate functions, or raw SQL that calls one. A scalar subquery aggregates its own
/// rows, not these, so it is not inspected.
pub(crate) fn has_aggregate(expr: &Expr) -> bool {
    match expr {
        Expr::FunctionCall(call) => {
            let aggregate = match call.get_func() {
                Func::Max | Func::Min | Func::Sum | Func::Avg | Func::Count => true,
                Func::Custom(name) => is_aggregate_name(&name.inner()),
                _ => false,
            };
            aggregate || call.get_args().iter().any(has_aggregate)
        }
        Expr::Custom(sql) => calls_aggregate(sql),
        Expr::CustomWithExpr(sql, items) => calls_aggregate(sql) || items.iter().any(has_aggregate),
        Expr::Tuple(items) => items.iter().any(has_aggregate),
        Expr::Unary(_, inner) | Expr::AsEnum(_, inner) => has_aggregate(inner),
        Expr::Binary(left, _, right) => has_aggregate(left) || has_aggregate(right),
        _ => false,
    }
}

/// The aggregate functions of SQLite, PostgreSQL and MySQL that a raw expression may call.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "total",
    "group_concat",
    "string_agg",
    "array_agg",
    "json_agg",
    "jsonb_agg",
    "json_group_array",
    "json_group_object",
    "json_arrayagg",
    "json_objectagg",
    "bool_and",
    "bool_or",
    "every",
    "bit_and",
    "bit_or",
    "bit_xor",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
];

fn is_aggregate_name(name: &str) -> bool {
    AGGREGATES
        .iter()
        .any(|aggregate| aggregate.eq_ignore_ascii_case(name))
}

/// Whether raw SQL calls an aggregate: a listed name, as a whole word, followed by `(`.
fn calls_aggregate(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    AGGREGATES.iter().any(|name| {
        lower.match_indices(name).any(|(at, _)| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = lower[at + name.len()..].trim_start();
            !before.is_some_and(is_word) && after.starts_with('(')
        })
    })
}

/// `expr` read on combined rows, where no table exists: a table-qualified reference to an
/// output column means that output column (SeaORM qualifies every column), so the qualifier
/// is dropped. `Ok(None)` when nothing is qualified; `Err(column)` when a qualified output
/// column sits where it cannot be rewritten.
pub(crate) fn unqualified_outputs(expr: &Expr, outputs: &[String]) -> Result<Option<Expr>, String> {
    let uses = QualifiedUse::of(expr, outputs);
    let Some(first) = uses.qualified.first() else {
        return Ok(None);
    };
    if uses.opaque {
        return Err(first.clone());
    }
    let rewritten = rewrite_columns(expr, &|column| match column {
        ColumnRef::Column(name)
            if name.0.is_some() && outputs.iter().any(|o| *o == name.1.inner()) =>
        {
            Some(output_column(&name.1.inner()))
        }
        _ => None,
    });
    Ok(Some(rewritten))
}

/// The qualified references to output columns in a predicate, and whether one of them sits
/// where [`rewrite_columns`] cannot reach (a function argument).
#[derive(Default)]
struct QualifiedUse {
    qualified: Vec<String>,
    opaque: bool,
}

impl QualifiedUse {
    fn of(expr: &Expr, outputs: &[String]) -> Self {
        let mut uses = QualifiedUse::default();
        uses.visit(expr, outputs, false);
        uses
    }

    fn visit(&mut self, expr: &Expr, outputs: &[String], unreachable: bool) {
        match expr {
            Expr::Column(ColumnRef::Column(name)) => {
                let bare = name.1.inner();
                if let Some(table) = &name.0
                    && outputs.iter().any(|output| *output == bare)
                {
                    self.qualified.push(format!("{}.{bare}", table.1.inner()));
                    self.opaque |= unreachable;
                }
            }
            Expr::Tuple(items) => items
                .iter()
                .for_each(|i| self.visit(i, outputs, unreachable)),
            Expr::CustomWithExpr(_, items) => {
                items.iter().for_each(|i| self.visit(i, outputs, true))
            }
            Expr::FunctionCall(call) => {
                let unreachable = unreachable || SetFunction::of(call).is_none();
                call.get_args()
                    .iter()
                    .for_each(|i| self.visit(i, outputs, unreachable));
            }
            Expr::Unary(_, inner) | Expr::AsEnum(_, inner) => {
                self.visit(inner, outputs, unreachable)
            }
            Expr::Binary(left, _, right) => {
                self.visit(left, outputs, unreachable);
                self.visit(right, outputs, unreachable);
            }
            _ => {}
        }
    }
}
