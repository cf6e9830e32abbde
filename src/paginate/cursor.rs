//! Keyset pagination: a [`Cursor`] holds the ordering values of one row, and `after` /
//! `before` keep the rows on one side of it, so a deep page costs what the first page costs.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_query::{Expr, ExprTrait, Order, Value};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::query::node::{Sort, SortKey};

/// A position in an ordered set: the ordering values of one row, and the ordering they were
/// read under. Serialize it with serde, or pass [`Cursor::encode`]'s token through a URL.
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

/// One ordering value, in a form every engine can compare against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CursorValue {
    /// SQL NULL.
    Null,
    /// Any integer column.
    Int(i64),
    /// Any floating-point column.
    Float(f64),
    /// Any text column.
    Text(String),
    /// A boolean column.
    Bool(bool),
}

impl CursorValue {
    fn value(&self) -> Option<Value> {
        match self {
            CursorValue::Null => None,
            CursorValue::Int(v) => Some((*v).into()),
            CursorValue::Float(v) => Some((*v).into()),
            CursorValue::Text(v) => Some(v.clone().into()),
            CursorValue::Bool(v) => Some((*v).into()),
        }
    }
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
    /// [`Error::InvalidCursor`] when the token is not one.
    pub fn decode(token: &str) -> Result<Cursor> {
        let json = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|e| Error::InvalidCursor(e.to_string()))?;
        serde_json::from_slice(&json).map_err(|e| Error::InvalidCursor(e.to_string()))
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
    /// was read under, with NULLs where each ordering term placed them.
    pub(crate) fn predicate(&self, forward: bool) -> Expr {
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
        let mut alternatives = Vec::with_capacity(self.keys.len());
        for (index, key) in self.keys.iter().enumerate() {
            let earlier = self.keys[..index].iter().map(CursorKey::equal);
            let step = key.beyond(forward);
            if let Some(alternative) = earlier.chain(std::iter::once(step)).reduce(ExprTrait::and) {
                alternatives.push(alternative);
            }
        }
        alternatives
            .into_iter()
            .reduce(ExprTrait::or)
            .unwrap_or_else(|| Expr::Constant(false.into()))
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

    /// The rows past this key's value in the direction of travel.
    fn beyond(&self, forward: bool) -> Expr {
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
        if nulls_ahead {
            past.or(self.column().is_null())
        } else {
            past
        }
    }
}
