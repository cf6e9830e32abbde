//! The tree changes behind `first`, `last` and `exists`.

use sea_query::Order;

use crate::query::node::{Node, Shape, SortKey};

/// An unordered set gets an order: its declared key, else its first output column, else
/// the first column by position.
pub(super) fn ensure_ordered(node: Node) -> Node {
    if !node.orders().is_empty() {
        return node;
    }
    let key = match (node.output_key(), node.shape()) {
        (Some(key), _) => SortKey::Name(key.to_owned()),
        (None, Shape::Known(names)) if !names.is_empty() => SortKey::Name(names[0].clone()),
        _ => SortKey::Position(1),
    };
    node.order_by(key, Order::Asc)
}

/// At most the first `n` rows of the set's window. A slice that is already there stays, so
/// this takes from the rows the user sliced.
pub(super) fn take(node: Node, n: u64) -> Node {
    let limit = match &node {
        Node::Select(select) => select.slice.limit,
        Node::Compound(compound) => compound.slice.limit,
        Node::Empty | Node::Invalid(_) => None,
    };
    node.limit(limit.map_or(n, |limit| limit.min(n)))
}
