//! Moving a filter on a combined set into its branches, where that is exact.
//!
//! The rules (the README, under "What delayed means"):
//! - union and intersection: the predicate goes into every branch;
//! - difference: into every branch when it reads output columns only, otherwise into the first
//!   branch alone, or rows that were subtracted would come back;
//! - a branch reads the predicate in its own names: the combined output names are the first
//!   branch's, so a reference to output column *k* becomes a reference to that branch's
//!   column *k* (projection-aware pushdown);
//! - when a branch's columns cannot be matched by position, the whole combination is wrapped
//!   and filtered as a derived table instead, which is always exact.
//!
//! Chaining only records a filter on the combination (`Compound::pending`); the planner
//! calls [`settle`] when it needs the branches as they would be, or ANDs the pending filters
//! into a fused SELECT directly.

use sea_query::Expr;

use super::{SetKind, SetOp};
use crate::query::node::{Compound, Node, Predicate, Shape};
use crate::query::predicate::{ColumnUse, output_column, rename_columns};
use crate::query::shared::Shared;

/// The notes a compound carries for each filter pushed into it, which `explain` reads to
/// count them.
pub(crate) const PUSHED_INTO_EVERY: &str = "filter pushed into every branch";
pub(crate) const PUSHED_RENAMED: &str =
    "filter pushed into every branch, renamed to each branch's columns";
pub(crate) const PUSHED_INTO_FIRST: &str =
    "filter pushed into the first branch only: it reads columns outside the output";

pub(crate) const APPLIED_AROUND: &str = "filters applied once around the combination: pushed into its branches they would be copied into more SELECTs than it has branches, and more than 8";

/// The most SELECTs a filter is copied into by pushdown, beyond a combination's own
/// branches.
///
/// Pushdown writes a filter into every SELECT below a combination, and nested combinations
/// each push their own filters down too, so a tree filtered at every level grew with the
/// square of its depth (W7: 170 KB of SQL for a kept tree of depth 256). A flat
/// combination's filter is copied once per branch, which keeps the SQL proportional to the
/// combination; a filter that would reach further, into more than this many SELECTs, is
/// applied once to the combined rows as a derived table, which is always exact. That caps
/// how far a level's filter spreads below it, so the SQL grows linearly with depth (25 KB at
/// depth 256). The cost: PostgreSQL and MariaDB push such a filter into the arms themselves,
/// but SQLite does not push into UNION, INTERSECT or EXCEPT subqueries, so there the filter
/// runs on the combined rows. Eight covers nested combinations of up to eight sets, such as
/// `(a ∪ b ∪ c) ∩ (d ∪ e)`, and kept W7 trees cost 1.3x per KB at depth 256 what they
/// cost at depth 4 (32 gave 1.6–1.9x).
pub(crate) const MOST_COPIES: usize = 8;

/// The compound with its pending filters moved where each would have gone had it been pushed
/// when written. Filters, ordering and slicing of unsliced rows commute, so the ordering and
/// slice are applied after them, to whatever node the filters leave.
pub(crate) fn settle(mut compound: Compound) -> Node {
    let pending = std::mem::take(&mut compound.pending);
    if pending.is_empty() {
        return Node::Compound(Shared::new(compound));
    }
    let orders = std::mem::take(&mut compound.orders);
    let slice = std::mem::take(&mut compound.slice);
    let bound = MOST_COPIES.max(compound.branches.len());
    if selects_below(&compound, bound) > bound {
        let mut outer = Node::Compound(Shared::new(compound)).wrap();
        outer.notes.push(APPLIED_AROUND.into());
        for predicate in pending {
            outer.add_filter(predicate);
        }
        return Node::Select(Shared::new(outer)).ordered_and_sliced(orders, slice);
    }
    let mut node = Node::Compound(Shared::new(compound));
    for predicate in pending {
        node = match node {
            Node::Compound(compound) => filter(Shared::into_inner(compound), predicate),
            other => other.filter(predicate),
        };
    }
    node.ordered_and_sliced(orders, slice)
}

/// How many SELECTs a filter pushed into `compound` would reach, counting no further than
/// just past `limit`, so that settling every level of a deep tree stays linear.
pub(crate) fn selects_below(compound: &Compound, limit: usize) -> usize {
    let mut count = 0;
    for branch in &compound.branches {
        count += match branch {
            Node::Compound(inner) => selects_below(inner, limit - count),
            Node::Select(_) => 1,
            Node::Empty | Node::Invalid(_) => 0,
        };
        if count > limit {
            break;
        }
    }
    count
}

/// Pushes `predicate` into the branches of an unsliced compound now.
fn filter(mut compound: Compound, predicate: Predicate) -> Node {
    let Some(per_branch) = branch_predicates(&compound, &predicate) else {
        let mut outer = Node::Compound(Shared::new(compound)).wrap();
        outer.notes.push(
            "filter applied to the combined rows: the branches' columns do not line up".into(),
        );
        outer.add_filter(predicate);
        return Node::Select(Shared::new(outer));
    };
    let targets = targets(compound.op, &compound, &predicate);
    let renamed = per_branch.iter().any(|(_, renamed)| *renamed);
    let per_branch = per_branch.into_iter().map(|(predicate, _)| predicate);
    compound
        .notes
        .push(match (targets == compound.branches.len(), renamed) {
            (true, false) => PUSHED_INTO_EVERY.into(),
            (true, true) => PUSHED_RENAMED.into(),
            (false, _) => PUSHED_INTO_FIRST.into(),
        });
    for (slot, predicate) in compound.branches.iter_mut().zip(per_branch).take(targets) {
        let branch = std::mem::replace(slot, Node::Empty);
        *slot = branch.filter(predicate);
    }
    Node::Compound(Shared::new(compound))
}

/// How many leading branches receive the predicate.
fn targets(op: SetOp, compound: &Compound, predicate: &Expr) -> usize {
    match op.kind {
        SetKind::Union | SetKind::Intersection => compound.branches.len(),
        SetKind::Difference => {
            let first = compound.branches.first().map(Node::shape);
            let reads_outputs_only = match first {
                Some(Shape::Known(names)) => ColumnUse::of(predicate).within(&names),
                // `t.*` outputs every column of one table, so any column a transparent
                // predicate reads is an output column.
                Some(Shape::WholeTable { .. }) => !ColumnUse::of(predicate).incomplete,
                _ => false,
            };
            if reads_outputs_only {
                compound.branches.len()
            } else {
                1
            }
        }
    }
}

/// The predicate rewritten into each branch's own column names (and whether it was renamed),
/// or `None` when some branch cannot be matched to the combined output by position.
fn branch_predicates(compound: &Compound, predicate: &Predicate) -> Option<Vec<(Predicate, bool)>> {
    let first = compound.branches.first()?.shape();
    compound
        .branches
        .iter()
        .map(|branch| match (&first, branch.shape()) {
            (Shape::Known(outer), Shape::Known(own)) if outer.len() == own.len() => {
                if *outer == own {
                    return Some((Predicate::clone(predicate), false));
                }
                let renamed = rename_columns(predicate, &|name| {
                    let position = outer.iter().position(|n| n == name)?;
                    Some(output_column(&own[position]))
                })?;
                Some((predicate.with_expr(renamed), true))
            }
            // Branches that all output `t.*` of the same table line up name for name.
            (Shape::WholeTable { .. }, own) if own == first => {
                Some((Predicate::clone(predicate), false))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// `explain` names the bound in words; the two must not drift apart.
    #[test]
    fn the_note_names_the_bound() {
        let bound = format!("more than {}", super::MOST_COPIES);
        assert!(super::APPLIED_AROUND.ends_with(&bound));
    }
}
