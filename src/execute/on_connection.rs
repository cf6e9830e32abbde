//! Running a set on a connection that an operation already holds: the statements the
//! object-set store sends inside its own transaction. Each emits the span its public method
//! would (see `trace`).

use sea_query::{Expr, IntoIden};

use super::backend::Backend;
use super::on_server::Target;
use super::statement;
use super::trace::Trace;
use super::write;
use crate::error::Result;

/// [`Execute::count`](super::Execute::count), on `conn`.
fn count_on<'a, DB: Backend>(
    conn: &'a mut DB::Connection,
    target: &(impl Target + ?Sized),
) -> impl Future<Output = Result<u64>> + Send + 'a {
    let trace = Trace::new("count", DB::DIALECT);
    let prepared = trace.prepare::<DB>(target, target.node(), true);
    let count = async move {
        match prepared? {
            Some(ready) => {
                let prepared = ready.on::<DB>(conn).await?;
                statement::count::<DB>(conn, prepared).await
            }
            None => Ok(0),
        }
    };
    trace.run(count, |count| *count)
}

/// [`Execute::exists`](super::Execute::exists), on `conn`.
fn exists_on<'a, DB: Backend>(
    conn: &'a mut DB::Connection,
    target: &(impl Target + ?Sized),
) -> impl Future<Output = Result<bool>> + Send + 'a {
    let node = target.node().clone().limit(1);
    let trace = Trace::new("exists", DB::DIALECT);
    let prepared = trace.prepare::<DB>(target, &node, true);
    let exists = async move {
        match prepared? {
            Some(ready) => {
                let prepared = ready.on::<DB>(conn).await?;
                Ok(statement::count::<DB>(conn, prepared).await? > 0)
            }
            None => Ok(false),
        }
    };
    trace.run(exists, |exists| u64::from(*exists))
}

/// Runs the write `prepared` (recorded under `trace`) on `conn`.
fn written<'a, DB: Backend>(
    trace: Trace,
    conn: &'a mut DB::Connection,
    prepared: Result<Option<super::write::WriteReady>>,
) -> impl Future<Output = Result<u64>> + Send + 'a {
    let matched = async move {
        match prepared? {
            Some(ready) => super::write::execute::<DB>(conn, ready).await,
            None => Ok(0),
        }
    };
    trace.run(matched, |matched| *matched)
}

/// The functions of [`Execute`](super::Execute) the object-set store runs inside its own
/// transaction, as methods of every query set, on the connection that holds it.
pub(crate) trait OnConnection: Target {
    /// [`Execute::count`](super::Execute::count), on `conn`.
    fn count_on<'a, DB: Backend>(
        &self,
        conn: &'a mut DB::Connection,
    ) -> impl Future<Output = Result<u64>> + Send + 'a {
        count_on::<DB>(conn, self)
    }

    /// [`Execute::exists`](super::Execute::exists), on `conn`.
    fn exists_on<'a, DB: Backend>(
        &self,
        conn: &'a mut DB::Connection,
    ) -> impl Future<Output = Result<bool>> + Send + 'a {
        exists_on::<DB>(conn, self)
    }

    /// [`Execute::delete`](super::Execute::delete), on `conn`.
    fn delete_on<'a, DB: Backend>(
        &self,
        conn: &'a mut DB::Connection,
    ) -> impl Future<Output = Result<u64>> + Send + 'a {
        let trace = Trace::new("delete", DB::DIALECT);
        let prepared = write::prepare::<DB>(&trace, self, &crate::render::Write::Delete);
        written::<DB>(trace, conn, prepared)
    }

    /// [`Execute::update`](super::Execute::update), on `conn`.
    fn update_on<'a, DB, C, V>(
        &self,
        conn: &'a mut DB::Connection,
        assignments: impl IntoIterator<Item = (C, V)>,
    ) -> impl Future<Output = Result<u64>> + Send + 'a
    where
        DB: Backend,
        C: IntoIden,
        V: Into<Expr>,
    {
        let trace = Trace::new("update", DB::DIALECT);
        let prepared = write::prepare::<DB>(&trace, self, &write::assignments(assignments));
        written::<DB>(trace, conn, prepared)
    }
}

impl<T: Target> OnConnection for T {}
