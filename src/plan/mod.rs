//! The planner: rewrites a node tree into an equivalent cheaper one before it is rendered.
//!
//! The one rewrite today is *fusion*: branches that read the same table with the same
//! projection and no slice become a single SELECT whose WHERE combines their predicates
//! (`OR` for a union, `AND` for an intersection, `AND (p) IS NOT TRUE` for a difference).
//! Measured on 200,000 rows this is 2–33x faster than the compound on every engine
//! (`cargo bench --bench workloads`). It is exact only where stated:
//! - a union fuses when it removes duplicates; `DISTINCT` is added unless the output holds
//!   the declared key. A union all keeps one copy per branch, which a single SELECT cannot;
//! - an intersection or difference fuses only when the output holds the declared key.
//!   Without a key, two different source rows can project to the same output row, so "in
//!   both" is no longer "one row satisfying both predicates".
//!
//! Fusion runs bottom-up, so nested combinations of one table become one query. A
//! combination marked with `keep_branches` is left as written.

mod branch_pages;
#[cfg(test)]
mod tests;

use sea_query::{Expr, ExprTrait};

use crate::combine::{SetKind, pushdown};
use crate::dialect::{PlannedShape, Planning, SMALL_TABLE};
use crate::query::node::{Compound, Node, Predicate, Select, SortKey, Source};
use crate::query::shared::Shared;

/// The note a fused SELECT carries, which `explain` reads to tell how many branches fused.
pub(crate) const FUSED: &str = "branches fused into one SELECT";

/// The node as it should run on an engine with `planning`'s facts, and whether anything
/// was rewritten.
pub(crate) fn plan(node: &Node, planning: Planning) -> Option<Node> {
    crate::recursion::deeper(|| plan_here(node, planning))
}

fn plan_here(node: &Node, planning: Planning) -> Option<Node> {
    match node {
        Node::Select(select) => {
            let Source::Derived(inner) = &select.source else {
                return None;
            };
            let planned = plan(inner, planning)?;
            let mut select = select.clone();
            select.source = Source::Derived(Box::new(planned));
            Some(Node::Select(select))
        }
        Node::Compound(compound) if branch_pages::applies(compound) => {
            Some(ordered_page(compound, planning))
        }
        // Filters written on the combined rows are ANDed to the fused SELECT as they are, so
        // a subtracted branch is not filtered too; otherwise they are pushed into the
        // branches as planned. Pushing them into the branches as written and planning those
        // again planned every subtree twice per level: exponential in the depth of a tree
        // filtered at each level whose bottom cannot fuse.
        Node::Compound(compound) if !compound.pending.is_empty() => {
            let planned = planned_branches(compound, planning);
            let branches = planned.as_deref().unwrap_or(&compound.branches);
            if let Some(fused) = fuse(compound, branches) {
                return Some(fused);
            }
            let mut compound = (**compound).clone();
            if let Some(planned) = planned {
                compound.branches = planned;
            }
            Some(settle_planned(Node::Compound(Shared::new(compound))))
        }
        Node::Compound(compound) => {
            let Some(branches) = planned_branches(compound, planning) else {
                return fuse(compound, &compound.branches);
            };
            fuse(compound, &branches).or_else(|| {
                Some(Node::Compound(Shared::new(Compound {
                    branches,
                    op: compound.op,
                    pending: Vec::new(),
                    orders: compound.orders.clone(),
                    slice: compound.slice,
                    notes: compound.notes.clone(),
                    keep_branches: compound.keep_branches,
                    unique: compound.unique.clone(),
                    shape: compound.shape.clone(),
                    lineage: compound.lineage.clone(),
                    non_null: compound.non_null.clone(),
                })))
            })
        }
        Node::Empty | Node::Invalid(_) => None,
    }
}

/// `node`, planned except for filters waiting on some of its combinations, with those
/// filters fused or pushed down as planning would. Only the nodes holding such filters are
/// visited: the rest is planned already, and walking it again at every level of a deep tree
/// was quadratic.
fn settle_planned(node: Node) -> Node {
    crate::recursion::deeper(|| match node {
        Node::Compound(compound) if !compound.pending.is_empty() => {
            if let Some(fused) = fuse(&compound, &compound.branches) {
                return fused;
            }
            settle_planned(pushdown::settle(Shared::into_inner(compound)))
        }
        Node::Compound(mut compound) if compound.branches.iter().any(holds_pending) => {
            let branches = std::mem::take(&mut compound.branches);
            compound.branches = branches.into_iter().map(settle_planned).collect();
            Node::Compound(compound)
        }
        Node::Select(mut select) if matches!(&select.source, Source::Derived(inner) if holds_pending(inner)) =>
        {
            if let Source::Derived(inner) = &mut select.source {
                let taken = std::mem::replace(&mut **inner, Node::Empty);
                **inner = settle_planned(taken);
            }
            Node::Select(select)
        }
        other => other,
    })
}

/// Whether filters wait on this combination, or on the one a chain of derived tables reads:
/// where pushdown leaves a filter it pushes into a planned node.
fn holds_pending(node: &Node) -> bool {
    match node {
        Node::Compound(compound) => !compound.pending.is_empty(),
        Node::Select(select) => match &select.source {
            Source::Derived(inner) => holds_pending(inner),
            Source::Table(_) | Source::Adopted(_) => false,
        },
        Node::Empty | Node::Invalid(_) => false,
    }
}

/// An ordered, sliced union in the shape its engine reads fastest (see `Planning`); each
/// shape is exact:
/// - paged branch by branch (see `branch_pages`): each branch reads only its first rows, off
///   an index that serves the ordering where there is one;
/// - fused into one SELECT, when some branch has no index that serves the ordering and the
///   engine reads one SELECT faster (see `Unserved`), or on an engine that walks an index
///   faster than it pages branches under a range on the leading ordering column;
/// - left as a compound ordered outside, on an engine that merges its branches in order
///   when an index serves each of them, or that reads a small table's branches whole
///   faster than it walks an index.
fn ordered_page(compound: &Compound, planning: Planning) -> Node {
    let planned = planned_branches(compound, planning);
    let branches = planned.as_deref().unwrap_or(&compound.branches);
    let served = branch_pages::served_by_indexes(compound, branches);
    let small = served == Some(false)
        && branch_pages::estimated_rows(branches).is_some_and(|rows| rows <= SMALL_TABLE);
    let small = if small { planning.unserved.small } else { None };
    if let Some(fused) = fuse(compound, branches) {
        let window = compound
            .slice
            .offset
            .unwrap_or(0)
            .saturating_add(compound.slice.limit.unwrap_or(0));
        let unserved = served == Some(false)
            && match small {
                Some(shape) => shape == PlannedShape::Fused,
                None => window > planning.unserved.paged_up_to,
            };
        if unserved || (planning.fuses_ranged_pages && bounds_leading_order(&fused)) {
            return fused;
        }
    }
    let mut settled = compound.clone();
    if let Some(planned) = planned {
        settled.branches = planned;
    }
    let settled = if settled.pending.is_empty() {
        Node::Compound(Shared::new(settled))
    } else {
        settle_planned(pushdown::settle(settled))
    };
    let written = small == Some(PlannedShape::Written)
        || (planning.merges_ordered_unions && served != Some(false));
    if written {
        return settled;
    }
    match &settled {
        Node::Compound(union) => branch_pages::paged(union).unwrap_or(settled),
        _ => settled,
    }
}

/// Whether `node` is one SELECT whose filters bound its leading ordering column by a range:
/// a conjunct `c < v`, `c <= v`, `c > v`, `c >= v` or `c BETWEEN …`, as a later filter or a
/// keyset cursor's predicate (which leads with such a bound) writes it.
fn bounds_leading_order(node: &Node) -> bool {
    let Node::Select(select) = node else {
        return false;
    };
    let Some(SortKey::Name(leading)) = select.orders.first().map(|sort| &sort.key) else {
        return false;
    };
    select
        .filters
        .iter()
        .filter_map(Predicate::plain)
        .any(|expr| bounds(expr, leading))
}

fn bounds(expr: &Expr, column: &str) -> bool {
    use sea_query::BinOper::{
        And, Between, GreaterThan, GreaterThanOrEqual, SmallerThan, SmallerThanOrEqual,
    };
    match expr {
        Expr::Binary(left, And, right) => bounds(left, column) || bounds(right, column),
        Expr::Binary(
            left,
            SmallerThan | SmallerThanOrEqual | GreaterThan | GreaterThanOrEqual | Between,
            right,
        ) => {
            crate::query::predicate::is_column_named(left, column)
                || crate::query::predicate::is_column_named(right, column)
        }
        _ => false,
    }
}

/// The compound's branches as planned, or `None` when planning rewrote none of them.
fn planned_branches(compound: &Compound, planning: Planning) -> Option<Vec<Node>> {
    let planned: Vec<Option<Node>> = compound
        .branches
        .iter()
        .map(|branch| plan(branch, planning))
        .collect();
    if planned.iter().all(Option::is_none) {
        return None;
    }
    let branches = planned
        .into_iter()
        .zip(&compound.branches)
        .map(|(planned, original)| planned.unwrap_or_else(|| original.clone()))
        .collect();
    Some(branches)
}

/// One SELECT equivalent to `compound` over (planned) `branches`, when they allow it.
///
/// The compound's pending filters are ANDed to the fused condition. That is what pushing them
/// into the branches first would give: `(p1 ∧ f) ∨ (p2 ∧ f) = (p1 ∨ p2) ∧ f`, and likewise
/// for `∧`; for a difference, `(p1 ∧ f) ∧ (p2 ∧ f) IS NOT TRUE` keeps exactly the rows of
/// `p1 ∧ f ∧ (p2 IS NOT TRUE)`, since `f` is true on every row the first branch keeps.
fn fuse(compound: &Compound, branches: &[Node]) -> Option<Node> {
    if compound.keep_branches {
        return None;
    }
    let selects: Vec<&Select> = branches
        .iter()
        .map(|branch| match branch {
            Node::Select(select) if fusable(select) => Some(&**select),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let (first, rest) = selects.split_first()?;
    let same_source = rest.iter().all(|select| {
        same_table(&select.source, &first.source)
            && select.key == first.key
            && same_projection(select, first)
    });
    if !same_source || !orders_are_outputs(compound, first) {
        return None;
    }
    let keyed = first.output_key().is_some();
    let (mut filters, distinct) = match (compound.op.kind, compound.op.all) {
        (SetKind::Union, true) => return None,
        (SetKind::Union, false) => (any(&selects), !keyed),
        (SetKind::Intersection, _) if keyed => (all(&selects), false),
        (SetKind::Difference, _) if keyed => (first_but_not_rest(first, rest), false),
        _ => return None,
    };
    // A pending filter reads the output columns, which a branch may compute: it is read in
    // the branch's own terms, as the branch itself would read it.
    for predicate in &compound.pending {
        filters.push(first.resolve_predicate(predicate)?);
    }
    let mut notes = compound.notes.clone();
    notes.push(FUSED.into());
    if !compound.pending.is_empty() {
        notes.push("filters on the combined rows applied to the fused SELECT".into());
    }
    Some(Node::Select(Shared::new(Select {
        source: first.source.clone(),
        projection: first.projection.clone(),
        filters,
        distinct,
        distinct_after_order: false,
        orders: compound.orders.clone(),
        slice: compound.slice,
        // The combination's own key, which a declared `unique_key` may name, so that the
        // tie-breakers rendered here are the ones keyset cursors were read under.
        key: compound
            .output_key_over_alike(branches.first()?)
            .or_else(|| first.key.clone()),
        not_null: first.not_null.clone(),
        facts: first.facts.clone(),
        notes,
        group: None,
    })))
}

/// A combination may only be ordered by its output columns; a misuse is left for `render` to
/// report rather than fused into SQL that means something else.
fn orders_are_outputs(compound: &Compound, first: &Select) -> bool {
    let Some(names) = first.shape().names().map(<[String]>::to_vec) else {
        return true;
    };
    compound
        .orders
        .iter()
        .all(|sort| !matches!(&sort.key, SortKey::Name(name) if !names.contains(name)))
}

/// A branch whose rows are exactly "the table's rows satisfying its filters, projected".
fn fusable(select: &Select) -> bool {
    matches!(select.source, Source::Table(_)) && !select.slice.is_sliced() && !select.distinct
}

fn same_table(a: &Source, b: &Source) -> bool {
    matches!((a, b), (Source::Table(a), Source::Table(b)) if a == b)
}

fn same_projection(a: &Select, b: &Select) -> bool {
    a.projection.whole_source == b.projection.whole_source
        && a.projection.columns.len() == b.projection.columns.len()
        && a.projection
            .columns
            .iter()
            .zip(&b.projection.columns)
            .all(|(x, y)| x.name == y.name && x.expr == y.expr)
}

/// The conjuncts of `(p1 OR p2 …) AND q`, where `q` holds the predicates every branch has:
/// `(p1 ∧ q) ∨ (p2 ∧ q) = (p1 ∨ p2) ∧ q` in SQL's three-valued logic too, and engines plan
/// the factored form better (W1). An empty list means every row.
fn any(selects: &[&Select]) -> Vec<Predicate> {
    let Some((first, rest)) = selects.split_first() else {
        return Vec::new();
    };
    // A union of one set is that set. Factoring would find every predicate shared, and
    // comparing each with every other made a chain of such unions cubic in its depth.
    if rest.is_empty() {
        return first.filters.clone();
    }
    let shared: Vec<&Predicate> = first
        .filters
        .iter()
        .filter(|filter| rest.iter().all(|select| holds(&select.filters, filter)))
        .collect();
    // A branch with no predicate of its own keeps every row the shared predicates keep.
    let either = selects
        .iter()
        .all(|select| own(select, &shared).next().is_some())
        .then(|| one_of(selects, &shared));
    either
        .into_iter()
        .chain(shared.iter().copied().cloned())
        .collect()
}

/// `a1 OR a2 …`, where `a` is the conjunction of a branch's own predicates. When every
/// branch has just one, `column = value` on the same column, the equivalent
/// `column IN (values)`, which PostgreSQL plans as one index scan instead of a bitmap OR.
/// Otherwise the branches' predicates are kept as parts, not copied: a branch may itself be
/// a fused tree.
fn one_of(selects: &[&Select], shared: &[&Predicate]) -> Predicate {
    let equality = |select| equality(own(select, shared));
    let column = selects
        .first()
        .and_then(|first| equality(first))
        .map(|(c, _)| c);
    if let Some(column) = column.filter(|_| selects.len() > 1) {
        let values: Option<Vec<sea_query::Value>> = selects
            .iter()
            .map(|select| match equality(select) {
                Some((other, value)) if other == column => Some(value.clone()),
                _ => None,
            })
            .collect();
        if let Some(values) = values {
            let parts = selects.iter().flat_map(|select| &select.filters);
            return Predicate::gathering(Expr::col(column.clone()).is_in(values), parts);
        }
    }
    Predicate::any_of(
        selects
            .iter()
            .map(|select| own(select, shared).cloned().collect())
            .collect(),
    )
}

/// `(column, value)` when `predicates` is exactly one `column = value`.
fn equality<'p>(
    mut predicates: impl Iterator<Item = &'p Predicate>,
) -> Option<(&'p sea_query::ColumnRef, &'p sea_query::Value)> {
    let (Some(predicate), None) = (predicates.next(), predicates.next()) else {
        return None;
    };
    let Some(Expr::Binary(left, sea_query::BinOper::Equal, right)) = predicate.plain() else {
        return None;
    };
    match (&**left, &**right) {
        (Expr::Column(column), Expr::Value(value)) => Some((column, value)),
        _ => None,
    }
}

/// A branch's predicates that are not `shared` by every branch.
fn own<'s>(select: &'s Select, shared: &'s [&Predicate]) -> impl Iterator<Item = &'s Predicate> {
    select
        .filters
        .iter()
        .filter(move |filter| !shared.iter().any(|common| same(common, filter)))
}

/// Every branch's predicates, each shared predicate once. The first branch's list is taken
/// as it is: in a chain of intersections it is the fused list of every level below, and
/// checking it against itself at each level made the chain cubic in its depth.
fn all(selects: &[&Select]) -> Vec<Predicate> {
    let Some((first, rest)) = selects.split_first() else {
        return Vec::new();
    };
    let mut seen = first.filters.clone();
    for filter in rest.iter().flat_map(|select| &select.filters) {
        if !seen.iter().any(|kept| same(kept, filter)) {
            seen.push(Predicate::clone(filter));
        }
    }
    seen
}

/// The conjuncts of `p1 AND (p2) IS NOT TRUE AND …`: a row of the first branch that no later
/// branch keeps. A later branch with no filter keeps every row, so nothing is left.
fn first_but_not_rest(first: &Select, rest: &[&Select]) -> Vec<Predicate> {
    let mut conjuncts = first.filters.clone();
    for select in rest {
        conjuncts.push(if select.filters.is_empty() {
            Predicate::new(Expr::Constant(false.into()))
        } else {
            Predicate::none_of(select.filters.clone())
        });
    }
    conjuncts
}

/// For counting: a union of one table's rows as the union of their declared keys, rendered
/// as written. It has as many rows as the union whenever the union could be fused.
pub(crate) fn key_union(node: &Node) -> Option<Node> {
    let Node::Compound(compound) = node else {
        return None;
    };
    if compound.op != crate::combine::SetOp::UNION || compound.slice.is_sliced() {
        return None;
    }
    if !compound.pending.is_empty() {
        // Each branch's keys must be the keys of its filtered rows.
        return key_union(&pushdown::settle((**compound).clone()));
    }
    // A declared key is trusted for ordering, but a count must not depend on it.
    let key = compound.derived_key()?;
    // Only a union that could be fused reads plain rows of one table.
    fuse(compound, &compound.branches)?;
    let branches = compound
        .branches
        .iter()
        .map(|branch| branch.clone().columns(key.clone()))
        .collect();
    Some(Node::Compound(Shared::new(Compound {
        op: compound.op,
        branches,
        pending: Vec::new(),
        orders: Vec::new(),
        slice: compound.slice,
        notes: Vec::new(),
        keep_branches: true,
        unique: None,
        shape: Default::default(),
        lineage: Default::default(),
        non_null: Default::default(),
    })))
}

/// The same predicate: pushdown shares one `Arc` among branches, so identity is the cheap
/// and common case; equal expressions written apart count too. Combinations made by fusion
/// are compared by identity only, since writing them out to compare would cost what fusion
/// saves; two equal ones then stay apart, which is still exact.
fn same(a: &Predicate, b: &Predicate) -> bool {
    Predicate::ptr_eq(a, b) || matches!((a.plain(), b.plain()), (Some(a), Some(b)) if a == b)
}

fn holds(filters: &[Predicate], filter: &Predicate) -> bool {
    filters.iter().any(|candidate| same(candidate, filter))
}
