//! Rows of any width for the oracles: reading a column by name, setql's orderings (NULLs
//! first ascending, last descending, on every engine), comparing an ordered result up to
//! ties, and reading a set on every engine by fetch, count and cursor walk.

use std::cmp::Ordering;
use std::fmt::Debug;

use setql::prelude::*;
use sqlx::{FromRow, Pool};

use crate::common::plan::AnySet;

/// One ordering term: an output column, and whether it is descending.
pub type Term = (&'static str, bool);

/// An output row the oracles can order.
pub trait Row: Clone + Ord + Debug + Send + Unpin + 'static {
    /// The output columns, in order.
    const COLUMNS: &'static [&'static str];

    /// The value of output column `column`.
    fn get(&self, column: &str) -> Option<i64>;
}

impl Row for (Option<i64>, Option<i64>) {
    const COLUMNS: &'static [&'static str] = &["a", "b"];

    fn get(&self, column: &str) -> Option<i64> {
        if column == "a" { self.0 } else { self.1 }
    }
}

/// `(id, k, c)`: a keyed branch with its computed column.
impl Row for (i64, Option<i64>, Option<i64>) {
    const COLUMNS: &'static [&'static str] = &["id", "k", "c"];

    fn get(&self, column: &str) -> Option<i64> {
        match column {
            "id" => Some(self.0),
            "k" => self.1,
            _ => self.2,
        }
    }
}

/// `(id, a, b, c)`: a whole table row.
impl Row for (i64, Option<i64>, Option<i64>, Option<i64>) {
    const COLUMNS: &'static [&'static str] = &["id", "a", "b", "c"];

    fn get(&self, column: &str) -> Option<i64> {
        match column {
            "id" => Some(self.0),
            "a" => self.1,
            "b" => self.2,
            _ => self.3,
        }
    }
}

/// Two values under one term: NULL sorts first ascending and last descending.
pub fn compare_values(x: Option<i64>, y: Option<i64>, descending: bool) -> Ordering {
    let ascending = x.cmp(&y);
    if descending {
        ascending.reverse()
    } else {
        ascending
    }
}

/// Two rows under `terms` alone.
pub fn compare<R: Row>(terms: &[Term], x: &R, y: &R) -> Ordering {
    terms
        .iter()
        .map(|&(column, descending)| compare_values(x.get(column), y.get(column), descending))
        .find(|order| order.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Sorts by `terms` and then by every output column, in the direction of the last term
/// (ascending when there is none): the total order setql's tie-breakers give (the key, or
/// the output columns, both of which make the rows of a set that has them differ in that
/// order; the key comes first in every keyed fixture).
pub fn sort_total<R: Row>(rows: &mut [R], terms: &[Term]) {
    let descending = terms.last().is_some_and(|&(_, descending)| descending);
    rows.sort_by(|x, y| {
        compare(terms, x, y).then_with(|| if descending { y.cmp(x) } else { x.cmp(y) })
    });
}

/// The rows `[offset, offset + limit)` of `rows` in setql's total order under `terms`.
pub fn window<R: Row>(mut rows: Vec<R>, terms: &[Term], limit: u64, offset: u64) -> Vec<R> {
    sort_total(&mut rows, terms);
    rows.into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect()
}

/// Whether `actual` is `expected` in an order that only `order` constrains: `actual` must
/// be sorted under `order`, and the two must hold the same rows within each run of ties.
pub fn agrees_up_to_ties<R: Ord + Clone>(
    expected: &[R],
    actual: &[R],
    order: impl Fn(&R, &R) -> Ordering,
) -> bool {
    let canonical = |rows: &[R]| {
        let mut rows = rows.to_vec();
        rows.sort_by(|x, y| order(x, y).then_with(|| x.cmp(y)));
        rows
    };
    actual
        .windows(2)
        .all(|pair| order(&pair[0], &pair[1]).is_le())
        && canonical(expected) == canonical(actual)
}

/// Row types every enabled engine can decode.
#[cfg(feature = "postgres")]
pub trait PgRowOf: for<'r> FromRow<'r, sqlx::postgres::PgRow> {}
#[cfg(feature = "postgres")]
impl<T: for<'r> FromRow<'r, sqlx::postgres::PgRow>> PgRowOf for T {}
#[cfg(not(feature = "postgres"))]
pub trait PgRowOf {}
#[cfg(not(feature = "postgres"))]
impl<T> PgRowOf for T {}

#[cfg(feature = "mysql")]
pub trait MySqlRowOf: for<'r> FromRow<'r, sqlx::mysql::MySqlRow> {}
#[cfg(feature = "mysql")]
impl<T: for<'r> FromRow<'r, sqlx::mysql::MySqlRow>> MySqlRowOf for T {}
#[cfg(not(feature = "mysql"))]
pub trait MySqlRowOf {}
#[cfg(not(feature = "mysql"))]
impl<T> MySqlRowOf for T {}

/// A row the suite can read from every engine.
pub trait Fetched:
    Row + for<'r> FromRow<'r, sqlx::sqlite::SqliteRow> + PgRowOf + MySqlRowOf
{
}
impl<T: Row + for<'r> FromRow<'r, sqlx::sqlite::SqliteRow> + PgRowOf + MySqlRowOf> Fetched for T {}

/// The rows of `set` (sorted unless `ordered`) or the error's text, and the SQL that ran.
pub async fn fetch_on<DB, R>(
    pool: &Pool<DB>,
    set: &AnySet,
    ordered: bool,
) -> (Result<Vec<R>, String>, String)
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
    R: Row + for<'r> FromRow<'r, DB::Row>,
{
    let sql = crate::with_set!(set, |s| s.to_sql(DB::DIALECT)).unwrap_or_else(|e| e.to_string());
    let rows = crate::with_set!(set, |s| s.fetch_all::<_, R>(pool).await);
    let rows = rows.map_err(|e| e.to_string()).map(|mut rows| {
        if !ordered {
            rows.sort_unstable();
        }
        rows
    });
    (rows, sql)
}

/// What a cursor walk saw: every row forward, page by page with `page_after` until `next` is
/// `None`; then backward with `page_before` from the first row of the last page until
/// `previous` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk<R> {
    pub forward: Vec<R>,
    pub backward: Vec<R>,
}

/// Walks `set` by cursor, `per_page` rows at a time, giving up after `max_pages` pages each
/// way. Each forward cursor goes through its token, as a web client would send it back.
pub async fn walk_on<DB, R>(
    pool: &Pool<DB>,
    set: &AnySet,
    per_page: u64,
    max_pages: usize,
) -> Result<Walk<R>, String>
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
    R: Row + for<'r> FromRow<'r, DB::Row>,
{
    let mut forward = Vec::new();
    let mut cursor: Option<Cursor> = None;
    for _ in 0..max_pages {
        let page: KeysetPage<R> =
            crate::with_set!(set, |s| s.page_after(cursor.as_ref(), per_page, pool).await)
                .map_err(|e| format!("page_after: {e}"))?;
        forward.extend(page.items);
        let Some(next) = page.next else {
            // `previous` is the first row of this, the last, page.
            let backward = walk_back(pool, set, page.previous, per_page, max_pages).await?;
            return Ok(Walk { forward, backward });
        };
        cursor = Some(Cursor::decode(&next.encode()).map_err(|e| format!("decode: {e}"))?);
    }
    Err(format!(
        "the forward walk did not end within {max_pages} pages; it read {forward:?}"
    ))
}

async fn walk_back<DB, R>(
    pool: &Pool<DB>,
    set: &AnySet,
    mut cursor: Option<Cursor>,
    per_page: u64,
    max_pages: usize,
) -> Result<Vec<R>, String>
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
    R: Row + for<'r> FromRow<'r, DB::Row>,
{
    let mut backward = Vec::new();
    for _ in 0..max_pages {
        let Some(before) = cursor else {
            return Ok(backward);
        };
        let page: KeysetPage<R> =
            crate::with_set!(set, |s| s.page_before(&before, per_page, pool).await)
                .map_err(|e| format!("page_before: {e}"))?;
        cursor = page.previous;
        backward.splice(0..0, page.items);
    }
    Err(format!(
        "the backward walk did not end within {max_pages} pages; it read {backward:?}"
    ))
}

/// What `first()` and `last()` return for `set`.
pub async fn ends_on<DB, R>(pool: &Pool<DB>, set: &AnySet) -> Result<(Option<R>, Option<R>), String>
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
    R: Row + for<'r> FromRow<'r, DB::Row>,
{
    let first = crate::with_set!(set, |s| s.first::<_, R>(pool).await)
        .map_err(|e| format!("first: {e}"))?;
    let last =
        crate::with_set!(set, |s| s.last::<_, R>(pool).await).map_err(|e| format!("last: {e}"))?;
    Ok((first, last))
}
