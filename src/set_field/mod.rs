//! Set-valued columns: a set of short strings or integers stored as comma-separated text,
//! where the empty string is the empty set, as django-mysql's `SetCharField` stores it.
//!
//! - [`CommaSet`] reads and binds such a column through sqlx, and refuses, before anything
//!   is written, a member with a comma, an empty member, or a set over its declared limits.
//! - [`set_contains`] and [`set_len`] are expressions for `filter`, `exclude` and
//!   `column_as`; [`set_add`] and [`set_remove`] are expressions for `update`, computed
//!   inside the database, so concurrent updaters lose nothing.
//!
//! Each function returns a sea-query [`Expr`] holding a *sentinel call*: a function whose name
//! holds NUL bytes, with the column and the member as its arguments. Renaming and pushdown
//! see the column inside it like any other reference, and the renderer writes each sentinel
//! in its engine's SQL (`render::set_field`). A sentinel that reached an engine unrendered
//! (inside an expression kind setql cannot rebuild, such as a CASE of your own) fails
//! loudly rather than changing the rows.
//!
//! One behaviour on every engine: members compare as exact bytes (case-sensitively, with
//! trailing spaces significant), which is what PostgreSQL and SQLite do; on MySQL/MariaDB,
//! whose default collations ignore case, the comparison is made on binary strings. An
//! integer member is compared as its decimal text.

mod codec;
mod comma_set;
#[cfg(test)]
mod tests;

pub use comma_set::{CommaSet, SetMember};

use sea_query::{Expr, Func, FunctionCall, IntoColumnRef, Value};

use crate::error::{Error, Result};

/// Keeps the rows whose set in `column` holds `member`: text, or an integer compared as its
/// decimal text. A row whose `column` is NULL is not kept by `filter`, and is kept by
/// `exclude`, as every NULL condition is.
///
/// ```
/// use setql::prelude::*;
/// use setql::set_contains;
///
/// let rust = QuerySet::table("posts").filter(set_contains("tags", "rust"));
/// assert_eq!(
///     rust.to_sql(Dialect::Sqlite).unwrap(),
///     r#"SELECT * FROM "posts" WHERE instr(',' || "tags" || ',', ',' || 'rust' || ',') > 0"#
/// );
/// assert_eq!(
///     rust.to_sql(Dialect::Postgres).unwrap(),
///     r#"SELECT * FROM "posts" WHERE string_to_array("tags", ',') @> string_to_array('rust', ',')"#
/// );
/// assert_eq!(
///     rust.to_sql(Dialect::MySql).unwrap(),
///     r#"SELECT * FROM `posts` WHERE FIND_IN_SET(CAST('rust' AS BINARY), CAST(`tags` AS BINARY)) > 0"#
/// );
/// ```
///
/// `member` may also be an expression (a column, a function of one), computed in the
/// database; its value is then not checked before it is sent, and a NULL matches nothing.
///
/// # Errors
/// Reported when the set is rendered, before anything is sent:
/// [`Error::NotOneSetMember`] for a collection (a tuple, a list of values), NULL, or a
/// value that is neither text nor an integer, e.g. `set_contains("tags", Expr::tuple([..]))`;
/// combine one lookup per member with `and` / `or` instead. [`Error::SetMemberComma`] and
/// [`Error::SetMemberEmpty`] for a member no set can hold.
#[must_use]
pub fn set_contains(column: impl IntoColumnRef, member: impl Into<Expr>) -> Expr {
    SetFunction::Contains.call([Expr::Column(column.into_column_ref()), member.into()])
}

/// The number of members of the set in `column`, a 64-bit integer to compare or read: 0
/// for the empty string, NULL for NULL. Text that repeats a member counts it once, as
/// [`CommaSet`] reads it.
///
/// ```
/// use setql::prelude::*;
/// use setql::set_len;
///
/// let pairs = QuerySet::table("posts").filter(set_len("tags").eq(2));
/// assert_eq!(
///     pairs.to_sql(Dialect::Postgres).unwrap(),
///     r#"SELECT * FROM "posts" WHERE (CASE WHEN "tags" IS NULL THEN NULL ELSE (SELECT COUNT(DISTINCT setql_member COLLATE "C") FROM unnest(string_to_array("tags", ',')) AS setql_split(setql_member)) END) = 2"#
/// );
/// // SQLite splits the members with a recursive CTE, and MySQL counts what a regular
/// // expression leaves of them:
/// assert!(pairs.to_sql(Dialect::Sqlite).unwrap().contains("WITH RECURSIVE setql_split"));
/// assert!(pairs.to_sql(Dialect::MySql).unwrap().contains("REGEXP_REPLACE"));
/// ```
#[must_use]
pub fn set_len(column: impl IntoColumnRef) -> Expr {
    SetFunction::Len.call([Expr::Column(column.into_column_ref())])
}

/// The set in `column` with `member` added, computed in the database from the row being
/// updated: for `update` assignments, `set.update(&pool, [("tags", set_add("tags", "x"))])`.
///
/// Adding to NULL or to the empty set gives the one-member set; adding a member the set
/// holds leaves it as it is. A new member goes after the others.
///
/// ```
/// use setql::prelude::*;
/// use setql::set_add;
///
/// let post = QuerySet::table("posts").filter(Expr::col("id").eq(7));
/// assert_eq!(
///     post.update_sql(Dialect::Postgres, [("tags", set_add("tags", "rust"))]).unwrap(),
///     r#"UPDATE "posts" SET "tags" = CASE WHEN "tags" IS NULL OR LENGTH("tags") = 0 THEN 'rust' WHEN string_to_array("tags", ',') @> string_to_array('rust', ',') THEN "tags" ELSE "tags" || ',' || 'rust' END WHERE "id" = 7"#
/// );
/// assert_eq!(
///     post.update_sql(Dialect::Sqlite, [("tags", set_add("tags", "rust"))]).unwrap(),
///     r#"UPDATE "posts" SET "tags" = CASE WHEN "tags" IS NULL OR LENGTH("tags") = 0 THEN 'rust' WHEN instr(',' || "tags" || ',', ',' || 'rust' || ',') > 0 THEN "tags" ELSE "tags" || ',' || 'rust' END WHERE "id" = 7"#
/// );
/// assert_eq!(
///     post.update_sql(Dialect::MySql, [("tags", set_add("tags", "rust"))]).unwrap(),
///     r#"UPDATE `posts` SET `tags` = CASE WHEN `tags` IS NULL OR LENGTH(`tags`) = 0 THEN 'rust' WHEN FIND_IN_SET(CAST('rust' AS BINARY), CAST(`tags` AS BINARY)) > 0 THEN `tags` ELSE CONCAT(`tags`, ',', 'rust') END WHERE `id` = 7"#
/// );
/// ```
///
/// A `member` that is an expression, computed in the database, is not checked before it is
/// sent; when it is NULL the set is left as it is.
///
/// # Errors
/// As [`set_contains`], reported when the update is rendered, before anything is sent.
#[must_use]
pub fn set_add(column: impl IntoColumnRef, member: impl Into<Expr>) -> Expr {
    SetFunction::Add.call([Expr::Column(column.into_column_ref()), member.into()])
}

/// The set in `column` without `member`, computed in the database from the row being
/// updated: for `update` assignments. Removing the last member gives the empty string; a
/// NULL set stays NULL; removing a member the set does not hold leaves it as it is. Text that
/// repeats the member loses every copy.
///
/// ```
/// use setql::prelude::*;
/// use setql::set_remove;
///
/// let post = QuerySet::table("posts").filter(Expr::col("id").eq(7));
/// assert_eq!(
///     post.update_sql(Dialect::Sqlite, [("tags", set_remove("tags", "rust"))]).unwrap(),
///     r#"UPDATE "posts" SET "tags" = trim(replace(replace(',' || replace("tags", ',', ',,') || ',', ',' || 'rust' || ',', ''), ',,', ','), ',') WHERE "id" = 7"#
/// );
/// assert_eq!(
///     post.update_sql(Dialect::Postgres, [("tags", set_remove("tags", "rust"))]).unwrap(),
///     r#"UPDATE "posts" SET "tags" = TRIM(BOTH ',' FROM REPLACE(REPLACE(',' || REPLACE("tags", ',', ',,') || ',', ',' || 'rust' || ',', ''), ',,', ',')) WHERE "id" = 7"#
/// );
/// assert_eq!(
///     post.update_sql(Dialect::MySql, [("tags", set_remove("tags", "rust"))]).unwrap(),
///     r#"UPDATE `posts` SET `tags` = TRIM(BOTH ',' FROM REPLACE(REPLACE(CONCAT(',', REPLACE(`tags`, ',', ',,'), ','), CONCAT(',', 'rust', ','), ''), ',,', ',')) WHERE `id` = 7"#
/// );
/// ```
///
/// # Errors
/// As [`set_add`].
#[must_use]
pub fn set_remove(column: impl IntoColumnRef, member: impl Into<Expr>) -> Expr {
    SetFunction::Remove.call([Expr::Column(column.into_column_ref()), member.into()])
}

/// A set-field function, as the sentinel call that stands for it until it is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetFunction {
    /// `(column, member)`: whether the set holds the member.
    Contains,
    /// `(column)`: the number of members.
    Len,
    /// `(column, member)`: the set with the member added.
    Add,
    /// `(column, member)`: the set without the member.
    Remove,
}

impl SetFunction {
    const ALL: [SetFunction; 4] = [
        SetFunction::Contains,
        SetFunction::Len,
        SetFunction::Add,
        SetFunction::Remove,
    ];

    /// The public name, for errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SetFunction::Contains => "set_contains",
            SetFunction::Len => "set_len",
            SetFunction::Add => "set_add",
            SetFunction::Remove => "set_remove",
        }
    }

    /// The sentinel's function name. The NUL bytes make a sentinel that reached an engine
    /// unrendered fail loudly instead of running.
    fn sentinel(self) -> &'static str {
        match self {
            SetFunction::Contains => "\u{0}setql:set_contains\u{0}",
            SetFunction::Len => "\u{0}setql:set_len\u{0}",
            SetFunction::Add => "\u{0}setql:set_add\u{0}",
            SetFunction::Remove => "\u{0}setql:set_remove\u{0}",
        }
    }

    fn call<const N: usize>(self, args: [Expr; N]) -> Expr {
        Expr::FunctionCall(Func::cust(self.sentinel()).args(args))
    }

    /// The set-field function `call` stands for, or `None` for any other call.
    pub(crate) fn of(call: &FunctionCall) -> Option<SetFunction> {
        let Func::Custom(name) = call.get_func() else {
            return None;
        };
        let name = name.inner();
        if !name.starts_with('\u{0}') {
            return None;
        }
        SetFunction::ALL
            .into_iter()
            .find(|function| function.sentinel() == name)
    }
}

/// Whether `expr` holds a set-field function anywhere the renderer rewrites them: through
/// operators, function arguments, tuples and raw SQL arguments. Predicates ask this once,
/// when they are built, so rendering a predicate without one costs nothing more.
pub(crate) fn holds_function(expr: &Expr) -> bool {
    match expr {
        Expr::FunctionCall(call) => {
            SetFunction::of(call).is_some() || call.get_args().iter().any(holds_function)
        }
        Expr::Binary(left, _, right) => holds_function(left) || holds_function(right),
        Expr::Unary(_, inner) | Expr::AsEnum(_, inner) => holds_function(inner),
        Expr::Tuple(items) | Expr::CustomWithExpr(_, items) => items.iter().any(holds_function),
        _ => false,
    }
}

/// The member argument of a set-field function, as the renderer writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Member {
    /// A value known now, checked, in its text form.
    Text(String),
    /// An expression computed in the database.
    Computed(Expr),
}

/// Reads the member argument of `function`: a text or integer value, checked now, or an
/// expression left to the database.
pub(crate) fn member(function: SetFunction, arg: &Expr) -> Result<Member> {
    let not_one = |found: String| Error::NotOneSetMember {
        function: function.name(),
        found,
    };
    let value = match arg {
        Expr::Value(value) | Expr::Constant(value) => value,
        Expr::Tuple(items) => return Err(not_one(collection(items.len()))),
        Expr::Values(values) => return Err(not_one(collection(values.len()))),
        computed => return Ok(Member::Computed(computed.clone())),
    };
    if !value.is_some() {
        return Err(not_one("NULL".into()));
    }
    let text = match value {
        Value::String(Some(text)) => text.clone(),
        Value::Char(Some(c)) => c.to_string(),
        Value::TinyInt(Some(n)) => n.to_string(),
        Value::SmallInt(Some(n)) => n.to_string(),
        Value::Int(Some(n)) => n.to_string(),
        Value::BigInt(Some(n)) => n.to_string(),
        Value::TinyUnsigned(Some(n)) => n.to_string(),
        Value::SmallUnsigned(Some(n)) => n.to_string(),
        Value::Unsigned(Some(n)) => n.to_string(),
        Value::BigUnsigned(Some(n)) => n.to_string(),
        other => return Err(not_one(format!("a value of another type ({other:?})"))),
    };
    check_member(&text)?;
    Ok(Member::Text(text))
}

fn collection(len: usize) -> String {
    format!("a collection of {len} values")
}

/// Refuses a member text that no comma-separated set can hold.
pub(crate) fn check_member(text: &str) -> Result<()> {
    if text.is_empty() {
        return Err(Error::SetMemberEmpty);
    }
    if text.contains(',') {
        return Err(Error::SetMemberComma {
            member: text.to_owned(),
        });
    }
    Ok(())
}
