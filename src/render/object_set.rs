//! The statements of persistent object sets that differ by engine: the two tables, the
//! insert that fills a set from any set of ids, the row lock, and how a write transaction
//! begins. Everything else an object set sends is an ordinary sea-query statement, or a
//! query set's own update and delete.

use sea_query::{
    Alias, ColumnDef, Expr, ExprTrait, ForeignKey, ForeignKeyAction, Index, IndexCreateStatement,
    InsertStatement, LockType, MysqlQueryBuilder, PostgresQueryBuilder, Query,
    QueryStatementWriter, SelectStatement, SqliteQueryBuilder, Table, TableCreateStatement, Values,
};

use super::Renderer;
use crate::Dialect;
use crate::dialect::Capabilities;
use crate::error::Result;
use crate::query::node::Node;

/// The longest set name, kind name and owner. Three such columns make the unique index,
/// which must fit MySQL's 3,072-byte limit at four bytes a character.
pub(crate) const NAME_LIMIT: usize = 200;
pub(crate) const KIND_LIMIT: usize = 128;
pub(crate) const OWNER_LIMIT: usize = 128;

/// The names of an object-set store's two tables.
#[derive(Debug)]
pub(crate) struct Tables {
    pub(crate) sets: String,
    pub(crate) members: String,
    /// Set once the sets table is known to compare its text exactly (see
    /// [`inexact_columns`]), so that the check runs once per store, not per operation.
    pub(crate) exact: std::sync::atomic::AtomicBool,
}

impl Tables {
    pub(crate) fn new(sets: String, members: String) -> Tables {
        Tables {
            sets,
            members,
            exact: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// Two stores are the same store when they name the same tables.
impl PartialEq for Tables {
    fn eq(&self, other: &Tables) -> bool {
        self.sets == other.sets && self.members == other.members
    }
}

impl Eq for Tables {}

/// Makes `column` hold text of up to `chars` characters that `=`, `ORDER BY` and unique
/// indexes compare byte for byte.
///
/// PostgreSQL's deterministic collations and SQLite's BINARY already do. MySQL's and
/// MariaDB's default collations ignore case, accents and trailing spaces, so there `'ann'`
/// would find `'ANN '`'s sets: the columns are `VARBINARY`, which compares bytes (a space
/// is not padding) on both, at four bytes a character. A `_bin` collation would still pad
/// spaces, and the no-pad binary collations are named differently on MySQL and MariaDB.
fn exact_text(column: &mut ColumnDef, chars: usize, dialect: Dialect) {
    let length = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    match dialect {
        Dialect::MySql => column.var_binary(length(chars * 4)),
        Dialect::Sqlite | Dialect::Postgres => column.string_len(length(chars)),
    };
}

/// The text columns of the sets table, each with its limit in characters.
const TEXT_COLUMNS: [(&str, usize); 4] = [
    ("kind", KIND_LIMIT),
    ("name", NAME_LIMIT),
    ("owner", OWNER_LIMIT),
    ("owner_key", OWNER_LIMIT),
];

/// On MySQL/MariaDB, how many of the sets table's text columns do not compare exactly: a
/// store installed before they were `VARBINARY` (see [`exact_text`]). `None` elsewhere,
/// where every store has compared exactly from the start.
pub(crate) fn inexact_columns(tables: &Tables, dialect: Dialect) -> Option<(String, Values)> {
    if dialect != Dialect::MySql {
        return None;
    }
    let columns = TEXT_COLUMNS.map(|(name, _)| name);
    let select = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from((Alias::new("information_schema"), Alias::new("COLUMNS")))
        .and_where(Expr::col(Alias::new("TABLE_SCHEMA")).eq(Expr::cust("DATABASE()")))
        .and_where(Expr::col(Alias::new("TABLE_NAME")).eq(tables.sets.as_str()))
        .and_where(Expr::col(Alias::new("COLUMN_NAME")).is_in(columns))
        .and_where(Expr::col(Alias::new("DATA_TYPE")).ne("varbinary"))
        .to_owned();
    Some(build(&select, dialect))
}

/// The statement that converts an older store's text columns to exact ones, keeping their
/// bytes (see [`exact_text`]): exact comparison only tells apart names that were equal
/// before, so no unique name can collide.
pub(crate) fn make_exact(tables: &Tables, dialect: Dialect) -> String {
    let mut alter = Table::alter();
    alter.table(Alias::new(&tables.sets));
    for (name, limit) in TEXT_COLUMNS {
        let mut column = ColumnDef::new(Alias::new(name));
        exact_text(&mut column, limit, dialect);
        if name == "owner" {
            column.null();
        } else {
            column.not_null();
        }
        alter.modify_column(column);
    }
    match dialect {
        Dialect::Sqlite => alter.build(SqliteQueryBuilder),
        Dialect::Postgres => alter.build(PostgresQueryBuilder),
        Dialect::MySql => alter.build(MysqlQueryBuilder),
    }
}

/// `name` as `list` orders it: by bytes, as MySQL's `VARBINARY` and SQLite's BINARY do;
/// PostgreSQL's default collation would put `'a'` before `'B'`.
pub(crate) fn name_order(dialect: Dialect) -> Expr {
    match dialect {
        Dialect::Postgres => Expr::cust(r#""name" COLLATE "C""#),
        Dialect::Sqlite | Dialect::MySql => Expr::col(Alias::new("name")),
    }
}

/// The statements that create both tables and the member index if they are missing, in
/// order.
pub(crate) fn install(tables: &Tables, dialect: Dialect) -> Vec<String> {
    let id = |name: &str| {
        let mut column = ColumnDef::new(Alias::new(name));
        // SQLite allocates ids only for a column declared exactly `INTEGER PRIMARY KEY`.
        match dialect {
            Dialect::Sqlite => column.integer(),
            Dialect::Postgres | Dialect::MySql => column.big_integer(),
        };
        column.not_null().to_owned()
    };
    let text = |name: &str, length: usize| {
        let mut column = ColumnDef::new(Alias::new(name));
        exact_text(&mut column, length, dialect);
        column.not_null().to_owned()
    };
    let sets = Table::create()
        .table(Alias::new(&tables.sets))
        .if_not_exists()
        .col(id("id").auto_increment().primary_key())
        .col(text("kind", KIND_LIMIT))
        .col(text("name", NAME_LIMIT))
        .col(text("owner", OWNER_LIMIT).null())
        // `owner` with '' for no owner: the unique index treats NULLs as distinct on every
        // engine, so it could not keep two unowned sets from sharing a name.
        .col(text("owner_key", OWNER_LIMIT))
        .col(ColumnDef::new(Alias::new("count")).big_integer().not_null())
        .col(
            ColumnDef::new(Alias::new("created"))
                .big_integer()
                .not_null(),
        )
        .col(
            ColumnDef::new(Alias::new("modified"))
                .big_integer()
                .not_null(),
        )
        .index(
            Index::create()
                .name(format!("{}_kind_owner_name", tables.sets))
                .unique()
                .col(Alias::new("kind"))
                .col(Alias::new("owner_key"))
                .col(Alias::new("name")),
        )
        .to_owned();
    let flag = |name: &str| {
        ColumnDef::new(Alias::new(name))
            .boolean()
            .not_null()
            .default(false)
            .to_owned()
    };
    let mut members = Table::create()
        .table(Alias::new(&tables.members))
        .if_not_exists()
        .col(id("set_id"))
        .col(
            ColumnDef::new(Alias::new("object_id"))
                .big_integer()
                .not_null(),
        )
        .col(flag("added_by_hand"))
        .col(flag("removed"))
        .primary_key(
            Index::create()
                .col(Alias::new("set_id"))
                .col(Alias::new("object_id")),
        )
        .foreign_key(
            ForeignKey::create()
                .name(format!("{}_set", tables.members))
                .from(Alias::new(&tables.members), Alias::new("set_id"))
                .to(Alias::new(&tables.sets), Alias::new("id"))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned();
    let object_index = || {
        Index::create()
            .name(format!("{}_object", tables.members))
            .table(Alias::new(&tables.members))
            .col(Alias::new("object_id"))
            .to_owned()
    };
    match dialect {
        // MySQL has no `CREATE INDEX IF NOT EXISTS`; the index goes inside the table.
        Dialect::MySql => {
            members.index(&mut object_index());
            vec![schema_sql(&sets, dialect), schema_sql(&members, dialect)]
        }
        Dialect::Sqlite | Dialect::Postgres => vec![
            schema_sql(&sets, dialect),
            schema_sql(&members, dialect),
            index_sql(object_index().if_not_exists(), dialect),
        ],
    }
}

fn schema_sql(statement: &TableCreateStatement, dialect: Dialect) -> String {
    match dialect {
        Dialect::Sqlite => statement.build(SqliteQueryBuilder),
        Dialect::Postgres => statement.build(PostgresQueryBuilder),
        Dialect::MySql => statement.build(MysqlQueryBuilder),
    }
}

fn index_sql(statement: &IndexCreateStatement, dialect: Dialect) -> String {
    match dialect {
        Dialect::Sqlite => statement.build(SqliteQueryBuilder),
        Dialect::Postgres => statement.build(PostgresQueryBuilder),
        Dialect::MySql => statement.build(MysqlQueryBuilder),
    }
}

/// The insert that makes every id of `ids` (a set whose only output column is `column`) a
/// member of set `set_id`, once each, skipping NULLs and, unless `fresh`, ids that already
/// have a row in the set. It runs inside the database: no id passes through Rust.
pub(crate) fn insert_members(
    tables: &Tables,
    set_id: i64,
    ids: &Node,
    column: &str,
    by_hand: bool,
    fresh: bool,
    capabilities: &Capabilities,
) -> Result<(String, Values)> {
    let dialect = capabilities.dialect();
    let mut renderer = Renderer::new(capabilities);
    let inner = renderer
        .node(&crate::plan::plan(ids, dialect.planning()).unwrap_or_else(|| ids.clone()))?;
    let alias = renderer.alias("s");
    let id = Expr::col((alias.clone(), Alias::new(column)));
    let mut select = Query::select();
    select
        .distinct()
        .expr(Expr::val(set_id))
        .expr(id.clone())
        .expr(Expr::val(by_hand))
        .expr(Expr::val(false))
        .from_subquery(inner, alias)
        .and_where(id.clone().is_not_null());
    if !fresh {
        let member = Alias::new("m");
        let existing = Query::select()
            .expr(Expr::val(1))
            .from_as(Alias::new(&tables.members), member.clone())
            .and_where(Expr::col((member.clone(), Alias::new("set_id"))).eq(set_id))
            .and_where(Expr::col((member, Alias::new("object_id"))).eq(id))
            .to_owned();
        select.and_where(Expr::exists(existing).not());
    }
    let mut insert = Query::insert();
    insert.into_table(Alias::new(&tables.members)).columns([
        Alias::new("set_id"),
        Alias::new("object_id"),
        Alias::new("added_by_hand"),
        Alias::new("removed"),
    ]);
    insert
        .select_from(select)
        .map_err(|_| crate::Error::Unsupported {
            dialect,
            operation: "filling an object set from a set of ids",
        })?;
    Ok(build(&insert, dialect))
}

/// `SELECT count FROM sets WHERE id = ? AND kind = ? AND owner_key = ?`, holding the row
/// until the transaction ends where the engine locks rows. SQLite has no row locks; its
/// write transactions begin `IMMEDIATE`, which takes the database's write lock instead.
pub(crate) fn lock_set(
    tables: &Tables,
    set_id: i64,
    kind: &str,
    owner_key: &str,
    dialect: Dialect,
) -> (String, Values) {
    let select = Query::select()
        .column(Alias::new("count"))
        .from(Alias::new(&tables.sets))
        .and_where(Expr::col(Alias::new("id")).eq(set_id))
        .and_where(Expr::col(Alias::new("kind")).eq(kind))
        .and_where(Expr::col(Alias::new("owner_key")).eq(owner_key))
        .lock(LockType::Update)
        .to_owned();
    build(&select, dialect)
}

/// The insert of a set's row, returning its id where the engine can (`RETURNING`); on
/// MySQL the id is the connection's last insert id.
pub(crate) fn insert_set(mut insert: InsertStatement, dialect: Dialect) -> (String, Values, bool) {
    let returning = dialect != Dialect::MySql;
    if returning {
        insert.returning_col(Alias::new("id"));
    }
    let (sql, values) = build(&insert, dialect);
    (sql, values, returning)
}

/// A statement to run before a write transaction begins on a fresh connection, and the
/// statement that begins it.
///
/// - MySQL: `READ COMMITTED`, so that a set's member writes take no gap locks, which under
///   `REPEATABLE READ` make two writers of neighbouring sets deadlock on the index between
///   them.
/// - SQLite: `BEGIN IMMEDIATE`, so the transaction holds the write lock from its first
///   statement; a deferred one that reads first cannot upgrade while another waits.
pub(crate) fn write_transaction(dialect: Dialect) -> (Option<&'static str>, Option<&'static str>) {
    match dialect {
        Dialect::MySql => (Some("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"), None),
        Dialect::Sqlite => (None, Some("BEGIN IMMEDIATE")),
        Dialect::Postgres => (None, None),
    }
}

/// Any engine-neutral statement an object set sends, with placeholders.
pub(crate) fn build(statement: &impl QueryStatementWriter, dialect: Dialect) -> (String, Values) {
    super::writer::build_statement(statement, dialect)
}

/// `SELECT <columns> FROM sets WHERE …`: for reading set rows.
pub(crate) fn select_sets(tables: &Tables, dialect: Dialect) -> SelectStatement {
    let mut select = Query::select();
    for column in [
        "id", "kind", "name", "owner", "count", "created", "modified",
    ] {
        let is_text = TEXT_COLUMNS.iter().any(|(name, _)| *name == column);
        if is_text && dialect == Dialect::MySql {
            // `VARBINARY` (see `exact_text`) reads as bytes; the text is the UTF-8 written.
            // Unaliased, so that `ORDER BY name` still orders by the bytes.
            let text =
                Expr::cust_with_exprs("CONVERT(? USING utf8mb4)", [Expr::col(Alias::new(column))]);
            select.expr(text);
        } else {
            select.column(Alias::new(column));
        }
    }
    select.from(Alias::new(&tables.sets)).to_owned()
}
