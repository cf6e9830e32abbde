//! Reading a table's columns from each engine's catalog: their names, and whether each is
//! NOT NULL. setql uses it to write no NULLS clause, no `IS NULL` term and no refusal where
//! a column cannot hold NULL (see `execute::catalog`).

use sea_query::Values;

use super::Dialect;

/// The statement that lists `table`'s columns as `(name, not_null)` rows, `not_null` 1 or 0,
/// resolved as the engine resolves the table's name in a query (PostgreSQL's search path,
/// MySQL's current database); no rows when there is no such table.
pub(crate) fn columns(dialect: Dialect, table: &str) -> (String, Values) {
    let sql = match dialect {
        // `to_regclass` is NULL, not an error, for a table that does not exist, so the
        // statement never aborts a transaction. The name is quoted as sea-query quotes it.
        Dialect::Postgres => {
            "SELECT a.attname::text, a.attnotnull::int4::int8 FROM pg_catalog.pg_attribute a \
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped"
        }
        Dialect::MySql => {
            "SELECT COLUMN_NAME, CAST(IS_NULLABLE = 'NO' AS SIGNED) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
        }
        // Only a column declared NOT NULL, or the rowid alias (`INTEGER PRIMARY KEY`, the only
        // key column), cannot hold NULL: SQLite lets other primary keys hold it.
        Dialect::Sqlite => {
            "SELECT name, \"notnull\" OR (pk = 1 AND upper(type) = 'INTEGER' \
             AND (SELECT COUNT(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1) \
             FROM pragma_table_info(?1)"
        }
    };
    let name = match dialect {
        Dialect::Postgres => format!("\"{}\"", table.replace('"', "\"\"")),
        Dialect::MySql | Dialect::Sqlite => table.to_owned(),
    };
    (sql.to_owned(), Values(vec![name.into()]))
}
