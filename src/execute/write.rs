//! Running an update or delete through a set, and reading back how many rows it matched.
//!
//! Every engine reports matched rows, not changed ones: SQLite and PostgreSQL always do, and
//! sqlx's MySQL driver always connects with `CLIENT_FOUND_ROWS`, whatever the pool's options
//! (`tests/writes.rs` pins this with an update that changes nothing).

use sea_query::{DynIden, Expr, IntoIden};
use sqlx::{AssertSqlSafe, Executor};

use super::backend::{Backend, Bound, private::Sealed as _};
use super::on_server::Target;
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

/// Renders `write` (recorded under `trace`) and returns the future that runs it and reads
/// the number of rows it matched. Misuse is reported before anything is sent, and a set
/// empty by construction matches nothing without a statement.
pub(super) fn run<'e, 'c: 'e, E>(
    trace: &Trace,
    target: &(impl Target + ?Sized),
    write: &Write,
    executor: E,
) -> impl Future<Output = Result<u64>> + Send + 'e
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
{
    let mut plan = trace.plan_note();
    let rendered = render_for(target, write, E::Database::DIALECT, plan.as_mut())
        .map(|statement| statement.build(E::Database::DIALECT));
    if let Ok(rendered) = &rendered {
        if let Some((sql, _)) = rendered {
            trace.record_sql(sql);
        }
        trace.record_plan_note(plan, rendered.is_some());
    }
    async move {
        let Some((sql, values)) = rendered? else {
            return Ok(0);
        };
        let arguments = Bound(E::Database::arguments(values));
        let result = sqlx::query_with(AssertSqlSafe(sql.clone()), arguments)
            .execute(executor)
            .await
            .map_err(|source| Error::query(&sql, source))?;
        Ok(E::Database::rows_affected(&result))
    }
}
