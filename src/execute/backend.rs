//! The databases setql runs on, tied to the dialect each one renders.

use sea_query::Values;
use sqlx::{Database, IntoArguments};

use crate::Dialect;

/// A sqlx database that setql can run query sets on.
///
/// Implemented for `sqlx::Sqlite`, `sqlx::Postgres` and `sqlx::MySql` when their Cargo
/// features are on. It is sealed: the set of engines is part of setql's contract.
pub trait Backend: Database + private::Sealed {
    /// The dialect rendered for this database.
    const DIALECT: Dialect;
}

pub(super) mod private {
    use sea_query::Values;
    use sqlx::Database;

    pub trait Sealed: Database {
        /// Binds sea-query values as this database's arguments.
        fn arguments(values: Values) -> <Self as Database>::Arguments;

        /// Reads the `COUNT(*)` in the first column of `row`.
        fn read_count(row: &Self::Row) -> Result<i64, sqlx::Error>;

        /// The rows an UPDATE or DELETE matched.
        fn rows_affected(result: &Self::QueryResult) -> u64;

        /// Reads the text in the first column of `row`.
        fn read_text(row: &Self::Row) -> Result<String, sqlx::Error>;

        /// Reads the integer in column `index` of `row`.
        fn read_i64_at(row: &Self::Row, index: usize) -> Result<i64, sqlx::Error>;

        /// Reads the text, or NULL, in column `index` of `row`.
        fn read_text_at(row: &Self::Row, index: usize) -> Result<Option<String>, sqlx::Error>;

        /// The id an INSERT allocated, where the engine reports it with the result
        /// (MySQL, which has no `RETURNING`).
        fn last_insert_id(result: &Self::QueryResult) -> Option<i64>;

        /// Reads `column` of `row` as a keyset cursor value, by its SQL type.
        fn read_cursor_value(
            row: &Self::Row,
            column: &str,
        ) -> crate::Result<crate::paginate::cursor::CursorValue>;
    }
}

/// Bound arguments for any backend. sqlx implements `IntoArguments` per concrete database
/// only, so generic code carries the already-bound arguments in this wrapper.
pub(super) struct Bound<DB: Database>(pub(super) <DB as Database>::Arguments);

impl<DB: Database> IntoArguments<DB> for Bound<DB> {
    fn into_arguments(self) -> <DB as Database>::Arguments {
        self.0
    }
}

/// Declares one supported database.
macro_rules! backend {
    ($feature:literal, $db:ty, $dialect:expr, $read:path, $last_id:expr) => {
        #[cfg(feature = $feature)]
        impl private::Sealed for $db {
            fn arguments(values: Values) -> <Self as Database>::Arguments {
                <sea_query_sqlx::SqlxValues as IntoArguments<$db>>::into_arguments(
                    sea_query_sqlx::SqlxValues(values),
                )
            }

            fn read_count(row: &Self::Row) -> Result<i64, sqlx::Error> {
                sqlx::Row::try_get(row, 0)
            }

            fn read_text(row: &Self::Row) -> Result<String, sqlx::Error> {
                sqlx::Row::try_get(row, 0)
            }

            fn rows_affected(result: &Self::QueryResult) -> u64 {
                result.rows_affected()
            }

            fn read_i64_at(row: &Self::Row, index: usize) -> Result<i64, sqlx::Error> {
                sqlx::Row::try_get(row, index)
            }

            fn read_text_at(row: &Self::Row, index: usize) -> Result<Option<String>, sqlx::Error> {
                sqlx::Row::try_get(row, index)
            }

            fn last_insert_id(result: &Self::QueryResult) -> Option<i64> {
                let last_id: fn(&Self::QueryResult) -> Option<i64> = $last_id;
                last_id(result)
            }

            fn read_cursor_value(
                row: &Self::Row,
                column: &str,
            ) -> crate::Result<crate::paginate::cursor::CursorValue> {
                $read(row, column)
            }
        }

        #[cfg(feature = $feature)]
        impl Backend for $db {
            const DIALECT: Dialect = $dialect;
        }
    };
}

backend!(
    "sqlite",
    sqlx::Sqlite,
    Dialect::Sqlite,
    super::cursor_values::sqlite,
    |result| Some(result.last_insert_rowid())
);
backend!(
    "postgres",
    sqlx::Postgres,
    Dialect::Postgres,
    super::cursor_values::postgres,
    |_| None
);
backend!(
    "mysql",
    sqlx::MySql,
    Dialect::MySql,
    super::cursor_values::mysql,
    |result| i64::try_from(result.last_insert_id()).ok()
);
