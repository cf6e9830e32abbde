//! Keyset pagination: a [`Cursor`] holds the ordering values of one row, and `after` /
//! `before` keep the rows on one side of it, so a deep page costs what the first page costs.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_query::{Expr, ExprTrait, Order};
use serde::{Deserialize, Serialize};

pub(crate) use super::value::CursorValue;
use crate::error::{Error, Result};
use crate::query::node::{Sort, SortKey};

/// A position in an ordered set: the ordering values of one row, and the ordering they were
/// read under. Serialize it with serde, or pass [`Cursor::encode`]'s token through a URL.
///
/// [`page_after`](crate::Execute::page_after) returns the cursors of the pages around the
/// one it reads; [`after`](crate::QueryChain::after) keeps the rows past a cursor with a
/// keyset comparison, so a deep page costs what the first one costs:
///
/// ```
/// use setql::prelude::*;
/// use sea_query::{Expr, ExprTrait, Order};
///
/// let scores = QuerySet::table("scores")
///     .primary_key("id")
///     .filter(Expr::col("game").eq(3))
///     .order_by("points", Order::Desc);
/// // The cursor of the row (points 90, id 42), as a page's `next` would hold it.
/// let token = "eyJrZXlzIjpbeyJjb2x1bW4iOiJwb2ludHMiLCJkZXNjZW5kaW5nIjp0cnVlLCJ2YWx1ZSI6eyJpbnQiOjkwfX0seyJjb2x1bW4iOiJpZCIsImRlc2NlbmRpbmciOnRydWUsInZhbHVlIjp7ImludCI6NDJ9fV19";
/// let cursor = Cursor::decode(token).unwrap();
/// // `scores.page_after(Some(&cursor), 20, &pool)` sends (with one row more, to know
/// // whether a next page exists):
/// assert_eq!(
///     scores.clone().after(&cursor).limit(20).to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT * FROM "scores" WHERE "game" = 3 AND ("points" < 90 OR "points" IS NULL OR ("points" = 90 AND "id" < 42)) ORDER BY "points" DESC, "id" DESC LIMIT 20"#
/// );
/// // Where `points` holds no NULL (declared, or NOT NULL in the catalog when the page runs),
/// // the comparison starts with a range an index on `points` serves.
/// let scores = scores.not_null(["points"]);
/// assert_eq!(
///     scores.after(&cursor).limit(20).to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT * FROM "scores" WHERE "game" = 3 AND ("points" <= 90 AND ("points" < 90 OR ("points" = 90 AND "id" < 42))) ORDER BY "points" DESC, "id" DESC LIMIT 20"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    keys: Vec<CursorKey>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CursorKey {
    column: String,
    descending: bool,
    /// NULL ranks above every value (`ASC NULLS LAST`, `DESC NULLS FIRST`); otherwise below,
    /// setql's usual placement. Left out of the token when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    nulls_highest: bool,
    value: CursorValue,
}

impl Cursor {
    /// A URL-safe token for this cursor.
    #[must_use]
    pub fn encode(&self) -> String {
        // Serialising plain strings, numbers and booleans cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a token from [`encode`](Self::encode).
    ///
    /// # Errors
    /// [`Error::InvalidCursor`] when the token is not one setql wrote (e.g. it was cut short
    /// or edited), or when it holds a value this build cannot bind, such as a timestamp
    /// without the `chrono` or `time` feature.
    pub fn decode(token: &str) -> Result<Cursor> {
        let not_ours =
            |why: &str| Error::InvalidCursor(format!("not a cursor token setql wrote: {why}"));
        let json = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| not_ours("it is not URL-safe base64 text"))?;
        serde_json::from_slice(&json).map_err(|error| {
            let message = error.to_string();
            // A value setql refused names itself; serde_json appends where it stood.
            match message.find(super::value::REJECTED) {
                Some(start) if error.is_data() => {
                    let message = &message[start..];
                    let end = message.rfind(" at line ").unwrap_or(message.len());
                    Error::InvalidCursor(message[..end].to_owned())
                }
                _ if error.is_data() => not_ours("its contents are not a cursor's"),
                _ => not_ours("its contents were cut short or changed"),
            }
        })
    }

    pub(crate) fn new(order: &[Sort], values: Vec<CursorValue>) -> Cursor {
        let keys = order
            .iter()
            .zip(values)
            .filter_map(|(sort, value)| match &sort.key {
                SortKey::Name(column) => Some(CursorKey {
                    column: column.clone(),
                    descending: matches!(sort.order, Order::Desc),
                    nulls_highest: sort.nulls_rank_highest(),
                    value,
                }),
                SortKey::Position(_) => None,
            })
            .collect();
        Cursor { keys }
    }

    /// Whether this cursor was read under `order`.
    pub(crate) fn matches(&self, order: &[Sort]) -> bool {
        self.keys.len() == order.len()
            && self.keys.iter().zip(order).all(|(key, sort)| {
                sort.key == SortKey::Name(key.column.clone())
                    && sort.nulls_rank_highest() == key.nulls_highest
                    && match sort.order {
                        Order::Asc => !key.descending,
                        Order::Desc => key.descending,
                        _ => false,
                    }
            })
    }

    /// The rows strictly after this cursor (`forward`) or strictly before it, in the order it
    /// was read under, with NULLs where each ordering term placed them. The columns in
    /// `non_null` hold no NULL, so their comparisons need no `IS NULL` term.
    ///
    /// When the first column holds no NULL, the comparison starts with a range on it alone
    /// (`created <= 90 AND (…)`), which every engine reads as a range of an index on it
    /// even where it would not read the alternatives after it so.
    pub(crate) fn predicate(&self, forward: bool, non_null: &[String]) -> Expr {
        // Row values are exact only when NULLs cannot be skipped over: every key ascending
        // with NULLs below every value, going forward, from a row with no NULL.
        let row_values = forward
            && self
                .keys
                .iter()
                .all(|key| !key.descending && !key.nulls_highest)
            && self.keys.iter().all(|key| key.value != CursorValue::Null);
        if row_values && self.keys.len() > 1 {
            let columns = self.keys.iter().map(|key| Expr::col(key.column.clone()));
            let values = self
                .keys
                .iter()
                .filter_map(|key| key.value.value())
                .map(Expr::val);
            return Expr::tuple(columns).gt(Expr::tuple(values));
        }
        let nullable = |key: &CursorKey| !non_null.contains(&key.column);
        let mut alternatives = Vec::with_capacity(self.keys.len());
        for (index, key) in self.keys.iter().enumerate() {
            let earlier = self.keys[..index].iter().map(CursorKey::equal);
            let step = key.beyond(forward, nullable(key));
            if let Some(alternative) = earlier.chain(std::iter::once(step)).reduce(ExprTrait::and) {
                alternatives.push(alternative);
            }
        }
        let beyond = alternatives
            .into_iter()
            .reduce(ExprTrait::or)
            .unwrap_or_else(|| Expr::Constant(false.into()));
        match self.keys.as_slice() {
            [first, _, ..] if !nullable(first) => match first.reached(forward) {
                Some(range) => range.and(beyond),
                None => beyond,
            },
            _ => beyond,
        }
    }
}

impl CursorKey {
    fn column(&self) -> Expr {
        Expr::col(self.column.clone())
    }

    fn equal(&self) -> Expr {
        match self.value.value() {
            None => self.column().is_null(),
            Some(value) => self.column().eq(value),
        }
    }

    /// The rows at or past this key's value in the direction of travel, for a column that
    /// holds no NULL; `None` from a NULL value.
    fn reached(&self, forward: bool) -> Option<Expr> {
        let value = self.value.value()?;
        Some(if forward != self.descending {
            self.column().gte(value)
        } else {
            self.column().lte(value)
        })
    }

    /// The rows past this key's value in the direction of travel; `nullable` when the
    /// column can hold NULL, whose rows lie at one end.
    fn beyond(&self, forward: bool, nullable: bool) -> Expr {
        // Moving towards larger values: ascending forward, or descending backward.
        let towards_larger = forward != self.descending;
        // Whether NULL lies ahead of every value in the direction of travel.
        let nulls_ahead = towards_larger == self.nulls_highest;
        let past = match self.value.value() {
            // From NULL, every value is ahead, or none is.
            None if nulls_ahead => return Expr::Constant(false.into()),
            None => return self.column().is_not_null(),
            Some(value) if towards_larger => self.column().gt(value),
            Some(value) => self.column().lt(value),
        };
        if nulls_ahead && nullable {
            past.or(self.column().is_null())
        } else {
            past
        }
    }
}
