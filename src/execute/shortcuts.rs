//! The tree changes behind `first`, `last` and `exists`.

use crate::query::node::Node;

/// See [`Node::ensure_ordered`].
pub(super) fn ensure_ordered(node: Node) -> Node {
    node.ensure_ordered()
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
