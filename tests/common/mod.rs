//! Test harness: one behavioural test body, run against every reachable engine.
//!
//! SQLite runs in memory, always. PostgreSQL runs when `SETQL_POSTGRES_URL` is set
//! and the `postgres` feature is on; MySQL/MariaDB when `SETQL_MYSQL_URL` is set and
//! the `mysql` feature is on. A server that is configured but unreachable fails the
//! test under `CI=true` and is skipped, with a note on stderr, everywhere else.
//!
//! ```ignore
//! mod common;
//! use common::*;
//!
//! engines!(counts_numbers, |pool, engine| async move {
//!     let t = numbers(pool).await;
//!     let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
//!         .fetch_one(pool)
//!         .await
//!         .unwrap();
//!     assert_eq!(n, 10, "{}", engine.name());
//! });
//! ```
//!
//! Tests share one server database and run in parallel, so every table name comes
//! from [`unique`]. Each name handed out during a test is dropped when the test
//! ends, even when it panics.
#![allow(dead_code, unreachable_pub)]

pub mod capture;
// The cross-engine plans compare every engine with in-memory SQLite, so they need it.
#[cfg(feature = "sqlite")]
pub mod engines;
#[cfg(feature = "sqlite")]
pub mod keyed;
#[cfg(feature = "sqlite")]
pub mod plan;
#[cfg(feature = "sqlite")]
pub mod report;
#[cfg(feature = "sqlite")]
pub mod rows;
#[cfg(feature = "sqlite")]
pub mod strategies;

/// Rows of type `$ty` from a query set, sorted.
#[macro_export]
macro_rules! sorted {
    ($pool:expr, $ty:ty, $set:expr) => {{
        let mut rows: Vec<$ty> = $set.fetch_all($pool).await.unwrap();
        rows.sort_unstable();
        rows
    }};
}

/// Rows of type `$ty` from hand-written SQL, for cross-checking expected rows; sorted
/// unless `ordered` is given.
#[macro_export]
macro_rules! raw {
    ($pool:expr, $ty:ty, $sql:expr) => {{
        let mut rows: Vec<$ty> = $crate::raw!($pool, $ty, $sql, ordered);
        rows.sort_unstable();
        rows
    }};
    ($pool:expr, $ty:ty, $sql:expr, ordered) => {{
        // In a transaction, unnamed: as it must be behind CI's pgbouncer (transaction mode).
        let mut tx = $pool.begin().await.unwrap();
        let rows: Vec<$ty> = sqlx::query_as(sqlx::AssertSqlSafe($sql))
            .persistent(false)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        rows
    }};
}

/// The `num` of every `(id, num, other_num)` row of `$set`, in the order returned.
#[macro_export]
macro_rules! nums {
    ($pool:expr, $set:expr) => {{
        let rows: Vec<(i32, i32, i32)> = $set.fetch_all($pool).await.unwrap();
        rows.into_iter()
            .map(|(_, num, _)| num)
            .collect::<Vec<i32>>()
    }};
}

use std::cell::RefCell;
use std::io::Write as _;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::FutureExt as _;
use sqlx::{AssertSqlSafe, Connection as _, Database, Executor, Pool};

/// The engine a test body is running on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// SQLite, in memory.
    Sqlite,
    /// PostgreSQL, from `SETQL_POSTGRES_URL`.
    Postgres,
    /// MySQL or MariaDB, from `SETQL_MYSQL_URL`.
    MySql,
}

impl Engine {
    /// A short lowercase name, for assertion messages.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::MySql => "mysql",
        }
    }

    /// The dialect setql renders for this engine.
    #[must_use]
    pub fn dialect(&self) -> setql::Dialect {
        match self {
            Self::Sqlite => setql::Dialect::Sqlite,
            Self::Postgres => setql::Dialect::Postgres,
            Self::MySql => setql::Dialect::MySql,
        }
    }

    /// The engine behind a sqlx database type.
    #[must_use]
    pub fn of<DB: Database>() -> Self {
        match DB::NAME {
            "PostgreSQL" => Self::Postgres,
            "MySQL" => Self::MySql,
            "SQLite" => Self::Sqlite,
            other => panic!("setql test harness: unknown sqlx database {other}"),
        }
    }
}

/// Server pools stay small: many tests run at once against one server.
const SERVER_POOL_SIZE: u32 = 2;

/// An unreachable server should fail or skip quickly, not hang the suite.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Upper bound for [`unique`] names; PostgreSQL cuts identifiers at 63 bytes.
const MAX_NAME_LEN: usize = 50;

static NAME_COUNTER: AtomicU64 = AtomicU64::new(0);

tokio::task_local! {
    /// Names handed out by [`unique`] in the running test, in creation order.
    static CREATED: RefCell<Vec<String>>;
}

/// A table (or view) name that no other test, in this process or another, will use.
///
/// Shaped `<prefix>_<pid>_<counter>_<suffix>`, lowercase and at most 50 characters.
/// Inside a test run by [`engines!`] the name is also put on the cleanup list, so
/// the table is dropped from the server when the test ends.
#[must_use]
pub fn unique(prefix: &str) -> String {
    let counter = NAME_COUNTER.fetch_add(1, Ordering::Relaxed);
    // Guards against leftovers of an earlier run whose process had the same id.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tail = format!(
        "_{}_{counter}_{}",
        std::process::id(),
        base36(nanos % 46_656)
    );
    let keep = MAX_NAME_LEN.saturating_sub(tail.len());
    let head: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(keep)
        .collect();
    let name = format!("{head}{tail}");
    // Outside a harness test there is no list to join; the caller cleans up.
    let _ = CREATED.try_with(|created| created.borrow_mut().push(name.clone()));
    name
}

/// Puts `name`, a table a test creates under a name [`unique`] did not hand out (e.g. a
/// table named from a unique prefix), on the cleanup list of the running [`engines!`] test.
/// Tables are dropped in reverse order of registration.
pub fn drop_later(name: &str) {
    let _ = CREATED.try_with(|created| created.borrow_mut().push(name.to_owned()));
}

fn base36(mut n: u32) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Runs one or more raw SQL statements (DDL or DML), panicking with the SQL on error.
pub async fn exec<DB>(pool: &Pool<DB>, sql: impl Into<String>)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let sql = sql.into();
    if let Err(err) = try_exec(pool, sql.clone()).await {
        panic!("{} failed: {err}\nSQL: {sql}", DB::NAME);
    }
}

/// Runs one or more raw SQL statements and returns the error instead of panicking.
pub async fn try_exec<DB>(pool: &Pool<DB>, sql: impl Into<String>) -> Result<(), sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    sqlx::raw_sql(AssertSqlSafe(sql.into()))
        .execute(pool)
        .await
        .map(drop)
}

/// Drops a table if it exists (with `CASCADE` on PostgreSQL). Best effort: errors are ignored.
pub async fn drop_table<DB>(pool: &Pool<DB>, name: &str)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let cascade = if Engine::of::<DB>() == Engine::Postgres {
        " CASCADE"
    } else {
        ""
    };
    let _ = try_exec(pool, format!("DROP TABLE IF EXISTS {name}{cascade}")).await;
}

/// Drops a view if it exists (with `CASCADE` on PostgreSQL). Best effort: errors are ignored.
pub async fn drop_view<DB>(pool: &Pool<DB>, name: &str)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let cascade = if Engine::of::<DB>() == Engine::Postgres {
        " CASCADE"
    } else {
        ""
    };
    let _ = try_exec(pool, format!("DROP VIEW IF EXISTS {name}{cascade}")).await;
}

/// Creates the `numbers` fixture under a fresh [`unique`] name and returns that name.
///
/// `(id INTEGER PRIMARY KEY, num INTEGER NOT NULL, other_num INTEGER NOT NULL)`
/// holding `num` 0..=9, `id = num + 1` and `other_num = 10 - num`.
pub async fn numbers<DB>(pool: &Pool<DB>) -> String
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let name = unique("numbers");
    numbers_named(pool, &name).await;
    name
}

/// Creates the `numbers` fixture under the given name (see [`numbers`]).
pub async fn numbers_named<DB>(pool: &Pool<DB>, name: &str)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let rows: Vec<String> = (0..=9)
        .map(|num| format!("({}, {num}, {})", num + 1, 10 - num))
        .collect();
    exec(
        pool,
        format!(
            "CREATE TABLE {name} (id INTEGER PRIMARY KEY, num INTEGER NOT NULL, \
             other_num INTEGER NOT NULL)"
        ),
    )
    .await;
    exec(
        pool,
        format!(
            "INSERT INTO {name} (id, num, other_num) VALUES {}",
            rows.join(", ")
        ),
    )
    .await;
}

/// Runs a test body, then drops every name [`unique`] handed out during it
/// (on servers only; an in-memory SQLite database dies with its pool).
/// A panic in the body is re-raised after the cleanup.
pub async fn run<DB, F>(pool: &Pool<DB>, body: F)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    F: Future<Output = ()>,
{
    let (outcome, created) = CREATED
        .scope(RefCell::new(Vec::new()), async {
            let outcome = AssertUnwindSafe(body).catch_unwind().await;
            (outcome, CREATED.with(RefCell::take))
        })
        .await;
    if Engine::of::<DB>() != Engine::Sqlite && !created.is_empty() {
        // Tests close (clones of) their pool to prove nothing is sent; cleanup then needs a
        // pool of its own.
        let reopened = if pool.is_closed() {
            reopen::<DB>().await
        } else {
            None
        };
        let cleanup = reopened.as_ref().unwrap_or(pool);
        // Reverse order, so a table goes before the tables it references.
        for name in created.iter().rev() {
            drop_view(cleanup, name).await;
            drop_table(cleanup, name).await;
        }
        if let Some(reopened) = reopened {
            reopened.close().await;
        }
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// A one-connection pool on the server of `DB`, from its URL variable.
async fn reopen<DB: Database>() -> Option<Pool<DB>> {
    let var = match Engine::of::<DB>() {
        Engine::Postgres => "SETQL_POSTGRES_URL",
        Engine::MySql => "SETQL_MYSQL_URL",
        Engine::Sqlite => return None,
    };
    let url = std::env::var(var).ok()?;
    sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(1)
        .connect(&url)
        .await
        .ok()
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// What this process has learnt about one server so far.
struct ServerStatus {
    /// A connection has succeeded once, so the probe is skipped from then on.
    up: AtomicBool,
    /// A probe has failed once, so later tests skip without waiting again.
    down: AtomicBool,
}

impl ServerStatus {
    const fn new() -> Self {
        Self {
            up: AtomicBool::new(false),
            down: AtomicBool::new(false),
        }
    }
}

/// A small pool on the server named by `var`, or `None` when that variable is unset
/// or (outside CI) the server cannot be reached.
async fn server_pool<DB: Database>(var: &str, status: &ServerStatus) -> Option<Pool<DB>> {
    let engine = Engine::of::<DB>();
    let url = std::env::var(var)
        .ok()
        .filter(|url| !url.trim().is_empty())?;
    if status.down.load(Ordering::Relaxed) {
        if in_ci() {
            panic!(
                "{var} is set but {} cannot be reached (CI=true)",
                engine.name()
            );
        }
        return None;
    }
    if !status.up.load(Ordering::Relaxed) {
        // One plain connection answers "reachable?" at once; a pool would keep
        // retrying a refused connection until its acquire timeout.
        let probe = match tokio::time::timeout(CONNECT_TIMEOUT, DB::Connection::connect(&url)).await
        {
            Ok(Ok(conn)) => conn.close().await.map_err(|err| err.to_string()),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err(format!("no answer within {CONNECT_TIMEOUT:?}")),
        };
        if let Err(reason) = probe {
            let first = !status.down.swap(true, Ordering::Relaxed);
            if in_ci() {
                panic!(
                    "{var} is set but {} cannot be reached (CI=true, so this fails): {reason}",
                    engine.name()
                );
            }
            if first {
                // Straight to the stream: libtest captures `eprintln!` of passing tests.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {var} is set but {} cannot be reached ({reason}); skipping its tests",
                    engine.name()
                );
            }
            return None;
        }
        status.up.store(true, Ordering::Relaxed);
    }
    // Behind a pooler in transaction mode (CI's pgbouncer run), statements go unnamed.
    if std::env::var("SETQL_UNNAMED_STATEMENTS").is_ok_and(|v| v == "1" || v == "true") {
        setql::use_prepared_statements(setql::PreparedStatements::Unnamed);
    }
    let pool = sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(SERVER_POOL_SIZE)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect(&url)
        .await
        .unwrap_or_else(|err| panic!("{var}: {} pool failed to open: {err}", engine.name()));
    Some(pool)
}

/// A fresh in-memory SQLite database for one test.
#[cfg(feature = "sqlite")]
pub async fn sqlite_pool() -> sqlx::SqlitePool {
    // One connection that never retires: the in-memory database lives exactly as
    // long as that connection, and every query of the test must see it.
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect("sqlite::memory:")
        .await
        .unwrap_or_else(|err| panic!("in-memory SQLite failed to open: {err}"))
}

/// A small pool on `SETQL_POSTGRES_URL`, or `None` when PostgreSQL is not configured
/// or (outside CI) not reachable.
#[cfg(feature = "postgres")]
pub async fn postgres_pool() -> Option<sqlx::PgPool> {
    static STATUS: ServerStatus = ServerStatus::new();
    server_pool("SETQL_POSTGRES_URL", &STATUS).await
}

/// A small pool on `SETQL_MYSQL_URL`, or `None` when MySQL/MariaDB is not configured
/// or (outside CI) not reachable.
#[cfg(feature = "mysql")]
pub async fn mysql_pool() -> Option<sqlx::MySqlPool> {
    static STATUS: ServerStatus = ServerStatus::new();
    server_pool("SETQL_MYSQL_URL", &STATUS).await
}

/// Generates one `#[tokio::test]` per engine from a single body.
///
/// ```ignore
/// engines!(
///     /// Optional doc comments and attributes go on every generated test.
///     sums_numbers,
///     |pool, engine| async move {
///         let t = numbers(pool).await;
///         // `pool: &sqlx::Pool<Db>`, `engine: Engine`, `Db` = that engine's sqlx database type
///     }
/// );
/// ```
///
/// expands to a module `sums_numbers` holding `sqlite`, `postgres` and `mysql` tests,
/// each behind its cargo feature (run one engine with `cargo test ::postgres`).
/// The body is pasted once per engine, so it is compiled for each database type.
/// `async move` before the body is optional.
#[macro_export]
macro_rules! engines {
    (
        $(#[$attr:meta])*
        $name:ident, |$pool:ident, $engine:ident| $(async)? $(move)? $body:block $(,)?
    ) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $(#[$attr])*
            #[cfg(feature = "sqlite")]
            #[tokio::test]
            async fn sqlite() {
                #[allow(dead_code)]
                type Db = sqlx::Sqlite;
                let pool = $crate::common::sqlite_pool().await;
                let $pool: &sqlx::Pool<Db> = &pool;
                let $engine = $crate::common::Engine::Sqlite;
                let _ = $engine;
                $crate::common::run($pool, async move $body).await;
                pool.close().await;
            }

            $(#[$attr])*
            #[cfg(feature = "postgres")]
            #[tokio::test]
            async fn postgres() {
                #[allow(dead_code)]
                type Db = sqlx::Postgres;
                let Some(pool) = $crate::common::postgres_pool().await else {
                    return;
                };
                let $pool: &sqlx::Pool<Db> = &pool;
                let $engine = $crate::common::Engine::Postgres;
                let _ = $engine;
                $crate::common::run($pool, async move $body).await;
                pool.close().await;
            }

            $(#[$attr])*
            #[cfg(feature = "mysql")]
            #[tokio::test]
            async fn mysql() {
                #[allow(dead_code)]
                type Db = sqlx::MySql;
                let Some(pool) = $crate::common::mysql_pool().await else {
                    return;
                };
                let $pool: &sqlx::Pool<Db> = &pool;
                let $engine = $crate::common::Engine::MySql;
                let _ = $engine;
                $crate::common::run($pool, async move $body).await;
                pool.close().await;
            }
        }
    };
}

/// How many cases a fuzz suite generates: `SETQL_FUZZ_CASES` (CI runs 500), else 64.
#[must_use]
pub fn fuzz_cases() -> usize {
    std::env::var("SETQL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}
