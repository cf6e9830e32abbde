//! [`CommaSet`]: an ordered set of members, stored as comma-separated text.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::ops::{Deref, DerefMut};

use sea_query::{Expr, Value};

use super::check_member;
use crate::error::{Error, Result};

/// A set of strings or integers that a column stores as comma-separated text, the empty
/// string being the empty set: django-mysql's `SetCharField`.
///
/// It derefs to the [`BTreeSet`] it wraps, so members are added and read as in any set. It
/// binds and reads like any column through sqlx (`bind`, `try_get`, `#[derive(FromRow)]`),
/// on SQLite, PostgreSQL and MySQL/MariaDB, as text; a NULL column reads as
/// `Option<CommaSet<T>>`.
///
/// The limits are part of the type: at most `MAX_MEMBERS` members, and text of at most
/// `MAX_LEN` characters (commas included), e.g. `CommaSet<String, 3, 32>` for a
/// `VARCHAR(32)` column of at most 3 members. By default there is no limit.
///
/// Encoding (binding, [`to_text`](Self::to_text), [`to_value`](Self::to_value)) refuses,
/// before anything is written: a member that contains a comma, an empty member, and a set
/// over its limits. Decoding refuses text that is not a set of `T` (`"1,,2"`, or `"x"` for
/// integers). Integers are written in decimal, and read back only in that form.
///
/// ```
/// use setql::{CommaSet, Error};
///
/// let mut tags: CommaSet<String, 3> = ["rust", "sql"].into_iter().map(String::from).collect();
/// tags.insert("async".to_owned());
/// assert_eq!(tags.to_text().unwrap(), "async,rust,sql");
///
/// tags.insert("fourth".to_owned());
/// assert!(matches!(tags.to_text(), Err(Error::SetTooManyMembers { members: 4, max: 3 })));
///
/// let ids: CommaSet<i64> = CommaSet::parse("3,1,2").unwrap();
/// assert_eq!(ids.iter().copied().collect::<Vec<_>>(), [1, 2, 3]);
/// assert!(matches!(CommaSet::<i64>::parse("1,,2"), Err(Error::InvalidSetText { .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommaSet<
    T,
    const MAX_MEMBERS: usize = { usize::MAX },
    const MAX_LEN: usize = { usize::MAX },
> {
    members: BTreeSet<T>,
}

/// A type a [`CommaSet`] can hold: [`String`] and the integer types `i8` to `i64` and `u8`
/// to `u64`.
///
/// It is sealed: a member's text form must never hold a comma and must read back as the
/// same member, which setql guarantees only for these types.
pub trait SetMember: Ord + sealed::Member {}

mod sealed {
    /// How a member is written and read.
    pub trait Member: Sized {
        /// The type's name, for errors.
        const TYPE_NAME: &'static str;
        /// Appends the member's text.
        fn write(&self, out: &mut String);
        /// Reads one member from its text, or says why it cannot.
        fn read(text: &str) -> Result<Self, String>;
    }
}

impl sealed::Member for String {
    const TYPE_NAME: &'static str = "text";

    fn write(&self, out: &mut String) {
        out.push_str(self);
    }

    fn read(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
}

impl SetMember for String {}

macro_rules! integer_members {
    ($($ty:ty),*) => {$(
        impl sealed::Member for $ty {
            const TYPE_NAME: &'static str = stringify!($ty);

            fn write(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }

            fn read(text: &str) -> Result<Self, String> {
                let number: $ty = text
                    .parse()
                    .map_err(|error| format!("member {text:?} does not read as {}: {error}", stringify!($ty)))?;
                // "+5" or "05" would read as 5, but no lookup would find them by 5's text.
                if number.to_string() != text {
                    return Err(format!("member {text:?} is not written as {number} is"));
                }
                Ok(number)
            }
        }

        impl SetMember for $ty {}
    )*};
}

integer_members!(i8, i16, i32, i64, u8, u16, u32, u64);

impl<T, const MAX_MEMBERS: usize, const MAX_LEN: usize> CommaSet<T, MAX_MEMBERS, MAX_LEN> {
    /// The empty set, stored as the empty string.
    #[must_use]
    pub fn new() -> Self {
        CommaSet {
            members: BTreeSet::new(),
        }
    }

    /// The members, as an ordered set.
    #[must_use]
    pub fn into_inner(self) -> BTreeSet<T> {
        self.members
    }
}

impl<T: SetMember, const MAX_MEMBERS: usize, const MAX_LEN: usize>
    CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    /// The text a column holds for this set: the members in order, separated by commas.
    ///
    /// # Errors
    /// [`Error::SetMemberComma`], [`Error::SetMemberEmpty`], [`Error::SetTooManyMembers`]
    /// or [`Error::SetTooLong`].
    pub fn to_text(&self) -> Result<String> {
        if self.members.len() > MAX_MEMBERS {
            return Err(Error::SetTooManyMembers {
                members: self.members.len(),
                max: MAX_MEMBERS,
            });
        }
        let mut text = String::new();
        let mut member = String::new();
        for (at, item) in self.members.iter().enumerate() {
            member.clear();
            item.write(&mut member);
            check_member(&member)?;
            if at > 0 {
                text.push(',');
            }
            text.push_str(&member);
        }
        if MAX_LEN < usize::MAX {
            let length = text.chars().count();
            if length > MAX_LEN {
                return Err(Error::SetTooLong {
                    length,
                    max: MAX_LEN,
                });
            }
        }
        Ok(text)
    }

    /// Checks the set as [`to_text`](Self::to_text) does, e.g. before a batch of writes.
    ///
    /// # Errors
    /// As [`to_text`](Self::to_text).
    pub fn validate(&self) -> Result<()> {
        self.to_text().map(drop)
    }

    /// The set as a sea-query value, e.g. to assign in an `update`:
    /// `set.update(&pool, [("tags", tags.to_expr()?)])`.
    ///
    /// # Errors
    /// As [`to_text`](Self::to_text).
    pub fn to_value(&self) -> Result<Value> {
        self.to_text().map(Value::from)
    }

    /// The set as a sea-query expression, a value to bind; see [`to_value`](Self::to_value).
    ///
    /// # Errors
    /// As [`to_text`](Self::to_text).
    pub fn to_expr(&self) -> Result<Expr> {
        self.to_value().map(Expr::Value)
    }

    /// Reads a set from a column's text. The empty string is the empty set; a member that
    /// appears twice is kept once. The limits are not checked here, so a set read from a
    /// wider column can still be read; they are checked when it is written.
    ///
    /// # Errors
    /// [`Error::InvalidSetText`] for an empty member (`"a,,b"`, `",a"`) or a member that is
    /// not a `T` (`"x"` for integers).
    pub fn parse(text: &str) -> Result<Self> {
        let mut members = BTreeSet::new();
        if text.is_empty() {
            return Ok(CommaSet { members });
        }
        let invalid = |reason: String| Error::InvalidSetText {
            text: text.to_owned(),
            member_type: T::TYPE_NAME,
            reason,
        };
        for (at, part) in text.split(',').enumerate() {
            if part.is_empty() {
                return Err(invalid(format!("member {} is empty", at + 1)));
            }
            members.insert(T::read(part).map_err(invalid)?);
        }
        Ok(CommaSet { members })
    }
}

impl<T, const MAX_MEMBERS: usize, const MAX_LEN: usize> Default
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    fn default() -> Self {
        CommaSet::new()
    }
}

impl<T: SetMember, const MAX_MEMBERS: usize, const MAX_LEN: usize> std::str::FromStr
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        CommaSet::parse(text)
    }
}

impl<T, const MAX_MEMBERS: usize, const MAX_LEN: usize> Deref
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    type Target = BTreeSet<T>;

    fn deref(&self) -> &BTreeSet<T> {
        &self.members
    }
}

impl<T, const MAX_MEMBERS: usize, const MAX_LEN: usize> DerefMut
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    fn deref_mut(&mut self) -> &mut BTreeSet<T> {
        &mut self.members
    }
}

impl<T, const MAX_MEMBERS: usize, const MAX_LEN: usize> From<BTreeSet<T>>
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    fn from(members: BTreeSet<T>) -> Self {
        CommaSet { members }
    }
}

impl<T: Ord, const N: usize, const MAX_MEMBERS: usize, const MAX_LEN: usize> From<[T; N]>
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    fn from(members: [T; N]) -> Self {
        CommaSet {
            members: BTreeSet::from(members),
        }
    }
}

impl<T: Ord, const MAX_MEMBERS: usize, const MAX_LEN: usize> FromIterator<T>
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    fn from_iter<I: IntoIterator<Item = T>>(members: I) -> Self {
        CommaSet {
            members: members.into_iter().collect(),
        }
    }
}

impl<T: Ord, const MAX_MEMBERS: usize, const MAX_LEN: usize> Extend<T>
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    fn extend<I: IntoIterator<Item = T>>(&mut self, members: I) {
        self.members.extend(members);
    }
}

impl<T, const MAX_MEMBERS: usize, const MAX_LEN: usize> IntoIterator
    for CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    type Item = T;
    type IntoIter = std::collections::btree_set::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

impl<'a, T, const MAX_MEMBERS: usize, const MAX_LEN: usize> IntoIterator
    for &'a CommaSet<T, MAX_MEMBERS, MAX_LEN>
{
    type Item = &'a T;
    type IntoIter = std::collections::btree_set::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.iter()
    }
}
