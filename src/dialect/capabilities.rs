//! Which set operations each engine runs natively, which setql emulates, and why.
//!
//! | operation | SQLite | PostgreSQL | MariaDB | MySQL |
//! |---|---|---|---|---|
//! | `INTERSECT` / `EXCEPT` | native | native | native ≥ 10.3, else `EXISTS` | native ≥ 8.0.31, else `EXISTS` |
//! | `INTERSECT ALL` / `EXCEPT ALL` | `ROW_NUMBER()` | native | native ≥ 10.5, else `ROW_NUMBER()` (≥ 10.2) | native ≥ 8.0.31, else `ROW_NUMBER()` (≥ 8.0) |
//!
//! The `EXISTS` emulation compares with null-safe equality, so NULLs match as the native
//! operators match them. The `ROW_NUMBER()` emulation numbers the copies of each row on both
//! sides (`PARTITION BY` every column), applies the plain operator, and drops the number.

use std::fmt;

use super::Dialect;

/// A set operation whose support differs between engines. `UNION` and `UNION ALL` run
/// natively everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SetOperation {
    /// `INTERSECT`.
    Intersect,
    /// `EXCEPT`.
    Except,
    /// `INTERSECT ALL`.
    IntersectAll,
    /// `EXCEPT ALL`.
    ExceptAll,
}

impl SetOperation {
    fn has_all(self) -> bool {
        matches!(self, SetOperation::IntersectAll | SetOperation::ExceptAll)
    }
}

/// How an engine runs one set operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Support {
    /// The engine's own operator.
    Native,
    /// `EXISTS` / `NOT EXISTS` with null-safe equality on every column.
    EmulatedByExists {
        /// Why the native operator is not used.
        reason: &'static str,
    },
    /// `ROW_NUMBER()` numbering of duplicates, then the plain operator; `plain_by_exists`
    /// says whether that plain operator is itself emulated.
    EmulatedByRowNumber {
        /// Why the native operator is not used.
        reason: &'static str,
        /// Whether the plain operator is emulated with `EXISTS` too.
        plain_by_exists: bool,
    },
    /// Neither native nor emulated.
    Unsupported {
        /// What is missing.
        reason: &'static str,
    },
}

impl fmt::Display for Support {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Support::Native => f.write_str("native"),
            Support::EmulatedByExists { reason } => write!(f, "emulated with EXISTS ({reason})"),
            Support::EmulatedByRowNumber {
                reason,
                plain_by_exists,
            } => {
                let plain = if *plain_by_exists { " and EXISTS" } else { "" };
                write!(f, "emulated with ROW_NUMBER(){plain} ({reason})")
            }
            Support::Unsupported { reason } => write!(f, "unsupported ({reason})"),
        }
    }
}

/// What one server can do, for rendering. [`Capabilities::new`] assumes a current server;
/// [`Capabilities::with_server_version`] or `Capabilities::detect` adapt to an older one,
/// and the `without_*` methods force an emulation (e.g. to test it against the native
/// operator).
///
/// ```
/// use setql::prelude::*;
/// use setql::{SetOperation, Support};
///
/// let both = QuerySet::table("posts")
///     .columns(["id"])
///     .intersection(QuerySet::table("drafts").columns(["id"]));
/// assert_eq!(
///     both.to_sql(Dialect::MySql).unwrap(),
///     "SELECT `id` FROM `posts` INTERSECT (SELECT `id` FROM `drafts`)"
/// );
/// // MySQL before 8.0.31 has no INTERSECT: `both.on(&old).fetch_all(&pool)` sends EXISTS.
/// let old = Capabilities::new(Dialect::MySql).with_server_version("8.0.30");
/// assert!(matches!(old.support(SetOperation::Intersect), Support::EmulatedByExists { .. }));
/// assert_eq!(
///     both.on(&old).to_sql().unwrap(),
///     "SELECT DISTINCT `a1`.* FROM (SELECT `id` FROM `posts`) AS `a1` WHERE EXISTS(SELECT 1 FROM (SELECT `id` FROM `drafts`) AS `b2` WHERE `a1`.`id` <=> `b2`.`id`)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    dialect: Dialect,
    server: Server,
    server_version: Option<String>,
    native_intersect_except: bool,
    native_all: bool,
    window_functions: bool,
    forced: Option<&'static str>,
}

impl Capabilities {
    /// A current server of `dialect`: PostgreSQL, MySQL ≥ 8.0.31 / MariaDB ≥ 10.5, or SQLite.
    #[must_use]
    pub fn new(dialect: Dialect) -> Self {
        Capabilities {
            dialect,
            server: match dialect {
                Dialect::Sqlite => Server::Sqlite,
                Dialect::Postgres => Server::Postgres,
                Dialect::MySql => Server::MySql,
            },
            server_version: None,
            native_intersect_except: true,
            native_all: dialect != Dialect::Sqlite,
            window_functions: true,
            forced: None,
        }
    }

    /// Adapts to the server that reported `version` (e.g. `SELECT VERSION()` on MySQL,
    /// `10.11.6-MariaDB` or `8.0.30`), and names it ([`server`](Self::server)):
    /// TiDB (`8.0.11-TiDB-v7.5.0`) and Vitess (`8.0.30-Vitess`) by their MySQL version
    /// strings, CockroachDB and YugabyteDB (`PostgreSQL 11.2-YB-2.20.0.0-b0`) by
    /// PostgreSQL's `version()`.
    #[must_use]
    pub fn with_server_version(mut self, version: &str) -> Self {
        self.server_version = Some(version.to_owned());
        self.server = Server::named(self.dialect, version);
        if self.dialect != Dialect::MySql {
            return self;
        }
        let number = |part: Option<&str>| -> u32 {
            part.map(|p| {
                p.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(0)
        };
        let mut parts = version.split('.');
        let triple = (
            number(parts.next()),
            number(parts.next()),
            number(parts.next()),
        );
        let at_least = |v: (u32, u32, u32)| triple >= v;
        if self.server == Server::TiDb {
            // TiDB reports MySQL 8.0.11 whatever its release; it has INTERSECT and EXCEPT
            // (since 5.0) and window functions, but neither `ALL` form.
            self.native_intersect_except = true;
            self.native_all = false;
            self.window_functions = true;
        } else if self.server == Server::Vitess {
            // vtgate plans no `ROW_NUMBER() OVER` across shards, so the `ALL` forms have no
            // emulation; INTERSECT and EXCEPT follow the MySQL version it reports.
            self.native_intersect_except = at_least((8, 0, 31));
            self.native_all = false;
            self.window_functions = false;
        } else if self.server == Server::MariaDb {
            self.native_intersect_except = at_least((10, 3, 0));
            self.native_all = at_least((10, 5, 0));
            self.window_functions = at_least((10, 2, 0));
        } else {
            self.native_intersect_except = at_least((8, 0, 31));
            self.native_all = at_least((8, 0, 31));
            self.window_functions = at_least((8, 0, 0));
        }
        self
    }

    /// Pretends the server has no native `INTERSECT` / `EXCEPT` (nor their `ALL` forms), so
    /// the `EXISTS` emulations run.
    #[must_use]
    pub fn without_native_intersect_except(mut self) -> Self {
        self.native_intersect_except = false;
        self.native_all = false;
        self.forced = Some("forced by without_native_intersect_except");
        self
    }

    /// Pretends the server has no native `INTERSECT ALL` / `EXCEPT ALL`, so the
    /// `ROW_NUMBER()` emulation runs.
    #[must_use]
    pub fn without_native_all(mut self) -> Self {
        self.native_all = false;
        self.forced = Some("forced by without_native_all");
        self
    }

    /// The dialect these capabilities render for.
    #[must_use]
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Which server these capabilities describe: the dialect's own until
    /// [`with_server_version`](Self::with_server_version) or `detect` names another that
    /// speaks it.
    #[must_use]
    pub fn server(&self) -> Server {
        self.server
    }

    /// The server version these capabilities were read from, if any.
    #[must_use]
    pub fn server_version(&self) -> Option<&str> {
        self.server_version.as_deref()
    }

    /// How `operation` runs here.
    #[must_use]
    pub fn support(&self, operation: SetOperation) -> Support {
        let reason = self
            .forced
            .unwrap_or(match (self.dialect, operation.has_all()) {
                (Dialect::Sqlite, true) => "SQLite has no INTERSECT ALL or EXCEPT ALL",
                (Dialect::MySql, true) => "needs MySQL 8.0.31 or MariaDB 10.5",
                (Dialect::MySql, false) => "needs MySQL 8.0.31 or MariaDB 10.3",
                _ => "not available on this server",
            });
        if !operation.has_all() {
            return if self.native_intersect_except {
                Support::Native
            } else {
                Support::EmulatedByExists { reason }
            };
        }
        if self.native_all {
            Support::Native
        } else if self.window_functions {
            Support::EmulatedByRowNumber {
                reason,
                plain_by_exists: !self.native_intersect_except,
            }
        } else {
            Support::Unsupported {
                reason: "the server has no window functions (MySQL 8.0 or MariaDB 10.2 needed)",
            }
        }
    }
}

/// A server that speaks one of setql's dialects, as its version string names it.
///
/// The README's "Distributed engines" section says what setql does on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Server {
    /// SQLite.
    Sqlite,
    /// PostgreSQL, or a server that names itself as it (Citus, an extension, does).
    Postgres,
    /// CockroachDB, which speaks PostgreSQL's protocol.
    CockroachDb,
    /// YugabyteDB's YSQL, which speaks PostgreSQL's protocol.
    YugabyteDb,
    /// MySQL, or a server that names itself as it.
    MySql,
    /// MariaDB, Galera clusters included.
    MariaDb,
    /// TiDB, which speaks MySQL's protocol.
    TiDb,
    /// Vitess's vtgate, which speaks MySQL's protocol.
    Vitess,
}

impl Server {
    fn named(dialect: Dialect, version: &str) -> Server {
        let version = version.to_ascii_lowercase();
        match dialect {
            Dialect::Sqlite => Server::Sqlite,
            Dialect::Postgres if version.contains("cockroachdb") => Server::CockroachDb,
            Dialect::Postgres if version.contains("-yb-") => Server::YugabyteDb,
            Dialect::Postgres => Server::Postgres,
            Dialect::MySql if version.contains("-tidb-") => Server::TiDb,
            Dialect::MySql if version.contains("vitess") => Server::Vitess,
            Dialect::MySql if version.contains("mariadb") => Server::MariaDb,
            Dialect::MySql => Server::MySql,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(dialect: Dialect, version: &str) -> Capabilities {
        Capabilities::new(dialect).with_server_version(version)
    }

    #[test]
    fn distributed_servers_are_named_by_their_version_strings() {
        let tidb = of(Dialect::MySql, "8.0.11-TiDB-v7.5.0");
        assert_eq!(tidb.server(), Server::TiDb);
        // TiDB's MySQL number is old, but it has INTERSECT; `ALL` is emulated.
        assert_eq!(tidb.support(SetOperation::Intersect), Support::Native);
        assert!(matches!(
            tidb.support(SetOperation::IntersectAll),
            Support::EmulatedByRowNumber { .. }
        ));
        let vitess = of(Dialect::MySql, "8.0.30-Vitess");
        assert_eq!(vitess.server(), Server::Vitess);
        assert!(matches!(
            vitess.support(SetOperation::ExceptAll),
            Support::Unsupported { .. }
        ));
        assert_eq!(
            of(Dialect::MySql, "10.11.19-MariaDB-0+deb12u1").server(),
            Server::MariaDb
        );
        assert_eq!(of(Dialect::MySql, "8.4.3").server(), Server::MySql);
        assert_eq!(
            of(
                Dialect::Postgres,
                "CockroachDB CCL v24.2.4 (x86_64-pc-linux-gnu)"
            )
            .server(),
            Server::CockroachDb
        );
        assert_eq!(
            of(
                Dialect::Postgres,
                "PostgreSQL 11.2-YB-2.20.0.0-b0 on x86_64-pc-linux-gnu"
            )
            .server(),
            Server::YugabyteDb
        );
        assert_eq!(
            of(
                Dialect::Postgres,
                "PostgreSQL 15.19 (Debian 15.19-0+deb12u1)"
            )
            .server(),
            Server::Postgres
        );
        assert_eq!(Capabilities::new(Dialect::Sqlite).server(), Server::Sqlite);
    }
}
