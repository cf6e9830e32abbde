//! Paging a union branch by branch.
//!
//! The first `k` rows of a union (or union all) in a total order are among the first `k`
//! rows of each branch in that order: a row of the union that some branch has beyond its
//! first `k` has `k` rows of that branch, hence of the union, before it. So a union that is
//! ordered and sliced gets, in every branch, the whole ordering and `LIMIT offset + limit`,
//! and is ordered and sliced again outside. Each branch can then read its first rows off an
//! index that serves the ordering, where the union as written, or fused into one `OR`, makes
//! the engine collect every matching row and sort it (measured at 1,000,000 rows: MariaDB
//! 0.50 s against 0.01 s, SQLite 320 ms against 1 ms; see `benches/README.md`, W10).
//!
//! A distinct union must not let a branch repeat a row inside its `k`, or fewer than `k`
//! distinct rows might reach the outside: a branch that can repeat rows is made DISTINCT
//! first. A keyset page is the same case: its cursor comparison is a filter on the union,
//! pushed into every branch before this. Intersections and differences keep their plans,
//! since their first rows need not be among any branch's first rows.

use crate::combine::SetKind;
use crate::query::node::{Compound, Node, Shape, Sort, SortKey, total_order};
use crate::query::shared::Shared;

/// The note a union paged branch by branch carries, for `explain` and the span's plan.
pub(crate) const PAGED: &str =
    "paged branch by branch: every branch ordered and limited to the rows the page can use";

/// Whether `compound` is an ordered, sliced union whose order can be made total: one to
/// page branch by branch. Without a key or named columns to break ties, which rows a
/// branch keeps at its edge would be the engine's choice; the union as written decides it.
pub(super) fn applies(compound: &Compound) -> bool {
    compound.op.kind == SetKind::Union
        && !compound.orders.is_empty()
        && compound.slice.limit.is_some_and(|limit| limit > 0)
        && compound
            .branches
            .first()
            .is_some_and(|first| first.shape().names().is_some() || compound.tie_key().is_some())
}

/// `compound` (planned, with no filter waiting) paged branch by branch, when it is an
/// ordered, sliced union whose ordering is total; otherwise `None`.
pub(super) fn paged(compound: &Compound) -> Option<Node> {
    if !applies(compound) {
        return None;
    }
    let limit = compound.slice.limit?;
    let window = compound.slice.offset.unwrap_or(0).saturating_add(limit);
    let shape = compound.branches.first()?.shape();
    let key = compound.tie_key();
    let order = total_order(&compound.orders, &shape, key.as_deref());
    let branches = compound
        .branches
        .iter()
        .map(|branch| {
            let order = in_branch_terms(&order, &shape, &branch.shape())?;
            Some(limited(branch.clone(), order, window, compound.op.all))
        })
        .collect::<Option<Vec<_>>>()?;
    let mut paged = compound.clone();
    paged.branches = branches;
    paged.orders = order;
    paged.notes.push(PAGED.into());
    Some(Node::Compound(Shared::new(paged)))
}

/// `branch`, ordered by `order` and cut to its first `window` rows; made distinct first
/// where a distinct union needs it.
fn limited(branch: Node, order: Vec<Sort>, window: u64, keeps_copies: bool) -> Node {
    let branch = if keeps_copies || branch.rows_are_distinct() {
        branch
    } else {
        branch.clear_order_by().distinct()
    };
    let ordered = order
        .into_iter()
        .fold(branch.clear_order_by(), |branch, sort| {
            branch.order_by(sort)
        });
    // A union inside is paged the same way in turn.
    match ordered.limit(window) {
        Node::Compound(inner) => paged(&inner).unwrap_or(Node::Compound(inner)),
        other => other,
    }
}

/// `order`, over the union's output columns (`outer`), in the names a branch outputs them
/// under (`own`): column `k` of the union is column `k` of every branch.
fn in_branch_terms(order: &[Sort], outer: &Shape, own: &Shape) -> Option<Vec<Sort>> {
    if outer == own {
        return Some(order.to_vec());
    }
    let (Shape::Known(outer), Shape::Known(own)) = (outer, own) else {
        return None;
    };
    order
        .iter()
        .map(|sort| {
            let key = match &sort.key {
                SortKey::Name(name) => {
                    let at = outer.iter().position(|n| n == name)?;
                    SortKey::Name(own.get(at)?.clone())
                }
                SortKey::Position(position) => SortKey::Position(*position),
            };
            Some(Sort {
                key,
                ..sort.clone()
            })
        })
        .collect()
}
