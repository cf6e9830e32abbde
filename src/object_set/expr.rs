//! Set algebra on stored sets that runs nothing until asked: `&a | &b`, `&a & &b`, `&a - &b`
//! and `&a ^ &b`, counted, fetched and filtered like any query set, and saved as a new set.

use std::ops::{BitAnd, BitOr, BitXor, Sub};

use futures::future::BoxFuture;
use sea_query::{Alias, Expr, ExprTrait};

use super::{Kind, ObjectSet};
use crate::combine::{SetOp, combine};
use crate::error::Result;
use crate::execute::{Backend, Executor, OnConnection as _};
use crate::query::node::{Misuse, Node};
use crate::query::sealed::Sealed;
use crate::query::{QueryChain, QuerySet, node_view};

/// The ids of an object set or set expression: a query set with one column, `object_id`.
///
/// Use it with `filter_in`/`exclude_in` on any query set, or run it like any other.
#[derive(Debug, Clone)]
#[must_use = "a query set runs nothing until it is executed"]
pub struct MemberIds {
    node: Node,
}

node_view!(MemberIds);

impl MemberIds {
    /// `SELECT object_id FROM members WHERE set_id = ? AND removed = FALSE`.
    pub(super) fn of(set: &ObjectSet) -> Self {
        let rows = set.member_rows(false).columns([Alias::new("object_id")]);
        MemberIds::from_node(rows.into_node())
    }
}

/// A lazy combination of stored sets of one kind.
///
/// Nothing runs until it is counted, read or saved; each reads the sets as they are then.
///
/// ```
/// use setql::object_set::{ObjectSet, SetExpr};
/// # fn show(a: &ObjectSet, b: &ObjectSet, c: &ObjectSet) {
/// let either_not_c: SetExpr = (a | b) - c;
/// let in_one_only: SetExpr = a ^ b;
/// # let _ = (either_not_c, in_one_only);
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a set expression runs nothing until it is counted, read or saved"]
pub struct SetExpr {
    kind: Kind,
    ids: Node,
    operands: Vec<i64>,
}

impl SetExpr {
    fn stored(set: &ObjectSet) -> Self {
        SetExpr {
            kind: set.kind().clone(),
            ids: set.ids().into_node(),
            operands: vec![set.id()],
        }
    }

    /// `self op other`. Sets another store or owner cannot see are refused as not found,
    /// and sets of another kind as a kind mismatch, when the expression runs.
    fn combined(self, op: Operator, other: SetExpr) -> Self {
        let ids = match self.kind.check_operand(&other.kind) {
            Err(crate::Error::KindMismatch { left, right }) => {
                Node::Invalid(Misuse::KindMismatch(left, right))
            }
            Err(_) => Node::Invalid(Misuse::ForeignSet),
            Ok(()) => {
                let (left, right) = (self.ids, other.ids);
                match op {
                    Operator::Union => combine(SetOp::UNION, vec![left, right]),
                    Operator::Intersection => combine(SetOp::INTERSECTION, vec![left, right]),
                    Operator::Difference => combine(SetOp::DIFFERENCE, vec![left, right]),
                    Operator::SymmetricDifference => {
                        let only_left =
                            combine(SetOp::DIFFERENCE, vec![left.clone(), right.clone()]);
                        let only_right = combine(SetOp::DIFFERENCE, vec![right, left]);
                        combine(SetOp::UNION, vec![only_left, only_right])
                    }
                }
            }
        };
        let mut operands = self.operands;
        operands.extend(other.operands);
        SetExpr {
            kind: self.kind,
            ids,
            operands,
        }
    }

    /// The kind of the sets combined.
    #[must_use]
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// The ids in the combination, a one-column query set (`object_id`).
    pub fn ids(&self) -> MemberIds {
        MemberIds::from_node(self.ids.clone())
    }

    /// The rows of the kind's table in the combination, with its key declared.
    pub fn members(&self) -> QuerySet {
        QuerySet::table(Alias::new(&self.kind.table))
            .primary_key(Alias::new(&self.kind.key))
            .filter_in(Alias::new(&self.kind.key), &self.ids())
    }

    /// How many members the combination has now: the true count, before any save.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) or
    /// [`Error::KindMismatch`](crate::Error::KindMismatch) for sets that cannot be
    /// combined, before anything is sent; [`Error::Query`](crate::Error::Query) otherwise.
    pub fn count<'s, 'a: 's, E, DB>(&'s self, executor: E) -> BoxFuture<'s, Result<u64>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let mut conn = executor.acquire().await?;
            self.ids().count_on::<DB>(&mut *conn).await
        })
    }

    /// Whether the row with key `id` is in the combination.
    ///
    /// # Errors
    /// As [`count`](Self::count).
    pub fn contains<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        id: i64,
    ) -> BoxFuture<'s, Result<bool>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move {
            let mut conn = executor.acquire().await?;
            let one = self.ids().filter(Expr::col(Alias::new("object_id")).eq(id));
            one.exists_on::<DB>(&mut *conn).await
        })
    }

    /// Saves the combination as a new set named `name`, in one `INSERT … SELECT`, with
    /// the sets it reads locked so they are read as committed.
    ///
    /// # Errors
    /// As [`Kind::create`].
    pub fn save_as<'s, 'a: 's, E, DB>(
        &'s self,
        executor: E,
        name: &'s str,
    ) -> BoxFuture<'s, Result<ObjectSet>>
    where
        E: Executor<'a, Database = DB> + 's,
        DB: Backend,
    {
        Box::pin(async move { self.kind.create(executor, name, self).await })
    }

    /// The ids of the stored sets the combination reads.
    pub(super) fn operands(&self) -> Vec<i64> {
        self.operands.clone()
    }
}

#[derive(Clone, Copy)]
enum Operator {
    Union,
    Intersection,
    Difference,
    SymmetricDifference,
}

/// Implements one operator for every pairing of `&ObjectSet` and `SetExpr`.
macro_rules! operator {
    ($trait:ident, $method:ident, $op:expr) => {
        impl $trait<&ObjectSet> for &ObjectSet {
            type Output = SetExpr;
            fn $method(self, other: &ObjectSet) -> SetExpr {
                SetExpr::stored(self).combined($op, SetExpr::stored(other))
            }
        }
        impl $trait<SetExpr> for &ObjectSet {
            type Output = SetExpr;
            fn $method(self, other: SetExpr) -> SetExpr {
                SetExpr::stored(self).combined($op, other)
            }
        }
        impl $trait<&ObjectSet> for SetExpr {
            type Output = SetExpr;
            fn $method(self, other: &ObjectSet) -> SetExpr {
                self.combined($op, SetExpr::stored(other))
            }
        }
        impl $trait<SetExpr> for SetExpr {
            type Output = SetExpr;
            fn $method(self, other: SetExpr) -> SetExpr {
                self.combined($op, other)
            }
        }
    };
}

operator!(BitOr, bitor, Operator::Union);
operator!(BitAnd, bitand, Operator::Intersection);
operator!(Sub, sub, Operator::Difference);
operator!(BitXor, bitxor, Operator::SymmetricDifference);
