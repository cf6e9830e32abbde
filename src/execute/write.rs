//! Running an update or delete through a set, and reading back how many rows it matched.
//!
//! Every engine reports matched rows, not changed ones: SQLite and PostgreSQL always do, and
//! sqlx's MySQL driver always connects with `CLIENT_FOUND_ROWS`, whatever the pool's options
//! (`tests/writes.rs` pins this with an update that changes nothing).

use futures::FutureExt;
use futures::future::BoxFuture;
use sea_query::{DynIden, Expr, IntoIden};
use sqlx::{AssertSqlSafe, Executor};
use tracing::Instrument;

use super::backend::{Backend, Bound, private::Sealed as _};
use super::on_server::Target;
use crate::Dialect;
use crate::dialect::Capabilities;
use crate::error::{Error, Result};
use crate::render::{self, Write, WriteStatement};

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
/// names one of that dialect.
pub(super) fn render_for(
    target: &(impl Target + ?Sized),
    write: &Write,
    dialect: Dialect,
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
    render::render_write(target.node(), write, capabilities)
}

/// Renders and runs `write`, returning the number of rows it matched. Misuse is reported
/// before anything is sent, and a set empty by construction matches nothing without a
/// statement.
pub(super) fn run<'e, 'c: 'e, E>(
    target: &(impl Target + ?Sized),
    write: &Write,
    executor: E,
) -> BoxFuture<'e, Result<u64>>
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
{
    let is_update = matches!(write, Write::Update(_));
    let rendered = render_for(target, write, E::Database::DIALECT)
        .map(|statement| statement.build(E::Database::DIALECT));
    async move {
        let Some((sql, values)) = rendered? else {
            return Ok(0);
        };
        let span = if is_update {
            tracing::debug_span!("setql.update", sql = %sql)
        } else {
            tracing::debug_span!("setql.delete", sql = %sql)
        };
        let arguments = Bound(E::Database::arguments(values));
        let result = sqlx::query_with(AssertSqlSafe(sql.clone()), arguments)
            .execute(executor)
            .instrument(span)
            .await
            .map_err(|source| Error::query(&sql, source))?;
        Ok(E::Database::rows_affected(&result))
    }
    .boxed()
}
