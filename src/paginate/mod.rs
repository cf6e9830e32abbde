//! Pages of a query set: numbered pages (`Page`, `Execute::page`) and keyset pages
//! (`Cursor`, `KeysetPage`, `Execute::page_after` / `page_before`).

pub(crate) mod cursor;
pub(crate) mod value;

pub use cursor::Cursor;

use serde::{Serialize, Serializer};

use crate::error::{Error, Result};

/// A page read by cursor: the rows, and the cursors of the pages on either side.
///
/// It serializes with serde when its rows do. The cursors become the opaque tokens of
/// [`Cursor::encode`], ready for a JSON API's `next`/`previous` links, and `null` when there
/// is no such page: `{"items":[...],"next":"eyJrZXlz...","previous":null}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct KeysetPage<R> {
    /// The rows of this page, in the set's order.
    pub items: Vec<R>,
    /// Where the next page starts, when there is one.
    #[serde(serialize_with = "as_token")]
    pub next: Option<Cursor>,
    /// Where the previous page ends, when there is one.
    #[serde(serialize_with = "as_token")]
    pub previous: Option<Cursor>,
}

/// A cursor inside a page is written as its token: a client passes it back, it does not
/// read it.
fn as_token<S: Serializer>(cursor: &Option<Cursor>, serializer: S) -> Result<S::Ok, S::Error> {
    match cursor {
        Some(cursor) => serializer.serialize_some(&cursor.encode()),
        None => serializer.serialize_none(),
    }
}

/// One page of rows, 1-based, with what a page navigator needs, from
/// [`Execute::page`](crate::Execute::page).
///
/// `page(number, per_page)` counts the set, then reads its window: the set ordered (by its
/// key when it has no ordering), ties broken by the key, `LIMIT per_page OFFSET (number - 1)
/// * per_page`.
///
/// ```
/// use setql::prelude::*;
/// use sea_query::{Expr, ExprTrait, Order};
///
/// let scores = QuerySet::table("scores")
///     .primary_key("id")
///     .filter(Expr::col("game").eq(3))
///     .order_by("points", Order::Desc);
/// // `scores.page(3, 10, &pool)` counts the set, then reads:
/// assert_eq!(
///     scores.offset(20).limit(10).to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT * FROM "scores" WHERE "game" = 3 ORDER BY "points" DESC, "id" DESC LIMIT 10 OFFSET 20"#
/// );
/// ```
///
/// It serializes with serde when its rows do, as its fields:
/// `{"items":[...],"number":2,"per_page":10,"total":45,"num_pages":5}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Page<R> {
    /// The rows of this page, at most `per_page`.
    pub items: Vec<R>,
    /// This page's number, from 1.
    pub number: u64,
    /// The page size asked for.
    pub per_page: u64,
    /// Rows in the whole set.
    pub total: u64,
    /// Pages in the whole set; an empty set has one, empty, page.
    pub num_pages: u64,
}

impl<R> Page<R> {
    /// Whether a later page exists.
    #[must_use]
    pub fn has_next(&self) -> bool {
        self.number < self.num_pages
    }

    /// Whether an earlier page exists.
    #[must_use]
    pub fn has_previous(&self) -> bool {
        self.number > 1
    }
}

/// Rejects a page number or size that no set has, before anything is sent.
pub(crate) fn check_request(number: u64, per_page: u64) -> Result<()> {
    if number == 0 || per_page == 0 {
        return Err(Error::InvalidPage {
            number,
            per_page,
            num_pages: None,
        });
    }
    Ok(())
}

/// The number of pages for `total` rows, and whether page `number` is one of them.
pub(crate) fn num_pages(total: u64, number: u64, per_page: u64) -> Result<u64> {
    // An empty set still has its first, empty page, as Django's paginator allows.
    let num_pages = total.div_ceil(per_page).max(1);
    if number > num_pages {
        return Err(Error::InvalidPage {
            number,
            per_page,
            num_pages: Some(num_pages),
        });
    }
    Ok(num_pages)
}

/// The offset of page `number`.
pub(crate) fn offset(number: u64, per_page: u64) -> u64 {
    number.saturating_sub(1).saturating_mul(per_page)
}
