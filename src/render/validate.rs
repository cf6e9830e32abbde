//! Misuse that can be found from the tree alone, reported before any SQL is sent.

use crate::error::{Error, Result};
use crate::query::node::{Compound, Node, Select, Shape, SortKey, Source};
use crate::query::predicate::ColumnUse;

/// Branches must agree on their column count where it is known, and a combination can only
/// be ordered by its output columns.
pub(super) fn compound(compound: &Compound) -> Result<()> {
    let operation = compound.op.name();
    let Some(first) = compound.branches.first() else {
        return Err(Error::EmptyCombination { operation });
    };
    let first_shape = first.shape();
    if let Some(expected) = first_shape.names().map(<[String]>::len) {
        for (branch, node) in compound.branches.iter().enumerate().skip(1) {
            if let Some(found) = node.shape().names().map(<[String]>::len)
                && found != expected
            {
                return Err(Error::ColumnCountMismatch {
                    operation,
                    branch,
                    expected,
                    found,
                });
            }
        }
    }
    check_order_names(&compound.orders, &first_shape)
}

/// A SELECT over a derived table sees only that table's output columns.
pub(super) fn derived_select(select: &Select, inner: &Node) -> Result<()> {
    let inner_shape = inner.shape();
    let Some(available) = inner_shape.names() else {
        return Ok(());
    };
    for filter in &select.filters {
        let uses = ColumnUse::of(filter);
        if let Some(missing) = uses.names.iter().find(|name| !available.contains(name)) {
            return Err(unknown(missing, available));
        }
    }
    derived_orders(select, available)
}

/// A SELECT over a derived table orders by that table's columns and its own new ones.
fn derived_orders(select: &Select, available: &[String]) -> Result<()> {
    let mut visible = available.to_vec();
    visible.extend(select.projection.columns.iter().map(|c| c.name.clone()));
    check_order_names(&select.orders, &Shape::Known(visible))
}

/// The checks rendering makes of a node's own ordering, for a caller that drops the
/// ordering instead of rendering it (`count`, which must refuse what `fetch_all` refuses).
pub(super) fn ordering(node: &Node) -> Result<()> {
    match node {
        Node::Select(select) => {
            distinct_orders(select)?;
            match &select.source {
                Source::Derived(inner) => match inner.shape().names() {
                    Some(available) => derived_orders(select, available),
                    None => Ok(()),
                },
                Source::Table(_) | Source::Adopted(_) => Ok(()),
            }
        }
        Node::Compound(compound) => match compound.branches.first() {
            Some(first) => check_order_names(&compound.orders, &first.shape()),
            None => Ok(()),
        },
        Node::Empty | Node::Invalid(_) => Ok(()),
    }
}

fn check_order_names(orders: &[crate::query::node::Sort], shape: &Shape) -> Result<()> {
    let Some(available) = shape.names() else {
        return Ok(());
    };
    for sort in orders {
        if let SortKey::Name(name) = &sort.key
            && !available.contains(name)
        {
            return Err(unknown(name, available));
        }
    }
    Ok(())
}

fn unknown(column: &str, available: &[String]) -> Error {
    Error::UnknownColumn {
        column: column.to_owned(),
        available: available.to_vec(),
    }
}

/// SELECT DISTINCT can only be ordered by what it selects (PostgreSQL and MySQL refuse the
/// rest, SQLite and MariaDB order by something arbitrary), so setql refuses it everywhere
/// the ordering is rendered. A branch of a set operation and a count drop their ordering
/// before they get here, so there it is not refused.
pub(super) fn distinct_orders(select: &Select) -> Result<()> {
    if !select.distinct {
        return Ok(());
    }
    let shape = select.shape();
    let Some(output) = shape.names() else {
        return Ok(());
    };
    for sort in &select.orders {
        if let SortKey::Name(name) = &sort.key
            && !output.contains(name)
        {
            if !select.distinct_after_order {
                // An ordering added to the distinct rows names a column they do not have.
                return Err(unknown(name, output));
            }
            return Err(Error::DistinctLosesOrder {
                column: name.clone(),
            });
        }
    }
    Ok(())
}
