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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use sea_query::{BinOper, ColumnRef, Expr, ExprTrait};

use super::node::{Misuse, Node, Shape};

/// A WHERE predicate, the sets its subquery filters read, and whether it calls set-field
/// functions. Shared, because pushdown gives the same predicate to many branches.
#[derive(Debug, Clone)]
pub(crate) struct Predicate(Arc<Body>);

#[derive(Debug)]
struct Body {
    form: Form,
    /// The sets whose markers `expr` holds. A predicate built from several (by fusion) may
    /// carry more than its `expr` still holds; only the ones it holds are rendered.
    subqueries: Vec<Subquery>,
    /// Whether `expr` may hold a set-field function (`set_contains`, …), which the renderer
    /// must write for its engine. Found once, when the predicate is built, so rendering a
    /// predicate without one costs nothing more. A predicate built from several may say so
    /// of a part it no longer holds; the renderer then looks and finds nothing.
    set_functions: bool,
}

/// What a predicate is made of. Fusion combines the predicates of branches that may
/// themselves be fused, level upon level. Writing each combination out as one `Expr` would
/// copy everything below it at every level, which is quadratic in the depth of the tree. So
/// a combination keeps its parts, shared, and its `Expr` is written once, when it is read.
#[derive(Debug)]
enum Form {
    Expr(Expr),
    /// A combination, and its `Expr` once something has read it.
    Combined(Combination, OnceLock<Expr>),
}

#[derive(Debug)]
enum Combination {
    /// `(a1 AND a2 …) OR (b1 AND …) OR …`.
    AnyOf(Vec<Vec<Predicate>>),
    /// `(p1 AND p2 …) IS NOT TRUE`.
    NoneOf(Vec<Predicate>),
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
            form: Form::Expr(expr),
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
            form: Form::Expr(expr),
            subqueries: self.0.subqueries.clone(),
            set_functions,
        }))
    }

    /// `expr`, built from `parts` (e.g. their OR), reading the sets they read.
    pub(crate) fn gathering<'p>(
        expr: Expr,
        parts: impl IntoIterator<Item = &'p Predicate>,
    ) -> Predicate {
        Predicate::of_parts(Form::Expr(expr), parts)
    }

    /// `(a1 AND a2 …) OR (b1 AND …) OR …` over `groups`, none of them empty, with the parts
    /// kept as they are (see [`Form`]).
    pub(crate) fn any_of(groups: Vec<Vec<Predicate>>) -> Predicate {
        debug_assert!(groups.iter().all(|group| !group.is_empty()));
        let parts: Vec<Predicate> = groups.iter().flatten().cloned().collect();
        Predicate::of_parts(Form::combined(Combination::AnyOf(groups)), &parts)
    }

    /// `(p1 AND p2 …) IS NOT TRUE` over `parts`, which must not be empty.
    pub(crate) fn none_of(parts: Vec<Predicate>) -> Predicate {
        debug_assert!(!parts.is_empty());
        let gathered = parts.clone();
        Predicate::of_parts(Form::combined(Combination::NoneOf(parts)), &gathered)
    }

    fn of_parts<'p>(form: Form, parts: impl IntoIterator<Item = &'p Predicate>) -> Predicate {
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
            form,
            subqueries,
            set_functions,
        }))
    }

    /// The expression when the predicate was written as one, not combined by fusion; what
    /// planning looks at without writing a combination out.
    pub(crate) fn plain(&self) -> Option<&Expr> {
        match &self.0.form {
            Form::Expr(expr) => Some(expr),
            _ => None,
        }
    }

    /// The predicate's expression, owned, written out from the parts where it was combined.
    pub(crate) fn to_expr(&self) -> Expr {
        self.0.form.write()
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
        Ok(match Arc::try_unwrap(self.0) {
            Ok(Body {
                form: Form::Expr(expr),
                ..
            }) => expr,
            Ok(body) => body.form.write(),
            Err(shared) => shared.form.write(),
        })
    }
}

impl Form {
    fn combined(combination: Combination) -> Form {
        Form::Combined(combination, OnceLock::new())
    }

    /// The expression, built from the parts without keeping what is built below this level:
    /// a level's expression is kept only where that level itself is read.
    fn write(&self) -> Expr {
        match self {
            Form::Expr(expr) => expr.clone(),
            Form::Combined(combination, written) => written
                .get()
                .cloned()
                .unwrap_or_else(|| combination.write()),
        }
    }
}

impl Combination {
    fn write(&self) -> Expr {
        crate::recursion::deeper(|| self.write_here())
    }

    fn write_here(&self) -> Expr {
        let conjunction = |parts: &[Predicate]| {
            parts
                .iter()
                .map(Predicate::to_expr)
                .reduce(ExprTrait::and)
                .unwrap_or_else(|| Expr::Constant(true.into()))
        };
        match self {
            Combination::AnyOf(groups) => groups
                .iter()
                .map(|group| conjunction(group))
                .reduce(ExprTrait::or)
                .unwrap_or_else(|| Expr::Constant(false.into())),
            Combination::NoneOf(parts) => conjunction(parts).is_not(Expr::Constant(true.into())),
        }
    }
}

impl std::ops::Deref for Predicate {
    type Target = Expr;

    fn deref(&self) -> &Expr {
        match &self.0.form {
            Form::Expr(expr) => expr,
            Form::Combined(combination, written) => written.get_or_init(|| combination.write()),
        }
    }
}

impl PartialEq for Predicate {
    fn eq(&self, other: &Predicate) -> bool {
        if Predicate::ptr_eq(self, other) {
            return true;
        }
        match (self.plain(), other.plain()) {
            (Some(a), Some(b)) => a == b,
            _ => self.to_expr() == other.to_expr(),
        }
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
            form: Form::Expr(expr),
            subqueries: vec![subquery],
            set_functions: false,
        }))
    }
}
