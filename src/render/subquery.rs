//! Rendering the sets that subquery filters read (`filter_in`, `exclude_in`).
//!
//! A predicate holds a marker where its set goes (see `query::subquery`). Here each marker
//! becomes the set, rendered by the same renderer, so it gets the outer query's dialect and
//! derived-table aliases that do not clash with the outer query's.

use sea_query::{Asterisk, Expr, SelectStatement, SubQueryStatement};

use super::{PlanNote, Renderer, select_with};
use crate::Dialect;
use crate::error::{Error, Result};
use crate::query::node::{Node, Predicate};
use crate::query::subquery::{Subquery, marker_id};

impl Renderer<'_> {
    /// `predicate` as it runs, with every set it reads rendered in place, and its set-field
    /// functions written for this engine.
    pub(super) fn predicate(&mut self, predicate: &Predicate) -> Result<Expr> {
        let expr = if predicate.subqueries().is_empty() {
            predicate.to_expr()
        } else {
            self.with_sets(predicate, predicate.subqueries())?
        };
        if predicate.calls_set_functions() {
            return super::set_field::lower(&expr, self.dialect);
        }
        Ok(expr)
    }

    /// `expr` with each marker replaced by its set. Markers sit only where setql put them
    /// (`column IN <marker>`, negated or combined by AND/OR), and rewrites rebuild exactly
    /// these kinds of expression, so no marker can hide elsewhere.
    fn with_sets(&mut self, expr: &Expr, sets: &[Subquery]) -> Result<Expr> {
        let mut again = |inner: &Expr| self.with_sets(inner, sets).map(Box::new);
        Ok(match expr {
            Expr::Custom(sql) if marker_id(sql).is_some() => {
                let Some(set) = sets.iter().find(|set| set.is_marked_by(sql)) else {
                    // A rewrite dropped the set it should have carried: refuse rather than
                    // send a marker.
                    return Err(Error::Unsupported {
                        dialect: self.dialect,
                        operation: "a set used as a filter that a rewrite lost",
                    });
                };
                let statement = self.set(&set.node)?;
                Expr::SubQuery(
                    None,
                    Box::new(SubQueryStatement::SelectStatement(statement)),
                )
            }
            Expr::Binary(left, op, right) => {
                let left = again(left)?;
                Expr::Binary(left, *op, again(right)?)
            }
            Expr::Unary(op, inner) => Expr::Unary(*op, again(inner)?),
            Expr::AsEnum(name, inner) => Expr::AsEnum(name.clone(), again(inner)?),
            Expr::Tuple(items) => Expr::Tuple(
                items
                    .iter()
                    .map(|item| self.with_sets(item, sets))
                    .collect::<Result<_>>()?,
            ),
            other => other.clone(),
        })
    }

    /// The statement of a set read by `IN (…)`: planned like any set, unordered unless a
    /// slice depends on the order, and on MySQL never with a LIMIT directly inside the `IN`.
    fn set(&mut self, node: &Node) -> Result<SelectStatement> {
        let planned = crate::plan::plan(node, self.capabilities.dialect().planning());
        if let Some(plan) = &mut self.plan {
            let mut set = PlanNote::default();
            set.describe(node, planned.as_ref(), self.capabilities);
            plan.push(format!("filter reads a set ({set})"));
        }
        let node = planned.as_ref().unwrap_or(node);
        let unordered;
        let node = if node.is_sliced() {
            node
        } else {
            // Membership has no order; an ORDER BY here would only cost a sort.
            unordered = node.clone().clear_order_by();
            &unordered
        };
        let statement = self.node(node)?;
        if self.materialized_sets {
            // A DISTINCT derived table is never merged into the outer query, so the set is
            // read before the write, as MySQL requires of a set reading the written table.
            let inner = self.alias("s");
            let distinct = select_with(|s| {
                s.distinct()
                    .column(Asterisk)
                    .from_subquery(statement, inner);
            });
            let outer = self.alias("s");
            return Ok(select_with(|s| {
                s.column(Asterisk).from_subquery(distinct, outer);
            }));
        }
        if limits_inside_in(self.dialect) || !has_limit_inside(node) {
            return Ok(statement);
        }
        let alias = self.alias("s");
        Ok(select_with(|s| {
            s.column(Asterisk).from_subquery(statement, alias);
        }))
    }
}

/// Whether `node` renders a LIMIT outside any derived table of its own: its slice, or a
/// sliced member of a compound (written in parentheses, still part of the subquery).
fn has_limit_inside(node: &Node) -> bool {
    match node {
        Node::Select(select) => select.slice.is_sliced(),
        Node::Compound(compound) => {
            compound.slice.is_sliced() || compound.branches.iter().any(has_limit_inside)
        }
        Node::Empty | Node::Invalid(_) => false,
    }
}

/// MySQL and MariaDB refuse `LIMIT` in a subquery read by `IN` (error 1235), in any member
/// of a compound too, but accept it in a derived table inside that subquery.
fn limits_inside_in(dialect: Dialect) -> bool {
    dialect != Dialect::MySql
}
