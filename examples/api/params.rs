//! The query string, read strictly: every parameter is checked before any SQL is built, and
//! a bad, repeated or unknown one is a 400 that names it. A typo must not silently widen
//! what a client gets.

use std::str::FromStr;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use setql::Cursor;

use crate::error::ApiError;
use crate::feed::{FeedFilter, Kind, Sort};

/// The longest author name the tables hold.
const MAX_AUTHOR: usize = 40;
/// The longest text `q` searches for.
const MAX_TEXT: usize = 100;
/// The page size when none is asked for, and the largest one served.
const PER_PAGE: u64 = 20;
const MAX_PER_PAGE: u64 = 100;

/// The query string's parameters, taken one by one as an endpoint reads them.
#[derive(Debug)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Params, ApiError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad("query", "not a valid URL-encoded query string"))?;
        Ok(Params { pairs })
    }
}

impl Params {
    /// The value of `name`, if given once.
    fn take(&mut self, name: &'static str) -> Result<Option<String>, ApiError> {
        let mut values = Vec::new();
        self.pairs.retain(|(key, value)| {
            let mine = key == name;
            if mine {
                values.push(value.clone());
            }
            !mine
        });
        match values.len() {
            0 => Ok(None),
            1 => Ok(values.pop()),
            _ => Err(ApiError::bad(name, "given more than once")),
        }
    }

    /// The value of `name` parsed as a `T`, described as `what` when it is not one.
    fn parse<T: FromStr>(&mut self, name: &'static str, what: &str) -> Result<Option<T>, ApiError> {
        self.take(name)?
            .map(|value| {
                value
                    .parse()
                    .map_err(|_| ApiError::bad(name, format!("must be {what}")))
            })
            .transpose()
    }

    /// A non-empty text of at most `max` characters.
    fn text(&mut self, name: &'static str, max: usize) -> Result<Option<String>, ApiError> {
        match self.take(name)? {
            Some(value) if value.is_empty() || value.chars().count() > max => Err(ApiError::bad(
                name,
                format!("must be 1 to {max} characters"),
            )),
            value => Ok(value),
        }
    }

    /// A text that must be given.
    fn required(&mut self, name: &'static str, max: usize) -> Result<String, ApiError> {
        self.text(name, max)?
            .ok_or_else(|| ApiError::bad(name, "is required"))
    }

    /// Ends reading: a parameter no one read is not one this endpoint knows.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        match self.pairs.into_iter().next() {
            Some((name, _)) => Err(ApiError::bad(name, "is not a parameter of this endpoint")),
            None => Ok(()),
        }
    }

    /// `author`, `kind`, `since`, `q` and `exclude_author`.
    pub(crate) fn filter(&mut self) -> Result<FeedFilter, ApiError> {
        let kind = match self.take("kind")?.as_deref() {
            None => None,
            Some("post") => Some(Kind::Post),
            Some("comment") => Some(Kind::Comment),
            Some(_) => return Err(ApiError::bad("kind", "must be post or comment")),
        };
        let since = self.parse::<i64>("since", "a time in Unix seconds")?;
        if since.is_some_and(|since| since < 0) {
            return Err(ApiError::bad("since", "must not be before 1970"));
        }
        Ok(FeedFilter {
            author: self.text("author", MAX_AUTHOR)?,
            kind,
            since,
            text: self.text("q", MAX_TEXT)?,
            exclude_author: self.text("exclude_author", MAX_AUTHOR)?,
        })
    }

    /// `order`: `-created_at` (newest first, the default) or `created_at`.
    pub(crate) fn sort(&mut self) -> Result<Sort, ApiError> {
        match self.take("order")?.as_deref() {
            None | Some("-created_at") => Ok(Sort::NewestFirst),
            Some("created_at") => Ok(Sort::OldestFirst),
            Some(_) => Err(ApiError::bad("order", "must be created_at or -created_at")),
        }
    }

    /// `page` and `per_page`, or `cursor` and `per_page`.
    pub(crate) fn page(&mut self) -> Result<PageRequest, ApiError> {
        let number = self.parse::<u64>("page", "a page number from 1")?;
        let cursor = self.take("cursor")?;
        let per_page = self
            .parse::<u64>("per_page", "a number")?
            .unwrap_or(PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            let message = format!("must be between 1 and {MAX_PER_PAGE}");
            return Err(ApiError::bad("per_page", message));
        }
        match (number, cursor) {
            (Some(_), Some(_)) => Err(ApiError::bad("cursor", "cannot be combined with page")),
            (Some(0), None) => Err(ApiError::bad("page", "must be a page number from 1")),
            (number, None) => Ok(PageRequest::Number {
                number: number.unwrap_or(1),
                per_page,
            }),
            // An empty cursor asks for the first page of a cursor walk.
            (None, Some(token)) if token.is_empty() => Ok(PageRequest::Cursor {
                after: None,
                per_page,
            }),
            (None, Some(token)) => match Cursor::decode(&token) {
                Ok(cursor) => Ok(PageRequest::Cursor {
                    after: Some(cursor),
                    per_page,
                }),
                Err(_) => Err(ApiError::bad("cursor", "not a cursor this service wrote")),
            },
        }
    }

    /// `a` and `b`, the two authors of `/feed/mutual`.
    pub(crate) fn two_authors(&mut self) -> Result<(String, String), ApiError> {
        Ok((
            self.required("a", MAX_AUTHOR)?,
            self.required("b", MAX_AUTHOR)?,
        ))
    }
}

/// Which page a client asks for.
#[derive(Debug)]
pub(crate) enum PageRequest {
    /// A numbered page, counted from 1.
    Number { number: u64, per_page: u64 },
    /// The page after a cursor, or the first page of a cursor walk.
    Cursor {
        after: Option<Cursor>,
        per_page: u64,
    },
}
