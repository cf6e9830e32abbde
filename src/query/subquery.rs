//! A set used as a filter in another query: `filter_in(column, &set)` and
//! `exclude_in(column, &set)`.
//!
//! A predicate stays a sea-query [`Expr`], so pushdown, renaming and fusion treat a subquery
//! filter like any other predicate. The set itself cannot live in an `Expr`, whose parts are
//! plain data, and it must not be rendered before the outer query's dialect is known (a
//! nested union needs derived tables on SQLite). So the `Expr` holds a *placeholder*,
//! `column IN <marker>`, and the [`Predicate`] carries the set beside it. The renderer swaps
//! each marker for the set, rendered for the outer query's dialect by the same renderer.
//!
//! The set never reads the outer row, so the only column the predicate reads is `column`:
//! that is what pushdown renames per branch, and what the difference rule looks at.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_query::{BinOper, ColumnRef, Expr, ExprTrait};

use super::node::{Misuse, Node, Shape};

/// A WHERE predicate, the sets its subquery filters read, and whether it calls set-field
/// functions. Shared, because pushdown gives the same predicate to many branches.
#[derive(Debug, Clone)]
pub(crate) struct Predicate(Arc<Body>);

#[derive(Debug)]
struct Body {
    expr: Expr,
    /// The sets whose markers `expr` holds. A predicate built from several (by fusion) may
    /// carry more than its `expr` still holds; only the ones it holds are rendered.
    subqueries: Vec<Subquery>,
    /// Whether `expr` may hold a set-field function (`set_contains`, …), which the renderer
    /// must write for its engine. Found once, when the predicate is built, so rendering a
    /// predicate without one costs nothing more. A predicate built from several may say so
    /// of a part it no longer holds; the renderer then looks and finds nothing.
    set_functions: bool,
}

/// A set that a predicate tests membership in, and the marker that stands for it.
#[derive(Debug, Clone)]
pub(crate) struct Subquery {
    id: u64,
    pub(crate) node: Arc<Node>,
}

/// Marker ids are unique in the process, so equal markers always stand for the same set, and
/// two predicates compare equal exactly when their expressions do.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The text of a marker. The NUL bytes make a marker that reached an engine unrendered fail
/// loudly instead of changing the rows.
const MARKER_PREFIX: &str = "\u{0}setql:subquery:";

impl Predicate {
    /// A predicate that reads no set.
    pub(crate) fn new(expr: Expr) -> Self {
        let set_functions = crate::set_field::holds_function(&expr);
        Predicate(Arc::new(Body {
            expr,
            subqueries: Vec::new(),
            set_functions,
        }))
    }

    pub(crate) fn ptr_eq(a: &Predicate, b: &Predicate) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// `expr`, a rewriting of this predicate, still reading this predicate's sets. A rewrite
    /// may bring set-field functions in (a computed output column resolved to its
    /// expression), so `expr` is looked at again.
    pub(crate) fn with_expr(&self, expr: Expr) -> Predicate {
        let set_functions = self.0.set_functions || crate::set_field::holds_function(&expr);
        Predicate(Arc::new(Body {
            expr,
            subqueries: self.0.subqueries.clone(),
            set_functions,
        }))
    }

    /// `expr`, built from `parts` (e.g. their OR), reading the sets they read.
    pub(crate) fn gathering<'p>(
        expr: Expr,
        parts: impl IntoIterator<Item = &'p Predicate>,
    ) -> Predicate {
        let mut subqueries: Vec<Subquery> = Vec::new();
        let mut set_functions = false;
        for part in parts {
            set_functions |= part.0.set_functions;
            for subquery in &part.0.subqueries {
                if !subqueries.iter().any(|known| known.id == subquery.id) {
                    subqueries.push(subquery.clone());
                }
            }
        }
        Predicate(Arc::new(Body {
            expr,
            subqueries,
            set_functions,
        }))
    }

    /// The sets this predicate's markers stand for.
    pub(crate) fn subqueries(&self) -> &[Subquery] {
        &self.0.subqueries
    }

    /// Whether the predicate may call set-field functions, which must be rendered first.
    pub(crate) fn calls_set_functions(&self) -> bool {
        self.0.set_functions
    }

    /// The expression of a predicate that reads no set and calls no set-field function,
    /// moved out when nothing else shares it; `Err(self)` when it does, since those must be
    /// rendered first.
    pub(crate) fn into_plain_expr(self) -> Result<Expr, Predicate> {
        if !self.0.subqueries.is_empty() || self.0.set_functions {
            return Err(self);
        }
        Ok(Arc::try_unwrap(self.0).map_or_else(|shared| shared.expr.clone(), |body| body.expr))
    }
}

impl std::ops::Deref for Predicate {
    type Target = Expr;

    fn deref(&self) -> &Expr {
        &self.0.expr
    }
}

impl PartialEq for Predicate {
    fn eq(&self, other: &Predicate) -> bool {
        self.0.expr == other.0.expr
    }
}

impl Subquery {
    fn new(node: Node) -> Self {
        Subquery {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            node: Arc::new(node),
        }
    }

    /// The expression that stands for this set until it is rendered.
    fn marker(&self) -> Expr {
        Expr::cust(format!("{MARKER_PREFIX}{}\u{0}", self.id))
    }

    /// Whether `marker` stands for this set.
    pub(crate) fn is_marked_by(&self, marker: &str) -> bool {
        marker_id(marker) == Some(self.id)
    }
}

/// The set id a marker's text names, or `None` for any other raw SQL.
pub(crate) fn marker_id(sql: &str) -> Option<u64> {
    sql.strip_prefix(MARKER_PREFIX)?
        .strip_suffix('\u{0}')?
        .parse()
        .ok()
}

/// Whether `expr` is a marker standing for a set.
pub(crate) fn is_marker(expr: &Expr) -> bool {
    matches!(expr, Expr::Custom(sql) if marker_id(sql).is_some())
}

impl Node {
    /// The rows whose `column` is in `set`.
    pub(crate) fn filter_in(self, column: ColumnRef, set: &Node) -> Node {
        let subquery = match self.membership(set) {
            Ok(Some(subquery)) => subquery,
            // Nothing is in the empty set.
            Ok(None) => return Node::Empty,
            Err(invalid) => return invalid,
        };
        let member = Expr::Column(column).binary(BinOper::In, subquery.marker());
        self.filter(Predicate::reading(member, subquery))
    }

    /// The rows whose `column` is not in `set`, a NULL `column` included.
    ///
    /// `column NOT IN (set)` is never true once the set holds a NULL (`2 NOT IN (1, NULL)`
    /// is NULL), and is NULL for a NULL column. `(column IN (set)) IS NOT TRUE` is true
    /// exactly when no member equals the column, so it keeps both kinds of row.
    pub(crate) fn exclude_in(self, column: ColumnRef, set: &Node) -> Node {
        let subquery = match self.membership(set) {
            Ok(Some(subquery)) => subquery,
            // Nothing is in the empty set, so nothing is dropped.
            Ok(None) => return self,
            Err(invalid) => return invalid,
        };
        let member = Expr::Column(column).binary(BinOper::In, subquery.marker());
        let outside = member.is_not(Expr::Constant(true.into()));
        self.filter(Predicate::reading(outside, subquery))
    }

    /// `set` as a subquery, `None` for the empty set, or the invalid node to return.
    fn membership(&self, set: &Node) -> Result<Option<Subquery>, Node> {
        if matches!(self, Node::Invalid(_)) {
            return Err(self.clone());
        }
        match set {
            Node::Invalid(_) => return Err(set.clone()),
            Node::Empty => return Ok(None),
            Node::Select(_) | Node::Compound(_) => {}
        }
        let columns = match set.shape() {
            Shape::Known(names) if names.len() == 1 => return Ok(Some(Subquery::new(set.clone()))),
            Shape::Known(names) => names,
            // `t.*` and a computed column are two columns at least.
            Shape::WholeTable { table, extras } if !extras.is_empty() => {
                let mut columns = vec![format!("{}.*", table.inner())];
                columns.extend(extras);
                columns
            }
            // How many columns `t.*` or an adopted statement has is for the engine to say.
            Shape::WholeTable { .. } | Shape::Unknown => {
                return Ok(Some(Subquery::new(set.clone())));
            }
        };
        Err(Node::Invalid(Misuse::SubqueryColumns(columns)))
    }
}

impl Predicate {
    /// `expr`, which holds the marker of `subquery`.
    fn reading(expr: Expr, subquery: Subquery) -> Predicate {
        Predicate(Arc::new(Body {
            expr,
            subqueries: vec![subquery],
            set_functions: false,
        }))
    }
}
