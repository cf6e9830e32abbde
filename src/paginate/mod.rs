//! Pages of a query set: numbered pages (`Page`, `Execute::page`) and keyset pages
//! (`Cursor`, `KeysetPage`, `Execute::page_after` / `page_before`).

pub(crate) mod cursor;

pub use cursor::Cursor;

use crate::error::{Error, Result};

/// A page read by cursor: the rows, and the cursors of the pages on either side.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct KeysetPage<R> {
    /// The rows of this page, in the set's order.
    pub items: Vec<R>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
    /// Where the previous page ends, when there is one.
    pub previous: Option<Cursor>,
}

/// One page of rows, 1-based, with what a page navigator needs.
#[derive(Debug, Clone, PartialEq, Eq)]
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
