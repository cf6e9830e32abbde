//! Reading an ordering column of a row as a cursor value, per engine.
//!
//! PostgreSQL and MySQL compare by SQL type, so the column's type decides how it is read
//! and how the cursor binds it back. SQLite compares by storage class, so a cursor there
//! holds the stored value as it is.

#[cfg(any(feature = "postgres", feature = "mysql"))]
use sqlx::Database;
use sqlx::{Row as _, TypeInfo as _, ValueRef as _};

use crate::error::{Error, Result};
use crate::paginate::cursor::CursorValue;
#[cfg(all(
    any(feature = "postgres", feature = "mysql"),
    any(feature = "chrono", feature = "time")
))]
use crate::paginate::value::{Civil, temporal};

/// How a column's values are read, by its SQL type. Some kinds exist on one engine only.
#[cfg(any(feature = "postgres", feature = "mysql"))]
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Unsigned,
    Float,
    Text,
    /// PostgreSQL's blank-padded `CHAR(n)`, which compares without its padding.
    PaddedText,
    Bool,
    Bytes,
    /// MySQL's binary strings. MariaDB sends its `UUID` and `INET6` columns as these, with
    /// text values that it compares by the column's own type; see [`mysql_kind`].
    BinaryString,
    Timestamp,
    TimestampTz,
    Date,
    Time,
    Decimal,
    Uuid,
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
impl Kind {
    /// The features that give this kind a cursor form when this build lacks them all.
    fn missing_features(self) -> Option<&'static [&'static str]> {
        match self {
            Kind::Timestamp | Kind::TimestampTz | Kind::Date | Kind::Time
                if !cfg!(any(feature = "chrono", feature = "time")) =>
            {
                Some(&["chrono", "time"])
            }
            Kind::Decimal if !cfg!(feature = "rust_decimal") => Some(&["rust_decimal"]),
            Kind::Uuid if !cfg!(feature = "uuid") => Some(&["uuid"]),
            _ => None,
        }
    }
}

/// PostgreSQL's types, as sqlx names them.
#[cfg(feature = "postgres")]
fn postgres_kind(type_name: &str) -> Option<Kind> {
    Some(match type_name {
        "INT2" | "INT4" | "INT8" => Kind::Int,
        "FLOAT4" | "FLOAT8" => Kind::Float,
        "TEXT" | "VARCHAR" | "NAME" => Kind::Text,
        "CHAR" => Kind::PaddedText,
        "BOOL" => Kind::Bool,
        "BYTEA" => Kind::Bytes,
        "TIMESTAMP" => Kind::Timestamp,
        "TIMESTAMPTZ" => Kind::TimestampTz,
        "DATE" => Kind::Date,
        "TIME" => Kind::Time,
        "NUMERIC" => Kind::Decimal,
        "UUID" => Kind::Uuid,
        _ => return None,
    })
}

/// MySQL's and MariaDB's types, as sqlx names them. `ENUM` and `SET` sort by their
/// declaration, not as the text they read as, so they have no cursor form.
#[cfg(feature = "mysql")]
fn mysql_kind(type_name: &str) -> Option<Kind> {
    Some(match type_name {
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => Kind::Int,
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" | "YEAR" | "BIT" => Kind::Unsigned,
        "FLOAT" | "DOUBLE" => Kind::Float,
        "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" => Kind::Text,
        "BOOLEAN" => Kind::Bool,
        // A value that is text is bound as text: MariaDB then compares a `UUID` column as a
        // UUID, as ORDER BY does, and a true binary column compares the text by its bytes,
        // which are the value's. Other values are bound as bytes.
        "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" => {
            Kind::BinaryString
        }
        "DATETIME" => Kind::Timestamp,
        // An instant, read and bound in the session's zone, which sqlx sets to UTC.
        "TIMESTAMP" => Kind::TimestampTz,
        "DATE" => Kind::Date,
        "TIME" => Kind::Time,
        "DECIMAL" => Kind::Decimal,
        _ => return None,
    })
}

fn unreadable(column: &str, error: impl std::fmt::Display) -> Error {
    Error::InvalidCursor(format!("cannot read ordering column `{column}`: {error}"))
}

/// Reads `column` of a row of a typed engine (PostgreSQL, MySQL).
macro_rules! read_typed {
    ($name:ident, $feature:literal, $db:ty, $kind_of:path, [$($unsigned:ty),*]) => {
        #[cfg(feature = $feature)]
        pub(super) fn $name(row: &<$db as Database>::Row, column: &str) -> Result<CursorValue> {
            let raw = row.try_get_raw(column).map_err(|e| unreadable(column, e))?;
            let sql_type = raw.type_info().name().to_owned();
            let is_null = raw.is_null();
            let kind = $kind_of(&sql_type);
            let Some(kind) = kind.filter(|kind| kind.missing_features().is_none()) else {
                return Err(Error::UnsupportedCursorColumn {
                    column: column.to_owned(),
                    sql_type,
                    features: kind.and_then(Kind::missing_features).unwrap_or(&[]),
                });
            };
            if is_null {
                return Ok(CursorValue::Null);
            }
            let failed = |e| unreadable(column, e);
            Ok(match kind {
                Kind::Int => CursorValue::Int(
                    row.try_get::<i64, _>(column)
                        .or_else(|_| row.try_get::<i32, _>(column).map(i64::from))
                        .or_else(|_| row.try_get::<i16, _>(column).map(i64::from))
                        .map_err(failed)?,
                ),
                Kind::Unsigned => {
                    // sqlx reads unsigned columns only as unsigned Rust types.
                    let unsigned: std::result::Result<u64, sqlx::Error> =
                        Err(sqlx::Error::ColumnNotFound(column.to_owned()))
                            $(.or_else(|_| row.try_get::<$unsigned, _>(column).map(u64::from)))*;
                    let value = unsigned.map_err(failed)?;
                    CursorValue::Int(i64::try_from(value).map_err(|_| {
                        unreadable(column, format_args!("{value} is past the largest cursor integer"))
                    })?)
                }
                Kind::Float => CursorValue::Float(
                    row.try_get::<f64, _>(column)
                        .or_else(|_| row.try_get::<f32, _>(column).map(f64::from))
                        .map_err(failed)?,
                ),
                Kind::Text => CursorValue::Text(row.try_get(column).map_err(failed)?),
                Kind::PaddedText => {
                    let text: String = row.try_get(column).map_err(failed)?;
                    CursorValue::Text(text.trim_end_matches(' ').to_owned())
                }
                Kind::Bool => CursorValue::Bool(row.try_get(column).map_err(failed)?),
                Kind::Bytes => CursorValue::Bytes(row.try_get(column).map_err(failed)?),
                Kind::BinaryString => {
                    let bytes: Vec<u8> = row.try_get(column).map_err(failed)?;
                    String::from_utf8(bytes)
                        .map_or_else(|text| CursorValue::Bytes(text.into_bytes()), CursorValue::Text)
                }
                #[cfg(any(feature = "chrono", feature = "time"))]
                Kind::Timestamp => CursorValue::timestamp(Civil::from(
                    row.try_get::<temporal::Timestamp, _>(column).map_err(failed)?,
                )),
                #[cfg(any(feature = "chrono", feature = "time"))]
                Kind::TimestampTz => CursorValue::instant(Civil::from(
                    row.try_get::<temporal::Instant, _>(column).map_err(failed)?,
                )),
                #[cfg(any(feature = "chrono", feature = "time"))]
                Kind::Date => CursorValue::date(Civil::from(
                    row.try_get::<temporal::Date, _>(column).map_err(failed)?,
                )),
                #[cfg(any(feature = "chrono", feature = "time"))]
                Kind::Time => CursorValue::time(Civil::from(
                    row.try_get::<temporal::Time, _>(column).map_err(failed)?,
                )),
                #[cfg(feature = "rust_decimal")]
                Kind::Decimal => CursorValue::Decimal(
                    row.try_get::<sea_query::prelude::Decimal, _>(column)
                        .map_err(failed)?
                        .to_string(),
                ),
                #[cfg(feature = "uuid")]
                Kind::Uuid => CursorValue::Uuid(
                    row.try_get::<sea_query::prelude::Uuid, _>(column)
                        .map_err(failed)?
                        .hyphenated()
                        .to_string(),
                ),
                // Kinds whose feature is off were refused above.
                #[allow(unreachable_patterns)]
                _ => return Err(unreadable(column, "no cursor form in this build")),
            })
        }
    };
}

read_typed!(postgres, "postgres", sqlx::Postgres, postgres_kind, []);
read_typed!(mysql, "mysql", sqlx::MySql, mysql_kind, [u64, u32, u16, u8]);

/// Reads `column` of a SQLite row by its storage class, which is how SQLite orders and
/// compares it: a date stored as text is bound back as that same text.
#[cfg(feature = "sqlite")]
pub(super) fn sqlite(row: &sqlx::sqlite::SqliteRow, column: &str) -> Result<CursorValue> {
    let raw = row.try_get_raw(column).map_err(|e| unreadable(column, e))?;
    if raw.is_null() {
        return Ok(CursorValue::Null);
    }
    // For a value that is not NULL, sqlx names its storage class.
    let storage = raw.type_info().name().to_owned();
    let failed = |e| unreadable(column, e);
    Ok(match storage.as_str() {
        "INTEGER" => CursorValue::Int(row.try_get_unchecked(column).map_err(failed)?),
        "REAL" => CursorValue::Float(row.try_get_unchecked(column).map_err(failed)?),
        "TEXT" => CursorValue::Text(row.try_get_unchecked(column).map_err(failed)?),
        "BLOB" => CursorValue::Bytes(row.try_get_unchecked(column).map_err(failed)?),
        _ => {
            return Err(Error::UnsupportedCursorColumn {
                column: column.to_owned(),
                sql_type: storage,
                features: &[],
            });
        }
    })
}
