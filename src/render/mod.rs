//! Lowers the node tree to one sea-query statement for one dialect.
//!
//! Every engine quirk lives here:
//! - sea-query keeps a compound as one flat list on the left-most statement, whose ORDER BY
//!   and LIMIT apply to the whole compound. So the first member never carries its own, and a
//!   nested or sliced first member becomes a derived table.
//! - SQLite has no parenthesised members, so there every nested or sliced member becomes a
//!   derived table; PostgreSQL and MySQL get sea-query's parentheses.
//! - Two different operators never share one flat list, so precedence never matters.

mod adopted;
mod assignments;
mod count;
mod emulate;
mod explain;
mod grouping;
pub(crate) mod object_set;
mod ordering;
mod set_field;
mod subquery;
#[cfg(test)]
mod tests;
mod validate;
mod write;
mod writer;

pub(crate) use count::render_count;
pub(crate) use explain::{PlanNote, explain};
use ordering::{apply_order_and_slice, orders_by_expression, with_tie_breakers};
pub(crate) use write::{Write, WriteStatement, render_write};

use sea_query::{Asterisk, DynIden, Expr, ExprTrait, Query, SelectStatement, UnionType, Values};

use crate::Dialect;
use crate::combine::{SetKind, SetOp};
use crate::dialect::{Capabilities, SetOperation, Support};
use crate::error::Result;
use crate::query::node::{Compound, Node, Select, Sort, SortKey, Source};

/// A rendered query set: one statement, or nothing to run for a set that is empty by
/// construction.
#[derive(Debug, Clone)]
pub(crate) enum Statement {
    Select {
        statement: Box<SelectStatement>,
        /// Whether a member carries the `ALL` marker the writer must replace.
        all_markers: bool,
    },
    /// No query runs for it; it still prints as SQL that returns no rows.
    Empty,
}

impl Statement {
    pub(crate) fn to_string(&self, dialect: Dialect) -> String {
        crate::recursion::written(|| writer::to_string(&self.select(), dialect, self.all_markers()))
    }

    pub(crate) fn build(&self, dialect: Dialect) -> (String, Values) {
        crate::recursion::written(|| writer::build(&self.select(), dialect))
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Statement::Empty)
    }

    fn all_markers(&self) -> bool {
        matches!(
            self,
            Statement::Select {
                all_markers: true,
                ..
            }
        )
    }

    fn select(&self) -> std::borrow::Cow<'_, SelectStatement> {
        match self {
            Statement::Select { statement, .. } => std::borrow::Cow::Borrowed(statement),
            Statement::Empty => std::borrow::Cow::Owned(empty_select()),
        }
    }
}

/// A statement that returns no rows, for printing a set that is empty by construction.
fn empty_select() -> SelectStatement {
    Query::select()
        .expr(Expr::Constant(sea_query::Value::Int(None)))
        .and_where(Expr::Constant(1.into()).eq(Expr::Constant(0.into())))
        .to_owned()
}

/// Renders `node` for the server described by `capabilities`, or reports the first misuse.
pub(crate) fn render(node: &Node, capabilities: &Capabilities) -> Result<Statement> {
    render_noting(node, capabilities, None)
}

/// As [`render`], and, when `plan` is given, notes there the planner's decisions in short
/// form, from the plan this rendering makes anyway.
pub(crate) fn render_noting(
    node: &Node,
    capabilities: &Capabilities,
    mut plan: Option<&mut PlanNote>,
) -> Result<Statement> {
    if matches!(node, Node::Empty) {
        return Ok(Statement::Empty);
    }
    let mut renderer = Renderer::new(capabilities);
    let planned = crate::plan::plan(node, capabilities.dialect().planning());
    if let Some(plan) = plan.as_deref_mut() {
        plan.describe(node, planned.as_ref(), capabilities);
        renderer.plan = Some(std::mem::take(plan));
    }
    let statement = match planned {
        // A fused plan is owned, so its predicates move into the statement uncloned.
        Some(Node::Select(mut select)) if matches!(select.source, Source::Table(_)) => {
            let filters = std::mem::take(&mut select.filters);
            let mut statement = renderer.select(&select)?;
            for filter in filters {
                let condition = match filter.into_plain_expr() {
                    Ok(expr) => expr,
                    Err(reads_sets) => renderer.predicate(&reads_sets)?,
                };
                statement.and_where(condition);
            }
            statement
        }
        Some(planned) => renderer.node(&planned)?,
        None => renderer.node(node)?,
    };
    renderer.hand_back(plan);
    Ok(renderer.finish(statement))
}

struct Renderer<'c> {
    capabilities: &'c Capabilities,
    dialect: Dialect,
    /// Counts derived tables, so each gets its own alias.
    derived_tables: usize,
    /// Whether a member was marked for `INTERSECT ALL` / `EXCEPT ALL`.
    all_markers: bool,
    /// Whether the sets of subquery filters must be materialized: they are in the WHERE of
    /// a write on MySQL, which refuses a subquery reading the written table (error 1093).
    materialized_sets: bool,
    /// The planner's decisions, when the caller asked for them: the sets that subquery
    /// filters read are planned while rendering, and noted here.
    plan: Option<PlanNote>,
}

impl<'c> Renderer<'c> {
    fn new(capabilities: &'c Capabilities) -> Self {
        Renderer {
            capabilities,
            dialect: capabilities.dialect(),
            derived_tables: 0,
            all_markers: false,
            materialized_sets: false,
            plan: None,
        }
    }

    /// Returns the decisions noted while rendering to the caller's `plan`.
    fn hand_back(&mut self, plan: Option<&mut PlanNote>) {
        if let (Some(plan), Some(noted)) = (plan, self.plan.take()) {
            *plan = noted;
        }
    }

    fn finish(&self, statement: SelectStatement) -> Statement {
        Statement::Select {
            statement: Box::new(statement),
            all_markers: self.all_markers,
        }
    }

    fn node(&mut self, node: &Node) -> Result<SelectStatement> {
        crate::recursion::deeper(|| self.node_here(node))
    }

    fn node_here(&mut self, node: &Node) -> Result<SelectStatement> {
        match node {
            Node::Empty => Ok(empty_select()),
            Node::Invalid(misuse) => Err(misuse.clone().into_error(self.dialect)),
            Node::Select(select) => self.select(select),
            Node::Compound(compound) => self.compound(compound),
        }
    }

    fn alias(&mut self, prefix: &str) -> DynIden {
        self.derived_tables += 1;
        DynIden::from(format!("{prefix}{}", self.derived_tables))
    }

    fn select(&mut self, select: &Select) -> Result<SelectStatement> {
        validate::distinct_orders(select)?;
        let mut statement = Query::select();
        let qualifier = match &select.source {
            Source::Table(table) => {
                statement.from(table.clone());
                table.clone()
            }
            Source::Adopted(adopted) if select.is_pass_through() => return Ok((**adopted).clone()),
            Source::Adopted(adopted) => {
                adopted::check_statement(adopted)?;
                let alias = self.alias("s");
                statement.from_subquery((**adopted).clone(), alias.clone());
                alias
            }
            Source::Derived(inner) => {
                validate::derived_select(select, inner)?;
                grouping::validate(select, inner)?;
                adopted::check_derivable(inner)?;
                let inner = self.node(inner)?;
                let alias = self.alias("t");
                statement.from_subquery(inner, alias.clone());
                alias
            }
        };
        if select.projection.whole_source {
            if select.projection.columns.is_empty() {
                statement.column(Asterisk);
            } else {
                // MySQL accepts a bare `*` only as the whole select list.
                statement.column((qualifier, Asterisk));
            }
        }
        for column in &select.projection.columns {
            if crate::query::predicate::is_column_named(&column.expr, &column.name) {
                statement.expr(column.expr.clone());
            } else {
                let mut expr = grouping::output_expr(select, column, self.dialect);
                if crate::set_field::holds_function(&expr) {
                    expr = set_field::lower(&expr, self.dialect)?;
                }
                statement.expr_as(expr, DynIden::from(column.name.clone()));
            }
        }
        for filter in &select.filters {
            statement.and_where(self.predicate(filter)?);
        }
        grouping::group_by(&mut statement, select);
        if select.distinct {
            statement.distinct();
        }
        let orders = with_tie_breakers(
            &select.orders,
            select.slice,
            &select.shape(),
            select.output_key().as_deref(),
        );
        let non_null = select.non_null_readable();
        apply_order_and_slice(
            &mut statement,
            &orders,
            &non_null,
            select.slice,
            self.dialect,
        );
        Ok(statement)
    }

    fn compound(&mut self, compound: &Compound) -> Result<SelectStatement> {
        validate::compound(compound)?;
        let [first, rest @ ..] = compound.branches.as_slice() else {
            return Err(crate::Error::EmptyCombination {
                operation: compound.op.name(),
            });
        };
        if rest.is_empty() {
            // One operand left after the algebra of the empty set: a distinct operation still
            // removes duplicates.
            let mut alone = first.clone().wrap();
            alone.distinct = !compound.op.all;
            alone.orders = compound.orders.clone();
            alone.slice = compound.slice;
            return self.select(&alone);
        }
        let mut statement =
            match set_operation(compound.op).map(|op| (op, self.capabilities.support(op))) {
                None | Some((_, Support::Native)) => {
                    let mut statement = self.member(first, true)?;
                    for branch in rest {
                        let mut member = self.member(branch, false)?;
                        if compound.op.all && compound.op.kind != SetKind::Union {
                            member = self.marked_all(member);
                        }
                        statement.union(union_type(compound.op), member);
                    }
                    statement
                }
                Some((_, Support::EmulatedByExists { .. })) => {
                    emulate::by_exists(self, compound.op.kind, &compound.branches)?
                }
                Some((
                    _,
                    Support::EmulatedByRowNumber {
                        plain_by_exists, ..
                    },
                )) => emulate::by_row_number(self, compound, plain_by_exists)?,
                Some((operation, _)) => {
                    return Err(crate::Error::Unsupported {
                        dialect: self.dialect,
                        operation: operation_name(operation),
                    });
                }
            };
        let shape = first.shape();
        let key = compound.tie_key();
        let orders = with_tie_breakers(&compound.orders, compound.slice, &shape, key.as_deref());
        let orders = self.unambiguous(orders, first);
        let non_null = compound.non_null_columns();
        if orders_by_expression(&orders, &non_null, self.dialect) {
            let alias = self.alias("t");
            statement = select_with(|s| {
                s.column(Asterisk).from_subquery(statement, alias);
            });
        }
        apply_order_and_slice(
            &mut statement,
            &orders,
            &non_null,
            compound.slice,
            self.dialect,
        );
        Ok(statement)
    }

    /// SQLite matches a compound's ORDER BY name against the first member's select
    /// expressions as well as its output names, so `ORDER BY c` over `SELECT c AS k, c …`
    /// sorts by `k`. Where a name could be read that way, the term names its column by
    /// position instead, which every engine reads alike.
    fn unambiguous(&self, orders: Vec<Sort>, first: &Node) -> Vec<Sort> {
        let Node::Select(select) = first else {
            return orders;
        };
        if self.dialect != Dialect::Sqlite || select.projection.whole_source {
            return orders;
        }
        let columns = &select.projection.columns;
        let ambiguous = |name: &str| {
            columns.iter().any(|column| {
                column.name != name
                    && matches!(&column.expr, Expr::Column(sea_query::ColumnRef::Column(c))
                        if c.1.inner() == name)
            })
        };
        orders
            .into_iter()
            .map(|sort| match &sort.key {
                SortKey::Name(name) if ambiguous(name) => {
                    match columns.iter().position(|column| column.name == *name) {
                        Some(at) => Sort {
                            key: SortKey::Position(u32::try_from(at + 1).unwrap_or(u32::MAX)),
                            ..sort
                        },
                        None => sort,
                    }
                }
                _ => sort,
            })
            .collect()
    }

    /// A branch's statement without an ordering that means nothing inside a set operation.
    fn operand(&mut self, branch: &Node) -> Result<SelectStatement> {
        match branch {
            // Set operations keep no order, so an unsliced branch's ORDER BY means nothing
            // (and PostgreSQL rejects it in a bare member).
            Node::Select(select) if !select.slice.is_sliced() && !select.orders.is_empty() => {
                let mut unordered = (**select).clone();
                unordered.orders.clear();
                self.select(&unordered)
            }
            _ => self.node(branch),
        }
    }

    /// One operand of a compound, given explicit structure where it needs any.
    fn member(&mut self, branch: &Node, is_first: bool) -> Result<SelectStatement> {
        let needs_structure = match branch {
            Node::Compound(_) => true,
            Node::Select(select) => {
                select.slice.is_sliced()
                    || matches!(&select.source, Source::Adopted(adopted)
                        if select.is_pass_through() && !adopted::is_plain_member(adopted))
            }
            Node::Empty | Node::Invalid(_) => false,
        };
        if needs_structure && (is_first || !self.dialect.supports_parenthesized_members()) {
            adopted::check_derivable(branch)?;
        }
        let statement = self.operand(branch)?;
        Ok(self.structured(statement, needs_structure, is_first))
    }

    /// Marks a member that follows `INTERSECT ALL` / `EXCEPT ALL` (see `writer`).
    fn marked_all(&mut self, member: SelectStatement) -> SelectStatement {
        self.all_markers = true;
        let alias = self.alias("m");
        select_with(|s| {
            s.expr(Expr::cust(writer::ALL_MARKER))
                .column(Asterisk)
                .from_subquery(member, alias);
        })
    }

    /// Parenthesised members exist only outside SQLite, and only after the first member.
    fn structured(
        &mut self,
        statement: SelectStatement,
        needs_structure: bool,
        is_first: bool,
    ) -> SelectStatement {
        if needs_structure && (is_first || !self.dialect.supports_parenthesized_members()) {
            let alias = self.alias("m");
            return select_with(|s| {
                s.column(Asterisk).from_subquery(statement, alias);
            });
        }
        statement
    }
}

/// The operation whose support varies by engine; unions run everywhere.
fn set_operation(op: SetOp) -> Option<SetOperation> {
    match (op.kind, op.all) {
        (SetKind::Union, _) => None,
        (SetKind::Intersection, false) => Some(SetOperation::Intersect),
        (SetKind::Intersection, true) => Some(SetOperation::IntersectAll),
        (SetKind::Difference, false) => Some(SetOperation::Except),
        (SetKind::Difference, true) => Some(SetOperation::ExceptAll),
    }
}

fn operation_name(operation: SetOperation) -> &'static str {
    match operation {
        SetOperation::IntersectAll => "intersection all",
        SetOperation::ExceptAll => "difference all",
        SetOperation::Intersect => "intersection",
        _ => "difference",
    }
}

fn union_type(op: SetOp) -> UnionType {
    match (op.kind, op.all) {
        (SetKind::Union, true) => UnionType::All,
        (SetKind::Union, false) => UnionType::Distinct,
        (SetKind::Intersection, _) => UnionType::Intersect,
        (SetKind::Difference, _) => UnionType::Except,
    }
}

/// A SELECT built by `build`, moved out rather than cloned. sea-query's builder methods
/// return `&mut`, and `.to_owned()` after them copies the statement with every subquery
/// nested in it, which made rendering a deep tree quadratic.
pub(super) fn select_with(build: impl FnOnce(&mut SelectStatement)) -> SelectStatement {
    let mut statement = Query::select();
    build(&mut statement);
    statement
}
