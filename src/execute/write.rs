//! Running an update or delete through a set, and reading back how many rows it matched.
//!
//! Every engine reports matched rows, not changed ones: SQLite and PostgreSQL always do, and
//! sqlx's MySQL driver always connects with `CLIENT_FOUND_ROWS`, whatever the pool's options
//! (`tests/writes.rs` pins this with an update that changes nothing).

use sea_query::{DynIden, Expr, IntoIden};

use super::backend::{Backend, Executor};
use super::catalog;
use super::on_server::Target;
use super::statement::{self, Again, Prepared};
use super::trace::Trace;
use crate::Dialect;
use crate::dialect::Capabilities;
use crate::error::{Error, Result};
use crate::render::{self, PlanNote, Write, WriteStatement};

/// Collects the caller's `(column, expression)` pairs.
pub(super) fn assignments<C, V>(pairs: impl IntoIterator<Item = (C, V)>) -> Write
where
    C: IntoIden,
    V: Into<Expr>,
{
    let pairs: Vec<(DynIden, Expr)> = pairs
        .into_iter()
        .map(|(column, value)| (column.into_iden(), value.into()))
        .collect();
    Write::Update(pairs)
}

/// Renders `write` through the target's set for `dialect`, on the target's server when it
/// names one of that dialect; notes the planner's decisions in `plan` when given.
pub(super) fn render_for(
    target: &(impl Target + ?Sized),
    write: &Write,
    dialect: Dialect,
    plan: Option<&mut PlanNote>,
) -> Result<WriteStatement> {
    let capabilities = match target.capabilities() {
        None => &Capabilities::new(dialect),
        Some(capabilities) if capabilities.dialect() == dialect => capabilities,
        Some(capabilities) => {
            return Err(Error::WrongDialect {
                executor: dialect,
                capabilities: capabilities.dialect(),
            });
        }
    };
    render::render_write(target.node(), write, capabilities, plan)
}

/// Renders `write` for `DB`, with what the catalog is known to say, and records it under
/// `trace`. Misuse is reported before anything is sent, and a set empty by construction has
/// no statement. A set refused because its key may hold NULL, while the catalog has not yet
/// been asked about its tables, is refused or written once it has.
pub(super) fn prepare<DB: Backend>(
    trace: &Trace,
    target: &(impl Target + ?Sized),
    write: &Write,
) -> Result<Option<WriteReady>> {
    let capabilities = statement::capabilities::<DB>(target)?;
    let node = target.node();
    let (learnt, unknown) = catalog::applied(node, DB::DIALECT);
    let mut plan = trace.plan_note();
    let rendered = render_write::<DB>(
        learnt.as_ref().unwrap_or(node),
        write,
        &capabilities,
        plan.as_mut(),
    );
    if let Ok(rendered) = &rendered {
        if let Some(prepared) = rendered {
            trace.record_sql(&prepared.sql);
        }
        trace.record_plan_note(plan, rendered.is_some());
    }
    let first = match rendered {
        Ok(None) => return Ok(None),
        Ok(Some(prepared)) => Ok(prepared),
        // Only what the catalog may answer waits for it.
        Err(refused @ Error::NotWritable { .. }) if !unknown.is_empty() => Err(refused),
        Err(error) => return Err(error),
    };
    let (node, write) = (node.clone(), write.clone());
    let again = move || {
        let (learnt, _) = catalog::applied(&node, DB::DIALECT);
        render_write::<DB>(
            learnt.as_ref().unwrap_or(&node),
            &write,
            &capabilities,
            None,
        )
    };
    Ok(Some(WriteReady {
        first,
        again: Again::after_learning(unknown, again, Some(trace.recorder())),
    }))
}

/// `write` through `node`, rendered for `DB`; `None` for a set empty by construction.
fn render_write<DB: Backend>(
    node: &crate::query::node::Node,
    write: &Write,
    capabilities: &Capabilities,
    plan: Option<&mut PlanNote>,
) -> Result<Option<Prepared>> {
    let statement = render::render_write(node, write, capabilities, plan)?;
    Ok(statement
        .build(DB::DIALECT)
        .map(|(sql, values)| Prepared { sql, values }))
}

/// A write rendered with what is known of the catalog, or refused for want of it, and how
/// to render it again once the catalog has been asked.
pub(crate) struct WriteReady {
    first: Result<Prepared>,
    again: Option<Again>,
}

/// Runs a prepared write on a connection of `executor`, returning the rows it matched.
pub(super) async fn run_prepared<'c, E: Executor<'c>>(
    prepared: Result<Option<WriteReady>>,
    executor: E,
) -> Result<u64> {
    let Some(ready) = prepared? else {
        return Ok(0);
    };
    let mut conn = executor
        .acquire()
        .await
        .map_err(|source| match &ready.first {
            Ok(prepared) => Error::query(&prepared.sql, source),
            Err(_) => Error::from(source),
        })?;
    execute::<E::Database>(&mut conn, ready).await
}

/// Runs a prepared write on `conn`, asking the catalog first when it must.
pub(crate) async fn execute<DB: Backend>(
    conn: &mut DB::Connection,
    ready: WriteReady,
) -> Result<u64> {
    let prepared = match ready.again {
        None => ready.first?,
        Some(again) => match again.render::<DB>(conn).await? {
            Some(prepared) => prepared,
            None => return Ok(0),
        },
    };
    statement::execute::<DB>(conn, prepared).await
}
