//! Columns declared NOT NULL, and the exclusions they make simpler.
//!
//! `exclude(p)` keeps the rows where `p` is false or NULL, so it renders `(p) IS NOT TRUE`,
//! which no engine reads as an index range. Where `p` can never be NULL, `NOT p` keeps the
//! same rows, and a single comparison can be inverted outright (`status <> 'closed'`). `p`
//! is never NULL when it reads only columns declared NOT NULL, holds no NULL value, and is
//! built only from comparisons, AND, OR, NOT and arithmetic that cannot yield NULL.

use sea_query::{BinOper, ColumnRef, Expr, ExprTrait, UnOper, Value};

use super::node::{Compound, Node, NonNullCache, Select, Shape, Source};
use super::predicate::is_column_named;
use super::shared::Shared;
use crate::combine::SetKind;

impl Select {
    /// The output columns that hold no NULL: source columns declared NOT NULL, and computed
    /// columns that cannot be NULL over them (a literal label, `id * 2`).
    pub(crate) fn non_null_outputs(&self) -> Vec<String> {
        let from_source = self.not_null.iter().filter(|name| {
            match self.projection.columns.iter().find(|c| c.name == **name) {
                Some(column) => is_column_named(&column.expr, name),
                None => self.projection.whole_source,
            }
        });
        let mut names: Vec<String> = from_source.cloned().collect();
        names.extend(self.never_null_computed());
        names
    }

    /// The columns this SELECT's predicates and ordering can name that hold no NULL: those
    /// of its source known to hold none (the table's declared columns, or a derived table's
    /// non-null outputs), unless a computed output column shadows the name, and computed
    /// columns that cannot be NULL.
    pub(crate) fn non_null_readable(&self) -> Vec<String> {
        let mut names = self.source_non_null();
        names.extend(self.never_null_computed());
        names
    }

    /// The source's columns known to hold no NULL, unless a computed output shadows them.
    fn source_non_null(&self) -> Vec<String> {
        self.not_null
            .iter()
            .filter(|name| {
                self.output_expr(name)
                    .is_none_or(|expr| is_column_named(expr, name))
            })
            .cloned()
            .collect()
    }

    /// Computed output columns whose expression cannot be NULL over the source's non-null
    /// columns. A grouped SELECT's aggregates are not among them: an empty group's SUM is.
    fn never_null_computed(&self) -> impl Iterator<Item = String> + '_ {
        let source = if self.group.is_none() {
            self.source_non_null()
        } else {
            Vec::new()
        };
        self.projection.columns.iter().filter_map(move |column| {
            let computed = !is_column_named(&column.expr, &column.name);
            (computed && self.group.is_none() && never_null(&column.expr, &source))
                .then(|| column.name.clone())
        })
    }
}

impl Node {
    /// The output columns of this set that hold no NULL.
    pub(crate) fn non_null_outputs(&self) -> Vec<String> {
        match self {
            Node::Select(select) => select.non_null_outputs(),
            Node::Compound(compound) => compound.non_null_columns(),
            Node::Empty | Node::Invalid(_) => Vec::new(),
        }
    }
}

impl Compound {
    /// The output columns that hold no NULL, worked out once and shared by the compound's
    /// copies.
    pub(crate) fn non_null_columns(&self) -> Vec<String> {
        crate::recursion::deeper(|| {
            self.non_null
                .0
                .get_or_init(|| self.non_null_outputs())
                .clone()
        })
    }
}

impl Compound {
    /// See [`Node::non_null_outputs`]; worked out from the branches.
    fn non_null_outputs(&self) -> Vec<String> {
        let Some((first, rest)) = self.branches.split_first() else {
            return Vec::new();
        };
        let mut names = first.non_null_outputs();
        if self.op.kind == SetKind::Union {
            // A union's column holds no NULL only if no branch puts one there; the branches
            // line up by position.
            let outer = first.shape();
            for branch in rest {
                let own = branch.non_null_outputs();
                let shape = branch.shape();
                names.retain(|name| match (&outer, &shape) {
                    (Shape::Known(outer), Shape::Known(theirs)) => outer
                        .iter()
                        .position(|n| n == name)
                        .and_then(|at| theirs.get(at))
                        .is_some_and(|theirs| own.contains(theirs)),
                    _ => outer == shape && own.contains(name),
                });
            }
        }
        // An intersection's or difference's rows are rows of its first branch.
        names
    }
}

impl Node {
    /// Declares columns of this set's table NOT NULL.
    pub(crate) fn not_null(self, columns: Vec<String>) -> Node {
        match self {
            Node::Select(mut select) if matches!(select.source, Source::Table(_)) => {
                select.not_null.extend(columns);
                Node::Select(select)
            }
            other => other,
        }
    }

    /// The columns a predicate on this set can read that hold no NULL: over a table, every
    /// declared column a computed output does not shadow; otherwise the output columns.
    fn non_null_readable(&self) -> Vec<String> {
        match self {
            Node::Select(select) if matches!(select.source, Source::Table(_)) => {
                select.non_null_readable()
            }
            other => other.non_null_outputs(),
        }
    }

    /// `exclude(p)`: the rows where `p` is not true. Written as `NOT p`, or the inverted
    /// comparison, where `p` cannot be NULL on these rows; otherwise `(p) IS NOT TRUE`.
    pub(crate) fn exclusion(&self, predicate: Expr) -> Expr {
        let non_null = self.non_null_readable();
        if non_null.is_empty() || !never_null(&predicate, &non_null) {
            return predicate.is_not(Expr::Constant(true.into()));
        }
        match predicate {
            Expr::Binary(left, op, right) if inverse(op).is_some() => {
                Expr::Binary(left, inverse(op).unwrap_or(op), right)
            }
            other => other.not(),
        }
    }
}

/// The comparison that is true exactly where `op` is false, for non-NULL operands.
fn inverse(op: BinOper) -> Option<BinOper> {
    Some(match op {
        BinOper::Equal => BinOper::NotEqual,
        BinOper::NotEqual => BinOper::Equal,
        BinOper::SmallerThan => BinOper::GreaterThanOrEqual,
        BinOper::GreaterThanOrEqual => BinOper::SmallerThan,
        BinOper::GreaterThan => BinOper::SmallerThanOrEqual,
        BinOper::SmallerThanOrEqual => BinOper::GreaterThan,
        BinOper::In => BinOper::NotIn,
        BinOper::NotIn => BinOper::In,
        _ => return None,
    })
}

/// Whether `expr` is TRUE or FALSE on every row whose `non_null` columns hold values.
fn never_null(expr: &Expr, non_null: &[String]) -> bool {
    match expr {
        Expr::Column(ColumnRef::Column(name)) => non_null.iter().any(|n| *n == name.1.inner()),
        Expr::Value(value) | Expr::Constant(value) => !is_null(value),
        Expr::Values(values) => !values.iter().any(is_null),
        Expr::Tuple(items) => items.iter().all(|item| never_null(item, non_null)),
        Expr::Unary(UnOper::Not, inner) => never_null(inner, non_null),
        Expr::Binary(left, op, right) => {
            // Division and modulo give NULL for a zero divisor on SQLite and MySQL.
            let total = matches!(
                op,
                BinOper::And
                    | BinOper::Or
                    | BinOper::Equal
                    | BinOper::NotEqual
                    | BinOper::SmallerThan
                    | BinOper::GreaterThan
                    | BinOper::SmallerThanOrEqual
                    | BinOper::GreaterThanOrEqual
                    | BinOper::In
                    | BinOper::NotIn
                    | BinOper::Like
                    | BinOper::NotLike
                    | BinOper::Add
                    | BinOper::Sub
                    | BinOper::Mul
            );
            total && never_null(left, non_null) && never_null(right, non_null)
        }
        _ => false,
    }
}

fn is_null(value: &Value) -> bool {
    !value.is_some()
}

/// What the database's catalog says of one table.
#[derive(Debug, Clone)]
pub(crate) struct TableFacts {
    /// Its NOT NULL columns.
    pub(crate) not_null: std::sync::Arc<[String]>,
    /// The columns of each of its ordered indexes, in order, up to the first expression.
    pub(crate) indexes: Indexes,
    /// About how many rows it holds, by the engine's statistics; `None` when they have
    /// none (a PostgreSQL table never analyzed, SQLite).
    pub(crate) rows: Option<u64>,
}

/// The columns of a table's ordered indexes; see [`TableFacts`].
pub(crate) type Indexes = std::sync::Arc<[std::sync::Arc<[String]>]>;

/// What the catalog says of a table, when it was read.
pub(crate) type Catalog<'k> = &'k dyn Fn(&str) -> Option<TableFacts>;

impl Node {
    /// This set, with every column the catalog says is NOT NULL declared so, as though the
    /// caller had declared it, and what else it says of its tables; `None` when it adds nothing
    /// to what is known.
    /// Derived tables and combinations above such a table learn it too.
    pub(crate) fn with_catalog(&self, catalog: Catalog<'_>) -> Option<Node> {
        crate::recursion::deeper(|| match self {
            Node::Select(select) => {
                let (learnt, facts) = match &select.source {
                    Source::Table(table) => {
                        let facts = catalog(&table.inner())?;
                        let learnt = facts
                            .not_null
                            .iter()
                            .filter(|column| !select.not_null.contains(column))
                            .cloned()
                            .collect::<Vec<_>>();
                        (learnt, facts)
                    }
                    Source::Derived(inner) => {
                        let inner = inner.with_catalog(catalog)?;
                        let mut select = select.clone();
                        let outputs = inner.non_null_outputs();
                        // A grouped SELECT's own outputs are its grouping columns and aggregates.
                        let readable: Vec<String> = match &select.group {
                            Some(group) => outputs
                                .into_iter()
                                .filter(|name| group.by.contains(name))
                                .collect(),
                            None => outputs,
                        };
                        for name in readable {
                            if !select.not_null.contains(&name) {
                                select.not_null.push(name);
                            }
                        }
                        select.source = Source::Derived(Box::new(inner));
                        return Some(Node::Select(select));
                    }
                    Source::Adopted(_) => return None,
                };
                if learnt.is_empty() && select.facts.is_some() {
                    return None;
                }
                let mut select = select.clone();
                select.not_null.extend(learnt);
                select.facts = Some(facts);
                Some(Node::Select(select))
            }
            Node::Compound(compound) => {
                let learnt: Vec<Option<Node>> = compound
                    .branches
                    .iter()
                    .map(|branch| branch.with_catalog(catalog))
                    .collect();
                if learnt.iter().all(Option::is_none) {
                    return None;
                }
                let branches = learnt
                    .into_iter()
                    .zip(&compound.branches)
                    .map(|(learnt, branch)| learnt.unwrap_or_else(|| branch.clone()))
                    .collect();
                let mut compound = (**compound).clone();
                compound.branches = branches;
                // Its non-null columns are those of the branches, which now know more.
                compound.non_null = NonNullCache::default();
                Some(Node::Compound(Shared::new(compound)))
            }
            Node::Empty | Node::Invalid(_) => None,
        })
    }
}
