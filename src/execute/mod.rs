//! Running query sets through sqlx: fetching, streaming, counting and single-row lookups.
//!
//! Every method renders first, so misuse is reported before anything is sent, and a set
//! that is empty by construction returns at once without touching the executor.

mod backend;
mod catalog;
mod cursor_values;
mod keyset;
mod on_connection;
mod on_server;
mod prepared;
pub(crate) mod raw;
mod replica;
mod retry;
mod statement;
mod trace;
mod write;

pub use backend::{Backend, Executor, Fetchable, Scalar};
pub use catalog::forget_catalog;
pub(crate) use on_connection::OnConnection;
pub use on_server::OnServer;
pub use prepared::{PreparedStatements, prepared_statements, use_prepared_statements};
pub use replica::WritePosition;
pub(crate) use retry::Attempts;
pub use retry::Retry;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, stream};

use crate::dialect::Capabilities;
use crate::error::{Error, Result};
use on_server::Target;
use trace::Trace;

/// Execution for every query set, on any [`Executor`] of a supported database.
///
/// Methods take `&self`, so one set can be counted and then fetched.
///
/// # Executors
/// Every method that runs SQL takes the same four kinds of executor, as does every
/// object-set method:
///
/// | executor | e.g. | statements run |
/// |---|---|---|
/// | `&Pool` | `set.count(&pool)` | on a connection taken from the pool for the call |
/// | `&mut PoolConnection` | `set.count(&mut conn)`, `conn = pool.acquire().await?` | on that connection |
/// | `&mut Transaction` | `set.count(&mut tx)`, `tx = pool.begin().await?` | inside the transaction |
/// | `&mut` a connection | `set.count(&mut *tx)`, `set.count(&mut pg_connection)` | on that connection |
///
/// # Which types run
/// Every query set: [`QuerySet`](crate::QuerySet), [`DelayedUnion`](crate::DelayedUnion),
/// [`DelayedIntersection`](crate::DelayedIntersection) and
/// [`DelayedDifference`](crate::DelayedDifference), and a set bound to one server's
/// [`Capabilities`] with [`on`](Self::on) ([`OnServer`]). The trait is implemented for them
/// and no other type, and is in the prelude.
///
/// # Tracing
/// Each call emits exactly one `setql.execute` span at DEBUG level, whatever the method:
/// `method`, `dialect`, `sql` (with placeholders, never the bound values), `plan` (the
/// planner's decisions in short form, e.g. `union of 2; 1 filter pushed into 2 branches`,
/// written only when a subscriber reads the span), `rows` (returned, counted or matched;
/// for a stream, when it ends or is dropped) and `elapsed_us`.
///
/// # What runs
/// A method sends the set's own SQL, the SQL [`to_sql`](crate::QueryChain::to_sql) shows,
/// with what the method needs added: `first`, `last` and the pages order an unordered set
/// by its declared key and break ties with it, `get` reads at most 21 rows, `count` and
/// `exists` wrap the set in `SELECT COUNT(*)`.
///
/// ```
/// use setql::prelude::*;
/// use sea_query::{Expr, ExprTrait, Order};
///
/// let posts = || QuerySet::table("posts").primary_key("id");
/// let feed = (posts().filter(Expr::col("author_id").eq(7))
///     | posts().filter(Expr::col("pinned").eq(true)))
/// .keep_branches()
/// .order_by("created_at", Order::Desc);
/// // `feed.fetch_all(&pool)` sends:
/// assert_eq!(
///     feed.to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT * FROM "posts" WHERE "author_id" = 7 UNION SELECT * FROM "posts" WHERE "pinned" = TRUE ORDER BY "created_at" DESC"#
/// );
/// // `feed.first(&pool)` sends the same set, its ties broken by the key, and one row:
/// assert_eq!(
///     feed.clone().limit(1).to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT * FROM "posts" WHERE "author_id" = 7 UNION SELECT * FROM "posts" WHERE "pinned" = TRUE ORDER BY "created_at" DESC, "id" DESC LIMIT 1"#
/// );
/// ```
///
/// Running it, on a pool or inside a transaction:
///
/// ```no_run
/// use setql::prelude::*;
/// use sea_query::{Expr, ExprTrait, Order};
///
/// #[derive(sqlx::FromRow)]
/// struct Post {
///     id: i64,
///     title: String,
/// }
///
/// # async fn run(pool: sqlx::SqlitePool) -> setql::Result<()> {
/// let posts = QuerySet::table("posts").primary_key("id");
/// let feed = posts.clone().filter(Expr::col("pinned").eq(true)).order_by("title", Order::Asc);
///
/// let all: Vec<Post> = feed.fetch_all(&pool).await?;
/// let total: u64 = feed.count(&pool).await?;
/// let titles: Vec<String> = feed.clone().columns(["title"]).fetch_scalars(&pool).await?;
///
/// let mut tx = pool.begin().await?;
/// let page: Page<Post> = feed.page(1, 20, &mut tx).await?;
/// let one: Post = posts.filter(Expr::col("id").eq(1)).get(&mut tx).await?;
/// tx.commit().await?;
/// # let _ = (all, total, titles, page, one.id, one.title);
/// # Ok(())
/// # }
/// ```
pub trait Execute: Target {
    /// Runs on the server `capabilities` describes (read once with `Capabilities::detect`,
    /// or built by hand), instead of a current server of the executor's dialect.
    fn on<'a>(&'a self, capabilities: &'a Capabilities) -> OnServer<'a, Self>
    where
        Self: crate::query::QueryChain + Sized,
    {
        OnServer::new(self, capabilities)
    }

    /// Every row.
    ///
    /// # Errors
    /// Misuse in the chain (nothing is sent), [`Error::Query`] with the failed SQL,
    /// [`Error::Decode`] for a row that is not an `R`, [`Error::Retryable`] for a conflict
    /// with another transaction, or [`Error::Connection`] when no connection could be made
    /// or kept.
    fn fetch_all<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<Vec<R>>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        let trace = Trace::new("fetch_all", E::Database::DIALECT);
        let prepared = trace.prepare::<E::Database>(self, self.node(), false);
        let rows = async move {
            let Some(prepared) = prepared? else {
                return Ok(Vec::new());
            };
            let mut conn = statement::connect(executor, &prepared).await?;
            let prepared = prepared.on::<E::Database>(&mut conn).await?;
            statement::fetch_all::<E::Database, R>(&mut conn, prepared).await
        };
        trace.run(rows, |rows| trace::count(rows)).boxed()
    }

    /// The rows as a stream, fetched as they are read. The stream holds its connection
    /// until it ends or is dropped.
    ///
    /// Misuse arrives as the stream's only item.
    fn fetch<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxStream<'e, Result<R>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        let trace = Trace::new("fetch", E::Database::DIALECT);
        match trace.prepare::<E::Database>(self, self.node(), false) {
            Err(error) => stream::once(async { Err(error) }).boxed(),
            Ok(None) => trace.stream(stream::empty()).boxed(),
            Ok(Some(prepared)) => {
                let rows = async_stream::try_stream! {
                    let mut conn = statement::connect(executor, &prepared).await?;
                    let prepared = prepared.on::<E::Database>(&mut conn).await?;
                    let mut rows =
                        std::pin::pin!(statement::fetch::<E::Database, R>(&mut conn, prepared));
                    while let Some(row) = rows.next().await {
                        yield row?;
                    }
                };
                trace.stream(Box::pin(rows)).boxed()
            }
        }
    }

    /// The first row the database returns, or `None`.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn fetch_optional<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<Option<R>>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        let trace = Trace::new("fetch_optional", E::Database::DIALECT);
        let row = statement::optional_row(&trace, self, self.node(), executor);
        trace.run(row, |row| u64::from(row.is_some())).boxed()
    }

    /// The first row the database returns.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no row; otherwise as [`fetch_all`](Self::fetch_all).
    fn fetch_one<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<R>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        let trace = Trace::new("fetch_one", E::Database::DIALECT);
        let row = statement::optional_row(&trace, self, self.node(), executor);
        let row = async move { row.await?.ok_or(Error::NotFound) };
        trace.run(row, |_| 1).boxed()
    }

    /// The first row in the set's order; an unordered set is ordered by its declared key,
    /// or else by its first output column.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn first<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<Option<R>>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        // limit composes with any slice already there, so this is the window's first row.
        let node = self.node().clone().ensure_ordered().limit(1);
        let trace = Trace::new("first", E::Database::DIALECT);
        let row = statement::optional_row(&trace, self, &node, executor);
        trace.run(row, |row| u64::from(row.is_some())).boxed()
    }

    /// The last row in the set's order, chosen as [`first`](Self::first) chooses.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn last<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<Option<R>>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        let node = self
            .node()
            .clone()
            .ensure_ordered()
            .reverse_order()
            .limit(1);
        let trace = Trace::new("last", E::Database::DIALECT);
        let row = statement::optional_row(&trace, self, &node, executor);
        trace.run(row, |row| u64::from(row.is_some())).boxed()
    }

    /// Exactly one row. At most [`Error::GET_LIMIT`]` + 1` rows are read, so a set that
    /// matches many rows costs what a set of 21 costs.
    ///
    /// # Errors
    /// [`Error::NotFound`] for no row; [`Error::MultipleRows`] for more than one, with the
    /// exact count up to 20 and "more than 20" past that.
    fn get<'e, 'c: 'e, E, R>(&self, executor: E) -> BoxFuture<'e, Result<R>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        // limit composes with any slice already there: the cap applies to the set's rows.
        let capped = self.node().clone().limit(Error::GET_LIMIT + 1);
        let trace = Trace::new("get", E::Database::DIALECT);
        let prepared = trace.prepare::<E::Database>(self, &capped, false);
        let row = async move {
            let Some(prepared) = prepared? else {
                return Err(Error::NotFound);
            };
            let mut conn = statement::connect(executor, &prepared).await?;
            let prepared = prepared.on::<E::Database>(&mut conn).await?;
            let (rows, sql) = statement::rows::<E::Database>(&mut conn, prepared).await?;
            match rows.as_slice() {
                [] => Err(Error::NotFound),
                [only] => statement::decode::<E::Database, R>(only, &sql),
                many => {
                    let count = trace::count(many);
                    Err(if count > Error::GET_LIMIT {
                        Error::MultipleRows {
                            count: Error::GET_LIMIT,
                            exact: false,
                        }
                    } else {
                        Error::MultipleRows { count, exact: true }
                    })
                }
            }
        };
        trace.run(row, |_| 1).boxed()
    }

    /// The values of the set's one output column, like sqlx's `query_scalar`:
    /// `set.columns(["id"]).fetch_scalars::<_, i64>(&pool)`.
    ///
    /// # Errors
    /// [`Error::NotOneColumn`] for a set whose output has more than one column: before
    /// sending when setql knows the output, else from the rows that came back. Otherwise as
    /// [`fetch_all`](Self::fetch_all).
    fn fetch_scalars<'e, 'c: 'e, E, T>(&self, executor: E) -> BoxFuture<'e, Result<Vec<T>>>
    where
        E: Executor<'c> + 'e,
        T: Scalar<E::Database> + 'e,
    {
        let trace = Trace::new("fetch_scalars", E::Database::DIALECT);
        let prepared = trace.prepare_scalar::<E::Database>(self);
        let values = async move {
            let Some(prepared) = prepared? else {
                return Ok(Vec::new());
            };
            let mut conn = statement::connect(executor, &prepared).await?;
            let prepared = prepared.on::<E::Database>(&mut conn).await?;
            statement::scalars::<E::Database, T>(&mut conn, prepared).await
        };
        trace.run(values, |values| trace::count(values)).boxed()
    }

    /// The one output column of the first row the database returns.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no row; otherwise as
    /// [`fetch_scalars`](Self::fetch_scalars).
    fn fetch_scalar<'e, 'c: 'e, E, T>(&self, executor: E) -> BoxFuture<'e, Result<T>>
    where
        E: Executor<'c> + 'e,
        T: Scalar<E::Database> + 'e,
    {
        let trace = Trace::new("fetch_scalar", E::Database::DIALECT);
        let value = statement::read_optional_scalar(&trace, self, executor);
        let value = async move { value.await?.ok_or(Error::NotFound) };
        trace.run(value, |_| 1).boxed()
    }

    /// The one output column of the first row the database returns, or `None`.
    ///
    /// # Errors
    /// As [`fetch_scalars`](Self::fetch_scalars).
    fn fetch_optional_scalar<'e, 'c: 'e, E, T>(
        &self,
        executor: E,
    ) -> BoxFuture<'e, Result<Option<T>>>
    where
        E: Executor<'c> + 'e,
        T: Scalar<E::Database> + 'e,
    {
        let trace = Trace::new("fetch_optional_scalar", E::Database::DIALECT);
        let value = statement::read_optional_scalar(&trace, self, executor);
        trace.run(value, |value| u64::from(value.is_some())).boxed()
    }

    /// Page `number` (from 1) of `per_page` rows, with the total count. An unordered set is
    /// ordered as [`first`](Self::first) orders it, and ties are broken by the declared key
    /// or the output columns, so pages never overlap or skip.
    ///
    /// It runs two statements (count, then the page) on one connection. Inside a
    /// transaction, both statements see its rows.
    ///
    /// # Errors
    /// [`Error::InvalidPage`] for page 0 or size 0 (nothing is sent), or a page past the end;
    /// [`Error::Connection`] when no connection can be acquired.
    fn page<'e, 'c: 'e, E, R>(
        &self,
        number: u64,
        per_page: u64,
        executor: E,
    ) -> BoxFuture<'e, Result<crate::Page<R>>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        let requested = crate::paginate::check_request(number, per_page);
        let window = self
            .node()
            .clone()
            .ensure_ordered()
            .offset(crate::paginate::offset(number, per_page))
            .limit(per_page);
        let trace = Trace::new("page", E::Database::DIALECT);
        let (counted, rows) = trace.prepare_page::<E::Database>(self, &window);
        let page = async move {
            requested?;
            let (counted, rows) = (counted?, rows?);
            // A set that is empty by construction needs no connection at all.
            let (Some(counted), Some(rows)) = (counted, rows) else {
                return Ok(crate::Page {
                    items: Vec::new(),
                    number,
                    per_page,
                    total: 0,
                    num_pages: crate::paginate::num_pages(0, number, per_page)?,
                });
            };
            let mut conn = executor.acquire().await?;
            let counted = counted.on::<E::Database>(&mut conn).await?;
            let rows = rows.on::<E::Database>(&mut conn).await?;
            let total = statement::count::<E::Database>(&mut conn, counted).await?;
            let num_pages = crate::paginate::num_pages(total, number, per_page)?;
            let items = statement::fetch_all::<E::Database, R>(&mut conn, rows).await?;
            Ok(crate::Page {
                items,
                number,
                per_page,
                total,
                num_pages,
            })
        };
        trace.run(page, |page| trace::count(&page.items)).boxed()
    }

    /// The page of `per_page` rows after `cursor` (the first page when `None`), in the set's
    /// order, with the cursors of the pages around it. The filter is a keyset comparison on
    /// the ordering columns, so a deep page costs what the first page costs. An unordered
    /// set is ordered as [`first`](Self::first) orders it; ties are broken by the declared key
    /// or the output columns, which must be named.
    ///
    /// # Errors
    /// [`Error::InvalidCursor`] for a cursor of another ordering or an ordering setql cannot
    /// name (nothing is sent), [`Error::InvalidPage`] for a page size of 0, and
    /// [`Error::UnsupportedCursorColumn`] for an ordering column whose SQL type has no cursor
    /// form in this build (from the first page that has a row, whether or not it needs a
    /// cursor, so it shows up on the first read and not once the set outgrows a page).
    fn page_after<'e, 'c: 'e, E, R>(
        &self,
        cursor: Option<&crate::Cursor>,
        per_page: u64,
        executor: E,
    ) -> BoxFuture<'e, Result<crate::KeysetPage<R>>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        let trace = Trace::new("page_after", E::Database::DIALECT);
        let page = keyset::page(&trace, self, cursor, per_page, true, executor);
        trace.run(page, |page| trace::count(&page.items)).boxed()
    }

    /// The page of `per_page` rows just before `cursor`, in the set's order.
    ///
    /// # Errors
    /// As [`page_after`](Self::page_after).
    fn page_before<'e, 'c: 'e, E, R>(
        &self,
        cursor: &crate::Cursor,
        per_page: u64,
        executor: E,
    ) -> BoxFuture<'e, Result<crate::KeysetPage<R>>>
    where
        E: Executor<'c> + 'e,
        R: Fetchable<E::Database> + 'e,
    {
        let trace = Trace::new("page_before", E::Database::DIALECT);
        let page = keyset::page(&trace, self, Some(cursor), per_page, false, executor);
        trace.run(page, |page| trace::count(&page.items)).boxed()
    }

    /// Whether the set has any row; reads at most one.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn exists<'e, 'c: 'e, E>(&self, executor: E) -> BoxFuture<'e, Result<bool>>
    where
        E: Executor<'c> + 'e,
    {
        let node = self.node().clone().limit(1);
        let trace = Trace::new("exists", E::Database::DIALECT);
        let prepared = trace.prepare::<E::Database>(self, &node, true);
        let exists = async move {
            let Some(prepared) = prepared? else {
                return Ok(false);
            };
            let mut conn = statement::connect(executor, &prepared).await?;
            let prepared = prepared.on::<E::Database>(&mut conn).await?;
            Ok(statement::count::<E::Database>(&mut conn, prepared).await? > 0)
        };
        trace.run(exists, |exists| u64::from(*exists)).boxed()
    }

    /// The number of rows, counted in the database; a slice is respected.
    ///
    /// # Errors
    /// As [`fetch_all`](Self::fetch_all).
    fn count<'e, 'c: 'e, E>(&self, executor: E) -> BoxFuture<'e, Result<u64>>
    where
        E: Executor<'c> + 'e,
    {
        let trace = Trace::new("count", E::Database::DIALECT);
        let prepared = trace.prepare::<E::Database>(self, self.node(), true);
        let count = async move {
            let Some(prepared) = prepared? else {
                return Ok(0);
            };
            let mut conn = statement::connect(executor, &prepared).await?;
            let prepared = prepared.on::<E::Database>(&mut conn).await?;
            statement::count::<E::Database>(&mut conn, prepared).await
        };
        trace.run(count, |count| *count).boxed()
    }

    /// Updates exactly the rows of this set, assigning each column its expression (read from
    /// the row before the update, so `score = score + 1` works), and returns the number of
    /// rows matched, on every engine, whether or not a value changed.
    ///
    /// ```
    /// use setql::prelude::*;
    ///
    /// let posts = || QuerySet::table("posts").primary_key("id");
    /// let feed = posts().filter(Expr::col("author_id").eq(7)) | posts().filter(Expr::col("pinned").eq(true));
    /// // `feed.update(&pool, [("seen", Expr::val(true))])` sends:
    /// assert_eq!(
    ///     feed.update_sql(Dialect::Postgres, [("seen", Expr::val(true))]).unwrap(),
    ///     r#"UPDATE "posts" SET "seen" = TRUE WHERE "author_id" = 7 OR "pinned" = TRUE"#
    /// );
    /// ```
    ///
    /// A plain filter of one table is updated in place. Any other set whose rows are rows of
    /// one table with a declared key that holds no NULL (a combination of that table's
    /// branches, a sliced, ordered or distinct set) is updated through its key,
    /// `WHERE key IN (SELECT key FROM (<set>) AS s)`, so a slice updates exactly the rows
    /// [`fetch_all`](Self::fetch_all) returns.
    ///
    /// Every assignment reads the row as it was before the update, on every engine. MySQL
    /// and MariaDB evaluate `SET` left to right, so there the assignments are ordered so
    /// that each one that reads a column comes before the one that writes it, and a cycle
    /// (`a = b, b = a`) reads the old row through a join on the table's key.
    ///
    /// # Errors
    /// [`Error::NotWritable`] (nothing is sent) for a set of several tables, or without a
    /// declared key that is not a plain filter of one table, or whose key may hold NULL; for
    /// no assignment, or a column assigned twice; on MySQL, for assignments that read each
    /// other in a cycle without a key to read the old row by. Otherwise as
    /// [`fetch_all`](Self::fetch_all).
    fn update<'e, 'c: 'e, E, A, C, V>(
        &self,
        executor: E,
        assignments: A,
    ) -> BoxFuture<'e, Result<u64>>
    where
        E: Executor<'c> + 'e,
        A: IntoIterator<Item = (C, V)>,
        C: sea_query::IntoIden,
        V: Into<sea_query::Expr>,
    {
        let trace = Trace::new("update", E::Database::DIALECT);
        let prepared =
            write::prepare::<E::Database>(&trace, self, &write::assignments(assignments));
        let matched = write::run_prepared::<E>(prepared, executor);
        trace.run(matched, |matched| *matched).boxed()
    }

    /// Deletes exactly the rows of this set, chosen as [`update`](Self::update) chooses them,
    /// and returns the number of rows deleted.
    ///
    /// # Errors
    /// As [`update`](Self::update).
    fn delete<'e, 'c: 'e, E>(&self, executor: E) -> BoxFuture<'e, Result<u64>>
    where
        E: Executor<'c> + 'e,
    {
        let trace = Trace::new("delete", E::Database::DIALECT);
        let prepared = write::prepare::<E::Database>(&trace, self, &crate::render::Write::Delete);
        let matched = write::run_prepared::<E>(prepared, executor);
        trace.run(matched, |matched| *matched).boxed()
    }

    /// The SQL [`update`](Self::update) sends on `dialect`, with values inlined; empty for a
    /// set that is empty by construction, for which nothing is sent.
    ///
    /// # Errors
    /// As [`update`](Self::update), before anything is sent.
    fn update_sql<A, C, V>(&self, dialect: crate::Dialect, assignments: A) -> Result<String>
    where
        A: IntoIterator<Item = (C, V)>,
        C: sea_query::IntoIden,
        V: Into<sea_query::Expr>,
    {
        let statement = write::render_for(self, &write::assignments(assignments), dialect, None)?;
        Ok(statement.to_string(dialect).unwrap_or_default())
    }

    /// The SQL [`delete`](Self::delete) sends on `dialect`, with values inlined; empty for a
    /// set that is empty by construction.
    ///
    /// # Errors
    /// As [`update`](Self::update), before anything is sent.
    fn delete_sql(&self, dialect: crate::Dialect) -> Result<String> {
        let statement = write::render_for(self, &crate::render::Write::Delete, dialect, None)?;
        Ok(statement.to_string(dialect).unwrap_or_default())
    }
}

impl<T: Target> Execute for T {}
