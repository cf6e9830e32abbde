//! A statement ready to send, and running it: rendering for the executor's engine, binding,
//! and reading rows, counts and single columns back, with the SQL in every error.

use sqlx::{
    AssertSqlSafe, Column as _, ColumnIndex, Database, Decode, Executor, FromRow, Row as _, Type,
};

use super::backend::{Backend, Bound, private::Sealed as _};
use super::on_server::Target;
use crate::dialect::Capabilities;
use crate::error::{Error, Result};
use crate::query::node::{Node, Shape};
use crate::render::{self, PlanNote, Statement};

/// Renders the set as it is, after checking that its output can be one column.
pub(super) fn prepare_scalar<DB: Backend>(
    target: &(impl Target + ?Sized),
    plan: Option<&mut PlanNote>,
) -> Result<Option<Prepared<DB>>> {
    let node = target.node();
    let output = match node.shape() {
        Shape::Known(names) if names.len() > 1 => names,
        Shape::WholeTable { table, extras } if !extras.is_empty() => {
            std::iter::once(format!("{}.*", table.inner()))
                .chain(extras)
                .collect()
        }
        _ => return prepare(target, node, false, plan),
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
/// there is nothing to run; notes the planner's decisions in `plan` when given.
pub(super) fn prepare<DB: Backend>(
    target: &(impl Target + ?Sized),
    node: &Node,
    counted: bool,
    plan: Option<&mut PlanNote>,
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
        render::render_count(node, capabilities, plan)?
    } else {
        render::render_noting(node, capabilities, plan)?
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

/// Every row of a prepared statement; none for a set that is empty by construction.
#[allow(
    clippy::manual_async_fn,
    reason = "the `Send` bound is proven here, for any executor; an `async fn` leaves it to each caller, which `page` cannot prove through its higher-ranked connection bound"
)]
pub(super) fn fetch_all_prepared<'e, 'c: 'e, E, R>(
    prepared: Option<Prepared<E::Database>>,
    executor: E,
) -> impl Future<Output = Result<Vec<R>>> + Send + 'e
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
    R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
{
    async move {
        let Some(Prepared { sql, arguments }) = prepared else {
            return Ok(Vec::new());
        };
        sqlx::query_as_with::<_, R, _>(AssertSqlSafe(sql.clone()), arguments)
            .fetch_all(executor)
            .await
            .map_err(|source| Error::query(&sql, source))
    }
}

/// The first row of a prepared statement, if any.
#[allow(
    clippy::manual_async_fn,
    reason = "the `Send` bound is proven here, for any executor; an `async fn` leaves it to each caller, which `page` cannot prove through its higher-ranked connection bound"
)]
pub(super) fn fetch_optional_prepared<'e, 'c: 'e, E, R>(
    prepared: Option<Prepared<E::Database>>,
    executor: E,
) -> impl Future<Output = Result<Option<R>>> + Send + 'e
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
    R: for<'r> FromRow<'r, <E::Database as Database>::Row> + Send + Unpin + 'e,
{
    async move {
        let Some(Prepared { sql, arguments }) = prepared else {
            return Ok(None);
        };
        sqlx::query_as_with::<_, R, _>(AssertSqlSafe(sql.clone()), arguments)
            .fetch_optional(executor)
            .await
            .map_err(|source| Error::query(&sql, source))
    }
}

/// The `COUNT(*)` a prepared count statement reads; 0 for a set empty by construction.
#[allow(
    clippy::manual_async_fn,
    reason = "the `Send` bound is proven here, for any executor; an `async fn` leaves it to each caller, which `page` cannot prove through its higher-ranked connection bound"
)]
pub(super) fn count_prepared<'e, 'c: 'e, E>(
    prepared: Option<Prepared<E::Database>>,
    executor: E,
) -> impl Future<Output = Result<u64>> + Send + 'e
where
    E: Executor<'c> + 'e,
    E::Database: Backend,
{
    async move {
        let Some(Prepared { sql, arguments }) = prepared else {
            return Ok(0);
        };
        let row = sqlx::query_with(AssertSqlSafe(sql.clone()), arguments)
            .fetch_one(executor)
            .await
            .map_err(|source| Error::query(&sql, source))?;
        let count = E::Database::read_count(&row).map_err(|source| Error::query(&sql, source))?;
        // COUNT(*) is a signed 64-bit integer on every engine; it is never negative.
        u64::try_from(count).map_err(|_| Error::Decode(format!("COUNT(*) returned {count}")))
    }
}
