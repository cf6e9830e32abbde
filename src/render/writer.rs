//! Writes statements through sea-query, adding what its builders cannot write:
//! - `INTERSECT ALL` and `EXCEPT ALL` (`UnionType` has no such variants);
//! - LIMIT and OFFSET as literals. sea-query binds them, and PostgreSQL cannot plan a
//!   prepared `… ORDER BY created DESC LIMIT $1` generically as cheap (it assumes a tenth of
//!   the rows), so it plans it again at every execution: 0.04 ms of a 0.21 ms first page.
//!   They are numbers setql was given as `u64`, never text.
//!
//! A member that must follow an `ALL` operator is marked by a first select item that is
//! [`ALL_MARKER`]. This writer sees sea-query emit ` INTERSECT (` / ` EXCEPT (`, then
//! `SELECT `, then the marker, and writes ` INTERSECT ALL (SELECT ` instead, dropping the
//! marker and the `, ` after it. The marker holds NUL bytes, which no SQL text setql accepts
//! from users contains, and which would make a leaked marker fail loudly rather than change
//! the rows.

use std::fmt;

use sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, QueryBuilder, QueryStatementWriter, SelectStatement,
    SqlWriter, SqlWriterValues, SqliteQueryBuilder, Value, Values,
};

use crate::Dialect;

/// The first select item of a member that follows an `ALL` operator.
pub(super) const ALL_MARKER: &str = "\u{0}setql:all\u{0}";

/// The SQL of `statement` for `dialect`, with values inlined. Only a statement with marked
/// members goes through the marker-aware writer.
pub(super) fn to_string(statement: &SelectStatement, dialect: Dialect, markers: bool) -> String {
    statement_to_string(statement, dialect, markers)
}

/// [`to_string`] for any statement: a write carries its set as a subquery.
pub(super) fn statement_to_string(
    statement: &impl QueryStatementWriter,
    dialect: Dialect,
    markers: bool,
) -> String {
    if !markers {
        return match dialect {
            Dialect::Sqlite => statement.to_string(SqliteQueryBuilder),
            Dialect::Postgres => statement.to_string(PostgresQueryBuilder),
            Dialect::MySql => statement.to_string(MysqlQueryBuilder),
        };
    }
    // The writer keeps a builder of its own, for a LIMIT value it writes later.
    fn with<S: QueryStatementWriter, B: QueryBuilder>(statement: &S, builder: B, own: B) -> String {
        let mut writer = AllWriter::new(String::new(), own);
        statement.build_collect_into(builder, &mut writer);
        writer.finish()
    }
    match dialect {
        Dialect::Sqlite => with(statement, SqliteQueryBuilder, SqliteQueryBuilder),
        Dialect::Postgres => with(statement, PostgresQueryBuilder, PostgresQueryBuilder),
        Dialect::MySql => with(statement, MysqlQueryBuilder, MysqlQueryBuilder),
    }
}

/// The SQL of `statement` for `dialect` with placeholders, and the values to bind.
pub(super) fn build(statement: &SelectStatement, dialect: Dialect) -> (String, Values) {
    build_statement(statement, dialect)
}

/// [`build`] for any statement.
pub(super) fn build_statement<S: QueryStatementWriter>(
    statement: &S,
    dialect: Dialect,
) -> (String, Values) {
    fn with<S: QueryStatementWriter, B: QueryBuilder>(
        statement: &S,
        builder: B,
        own: B,
    ) -> (String, Values) {
        let (placeholder, numbered) = builder.placeholder();
        let mut writer = AllWriter::new(SqlWriterValues::new(placeholder, numbered), own);
        statement.build_collect_into(builder, &mut writer);
        writer.finish().into_parts()
    }
    match dialect {
        Dialect::Sqlite => {
            let (sql, values) = with(statement, SqliteQueryBuilder, SqliteQueryBuilder);
            (strict_identifiers(&sql), values)
        }
        Dialect::Postgres => with(statement, PostgresQueryBuilder, PostgresQueryBuilder),
        Dialect::MySql => with(statement, MysqlQueryBuilder, MysqlQueryBuilder),
    }
}

/// SQLite reads a double-quoted name that matches no column as a string literal, so a
/// misspelt column silently compares against text where PostgreSQL and MySQL raise an error.
/// A name in backquotes is always an identifier, on every SQLite build and however the
/// connection was opened, so the SQL that runs on SQLite quotes identifiers that way. Text in
/// single quotes is left as it is.
pub(super) fn strict_identifiers(sql: &str) -> String {
    // Runs between quotes are copied whole; every quote character is ASCII, so the byte
    // offsets `find` returns are character boundaries.
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(at) = rest.find(['\'', '"']) {
        out.push_str(&rest[..at]);
        let quote = rest.as_bytes()[at];
        rest = &rest[at + 1..];
        if quote == b'\'' {
            // A string literal, copied to its closing quote; `''` inside it is a quote.
            out.push('\'');
            loop {
                let Some(end) = rest.find('\'') else {
                    out.push_str(rest);
                    rest = "";
                    break;
                };
                out.push_str(&rest[..=end]);
                rest = &rest[end + 1..];
                match rest.strip_prefix('\'') {
                    Some(after) => {
                        out.push('\'');
                        rest = after;
                    }
                    None => break,
                }
            }
        } else {
            // An identifier: `""` inside it is a quote, and a backquote is doubled.
            out.push('`');
            loop {
                let Some(end) = rest.find(['"', '`']) else {
                    out.push_str(rest);
                    rest = "";
                    break;
                };
                out.push_str(&rest[..end]);
                let mark = rest.as_bytes()[end];
                rest = &rest[end + 1..];
                if mark == b'`' {
                    out.push_str("``");
                } else if let Some(after) = rest.strip_prefix('"') {
                    out.push('"');
                    rest = after;
                } else {
                    break;
                }
            }
            out.push('`');
        }
    }
    out.push_str(rest);
    out
}

/// Where the writer is in recognising `<operator> (SELECT <marker>, `, or a LIMIT whose
/// value comes next.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Seen {
    Nothing,
    Operator(&'static str),
    Select(&'static str),
    Marker,
    Slice(&'static str),
}

struct AllWriter<W, B> {
    inner: W,
    seen: Seen,
    /// A LIMIT's value, held until the writer knows whether an OFFSET follows.
    limit: Option<Value>,
    builder: B,
}

impl<W: SqlWriter, B: QueryBuilder> AllWriter<W, B> {
    fn new(inner: W, builder: B) -> Self {
        AllWriter {
            inner,
            seen: Seen::Nothing,
            limit: None,
            builder,
        }
    }

    /// Writes a held LIMIT: bound when an OFFSET follows, written in otherwise.
    ///
    /// A first page's LIMIT is written in: PostgreSQL's cached generic plan for `LIMIT $n`
    /// cannot count on a small page, and chose a parallel scan and sort (W9). A deep page
    /// keeps both bound: written in, its generic plan could count on a small window, trust
    /// its filters' default selectivities and walk an index they match far less of (W3:
    /// median 56 ms against 6 ms).
    fn release_limit(&mut self, offset_follows: bool) -> fmt::Result {
        let Some(limit) = self.limit.take() else {
            return Ok(());
        };
        self.inner.write_str(" LIMIT ")?;
        match slice_count(&limit) {
            Some(count) if !offset_follows => write!(self.inner.as_writer(), "{count}"),
            _ => {
                self.inner.push_param(limit, &self.builder);
                Ok(())
            }
        }
    }

    /// Writes what was held back, as sea-query wrote it.
    fn release(&mut self) -> fmt::Result {
        match std::mem::replace(&mut self.seen, Seen::Nothing) {
            Seen::Nothing | Seen::Marker => Ok(()),
            Seen::Operator(operator) | Seen::Slice(operator) => self.inner.write_str(operator),
            Seen::Select(operator) => {
                self.inner.write_str(operator)?;
                self.inner.write_str("SELECT ")
            }
        }
    }

    fn finish(mut self) -> W {
        let _ = self.release();
        let _ = self.release_limit(false);
        self.inner
    }
}

impl<W: SqlWriter, B: QueryBuilder> fmt::Write for AllWriter<W, B> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.limit.is_some() && !s.is_empty() {
            self.release_limit(s == " OFFSET ")?;
        }
        match (self.seen, s) {
            (Seen::Nothing, " INTERSECT (" | " EXCEPT (") => {
                self.seen = Seen::Operator(if s == " INTERSECT (" {
                    " INTERSECT ("
                } else {
                    " EXCEPT ("
                });
            }
            (Seen::Operator(operator), "SELECT ") => self.seen = Seen::Select(operator),
            (Seen::Select(operator), ALL_MARKER) => {
                let all = if operator == " INTERSECT (" {
                    " INTERSECT ALL ("
                } else {
                    " EXCEPT ALL ("
                };
                self.inner.write_str(all)?;
                self.inner.write_str("SELECT ")?;
                self.seen = Seen::Marker;
            }
            (Seen::Marker, ", ") => self.seen = Seen::Nothing,
            // Held until the writer knows whether an OFFSET follows; see `release_limit`.
            (Seen::Nothing, " LIMIT ") => self.seen = Seen::Slice(" LIMIT "),
            _ => {
                // Not a marked member: what was held back goes out unchanged.
                self.release()?;
                return self.inner.write_str(s);
            }
        }
        Ok(())
    }
}

impl<W: SqlWriter, B> fmt::Display for AllWriter<W, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner.to_string(), f)
    }
}

impl<W: SqlWriter, B: QueryBuilder> SqlWriter for AllWriter<W, B> {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, query_builder: &T) {
        if self.seen == Seen::Slice(" LIMIT ") && slice_count(&value).is_some() {
            self.seen = Seen::Nothing;
            self.limit = Some(value);
            return;
        }
        let _ = self.release_limit(false);
        let _ = self.flush_plain();
        self.inner.push_param(value, query_builder);
    }

    fn as_writer(&mut self) -> &mut dyn fmt::Write {
        self as _
    }
}

/// The row count a LIMIT or OFFSET value holds, if it is one.
fn slice_count(value: &Value) -> Option<u64> {
    match value {
        Value::BigUnsigned(Some(count)) => Some(*count),
        Value::Unsigned(Some(count)) => Some(u64::from(*count)),
        Value::BigInt(Some(count)) => u64::try_from(*count).ok(),
        Value::Int(Some(count)) => u64::try_from(*count).ok(),
        _ => None,
    }
}

impl<W: SqlWriter, B: QueryBuilder> AllWriter<W, B> {
    /// A parameter interrupts any pattern: what was held back is written as it was.
    fn flush_plain(&mut self) -> fmt::Result {
        fmt::Write::write_str(self, "")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// The character-at-a-time form `strict_identifiers` replaced, as the reference.
    fn reference(sql: &str) -> String {
        let mut out = String::new();
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    out.push(c);
                    while let Some(c) = chars.next() {
                        out.push(c);
                        if c == '\'' {
                            if chars.peek() == Some(&'\'') {
                                out.extend(chars.next());
                            } else {
                                break;
                            }
                        }
                    }
                }
                '"' => {
                    out.push('`');
                    while let Some(c) = chars.next() {
                        match c {
                            '"' if chars.peek() == Some(&'"') => {
                                chars.next();
                                out.push('"');
                            }
                            '"' => break,
                            '`' => out.push_str("``"),
                            other => out.push(other),
                        }
                    }
                    out.push('`');
                }
                other => out.push(other),
            }
        }
        out
    }

    #[test]
    fn quotes_identifiers_with_backquotes() {
        let sql = r#"SELECT "a""b", 'it''s "x"' FROM "t`u" WHERE "é" = 'ü'"#;
        assert_eq!(
            super::strict_identifiers(sql),
            r#"SELECT `a"b`, 'it''s "x"' FROM `t``u` WHERE `é` = 'ü'"#
        );
    }

    proptest! {
        #[test]
        fn agrees_with_the_reference(sql in "[a'\"`é ]{0,24}") {
            prop_assert_eq!(super::strict_identifiers(&sql), reference(&sql));
        }
    }
}
