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

use sea_query::{BinOper, ColumnRef, Expr};

use crate::combine::SetKind;
use crate::query::node::{
    Compound, Node, Predicate, Select, Shape, Sort, SortKey, Source, total_order,
};
use crate::query::shared::Shared;

/// The note a union paged branch by branch carries, for `explain` and the span's plan.
pub(crate) const PAGED: &str =
    "paged branch by branch: every branch ordered and limited to the rows the page can use";

/// Whether `compound` is an ordered, sliced union: one whose page a branch's first rows
/// can make.
pub(super) fn applies(compound: &Compound) -> bool {
    compound.op.kind == SetKind::Union
        && !compound.orders.is_empty()
        && compound.slice.limit.is_some_and(|limit| limit > 0)
}

/// `compound` (planned, with no filter waiting) paged branch by branch, when it is an
/// ordered, sliced union whose ordering can be made total; otherwise `None`. Without a key
/// or named columns to break ties, which rows a branch keeps at its edge would be the
/// engine's choice; the union as written decides it.
pub(super) fn paged(compound: &Compound) -> Option<Node> {
    if !applies(compound) {
        return None;
    }
    let limit = compound.slice.limit?;
    let window = compound.slice.offset.unwrap_or(0).saturating_add(limit);
    let shape = compound.branches.first()?.shape();
    let key = compound.tie_key();
    if shape.names().is_none() && key.is_none() {
        return None;
    }
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

/// Whether an index hands every branch of `compound` (as planned: `branches`) its rows in
/// the order of the union's leading ordering column, from the first row the page needs and
/// with no row read only to be dropped; filters waiting on the union count as each
/// branch's. `Some(false)` when the catalog shows a branch it does not, `None` when some
/// branch's indexes are not known (the catalog was not read, or a branch is no table).
pub(super) fn served_by_indexes(compound: &Compound, branches: &[Node]) -> Option<bool> {
    let shape = branches.first()?.shape();
    let key = compound.tie_key();
    let order = total_order(&compound.orders, &shape, key.as_deref());
    served_in(branches, &order, &compound.pending)
}

/// [`served_by_indexes`] for `order`, in the terms of the branches' output, with `waiting`
/// filters on the union's rows.
fn served_in(branches: &[Node], order: &[Sort], waiting: &[Predicate]) -> Option<bool> {
    let outer = branches.first()?.shape();
    let mut served = Some(true);
    for branch in branches {
        let own = in_branch_terms(order, &outer, &branch.shape())?;
        let here = match branch {
            Node::Select(select) => waiting
                .iter()
                .map(|predicate| select.resolve_predicate(predicate))
                .collect::<Option<Vec<_>>>()
                .and_then(|waiting| select_served(select, &own, &waiting)),
            Node::Compound(inner) if inner.op.kind == SetKind::Union && waiting.is_empty() => {
                served_in(&inner.branches, &own, &inner.pending)
            }
            _ => None,
        };
        served = match (served, here) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        };
    }
    served
}

/// Whether an index of `select`'s table starts with the columns its filters fix by
/// equality, in any order, and then the leading column of `order`: a seek on those values
/// reads its rows in that order. A filter that reads the leading column and otherwise only
/// the order's columns (a range, a keyset cursor's comparison) narrows the seek, dropping at
/// most rows that tie on the leading column.
fn select_served(select: &Select, order: &[Sort], waiting: &[Predicate]) -> Option<bool> {
    let Source::Table(_) = &select.source else {
        return None;
    };
    let indexes = &select.facts.as_ref()?.indexes;
    // The table's columns under the ordering's output names. The leading one must be a
    // column; a later one the branch computes (a constant label) orders nothing here.
    let mut columns = Vec::with_capacity(order.len());
    for (at, sort) in order.iter().enumerate() {
        let SortKey::Name(name) = &sort.key else {
            return None;
        };
        let column = match select.projection.columns.iter().find(|c| c.name == *name) {
            Some(output) => match &output.expr {
                Expr::Column(ColumnRef::Column(column)) => Some(column.1.inner().into_owned()),
                _ => None,
            },
            None if select.projection.whole_source => Some(name.clone()),
            None => None,
        };
        match column {
            Some(column) => columns.push(column),
            None if at == 0 => return Some(false),
            None => {}
        }
    }
    let leading = columns.first()?;
    let mut fixed: Vec<String> = Vec::new();
    for filter in select.filters.iter().chain(waiting) {
        let Some(expr) = filter.plain() else {
            return Some(false);
        };
        if !fixes_or_narrows(expr, &columns, &mut fixed) {
            return Some(false);
        }
    }
    Some(indexes.iter().any(|index| {
        index.len() > fixed.len()
            && index[..fixed.len()].iter().all(|c| fixed.contains(c))
            && index[fixed.len()] == *leading
    }))
}

/// Whether every conjunct of `expr` is `c = value` (noted in `fixed`) or narrows the
/// ordering (see [`narrows`]).
fn fixes_or_narrows(expr: &Expr, order: &[String], fixed: &mut Vec<String>) -> bool {
    match expr {
        Expr::Binary(left, BinOper::And, right) => {
            fixes_or_narrows(left, order, fixed) && fixes_or_narrows(right, order, fixed)
        }
        Expr::Binary(left, BinOper::Equal, right) => match (&**left, &**right) {
            (Expr::Column(ColumnRef::Column(name)), Expr::Value(_))
            | (Expr::Value(_), Expr::Column(ColumnRef::Column(name)))
                if !order.iter().any(|c| *c == name.1.inner()) =>
            {
                let name = name.1.inner().into_owned();
                if !fixed.contains(&name) {
                    fixed.push(name);
                }
                true
            }
            _ => narrows(expr, order),
        },
        _ => narrows(expr, order),
    }
}

/// Whether `expr` reads the leading column of `order` and no column outside `order`.
fn narrows(expr: &Expr, order: &[String]) -> bool {
    fn walk(expr: &Expr, order: &[String], leading: &mut bool) -> bool {
        match expr {
            Expr::Column(ColumnRef::Column(name)) => {
                let name = name.1.inner();
                *leading |= order.first().is_some_and(|first| *first == name);
                order.iter().any(|c| *c == name)
            }
            Expr::Binary(left, _, right) => {
                walk(left, order, leading) && walk(right, order, leading)
            }
            Expr::Unary(_, inner) => walk(inner, order, leading),
            Expr::Value(_) | Expr::Constant(_) => true,
            Expr::Tuple(items) => items.iter().all(|item| walk(item, order, leading)),
            _ => false,
        }
    }
    let mut leading = false;
    walk(expr, order, &mut leading) && leading
}

/// The largest of the estimated sizes of the tables `branches` read, when the catalog gave
/// one for each.
pub(super) fn estimated_rows(branches: &[Node]) -> Option<u64> {
    branches.iter().try_fold(0_u64, |largest, branch| {
        let rows = match branch {
            Node::Select(select) => select.facts.as_ref()?.rows?,
            Node::Compound(inner) => estimated_rows(&inner.branches)?,
            Node::Empty | Node::Invalid(_) => return Some(largest),
        };
        Some(largest.max(rows))
    })
}
