//! Delayed set operations: [`DelayedUnion`], [`DelayedIntersection`] and [`DelayedDifference`].
//!
//! Each keeps its branches apart until the query runs, so filters, excludes, ordering and
//! slices added later still apply (see [`pushdown`]).

pub(crate) mod pushdown;
mod types;

pub use types::{DelayedDifference, DelayedIntersection, DelayedUnion};

use crate::query::node::{Compound, Misuse, Node};
use crate::query::shared::Shared;

/// Which set operation a compound performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetKind {
    Union,
    Intersection,
    Difference,
}

/// A set operation and whether it keeps duplicates (`ALL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SetOp {
    pub(crate) kind: SetKind,
    pub(crate) all: bool,
}

impl SetOp {
    pub(crate) const UNION: SetOp = SetOp::distinct(SetKind::Union);
    pub(crate) const UNION_ALL: SetOp = SetOp {
        kind: SetKind::Union,
        all: true,
    };
    pub(crate) const INTERSECTION: SetOp = SetOp::distinct(SetKind::Intersection);
    pub(crate) const DIFFERENCE: SetOp = SetOp::distinct(SetKind::Difference);
    pub(crate) const INTERSECTION_ALL: SetOp = SetOp {
        kind: SetKind::Intersection,
        all: true,
    };
    pub(crate) const DIFFERENCE_ALL: SetOp = SetOp {
        kind: SetKind::Difference,
        all: true,
    };

    const fn distinct(kind: SetKind) -> SetOp {
        SetOp { kind, all: false }
    }

    pub(crate) fn name(self) -> &'static str {
        match (self.kind, self.all) {
            (SetKind::Union, false) => "union",
            (SetKind::Union, true) => "union all",
            (SetKind::Intersection, false) => "intersection",
            (SetKind::Intersection, true) => "intersection all",
            (SetKind::Difference, false) => "difference",
            (SetKind::Difference, true) => "difference all",
        }
    }
}

/// Builds the node for `op` over `operands`, applying the algebra of the empty set and
/// flattening same-kind children where that is exact.
pub(crate) fn combine(op: SetOp, operands: Vec<Node>) -> Node {
    if operands.is_empty() {
        return Node::Invalid(Misuse::EmptyCombination(op.name()));
    }
    if let Some(invalid) = operands.iter().find(|n| matches!(n, Node::Invalid(_))) {
        return invalid.clone();
    }
    let mut branches = Vec::with_capacity(operands.len());
    for (index, operand) in operands.into_iter().enumerate() {
        let is_first = index == 0;
        match operand {
            // A ∪ ∅ = A and A − ∅ = A; ∅ ∩ A = ∅ and ∅ − A = ∅.
            Node::Empty => match op.kind {
                SetKind::Union => {}
                SetKind::Intersection => return Node::Empty,
                SetKind::Difference if is_first => return Node::Empty,
                SetKind::Difference => {}
            },
            // The child's own later filters go into its branches first, so they stay on
            // those branches alone.
            Node::Compound(child) if flattens_into(op, &child, is_first) => {
                match pushdown::settle(Shared::into_inner(child)) {
                    Node::Compound(settled) => {
                        branches.extend(Shared::into_inner(settled).branches);
                    }
                    wrapped => branches.push(wrapped),
                }
            }
            other => branches.push(other),
        }
    }
    if branches.is_empty() {
        return Node::Empty;
    }
    Node::Compound(Shared::new(Compound::new(op, branches)))
}

/// A child of the same operation merges into its parent's branch list when nothing it carries
/// would be lost: unions and intersections with the same `all` flag, and a difference in
/// first place (`(A − B) − C = A − B − C`). An ordering on the child is dropped either way, as set
/// operations do not keep order; a slice is not.
///
/// A child with later filters merges only when settling them copies each into at most
/// [`pushdown::MOST_COPIES`] SELECTs. Past that it stays a branch of its own: a chain like
/// `((a ∪ b).filter(p) ∪ c).filter(q) ∪ …`, merged at every step, copied every filter into
/// every branch below it, and its SQL grew with the square of its length.
fn flattens_into(op: SetOp, child: &Compound, is_first: bool) -> bool {
    if child.op != op || child.slice.is_sliced() || child.keep_branches {
        return false;
    }
    if !child.pending.is_empty()
        && pushdown::selects_below(child, pushdown::MOST_COPIES) > pushdown::MOST_COPIES
    {
        return false;
    }
    match op.kind {
        SetKind::Union => true,
        // min(a, b, c) and a − b − c, left to right, are what a flat list computes.
        SetKind::Intersection => true,
        SetKind::Difference => is_first,
    }
}
