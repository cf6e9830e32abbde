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
    DeleteStatement, DynIden, Expr, ExprTrait, Query, SelectStatement, TableRef, UpdateStatement,
    Values,
};

use super::assignments::{self, Assignments};
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
            WriteStatement::Update { statement, .. } => {
                Some(writer::build_statement(&**statement, dialect))
            }
            WriteStatement::Delete { statement, .. } => {
                Some(writer::build_statement(&**statement, dialect))
            }
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
    if let Write::Update(assignments) = write {
        assignments::check(assignments)?;
    }
    match node {
        Node::Empty => return Ok(WriteStatement::Empty),
        Node::Invalid(misuse) => return Err(misuse.clone().into_error(capabilities.dialect())),
        Node::Select(_) | Node::Compound(_) => {}
    }
    let planned = crate::plan::plan(node, capabilities.dialect().planning());
    if let Node::Select(select) = planned.as_ref().unwrap_or(node)
        && let Source::Table(table) = &select.source
        && is_plain(select)
    {
        let key = select
            .output_key()
            .filter(|key| holds_no_null(key, &select.non_null_outputs()));
        let write = evaluated(write, capabilities.dialect(), key.as_deref())?;
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
            &write,
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
    // `key IN (…)` never matches a NULL key, so such a row would be skipped silently; and
    // matching NULL to NULL would also write rows outside the set that share it.
    if !holds_no_null(&key, &node.non_null_outputs()) {
        return Err(Error::NotWritable {
            operation: write.name(),
            reason: "its rows are identified by a key that may hold NULL, which no comparison matches; declare the key's columns not_null, or write through the table's primary_key",
        });
    }
    let write = evaluated(write, capabilities.dialect(), Some(&key))?;
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
        &write,
        table,
        std::iter::once(condition),
        all_markers,
    ))
}

/// Whether every column of `key` is among `non_null`: a key a comparison can match.
fn holds_no_null(key: &[String], non_null: &[String]) -> bool {
    key.iter().all(|column| non_null.contains(column))
}

/// What a write does, as `dialect` must be told it: an update's assignments each read the
/// row as it was (see `assignments`), with set-field functions (`set_add`, …) written for
/// the engine.
fn evaluated(write: &Write, dialect: Dialect, key: Option<&[String]>) -> Result<Evaluated> {
    let Write::Update(assignments) = write else {
        return Ok(Evaluated::Delete);
    };
    let lower =
        |assignments: &[(DynIden, Expr)]| super::set_field::lower_assignments(assignments, dialect);
    Ok(match assignments::for_dialect(assignments, dialect, key)? {
        Assignments::Ordered(ordered) => Evaluated::Update(lower(&ordered)?),
        Assignments::ThroughOldRow {
            assignments,
            reads,
            key,
        } => Evaluated::UpdateThroughOldRow {
            assignments: lower(&assignments)?,
            reads,
            key,
        },
    })
}

/// A write ready to be written as one statement.
enum Evaluated {
    Update(Vec<(DynIden, Expr)>),
    /// An update whose assignments read the old row through a join on `key` (MySQL).
    UpdateThroughOldRow {
        assignments: Vec<(DynIden, Expr)>,
        reads: Vec<String>,
        key: Vec<String>,
    },
    Delete,
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
    write: &Evaluated,
    table: DynIden,
    conditions: impl IntoIterator<Item = Expr>,
    all_markers: bool,
) -> WriteStatement {
    match write {
        Evaluated::Update(assignments) => {
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
        Evaluated::UpdateThroughOldRow {
            assignments,
            reads,
            key,
        } => {
            // The rows to write, with the columns the assignments read, as they were.
            let mut old_rows = Query::select();
            old_rows.distinct();
            for name in reads {
                old_rows.column((table.clone(), DynIden::from(name.clone())));
            }
            old_rows.from(table.clone());
            for condition in conditions {
                old_rows.and_where(condition);
            }
            let old = DynIden::from(assignments::OLD_ROW);
            let mut statement = Query::update();
            statement
                .table(table.clone())
                .from(TableRef::SubQuery(Box::new(old_rows), old.clone()))
                .values(assignments.iter().cloned());
            // On MySQL the join's condition; the rows are chosen inside `old_rows`.
            for name in key {
                let name = DynIden::from(name.clone());
                statement.and_where(
                    Expr::col((table.clone(), name.clone())).equals((old.clone(), name)),
                );
            }
            WriteStatement::Update {
                statement: Box::new(statement),
                all_markers,
            }
        }
        Evaluated::Delete => {
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
