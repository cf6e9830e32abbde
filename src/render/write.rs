//! Update and delete through a set: the one statement that writes exactly the set's rows.
//!
//! - A plain filter of one table (no slice, DISTINCT or source other than the table) is
//!   written in place: `UPDATE t SET … WHERE <its filters>`. Its filters read the table's own
//!   columns (chaining resolves a filter on a computed column to its expression), so they
//!   select exactly the set's rows. A fused plan that comes out plain is written so too.
//! - Any other set whose rows are rows of one table with a declared key is written through
//!   the key: `WHERE key IN (SELECT s.key FROM (<set>) AS s)`, with a row value for a
//!   composite key. The set keeps its slice, order and DISTINCT inside the derived table, so
//!   the key list is exactly what `fetch_all` returns.
//! - MySQL refuses a subquery that reads the table being written (error 1093) unless that
//!   table is materialized, and LIMIT directly inside `IN (…)`. There the key list is read
//!   from one more derived table with DISTINCT, which MySQL and MariaDB always materialize
//!   (a DISTINCT derived table is never merged into the outer query); the set's LIMIT sits
//!   inside a derived table, which both accept.
//! - Anything else cannot be written exactly, and is refused before anything is sent.

use sea_query::{
    DeleteStatement, DynIden, Expr, ExprTrait, Query, SelectStatement, UpdateStatement, Values,
};

use super::{Statement, writer};
use crate::Dialect;
use crate::dialect::Capabilities;
use crate::error::{Error, Result};
use crate::query::node::{Node, Select, Source};

/// What to do to the set's rows.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    /// Assign each column its expression, read from the row before the update.
    Update(Vec<(DynIden, Expr)>),
    Delete,
}

impl Write {
    fn name(&self) -> &'static str {
        match self {
            Write::Update(_) => "update",
            Write::Delete => "delete",
        }
    }
}

/// A rendered write, or nothing to run for a set that is empty by construction.
#[derive(Debug, Clone)]
pub(crate) enum WriteStatement {
    Update {
        statement: Box<UpdateStatement>,
        /// Whether the set inside carries the `ALL` marker the writer must replace.
        all_markers: bool,
    },
    Delete {
        statement: Box<DeleteStatement>,
        all_markers: bool,
    },
    Empty,
}

impl WriteStatement {
    /// The SQL with values inlined; `None` for a set that is empty by construction.
    pub(crate) fn to_string(&self, dialect: Dialect) -> Option<String> {
        match self {
            WriteStatement::Update {
                statement,
                all_markers,
            } => Some(writer::statement_to_string(
                &**statement,
                dialect,
                *all_markers,
            )),
            WriteStatement::Delete {
                statement,
                all_markers,
            } => Some(writer::statement_to_string(
                &**statement,
                dialect,
                *all_markers,
            )),
            WriteStatement::Empty => None,
        }
    }

    /// The SQL with placeholders and its values; `None` for a set that is empty by
    /// construction.
    pub(crate) fn build(&self, dialect: Dialect) -> Option<(String, Values)> {
        match self {
            WriteStatement::Update {
                statement,
                all_markers,
            } => Some(writer::build_statement(&**statement, dialect, *all_markers)),
            WriteStatement::Delete {
                statement,
                all_markers,
            } => Some(writer::build_statement(&**statement, dialect, *all_markers)),
            WriteStatement::Empty => None,
        }
    }
}

/// Renders `write` through the set `node` for the server `capabilities` describes, or
/// reports why the set cannot be written exactly; notes the planner's decisions in `plan`
/// when given, as [`render_noting`](super::render_noting) does.
pub(crate) fn render_write(
    node: &Node,
    write: &Write,
    capabilities: &Capabilities,
    mut plan: Option<&mut super::PlanNote>,
) -> Result<WriteStatement> {
    if let Write::Update(assignments) = write
        && assignments.is_empty()
    {
        return Err(Error::NotWritable {
            operation: write.name(),
            reason: "no column is assigned",
        });
    }
    match node {
        Node::Empty => return Ok(WriteStatement::Empty),
        Node::Invalid(misuse) => return Err(misuse.clone().into_error(capabilities.dialect())),
        Node::Select(_) | Node::Compound(_) => {}
    }
    // Set-field functions (`set_add`, …) in the assignments, written for this engine.
    let lowered;
    let write = match write {
        Write::Update(assignments) => {
            lowered = Write::Update(super::set_field::lower_assignments(
                assignments,
                capabilities.dialect(),
            )?);
            &lowered
        }
        Write::Delete => write,
    };
    let planned = crate::plan::plan(node);
    if let Node::Select(select) = planned.as_ref().unwrap_or(node)
        && let Source::Table(table) = &select.source
        && is_plain(select)
    {
        // Subquery filters render their sets here, and on MySQL materialized, since a set
        // may read the table being written.
        let mut renderer = super::Renderer::new(capabilities);
        renderer.materialized_sets = capabilities.dialect() == Dialect::MySql;
        if let Some(plan) = plan.as_deref_mut() {
            plan.push("written in place");
            plan.describe(node, planned.as_ref(), capabilities);
            renderer.plan = Some(std::mem::take(plan));
        }
        let filters = select
            .filters
            .iter()
            .map(|filter| renderer.predicate(filter))
            .collect::<Result<Vec<_>>>()?;
        renderer.hand_back(plan);
        return Ok(statement(
            write,
            table.clone(),
            filters,
            renderer.all_markers,
        ));
    }
    let Some((table, key)) = node.written_table() else {
        return Err(Error::NotWritable {
            operation: write.name(),
            reason: "its rows are not rows of one table with a declared primary key, and it is not a plain filter of one table",
        });
    };
    if let Some(plan) = plan.as_deref_mut() {
        plan.push("written through the key");
    }
    let rendered = super::render_noting(node, capabilities, plan)?;
    let Statement::Select {
        statement: set,
        all_markers,
    } = rendered
    else {
        return Ok(WriteStatement::Empty);
    };
    let keys = key_list(*set, &key, capabilities.dialect());
    let target = match key.as_slice() {
        [one] => Expr::col((table.clone(), DynIden::from(one.clone()))),
        many => Expr::tuple(
            many.iter()
                .map(|name| Expr::col((table.clone(), DynIden::from(name.clone())))),
        ),
    };
    let condition = target.in_subquery(keys);
    Ok(statement(
        write,
        table,
        std::iter::once(condition),
        all_markers,
    ))
}

/// Whether the set's rows are exactly the table rows its filters select. An ordering
/// without a slice decides nothing about which rows are in the set.
fn is_plain(select: &Select) -> bool {
    !select.distinct && !select.slice.is_sliced()
}

/// `SELECT s.k FROM (<set>) AS s`, read as the engine allows inside `IN (…)` of a write to the
/// table the set reads (see the module documentation).
fn key_list(set: SelectStatement, key: &[String], dialect: Dialect) -> SelectStatement {
    let rows = DynIden::from("s");
    let mut keys = Query::select();
    for name in key {
        keys.column((rows.clone(), DynIden::from(name.clone())));
    }
    keys.from_subquery(set, rows);
    if dialect != Dialect::MySql {
        return keys;
    }
    keys.distinct();
    let materialized = DynIden::from("w");
    let mut outer = Query::select();
    for name in key {
        outer.column((materialized.clone(), DynIden::from(name.clone())));
    }
    outer.from_subquery(keys, materialized);
    outer
}

fn statement(
    write: &Write,
    table: DynIden,
    conditions: impl IntoIterator<Item = Expr>,
    all_markers: bool,
) -> WriteStatement {
    match write {
        Write::Update(assignments) => {
            let mut statement = Query::update();
            statement.table(table).values(assignments.iter().cloned());
            for condition in conditions {
                statement.and_where(condition);
            }
            WriteStatement::Update {
                statement: Box::new(statement),
                all_markers,
            }
        }
        Write::Delete => {
            let mut statement = Query::delete();
            statement.from_table(table);
            for condition in conditions {
                statement.and_where(condition);
            }
            WriteStatement::Delete {
                statement: Box::new(statement),
                all_markers,
            }
        }
    }
}
