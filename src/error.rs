//! The one error type of the crate.

use crate::Dialect;

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
        "output column `{column}` is an aggregate, which needs grouping; setql does not group sets yet"
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
    /// ordering, or over a column whose type has no cursor form.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),

    /// A query that must return a row returned none.
    #[error("no row matched the query")]
    NotFound,

    /// `get` expected exactly one row but found more.
    #[error("expected exactly one row, found {count}")]
    MultipleRows {
        /// How many rows matched.
        count: u64,
    },

    /// The database returned a value that cannot be represented, e.g. a negative `COUNT(*)`.
    #[error("the database returned an unexpected value: {0}")]
    Decode(String),

    /// A statement failed in the database; `sql` is the statement that failed.
    #[error("query failed: {source}; sql: {sql}")]
    Query {
        /// The SQL that was sent, with placeholders.
        sql: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A driver error outside a statement, e.g. acquiring a connection.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl Error {
    pub(crate) fn query(sql: &str, source: sqlx::Error) -> Self {
        Error::Query {
            sql: sql.to_owned(),
            source,
        }
    }
}
