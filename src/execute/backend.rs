//! The databases setql runs on, tied to the dialect each one renders, and what setql can run
//! statements on.
//!
//! Every statement goes through the few primitives of [`private::Sealed`], implemented once
//! per engine for its concrete connection type. Generic code then needs only `DB: Backend`,
//! where it would otherwise repeat sqlx's higher-ranked bound
//! (`for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>`) on every function.

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sea_query::Values;
use sqlx::{Acquire, Database, Decode, FromRow, IntoArguments, Type};

use crate::Dialect;

/// A sqlx database that setql can run query sets on.
///
/// Implemented for `sqlx::Sqlite`, `sqlx::Postgres` and `sqlx::MySql` when their Cargo
/// features are on. It is sealed: the set of engines is part of setql's contract.
pub trait Backend: Database + private::Sealed {
    /// The dialect rendered for this database.
    const DIALECT: Dialect;
}

/// What every setql method that runs SQL takes: anything sqlx can acquire a connection of a
/// supported database from.
///
/// - `&Pool`, e.g. `&sqlx::SqlitePool`: each call takes a connection from the pool and
///   gives it back;
/// - `&mut PoolConnection`, from `pool.acquire()`;
/// - `&mut Transaction`, from `pool.begin()`: the statements run inside it;
/// - `&mut` a connection, e.g. `&mut sqlx::PgConnection`, or `&mut *tx`.
///
/// It is implemented for every such type; there is nothing to implement.
pub trait Executor<'c>: Acquire<'c, Database: Backend> + Send {}

impl<'c, A> Executor<'c> for A
where
    A: Acquire<'c> + Send,
    A::Database: Backend,
{
}

/// A type that rows of `DB` are read into: any [`sqlx::FromRow`] type that can cross
/// threads, such as a `#[derive(sqlx::FromRow)]` struct or a tuple.
pub trait Fetchable<DB: Database>: for<'r> FromRow<'r, DB::Row> + Send + Unpin {}

impl<DB: Database, R> Fetchable<DB> for R where R: for<'r> FromRow<'r, DB::Row> + Send + Unpin {}

/// A type that one column of `DB` is read into, such as `i64` or `String`.
pub trait Scalar<DB: Database>: for<'r> Decode<'r, DB> + Type<DB> + Send + Unpin {}

impl<DB: Database, T> Scalar<DB> for T where T: for<'r> Decode<'r, DB> + Type<DB> + Send + Unpin {}

pub(crate) mod private {
    use futures::future::BoxFuture;
    use futures::stream::BoxStream;
    use sea_query::Values;
    use sqlx::Database;

    pub trait Sealed: Database {
        /// The rows of `sql` run with `values`.
        fn fetch_all(
            conn: &mut Self::Connection,
            sql: String,
            values: Values,
        ) -> BoxFuture<'_, Result<Vec<Self::Row>, sqlx::Error>>;

        /// The rows of `sql` run with `values`, as they arrive.
        fn fetch(
            conn: &mut Self::Connection,
            sql: String,
            values: Values,
        ) -> BoxStream<'_, Result<Self::Row, sqlx::Error>>;

        /// Runs `sql` with `values`, for its result (rows affected, an inserted id).
        fn execute(
            conn: &mut Self::Connection,
            sql: String,
            values: Values,
        ) -> BoxFuture<'_, Result<Self::QueryResult, sqlx::Error>>;

        /// Runs `sql`, which binds nothing and may hold several statements (DDL, settings).
        fn execute_plain(
            conn: &mut Self::Connection,
            sql: String,
        ) -> BoxFuture<'_, Result<Self::QueryResult, sqlx::Error>>;

        /// The rows an UPDATE or DELETE matched.
        fn rows_affected(result: &Self::QueryResult) -> u64;

        /// The id an INSERT allocated, where the engine reports it with the result
        /// (MySQL, which has no `RETURNING`).
        fn last_insert_id(result: &Self::QueryResult) -> Option<i64>;

        /// Reads the integer in column `index` of `row`.
        fn read_i64_at(row: &Self::Row, index: usize) -> Result<i64, sqlx::Error>;

        /// Reads the text, or NULL, in column `index` of `row`.
        fn read_text_at(row: &Self::Row, index: usize) -> Result<Option<String>, sqlx::Error>;

        /// Reads the first column of `row` as `T`.
        fn read_first<T: super::Scalar<Self>>(row: &Self::Row) -> Result<T, sqlx::Error>;

        /// Reads `column` of `row` as a keyset cursor value, by its SQL type.
        fn read_cursor_value(
            row: &Self::Row,
            column: &str,
        ) -> crate::Result<crate::paginate::cursor::CursorValue>;
    }
}

/// Bound arguments for any backend. sqlx implements `IntoArguments` per concrete database
/// only, so generic code carries the already-bound arguments in this wrapper.
struct Bound<DB: Database>(<DB as Database>::Arguments);

impl<DB: Database> IntoArguments<DB> for Bound<DB> {
    fn into_arguments(self) -> <DB as Database>::Arguments {
        self.0
    }
}

/// Declares one supported database.
macro_rules! backend {
    ($feature:literal, $db:ty, $dialect:expr, $read:path, $last_id:expr) => {
        #[cfg(feature = $feature)]
        impl private::Sealed for $db {
            fn fetch_all(
                conn: &mut Self::Connection,
                sql: String,
                values: Values,
            ) -> BoxFuture<'_, Result<Vec<Self::Row>, sqlx::Error>> {
                Box::pin(async move {
                    if in_own_transaction($dialect, conn) {
                        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                        let rows = query(sql, values).fetch_all(&mut *tx).await?;
                        tx.commit().await?;
                        return Ok(rows);
                    }
                    query(sql, values).fetch_all(conn).await
                })
            }

            fn fetch(
                conn: &mut Self::Connection,
                sql: String,
                values: Values,
            ) -> BoxStream<'_, Result<Self::Row, sqlx::Error>> {
                if !in_own_transaction($dialect, conn) {
                    return query(sql, values).fetch(conn);
                }
                Box::pin(async_stream::try_stream! {
                    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                    {
                        let mut rows = query(sql, values).fetch(&mut *tx);
                        while let Some(row) = futures::StreamExt::next(&mut rows).await {
                            yield row?;
                        }
                    }
                    tx.commit().await?;
                })
            }

            fn execute(
                conn: &mut Self::Connection,
                sql: String,
                values: Values,
            ) -> BoxFuture<'_, Result<Self::QueryResult, sqlx::Error>> {
                Box::pin(async move {
                    if in_own_transaction($dialect, conn) {
                        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                        let done = query(sql, values).execute(&mut *tx).await?;
                        tx.commit().await?;
                        return Ok(done);
                    }
                    query(sql, values).execute(conn).await
                })
            }

            fn execute_plain(
                conn: &mut Self::Connection,
                sql: String,
            ) -> BoxFuture<'_, Result<Self::QueryResult, sqlx::Error>> {
                Box::pin(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(conn))
            }

            fn rows_affected(result: &Self::QueryResult) -> u64 {
                result.rows_affected()
            }

            fn last_insert_id(result: &Self::QueryResult) -> Option<i64> {
                let last_id: fn(&Self::QueryResult) -> Option<i64> = $last_id;
                last_id(result)
            }

            fn read_i64_at(row: &Self::Row, index: usize) -> Result<i64, sqlx::Error> {
                sqlx::Row::try_get(row, index)
            }

            fn read_text_at(row: &Self::Row, index: usize) -> Result<Option<String>, sqlx::Error> {
                sqlx::Row::try_get(row, index)
            }

            fn read_first<T: Scalar<Self>>(row: &Self::Row) -> Result<T, sqlx::Error> {
                sqlx::Row::try_get(row, 0)
            }

            fn read_cursor_value(
                row: &Self::Row,
                column: &str,
            ) -> crate::Result<crate::paginate::cursor::CursorValue> {
                $read(row, column)
            }
        }

        #[cfg(feature = $feature)]
        impl Backend for $db {
            const DIALECT: Dialect = $dialect;
        }
    };
}

/// Whether a statement on `conn` runs in a transaction of its own: unnamed statements on an
/// engine whose driver sends them in two exchanges, outside a transaction (see
/// `Dialect::unnamed_statements_need_a_transaction`). A single statement outside a
/// transaction commits by itself anyway, so wrapping it changes nothing it does.
fn in_own_transaction<C: sqlx::Connection>(dialect: Dialect, conn: &C) -> bool {
    dialect.unnamed_statements_need_a_transaction()
        && super::prepared::prepared_statements() == super::prepared::PreparedStatements::Unnamed
        && !conn.is_in_transaction()
}

/// `sql` with `values` bound for `DB`, as sqlx sends it.
fn query<DB>(sql: String, values: Values) -> sqlx::query::Query<'static, DB, Bound<DB>>
where
    DB: Database + sqlx::database::HasStatementCache,
    sea_query_sqlx::SqlxValues: IntoArguments<DB>,
{
    let arguments = Bound(sea_query_sqlx::SqlxValues(values).into_arguments());
    let named =
        super::prepared::prepared_statements() == super::prepared::PreparedStatements::Named;
    sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments).persistent(named)
}

backend!(
    "sqlite",
    sqlx::Sqlite,
    Dialect::Sqlite,
    super::cursor_values::sqlite,
    |result| Some(result.last_insert_rowid())
);
backend!(
    "postgres",
    sqlx::Postgres,
    Dialect::Postgres,
    super::cursor_values::postgres,
    |_| None
);
backend!(
    "mysql",
    sqlx::MySql,
    Dialect::MySql,
    super::cursor_values::mysql,
    |result| i64::try_from(result.last_insert_id()).ok()
);
