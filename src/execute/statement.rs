//! A statement ready to send, and running it on one connection: rendering for the engine,
//! and reading rows, counts and single columns back, with the SQL in every error.

use futures::{Stream, StreamExt, TryStreamExt};
use sea_query::Values;
use sqlx::{Column as _, Row as _};

use super::backend::{Backend, Executor, Fetchable, Scalar};
use super::on_server::Target;
use crate::dialect::Capabilities;
use crate::error::{Error, Result};
use crate::query::node::{Node, Shape};
use crate::render::{self, PlanNote, Statement};

/// A statement ready to send: its SQL, with placeholders, and the values to bind.
pub(crate) struct Prepared {
    pub(crate) sql: String,
    pub(crate) values: Values,
}

/// A statement rendered with what is known of the catalog, and how to render it again once
/// the catalog has been asked about the tables it reads that were not known yet.
pub(crate) struct Ready {
    prepared: Prepared,
    again: Option<Again>,
}

/// The tables to ask the catalog about, and the rendering to redo then.
pub(crate) struct Again {
    tables: Vec<String>,
    render: Box<dyn FnOnce() -> Result<Option<Prepared>> + Send + Sync>,
    /// Where the statement is recorded, so the span shows the one sent.
    trace: Option<super::trace::Trace>,
}

impl Again {
    /// `render` to run again once the catalog has been asked about `tables`; `None` when
    /// it knows them all.
    pub(crate) fn after_learning(
        tables: Vec<String>,
        render: impl FnOnce() -> Result<Option<Prepared>> + Send + Sync + 'static,
        trace: Option<super::trace::Trace>,
    ) -> Option<Again> {
        (!tables.is_empty()).then(|| Again {
            tables,
            render: Box::new(render),
            trace,
        })
    }

    /// Asks the catalog on `conn`, and renders again.
    pub(crate) async fn render<DB: Backend>(
        self,
        conn: &mut DB::Connection,
    ) -> Result<Option<Prepared>> {
        super::catalog::learn::<DB>(conn, &self.tables).await?;
        let prepared = (self.render)()?;
        if let (Some(trace), Some(prepared)) = (&self.trace, &prepared) {
            trace.record_sql(&prepared.sql);
        }
        Ok(prepared)
    }
}

impl Ready {
    pub(crate) fn new(prepared: Prepared, again: Option<Again>) -> Ready {
        Ready { prepared, again }
    }

    /// The statement to send on `conn`, asking the catalog first when it must.
    pub(crate) async fn on<DB: Backend>(self, conn: &mut DB::Connection) -> Result<Prepared> {
        let Some(again) = self.again else {
            return Ok(self.prepared);
        };
        // A statement rendered once renders again, learning no more than NOT NULL columns.
        Ok(again.render::<DB>(conn).await?.unwrap_or(self.prepared))
    }

    pub(crate) fn sql(&self) -> &str {
        &self.prepared.sql
    }
}

/// Renders the set as it is, after checking that its output can be one column.
pub(super) fn prepare_scalar<DB: Backend>(
    target: &(impl Target + ?Sized),
    plan: Option<&mut PlanNote>,
    trace: Option<super::trace::Trace>,
) -> Result<Option<Ready>> {
    let node = target.node();
    let output = match node.shape() {
        Shape::Known(names) if names.len() > 1 => names,
        Shape::WholeTable { table, extras } if !extras.is_empty() => {
            std::iter::once(format!("{}.*", table.inner()))
                .chain(extras)
                .collect()
        }
        _ => return prepare::<DB>(target, node, false, plan, trace),
    };
    Err(Error::NotOneColumn { output })
}

/// Renders `node` (counted, or as it is) for `DB` on the target's server, or `None` when
/// there is nothing to run; notes the planner's decisions in `plan` when given.
pub(super) fn prepare<DB: Backend>(
    target: &(impl Target + ?Sized),
    node: &Node,
    counted: bool,
    plan: Option<&mut PlanNote>,
    trace: Option<super::trace::Trace>,
) -> Result<Option<Ready>> {
    let capabilities = capabilities::<DB>(target)?;
    let (learnt, unknown) = super::catalog::applied(node, DB::DIALECT);
    let Some(prepared) = render_prepared::<DB>(
        learnt.as_ref().unwrap_or(node),
        &capabilities,
        counted,
        plan,
    )?
    else {
        return Ok(None);
    };
    let node = node.clone();
    let again = move || {
        let (learnt, _) = super::catalog::applied(&node, DB::DIALECT);
        render_prepared::<DB>(
            learnt.as_ref().unwrap_or(&node),
            &capabilities,
            counted,
            None,
        )
    };
    Ok(Some(Ready::new(
        prepared,
        Again::after_learning(unknown, again, trace),
    )))
}

/// The server the target renders for: its own, or a current one of `DB`'s dialect.
pub(super) fn capabilities<DB: Backend>(target: &(impl Target + ?Sized)) -> Result<Capabilities> {
    match target.capabilities() {
        None => Ok(Capabilities::new(DB::DIALECT)),
        Some(capabilities) if capabilities.dialect() == DB::DIALECT => Ok(capabilities.clone()),
        Some(capabilities) => Err(Error::WrongDialect {
            executor: DB::DIALECT,
            capabilities: capabilities.dialect(),
        }),
    }
}

/// `node` rendered (counted, or as it is) for `DB`, or `None` when there is nothing to run.
pub(super) fn render_prepared<DB: Backend>(
    node: &Node,
    capabilities: &Capabilities,
    counted: bool,
    plan: Option<&mut PlanNote>,
) -> Result<Option<Prepared>> {
    let statement: Statement = if counted {
        render::render_count(node, capabilities, plan)?
    } else {
        render::render_noting(node, capabilities, plan)?
    };
    if statement.is_empty() {
        return Ok(None);
    }
    let (sql, values) = statement.build(DB::DIALECT);
    Ok(Some(Prepared { sql, values }))
}

/// A connection of `executor` to run `prepared` on. Failing to get one (a pool that timed
/// out, a server that refused the login) names the SQL it was for.
pub(crate) async fn connect<'c, E: Executor<'c>>(
    executor: E,
    ready: &Ready,
) -> Result<E::Connection> {
    executor
        .acquire()
        .await
        .map_err(|source| Error::query(ready.sql(), source))
}

/// The rows of `prepared`, undecoded.
pub(crate) async fn rows<DB: Backend>(
    conn: &mut DB::Connection,
    Prepared { sql, values }: Prepared,
) -> Result<(Vec<DB::Row>, String)> {
    match DB::fetch_all(conn, sql.clone(), values).await {
        Ok(rows) => Ok((rows, sql)),
        Err(source) => Err(Error::query(&sql, source)),
    }
}

/// Every row of `prepared`, read as `R`.
pub(crate) async fn fetch_all<DB: Backend, R: Fetchable<DB>>(
    conn: &mut DB::Connection,
    prepared: Prepared,
) -> Result<Vec<R>> {
    let (rows, sql) = rows::<DB>(conn, prepared).await?;
    rows.iter().map(|row| decode(row, &sql)).collect()
}

/// The first row of `prepared`, read as `R`, if any. Only that row is read.
pub(crate) async fn fetch_optional<DB: Backend, R: Fetchable<DB>>(
    conn: &mut DB::Connection,
    Prepared { sql, values }: Prepared,
) -> Result<Option<R>> {
    let first = DB::fetch(conn, sql.clone(), values).try_next().await;
    match first {
        Ok(row) => row.as_ref().map(|row| decode(row, &sql)).transpose(),
        Err(source) => Err(Error::query(&sql, source)),
    }
}

/// The rows of `prepared` as they arrive, read as `R`.
pub(crate) fn fetch<DB: Backend, R: Fetchable<DB>>(
    conn: &mut DB::Connection,
    Prepared { sql, values }: Prepared,
) -> impl Stream<Item = Result<R>> + Send + '_ {
    DB::fetch(conn, sql.clone(), values).map(move |row| match row {
        Ok(row) => decode(&row, &sql),
        Err(source) => Err(Error::query(&sql, source)),
    })
}

/// The `COUNT(*)` a prepared count statement reads.
pub(crate) async fn count<DB: Backend>(
    conn: &mut DB::Connection,
    prepared: Prepared,
) -> Result<u64> {
    let (rows, sql) = rows::<DB>(conn, prepared).await?;
    let count = match rows.first() {
        Some(row) => DB::read_i64_at(row, 0).map_err(|source| Error::query(&sql, source))?,
        None => 0,
    };
    // COUNT(*) is a signed 64-bit integer on every engine; it is never negative.
    u64::try_from(count).map_err(|_| Error::Decode {
        column: "COUNT(*)".to_owned(),
        reason: format!("it is {count}, below zero"),
        sql: Some(sql),
        cause: None,
    })
}

/// Runs a prepared write and returns the rows it matched.
pub(crate) async fn execute<DB: Backend>(
    conn: &mut DB::Connection,
    Prepared { sql, values }: Prepared,
) -> Result<u64> {
    match DB::execute(conn, sql.clone(), values).await {
        Ok(result) => Ok(DB::rows_affected(&result)),
        Err(source) => Err(Error::query(&sql, source)),
    }
}

/// The one column of every row of `prepared`.
pub(crate) async fn scalars<DB: Backend, T: Scalar<DB>>(
    conn: &mut DB::Connection,
    prepared: Prepared,
) -> Result<Vec<T>> {
    let (rows, sql) = rows::<DB>(conn, prepared).await?;
    rows.iter()
        .map(|row| scalar_of::<DB, T>(row, &sql))
        .collect()
}

/// The one column of the first row of `prepared`, if any.
pub(crate) async fn optional_scalar<DB: Backend, T: Scalar<DB>>(
    conn: &mut DB::Connection,
    Prepared { sql, values }: Prepared,
) -> Result<Option<T>> {
    let first = DB::fetch(conn, sql.clone(), values).try_next().await;
    match first {
        Ok(row) => row
            .as_ref()
            .map(|row| scalar_of::<DB, T>(row, &sql))
            .transpose(),
        Err(source) => Err(Error::query(&sql, source)),
    }
}

/// `row` read as `R`; a failure names the column.
pub(crate) fn decode<DB: Backend, R: Fetchable<DB>>(row: &DB::Row, sql: &str) -> Result<R> {
    R::from_row(row).map_err(|source| Error::query(sql, source))
}

/// The one column of `row`. A set whose columns setql could not count (a whole table, an
/// adopted statement) is checked here, on the rows the database returned.
fn scalar_of<DB: Backend, T: Scalar<DB>>(row: &DB::Row, sql: &str) -> Result<T> {
    let columns = row.columns();
    if columns.len() != 1 {
        return Err(Error::NotOneColumn {
            output: columns.iter().map(|c| c.name().to_owned()).collect(),
        });
    }
    DB::read_first(row).map_err(|source| Error::query(sql, source))
}

/// The first row of `node`, rendered and recorded under `trace`, read on a connection of
/// `executor`.
pub(super) fn optional_row<'e, 'c: 'e, E, R>(
    trace: &super::trace::Trace,
    target: &(impl Target + ?Sized),
    node: &Node,
    executor: E,
) -> impl Future<Output = Result<Option<R>>> + Send + 'e
where
    E: Executor<'c> + 'e,
    R: Fetchable<E::Database> + 'e,
{
    let prepared = trace.prepare::<E::Database>(target, node, false);
    async move {
        let Some(prepared) = prepared? else {
            return Ok(None);
        };
        let mut conn = connect(executor, &prepared).await?;
        let prepared = prepared.on::<E::Database>(&mut conn).await?;
        fetch_optional::<E::Database, R>(&mut conn, prepared).await
    }
}

/// The one column of the first row, rendered and recorded under `trace`.
pub(super) fn read_optional_scalar<'e, 'c: 'e, E, T>(
    trace: &super::trace::Trace,
    target: &(impl Target + ?Sized),
    executor: E,
) -> impl Future<Output = Result<Option<T>>> + Send + 'e
where
    E: Executor<'c> + 'e,
    T: Scalar<E::Database> + 'e,
{
    let prepared = trace.prepare_scalar::<E::Database>(target);
    async move {
        let Some(prepared) = prepared? else {
            return Ok(None);
        };
        let mut conn = connect(executor, &prepared).await?;
        let prepared = prepared.on::<E::Database>(&mut conn).await?;
        optional_scalar::<E::Database, T>(&mut conn, prepared).await
    }
}
