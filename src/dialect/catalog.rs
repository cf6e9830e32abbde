//! Reading a table's columns and ordered indexes from each engine's catalog. setql uses the
//! NOT NULL columns to write no NULLS clause, no `IS NULL` term and no refusal where a
//! column cannot hold NULL, and the indexes to page a union branch by branch only where an
//! index hands each branch its rows in order (see `execute::catalog`, `plan`).

use sea_query::Values;

use super::Dialect;

/// The statement that lists `table`'s columns as `(name, not_null, rows)` rows, `not_null`
/// 1 or 0 and `rows` the table's estimated size (NULL when the engine keeps none), resolved
/// as the engine resolves the table's name in a query (PostgreSQL's search path, MySQL's
/// current database); no rows when there is no such table.
pub(crate) fn columns(dialect: Dialect, table: &str) -> (String, Values) {
    let sql = match dialect {
        // `to_regclass` is NULL, not an error, for a table that does not exist, so the
        // statement never aborts a transaction. The name is quoted as sea-query quotes it.
        Dialect::Postgres => {
            // `reltuples` is -1 until the table is first analyzed.
            "SELECT a.attname::text, a.attnotnull::int4::int8, \
             (SELECT CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::int8 END \
             FROM pg_catalog.pg_class c WHERE c.oid = a.attrelid) \
             FROM pg_catalog.pg_attribute a \
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped"
        }
        Dialect::MySql => {
            "SELECT c.COLUMN_NAME, CAST(c.IS_NULLABLE = 'NO' AS SIGNED), CAST(t.TABLE_ROWS AS SIGNED) \
             FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
             ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
             WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = ?"
        }
        // Only a column declared NOT NULL, or the rowid alias (`INTEGER PRIMARY KEY`, the only
        // key column), cannot hold NULL: SQLite lets other primary keys hold it.
        Dialect::Sqlite => {
            "SELECT name, \"notnull\" OR (pk = 1 AND upper(type) = 'INTEGER' \
             AND (SELECT COUNT(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1), NULL \
             FROM pragma_table_info(?1)"
        }
    };
    (sql.to_owned(), Values(vec![name(dialect, table).into()]))
}

/// The statement that lists the columns of `table`'s ordered (B-tree) indexes as
/// `(index, position, column)` rows, in index and position order; `column` is NULL for an
/// expression. Partial indexes are left out: they serve only the rows of their predicate.
/// SQLite's rowid, the order of the table itself, is not listed.
pub(crate) fn indexes(dialect: Dialect, table: &str) -> (String, Values) {
    let sql = match dialect {
        Dialect::Postgres => {
            "SELECT c.relname::text, k.ord::int8, a.attname::text FROM pg_catalog.pg_index i \
             JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
             JOIN pg_catalog.pg_am am ON am.oid = c.relam AND am.amname = 'btree' \
             CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
             WHERE i.indrelid = to_regclass($1) AND i.indpred IS NULL AND k.ord <= i.indnkeyatts \
             ORDER BY 1, 2"
        }
        Dialect::MySql => {
            "SELECT INDEX_NAME, CAST(SEQ_IN_INDEX AS SIGNED), COLUMN_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_TYPE = 'BTREE' \
             ORDER BY INDEX_NAME, SEQ_IN_INDEX"
        }
        // The rowid alias (`INTEGER PRIMARY KEY`, the only key column) orders the table
        // itself, which is an index on it in all but name.
        Dialect::Sqlite => {
            "SELECT l.name, i.seqno, i.name FROM pragma_index_list(?1) AS l, pragma_index_info(l.name) AS i \
             WHERE l.partial = 0 \
             UNION ALL SELECT '', 0, name FROM pragma_table_info(?1) WHERE pk = 1 AND upper(type) = 'INTEGER' \
             AND (SELECT COUNT(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1 \
             ORDER BY 1, 2"
        }
    };
    (sql.to_owned(), Values(vec![name(dialect, table).into()]))
}

/// `table` as the catalog statements look it up: quoted as sea-query quotes it on
/// PostgreSQL, where `to_regclass` reads a name as SQL does.
fn name(dialect: Dialect, table: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("\"{}\"", table.replace('"', "\"\"")),
        Dialect::MySql | Dialect::Sqlite => table.to_owned(),
    }
}
