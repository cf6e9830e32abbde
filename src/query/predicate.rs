//! Reading and rewriting the column references of a predicate.
//!
//! Pushdown needs two facts about a predicate: which column names it reads, and whether
//! every reference can be rewritten. sea-query keeps some expression kinds opaque (CASE,
//! function arguments, raw SQL, subqueries), so those make a predicate *opaque*: setql then
//! only moves it where no rewrite is needed.

use std::collections::BTreeSet;

use sea_query::{ColumnRef, Expr};

/// The column names a predicate reads, and whether that list is complete.
#[derive(Debug, Default)]
pub(crate) struct ColumnUse {
    /// Unqualified names of every column reference that could be read.
    pub(crate) names: BTreeSet<String>,
    /// True when part of the expression could not be inspected.
    pub(crate) opaque: bool,
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
            Expr::Column(_) => self.opaque = true,
            Expr::Tuple(items) | Expr::CustomWithExpr(_, items) => {
                if matches!(expr, Expr::CustomWithExpr(..)) {
                    // Raw SQL around the arguments may name columns of its own.
                    self.opaque = true;
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
                // The arguments can be read but not rebuilt, so renaming inside is impossible.
                if !call.get_args().is_empty() {
                    self.opaque = true;
                }
            }
            Expr::Value(_)
            | Expr::Values(_)
            | Expr::Constant(_)
            | Expr::Keyword(_)
            | Expr::TypeName(_) => {}
            // Subqueries, CASE, raw SQL and kinds added to sea-query later are not inspected.
            _ => self.opaque = true,
        }
    }

    /// Whether every read name is in `output`. False when the predicate is opaque.
    pub(crate) fn within(&self, output: &[String]) -> bool {
        !self.opaque && self.names.iter().all(|name| output.contains(name))
    }
}

/// Rewrites every column reference through `rename`; references it returns `None` for stay.
///
/// Returns `None` when the expression holds a reference that cannot be rewritten, i.e. it is
/// opaque and `rename` would change something.
pub(crate) fn rename_columns(expr: &Expr, rename: &dyn Fn(&str) -> Option<Expr>) -> Option<Expr> {
    let uses = ColumnUse::of(expr);
    if uses.opaque {
        // Opaque parts can be kept only when no name they might read is renamed.
        let untouched = uses.names.iter().all(|name| rename(name).is_none());
        return untouched.then(|| expr.clone());
    }
    Some(rewrite(expr, rename))
}

fn rewrite(expr: &Expr, rename: &dyn Fn(&str) -> Option<Expr>) -> Expr {
    match expr {
        Expr::Column(ColumnRef::Column(name)) => {
            rename(&name.1.inner()).unwrap_or_else(|| expr.clone())
        }
        Expr::Tuple(items) => Expr::Tuple(items.iter().map(|item| rewrite(item, rename)).collect()),
        Expr::Unary(op, inner) => Expr::Unary(*op, Box::new(rewrite(inner, rename))),
        Expr::AsEnum(name, inner) => Expr::AsEnum(name.clone(), Box::new(rewrite(inner, rename))),
        Expr::Binary(left, op, right) => Expr::Binary(
            Box::new(rewrite(left, rename)),
            *op,
            Box::new(rewrite(right, rename)),
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
