//! Columns declared NOT NULL, and the exclusions they make simpler.
//!
//! `exclude(p)` keeps the rows where `p` is false or NULL, so it renders `(p) IS NOT TRUE`,
//! which no engine reads as an index range. Where `p` can never be NULL, `NOT p` keeps the
//! same rows, and a single comparison can be inverted outright (`status <> 'closed'`). `p`
//! is never NULL when it reads only columns declared NOT NULL, holds no NULL value, and is
//! built only from comparisons, AND, OR, NOT and arithmetic that cannot yield NULL.

use sea_query::{BinOper, ColumnRef, Expr, ExprTrait, UnOper, Value};

use super::node::{Compound, Node, Select, Shape, Source};
use super::predicate::is_column_named;
use crate::combine::SetKind;

impl Select {
    /// The output columns that are declared NOT NULL.
    pub(crate) fn non_null_outputs(&self) -> Vec<String> {
        let from_source = self.not_null.iter().filter(|name| {
            match self.projection.columns.iter().find(|c| c.name == **name) {
                Some(column) => is_column_named(&column.expr, name),
                None => self.projection.whole_source,
            }
        });
        from_source.cloned().collect()
    }
}

impl Node {
    /// The output columns of this set that hold no NULL.
    pub(crate) fn non_null_outputs(&self) -> Vec<String> {
        match self {
            Node::Select(select) => select.non_null_outputs(),
            Node::Compound(compound) => crate::recursion::deeper(|| {
                compound
                    .non_null
                    .0
                    .get_or_init(|| compound.non_null_outputs())
                    .clone()
            }),
            Node::Empty | Node::Invalid(_) => Vec::new(),
        }
    }
}

impl Compound {
    /// See [`Node::non_null_outputs`]; worked out from the branches.
    fn non_null_outputs(&self) -> Vec<String> {
        let Some((first, rest)) = self.branches.split_first() else {
            return Vec::new();
        };
        let mut names = first.non_null_outputs();
        if self.op.kind == SetKind::Union {
            // A union's column holds no NULL only if no branch puts one there; the branches
            // line up by position.
            let outer = first.shape();
            for branch in rest {
                let own = branch.non_null_outputs();
                let shape = branch.shape();
                names.retain(|name| match (&outer, &shape) {
                    (Shape::Known(outer), Shape::Known(theirs)) => outer
                        .iter()
                        .position(|n| n == name)
                        .and_then(|at| theirs.get(at))
                        .is_some_and(|theirs| own.contains(theirs)),
                    _ => outer == shape && own.contains(name),
                });
            }
        }
        // An intersection's or difference's rows are rows of its first branch.
        names
    }
}

impl Node {
    /// Declares columns of this set's table NOT NULL.
    pub(crate) fn not_null(self, columns: Vec<String>) -> Node {
        match self {
            Node::Select(mut select) if matches!(select.source, Source::Table(_)) => {
                select.not_null.extend(columns);
                Node::Select(select)
            }
            other => other,
        }
    }

    /// The columns a predicate on this set can read that hold no NULL: over a table, every
    /// declared column a computed output does not shadow; otherwise the output columns.
    fn non_null_readable(&self) -> Vec<String> {
        match self {
            Node::Select(select) if matches!(select.source, Source::Table(_)) => select
                .not_null
                .iter()
                .filter(|name| {
                    select
                        .output_expr(name)
                        .is_none_or(|expr| is_column_named(expr, name))
                })
                .cloned()
                .collect(),
            other => other.non_null_outputs(),
        }
    }

    /// `exclude(p)`: the rows where `p` is not true. Written as `NOT p`, or the inverted
    /// comparison, where `p` cannot be NULL on these rows; otherwise `(p) IS NOT TRUE`.
    pub(crate) fn exclusion(&self, predicate: Expr) -> Expr {
        let non_null = self.non_null_readable();
        if non_null.is_empty() || !never_null(&predicate, &non_null) {
            return predicate.is_not(Expr::Constant(true.into()));
        }
        match predicate {
            Expr::Binary(left, op, right) if inverse(op).is_some() => {
                Expr::Binary(left, inverse(op).unwrap_or(op), right)
            }
            other => other.not(),
        }
    }
}

/// The comparison that is true exactly where `op` is false, for non-NULL operands.
fn inverse(op: BinOper) -> Option<BinOper> {
    Some(match op {
        BinOper::Equal => BinOper::NotEqual,
        BinOper::NotEqual => BinOper::Equal,
        BinOper::SmallerThan => BinOper::GreaterThanOrEqual,
        BinOper::GreaterThanOrEqual => BinOper::SmallerThan,
        BinOper::GreaterThan => BinOper::SmallerThanOrEqual,
        BinOper::SmallerThanOrEqual => BinOper::GreaterThan,
        BinOper::In => BinOper::NotIn,
        BinOper::NotIn => BinOper::In,
        _ => return None,
    })
}

/// Whether `expr` is TRUE or FALSE on every row whose `non_null` columns hold values.
fn never_null(expr: &Expr, non_null: &[String]) -> bool {
    match expr {
        Expr::Column(ColumnRef::Column(name)) => non_null.iter().any(|n| *n == name.1.inner()),
        Expr::Value(value) | Expr::Constant(value) => !is_null(value),
        Expr::Values(values) => !values.iter().any(is_null),
        Expr::Tuple(items) => items.iter().all(|item| never_null(item, non_null)),
        Expr::Unary(UnOper::Not, inner) => never_null(inner, non_null),
        Expr::Binary(left, op, right) => {
            // Division and modulo give NULL for a zero divisor on SQLite and MySQL.
            let total = matches!(
                op,
                BinOper::And
                    | BinOper::Or
                    | BinOper::Equal
                    | BinOper::NotEqual
                    | BinOper::SmallerThan
                    | BinOper::GreaterThan
                    | BinOper::SmallerThanOrEqual
                    | BinOper::GreaterThanOrEqual
                    | BinOper::In
                    | BinOper::NotIn
                    | BinOper::Like
                    | BinOper::NotLike
                    | BinOper::Add
                    | BinOper::Sub
                    | BinOper::Mul
            );
            total && never_null(left, non_null) && never_null(right, non_null)
        }
        _ => false,
    }
}

fn is_null(value: &Value) -> bool {
    !value.is_some()
}
