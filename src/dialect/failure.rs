//! What a driver error means, read from each engine's own codes: a lost or refused
//! connection, a conflict with other transactions that a retry can resolve, a table or column
//! that does not exist, or anything else.
//!
//! | meaning | PostgreSQL (SQLSTATE) | MySQL / MariaDB (error number) | SQLite (result code) |
//! |---|---|---|---|
//! | connection | any FATAL; class 08 (not 08P01 at ERROR), class 28, 3D000, 57P01–57P03 | 1045, 1049, 1053, 1927, 2002, 2003, 2006, 2013 | CANTOPEN (14) |
//! | retryable | 40001 (also CockroachDB's "restart transaction"), 40P01, 55P03 | 1213 (also Galera's certification failures), 1205, 1305 "SAVEPOINT … does not exist" (a transaction rolled back under setql's savepoint); TiDB's 8002, 8022, 8028, 9007 | BUSY (5), LOCKED (6) |
//! | read-only (a replica, or a read-only transaction) | 25006 | 1290, 1792 | READONLY (8) |
//! | undefined table or column | 42P01, 42703 | 1146, 1054 | "no such table", "no such column" |
//!
//! MariaDB Galera's 1047 ("WSREP has not yet prepared node for application use"), from a
//! node outside the primary component, counts as a connection failure: that node cannot
//! serve, and another one can.

/// What a failed statement or connection means to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No connection could be made or kept.
    Connection,
    /// The engine gave up on the statement or transaction because of another one; running
    /// the transaction again can succeed.
    Retryable,
    /// The server or the transaction takes no writes: a hot standby, a server in
    /// read-only mode, a `READ ONLY` transaction.
    ReadOnly,
    /// A table or column the statement names does not exist.
    Undefined,
    /// Anything else: the statement itself is at fault.
    Other,
}

/// The codes of a database error, read from the driver: the SQLSTATE, MySQL's error number,
/// SQLite's extended result code, and whether PostgreSQL ended the session.
#[derive(Debug, Default)]
pub(crate) struct Codes<'e> {
    pub(crate) engine: Option<crate::Dialect>,
    pub(crate) sqlstate: Option<std::borrow::Cow<'e, str>>,
    pub(crate) number: Option<u32>,
    pub(crate) fatal: bool,
    pub(crate) message: &'e str,
}

impl Codes<'_> {
    /// The most specific code, as a caller reads it in an error message: the SQLSTATE on
    /// PostgreSQL, the error number on MySQL/MariaDB, the extended result code on SQLite.
    pub(crate) fn shown(&self) -> Option<String> {
        match self.engine {
            Some(crate::Dialect::MySql) => self.number.map(|number| number.to_string()),
            _ => self.sqlstate.as_deref().map(str::to_owned),
        }
    }

    pub(crate) fn failure(&self) -> Failure {
        let code = self.sqlstate.as_deref().unwrap_or("");
        match self.engine {
            Some(crate::Dialect::Postgres) => postgres(code, self.fatal),
            Some(crate::Dialect::MySql) => self
                .number
                .map_or(Failure::Other, |number| mysql(number, self.message)),
            Some(crate::Dialect::Sqlite) => sqlite(code, self.message),
            None => Failure::Other,
        }
    }
}

fn postgres(code: &str, fatal: bool) -> Failure {
    // A FATAL error ends the session whatever its code. A protocol violation at ERROR
    // (08P01, e.g. a NUL in an identifier) is the statement's, and leaves the session usable.
    if fatal
        || (code.starts_with("08") && code != "08P01")
        || code.starts_with("28")
        || matches!(code, "3D000" | "57P01" | "57P02" | "57P03")
    {
        return Failure::Connection;
    }
    match code {
        // Serialization failure (CockroachDB and YugabyteDB use it for their restarts too),
        // deadlock, lock not available (NOWAIT, lock_timeout).
        "40001" | "40P01" | "55P03" => Failure::Retryable,
        "25006" => Failure::ReadOnly,
        "42P01" | "42703" => Failure::Undefined,
        _ => Failure::Other,
    }
}

fn mysql(number: u32, message: &str) -> Failure {
    match number {
        // "SAVEPOINT … does not exist", when setql releases or rolls back to a savepoint it
        // made: the server rolled the whole transaction back under it. Galera does so when
        // another node's write set aborts this transaction, and then answers the next
        // savepoint statement with 1305 instead of 1213. (1305 also names a missing
        // function or procedure, which stays the statement's fault.)
        1305 if message.starts_with("SAVEPOINT") => Failure::Retryable,
        // Access denied, unknown database, shutdown, connection killed, and the client's own
        // cannot-connect and lost-connection errors.
        // Galera's node outside the primary component.
        1045 | 1047 | 1049 | 1053 | 1927 | 2002 | 2003 | 2006 | 2013 => Failure::Connection,
        // Deadlock (and Galera's certification failures and brute-force aborts, which
        // report it), lock wait timeout; TiDB's write conflicts and transaction retries.
        1213 | 1205 | 8002 | 8022 | 8028 | 9007 => Failure::Retryable,
        // `--read-only` (a replica), a `READ ONLY` transaction.
        1290 | 1792 => Failure::ReadOnly,
        1146 | 1054 => Failure::Undefined,
        _ => Failure::Other,
    }
}

fn sqlite(code: &str, message: &str) -> Failure {
    const BUSY: i64 = 5;
    const LOCKED: i64 = 6;
    const READONLY: i64 = 8;
    const CANTOPEN: i64 = 14;
    let primary = code.parse::<i64>().ok().map(|code| code & 0xff);
    match primary {
        Some(CANTOPEN) => Failure::Connection,
        Some(BUSY | LOCKED) => Failure::Retryable,
        Some(READONLY) => Failure::ReadOnly,
        // SQLite reports both as a plain SQLITE_ERROR, so only its words tell.
        _ if message.starts_with("no such table") || message.starts_with("no such column") => {
            Failure::Undefined
        }
        _ => Failure::Other,
    }
}

/// The codes of `error`, read through the driver of whichever engine raised it.
pub(crate) fn codes(error: &dyn sqlx::error::DatabaseError) -> Codes<'_> {
    let message = error.message();
    #[cfg(feature = "postgres")]
    if let Some(error) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        use sqlx::postgres::PgSeverity;
        return Codes {
            engine: Some(crate::Dialect::Postgres),
            sqlstate: Some(error.code().into()),
            number: None,
            fatal: matches!(error.severity(), PgSeverity::Fatal | PgSeverity::Panic),
            message,
        };
    }
    #[cfg(feature = "mysql")]
    if let Some(mysql) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return Codes {
            engine: Some(crate::Dialect::MySql),
            sqlstate: mysql.code().map(Into::into),
            number: Some(u32::from(mysql.number())),
            fatal: false,
            message,
        };
    }
    #[cfg(feature = "sqlite")]
    if error
        .try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some()
    {
        return Codes {
            engine: Some(crate::Dialect::Sqlite),
            sqlstate: error.code(),
            number: None,
            fatal: false,
            message,
        };
    }
    Codes {
        sqlstate: error.code(),
        message,
        ..Codes::default()
    }
}

#[cfg(test)]
mod tests {
    use super::{Failure, mysql, postgres, sqlite};

    #[test]
    fn each_engine_reads_its_own_codes() {
        assert_eq!(postgres("40001", false), Failure::Retryable);
        assert_eq!(postgres("40P01", false), Failure::Retryable);
        assert_eq!(postgres("55P03", false), Failure::Retryable);
        assert_eq!(postgres("42P01", false), Failure::Undefined);
        assert_eq!(postgres("42501", false), Failure::Other);
        assert_eq!(postgres("08P01", false), Failure::Other);
        assert_eq!(postgres("08006", false), Failure::Connection);
        assert_eq!(postgres("42601", true), Failure::Connection);
        assert_eq!(mysql(1213, ""), Failure::Retryable);
        assert_eq!(mysql(1205, ""), Failure::Retryable);
        assert_eq!(mysql(1290, ""), Failure::ReadOnly);
        assert_eq!(mysql(1792, ""), Failure::ReadOnly);
        assert_eq!(mysql(1047, ""), Failure::Connection);
        assert_eq!(postgres("25006", false), Failure::ReadOnly);
        assert_eq!(sqlite("8", ""), Failure::ReadOnly);
        assert_eq!(sqlite("1032", ""), Failure::ReadOnly);
        assert_eq!(mysql(1054, ""), Failure::Undefined);
        assert_eq!(mysql(2013, ""), Failure::Connection);
        assert_eq!(mysql(1062, ""), Failure::Other);
        assert_eq!(
            mysql(1305, "SAVEPOINT _sqlx_savepoint_1 does not exist"),
            Failure::Retryable
        );
        assert_eq!(
            mysql(1305, "FUNCTION test.nope does not exist"),
            Failure::Other
        );
        // SQLITE_BUSY_SNAPSHOT (517) and SQLITE_LOCKED_SHAREDCACHE (262) are extended codes.
        assert_eq!(sqlite("517", ""), Failure::Retryable);
        assert_eq!(sqlite("262", ""), Failure::Retryable);
        assert_eq!(sqlite("1", "no such column: birthyear"), Failure::Undefined);
        assert_eq!(sqlite("14", ""), Failure::Connection);
        assert_eq!(sqlite("1", "near \"x\": syntax error"), Failure::Other);
    }
}
