//! Running an update or delete through a set, and reading back how many rows it matched.
//!
//! Every engine reports matched rows, not changed ones: SQLite and PostgreSQL always do, and
//! sqlx's MySQL driver always connects with `CLIENT_FOUND_ROWS`, whatever the pool's options
//! (`tests/writes.rs` pins this with an update that changes nothing).

use sea_query::{DynIden, Expr, IntoIden};

use super::backend::{Backend, Executor};
use super::on_server::Target;
use super::statement::{self, Prepared};
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

/// Renders `write` for `DB` and records it under `trace`. Misuse is reported before
/// anything is sent, and a set empty by construction has no statement.
pub(super) fn prepare<DB: Backend>(
    trace: &Trace,
    target: &(impl Target + ?Sized),
    write: &Write,
) -> Result<Option<Prepared>> {
    let mut plan = trace.plan_note();
    let rendered = render_for(target, write, DB::DIALECT, plan.as_mut())
        .map(|statement| statement.build(DB::DIALECT));
    if let Ok(rendered) = &rendered {
        if let Some((sql, _)) = rendered {
            trace.record_sql(sql);
        }
        trace.record_plan_note(plan, rendered.is_some());
    }
    Ok(rendered?.map(|(sql, values)| Prepared { sql, values }))
}

/// Runs a prepared write on a connection of `executor`, returning the rows it matched.
pub(super) async fn run_prepared<'c, E: Executor<'c>>(
    prepared: Result<Option<Prepared>>,
    executor: E,
) -> Result<u64> {
    let Some(prepared) = prepared? else {
        return Ok(0);
    };
    let mut conn = statement::connect(executor, &prepared).await?;
    statement::execute::<E::Database>(&mut conn, prepared).await
}
