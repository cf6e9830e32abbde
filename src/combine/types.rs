//! The public combination types. Each is a view of one node of the query tree; the type
//! records how the set was built, while the node records what it now means.

use crate::query::node::Node;
use crate::query::sealed::Sealed;
use crate::query::{QueryChain, QuerySet, node_view};

use super::{SetOp, combine};

/// A union of query sets, kept apart until the query runs.
///
/// ```
/// use setql::prelude::*;
///
/// let a = QuerySet::table("items").filter(Expr::col("category").eq(3));
/// let b = QuerySet::table("items").filter(Expr::col("owner_id").eq(42));
/// let page = a.union(b).filter(Expr::col("status").eq("open")).order_by("score", Order::Desc);
/// // Same-table branches fuse into one SELECT (DISTINCT, as no key is declared) ...
/// assert_eq!(
///     page.to_sql(Dialect::MySql).unwrap(),
///     "SELECT DISTINCT * FROM `items` WHERE (`category` = 3 OR `owner_id` = 42) AND `status` = 'open' ORDER BY `score` DESC"
/// );
/// // ... unless the branches are kept as written; the filter then reaches each branch.
/// let page = page.keep_branches();
/// assert_eq!(
///     page.to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT * FROM "items" WHERE "category" = 3 AND "status" = 'open' UNION SELECT * FROM "items" WHERE "owner_id" = 42 AND "status" = 'open' ORDER BY "score" DESC"#
/// );
/// // PostgreSQL is told to sort NULLs as SQLite and MySQL do, so all three agree.
/// assert_eq!(
///     page.to_sql(Dialect::Postgres).unwrap(),
///     r#"SELECT * FROM "items" WHERE "category" = 3 AND "status" = 'open' UNION (SELECT * FROM "items" WHERE "owner_id" = 42 AND "status" = 'open') ORDER BY "score" DESC NULLS LAST"#
/// );
/// assert_eq!(
///     page.to_sql(Dialect::MySql).unwrap(),
///     "SELECT * FROM `items` WHERE `category` = 3 AND `status` = 'open' UNION (SELECT * FROM `items` WHERE `owner_id` = 42 AND `status` = 'open') ORDER BY `score` DESC"
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use = "a query set runs nothing until it is executed"]
pub struct DelayedUnion {
    node: Node,
}

/// An intersection of query sets, kept apart until the query runs.
///
/// Nested combinations get explicit structure, because SQLite reads operators left to
/// right while PostgreSQL and MySQL bind `INTERSECT` tighter:
///
/// ```
/// use setql::prelude::*;
///
/// let n = |v: i32| QuerySet::table("t").filter(Expr::col("n").eq(v));
/// let set = ((n(1) | n(2)) & (n(2) | n(3))).keep_branches();
/// assert_eq!(
///     set.to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT * FROM (SELECT * FROM "t" WHERE "n" = 1 UNION SELECT * FROM "t" WHERE "n" = 2) AS "m1" INTERSECT SELECT * FROM (SELECT * FROM "t" WHERE "n" = 2 UNION SELECT * FROM "t" WHERE "n" = 3) AS "m2""#
/// );
/// assert_eq!(
///     set.to_sql(Dialect::Postgres).unwrap(),
///     r#"SELECT * FROM (SELECT * FROM "t" WHERE "n" = 1 UNION (SELECT * FROM "t" WHERE "n" = 2)) AS "m1" INTERSECT (SELECT * FROM "t" WHERE "n" = 2 UNION (SELECT * FROM "t" WHERE "n" = 3))"#
/// );
/// assert_eq!(
///     set.to_sql(Dialect::MySql).unwrap(),
///     "SELECT * FROM (SELECT * FROM `t` WHERE `n` = 1 UNION (SELECT * FROM `t` WHERE `n` = 2)) AS `m1` INTERSECT (SELECT * FROM `t` WHERE `n` = 2 UNION (SELECT * FROM `t` WHERE `n` = 3))"
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use = "a query set runs nothing until it is executed"]
pub struct DelayedIntersection {
    node: Node,
}

/// The first query set minus the rest, kept apart until the query runs.
///
/// A filter on a column outside the output reaches the first set only, so rows that were
/// subtracted stay subtracted:
///
/// ```
/// use setql::prelude::*;
///
/// let tags = |owner: i32| {
///     QuerySet::table("tags").filter(Expr::col("owner").eq(owner)).columns(["label"])
/// };
/// let mine_only = (tags(1) - tags(2)).filter(Expr::col("created").gt(2020));
/// assert_eq!(
///     mine_only.to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT "label" FROM "tags" WHERE "owner" = 1 AND "created" > 2020 EXCEPT SELECT "label" FROM "tags" WHERE "owner" = 2"#
/// );
/// assert_eq!(
///     mine_only.to_sql(Dialect::Postgres).unwrap(),
///     r#"SELECT "label" FROM "tags" WHERE "owner" = 1 AND "created" > 2020 EXCEPT (SELECT "label" FROM "tags" WHERE "owner" = 2)"#
/// );
/// assert_eq!(
///     mine_only.to_sql(Dialect::MySql).unwrap(),
///     "SELECT `label` FROM `tags` WHERE `owner` = 1 AND `created` > 2020 EXCEPT (SELECT `label` FROM `tags` WHERE `owner` = 2)"
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use = "a query set runs nothing until it is executed"]
pub struct DelayedDifference {
    node: Node,
}

node_view!(DelayedUnion, DelayedIntersection, DelayedDifference);

fn operands<Q: QueryChain>(sets: impl IntoIterator<Item = Q>) -> Vec<Node> {
    sets.into_iter().map(Sealed::into_node).collect()
}

impl DelayedUnion {
    /// The union of every set, without duplicates. No sets at all is an error when the
    /// union is rendered or run.
    pub fn new<Q: QueryChain>(sets: impl IntoIterator<Item = Q>) -> Self {
        Self::from_node(combine(SetOp::UNION, operands(sets)))
    }

    /// The union of every set, keeping duplicates (`UNION ALL`).
    pub fn all<Q: QueryChain>(sets: impl IntoIterator<Item = Q>) -> Self {
        Self::from_node(combine(SetOp::UNION_ALL, operands(sets)))
    }
}

impl DelayedIntersection {
    /// The rows every set has.
    pub fn new<Q: QueryChain>(sets: impl IntoIterator<Item = Q>) -> Self {
        Self::from_node(combine(SetOp::INTERSECTION, operands(sets)))
    }

    /// The rows every set has, each as often as the set that has it fewest times
    /// (`INTERSECT ALL`).
    pub fn all<Q: QueryChain>(sets: impl IntoIterator<Item = Q>) -> Self {
        Self::from_node(combine(SetOp::INTERSECTION_ALL, operands(sets)))
    }
}

impl DelayedDifference {
    /// The rows of the first set that no other set has.
    pub fn new<Q: QueryChain>(sets: impl IntoIterator<Item = Q>) -> Self {
        Self::from_node(combine(SetOp::DIFFERENCE, operands(sets)))
    }

    /// The rows of the first set, each as often as it has them more than all the others
    /// together (`EXCEPT ALL`, applied left to right).
    pub fn all<Q: QueryChain>(sets: impl IntoIterator<Item = Q>) -> Self {
        Self::from_node(combine(SetOp::DIFFERENCE_ALL, operands(sets)))
    }
}

/// `|` `&` `-` `^` are set operations on query sets (not WHERE merges, as in Django).
macro_rules! set_operators {
    ($($ty:ty),*) => {$(
        impl<Q: QueryChain> std::ops::BitOr<Q> for $ty {
            type Output = DelayedUnion;
            fn bitor(self, other: Q) -> DelayedUnion {
                self.union(other)
            }
        }
        impl<Q: QueryChain> std::ops::BitAnd<Q> for $ty {
            type Output = DelayedIntersection;
            fn bitand(self, other: Q) -> DelayedIntersection {
                self.intersection(other)
            }
        }
        impl<Q: QueryChain> std::ops::Sub<Q> for $ty {
            type Output = DelayedDifference;
            fn sub(self, other: Q) -> DelayedDifference {
                self.difference(other)
            }
        }
        impl<Q: QueryChain> std::ops::BitXor<Q> for $ty {
            type Output = DelayedUnion;
            fn bitxor(self, other: Q) -> DelayedUnion {
                self.symmetric_difference(other)
            }
        }
    )*};
}

set_operators!(
    QuerySet,
    DelayedUnion,
    DelayedIntersection,
    DelayedDifference
);
