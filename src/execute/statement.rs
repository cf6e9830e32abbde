//! A statement ready to send, and running it: rendering for the executor's engine, binding,
//! and reading rows, counts and single columns back, with the SQL in every error.

use futures::FutureExt;
use futures::future::BoxFuture;
use sqlx::{
    AssertSqlSafe, Column as _, ColumnIndex, Database, Decode, Executor, FromRow, Row as _, Type,
};
use tracing::Instrument;

use super::backend::{Backend, Bound, private::Sealed as _};
use super::on_server::Target;
use crate::dialect::Capabilities;
use crate::error::{Error, Result};
use crate::query::node::{Node, Shape};
use crate::render::{self, Statement};

/// Renders the set as it is, after checking that its output can be one column.
pub(super) fn prepare_scalar<DB: Backend>(
    target: &(impl Target + ?Sized),
) -> Result<Option<Prepared<DB>>> {
    let node = target.node();
    let output = match node.shape() {
        Shape::Known(names) if names.len() > 1 => names,
        Shape::WholeTable { table, extras } if !extras.is_empty() => {
            std::iter::once(format!("{}.*", table.inner()))
                .chain(extras)
                .collect()
        }
        _ => return prepare(target, node, false),
    };
    Err(Error::NotOneColumn { output })
}

/// The one column of `row`. A set whose columns setql could not count (a whole table, an
/// adopted statement) is checked here, on the rows the database returned.
pub(super) fn scalar_of<'r, DB, T>(row: &'r DB::Row, sql: &str) -> Result<T>
where
    DB: Database,
    T: Decode<'r, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    let columns = row.columns();
    if columns.len() != 1 {
        return Err(Error::NotOneColumn {
            output: columns.iter().map(|c| c.name().to_owned()).collect(),
        });
    }
    row.try_get(0).map_err(|source| Error::query(sql, source))
}

/// A statement ready to send: its SQL and its bound values.
pub(super) struct Prepared<DB: Database> {
    pub(super) sql: String,
    pub(super) arguments: Bound<DB>,
}

/// Renders `node` (counted, or as it is) for `DB` on the target's server, or `None` when
/// there is nothing to run.
pub(super) fn prepare<DB: Backend>(
    target: &(impl Target + ?Sized),
    node: &Node,
    counted: bool,
) -> Result<Option<Prepared<DB>>> {
    let capabilities = match target.capabilities() {
        None => &Capabilities::new(DB::DIALECT),
        Some(capabilities) if capabilities.dialect() == DB::DIALECT => capabilities,
        Some(capabilities) => {
            return Err(Error::WrongDialect {
                executor: DB::DIALECT,
                capabilities: capabilities.dialect(),
            });
        }
    };
    let statement: Statement = if counted {
        render::render_count(node, capabilities)?
    } else {
        render::render(node, capabilities)?
    };
    if statement.is_empty() {
        return Ok(None);
    }
    let (sql, values) = statement.build(DB::DIALECT);
    Ok(Some(Prepared {
        sql,
        arguments: Bound(DB::arguments(values)),
    }))
}

pub(super) fn fetch_all_prepared<'e, 'c: 'e, E, R>(
    prepared: Result<Option<Prepared<E::Database>>>,
    executor: E,
) -> BoxFuture<'e, Result<Vec<R>>>
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
    R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
{
    async move {
        let Some(Prepared { sql, arguments }) = prepared? else {
            return Ok(Vec::new());
        };
        let span = tracing::debug_span!("setql.fetch_all", sql = %sql);
        sqlx::query_as_with::<_, R, _>(AssertSqlSafe(sql.clone()), arguments)
            .fetch_all(executor)
            .instrument(span)
            .await
            .map_err(|source| Error::query(&sql, source))
    }
    .boxed()
}

pub(super) fn fetch_optional_prepared<'e, 'c: 'e, E, R>(
    prepared: Result<Option<Prepared<E::Database>>>,
    executor: E,
) -> BoxFuture<'e, Result<Option<R>>>
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
    R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
{
    async move {
        let Some(Prepared { sql, arguments }) = prepared? else {
            return Ok(None);
        };
        let span = tracing::debug_span!("setql.fetch_optional", sql = %sql);
        sqlx::query_as_with::<_, R, _>(AssertSqlSafe(sql.clone()), arguments)
            .fetch_optional(executor)
            .instrument(span)
            .await
            .map_err(|source| Error::query(&sql, source))
    }
    .boxed()
}

pub(super) fn count_prepared<'e, 'c: 'e, E>(
    prepared: Result<Option<Prepared<E::Database>>>,
    executor: E,
) -> BoxFuture<'e, Result<u64>>
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
{
    async move {
        let Some(Prepared { sql, arguments }) = prepared? else {
            return Ok(0);
        };
        let span = tracing::debug_span!("setql.count", sql = %sql);
        let row = sqlx::query_with(AssertSqlSafe(sql.clone()), arguments)
            .fetch_one(executor)
            .instrument(span)
            .await
            .map_err(|source| Error::query(&sql, source))?;
        let count = E::Database::read_count(&row).map_err(|source| Error::query(&sql, source))?;
        // COUNT(*) is a signed 64-bit integer on every engine; it is never negative.
        u64::try_from(count).map_err(|_| Error::Decode(format!("COUNT(*) returned {count}")))
    }
    .boxed()
}
