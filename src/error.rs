//! The one error type of the crate.

use crate::Dialect;
use crate::dialect::failure::{self, Failure};

/// A specialised `Result` whose error is [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while building or running a query set.
///
/// Variants that describe misuse are returned before any SQL is sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A combination was built with no operands at all, e.g. `DelayedUnion::new([])`.
    #[error("{operation} needs at least one operand")]
    EmptyCombination {
        /// The set operation, e.g. `union`.
        operation: &'static str,
    },

    /// Two branches of a combination produce a different number of columns.
    #[error(
        "branch {branch} of {operation} has {found} output columns, but the first branch has {expected}"
    )]
    ColumnCountMismatch {
        /// The set operation, e.g. `intersection`.
        operation: &'static str,
        /// Zero-based position of the offending branch.
        branch: usize,
        /// The first branch's column count.
        expected: usize,
        /// The offending branch's column count.
        found: usize,
    },

    /// A name used for ordering or filtering is not an output column of a set whose output is known.
    #[error("`{column}` is not an output column; the output is ({})", available.join(", "))]
    UnknownColumn {
        /// The name that was not found.
        column: String,
        /// The output column names that exist.
        available: Vec<String>,
    },

    /// `distinct()` was called on a set ordered by a column it does not output. SELECT
    /// DISTINCT can only be ordered by what it selects, and applying DISTINCT outside would
    /// lose the order. Order after `distinct()`, or output the column.
    #[error(
        "distinct() cannot keep the ordering by `{column}`, which is not an output column; order after distinct() or output the column"
    )]
    DistinctLosesOrder {
        /// The ordering column that is not in the output.
        column: String,
    },

    /// `column_as` was given an aggregate (COUNT, SUM, …). Without grouping it would fold the
    /// set into one arbitrary row.
    #[error(
        "output column `{column}` is an aggregate, which needs grouping; give it to group_by(…).aggregate(…) or aggregate(…) instead of column_as"
    )]
    AggregateColumn {
        /// The alias of the aggregate column.
        column: String,
    },

    /// A table-qualified column, inside an expression setql cannot rewrite (a function
    /// call), was used on combined rows, where no table exists. Write it unqualified.
    #[error(
        "`{column}` is table-qualified inside a function call on combined rows; name the output column unqualified"
    )]
    QualifiedColumn {
        /// The qualified column, as `table.column`.
        column: String,
    },

    /// A set given to `filter_in` or `exclude_in` outputs other than exactly one column, so
    /// its rows cannot be compared with one column. Project it with `columns([..])`.
    #[error(
        "a set used as a filter must output exactly one column, but this one outputs ({})",
        columns.join(", ")
    )]
    SubqueryColumns {
        /// The set's output columns (`t.*` for every column of table `t`).
        columns: Vec<String>,
    },

    /// An adopted statement outputs two columns of one name, and setql must read its rows
    /// as a derived table (a later filter, a count, a slice), which cannot hold both.
    /// Alias one of them in the statement.
    #[error(
        "the adopted statement outputs `{column}` twice; alias one of them so its rows can be read as a derived table"
    )]
    DuplicateColumn {
        /// The repeated output name.
        column: String,
    },

    /// The engine cannot run this operation, natively or by emulation.
    #[error("{operation} is not supported on {dialect}")]
    Unsupported {
        /// The engine that lacks the operation.
        dialect: Dialect,
        /// What was asked for.
        operation: &'static str,
    },

    /// A whole-set `aggregate` was given no aggregates, so there is nothing to select.
    #[error("aggregate needs at least one aggregate")]
    NoAggregates,

    /// Capabilities of one dialect were used with an executor of another.
    #[error("capabilities for {capabilities} were used with a {executor} executor")]
    WrongDialect {
        /// The executor's dialect.
        executor: Dialect,
        /// The dialect the capabilities describe.
        capabilities: Dialect,
    },

    /// A page that does not exist: number 0, a page size of 0, or past the last page.
    #[error("page {number} of size {per_page} does not exist{}", num_pages.map(|n| format!(" (there are {n})")).unwrap_or_default())]
    InvalidPage {
        /// The page asked for, from 1.
        number: u64,
        /// The page size asked for.
        per_page: u64,
        /// How many pages there are, when the set was counted.
        num_pages: Option<u64>,
    },

    /// A keyset cursor that cannot be used: not a token setql wrote, read under another
    /// ordering, or holding a value this build cannot bind.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),

    /// An ordering column of a keyset page has an SQL type that cursors cannot hold in this
    /// build, so no cursor can be read from its rows. setql learns column types only from the
    /// database's answer, so this comes after the page's statement ran, from the first page
    /// that has a row, before any row is decoded.
    #[error(
        "keyset cursors cannot hold ordering column `{column}` of SQL type {sql_type}{}",
        match features {
            [] => String::new(),
            [one] => format!("; turn on setql's `{one}` feature"),
            many => format!("; turn on setql's `{}` feature", many.join("` or `")),
        }
    )]
    UnsupportedCursorColumn {
        /// The ordering column.
        column: String,
        /// Its SQL type, as the driver names it (`sqlx::TypeInfo::name`), e.g. `TIMESTAMPTZ`.
        sql_type: String,
        /// The setql features that would give it a cursor form; empty when none does.
        features: &'static [&'static str],
    },

    /// `update` or `delete` through a set that cannot be written exactly: its rows are not
    /// rows of one table identified by a declared primary key, and it is not a plain filter
    /// of one table; or an update that assigns no column. Nothing is sent.
    #[error("cannot {operation} through this set: {reason}")]
    NotWritable {
        /// `update` or `delete`.
        operation: &'static str,
        /// Why the set cannot be written.
        reason: &'static str,
    },

    /// A set member that contains a comma, which separates the members of a comma-separated
    /// set ([`CommaSet`](crate::CommaSet), `set_contains`, `set_add`, `set_remove`). Nothing is
    /// sent.
    #[error("set member {member:?} contains a comma, which separates members")]
    SetMemberComma {
        /// The member as given.
        member: String,
    },

    /// A set member that is the empty string: a comma-separated set cannot hold it, since
    /// the empty text is the empty set. Nothing is sent.
    #[error("a set member is the empty string, which a comma-separated set cannot hold")]
    SetMemberEmpty,

    /// A [`CommaSet`](crate::CommaSet) with more members than its declared maximum, found
    /// when it is encoded or turned into a value. Nothing is sent.
    #[error("a set of {members} members is over its maximum of {max}")]
    SetTooManyMembers {
        /// How many members the set has.
        members: usize,
        /// The declared maximum (`MAX_MEMBERS`).
        max: usize,
    },

    /// A [`CommaSet`](crate::CommaSet) whose comma-separated text is longer than its
    /// declared maximum, in characters. Nothing is sent.
    #[error("a set's text of {length} characters is over its maximum of {max}")]
    SetTooLong {
        /// The length of the set's text, in characters.
        length: usize,
        /// The declared maximum (`MAX_LEN`).
        max: usize,
    },

    /// Text read as a [`CommaSet`](crate::CommaSet) that is not a set of its member type:
    /// an empty member (`"1,,2"`), or a member that does not parse (`"x"` for integers).
    #[error("{text:?} is not a comma-separated set of {member_type}: {reason}")]
    InvalidSetText {
        /// The text that was read.
        text: String,
        /// What the members should be, e.g. `i64`.
        member_type: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A set-field function was given a value that is not one member: a collection (a
    /// tuple or a list of values), NULL, or a value that is neither text nor an integer.
    /// Combine one lookup per member instead, e.g. with `or`. Nothing is sent.
    #[error("{function} takes one member, text or an integer, but was given {found}")]
    NotOneSetMember {
        /// The function, e.g. `set_contains`.
        function: &'static str,
        /// What it was given, e.g. `a collection of 2 values`.
        found: String,
    },

    /// A query that must return a row returned none.
    #[error("no row matched the query")]
    NotFound,

    /// An object-set name or owner that cannot be stored: empty, or longer than the
    /// column holds. Nothing is sent.
    #[error("invalid object-set {field}: {reason}")]
    InvalidSetName {
        /// `name` or `owner`.
        field: &'static str,
        /// Why it was refused.
        reason: &'static str,
    },

    /// A set of this kind, with this owner, already has the name.
    #[error("an object set of kind `{kind}` named `{name}` already exists for this owner")]
    DuplicateSetName {
        /// The kind: the table whose rows the set holds.
        kind: String,
        /// The name in use.
        name: String,
    },

    /// The object-set store was installed by an earlier setql whose text columns compare
    /// names, kinds and owners as MySQL's and MariaDB's default collations do: ignoring
    /// case, accents and trailing spaces, so that `"ANN"` could reach `"ann"`'s sets.
    /// Nothing was read or written. Run [`ObjectSetStore::install`] once, which converts
    /// the columns in place.
    ///
    /// [`ObjectSetStore::install`]: crate::object_set::ObjectSetStore::install
    #[error(
        "the object-set store `{table}` compares names and owners ignoring case and accents, as earlier versions of setql installed it; run ObjectSetStore::install once to convert it"
    )]
    OutdatedStore {
        /// The store's table of sets.
        table: String,
    },

    /// Ids given as members are not keys of the kind's table; nothing was written.
    #[error("{count} of the given ids are not rows of `{kind}`")]
    MissingObjects {
        /// The kind's table.
        kind: String,
        /// How many distinct ids were not found.
        count: u64,
    },

    /// Two object sets of different kinds met in one operation.
    #[error("object sets of kinds `{left}` and `{right}` cannot be combined")]
    KindMismatch {
        /// The kind of the set operated on.
        left: String,
        /// The kind of the other set.
        right: String,
    },

    /// The kind's table, or its key column, does not exist (the database's answer is the
    /// source).
    #[error("`{table}` with key column `{key}` is not a table of this database")]
    UnknownKind {
        /// The table named as the kind.
        table: String,
        /// Its key column.
        key: String,
        /// What the database said.
        #[source]
        source: sqlx::Error,
    },

    /// A set given as the members of an object set outputs neither the kind's key column
    /// nor exactly one column, so which column holds the ids is unknown.
    #[error("a member source must output the key column `{key}` or exactly one column; it outputs ({})", columns.join(", "))]
    MemberSourceColumns {
        /// The kind's key column.
        key: String,
        /// The source's output columns.
        columns: Vec<String>,
    },

    /// `get` expected exactly one row but found more. `get` reads at most
    /// [`GET_LIMIT`](Self::GET_LIMIT)` + 1` rows, as Django does: when `exact` is true, `count`
    /// is how many rows matched (2 to `GET_LIMIT`); when it is false, more than `count`
    /// (= `GET_LIMIT`) matched.
    #[error("expected exactly one row, found {}{count}", if *exact { "" } else { "more than " })]
    MultipleRows {
        /// How many rows matched, or the cap that was passed when `exact` is false.
        count: u64,
        /// Whether `count` is the number of matching rows, rather than a lower bound.
        exact: bool,
    },

    /// A single column was asked for (e.g. `fetch_scalars`) from a set whose output has more
    /// than one column. Nothing is sent when setql knows the set's output columns; for a
    /// whole table or an adopted statement, it comes from the rows the database returned.
    #[error("reading one column needs a set with one output column; the output is ({})", output.join(", "))]
    NotOneColumn {
        /// The output columns, with `table.*` for every column of a table.
        output: Vec<String>,
    },

    /// A row came back that cannot be read as the type asked for: a column missing from the
    /// row, or holding a value of another type (e.g. `i64` read from PostgreSQL's INT4),
    /// or a value that cannot be represented (a negative `COUNT(*)`). The statement itself
    /// ran.
    #[error("could not read column `{column}` of a row: {reason}{}", sql.as_ref().map(|sql| format!("; sql: {sql}")).unwrap_or_default())]
    Decode {
        /// The column, by name, or by position when it has none.
        column: String,
        /// Why, in the driver's words; for a type mismatch they name both types.
        reason: String,
        /// The statement whose rows were read.
        sql: Option<String>,
        /// The decoder's own error, e.g. [`Error::InvalidSetText`] for a
        /// [`CommaSet`](crate::CommaSet) column, for a caller that matches on it.
        #[source]
        cause: Option<sqlx::error::BoxDynError>,
    },

    /// A statement failed in the database. The message and code are the engine's own, e.g.
    /// `no such column: birthyear` (SQLite), `42703` (PostgreSQL's SQLSTATE) or `1054`
    /// (MySQL's error number); `driver` is sqlx's error, for matching on more of it.
    ///
    /// The engine's message may quote a value the statement was given (PostgreSQL's
    /// `invalid input syntax for type integer: "abc"`): log `sql` and `code` where values
    /// must stay out of the log.
    #[error("query failed: {}{}; sql: {sql}", engine_message(driver), code.as_ref().map(|code| format!(" (code {code})")).unwrap_or_default())]
    Query {
        /// The SQL that was sent, with placeholders.
        sql: String,
        /// The engine's code: PostgreSQL's SQLSTATE, MySQL's error number, SQLite's
        /// extended result code.
        code: Option<String>,
        /// The driver's error, whose database error holds the engine's message.
        driver: sqlx::Error,
    },

    /// The engine gave up on the statement or its transaction because of another
    /// transaction, and running the transaction again can succeed: a serialization failure,
    /// a deadlock, a lock wait timeout or NOWAIT lock, a Galera certification failure (raised
    /// at COMMIT too), CockroachDB's "restart transaction", SQLite's BUSY or LOCKED.
    /// [`Error::is_retryable`] says so.
    ///
    /// Counted here: PostgreSQL's SQLSTATE 40001, 40P01 and 55P03; MySQL/MariaDB errors 1213
    /// and 1205, and 1305 for a savepoint (Galera answers a savepoint statement so after it
    /// rolled the transaction back), and TiDB's 8002, 8022, 8028 and 9007; SQLite's result
    /// codes 5 and 6 with their extended forms.
    #[error("the database gave up on the transaction for another one, so it can be run again: {}{}{}",
        engine_message(driver),
        code.as_ref().map(|code| format!(" (code {code})")).unwrap_or_default(),
        sql.as_ref().map(|sql| format!("; sql: {sql}")).unwrap_or_default())]
    Retryable {
        /// The SQL that was sent, when the failure came from a statement; `COMMIT` when it
        /// came at commit.
        sql: Option<String>,
        /// The engine's code, as for [`Error::Query`].
        code: Option<String>,
        /// The driver's error, whose database error holds the engine's message.
        driver: sqlx::Error,
    },

    /// The server or the transaction takes no writes, and the statement writes: a
    /// PostgreSQL hot standby or a `READ ONLY` transaction (SQLSTATE 25006), a MySQL or
    /// MariaDB server in `--read-only` mode (1290) or a read-only transaction (1792), a
    /// read-only SQLite database. Send writes to the primary.
    #[error("the server takes no writes (a replica or a read-only transaction){}{}",
        code.as_ref().map(|code| format!(" (code {code})")).unwrap_or_default(),
        sql.as_ref().map(|sql| format!("; sql: {sql}")).unwrap_or_default())]
    ReadOnly {
        /// The SQL that was sent, when the failure came from a statement.
        sql: Option<String>,
        /// The engine's code, as for [`Error::Query`].
        code: Option<String>,
        /// The driver's error.
        driver: sqlx::Error,
    },

    /// A replica had not applied a [`WritePosition`](crate::WritePosition) within the time
    /// given to [`wait`](crate::WritePosition::wait).
    #[error("the replica had not applied the primary's position {position} after {waited:?}")]
    ReplicaBehind {
        /// The position waited for.
        position: String,
        /// How long it was waited for.
        waited: std::time::Duration,
    },

    /// No connection could be made or kept: the pool timed out or was closed, the network,
    /// TLS or the wire protocol failed, the server refused the login or the database, or it
    /// ended the connection. The statement itself may be fine, so retrying can succeed.
    ///
    /// Counted here: sqlx's `PoolTimedOut`, `PoolClosed`, `Io`, `Tls`, `Protocol` and
    /// `WorkerCrashed`; on PostgreSQL, any `FATAL` error, SQLSTATE class 08 (but a protocol
    /// violation at `ERROR`, which a statement causes) and 28, `3D000` (no such database) and
    /// `57P01`–`57P03` (shut down or not accepting connections); MySQL/MariaDB errors 1045,
    /// 1049, 1053, 1927, 2002, 2003, 2006 and 2013; SQLite's `SQLITE_CANTOPEN`.
    #[error("no database connection{}", sql.as_ref().map(|sql| format!("; sql: {sql}")).unwrap_or_default())]
    Connection {
        /// The SQL that was to run, when the failure came while running a statement.
        sql: Option<String>,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// Any other driver error outside a statement, e.g. from `?` on a sqlx call of the
    /// caller's own. Converting a connection failure gives [`Error::Connection`] instead.
    #[error("database driver error")]
    Sqlx(#[source] sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(source: sqlx::Error) -> Self {
        Error::from_driver(None, source)
    }
}

impl Error {
    /// The most rows `get` reports exactly; see [`Error::MultipleRows`].
    pub const GET_LIMIT: u64 = 20;

    /// Whether running the transaction again can succeed: [`Error::Retryable`].
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Retryable { .. })
    }

    /// A failure while running `sql`, sorted by what it means (see [`Error::from_driver`]).
    pub(crate) fn query(sql: &str, source: sqlx::Error) -> Self {
        Error::from_driver(Some(sql), source)
    }

    /// A driver error, as [`Error::Connection`], [`Error::Retryable`], [`Error::Decode`] or,
    /// for a statement, [`Error::Query`]; any other error outside a statement stays
    /// [`Error::Sqlx`].
    fn from_driver(sql: Option<&str>, source: sqlx::Error) -> Self {
        let sql = sql.map(str::to_owned);
        let codes = match &source {
            sqlx::Error::Database(database) => Some(failure::codes(database.as_ref())),
            _ => None,
        };
        let meaning = match (&source, &codes) {
            (_, Some(codes)) => codes.failure(),
            (
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
                None,
            ) => Failure::Connection,
            _ => Failure::Other,
        };
        let code = codes.as_ref().and_then(failure::Codes::shown);
        match meaning {
            Failure::Connection => Error::Connection { sql, source },
            Failure::Retryable => Error::Retryable {
                sql,
                code,
                driver: source,
            },
            Failure::ReadOnly => Error::ReadOnly {
                sql,
                code,
                driver: source,
            },
            Failure::Undefined | Failure::Other => match (decoded(&source), sql) {
                (Some((column, reason)), sql) => Error::Decode {
                    column,
                    reason,
                    sql,
                    cause: match source {
                        sqlx::Error::ColumnDecode { source, .. } | sqlx::Error::Decode(source) => {
                            Some(source)
                        }
                        _ => None,
                    },
                },
                (None, Some(sql)) => Error::Query {
                    sql,
                    code,
                    driver: source,
                },
                (None, None) => Error::Sqlx(source),
            },
        }
    }

    /// The driver's error, when the database said that a table or column does not exist;
    /// otherwise this error, as it is.
    pub(crate) fn into_undefined_object(self) -> Result<sqlx::Error, Error> {
        match self {
            Error::Query {
                driver: sqlx::Error::Database(database),
                sql,
                code,
            } => {
                if failure::codes(database.as_ref()).failure() == Failure::Undefined {
                    Ok(sqlx::Error::Database(database))
                } else {
                    Err(Error::Query {
                        sql,
                        code,
                        driver: sqlx::Error::Database(database),
                    })
                }
            }
            other => Err(other),
        }
    }
}

/// The engine's own words for `error`, or the driver's where the engine said nothing.
fn engine_message(error: &sqlx::Error) -> String {
    match error.as_database_error() {
        Some(database) => database.message().to_owned(),
        None => error.to_string(),
    }
}

/// The column and the reason of an error reading a row, if `error` is one.
fn decoded(error: &sqlx::Error) -> Option<(String, String)> {
    // sqlx writes the column as its index's Debug form: `"name"` or `0`.
    let column = |index: &str| index.trim_matches('"').to_owned();
    match error {
        sqlx::Error::ColumnDecode { index, source } => Some((column(index), source.to_string())),
        sqlx::Error::ColumnNotFound(name) => Some((
            name.clone(),
            "the row has no column of that name".to_owned(),
        )),
        sqlx::Error::ColumnIndexOutOfBounds { index, len } => {
            Some((index.to_string(), format!("the row has {len} columns")))
        }
        sqlx::Error::Decode(source) => Some(("?".to_owned(), source.to_string())),
        _ => None,
    }
}
